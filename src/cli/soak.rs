//! `adlens soak`: a bounded soak of the service (not run in CI).
//!
//! Starts `adlens serve --linear-only` (or, with `--encoder`, the full ensemble)
//! on a loopback port, sends a mix of valid,
//! invalid and oversized requests for a fixed time, samples the server's resident
//! memory (`/proc/<pid>/status` VmRSS) every few seconds, and reports the request
//! counts by status class, RSS after warm-up, at the end and at most, the RSS
//! trend (least-squares slope after warm-up) and the same slope in each quarter
//! of the time after warm-up, so a plateau shows as slopes falling toward zero.
//! The sampler is its own thread, so a loaded client runtime cannot delay it.
//! Exits non-zero on any 5xx, any status that does not fit its request, or any
//! connection error.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader as StdBufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use tokio::io::BufReader;
use tokio::net::TcpStream;

use super::loadtest::exchange;
use super::memory::{quarters, rss_kb, slope_mb_per_hour};
use crate::data;

/// Arguments of `adlens soak`.
#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Seconds to run (10 minutes by default).
    #[arg(long, default_value_t = 600)]
    pub duration: u64,
    /// Seconds of load before the RSS baseline is taken.
    #[arg(long, default_value_t = 30)]
    pub warmup: u64,
    /// Seconds between RSS samples.
    #[arg(long, default_value_t = 5)]
    pub sample: u64,
    /// Concurrent clients (keep-alive connections).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Labelled or unlabelled JSONL of notes to send (`text` field).
    #[arg(long, default_value = "data/notes/test.jsonl")]
    pub notes: PathBuf,
    /// Model directory for the server.
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Serve with the encoder (ensemble) instead of linear-only: every valid note
    /// then runs through the encoder, so the same mix arrives at the encoder's
    /// slower rate. The server inherits this process's environment, so one
    /// allocator setting can be soaked under both loads: `GLIBC_TUNABLES` is
    /// adlens's own (`cli::malloc`) unless set on the command (empty for glibc's
    /// defaults).
    #[arg(long)]
    pub encoder: bool,
}

/// The kinds of request in the mix, each with the status it must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Score,
    Batch,
    Health,
    BadJson,
    UnknownField,
    EmptyText,
    Oversized,
}

impl Kind {
    /// Out of every 200 requests: 150 scores, 20 batches, 4 health checks, 12 bad
    /// JSON, 8 unknown fields, 5 empty texts, 1 body of 1.5 MB (over the 1 MiB limit).
    fn of(i: usize) -> Kind {
        match i % 200 {
            0..150 => Kind::Score,
            150..170 => Kind::Batch,
            170..174 => Kind::Health,
            174..186 => Kind::BadJson,
            186..194 => Kind::UnknownField,
            194..199 => Kind::EmptyText,
            _ => Kind::Oversized,
        }
    }

    fn expected(self) -> u16 {
        match self {
            Kind::Score | Kind::Batch | Kind::Health => 200,
            Kind::BadJson => 400,
            Kind::UnknownField | Kind::EmptyText => 422,
            Kind::Oversized => 413,
        }
    }
}

struct Traffic {
    notes: Vec<String>,
    oversized: Vec<u8>,
}

impl Traffic {
    fn request(&self, kind: Kind, i: usize) -> (&'static str, &'static str, Vec<u8>) {
        let text = &self.notes[i % self.notes.len()];
        let json = |v: serde_json::Value| v.to_string().into_bytes();
        match kind {
            Kind::Score => ("POST", "/v1/score", json(serde_json::json!({"text": text}))),
            Kind::Batch => {
                let notes: Vec<_> = (0..4)
                    .map(|k| serde_json::json!({"text": self.notes[(i + k) % self.notes.len()]}))
                    .collect();
                (
                    "POST",
                    "/v1/score/batch",
                    json(serde_json::json!({"notes": notes})),
                )
            }
            Kind::Health => ("GET", "/health", Vec::new()),
            Kind::BadJson => ("POST", "/v1/score", b"{\"text\": \"unterminated".to_vec()),
            Kind::UnknownField => ("POST", "/v1/score", json(serde_json::json!({"txt": text}))),
            Kind::EmptyText => ("POST", "/v1/score", json(serde_json::json!({"text": "  "}))),
            Kind::Oversized => ("POST", "/v1/score", self.oversized.clone()),
        }
    }
}

#[derive(Default)]
struct Tally {
    by_kind: BTreeMap<(Kind, u16), usize>,
    connection_errors: usize,
}

async fn client(addr: SocketAddr, traffic: Arc<Traffic>, until: Instant, offset: usize) -> Tally {
    let mut t = Tally::default();
    let mut conn: Option<BufReader<TcpStream>> = None;
    let mut i = offset;
    while Instant::now() < until {
        if conn.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    conn = Some(BufReader::new(s));
                }
                Err(_) => {
                    t.connection_errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let kind = Kind::of(i);
        let (method, path, body) = traffic.request(kind, i);
        i += 1;
        match exchange(conn.as_mut().expect("connected"), method, path, &body).await {
            Ok(status) => *t.by_kind.entry((kind, status)).or_default() += 1,
            Err(_) => {
                t.connection_errors += 1;
                conn = None;
            }
        }
    }
    t
}

/// Starts `adlens serve` (linear-only unless `encoder`) on a free loopback port;
/// returns the child and the address it logged.
fn spawn_server(models: &std::path::Path, encoder: bool) -> anyhow::Result<(Child, SocketAddr)> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(models);
    if !encoder {
        cmd.arg("--linear-only");
    }
    let mut child = cmd
        .env("RUST_LOG", "warn,adlens=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in StdBufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line
                .split("addr=")
                .nth(1)
                .and_then(|a| a.split_whitespace().next())
                .and_then(|a| a.parse::<SocketAddr>().ok())
            {
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(60))?;
    Ok((child, addr))
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..100 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `adlens soak`.
pub fn run(args: SoakArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.warmup < args.duration,
        "the warm-up must be shorter than the duration"
    );
    let (notes, _) = data::read_jsonl(&args.notes)?;
    anyhow::ensure!(!notes.is_empty(), "no notes in {}", args.notes.display());
    let mut oversized = b"{\"text\":\"".to_vec();
    oversized.resize(1_500_000, b'a');
    oversized.extend_from_slice(b"\"}");
    let traffic = Arc::new(Traffic {
        notes: notes.into_iter().map(|n| n.text).collect(),
        oversized,
    });
    let (child, addr) = spawn_server(&args.models, args.encoder)?;
    let pid = child.id();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let every = Duration::from_secs(args.sample.max(1));
    let (tally, samples) = rt.block_on(async {
        // Wait for readiness (models load after the bind).
        for _ in 0..600 {
            if let Ok(s) = TcpStream::connect(addr).await
                && exchange(&mut BufReader::new(s), "GET", "/health", b"")
                    .await
                    .is_ok_and(|s| s == 200)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let begin = Instant::now();
        let until = begin + Duration::from_secs(args.duration);
        let sampler = std::thread::spawn(move || {
            let mut samples = Vec::new();
            let mut next = begin;
            while next < until {
                if let Some(kb) = rss_kb(pid) {
                    samples.push((begin.elapsed().as_secs_f64(), kb));
                }
                next += every;
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            samples
        });
        let clients: Vec<_> = (0..args.concurrency)
            .map(|c| tokio::spawn(client(addr, traffic.clone(), until, c * 37)))
            .collect();
        let mut all = Tally::default();
        for c in clients {
            if let Ok(t) = c.await {
                for (k, v) in t.by_kind {
                    *all.by_kind.entry(k).or_default() += v;
                }
                all.connection_errors += t.connection_errors;
            }
        }
        (all, sampler.join().unwrap_or_default())
    });
    stop(child);
    let secs = started.elapsed().as_secs_f64();
    let total: usize = tally.by_kind.values().sum();
    let class = |lo: u16| -> usize {
        tally
            .by_kind
            .iter()
            .filter(|((_, s), _)| (lo..lo + 100).contains(s))
            .map(|(_, n)| n)
            .sum()
    };
    let unexpected: usize = tally
        .by_kind
        .iter()
        .filter(|((k, s), _)| k.expected() != *s)
        .map(|(_, n)| n)
        .sum();
    println!(
        "soak: {secs:.0} s, {total} requests ({:.0} req/s), {} clients, {}",
        total as f64 / secs,
        args.concurrency,
        if args.encoder {
            "ensemble (encoder)"
        } else {
            "linear-only"
        }
    );
    for ((kind, status), n) in &tally.by_kind {
        println!("  {kind:?} → {status}: {n}");
    }
    println!(
        "2xx {}  4xx {}  5xx {}  unexpected statuses {unexpected}  connection errors {}",
        class(200),
        class(400),
        class(500),
        tally.connection_errors
    );
    let after: Vec<(f64, u64)> = samples
        .iter()
        .copied()
        .filter(|s| s.0 >= args.warmup as f64)
        .collect();
    let mb = |kb: u64| kb as f64 / 1024.0;
    if let (Some(first), Some(last)) = (after.first(), after.last()) {
        let max = samples.iter().map(|s| s.1).max().unwrap_or(0);
        println!(
            "server RSS: {:.1} MB after {} s warm-up, {:.1} MB at the end, {:.1} MB max; trend {:+.2} MB/h over {} samples",
            mb(first.1),
            args.warmup,
            mb(last.1),
            mb(max),
            slope_mb_per_hour(&after),
            after.len()
        );
        for q in quarters(&after) {
            println!(
                "  {:>5.0}–{:<5.0} s: {:.1} → {:.1} MB, trend {:+.2} MB/h",
                q.first().map_or(0.0, |s| s.0),
                q.last().map_or(0.0, |s| s.0),
                mb(q.first().map_or(0, |s| s.1)),
                mb(q.last().map_or(0, |s| s.1)),
                slope_mb_per_hour(q)
            );
        }
    } else {
        println!("server RSS: no samples after the warm-up");
    }
    Ok(
        if class(500) == 0 && unexpected == 0 && tally.connection_errors == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_has_every_kind() {
        let kinds: std::collections::BTreeSet<Kind> = (0..200).map(Kind::of).collect();
        assert_eq!(kinds.len(), 7);
    }
}
