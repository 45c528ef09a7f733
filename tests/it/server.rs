//! The HTTP service, in-process with `oneshot` for every route and error status, and
//! once as a real process shut down with SIGTERM while requests are in flight.

use std::path::Path;
use std::sync::Arc;

use adlens::engine::{Engine, EngineConfig};
use adlens::server::{self, AppState, Limits};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The linear-only engine, loaded once for the whole test binary.
pub(crate) fn engine() -> Arc<Engine> {
    static ENGINE: std::sync::OnceLock<Arc<Engine>> = std::sync::OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let cfg =
                EngineConfig::linear_only(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
            Arc::new(Engine::load(&cfg).expect("committed models load"))
        })
        .clone()
}

fn app_with(limits: Limits, ready: bool) -> axum::Router {
    let state = AppState::new(limits);
    if ready {
        state.set_engine(engine());
    }
    server::router(state, &["https://creator.example".to_owned()])
}

fn app() -> axum::Router {
    app_with(Limits::default(), true)
}

async fn call(app: axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v)
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn assert_error(v: &Value, kind: &str) {
    assert_eq!(v["error_type"], kind, "{v}");
    assert!(v["error"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
}

#[tokio::test]
async fn score_returns_the_stable_contract() {
    let body =
        json!({"text": "全网最低价！姐妹们闭眼入，链接在评论区👇", "has_link": true, "id": "n1"});
    let (status, v) = call(app(), post("/v1/score", body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for key in [
        "id",
        "ad_probability",
        "label",
        "threshold",
        "signals",
        "compliance",
        "contributions",
        "trust",
        "similar",
        "model",
        "timings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["id"], "n1");
    let p = v["ad_probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert!(v["signals"][0]["rule"].is_string() || v["signals"][0]["rule"].is_null());
    assert!(v["trust"]["label_required"].as_bool().unwrap());
    assert!(
        v["model"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "linear")
    );
}

#[tokio::test]
async fn batch_keeps_order_and_isolates_bad_notes() {
    let body = json!({"notes": [
        {"id": "a", "text": "今天去公园散步，拍了好多银杏叶🍂"},
        {"id": "b", "text": "   "},
        {"id": "c", "text": "x".repeat(30_000)},
        {"id": "d"},
        {"id": "e", "text": "#广告 感谢品牌方寄送，这款面霜保湿很好", "has_link": true},
    ]});
    let (status, v) = call(app(), post("/v1/score/batch", body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 5);
    assert_eq!(r[0]["id"], "a");
    assert!(r[0]["ad_probability"].is_number());
    assert_error(&r[1], "validation");
    assert_eq!(r[1]["id"], "b");
    assert_error(&r[2], "validation");
    assert_error(&r[3], "invalid_json");
    assert_eq!(r[4]["id"], "e");
    assert!(r[4]["ad_probability"].is_number());
}

#[tokio::test]
async fn every_error_status_has_the_error_shape() {
    let (s, v) = call(app(), post("/v1/score", "{not json")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "invalid_json");

    let (s, v) = call(app(), post("/v1/score", json!({"text": 5}).to_string())).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "invalid_json");

    let (s, v) = call(app(), post("/v1/score", json!({"text": ""}).to_string())).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&v, "validation");

    let small = Limits {
        max_body: 1000,
        max_batch: 2,
        max_chars: 50,
        ..Limits::default()
    };
    let big = json!({"text": "好".repeat(2000)}).to_string();
    let (s, v) = call(app_with(small.clone(), true), post("/v1/score", big)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&v, "payload_too_large");

    let long = json!({"text": "好".repeat(60)}).to_string();
    let (s, v) = call(app_with(small.clone(), true), post("/v1/score", long)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&v, "validation");

    let batch = json!({"notes": [{"text": "a"}, {"text": "b"}, {"text": "c"}]}).to_string();
    let (s, v) = call(app_with(small, true), post("/v1/score/batch", batch)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&v, "validation");

    let req = Request::post("/v1/score").body(Body::from("{}")).unwrap();
    let (s, v) = call(app(), req).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&v, "unsupported_media_type");

    let (s, v) = call(app(), Request::get("/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "not_found");

    let (s, v) = call(
        app(),
        Request::get("/v1/score").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&v, "method_not_allowed");

    let loading = app_with(Limits::default(), false);
    let (s, v) = call(
        loading.clone(),
        Request::get("/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_error(&v, "not_ready");
    let (s, v) = call(
        loading,
        post("/v1/score", json!({"text": "好"}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_error(&v, "not_ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_concurrency_limit_is_429() {
    let limits = Limits {
        max_concurrent: 1,
        ..Limits::default()
    };
    let app = app_with(limits, true);
    // Eight slow requests at once against a limit of one: some are refused.
    let long = json!({"text": "今天试了新买的面霜，质地清爽，".repeat(1200)}).to_string();
    let calls: Vec<_> = (0..8)
        .map(|_| tokio::spawn(call(app.clone(), post("/v1/score", long.clone()))))
        .collect();
    let mut statuses = Vec::new();
    for c in calls {
        let (s, v) = c.await.unwrap();
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_error(&v, "too_many_requests");
        }
        statuses.push(s);
    }
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS)
    );
    // Recovery: with the permit back, requests succeed again.
    let (s, _) = call(app, post("/v1/score", json!({"text": "好用"}).to_string())).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn health_info_metrics_openapi_docs_and_cors() {
    let (s, _) = call(app(), Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(app(), Request::get("/info").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["version"].is_string() && v["limits"]["max_batch"] == 256,
        "{v}"
    );
    assert!(v["manifest"]["linear"].is_object());
    // The test app runs linear-only: no encoder, so no precision.
    assert!(v["encoder_precision"].is_null(), "{v}");
    let limits = &v["limits"];
    assert_eq!(limits["max_connections"], 1024, "{v}");
    assert_eq!(limits["header_timeout_secs"], 10.0, "{v}");
    assert_eq!(limits["idle_timeout_secs"], 60.0, "{v}");
    assert_eq!(limits["body_timeout_secs"], 30.0, "{v}");

    // Score once so the counters exist, then read them.
    let _ = call(
        app(),
        post("/v1/score", json!({"text": "好用"}).to_string()),
    )
    .await;
    let (s, v) = call(app(), Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.as_str().unwrap();
    for name in [
        "adlens_http_requests_total",
        "adlens_http_request_duration_seconds",
        "adlens_stage_duration_seconds",
        "adlens_notes_scored_total",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }

    let (s, v) = call(
        app(),
        Request::get("/openapi.json").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/score",
        "/v1/score/batch",
        "/health",
        "/info",
        "/metrics",
    ] {
        assert!(v["paths"][path].is_object(), "{path} not documented");
    }
    for code in ["200", "400", "413", "422", "429", "503"] {
        assert!(
            v["paths"]["/v1/score"]["post"]["responses"][code].is_object(),
            "{code}"
        );
    }
    // The responses the tests see conform to the documented schema: every required
    // property present, no undocumented property.
    let doc = v.clone();
    let schema = &doc["components"]["schemas"]["Score"];
    let (_, score) = call(
        app(),
        post(
            "/v1/score",
            json!({"text": "姐妹们冲！到手价99"}).to_string(),
        ),
    )
    .await;
    for req in schema["required"].as_array().expect("required list") {
        let key = req.as_str().unwrap();
        assert!(
            score.get(key).is_some(),
            "required {key} missing from a response"
        );
    }
    for key in score.as_object().unwrap().keys() {
        assert!(
            schema["properties"].get(key).is_some(),
            "{key} is not documented"
        );
    }
    let err_schema = &doc["components"]["schemas"]["ErrorBody"];
    for key in ["error", "error_type"] {
        assert!(err_schema["properties"].get(key).is_some());
    }

    let (s, v) = call(app(), Request::get("/docs").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.as_str().unwrap().contains("/v1/score/batch"));

    let req = Request::options("/v1/score")
        .header(header::ORIGIN, "https://creator.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .body(Body::empty())
        .unwrap();
    let resp = app().oneshot(req).await.unwrap();
    assert_eq!(
        resp.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://creator.example"
    );
}

/// A typo in a field name is never silently ignored: 422 naming the field, and in
/// a batch the note with the typo gets the error in its slot.
#[tokio::test]
async fn unknown_fields_are_rejected_by_name() {
    let (s, v) = call(app(), post("/v1/score", json!({"txt": "你好"}).to_string())).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_error(&v, "validation");
    assert!(v["error"].as_str().unwrap().contains("txt"), "{v}");
    let body = json!({"text": "今天去公园散步", "haslink": true}).to_string();
    let (s, v) = call(app(), post("/v1/score", body)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"].as_str().unwrap().contains("haslink"), "{v}");
    let body = json!({"notes": [{"text": "今天去公园散步"}, {"text": "好", "haslink": 1}]});
    let (s, v) = call(app(), post("/v1/score/batch", body.to_string())).await;
    assert_eq!(s, StatusCode::OK);
    let r = v["results"].as_array().unwrap();
    assert!(r[0]["ad_probability"].is_number());
    assert_error(&r[1], "validation");
    assert!(r[1]["error"].as_str().unwrap().contains("haslink"));
}
