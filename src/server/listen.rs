//! The accept loop: HTTP/1.1 connections served by hyper with a connection cap,
//! a header-read timeout, an idle timeout and graceful shutdown.
//!
//! `axum::serve` has no knobs for these, so the service runs its own loop (the
//! shape follows hyper's and hyper-util's server examples):
//!
//! - **Connection cap** (`max_connections`): a connection holds a semaphore permit
//!   for its whole life. At the cap the loop stops accepting; new connections wait
//!   in the kernel's listen backlog until a slot frees (the timeouts below make
//!   sure slots do free), and are then served normally.
//! - **Header timeout**: once the first byte of a request head has arrived, the
//!   whole head must arrive within `header_timeout`, or the connection is closed.
//! - **Idle timeout**: a connection with no request in flight that receives
//!   nothing for `idle_timeout` (a fresh connection that never sends, or a kept
//!   alive one between requests) is closed.
//! - **Shutdown**: when `shutdown` resolves the loop stops accepting, every
//!   connection finishes its request in flight and closes, and the call returns
//!   when all are gone or after [`DRAIN_TIMEOUT`].
//!
//! The body-read timeout is enforced per request where the body is read
//! (`routes::ApiJson`, 408), and unread bodies are drained by `super::drain`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::Limits;
use crate::shutdown::DRAIN_TIMEOUT;

const NONE: u64 = u64::MAX;

/// What a connection is doing, shared by its I/O, its service and its watchdog.
struct Activity {
    start: Instant,
    /// Requests handed to the router and not yet answered.
    in_flight: AtomicUsize,
    /// Milliseconds (since `start`) when the connection last became idle.
    idle_since: AtomicU64,
    /// Milliseconds when the first byte of the next request head arrived, or NONE.
    head_since: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_since: AtomicU64::new(NONE),
        }
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn on_read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let now = self.now();
            let _ =
                self.head_since
                    .compare_exchange(NONE, now, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(NONE, Ordering::Release);
        InFlight(self.clone())
    }

    /// Why the connection should be closed now, if it should.
    fn expired(&self, header_timeout: Duration, idle_timeout: Duration) -> Option<&'static str> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let now = self.now();
        match self.head_since.load(Ordering::Acquire) {
            NONE => {
                let idle = now.saturating_sub(self.idle_since.load(Ordering::Acquire));
                (idle >= idle_timeout.as_millis() as u64).then_some("idle timeout")
            }
            since => (now.saturating_sub(since) >= header_timeout.as_millis() as u64)
                .then_some("header timeout"),
        }
    }
}

/// A request in flight on a connection; the connection is idle again when dropped.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        a.idle_since.store(a.now(), Ordering::Release);
        a.head_since.store(NONE, Ordering::Release);
        a.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A TCP stream that tells its [`Activity`] when bytes arrive.
struct Tracked {
    io: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_read();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// How often a connection's watchdog looks at it: a quarter of the shorter
/// timeout, between 10 ms and 1 s.
fn tick(limits: &Limits) -> Duration {
    (limits.header_timeout.min(limits.idle_timeout) / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1))
}

async fn connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        io: stream,
        activity: activity.clone(),
    });
    let act = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = act.begin();
        let router = router.clone();
        async move {
            let resp = router.oneshot(req.map(Body::new)).await;
            drop(guard);
            resp
        }
    });
    // hyper's own header timer (it runs whenever a connection waits for a head)
    // is a backstop; the watchdog below applies the two documented timeouts.
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout + limits.idle_timeout)
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut watchdog = tokio::time::interval(tick(&limits));
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = *stopping.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = watchdog.tick() => {
                if let Some(why) = activity.expired(limits.header_timeout, limits.idle_timeout) {
                    tracing::debug!(reason = why, "closing connection");
                    return;
                }
            }
            r = stopping.changed(), if !draining => {
                draining = true;
                if r.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Errors from `accept` that concern one connection only (the loop goes on at
/// once); any other error (e.g. out of file descriptors) pauses accepting briefly.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Serves `router` on `listener` under `limits` until `shutdown` resolves, then
/// lets connections finish their requests in flight (at most [`DRAIN_TIMEOUT`]).
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let cap = limits.max_connections.clamp(1, u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(cap));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the slot semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; pausing for 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (router, limits, stopping) = (router.clone(), limits.clone(), stop_rx.clone());
        tokio::spawn(async move {
            connection(stream, router, limits, stopping).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot: all slots back means all connections closed.
    if tokio::time::timeout(DRAIN_TIMEOUT, slots.acquire_many(cap as u32))
        .await
        .is_err()
    {
        tracing::warn!(timeout = ?DRAIN_TIMEOUT, "in-flight requests did not finish in time; stopping anyway");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_header_timeouts_are_told_apart() {
        let a = Arc::new(Activity::new());
        let (head, idle) = (Duration::from_millis(50), Duration::from_secs(60));
        assert_eq!(a.expired(head, idle), None);
        a.on_read();
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(a.expired(head, idle), Some("header timeout"));
        let guard = a.begin();
        assert_eq!(a.expired(head, Duration::ZERO), None, "busy is never idle");
        drop(guard);
        assert_eq!(a.expired(head, idle), None);
        assert_eq!(a.expired(head, Duration::ZERO), Some("idle timeout"));
    }
}
