//! The draft checker page (`/`) in a real browser: `adlens serve` runs as a
//! process on a loopback port and `web/e2e/e2e.mjs` drives Debian's chromium
//! through playwright-core (typing a sponsored draft, the link toggle, a
//! too-long draft, unreachable and loading states, a 200-row CSV with one bad
//! row, the download), saving screenshots to `target/e2e/`. The page's scripts
//! also have node unit tests (`web/e2e/unit/`).
//!
//! Needs node ≥ 20 and chromium: `apt-get install -y chromium chromium-driver`
//! (`.ci/run` does it). A missing one fails the test, saying how to install it;
//! playwright-core is installed from `web/e2e/package-lock.json` on first run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::serve_process::{request, spawn_server_with};

/// The `--max-chars` of the server under test: the too-long draft goes past it.
const MAX_CHARS: usize = 600;
/// The whole browser run must end within this (it takes about 20 s).
const BUDGET: Duration = Duration::from_secs(240);

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web/e2e")
}

fn chromium() -> PathBuf {
    let path = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    assert!(
        path.exists(),
        "{} not found: the browser test needs Debian's chromium. Install it with \
         `apt-get install -y chromium chromium-driver` (`.ci/run` does), or set CHROMIUM.",
        path.display()
    );
    path
}

fn node() {
    let out = Command::new("node").arg("--version").output();
    let version = out
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let major: Option<u32> = version
        .as_deref()
        .and_then(|v| v.trim_start_matches('v').split('.').next()?.parse().ok());
    assert!(
        major.is_some_and(|m| m >= 20),
        "the browser test needs Node.js ≥ 20 with npm (found {version:?}); \
         install it (e.g. `apt-get install -y nodejs npm` where that gives ≥ 20)"
    );
}

/// Installs playwright-core from the lock file when it is not there yet.
fn npm_ci(dir: &Path) {
    if dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .expect("run npm ci (is npm installed?)");
    assert!(out.status.success(), "npm ci failed:\n{}", text(&out));
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `cmd` to its end or kills it after `limit`.
fn run_within(mut cmd: Command, limit: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait for node"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("the browser test did not finish within {limit:?}");
        }
    }
}

#[test]
fn draft_checker_in_chromium() {
    let browser = chromium();
    node();
    let dir = e2e_dir();
    npm_ci(&dir);
    let (mut server, port) = spawn_server_with(&["--max-chars", &MAX_CHARS.to_string()]);
    let started = Instant::now();
    while !matches!(request(port, "GET", "/health", ""), Ok((200, _))) {
        assert!(started.elapsed() < Duration::from_secs(120), "never ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    let mut cmd = Command::new("node");
    cmd.arg("e2e.mjs")
        .current_dir(&dir)
        .env("ADLENS_URL", format!("http://127.0.0.1:{port}"))
        .env("ADLENS_MAX_CHARS", MAX_CHARS.to_string())
        .env("E2E_OUT", &out_dir)
        .env("CHROMIUM", &browser);
    let ran = Instant::now();
    let out = run_within(cmd, BUDGET);
    let _ = server.kill();
    let _ = server.wait();
    eprintln!("{}browser run took {:.1?}", text(&out), ran.elapsed());
    assert!(
        out.status.success(),
        "the browser test failed:\n{}",
        text(&out)
    );
    for shot in ["desktop.png", "phone.png", "brand.png"] {
        assert!(out_dir.join(shot).exists(), "no screenshot {shot}");
    }
}

#[test]
fn page_scripts_unit_tests() {
    node();
    let mut cmd = Command::new("node");
    cmd.args(["--test", "unit/"]).current_dir(e2e_dir());
    let out = run_within(cmd, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "node unit tests failed:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("# fail 0"), "{}", text(&out));
}
