//! The deployment files name real things: every `adlens_*` metric that the
//! Prometheus alerts and docs/scale-out.md use is exported at `/metrics`, and the
//! Kubernetes probes and scrape annotations use routes the service has.
//! (Schema validation of the manifests runs in `.ci/validate-deploy`.)

use std::collections::BTreeSet;
use std::path::Path;

use adlens::server::{self, AppState, Limits};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// `adlens_…` names in a text, histogram suffixes removed.
fn metric_names(text: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"adlens_[a-z_]+").unwrap();
    re.find_iter(text)
        .map(|m| {
            let name = m.as_str();
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name)
                .to_owned()
        })
        .collect()
}

async fn get(app: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn alerts_and_docs_use_exported_metric_names() {
    let state = AppState::new(Limits::default());
    state.set_engine(super::server::engine());
    let app = server::router(state, &[]);
    let post = |uri: &str, body: &str| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    get(&app, post("/v1/score", r#"{"text":"好用"}"#)).await;
    get(
        &app,
        post("/v1/score/batch", r#"{"notes":[{"text":"好用"}]}"#),
    )
    .await;
    let (status, exported) = get(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let exported = metric_names(&exported);

    for file in ["deploy/prometheus/alerts.yaml", "docs/scale-out.md"] {
        let used = metric_names(&read(file));
        assert!(!used.is_empty(), "{file} names no metric");
        let unknown: Vec<_> = used.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{file} uses {unknown:?}, not at /metrics {exported:?}"
        );
    }
    let alerts = read("deploy/prometheus/alerts.yaml");
    for name in [
        "adlens_http_requests_total",
        "adlens_http_request_duration_seconds",
        "adlens_queue_depth",
    ] {
        assert!(alerts.contains(name), "no alert on {name}");
    }
}

#[test]
fn probes_and_scrape_annotations_use_the_service_routes() {
    let deployment = read("deploy/kubernetes/deployment.yaml");
    assert!(
        deployment.matches("path: /health").count() >= 3,
        "startup, readiness, liveness"
    );
    assert!(deployment.contains("prometheus.io/path: /metrics"));
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("\"adlens\", \"health\""));
    let job = read("deploy/kubernetes/batch/score-job.yaml");
    let completions: String = job
        .lines()
        .find_map(|l| l.trim().strip_prefix("completions:"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        job.contains(&format!("--shard auto/{completions}")),
        "the Job's completions and --shard auto/N must agree"
    );
}
