//! Shutdown on SIGINT or SIGTERM, shared by the service (drain, then stop) and
//! batch scoring (finish the rows read, then stop).

/// Resolves on SIGINT or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received: finishing work in flight");
}

/// How long in-flight work may run after SIGINT/SIGTERM.
pub const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
