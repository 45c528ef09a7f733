//! `adlens train` is deterministic; `adlens eval` prints what evaluators rely on.

use std::path::Path;

use adlens::model::train::{self, TrainOptions};
use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn retraining_on_a_slice_is_deterministic() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut manifests = Vec::new();
    for d in &dirs {
        let opts = TrainOptions {
            sources: vec![root().join("data/notes")],
            out_dir: d.path().to_path_buf(),
            l2_grid: vec![1e-4, 1e-3],
            epochs: 60,
            folds: 3,
            limit: Some(240),
            ..TrainOptions::default()
        };
        manifests.push(train::run(&opts, None).expect("training runs"));
    }
    let a = std::fs::read(dirs[0].path().join("linear.bin")).unwrap();
    let b = std::fs::read(dirs[1].path().join("linear.bin")).unwrap();
    assert_eq!(
        a, b,
        "same data and seed give the same weights, bit for bit"
    );
    assert_eq!(manifests[0].linear, manifests[1].linear);
    assert_eq!(manifests[0].rules, manifests[1].rules);
    let dev = &manifests[0].linear.calibrated.dev;
    assert!(
        dev.roc_auc > 0.7,
        "even a small slice learns something: {}",
        dev.roc_auc
    );
    assert!(manifests[0].encoder_head.is_none());
}

#[test]
fn eval_json_is_one_object_and_bad_lines_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labelled.jsonl");
    let good = std::fs::read_to_string(root().join("data/notes/test.jsonl")).unwrap();
    let mut body: String = good.lines().take(60).map(|l| format!("{l}\n")).collect();
    body.push_str("{\"text\": \"没有标签\"}\n");
    body.push_str("{\"text\": \"姐妹们冲\", \"label\": 1}\n");
    std::fs::write(&file, body).unwrap();
    let report = dir.path().join("report");
    let out = Command::cargo_bin("adlens")
        .unwrap()
        .current_dir(root())
        .args(["eval", "--json", "--linear-only"])
        .arg(&file)
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("exactly one JSON object");
    for key in [
        "n",
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "pr_auc",
        "brier",
        "ece",
        "models",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["n"], 61);
    assert!(v["models"]["rules"]["roc_auc"].is_number());
    assert!(v["models"]["linear"]["subtypes"].is_object());
    assert!(stderr.contains(":61:"), "the bad line is named: {stderr}");
    for f in [
        "report.html",
        "roc.svg",
        "pr.svg",
        "reliability.svg",
        "errors.jsonl",
    ] {
        assert!(report.join(f).exists(), "{f} written");
    }
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "plots are embedded");
}
