//! Sharded batch scoring as a Kubernetes Indexed Job runs it: N processes with
//! `JOB_COMPLETION_INDEX=0..N-1` and `--shard auto/N` over one 20,000-row file,
//! then `adlens merge`, compared byte for byte with one unsharded run. Missing
//! and duplicated shards, a killed and resumed shard, CSV, bad specs.

use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};

const ROWS: usize = 20_000;
const SHARDS: usize = 4;

fn adlens() -> Command {
    Command::from_std(std_adlens())
}

fn std_adlens() -> Std {
    let mut c = Std::new(env!("CARGO_BIN_EXE_adlens"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("ADLENS_SHARD")
        .env_remove("JOB_COMPLETION_INDEX")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// The corpus texts, cycled to make inputs.
fn texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/notes");
    ["train", "dev", "test"]
        .iter()
        .flat_map(|s| {
            adlens::data::read_jsonl(&root.join(format!("{s}.jsonl")))
                .unwrap()
                .0
        })
        .map(|n| n.text)
        .collect()
}

/// `n` JSONL rows: mostly with ids, some without (assigned by line), some empty
/// texts and broken lines (error rows), some blank lines (no row).
fn jsonl_input(n: usize) -> String {
    let texts = texts();
    let mut out = String::new();
    for i in 0..n {
        let text = &texts[i % texts.len()];
        let row = if i % 97 == 5 {
            json!({"text": text, "has_link": i % 3 == 0})
        } else if i % 1009 == 7 {
            json!({"id": format!("n{i:05}"), "text": ""})
        } else {
            json!({"id": format!("n{i:05}"), "text": text, "has_link": i % 3 == 0})
        };
        if i % 2003 == 11 {
            out.push_str("{\"id\": \"cut\n");
        } else {
            out.push_str(&row.to_string());
            out.push('\n');
        }
        if i % 499 == 3 {
            out.push('\n');
        }
    }
    out
}

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    input: PathBuf,
    full: Vec<u8>,
    shards: Vec<PathBuf>,
}

/// One unsharded run and one Indexed-Job-like run of 4 processes, shared by the tests.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let input = dir.join("notes.jsonl");
        std::fs::write(&input, jsonl_input(ROWS)).unwrap();
        let started = Instant::now();
        let full_path = dir.join("full.jsonl");
        let mut runs = vec![
            std_adlens()
                .args(["score", "--linear-only", "--quiet", "--jobs", "1", "-o"])
                .arg(&full_path)
                .arg(&input)
                .spawn()
                .unwrap(),
        ];
        let shards: Vec<PathBuf> = (0..SHARDS)
            .map(|k| dir.join(format!("shard{k}.jsonl")))
            .collect();
        for (k, out) in shards.iter().enumerate() {
            let child = std_adlens()
                .env("JOB_COMPLETION_INDEX", k.to_string())
                .args(["score", "--linear-only", "--quiet", "--jobs", "1"])
                .args(["--shard", &format!("auto/{SHARDS}"), "-o"])
                .arg(out)
                .arg(&input)
                .spawn()
                .unwrap();
            runs.push(child);
        }
        for child in runs {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        eprintln!(
            "unsharded + {SHARDS} shards: {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Fixture {
            _dir: tmp,
            dir,
            input,
            full: std::fs::read(&full_path).unwrap(),
            shards,
        }
    })
}

fn merge(f: &Fixture, out: &Path, shards: &[PathBuf]) -> assert_cmd::assert::Assert {
    adlens()
        .args(["merge", "--input"])
        .arg(&f.input)
        .arg(out)
        .args(shards)
        .assert()
}

fn rows(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn indexed_job_shards_merge_to_the_unsharded_output() {
    let f = fixture();
    let full = rows(&f.full);
    assert!(full.len() > ROWS - 20, "{} rows", full.len());
    assert!(
        full.iter().any(|r| r.get("id").is_none()),
        "id-less rows present"
    );
    assert!(
        full.iter().any(|r| r.get("error").is_some()),
        "error rows present"
    );
    let sizes: Vec<usize> = f
        .shards
        .iter()
        .map(|p| rows(&std::fs::read(p).unwrap()).len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), full.len(), "{sizes:?}");
    let mean = full.len() / SHARDS;
    assert!(
        sizes.iter().all(|&n| n.abs_diff(mean) < mean / 10),
        "{sizes:?}"
    );

    let out = f.dir.join("merged.jsonl");
    let mut reversed = f.shards.clone();
    reversed.reverse();
    let ok = merge(f, &out, &reversed).success();
    let stderr = String::from_utf8_lossy(&ok.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("{} rows from 4 shard files", full.len())),
        "{stderr}"
    );
    let merged = std::fs::read(&out).unwrap();
    assert!(
        merged == f.full,
        "merged output differs from the unsharded run"
    );
}

#[test]
fn a_missing_shard_is_reported_by_its_rows_and_nothing_is_written() {
    let f = fixture();
    let out = f.dir.join("missing.jsonl");
    let lost = rows(&std::fs::read(&f.shards[3]).unwrap());
    let fail = merge(f, &out, &f.shards[..3]).code(1);
    let stderr = String::from_utf8_lossy(&fail.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("{} input rows missing", lost.len())),
        "{stderr}"
    );
    let first = &lost[0];
    let named = match first.get("id").and_then(Value::as_str) {
        Some(id) => format!("line {} (id {id})", first["line"]),
        None => format!("line {}", first["line"]),
    };
    assert!(stderr.contains(&named), "{named} not in {stderr}");
    assert!(!out.exists() && !f.dir.join("missing.jsonl.partial").exists());
}

#[test]
fn a_duplicated_shard_is_reported_with_both_files() {
    let f = fixture();
    let copy = f.dir.join("shard1-again.jsonl");
    std::fs::copy(&f.shards[1], &copy).unwrap();
    let mut all = f.shards.clone();
    all.push(copy);
    let out = f.dir.join("dup.jsonl");
    let fail = merge(f, &out, &all).code(1);
    let stderr = String::from_utf8_lossy(&fail.get_output().stderr).to_string();
    let dup = rows(&std::fs::read(&f.shards[1]).unwrap()).len();
    assert!(
        stderr.contains(&format!("{dup} input rows duplicated")),
        "{stderr}"
    );
    assert!(
        stderr.contains("shard1.jsonl and ") && stderr.contains("shard1-again.jsonl"),
        "{stderr}"
    );
    assert!(!stderr.contains("missing"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_killed_and_resumed_shard_merges_to_the_same_output() {
    let f = fixture();
    let killed = f.dir.join("shard2-killed.jsonl");
    let mut child = std_adlens()
        .args([
            "score",
            "--linear-only",
            "--quiet",
            "--jobs",
            "1",
            "--shard",
            "2/4",
            "-o",
        ])
        .arg(&killed)
        .arg(&f.input)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while killed.metadata().map_or(0, |m| m.len()) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no output");
        assert!(
            child.try_wait().unwrap().is_none(),
            "shard finished before the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to finish the last line
    child.wait().unwrap();
    let expected = rows(&std::fs::read(&f.shards[2]).unwrap()).len();
    let body = std::fs::read_to_string(&killed).unwrap();
    let before = body
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).is_ok())
        .count();
    assert!(
        before < expected,
        "killed after {before} of {expected} rows"
    );

    adlens()
        .args([
            "score",
            "--linear-only",
            "--quiet",
            "--jobs",
            "1",
            "--resume",
        ])
        .args(["--shard", "2/4", "-o"])
        .arg(&killed)
        .arg(&f.input)
        .assert()
        .success();
    assert!(std::fs::read(&killed).unwrap() == std::fs::read(&f.shards[2]).unwrap());
    let out = f.dir.join("resumed.jsonl");
    let shards = [
        f.shards[0].clone(),
        f.shards[1].clone(),
        killed,
        f.shards[3].clone(),
    ];
    merge(f, &out, &shards).success();
    assert!(std::fs::read(&out).unwrap() == f.full);
}

#[test]
fn csv_shards_merge_to_the_unsharded_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notes.csv");
    let texts = texts();
    let mut w = csv::Writer::from_path(&input).unwrap();
    w.write_record(["id", "text", "has_link", "author"])
        .unwrap();
    for i in 0..1_500 {
        let id = if i % 41 == 3 {
            String::new()
        } else {
            format!("c{i}")
        };
        let text = format!("{}\n第{i}行，含逗号", texts[i % texts.len()]);
        let text = if i % 211 == 9 { String::new() } else { text };
        w.write_record([id, text, (i % 2).to_string(), "小鹿".into()])
            .unwrap();
    }
    w.flush().unwrap();
    let full = dir.path().join("full.csv");
    adlens()
        .args(["score", "--linear-only", "--quiet", "-o"])
        .arg(&full)
        .arg(&input)
        .assert()
        .success();
    let shards: Vec<PathBuf> = (0..3)
        .map(|k| dir.path().join(format!("s{k}.csv")))
        .collect();
    for (k, out) in shards.iter().enumerate() {
        adlens()
            .args([
                "score",
                "--linear-only",
                "--quiet",
                "--shard",
                &format!("{k}/3"),
                "-o",
            ])
            .arg(out)
            .arg(&input)
            .assert()
            .success();
    }
    let merged = dir.path().join("merged.csv");
    adlens()
        .args(["merge", "--input"])
        .arg(&input)
        .arg(&merged)
        .args(&shards)
        .assert()
        .success();
    assert!(std::fs::read(&merged).unwrap() == std::fs::read(&full).unwrap());
    adlens()
        .args(["merge", "--input"])
        .arg(&input)
        .arg(&merged)
        .args(&shards[1..])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("input rows missing"));
}

#[test]
fn bad_shard_specs_are_clear_errors_and_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "kept\n").unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notes.jsonl");
    for (spec, index, says) in [
        ("3/3", None, "out of range: shards are numbered 0 to 2"),
        ("0/0", None, "at least 1"),
        ("auto/4", None, "JOB_COMPLETION_INDEX"),
        ("auto/4", Some("4"), "out of range"),
        ("auto/4", Some("two"), "is not a shard index"),
        ("1of4", None, "expected K/N"),
    ] {
        let mut cmd = adlens();
        if let Some(i) = index {
            cmd.env("JOB_COMPLETION_INDEX", i);
        }
        cmd.args([
            "score",
            "--linear-only",
            "--quiet",
            "--resume",
            "--shard",
            spec,
            "-o",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .failure()
        .stderr(predicates::str::contains(says));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n", "{spec}");
    }
}
