//! Fuzzing the scoring routes with HTTP bodies, in-process: arbitrary bytes,
//! truncated JSON, hostile Unicode (lone surrogate escapes, NUL, RTL marks, ZWJ
//! sequences, 20,000-emoji texts) and wrong field types. Never a 500 (a panic
//! would be one, via the catch-panic layer), every non-2xx is `{"error",
//! "error_type"}`, and `/health` of the same service is 200 after each case.

use adlens::server::{self, AppState, Limits};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

fn app() -> axum::Router {
    let state = AppState::new(Limits::default());
    state.set_engine(super::server::engine());
    server::router(state, &[])
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Posts `body`, then asks the same service for `/health`.
fn send(uri: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>, StatusCode) {
    runtime().block_on(async {
        let app = app();
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        let health = Request::get("/health").body(Body::empty()).unwrap();
        (status, bytes, app.oneshot(health).await.unwrap().status())
    })
}

fn check(uri: &str, content_type: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    let (status, bytes, health) = send(uri, content_type, body);
    prop_assert_eq!(health, StatusCode::OK);
    prop_assert!(
        !status.is_server_error(),
        "{status} for {uri} {shown:?}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| TestCaseError::fail(format!("{status}: not JSON ({e}) for {shown:?}")))?;
    if status.is_success() {
        if uri.ends_with("batch") {
            for slot in v["results"].as_array().expect("results") {
                prop_assert!(
                    slot["ad_probability"].is_number() || slot["error_type"].is_string(),
                    "{slot}"
                );
            }
        } else {
            prop_assert!(v["ad_probability"].is_number(), "{v}");
        }
    } else {
        let obj = v.as_object().expect("an error is an object");
        prop_assert_eq!(obj.len(), 2, "{}", v);
        prop_assert!(v["error"].as_str().is_some_and(|s| !s.is_empty()), "{}", v);
        prop_assert!(v["error_type"].is_string(), "{}", v);
    }
    Ok(())
}

/// Pieces of hostile text, as they appear inside a JSON string literal.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r"\ud800".to_owned()),
        Just(r"\udfff\ud83d".to_owned()),
        Just(r"\u0000".to_owned()),
        Just("\u{0}".to_owned()), // raw NUL: not allowed unescaped in JSON
        Just("\u{200f}\u{202e}".to_owned()),
        Just("👨\u{200d}👩\u{200d}👧\u{200d}👦".to_owned()),
        Just("\u{fe0f}\u{20e3}".to_owned()),
        Just(r#"\""#.to_owned()),
        Just("\\".to_owned()),
        Just("链接在评论区".to_owned()),
        Just("😀".repeat(20_000)),
        any::<String>().prop_map(|s| {
            let quoted = serde_json::to_string(&s).unwrap();
            quoted[1..quoted.len() - 1].to_owned()
        }),
    ]
}

fn hostile_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..6).prop_map(|p| p.concat())
}

/// A JSON value of any type, for fields that want a string or a bool.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        Just(json!([1, "a"])),
        Just(json!({"text": "nested"})),
    ]
}

/// One note body: hostile text in a literal, or random types in any field.
fn note() -> impl Strategy<Value = String> {
    prop_oneof![
        (hostile_text(), any::<bool>())
            .prop_map(|(t, l)| format!(r#"{{"text":"{t}","has_link":{l},"id":"x"}}"#)),
        (any_value(), any_value(), any_value())
            .prop_map(|(t, l, i)| json!({"text": t, "has_link": l, "id": i}).to_string()),
        any_value().prop_map(|v| v.to_string()),
    ]
}

fn body(batch: bool) -> impl Strategy<Value = Vec<u8>> {
    let doc = if batch {
        proptest::collection::vec(note(), 0..4)
            .prop_map(|n| format!(r#"{{"notes":[{}]}}"#, n.join(",")))
            .boxed()
    } else {
        note().boxed()
    };
    prop_oneof![
        3 => doc.clone().prop_map(String::into_bytes),
        // Truncated anywhere, also inside a UTF-8 sequence.
        2 => (doc, any::<prop::sample::Index>()).prop_map(|(d, i)| {
            let b = d.into_bytes();
            let cut = i.index(b.len() + 1);
            b[..cut].to_vec()
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

fn content_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just("application/json"),
        1 => Just("application/json; charset=utf-8"),
        1 => Just("text/plain"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn score_never_500s_and_errors_keep_their_shape(b in body(false), ct in content_type()) {
        check("/v1/score", ct, b)?;
    }

    #[test]
    fn batch_never_500s_and_errors_keep_their_shape(b in body(true), ct in content_type()) {
        check("/v1/score/batch", ct, b)?;
    }
}

#[test]
fn hand_picked_hostile_bodies() {
    for b in [
        br#"{"text":"\ud800"}"#.to_vec(),
        br#"{"text":"a\u0000b"}"#.to_vec(),
        vec![0xff, 0xfe, 0x00],
        br#"{"notes":[{"text":"\ud800"}]"#.to_vec(),
        format!(r#"{{"text":"{}"}}"#, "😀".repeat(20_000)).into_bytes(),
    ] {
        check("/v1/score", "application/json", b.clone()).unwrap();
        check("/v1/score/batch", "application/json", b).unwrap();
    }
}
