//! `adlens score` over fixture files: every format quirk, bad rows reported with
//! their line numbers, order kept, sorting, resume.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn adlens() -> Command {
    let mut c = Command::cargo_bin("adlens").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

#[test]
fn jsonl_bad_rows_become_error_rows_with_line_numbers() {
    let out = adlens()
        .args(["score", "--linear-only", "--quiet"])
        .arg(fixture("notes.jsonl"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let rows = jsonl(&out.get_output().stdout);
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(
        lines,
        [1, 2, 3, 4, 5, 6, 7],
        "one output row per input row, in order"
    );
    assert_eq!(rows[0]["id"], "a1");
    assert_eq!(rows[0]["author"], "小鹿", "input fields pass through");
    for key in [
        "ad_probability",
        "label",
        "link_cost",
        "label_required",
        "top_signals",
        "compliance",
    ] {
        assert!(rows[0].get(key).is_some(), "missing {key}");
    }
    assert!(
        rows[1]["label_required"].as_bool().unwrap(),
        "a note with a link needs a label"
    );
    assert!(rows[2]["error"].as_str().unwrap().contains("empty"));
    assert_eq!(rows[2]["id"], "a3");
    assert!(
        rows[3]["error"]
            .as_str()
            .unwrap()
            .contains("missing field `text`")
    );
    assert!(rows[4]["error"].as_str().unwrap().contains("UTF-8"));
    assert!(
        rows[5]["ad_probability"].is_number(),
        "scoring goes on after bad rows"
    );
    assert!(
        rows[6]["error"].as_str().unwrap().contains("invalid JSON"),
        "truncated last line"
    );
    assert!(stderr.contains("4 errors"), "{stderr}");
}

#[test]
fn strict_mode_fails_on_bad_rows() {
    adlens()
        .args(["score", "--linear-only", "--quiet", "--strict"])
        .arg(fixture("notes.jsonl"))
        .assert()
        .code(1);
}

#[test]
fn csv_with_bom_multiline_fields_and_quoted_commas() {
    let out = adlens()
        .args(["score", "--linear-only", "--quiet"])
        .arg(fixture("notes_bom.csv"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        &headers[..4],
        ["id", "text", "has_link", "author"],
        "BOM stripped from the header"
    );
    assert!(headers.contains(&"link_cost".to_owned()));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][1], "第一行标题\n第二行正文，用了两个月，性价比高");
    assert_eq!(&rows[0][3], "张,三");
    let err = headers.iter().position(|h| h == "error").unwrap();
    let line = headers.iter().position(|h| h == "line").unwrap();
    assert!(rows[2][err].contains("empty"));
    assert_eq!(
        &rows[2][line], "5",
        "the row's line number in the input file"
    );
    let sig = headers.iter().position(|h| h == "top_signals").unwrap();
    assert!(
        rows[1][sig].contains("disclosure"),
        "signals flattened: {}",
        &rows[1][sig]
    );
}

#[test]
fn gbk_csv_is_detected_and_a_wrong_encoding_is_reported_per_row() {
    let out = adlens()
        .args(["score", "--linear-only", "--quiet", "--format", "jsonl"])
        .arg(fixture("notes_gbk.csv"))
        .assert()
        .success();
    let rows = jsonl(&out.get_output().stdout);
    assert_eq!(rows.len(), 2);
    assert!(rows[0]["text"].as_str().unwrap().starts_with("这款面霜"));
    assert!(rows[1]["label_required"].as_bool().unwrap());

    let out = adlens()
        .args([
            "score",
            "--linear-only",
            "--quiet",
            "--format",
            "jsonl",
            "--encoding",
            "utf8",
        ])
        .arg(fixture("notes_gbk.csv"))
        .assert()
        .success();
    let rows = jsonl(&out.get_output().stdout);
    assert!(
        rows[0]["error"].as_str().unwrap().contains("UTF-8"),
        "{:?}",
        rows[0]
    );
}

#[test]
fn many_rows_on_several_threads_keep_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let texts = [
        "今天天气不错，去公园走了走",
        "姐妹们冲！到手价99",
        "用了一个月，缺点是有点贵",
    ];
    let body: String = (0..500)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"{} {i}\"}}\n", texts[i % 3]))
        .collect();
    std::fs::write(&input, body).unwrap();
    let out = adlens()
        .args(["score", "--linear-only", "--quiet", "--jobs", "3"])
        .arg(&input)
        .assert()
        .success();
    let ids: Vec<String> = jsonl(&out.get_output().stdout)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = (0..500).map(|i| format!("r{i}")).collect();
    assert_eq!(ids, want);
}

#[test]
fn sort_and_top_keep_the_safest_notes() {
    let out = adlens()
        .args([
            "score",
            "--linear-only",
            "--quiet",
            "--sort",
            "link-cost",
            "--top",
            "2",
        ])
        .arg(fixture("notes.jsonl"))
        .assert()
        .success();
    let rows = jsonl(&out.get_output().stdout);
    assert_eq!(rows.len(), 2);
    let a = rows[0]["link_cost"].as_f64().unwrap();
    let b = rows[1]["link_cost"].as_f64().unwrap();
    assert!(a <= b);
}

#[test]
fn resume_skips_ids_already_written() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.jsonl");
    adlens()
        .args(["score", "--linear-only", "--quiet", "-o"])
        .arg(&out_path)
        .arg(fixture("notes.jsonl"))
        .assert()
        .success();
    let full = std::fs::read_to_string(&out_path).unwrap();
    // Simulate an interruption after two rows, the second one cut mid-line.
    let mut lines: Vec<&str> = full.lines().collect();
    lines.truncate(2);
    let half: String = lines[1]
        .chars()
        .take(lines[1].chars().count() / 2)
        .collect();
    std::fs::write(&out_path, format!("{}\n{half}", lines[0])).unwrap();
    adlens()
        .args(["score", "--linear-only", "--quiet", "--resume", "-o"])
        .arg(&out_path)
        .arg(fixture("notes.jsonl"))
        .assert()
        .success();
    let rows = jsonl(std::fs::read(&out_path).unwrap().as_slice());
    let a1 = rows.iter().filter(|r| r["id"] == "a1").count();
    let a5 = rows.iter().filter(|r| r["id"] == "a5").count();
    assert_eq!((a1, a5), (1, 1), "every id once after resuming");
    assert_eq!(rows.len(), 7);
}

#[test]
fn unreadable_input_is_a_clear_error() {
    adlens()
        .args([
            "score",
            "--linear-only",
            "--quiet",
            "/nonexistent/notes.jsonl",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot open"));
}

#[test]
fn a_closed_output_pipe_stops_the_run_instead_of_hanging() {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let body: String = (0..20_000)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"今天天气不错，去公园走了走 {i}\"}}\n"))
        .collect();
    std::fs::write(&input, body).unwrap();
    let mut child = Std::new(env!("CARGO_BIN_EXE_adlens"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["score", "--linear-only", "--quiet", "--jobs", "2"])
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out); // the reader goes away, like `| head`
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "adlens score hung after its output closed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn comments_in_a_file_are_summarised_like_the_api_does() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("with_comments.csv");
    std::fs::write(
        &input,
        "id,text,comments\n\
         c1,用了一个月，挺好用,\"是广告吧\n恰饭了\n好看\"\n\
         c2,今天去公园散步,\n",
    )
    .unwrap();
    let out = adlens()
        .args(["score", "--linear-only", "--quiet", "--format", "jsonl"])
        .arg(&input)
        .assert()
        .success();
    let rows = jsonl(&out.get_output().stdout);
    let c = &rows[0]["comments_called_out"];
    assert_eq!(c["n"], 3, "{c}");
    assert_eq!(c["called_out"], 2, "{c}");
    assert!(
        rows[1].get("comments_called_out").is_none(),
        "no comments, no summary"
    );

    // The same file to CSV: the column sits before `error`.
    let out = adlens()
        .args(["score", "--linear-only", "--quiet", "--format", "csv"])
        .arg(&input)
        .assert()
        .success();
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with("comments_called_out,error,line"),
        "{header}"
    );
    assert!(csv.contains("2/3 ("), "{csv}");

    // A comment that is not a string is that row's error, not the run's.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\":\"b1\",\"text\":\"x\",\"comments\":[1,2]}\n").unwrap();
    let out = adlens()
        .args(["score", "--linear-only", "--quiet"])
        .arg(&bad)
        .assert()
        .success();
    let rows = jsonl(&out.get_output().stdout);
    assert!(
        rows[0]["error"].as_str().unwrap().contains("comments"),
        "{}",
        rows[0]
    );
}
