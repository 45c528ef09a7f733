//! HTTP errors: every failure is `{"error": "<readable>", "error_type": "<code>"}`
//! with the status that fits.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::engine::EngineError;
use crate::pipeline::NoteError;

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A readable message.
    pub error: String,
    /// A stable machine code: `invalid_json`, `payload_too_large`, `validation`,
    /// `request_timeout`, `too_many_requests`, `not_ready`, `not_found`, `method_not_allowed`,
    /// `unsupported_media_type`, `internal`.
    pub error_type: String,
}

/// Errors a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or has the wrong shape or types.
    #[error("{0}")]
    BadRequest(String),
    /// The request is not `Content-Type: application/json`.
    #[error("expected a JSON body with Content-Type: application/json")]
    UnsupportedMediaType,
    /// The body is larger than the limit.
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body did not arrive within the body timeout.
    #[error("the request body did not arrive within {secs} s")]
    RequestTimeout {
        /// The body timeout in seconds.
        secs: f64,
    },
    /// The JSON is well-formed but a value is not acceptable.
    #[error("{0}")]
    Validation(String),
    /// The note cannot be scored (empty, too long, malformed).
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Too many requests in flight.
    #[error("too many requests in flight (limit {limit}); retry shortly")]
    TooManyRequests {
        /// The concurrency limit.
        limit: usize,
    },
    /// Models are still loading.
    #[error("the service is still loading its models")]
    NotReady,
    /// No such route.
    #[error("no route for {0}")]
    NotFound(String),
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Something failed inside; the details go to the log, not the client.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// HTTP status and machine code.
    pub fn status_and_type(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            ApiError::RequestTimeout { .. } => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            ApiError::Note(e) if e.is_validation() => {
                (StatusCode::UNPROCESSABLE_ENTITY, e.error_type())
            }
            ApiError::Note(e) => (StatusCode::BAD_REQUEST, e.error_type()),
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
            }
            ApiError::NotReady => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Maps an axum JSON rejection, keeping the body limit in the message.
    pub fn from_rejection(r: JsonRejection, limit: usize) -> ApiError {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge { limit }
            }
            JsonRejection::JsonDataError(e) => match NoteError::from_json_error(e.body_text()) {
                unknown @ NoteError::UnknownField(_) => ApiError::Note(unknown),
                _ => ApiError::BadRequest(format!(
                    "the JSON does not have the expected fields and types: {}",
                    e.body_text()
                )),
            },
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::BadRequest(format!("the body is not valid JSON: {}", e.body_text()))
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_type();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let body = ErrorBody {
            error: self.to_string(),
            error_type: kind.to_owned(),
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn a_500_does_not_leak_the_detail() {
        let resp =
            ApiError::Internal("db password is hunter2 at /srv/secret".into()).into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(resp.into_body(), 1 << 16).await.unwrap();
        let v: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert_eq!(v.error_type, "internal");
        assert_eq!(v.error, "internal error");
    }

    #[tokio::test]
    async fn every_status_has_a_snake_case_code() {
        for (e, status) in [
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::UnsupportedMediaType, 415),
            (ApiError::PayloadTooLarge { limit: 1 }, 413),
            (ApiError::RequestTimeout { secs: 1.0 }, 408),
            (ApiError::Validation("x".into()), 422),
            (ApiError::TooManyRequests { limit: 1 }, 429),
            (ApiError::NotReady, 503),
            (ApiError::NotFound("/x".into()), 404),
            (ApiError::MethodNotAllowed, 405),
        ] {
            let (s, code) = e.status_and_type();
            assert_eq!(s.as_u16(), status);
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
    }
}
