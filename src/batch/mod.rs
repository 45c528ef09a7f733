//! Batch scoring for brands (`adlens score`): stream JSONL or CSV in, score on
//! `jobs` threads with input order preserved, stream rows out, summarise.
//!
//! Memory is bounded by the chunks in flight, not by the input size (unless
//! `--sort` asks for a global order, which needs every row).

pub mod decode;
pub mod read;
pub mod write;

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::engine::Engine;
use crate::model::{Note, Score};
pub use decode::InputEncoding;
pub use read::Fields;
pub use write::Format;

/// Rows per work unit.
const CHUNK: usize = 64;

/// Sort key for `--sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Lowest link cost (safest to attach a link to) first.
    LinkCost,
    /// Lowest ad probability (most authentic-reading) first.
    AdProbability,
}

/// Settings of one batch run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Input file, or `None` for stdin.
    pub input: Option<PathBuf>,
    /// Input format.
    pub input_format: Format,
    /// Input encoding.
    pub encoding: InputEncoding,
    /// Output format.
    pub output_format: Format,
    /// Field names.
    pub fields: Fields,
    /// Worker threads.
    pub jobs: usize,
    /// Global sort (buffers every row).
    pub sort: Option<SortKey>,
    /// Rows to keep after sorting; also the size of the summary's best/worst lists.
    pub top: Option<usize>,
    /// Ids to skip (already in the output of an interrupted run).
    pub skip_ids: HashSet<String>,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Rows read.
    pub rows: usize,
    /// Rows that could not be scored.
    pub errors: usize,
    /// Rows skipped because `--resume` found their id in the output.
    pub skipped: usize,
    /// Rows labelled ad.
    pub ads: usize,
    /// Rows with at least one compliance finding.
    pub with_findings: usize,
    /// Lowest link cost: (cost, id or line).
    pub lowest: Vec<(f32, String)>,
    /// Highest link cost: (cost, id or line).
    pub highest: Vec<(f32, String)>,
    /// Line of the last row read when the run was interrupted.
    pub interrupted_after_line: Option<usize>,
}

struct Done {
    line: usize,
    id: Option<String>,
    out: Map<String, Value>,
    link_cost: Option<f32>,
    is_ad: bool,
    findings: bool,
}

/// Output fields for one scored note.
pub fn score_fields(score: &Score) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ad_probability".into(), json!(round4(score.ad_probability)));
    m.insert("label".into(), json!(score.label));
    m.insert(
        "link_cost".into(),
        json!(round4(score.trust.link_cost.estimate)),
    );
    m.insert("label_required".into(), json!(score.trust.label_required));
    let mut sigs: Vec<_> = score.signals.iter().filter(|s| s.weight > 0.0).collect();
    sigs.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    m.insert(
        "top_signals".into(),
        Value::Array(
            sigs.iter()
                .take(5)
                .map(|s| json!({"kind": s.kind.as_str(), "text": s.text, "start": s.start, "end": s.end}))
                .collect(),
        ),
    );
    m.insert(
        "compliance".into(),
        Value::Array(
            score
                .compliance
                .iter()
                .map(|f| json!({"code": f.code, "rule": f.rule, "severity": f.severity}))
                .collect(),
        ),
    );
    m
}

fn round4(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

fn process(engine: &Engine, rows: Vec<read::InputRow>) -> Vec<Done> {
    let notes: Vec<Note> = rows
        .iter()
        .filter_map(|r| r.row.as_ref().ok())
        .map(|row| Note {
            id: row.id.clone(),
            text: row.text.clone(),
            has_link: row.has_link,
        })
        .collect();
    let mut scores = engine.score_chunk_blocking(&notes).into_iter();
    rows.into_iter()
        .map(|r| match r.row {
            Ok(row) => {
                let score = scores.next().expect("one score per good row");
                let mut out = row.fields;
                out.extend(score_fields(&score));
                out.insert("line".into(), json!(r.line));
                Done {
                    line: r.line,
                    id: row.id,
                    out,
                    link_cost: Some(score.trust.link_cost.estimate),
                    is_ad: score.label == "ad",
                    findings: !score.compliance.is_empty(),
                }
            }
            Err((id, error)) => {
                let mut out = Map::new();
                if let Some(id) = &id {
                    out.insert("id".into(), json!(id));
                }
                out.insert("error".into(), json!(error));
                out.insert("line".into(), json!(r.line));
                Done {
                    line: r.line,
                    id,
                    out,
                    link_cost: None,
                    is_ad: false,
                    findings: false,
                }
            }
        })
        .collect()
}

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

type Rows = Box<dyn Iterator<Item = std::io::Result<read::InputRow>> + Send>;

/// Opens the input and returns its CSV columns (for CSV) and the row stream.
fn open(opts: &Options, bytes: Arc<AtomicU64>) -> anyhow::Result<(Option<Vec<String>>, Rows)> {
    let raw: Box<dyn Read + Send> = match &opts.input {
        Some(p) => Box::new(
            std::fs::File::open(p)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", p.display()))?,
        ),
        None => Box::new(std::io::stdin()),
    };
    let mut counting = Counting {
        inner: raw,
        count: bytes,
    };
    let sample = decode::read_sample(&mut counting)?;
    let encoding = decode::sniff(&sample, opts.encoding).map_err(|e| anyhow::anyhow!(e))?;
    let reader = decode::DecodingReader::new(counting, sample, encoding);
    Ok(match opts.input_format {
        Format::Jsonl => (
            None,
            Box::new(read::jsonl(
                BufReader::with_capacity(1 << 16, reader),
                opts.fields.clone(),
            )),
        ),
        Format::Csv => {
            let (cols, rows) =
                read::csv(reader, opts.fields.clone()).map_err(|e| anyhow::anyhow!(e))?;
            (Some(cols), Box::new(rows))
        }
    })
}

/// Keeps the k smallest and k largest (cost, name) pairs.
fn keep_extremes(s: &mut Summary, cost: f32, name: String, k: usize) {
    if k == 0 {
        return;
    }
    s.lowest.push((cost, name.clone()));
    s.lowest.sort_by(|a, b| a.0.total_cmp(&b.0));
    s.lowest.truncate(k);
    s.highest.push((cost, name));
    s.highest.sort_by(|a, b| b.0.total_cmp(&a.0));
    s.highest.truncate(k);
}

/// Scores every row of the input and writes one output row per input row.
/// `progress` is called with (rows done, input bytes read) after each chunk.
/// `stop` interrupts the run: rows read so far are finished and written.
pub fn run<W: Write>(
    engine: &Engine,
    opts: &Options,
    out: W,
    append: bool,
    stop: &AtomicBool,
    progress: &dyn Fn(usize, u64),
) -> anyhow::Result<Summary> {
    let bytes = Arc::new(AtomicU64::new(0));
    let (columns, rows) = open(opts, bytes.clone())?;
    let mut writer = write::Writer::new(opts.output_format, out, columns, append);
    let jobs = opts.jobs.max(1);
    let (chunk_tx, chunk_rx) = sync_channel::<(usize, Vec<read::InputRow>)>(jobs * 2);
    let (done_tx, done_rx) = sync_channel::<(usize, Vec<Done>)>(jobs * 2);
    let chunk_rx: Arc<Mutex<Receiver<_>>> = Arc::new(Mutex::new(chunk_rx));
    let k = opts.top.unwrap_or(5);
    let mut summary = Summary::default();

    let result: anyhow::Result<()> = std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> anyhow::Result<(usize, Option<usize>, usize)> {
            let (mut seq, mut last_line, mut skipped) = (0usize, None, 0usize);
            let mut chunk = Vec::with_capacity(CHUNK);
            for row in rows {
                let row = row?;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(r) = &row.row
                    && r.id.as_ref().is_some_and(|id| opts.skip_ids.contains(id))
                {
                    skipped += 1;
                    continue;
                }
                last_line = Some(row.line);
                chunk.push(row);
                if chunk.len() == CHUNK {
                    if chunk_tx.send((seq, std::mem::take(&mut chunk))).is_err() {
                        break;
                    }
                    seq += 1;
                }
            }
            if !chunk.is_empty() {
                let _ = chunk_tx.send((seq, chunk));
                seq += 1;
            }
            drop(chunk_tx);
            let interrupted = if stop.load(Ordering::Relaxed) {
                last_line
            } else {
                None
            };
            Ok((seq, interrupted, skipped))
        });
        for _ in 0..jobs {
            let rx = chunk_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = rx.lock().map(|r| r.recv());
                    let Ok(Ok((seq, rows))) = next else { break };
                    if tx.send((seq, process(engine, rows))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // Only the workers hold the chunk receiver now: if they all stop, the
        // reader's next send fails and it stops too.
        drop(chunk_rx);
        let done_rx = done_rx;

        let mut pending: BTreeMap<usize, Vec<Done>> = BTreeMap::new();
        let mut next = 0usize;
        let mut buffered: Vec<Done> = Vec::new();
        let mut write_all = || -> anyhow::Result<()> {
            for (seq, done) in done_rx.iter() {
                pending.insert(seq, done);
                while let Some(batch) = pending.remove(&next) {
                    next += 1;
                    for d in batch {
                        summary.rows += 1;
                        match d.link_cost {
                            None => summary.errors += 1,
                            Some(cost) => {
                                summary.ads += usize::from(d.is_ad);
                                summary.with_findings += usize::from(d.findings);
                                let name =
                                    d.id.clone().unwrap_or_else(|| format!("line {}", d.line));
                                keep_extremes(&mut summary, cost, name, k);
                            }
                        }
                        if opts.sort.is_some() {
                            buffered.push(d);
                        } else {
                            writer.write(&d.out)?;
                        }
                    }
                    progress(summary.rows, bytes.load(Ordering::Relaxed));
                }
            }
            Ok(())
        };
        let written = write_all();
        // On a write error (e.g. a closed pipe) the workers' sends must fail rather
        // than block, so the scope can end.
        drop(done_rx);
        written?;
        let (_, interrupted, skipped) = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
        summary.interrupted_after_line = interrupted;
        summary.skipped = skipped;
        if let Some(key) = opts.sort {
            let value = |d: &Done| -> f32 {
                match key {
                    SortKey::LinkCost => d.link_cost.unwrap_or(f32::INFINITY),
                    SortKey::AdProbability => d
                        .out
                        .get("ad_probability")
                        .and_then(Value::as_f64)
                        .map_or(f32::INFINITY, |v| v as f32),
                }
            };
            buffered.sort_by(|a, b| value(a).total_cmp(&value(b)).then(a.line.cmp(&b.line)));
            if let Some(top) = opts.top {
                buffered.truncate(top);
            }
            for d in &buffered {
                writer.write(&d.out)?;
            }
        }
        writer.flush()?;
        Ok(())
    });
    result?;
    Ok(summary)
}

/// Ids already present in an output file (for `--resume`).
pub fn existing_ids(
    path: &Path,
    format: Format,
    id_field: &str,
) -> anyhow::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    };
    match format {
        Format::Jsonl => {
            for line in BufReader::new(file).lines() {
                let line = line?;
                // A line cut by the interruption is not finished: it will be redone.
                if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&line)
                    && let Some(id) = m.get(id_field).and_then(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                {
                    ids.insert(id);
                }
            }
        }
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let idx = rdr.headers()?.iter().position(|h| h == id_field);
            if let Some(idx) = idx {
                for rec in rdr.records().flatten() {
                    if let Some(id) = rec.get(idx).filter(|s| !s.is_empty()) {
                        ids.insert(id.to_owned());
                    }
                }
            }
        }
    }
    Ok(ids)
}
