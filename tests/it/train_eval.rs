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

/// Several files at once: metrics per source, `unsure` rows left out and counted;
/// a one-class file has no ROC-AUC (null, with a note) but keeps its accuracy.
#[test]
fn eval_reports_by_source_and_handles_one_class_and_unsure() {
    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("mixed.jsonl");
    let rows = [
        r#"{"text": "本店新品上市，营业时间10点到22点，欢迎到店", "label": "ad", "source": "real_xhs", "mechanics": ["merchant"]}"#,
        r#"{"text": "今天去公园散步，天气很好", "label": "organic", "source": "real_xhs"}"#,
        r#"{"text": "说不清是不是推广的一条", "label": "unsure", "source": "real_xhs"}"#,
        r#"{"text": "书的质量不错，物流很快", "label": "organic", "source": "reviews"}"#,
    ];
    std::fs::write(&mixed, rows.join("\n") + "\n").unwrap();
    let run = |files: &[&std::path::Path]| -> serde_json::Value {
        let out = Command::cargo_bin("adlens")
            .unwrap()
            .current_dir(root())
            .args(["eval", "--json", "--linear-only"])
            .args(files)
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let v = run(&[&mixed]);
    assert_eq!(v["n"], 3);
    assert_eq!(v["unsure_excluded"], 1);
    let sources: Vec<&str> = v["by_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["real_xhs", "reviews"]);
    let reviews = &v["by_source"][1]["models"][0];
    assert!(reviews["roc_auc"].is_null() && reviews["flagged_organic"].is_number());
    assert_eq!(v["by_source"][0]["ads_with_mechanics"], 1);
    assert!(v.get("cues").is_none(), "cues only when asked");

    // --cues: per source, the notes each kind of cue fires on.
    let out = Command::cargo_bin("adlens")
        .unwrap()
        .current_dir(root())
        .args(["eval", "--json", "--linear-only", "--cues"])
        .arg(&mixed)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let real = &v["cues"][0];
    assert_eq!(
        (real["source"].as_str(), real["ads"].as_u64()),
        (Some("real_xhs"), Some(1))
    );
    let row = real["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["cue"] == "commercial_mechanic")
        .unwrap();
    assert_eq!(
        (row["ads_with"].as_u64(), row["organic_with"].as_u64()),
        (Some(1), Some(0)),
        "{v}"
    );
    assert_eq!(row["ad_rate"], 1.0);

    let organic_only = dir.path().join("organic.jsonl");
    std::fs::write(&organic_only, rows[1].to_owned() + "\n" + rows[3] + "\n").unwrap();
    let v = run(&[&organic_only]);
    assert!(v["roc_auc"].is_null() && v["pr_auc"].is_null(), "{v}");
    assert!(v["models"]["linear"]["roc_auc"].is_null());
    assert!(v["accuracy"].is_number());
    assert!(v["note"].as_str().unwrap().contains("one class"));
}
