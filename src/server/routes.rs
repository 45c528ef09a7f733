//! Route handlers and their request/response types.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::schema::ScoreDoc;
use crate::pipeline::{Note, NoteError, Score};

/// `POST /v1/score` body. Unknown fields are rejected (422 naming the field), so
/// a typo such as `"txt"` or `"haslink"` is never silently ignored.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// The note text as pasted (title, body, hashtags, emoji …).
    pub text: String,
    /// A purchase link is (or will be) attached to the note.
    #[serde(default)]
    pub has_link: bool,
    /// Your id, echoed back.
    #[serde(default)]
    pub id: Option<String>,
    /// The note's comments, if you have them: the result's `comments` says how
    /// many call the note out as an ad (是广告吧, 恰饭, 软广 …), with spans.
    #[serde(default)]
    pub comments: Vec<String>,
}

/// `POST /v1/score/batch` body (unknown fields rejected the same way; an unknown
/// field inside one note is that note's slot error).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The notes, each shaped like a `ScoreRequest`. A bad note gets an error in its
    /// slot; the others are scored.
    #[schema(value_type = Vec<ScoreRequest>)]
    pub notes: Vec<Value>,
}

/// An error in one slot of a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemError {
    /// The note's id, when it had one.
    pub id: Option<String>,
    /// A readable message.
    pub error: String,
    /// A machine code (`validation`, `invalid_json`).
    pub error_type: String,
}

/// One slot of a batch response: a score or an error.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BatchItem {
    /// The note was scored.
    #[schema(value_type = ScoreDoc)]
    Scored(Box<Score>),
    /// The note was rejected.
    Failed(ItemError),
}

/// `POST /v1/score/batch` response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchResponse {
    /// One item per input note, in input order.
    pub results: Vec<BatchItem>,
}

/// JSON extractor whose rejections use the service's error shape; the body must
/// arrive within the body timeout (408 otherwise).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
    Arc<AppState>: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app: Arc<AppState> = axum::extract::FromRef::from_ref(state);
        let timeout = app.limits.body_timeout;
        match tokio::time::timeout(timeout, Json::<T>::from_request(req, state)).await {
            Ok(Ok(Json(v))) => Ok(ApiJson(v)),
            Ok(Err(r)) => Err(ApiError::from_rejection(r, app.limits.max_body)),
            Err(_) => Err(ApiError::RequestTimeout {
                secs: timeout.as_secs_f64(),
            }),
        }
    }
}

impl From<ScoreRequest> for Note {
    fn from(r: ScoreRequest) -> Note {
        Note {
            id: r.id,
            text: r.text,
            has_link: r.has_link,
        }
    }
}

/// Scores one note.
#[utoipa::path(
    post, path = "/v1/score", request_body = ScoreRequest,
    responses(
        (status = 200, description = "The score", body = ScoreDoc),
        (status = 400, description = "Malformed JSON or wrong types", body = ErrorBody),
        (status = 408, description = "Body slower than the body timeout", body = ErrorBody),
        (status = 413, description = "Body over the limit", body = ErrorBody),
        (status = 422, description = "Empty or too long text", body = ErrorBody),
        (status = 429, description = "Too many requests in flight", body = ErrorBody),
        (status = 503, description = "Still loading", body = ErrorBody),
    )
)]
pub async fn score(
    State(app): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ScoreRequest>,
) -> Result<Json<Score>, ApiError> {
    let comments = req.comments.clone();
    let note = Note::from(req);
    note.validate(app.limits.max_chars)?;
    let engine = app.engine()?;
    let score = engine.score(note).await?;
    super::metrics::record_stages(&score.timings);
    Ok(Json(score.with_comments(&comments)))
}

fn parse_item(v: Value, max_chars: usize) -> Result<(Note, Vec<String>), ItemError> {
    let id = v.get("id").and_then(crate::data::id_string);
    let fail = |e: NoteError| ItemError {
        id: id.clone(),
        error: e.to_string(),
        error_type: e.error_type().into(),
    };
    let req: ScoreRequest =
        serde_json::from_value(v).map_err(|e| fail(NoteError::from_json_error(e.to_string())))?;
    let comments = req.comments.clone();
    let note = Note::from(req);
    note.validate(max_chars).map_err(fail)?;
    Ok((note, comments))
}

/// Scores a batch of notes, in order; bad notes get an error in their slot.
#[utoipa::path(
    post, path = "/v1/score/batch", request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per note, in order", body = BatchResponse),
        (status = 400, description = "Malformed JSON or wrong types", body = ErrorBody),
        (status = 408, description = "Body slower than the body timeout", body = ErrorBody),
        (status = 413, description = "Body over the limit", body = ErrorBody),
        (status = 422, description = "Batch over the limit", body = ErrorBody),
        (status = 429, description = "Too many requests in flight", body = ErrorBody),
        (status = 503, description = "Still loading", body = ErrorBody),
    )
)]
pub async fn score_batch(
    State(app): State<Arc<AppState>>,
    ApiJson(req): ApiJson<BatchRequest>,
) -> Result<Json<BatchResponse>, ApiError> {
    if req.notes.len() > app.limits.max_batch {
        return Err(ApiError::Validation(format!(
            "the batch has {} notes, more than the limit of {}",
            req.notes.len(),
            app.limits.max_batch
        )));
    }
    let engine = app.engine()?;
    metrics::histogram!("adlens_batch_size").record(req.notes.len() as f64);
    let parsed: Vec<Result<(Note, Vec<String>), ItemError>> = req
        .notes
        .into_iter()
        .map(|v| parse_item(v, app.limits.max_chars))
        .collect();
    let good: Vec<Note> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().map(|(n, _)| n.clone()))
        .collect();
    let mut scores = engine.score_many(good).await?.into_iter();
    let results = parsed
        .into_iter()
        .map(|p| match p {
            Ok((_, comments)) => {
                let s = scores.next().expect("one score per good note");
                super::metrics::record_stages(&s.timings);
                BatchItem::Scored(Box::new(s.with_comments(&comments)))
            }
            Err(e) => BatchItem::Failed(e),
        })
        .collect();
    Ok(Json(BatchResponse { results }))
}

/// Health: 200 when ready, 503 while loading.
#[utoipa::path(get, path = "/health", responses(
    (status = 200, description = "Ready"), (status = 503, description = "Loading", body = ErrorBody)))]
pub async fn health(State(app): State<Arc<AppState>>) -> Response {
    match app.engine() {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Version, model components and manifests, the encoder's precision (`f32`,
/// `int8`, null without the encoder), the trust priors in force, limits.
#[utoipa::path(get, path = "/info", responses((status = 200, description = "Service information")))]
pub async fn info(State(app): State<Arc<AppState>>) -> Json<Value> {
    let engine = app.engine().ok();
    Json(serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "ready": engine.is_some(),
        "status": app.status(),
        "components": engine.as_ref().map(|e| e.components()),
        "encoder_precision": engine
            .as_ref()
            .and_then(|e| e.encoder_precision())
            .map(|p| p.as_str()),
        "manifest": engine.as_ref().map(|e| e.manifest().clone()),
        "trust_priors": engine.as_ref().map(|e| e.analyzer().trust().id().clone()),
        "limits": app.limits,
    }))
}

/// Prometheus metrics in the text format.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics_text(State(app): State<Arc<AppState>>) -> Response {
    if let Ok(engine) = app.engine() {
        metrics::gauge!("adlens_queue_depth").set(engine.queue_depth() as f64);
    }
    metrics::gauge!("adlens_requests_in_flight")
        .set((app.limits.max_concurrent - app.inflight.available_permits()) as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "adlens",
        description = "How ad-like a Xiaohongshu note reads, why, and what a purchase link costs in trust."
    ),
    paths(score, score_batch, health, info, metrics_text),
    components(schemas(
        ScoreRequest,
        BatchRequest,
        BatchResponse,
        BatchItem,
        ItemError,
        ErrorBody,
        ScoreDoc
    ))
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /docs`: the routes of the OpenAPI document as a page.
pub async fn docs() -> Html<String> {
    let doc = ApiDoc::openapi();
    let mut rows = String::new();
    for (path, item) in &doc.paths.paths {
        let v = serde_json::to_value(item).unwrap_or_default();
        if let Some(ops) = v.as_object() {
            for (method, op) in ops {
                let summary = op
                    .get("description")
                    .or_else(|| op.get("summary"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                rows.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{path}</code></td><td>{}</td></tr>",
                    method.to_uppercase(),
                    summary.replace('<', "&lt;")
                ));
            }
        }
    }
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>adlens API</title>\
         <style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}td{{padding:4px 10px}}</style></head>\
         <body><h1>adlens API</h1><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a>. \
         Errors are <code>{{\"error\", \"error_type\"}}</code>.</p><table>{rows}</table></body></html>"
    ))
}

/// Unknown routes: 404 in the service's error shape.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_owned())
}

/// Known route, wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
