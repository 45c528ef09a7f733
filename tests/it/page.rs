//! The page at `/` and its assets, in-process: content types, the
//! Content-Security-Policy, every file the page refers to is served, and other
//! paths keep the JSON 404/405.

use std::collections::BTreeSet;

use adlens::server::page::{ASSETS, CSP};
use adlens::server::{self, AppState, Limits};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn app() -> axum::Router {
    let state = AppState::new(Limits::default());
    state.set_engine(super::server::engine());
    server::router(state, &[])
}

async fn get(method: &str, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let resp = app().oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn page_and_assets_have_their_types_and_the_policy() {
    for asset in ASSETS {
        let (status, headers, body) = get("GET", asset.path).await;
        assert_eq!(status, StatusCode::OK, "{}", asset.path);
        assert_eq!(headers[header::CONTENT_TYPE], asset.content_type);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], CSP);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(body, asset.body);
    }
    let (_, headers, body) = get("GET", "/").await;
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains("<textarea id=\"draft\""));
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
    ] {
        assert!(CSP.contains(part), "{part}");
    }
    assert!(!CSP.contains("unsafe"), "{CSP}");
    let (status, _, body) = get("HEAD", "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
}

/// Local references in the page: `src`/`href` attributes and `import … from`.
fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pat in ["src=\"", "href=\"", "from \"./"] {
        for (i, _) in text.match_indices(pat) {
            let rest = &text[i + pat.len()..];
            let target = rest.split('"').next().unwrap_or("");
            if pat.starts_with("from") {
                out.push(format!("/page/{target}"));
            } else if target.starts_with('/') {
                out.push(target.to_owned());
            }
        }
    }
    out
}

#[test]
fn everything_the_page_refers_to_is_embedded_and_nothing_is_external() {
    let served: BTreeSet<&str> = ASSETS.iter().map(|a| a.path).collect();
    for asset in ASSETS {
        for r in references(asset.body) {
            assert!(
                served.contains(r.as_str()),
                "{} refers to {r}, not served",
                asset.path
            );
        }
        // The SVG namespace is a name, not a fetch.
        let body = asset.body.replace("http://www.w3.org/2000/svg", "");
        for external in ["http://", "https://", "//cdn", "@import", "url("] {
            assert!(
                !body.contains(external),
                "{} mentions {external}",
                asset.path
            );
        }
    }
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/web/page"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    assert_eq!(
        on_disk.len(),
        ASSETS.len(),
        "every file of web/page is served: {on_disk:?}"
    );
}

#[tokio::test]
async fn other_paths_keep_the_json_errors() {
    for uri in ["/nope", "/page/missing.js", "/index.html"] {
        let (status, headers, body) = get("GET", uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        assert!(body.contains("\"error_type\":\"not_found\""), "{body}");
    }
    let (status, _, body) = get("POST", "/").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        body.contains("\"error_type\":\"method_not_allowed\""),
        "{body}"
    );
    let (status, _, body) = get("GET", "/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/v1/score"));
    let (status, _, _) = get("GET", "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
}
