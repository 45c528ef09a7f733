//! One door, same answer: the same notes scored through `adlens check --json`,
//! `adlens score` and `POST /v1/score` get identical `ad_probability` and `label`,
//! with the same engine configuration (the encoder when it can be had).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use adlens::engine::{Engine, EngineConfig};
use adlens::server::{self, AppState, Limits};
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const NOTES: [(&str, bool); 4] = [
    ("全网最低价！姐妹们闭眼入，链接在评论区", false),
    (
        "周末带娃去了新开的亲子餐厅，环境不错，菜品一般，价格偏贵，不会再去了。",
        false,
    ),
    (
        "#广告 感谢品牌方邀请，这款面霜我用了两周，保湿不错但有点黏。",
        true,
    ),
    ("hi", false),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The encoder flags every door gets: the encoder unless the gate says skip.
fn encoder_flags() -> Vec<&'static str> {
    if std::env::var_os("ADLENS_SKIP_ENCODER_TESTS").is_some_and(|v| v == "1") {
        vec!["--linear-only"]
    } else {
        vec![]
    }
}

/// Runs `adlens ARGS` from the repository root and returns its stdout.
fn adlens(args: &[&str]) -> Vec<u8> {
    assert_cmd::Command::cargo_bin("adlens")
        .unwrap()
        .current_dir(root())
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

fn via_check(text: &str, has_link: bool) -> Value {
    let mut args = vec!["check", "--json"];
    if has_link {
        args.push("--has-link");
    }
    args.extend(encoder_flags());
    args.push(text);
    serde_json::from_slice(&adlens(&args)).unwrap()
}

fn via_score() -> Vec<Value> {
    let mut f = tempfile::NamedTempFile::with_suffix(".jsonl").unwrap();
    for (i, (text, link)) in NOTES.iter().enumerate() {
        let row = serde_json::json!({"id": i.to_string(), "text": text, "has_link": link});
        writeln!(f, "{row}").unwrap();
    }
    let mut args = vec!["score", f.path().to_str().unwrap(), "--quiet"];
    args.extend(encoder_flags());
    String::from_utf8(adlens(&args))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn via_api(engine: Arc<Engine>, text: &str, has_link: bool) -> Value {
    let state = AppState::new(Limits::default());
    state.set_engine(engine);
    let body = serde_json::json!({"text": text, "has_link": has_link}).to_string();
    let req = Request::post("/v1/score")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let resp = server::router(state, &[]).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

fn used(v: &Value) -> Vec<String> {
    v["model"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "used")
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_score_and_the_api_give_the_same_answer() {
    let linear_only = !encoder_flags().is_empty();
    let cfg = EngineConfig {
        models: root().join("models"),
        encoder_dir: (!linear_only).then(|| root().join("models/e5-small")),
        allow_fetch: true,
        cache: None,
        precision: adlens::model::encoder::Precision::auto(),
    };
    let engine = Arc::new(
        tokio::task::spawn_blocking(move || Engine::load(&cfg))
            .await
            .unwrap()
            .unwrap(),
    );
    if engine.has_encoder() {
        // The CLI doors load with `--precision auto` too.
        assert_eq!(
            engine.encoder_precision(),
            Some(adlens::model::encoder::Precision::auto())
        );
    }
    let batch = via_score();
    for (i, (text, link)) in NOTES.iter().enumerate() {
        let api = via_api(engine.clone(), text, *link).await;
        let check = via_check(text, *link);
        let row = &batch[i];
        let p = api["ad_probability"].as_f64().unwrap();
        assert_eq!(
            check["ad_probability"].as_f64().unwrap(),
            p,
            "check vs api: {text}"
        );
        // The batch output rounds to 4 decimals.
        let pb = row["ad_probability"].as_f64().unwrap();
        assert!((pb - p).abs() < 6e-5, "score {pb} vs api {p}: {text}");
        assert_eq!(check["label"], api["label"], "{text}");
        assert_eq!(row["label"], api["label"], "{text}");
        assert_eq!(used(&check), used(&api), "{text}");
        let want = if linear_only { "linear" } else { "ensemble" };
        assert_eq!(used(&api), [want], "{text}");
    }
}
