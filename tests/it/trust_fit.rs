//! `adlens trust fit` on a small outcomes file, then `check` and the service with
//! the fitted priors: the trust figures change and the priors are named.

use std::path::Path;

use assert_cmd::Command;

fn adlens() -> Command {
    let mut c = Command::cargo_bin("adlens").expect("binary built");
    c.env_remove("ADLENS_TRUST_PRIORS");
    c
}

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/outcomes.csv");
const NOTE: &str = "姐妹们闭眼入！这款精华真的是我用过最好的，冲就完事";

fn fit_into(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("fitted.toml");
    adlens()
        .args(["trust", "fit", FIXTURE, "--linear-only", "--no-fetch", "-o"])
        .arg(&out)
        .arg("--report")
        .arg(dir.join("report"))
        .assert()
        .success();
    out
}

fn check_json(priors: Option<&Path>) -> serde_json::Value {
    let mut c = adlens();
    c.args([
        "check",
        "--json",
        "--linear-only",
        "--no-fetch",
        "--has-link",
        NOTE,
    ]);
    if let Some(p) = priors {
        c.arg("--trust-priors").arg(p);
    }
    let out = c.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("one JSON object")
}

#[test]
fn fit_then_check_with_the_fitted_priors() {
    let dir = tempfile::tempdir().unwrap();
    let fitted = fit_into(dir.path());
    let p = adlens::trust::Priors::load(&fitted).expect("the fitted file loads");
    let pen = &p.credibility_penalty;
    let f = pen.fitted.as_ref().expect("the penalty was fitted");
    // Nine notes got a link; every one has a survey or engagement figure.
    assert_eq!(f.rows, 9);
    assert_eq!(f.prior_value, -0.24);
    // The fixture's readers lose about a full point on 1.1: far more than the prior.
    assert!(pen.value < -0.3, "{pen:?}");
    // The fixture has no commercial or found-out rows.
    assert!(p.found_out_rate.fitted.is_none());
    let md = std::fs::read_to_string(dir.path().join("report/report.md")).unwrap();
    assert!(md.contains("| `credibility_penalty` | 9 |"), "{md}");
    assert!(
        md.contains("| one-sided | 5 |") && md.contains("| control | 1 |"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["rows"], 10);

    let builtin = check_json(None);
    let brand = check_json(Some(&fitted));
    assert_eq!(builtin["model"]["trust_priors"]["name"], "builtin");
    assert_eq!(
        brand["model"]["trust_priors"]["name"],
        fitted.display().to_string()
    );
    let sha = adlens::data::sha256_hex(&std::fs::read(&fitted).unwrap());
    assert_eq!(brand["model"]["trust_priors"]["sha256"], sha.as_str());
    assert_eq!(builtin["ad_probability"], brand["ad_probability"]);
    let cost = |v: &serde_json::Value| {
        v["trust"]["credibility_delta"]["estimate"]
            .as_f64()
            .unwrap()
    };
    assert!(
        cost(&brand) < cost(&builtin) - 0.05,
        "{} vs {}",
        cost(&brand),
        cost(&builtin)
    );

    // The environment variable does the same; the text output names the priors.
    let out = adlens()
        .env("ADLENS_TRUST_PRIORS", &fitted)
        .args(["check", "--linear-only", "--no-fetch", NOTE])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!("Trust (priors {}", fitted.display())),
        "{text}"
    );
}

#[test]
fn found_out_notes_and_purchase_surveys_update_their_coefficients() {
    // 12 notes the brand placed without a label: 5 found out (engagement halved
    // after), 4 given a link with a purchase-intention survey (4.2 → 3.5 of sd 1.2).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.toml");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/outcomes_found_out.jsonl"
    );
    adlens()
        .args(["trust", "fit", fixture, "--linear-only", "--no-fetch", "-o"])
        .arg(&out)
        .arg("--report")
        .arg(dir.path().join("report"))
        .assert()
        .success();
    let p = adlens::trust::Priors::load(&out).expect("the fitted file loads");
    let rows = |q: &adlens::trust::Prior| q.fitted.as_ref().map_or(0, |f| f.rows);
    assert_eq!(rows(&p.found_out_rate), 12);
    assert_eq!(rows(&p.found_out_penalty), 5);
    assert_eq!(rows(&p.purchase_intent_penalty), 4);
    // 5 of 12 found out is above the prior's 0.2; halved engagement is d ≈ −0.38,
    // milder than the prior's −0.5; a 0.58-sd drop in intention is far below 0.
    assert!(p.found_out_rate.value > 0.25, "{:?}", p.found_out_rate);
    assert!(
        p.found_out_penalty.value > -0.5,
        "{:?}",
        p.found_out_penalty
    );
    assert!(
        p.purchase_intent_penalty.value < -0.1,
        "{:?}",
        p.purchase_intent_penalty
    );
    assert!(p.credibility_penalty.fitted.is_none());
    let md = std::fs::read_to_string(dir.path().join("report/report.md")).unwrap();
    assert!(md.contains("| share found out | 12 | 0.417 |"), "{md}");
    assert!(md.contains("| `found_out_rate` | 12 |"), "{md}");
}

#[test]
fn bad_outcome_files_fail_with_the_line_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body, want) in [
        (
            "neg.csv",
            "text,views_before,engagement_before,views_after,engagement_after\na,10,0.1,10,-0.2\n",
            "line 2",
        ),
        (
            "likes.jsonl",
            "{\"text\":\"a\"}\n{\"text\":\"b\",\"views_before\":5,\"likes_before\":9,\"views_after\":5,\"likes_after\":1}\n",
            "line 2",
        ),
        ("cols.csv", "text,hits\na,1\n", "unknown column `hits`"),
        ("notext.csv", "id,has_link\nx,1\n", "`text` is missing"),
        (
            "found.jsonl",
            "{\"text\":\"a\",\"found_out\":true}\n",
            "set `commercial` too",
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let out = adlens()
            .args(["trust", "fit", "--linear-only", "--no-fetch", "-o"])
            .arg(dir.path().join("never.toml"))
            .arg(&p)
            .assert()
            .failure()
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(want) && !err.contains("panicked"),
            "{name}: {err}"
        );
        assert!(!dir.path().join("never.toml").exists());
    }
    adlens()
        .args(["check", "--linear-only", "--no-fetch", "--trust-priors"])
        .arg(dir.path().join("missing.toml"))
        .arg(NOTE)
        .assert()
        .failure();
}

#[test]
fn the_comment_rules_are_measured_on_the_labelled_comments() {
    let out = adlens()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["trust", "comments", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["n"].as_u64().unwrap() >= 200);
    // Floors well below what the rules get, so a broken rule file fails here.
    assert!(v["precision"].as_f64().unwrap() > 0.8, "{v}");
    assert!(v["recall"].as_f64().unwrap() > 0.5, "{v}");
}

mod service {
    use adlens::server::{self, AppState, Limits};
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use http_body_util::BodyExt;
    use serde_json::{Value, json};
    use tower::ServiceExt;

    async fn call(req: Request<Body>) -> (StatusCode, Value) {
        let state = AppState::new(Limits::default());
        state.set_engine(crate::it::server::engine());
        let resp = server::router(state, &[]).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn post(uri: &str, body: Value) -> Request<Body> {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }

    #[tokio::test]
    async fn comments_are_classified_and_the_priors_named() {
        let comments = json!(["这是广告吧", "不是广告，自己买的", "求链接", "不是广告才怪"]);
        let (s, v) = call(post(
            "/v1/score",
            json!({"text": super::NOTE, "comments": comments}),
        ))
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let c = &v["comments"];
        assert_eq!(
            (c["n"].as_u64(), c["called_out"].as_u64()),
            (Some(4), Some(2)),
            "{c}"
        );
        let first = &c["spans"][0];
        assert_eq!(
            (first["comment"].as_u64(), first["start"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(first["text"], "是广告");
        assert_eq!(v["model"]["trust_priors"]["name"], "builtin");

        let (_, v) = call(post("/v1/score", json!({"text": super::NOTE}))).await;
        assert!(v["comments"].is_null());
        let (s, v) = call(post(
            "/v1/score/batch",
            json!({"notes": [{"text": super::NOTE, "comments": ["恰饭"]}, {"text": "好", "comments": 3}]}),
        ))
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["results"][0]["comments"]["share"], 1.0);
        assert_eq!(v["results"][1]["error_type"], "invalid_json");

        let (_, info) = call(Request::get("/info").body(Body::empty()).unwrap()).await;
        assert_eq!(info["trust_priors"]["name"], "builtin");
        assert_eq!(info["trust_priors"]["sha256"].as_str().unwrap().len(), 64);
    }
}
