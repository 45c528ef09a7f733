//! Every adlens process runs under the allocator setting of `cli::malloc`: one
//! started without `GLIBC_TUNABLES` restarts itself with it (same process id,
//! arguments and standard input), and a value the user set is kept.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use adlens::cli::malloc::MALLOC_TUNABLES;

/// Starts `adlens score --linear-only -` (it waits on standard input) with
/// `tunables` in its environment (`None`: the variable removed), reads the
/// environment the running process ends up with from /proc, then feeds it one
/// note and returns that environment's `GLIBC_TUNABLES` and what it printed.
/// glibc splits the variable's value at each `:` in place as it reads it, so
/// /proc shows its first setting.
fn tunables_seen(tunables: Option<&str>) -> (Option<String>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adlens"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["score", "--linear-only", "--quiet", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match tunables {
        Some(v) => cmd.env("GLIBC_TUNABLES", v),
        None => cmd.env_remove("GLIBC_TUNABLES"),
    };
    let mut child = cmd.spawn().expect("adlens starts");
    let environ = format!("/proc/{}/environ", child.id());
    let read = || -> Option<String> {
        let raw = std::fs::read(&environ).ok()?;
        raw.split(|&b| b == 0)
            .find_map(|kv| kv.strip_prefix(b"GLIBC_TUNABLES="))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    // The restart happens first thing; until then /proc shows the environment
    // the process was started with.
    let start = Instant::now();
    let mut seen = read();
    while seen.is_none() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
        seen = read();
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all("{\"id\":\"a\",\"text\":\"周末去公园散步，天气很好。\"}\n".as_bytes())
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    (seen, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_process_started_without_the_setting_restarts_with_it_and_still_reads_its_input() {
    let (seen, out) = tunables_seen(None);
    assert_eq!(seen.as_deref(), MALLOC_TUNABLES.split(':').next());
    assert!(out.contains("\"id\":\"a\""), "{out}");
    assert!(out.contains("ad_probability"), "{out}");
}

#[test]
fn a_setting_the_user_gave_is_kept() {
    for given in ["", "glibc.malloc.arena_max=2"] {
        let (seen, out) = tunables_seen(Some(given));
        assert_eq!(seen.as_deref(), given.split(':').next());
        assert!(out.contains("ad_probability"), "{out}");
    }
}
