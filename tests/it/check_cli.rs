//! `adlens check` as a user runs it.

use assert_cmd::Command;
use predicates::prelude::*;

fn adlens() -> Command {
    Command::cargo_bin("adlens").expect("binary built")
}

#[test]
fn check_json_reports_signals_with_rules() {
    let out = adlens()
        .args(["check", "--json", "全网最低价！姐妹们闭眼入，链接在评论区"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("one JSON object");
    let kinds: Vec<&str> = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"absolute_claim"), "{kinds:?}");
    assert!(kinds.contains(&"call_to_action"), "{kinds:?}");
    let codes: Vec<&str> = v["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"absolute_terms"), "{codes:?}");
}

#[test]
fn check_reads_stdin_and_marks_spans() {
    adlens()
        .args(["check", "-"])
        .write_stdin("#广告 这款面霜我用了两周")
        .assert()
        .success()
        .stdout(predicate::str::contains("[#广告]"));
}

#[test]
fn empty_text_is_a_clear_error() {
    adlens()
        .args(["check", "-"])
        .write_stdin("  \n ")
        .assert()
        .failure()
        .stderr(predicate::str::contains("empty"));
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    adlens()
        .args(["check", "-"])
        .write_stdin(&b"\xe5\xa5\xbd\xff\xfe"[..])
        .assert()
        .failure()
        .stderr(predicate::str::contains("offset 3"));
}
