//! `adlens loadtest`: a bounded HTTP load generator for the service, loopback only.
//!
//! N clients on keep-alive HTTP/1.1 connections post realistic notes for a fixed
//! time; the report gives throughput, status counts and latency percentiles, then
//! an optional low-concurrency recovery phase shows the service answering again.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::data;

/// Arguments of `adlens loadtest`.
#[derive(Debug, Args)]
pub struct LoadtestArgs {
    /// Service address (loopback only).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Labelled or unlabelled JSONL of notes to send (`text` field).
    #[arg(long, default_value = "data/notes/test.jsonl")]
    pub notes: PathBuf,
    /// After the main phase, run this many seconds with 4 clients to show recovery.
    #[arg(long, default_value_t = 0)]
    pub recovery: u64,
    /// PID of the server, to report its peak memory (VmHWM) at the end.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

#[derive(Default)]
struct Tally {
    statuses: BTreeMap<u16, usize>,
    latencies_us: Vec<u64>,
    errors: usize,
}

async fn request(stream: &mut BufReader<TcpStream>, body: &str) -> std::io::Result<u16> {
    exchange(stream, "POST", "/v1/score", body.as_bytes()).await
}

/// One HTTP/1.1 request on a kept-alive connection; returns the status and skips
/// the response body.
pub(super) async fn exchange(
    stream: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<u16> {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // One write per request (two small writes would meet Nagle + delayed ACK).
    let mut req = head.into_bytes();
    req.extend_from_slice(body);
    stream.get_mut().write_all(&req).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut len = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
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
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await?;
    Ok(status)
}

async fn client(
    addr: SocketAddr,
    bodies: Arc<Vec<String>>,
    until: Instant,
    offset: usize,
) -> Tally {
    let mut t = Tally::default();
    let mut i = offset;
    let mut conn: Option<BufReader<TcpStream>> = None;
    while Instant::now() < until {
        if conn.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    conn = Some(BufReader::new(s));
                }
                Err(_) => {
                    t.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let body = &bodies[i % bodies.len()];
        i += 1;
        let started = Instant::now();
        match request(conn.as_mut().expect("connected"), body).await {
            Ok(status) => {
                t.latencies_us.push(started.elapsed().as_micros() as u64);
                *t.statuses.entry(status).or_default() += 1;
            }
            Err(_) => {
                t.errors += 1;
                conn = None;
            }
        }
    }
    t
}

async fn phase(addr: SocketAddr, bodies: Arc<Vec<String>>, clients: usize, secs: u64) -> Tally {
    let until = Instant::now() + Duration::from_secs(secs);
    let handles: Vec<_> = (0..clients)
        .map(|c| tokio::spawn(client(addr, bodies.clone(), until, c * 7)))
        .collect();
    let mut all = Tally::default();
    for h in handles {
        if let Ok(t) = h.await {
            for (k, v) in t.statuses {
                *all.statuses.entry(k).or_default() += v;
            }
            all.latencies_us.extend(t.latencies_us);
            all.errors += t.errors;
        }
    }
    all
}

fn report(name: &str, t: &mut Tally, secs: u64) {
    t.latencies_us.sort_unstable();
    let n = t.latencies_us.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        t.latencies_us[((n as f64 * p).ceil() as usize).clamp(1, n) - 1] as f64 / 1e3
    };
    let ok = t.statuses.get(&200).copied().unwrap_or(0);
    let fivexx: usize = t
        .statuses
        .iter()
        .filter(|(k, _)| **k >= 500)
        .map(|(_, v)| v)
        .sum();
    println!(
        "{name}: {n} responses in {secs}s = {:.1} req/s ({:.1} ok/s); statuses {:?}; 5xx {fivexx}; connection errors {}",
        n as f64 / secs as f64,
        ok as f64 / secs as f64,
        t.statuses,
        t.errors
    );
    println!(
        "{name}: latency ms p50 {:.1}  p90 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
        pct(0.50),
        pct(0.90),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    );
}

/// Runs `adlens loadtest`.
pub fn run(args: LoadtestArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.addr.ip().is_loopback(),
        "loadtest only targets loopback addresses"
    );
    let (notes, _) = data::read_jsonl(&args.notes)?;
    anyhow::ensure!(!notes.is_empty(), "no notes in {}", args.notes.display());
    let bodies: Arc<Vec<String>> = Arc::new(
        notes
            .iter()
            .map(|n| serde_json::json!({"text": n.text, "id": n.id}).to_string())
            .collect(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let fivexx = rt.block_on(async {
        let mut main = phase(args.addr, bodies.clone(), args.concurrency, args.duration).await;
        report("load", &mut main, args.duration);
        let mut bad: usize = main
            .statuses
            .iter()
            .filter(|(k, _)| **k >= 500)
            .map(|(_, v)| v)
            .sum();
        if args.recovery > 0 {
            let mut rec = phase(args.addr, bodies.clone(), 4, args.recovery).await;
            report("recovery", &mut rec, args.recovery);
            bad += rec
                .statuses
                .iter()
                .filter(|(k, _)| **k >= 500)
                .map(|(_, v)| v)
                .sum::<usize>();
        }
        bad
    });
    if let Some(pid) = args.server_pid {
        for field in ["VmHWM", "VmRSS"] {
            if let Some(kb) = super::memory::status_kb(&pid.to_string(), field) {
                println!("server {field}: {kb} kB");
            }
        }
    }
    Ok(if fivexx == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
