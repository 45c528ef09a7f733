//! `adlens soak`, in miniature: the real command (a spawned linear-only server,
//! the mixed traffic, the RSS sampler) run for a few seconds must finish with
//! every request answered as its kind requires and a memory report.

use assert_cmd::Command;

#[test]
fn a_short_soak_answers_every_request_as_expected_and_reports_memory() {
    let out = Command::cargo_bin("adlens")
        .expect("binary built")
        .args([
            "soak",
            "--duration",
            "4",
            "--warmup",
            "1",
            "--sample",
            "1",
            "--concurrency",
            "2",
        ])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("linear-only"), "{stdout}");
    assert!(
        stdout.contains("5xx 0  unexpected statuses 0  connection errors 0"),
        "{stdout}"
    );
    assert!(stdout.contains("Score → 200"), "{stdout}");
    assert!(stdout.contains("server RSS:"), "{stdout}");
    assert!(!stdout.contains("no samples after the warm-up"), "{stdout}");
}
