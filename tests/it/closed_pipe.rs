//! A reader that goes away (`adlens … | head`) ends the command quietly with
//! status 141, as Unix filters end, never with a panic or an error message.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

fn adlens() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_adlens"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `cmd`, reads one line of its stdout, closes the pipe, and checks the
/// end: status 141 and nothing about a panic or a broken pipe on stderr.
fn read_one_line_then_hang_up(mut cmd: Command) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("adlens starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty(), "the command printed something first");
    // The reader is dropped here: the pipe is closed under the writer.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(141),
        "{:?} {stderr}",
        out.status.signal()
    );
}

#[test]
fn printing_commands_end_quietly_when_the_reader_hangs_up() {
    // `trust comments` prints one line per disagreement with println!: 3,000
    // mislabelled comments are far more than a pipe buffer holds.
    let dir = tempfile::tempdir().unwrap();
    let (comments, labels) = (dir.path().join("c.jsonl"), dir.path().join("l.jsonl"));
    let mut c = String::new();
    let mut l = String::new();
    for i in 0..3000 {
        c.push_str(&format!(
            "{{\"id\":\"c{i}\",\"text\":\"是广告吧，第{i}条评论写得很长很长很长\"}}\n"
        ));
        l.push_str(&format!("{{\"id\":\"c{i}\",\"call_out\":false}}\n"));
    }
    std::fs::write(&comments, c).unwrap();
    std::fs::write(&labels, l).unwrap();
    let mut cmd = adlens();
    cmd.args(["trust", "comments", "--comments"])
        .arg(&comments)
        .arg("--labels")
        .arg(&labels);
    read_one_line_then_hang_up(cmd);
}

#[test]
fn score_to_stdout_ends_quietly_when_the_reader_hangs_up() {
    // `score` writes through its own writer: the broken pipe comes back as an
    // error, which must not be printed as one.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let body: String = (0..4000)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"姐妹们冲！到手价99，链接在评论区 {i}\"}}\n"))
        .collect();
    std::fs::write(&input, body).unwrap();
    let mut cmd = adlens();
    cmd.args(["score", "--linear-only", "--quiet"]).arg(&input);
    read_one_line_then_hang_up(cmd);
}
