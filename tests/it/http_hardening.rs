//! The service over real sockets (in-process, port 0): an oversized body written in
//! full before reading still gets its 413 JSON; half-open, idle and slow clients
//! are cut off within their timeouts while others are served; the connection cap
//! holds; shutdown returns.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use adlens::server::{self, AppState, Limits};
use serde_json::Value;

struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(limits: Limits) -> Running {
    let state = AppState::new(limits.clone());
    state.set_engine(super::server::engine());
    let router = server::router(state, &[]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::listen::run(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

impl Running {
    async fn shut_down(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the server stops after the shutdown signal")
            .unwrap();
    }
}

/// Reads one response (status, JSON-or-text body) from a kept-alive connection.
fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<(u16, Value)> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    let v = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
    Ok((status, v))
}

fn head(method: &str, path: &str, len: usize) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
    )
}

/// One request on a fresh connection.
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut r = BufReader::new(s);
    let req = head(method, path, body.len()) + body;
    r.get_mut().write_all(req.as_bytes()).unwrap();
    read_response(&mut r).unwrap()
}

fn assert_error_shape(v: &Value, kind: &str) {
    assert_eq!(v["error_type"], kind, "{v}");
    assert!(v["error"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
}

/// True when the server has closed the connection (EOF or reset) within `within`.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_12_mb_body_written_in_full_gets_the_413_json() {
    let srv = start(Limits::default()).await;
    let addr = srv.addr;
    tokio::task::spawn_blocking(move || {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut r = BufReader::new(s);
        let size = 12 << 20;
        let mut body = Vec::with_capacity(size);
        body.extend_from_slice(b"{\"text\":\"");
        body.resize(size - 2, b'a');
        body.extend_from_slice(b"\"}");
        // Like Python `requests`: the whole body goes out before anything is read.
        r.get_mut()
            .write_all(head("POST", "/v1/score", size).as_bytes())
            .unwrap();
        r.get_mut()
            .write_all(&body)
            .expect("the server reads the whole body instead of resetting");
        let (status, v) = read_response(&mut r).unwrap();
        assert_eq!(status, 413, "{v}");
        assert_error_shape(&v, "payload_too_large");
        // The connection is still usable.
        r.get_mut()
            .write_all(head("GET", "/health", 0).as_bytes())
            .unwrap();
        assert_eq!(read_response(&mut r).unwrap().0, 200);
    })
    .await
    .unwrap();
    srv.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_and_idle_connections_are_closed_while_others_are_served() {
    // hyper's own header timer (backstop) is header + idle = 5.5 s: everything below
    // that is the service's header and idle timeouts at work.
    let limits = Limits {
        header_timeout: Duration::from_millis(1500),
        idle_timeout: Duration::from_millis(4000),
        ..Limits::default()
    };
    let srv = start(limits).await;
    let addr = srv.addr;
    tokio::task::spawn_blocking(move || {
        let opened = Instant::now();
        // 200 clients send part of a head and stop; 50 more connect and say nothing.
        let mut partial: Vec<TcpStream> = (0..200)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"POST /v1/score HTTP/1.1\r\nHost: loc")
                    .unwrap();
                s
            })
            .collect();
        let mut silent: Vec<TcpStream> =
            (0..50).map(|_| TcpStream::connect(addr).unwrap()).collect();
        // Meanwhile the service answers others.
        assert_eq!(request(addr, "GET", "/health", "").0, 200);
        let body = serde_json::json!({"text": "姐妹们闭眼入！链接在评论区"}).to_string();
        let (status, v) = request(addr, "POST", "/v1/score", &body);
        assert_eq!(status, 200, "{v}");
        assert!(v["ad_probability"].is_number());
        assert!(
            opened.elapsed() < Duration::from_millis(1500),
            "the checks ran before the timeouts (took {:?})",
            opened.elapsed()
        );
        // Partial heads go at the header timeout, well before idle or backstop.
        for (i, s) in partial.iter_mut().enumerate() {
            assert!(
                closed_within(s, Duration::from_secs(3)),
                "partial-head connection {i} still open after {:?}",
                opened.elapsed()
            );
        }
        let heads_closed = opened.elapsed();
        assert!(
            heads_closed < Duration::from_millis(3500),
            "{heads_closed:?}"
        );
        // Silent connections are not held to the header timeout, only to the idle one.
        assert!(
            !closed_within(&mut silent[0], Duration::from_millis(100)),
            "a silent connection was closed after {:?}, before the idle timeout",
            opened.elapsed()
        );
        for (i, s) in silent.iter_mut().enumerate() {
            assert!(
                closed_within(s, Duration::from_secs(5)),
                "silent connection {i} still open after {:?}",
                opened.elapsed()
            );
        }
        let idle_closed = opened.elapsed();
        assert!(
            idle_closed >= Duration::from_millis(3900) && idle_closed < Duration::from_secs(7),
            "{idle_closed:?}"
        );
        // A kept-alive connection may wait longer than the header timeout between
        // requests (but less than the idle timeout).
        let s = TcpStream::connect(addr).unwrap();
        let mut r = BufReader::new(s);
        for _ in 0..2 {
            r.get_mut()
                .write_all(head("GET", "/health", 0).as_bytes())
                .unwrap();
            assert_eq!(read_response(&mut r).unwrap().0, 200);
            std::thread::sleep(Duration::from_millis(2000));
        }
        // The service is still healthy.
        assert_eq!(request(addr, "GET", "/health", "").0, 200);
    })
    .await
    .unwrap();
    srv.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_a_byte_at_a_time_gets_408_within_the_bound() {
    let limits = Limits {
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let srv = start(limits).await;
    let addr = srv.addr;
    tokio::task::spawn_blocking(move || {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut w = s.try_clone().unwrap();
        let started = Instant::now();
        w.write_all(head("POST", "/v1/score", 100).as_bytes())
            .unwrap();
        // The body trickles in at 5 bytes a second (it would take 20 s).
        let writer = std::thread::spawn(move || {
            for _ in 0..100 {
                if w.write_all(b" ").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let mut r = BufReader::new(s);
        let (status, v) = read_response(&mut r).expect("a response before the cut-off");
        assert_eq!(status, 408, "{v}");
        assert_error_shape(&v, "request_timeout");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // And the connection is closed.
        assert!(closed_within(r.get_mut(), Duration::from_secs(3)));
        let _ = writer.join();
    })
    .await
    .unwrap();
    srv.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_for_a_free_slot() {
    let limits = Limits {
        max_connections: 3,
        ..Limits::default()
    };
    let srv = start(limits).await;
    let addr = srv.addr;
    tokio::task::spawn_blocking(move || {
        let mut held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        // A fourth connection is made (listen backlog) but not served.
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(700))).unwrap();
        let mut r = BufReader::new(s);
        r.get_mut()
            .write_all(head("GET", "/health", 0).as_bytes())
            .unwrap();
        let mut byte = [0u8; 1];
        let waited = r.get_mut().read(&mut byte);
        assert!(
            matches!(&waited, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
            "a fourth connection was served past the cap of 3: {waited:?}"
        );
        // One slot frees: the waiting connection is served.
        drop(held.pop());
        r.get_mut()
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(read_response(&mut r).unwrap().0, 200);
    })
    .await
    .unwrap();
    srv.shut_down().await;
}
