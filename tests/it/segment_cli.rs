//! `adlens segment`: the pipeline's normalised text and words per note, with a
//! timing line on stderr; a file with an unreadable line is an error.

use assert_cmd::Command;

fn adlens() -> Command {
    Command::cargo_bin("adlens").expect("binary built")
}

#[test]
fn segment_writes_words_per_note_and_times_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notes.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"n1\",\"text\":\"姐妹们闭眼入，这个平替我已经回购三次了\"}\n\
         {\"text\":\"ＳＰＦ５０的防晒，真的  好用\"}\n",
    )
    .unwrap();
    let output = dir.path().join("words.jsonl");
    let out = adlens()
        .arg("segment")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["--repeat", "3"])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "n1");
    let words: Vec<&str> = lines[0]["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    // The marketing dictionary keeps its words whole.
    for w in ["闭眼入", "平替", "回购"] {
        assert!(words.contains(&w), "{w} not in {words:?}");
    }
    assert!(lines[1]["id"].is_null());
    assert_eq!(lines[1]["normalized"], "spf50的防晒,真的 好用");
    let timing: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stderr).trim()).unwrap();
    assert_eq!(timing["notes"], 2);
    assert_eq!(timing["chars"], 33);
    assert!(timing["chars_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_file_with_an_unreadable_line_is_an_error() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/notes.jsonl");
    let out = adlens()
        .args(["segment", fixture])
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unreadable line") && !err.contains("panicked"),
        "{err}"
    );
}
