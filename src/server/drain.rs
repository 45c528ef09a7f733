//! Reading the rest of a request body the handler left unread, before answering.
//!
//! A handler that rejects a body early (413 over `--max-body`, a bad JSON prefix)
//! stops reading it. If the server then answered and closed, a client still
//! writing its body (Python `requests`, curl without `Expect`) would hit a reset
//! and never read the answer. Like the lingering close of Apache httpd and nginx,
//! the service reads and discards the rest first — up to [`DRAIN_CAP`] bytes and
//! the body timeout — so the JSON error reaches the client and the connection
//! stays usable. Past either bound it answers with `Connection: close`.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::{Body as HttpBody, Frame, SizeHint};

use super::AppState;

/// Most bytes of an unread body the service reads and discards to deliver its answer.
pub const DRAIN_CAP: u64 = 64 << 20;

/// The request body, lent to the handler while the middleware keeps the owner.
struct Lent(Arc<Mutex<Option<Body>>>);

impl HttpBody for Lent {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        let slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map(|b| b.size_hint()).unwrap_or_default()
    }
}

/// Outcome of draining a body.
#[derive(Debug, PartialEq, Eq)]
enum Drained {
    /// Read to the end.
    Complete,
    /// Stopped at the byte cap or the deadline, or the body failed.
    GaveUp,
}

async fn drain(mut body: Body, cap: u64, deadline: Instant) -> Drained {
    let mut read = 0u64;
    loop {
        if body.is_end_stream() {
            return Drained::Complete;
        }
        let next = tokio::time::timeout_at(
            deadline.into(),
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)),
        )
        .await;
        match next {
            Ok(None) => return Drained::Complete,
            Ok(Some(Ok(frame))) => {
                read += frame.data_ref().map_or(0, |d| d.len() as u64);
                if read > cap {
                    return Drained::GaveUp;
                }
            }
            Ok(Some(Err(_))) | Err(_) => return Drained::GaveUp,
        }
    }
}

/// Middleware: lends the body to the handler, then drains what it left unread
/// (except after a 408, whose client is too slow to wait for).
pub async fn unread_body(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let owner = Arc::new(Mutex::new(Some(body)));
    let lent = Body::new(Lent(owner.clone()));
    let mut resp = next.run(Request::from_parts(parts, lent)).await;
    let rest = owner.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(rest) = rest {
        let deadline = Instant::now() + app.limits.body_timeout;
        let gave_up = resp.status() == StatusCode::REQUEST_TIMEOUT
            || drain(rest, DRAIN_CAP, deadline).await == Drained::GaveUp;
        if gave_up {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn drains_to_the_end_or_gives_up_at_the_cap() {
        let far = Instant::now() + Duration::from_secs(10);
        assert_eq!(
            drain(Body::from(vec![0u8; 1000]), 10_000, far).await,
            Drained::Complete
        );
        assert_eq!(
            drain(Body::from(vec![0u8; 1000]), 100, far).await,
            Drained::GaveUp
        );
    }
}
