//! Batch scoring for brands (`adlens score`): stream JSONL or CSV in, score on
//! `jobs` threads with input order preserved, stream rows out, summarise.
//!
//! Memory is bounded by the chunks in flight, not by the input size (unless
//! `--sort` asks for a global order, which needs every row).

pub mod decode;
pub mod merge;
pub mod read;
pub mod resume;
pub mod shard;
mod summary;
pub mod write;

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use crate::engine::Engine;
pub use decode::InputEncoding;
pub use read::{Fields, RowError};
pub use resume::{Written, written};
pub use shard::{Shard, ShardError};
use summary::{Done, process};
pub use summary::{SortKey, Summary, score_fields};
pub use write::Format;

/// Rows per work unit.
const CHUNK: usize = 64;

/// Errors that stop a batch run (a bad row does not: it becomes an error row).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The input could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading the input or writing the output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The input's encoding could not be read.
    #[error("{0}")]
    Encoding(String),
    /// The CSV header or an output CSV could not be read.
    #[error("{0}")]
    Csv(String),
    /// A worker thread panicked.
    #[error("the {0} thread panicked")]
    Panicked(&'static str),
}

impl From<csv::Error> for BatchError {
    fn from(e: csv::Error) -> BatchError {
        BatchError::Csv(e.to_string())
    }
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
    /// Rows to skip (already in the output of an interrupted run).
    pub skip: Written,
    /// Score only this shard's rows.
    pub shard: Option<Shard>,
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

/// A stream of input rows.
pub type Rows = Box<dyn Iterator<Item = std::io::Result<read::InputRow>> + Send>;

/// Where and how to read an input.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Input file, or `None` for stdin.
    pub input: Option<&'a Path>,
    /// Input format.
    pub format: Format,
    /// Input encoding.
    pub encoding: InputEncoding,
    /// Field names.
    pub fields: &'a Fields,
}

/// Opens the input and returns its CSV columns (for CSV) and the row stream;
/// `bytes` counts the bytes read.
pub fn open(
    src: Source<'_>,
    bytes: Arc<AtomicU64>,
) -> Result<(Option<Vec<String>>, Rows), BatchError> {
    let raw: Box<dyn Read + Send> = match src.input {
        Some(p) => Box::new(std::fs::File::open(p).map_err(|source| BatchError::Open {
            path: p.display().to_string(),
            source,
        })?),
        None => Box::new(std::io::stdin()),
    };
    let mut counting = Counting {
        inner: raw,
        count: bytes,
    };
    let sample = decode::read_sample(&mut counting)?;
    let encoding = decode::sniff(&sample, src.encoding).map_err(BatchError::Encoding)?;
    let reader = decode::DecodingReader::new(counting, sample, encoding);
    Ok(match src.format {
        Format::Jsonl => (
            None,
            Box::new(read::jsonl(
                BufReader::with_capacity(1 << 16, reader),
                src.fields.clone(),
            )),
        ),
        Format::Csv => {
            let (cols, rows) = read::csv(reader, src.fields.clone()).map_err(BatchError::Csv)?;
            (Some(cols), Box::new(rows))
        }
    })
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
) -> Result<Summary, BatchError> {
    let bytes = Arc::new(AtomicU64::new(0));
    let src = Source {
        input: opts.input.as_deref(),
        format: opts.input_format,
        encoding: opts.encoding,
        fields: &opts.fields,
    };
    let (columns, rows) = open(src, bytes.clone())?;
    let mut writer = write::Writer::new(opts.output_format, out, columns, append);
    let jobs = opts.jobs.max(1);
    let (chunk_tx, chunk_rx) = sync_channel::<(usize, Vec<read::InputRow>)>(jobs * 2);
    let (done_tx, done_rx) = sync_channel::<(usize, Vec<Done>)>(jobs * 2);
    let chunk_rx: Arc<Mutex<Receiver<_>>> = Arc::new(Mutex::new(chunk_rx));
    let k = opts.top.unwrap_or(5);
    let mut summary = Summary::default();

    let result: Result<(), BatchError> = std::thread::scope(|scope| {
        let reader = scope.spawn(
            move || -> Result<(usize, Option<usize>, usize, usize), BatchError> {
                let (mut seq, mut last_line, mut skipped, mut elsewhere) = (0, None, 0, 0);
                let mut chunk = Vec::with_capacity(CHUNK);
                for row in rows {
                    let row = row?;
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if opts.shard.is_some_and(|s| !s.holds(&row)) {
                        elsewhere += 1;
                        continue;
                    }
                    if opts.skip.holds(&row) {
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
                Ok((seq, interrupted, skipped, elsewhere))
            },
        );
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
        let mut write_all = || -> Result<(), BatchError> {
            for (seq, done) in done_rx.iter() {
                pending.insert(seq, done);
                while let Some(batch) = pending.remove(&next) {
                    next += 1;
                    for d in batch {
                        summary.count(&d, k);
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
        let (_, interrupted, skipped, elsewhere) = reader
            .join()
            .map_err(|_| BatchError::Panicked("reader"))??;
        summary.interrupted_after_line = interrupted;
        summary.skipped = skipped;
        summary.other_shards = elsewhere;
        if let Some(key) = opts.sort {
            buffered.sort_by(|a, b| {
                (a.sort_value(key).total_cmp(&b.sort_value(key))).then(a.line.cmp(&b.line))
            });
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
