//! `adlens model bench`: encoder throughput and latency on a file of texts, the
//! adlens side of `bench/compare/run.sh` (which runs the same texts through
//! PyTorch and ONNX Runtime and compares).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::encoder_args::PrecisionArg;
use crate::model::encoder::{self, Encoder};

/// Arguments of `adlens model bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// JSONL file, one object with a `text` field per line.
    pub texts: PathBuf,
    /// Directory of the converted encoder.
    #[arg(long, env = "ADLENS_MODEL_DIR", default_value = "models/e5-small")]
    pub dir: PathBuf,
    /// Texts per request: consecutive texts of the file, in file order.
    #[arg(long, env = "ADLENS_BENCH_BATCH", default_value_t = 16)]
    pub batch: usize,
    /// Use at most this many texts.
    #[arg(long, env = "ADLENS_BENCH_LIMIT")]
    pub limit: Option<usize>,
    /// Embed every encoder window of each text (long notes scored in full)
    /// instead of its first 512 tokens.
    #[arg(long, env = "ADLENS_BENCH_WINDOWS")]
    pub windows: bool,
    /// Write the embeddings here: little-endian f32, one row of 384 per text
    /// (the first window's with `--windows`).
    #[arg(long, env = "ADLENS_BENCH_EMBEDDINGS")]
    pub embeddings: Option<PathBuf>,
    /// Arithmetic of the encoder's linear layers, as for `serve` and `score`.
    #[arg(long, env = "ADLENS_ENCODER_PRECISION", value_enum, default_value_t = PrecisionArg::Auto)]
    pub precision: PrecisionArg,
}

/// One run's figures, printed as one JSON line.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// Always `adlens`.
    pub engine: &'static str,
    /// `f32` or `int8`: the arithmetic of the linear layers.
    pub precision: &'static str,
    /// Texts per request.
    pub batch: usize,
    /// Texts embedded.
    pub notes: usize,
    /// Encoder windows embedded (equals `notes` without `--windows`).
    pub windows: usize,
    /// Tokens fed to the model, padding excluded.
    pub tokens: usize,
    /// Wall time of the timed run.
    pub seconds: f64,
    /// Texts per second.
    pub notes_per_s: f64,
    /// Median time of one request, milliseconds.
    pub p50_ms: f64,
    /// 95th-percentile time of one request, milliseconds.
    pub p95_ms: f64,
    /// Peak resident memory of the process (VmHWM), MiB.
    pub peak_rss_mb: f64,
}

/// Runs `adlens model bench`: loads the encoder, warms it up on the first
/// request, then times every request of `batch` texts (tokenisation included).
pub fn run(args: BenchArgs) -> anyhow::Result<BenchReport> {
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let texts = read_texts(&args.texts, args.limit)?;
    anyhow::ensure!(!texts.is_empty(), "{} holds no texts", args.texts.display());
    let files = encoder::ensure(&args.dir, true)?;
    let enc = Encoder::load_with(&files, args.precision.resolve())?;

    let requests: Vec<&[String]> = texts.chunks(args.batch).collect();
    embed_request(&enc, requests[0], args.windows)?; // warm-up, untimed
    let mut times = Vec::with_capacity(requests.len());
    let mut rows = Vec::with_capacity(texts.len());
    let (mut windows, mut tokens) = (0, 0);
    let start = Instant::now();
    for request in &requests {
        let t = Instant::now();
        let out = embed_request(&enc, request, args.windows)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        windows += out.windows;
        tokens += out.tokens;
        rows.extend(out.first);
    }
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = &args.embeddings {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?,
        );
        for v in rows.iter().flatten() {
            w.write_all(&v.to_le_bytes())?;
        }
        w.flush()?;
    }
    times.sort_by(f64::total_cmp);
    Ok(BenchReport {
        engine: "adlens",
        precision: enc.precision().as_str(),
        batch: args.batch,
        notes: texts.len(),
        windows,
        tokens,
        seconds,
        notes_per_s: texts.len() as f64 / seconds,
        p50_ms: quantile(&times, 0.5),
        p95_ms: quantile(&times, 0.95),
        peak_rss_mb: super::memory::status_kb("self", "VmHWM")
            .map_or(f64::NAN, |kb| kb as f64 / 1024.0),
    })
}

/// What one request produced.
struct Embedded {
    /// The first window's embedding of each text.
    first: Vec<Vec<f32>>,
    windows: usize,
    tokens: usize,
}

fn embed_request(enc: &Encoder, texts: &[String], all_windows: bool) -> anyhow::Result<Embedded> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut first_of = Vec::with_capacity(texts.len());
    for text in texts {
        first_of.push(pieces.len());
        if all_windows {
            pieces.extend(encoder::window::slices(text, &enc.windows(text)?));
        } else {
            pieces.push(text);
        }
    }
    let ids = enc.tokenize(encoder::PASSAGE_PREFIX, &pieces)?;
    let tokens = ids.iter().map(Vec::len).sum();
    let refs: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
    let mut out = Vec::with_capacity(pieces.len());
    // A request of many long notes is run in budget-sized passes, as the engine does.
    let per_pass = (encoder::MAX_BATCH_TOKENS / encoder::MAX_TOKENS).max(1);
    let step = if all_windows { per_pass } else { refs.len() };
    for chunk in refs.chunks(step) {
        out.extend(enc.embed_ids(chunk)?);
    }
    let first = first_of.iter().map(|&i| out[i].clone()).collect();
    Ok(Embedded {
        first,
        windows: pieces.len(),
        tokens,
    })
}

fn read_texts(path: &PathBuf, limit: Option<usize>) -> anyhow::Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Row {
        text: String,
    }
    let file = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}: need {{\"text\": …}}", path.display(), i + 1))?;
        out.push(row.text);
        if limit.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    Ok(out)
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(quantile(&v, 0.5), 5.0);
        assert_eq!(quantile(&v, 0.95), 10.0);
        assert_eq!(quantile(&[3.0], 0.95), 3.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
