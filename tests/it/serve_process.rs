//! `adlens serve` as a real process: it answers on a loopback port (and to `adlens
//! health`), and SIGTERM while requests are in flight loses none of them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `adlens serve` on port 0: the server binds and keeps its own listener
/// (no port number is freed and reused), and the test reads the bound address
/// from its "listening" log line. The rest of the log keeps being drained.
fn spawn_server() -> (Child, u16) {
    spawn_server_with(&[])
}

/// [`spawn_server`] with more `serve` flags (the browser test's `--max-chars`).
pub(crate) fn spawn_server_with(extra: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adlens"))
        .args(["serve", "--linear-only", "--addr", "127.0.0.1:0"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start adlens serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("listening")
                && let Some(port) = line
                    .split("addr=")
                    .nth(1)
                    .and_then(|a| a.split_whitespace().next())
                    .and_then(|a| a.rsplit(':').next())
                    .and_then(|p| p.parse::<u16>().ok())
            {
                let _ = tx.send(port);
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server logs the address it listens on");
    (child, port)
}

/// One HTTP/1.1 request over a fresh connection; returns (status, body).
pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[test]
fn sigterm_drains_in_flight_requests() {
    let (mut child, port) = spawn_server();
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = request(port, "GET", "/health", "") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never became healthy"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = request(
        port,
        "POST",
        "/v1/score",
        r#"{"text":"姐妹们闭眼入，链接在评论区"}"#,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ad_probability"));
    // The container HEALTHCHECK: `adlens health` exits 0 against a ready service.
    let health = |port: u16| {
        Command::new(env!("CARGO_BIN_EXE_adlens"))
            .args(["health", "--timeout", "5s", "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .env_remove("ADLENS_ADDR")
            .output()
            .unwrap()
    };
    let ok = health(port);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // Long notes keep the requests busy while the signal arrives.
    let note = "周末带娃去了新开的亲子餐厅，环境不错，菜品一般，价格偏贵。".repeat(50);
    let body =
        serde_json::json!({ "notes": vec![serde_json::json!({"text": note}); 150] }).to_string();
    let clients: Vec<_> = (0..6)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || request(port, "POST", "/v1/score/batch", &body))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(150));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = Instant::now();
    for c in clients {
        let (status, body) = c.join().unwrap().expect("request completed");
        assert_eq!(status, 200, "an in-flight request was lost: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["results"].as_array().unwrap().len(), 150);
    }
    // The work outlasted the signal: the requests really were in flight.
    assert!(
        signalled.elapsed() > Duration::from_millis(100),
        "{:?}",
        signalled.elapsed()
    );
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let gone = health(port);
    assert_eq!(
        gone.status.code(),
        Some(1),
        "a stopped service is unhealthy"
    );
    assert!(String::from_utf8_lossy(&gone.stderr).contains("/health"));
}
