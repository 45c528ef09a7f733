//! The HTTP service: `POST /v1/score`, `POST /v1/score/batch`, `GET /health`,
//! `/info`, `/metrics`, `/openapi.json`, `/docs`, and the creator draft checker
//! page at `/` ([`page`]). Bounded bodies, batch sizes,
//! text lengths, concurrency, connections and client slowness (see [`listen`]);
//! JSON errors everywhere; graceful shutdown.

mod drain;
pub mod error;
pub mod listen;
mod metrics;
pub mod page;
pub mod routes;
pub mod schema;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::{Serialize, Serializer};
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::engine::{Engine, EngineError};
pub use drain::DRAIN_CAP;
pub use error::{ApiError, ErrorBody};

/// Request limits, reported at `/info`.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    /// Most notes in one batch request.
    pub max_batch: usize,
    /// Most characters in one note.
    pub max_chars: usize,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Most requests in flight before 429.
    pub max_concurrent: usize,
    /// Most open connections; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Time a request head may take from its first byte to its end.
    #[serde(rename = "header_timeout_secs", serialize_with = "secs")]
    pub header_timeout: Duration,
    /// Time a connection with no request in flight may stay silent.
    #[serde(rename = "idle_timeout_secs", serialize_with = "secs")]
    pub idle_timeout: Duration,
    /// Time a request body may take to arrive once its head has (408 after).
    #[serde(rename = "body_timeout_secs", serialize_with = "secs")]
    pub body_timeout: Duration,
}

fn secs<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch: 256,
            max_chars: 20_000,
            max_body: 1 << 20,
            max_concurrent: 512,
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// Shared state of the service.
pub struct AppState {
    engine: OnceLock<Arc<Engine>>,
    status: RwLock<String>,
    /// Request limits.
    pub limits: Limits,
    inflight: Arc<Semaphore>,
    metrics: PrometheusHandle,
}

impl AppState {
    /// A state with no engine yet: `/health` says 503 until [`AppState::set_engine`].
    pub fn new(limits: Limits) -> Arc<AppState> {
        Arc::new(AppState {
            engine: OnceLock::new(),
            status: RwLock::new("loading models".into()),
            inflight: Arc::new(Semaphore::new(limits.max_concurrent)),
            limits,
            metrics: metrics::handle(),
        })
    }

    /// Makes the service ready.
    pub fn set_engine(&self, engine: Arc<Engine>) {
        let _ = self.engine.set(engine);
        self.set_status("ready");
    }

    /// Updates the loading status shown at `/info`.
    pub fn set_status(&self, s: &str) {
        if let Ok(mut st) = self.status.write() {
            *st = s.to_owned();
        }
    }

    /// The loading status.
    pub fn status(&self) -> String {
        self.status.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// The engine, or 503 while loading.
    pub fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        self.engine.get().cloned().ok_or(ApiError::NotReady)
    }
}

/// Rejects with 429 when more than `max_concurrent` scoring requests are in flight.
async fn limit_concurrency(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match app.inflight.clone().try_acquire_owned() {
        Ok(permit) => {
            let resp = next.run(req).await;
            drop(permit);
            resp
        }
        Err(_) => ApiError::TooManyRequests {
            limit: app.limits.max_concurrent,
        }
        .into_response(),
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

/// The service's router. `cors_origins` empty: no CORS headers; `*`: any origin.
pub fn router(app: Arc<AppState>, cors_origins: &[String]) -> Router {
    let scoring = Router::new()
        .route("/v1/score", post(routes::score))
        .route("/v1/score/batch", post(routes::score_batch))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            limit_concurrency,
        ));
    let mut r = Router::new()
        .merge(scoring)
        .route("/health", get(routes::health))
        .route("/info", get(routes::info))
        .route("/metrics", get(routes::metrics_text))
        .route("/openapi.json", get(routes::openapi))
        .route("/docs", get(routes::docs))
        .merge(page::routes())
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(app.limits.max_body))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            drain::unread_body,
        ))
        .layer(middleware::from_fn(metrics::track))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http());
    if !cors_origins.is_empty() {
        let origin = if cors_origins.iter().any(|o| o == "*") {
            AllowOrigin::any()
        } else {
            AllowOrigin::list(
                cors_origins
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok()),
            )
        };
        r = r.layer(
            CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE]),
        );
    }
    r.with_state(app)
}

/// Errors that stop the service.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The models could not be loaded.
    #[error("failed to load models: {0}")]
    Load(#[from] EngineError),
    /// The loading or serving task panicked.
    #[error("service task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Binds `addr`, loads the engine in the background (503 until ready), serves until
/// SIGINT/SIGTERM, then drains in-flight requests (see [`listen::run`]).
pub async fn serve(
    addr: SocketAddr,
    limits: Limits,
    cors_origins: Vec<String>,
    load: impl FnOnce(&AppState) -> Result<Engine, EngineError> + Send + 'static,
) -> Result<(), ServerError> {
    let app = AppState::new(limits.clone());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let loader = app.clone();
    let loading = tokio::task::spawn_blocking(move || match load(&loader) {
        Ok(engine) => {
            let engine = Arc::new(engine);
            for (name, status) in engine.components() {
                tracing::info!(component = %name, %status, "model component");
            }
            loader.set_engine(engine);
            tracing::info!("ready");
            Ok(())
        }
        Err(e) => {
            loader.set_status(&format!("failed to load models: {e}"));
            Err(e)
        }
    });
    let upkeep = tokio::spawn(metrics::upkeep(app.metrics.clone()));
    let router = router(app, &cors_origins);
    let mut server = tokio::spawn(listen::run(
        listener,
        router,
        limits,
        crate::shutdown::signal(),
    ));
    // A model that cannot load is fatal: exit non-zero with the reason.
    tokio::select! {
        r = &mut server => {
            r?;
            upkeep.abort();
            return Ok(());
        }
        r = loading => r??,
    }
    server.await?;
    upkeep.abort();
    tracing::info!("stopped");
    Ok(())
}
