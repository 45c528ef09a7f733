//! Joining the outputs of `adlens score --shard K/N` back into input order
//! (`adlens merge`).
//!
//! Every output row carries `line`, the input line it came from, and each shard
//! writes its rows in input order, so the merge streams: it reads the input once
//! (parsing only, no scoring) for the rows that must be there, and takes each from
//! the head of whichever shard file holds it. Memory is one row per shard file.
//! A row no file holds is missing, a row two files (or one file twice) hold is
//! duplicated, a row whose line is not an input row or whose id differs from the
//! input's came from another input: all are listed, and the output is only put in
//! place (by rename) when there are none.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde_json::Value;

use super::{BatchError, Format, Source, open};
pub use problems::Problems;

mod problems;

/// Why a merge failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Reading the input failed, or a shard file could not be opened.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// Reading a shard file or writing the output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A shard file holds something that is not an adlens output row.
    #[error("{path}, row {row}: {why}")]
    BadRow {
        /// The file.
        path: String,
        /// 1-based row in that file.
        row: usize,
        /// What is wrong.
        why: String,
    },
    /// Rows are missing, duplicated or foreign.
    #[error("{0}")]
    Incomplete(Problems),
}

/// One row of a shard file: its input line, its id and its text as written.
struct ShardRow {
    line: usize,
    id: Option<String>,
    raw: Raw,
}

enum Raw {
    Json(String),
    Csv(csv::ByteRecord),
}

/// A shard file read row by row, checking that lines only go up.
struct ShardFile {
    path: String,
    rows: Box<dyn Iterator<Item = Result<ShardRow, MergeError>>>,
    head: Option<ShardRow>,
    header: Option<csv::ByteRecord>,
}

fn id_string(v: Option<&Value>) -> Option<String> {
    v.and_then(crate::data::id_string).filter(|s| !s.is_empty())
}

impl ShardFile {
    fn open(path: &Path, format: Format, id_field: &str) -> Result<ShardFile, MergeError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| BatchError::Open {
            path: shown.clone(),
            source,
        })?;
        let bad = {
            let shown = shown.clone();
            move |row: usize, why: String| MergeError::BadRow {
                path: shown.clone(),
                row,
                why,
            }
        };
        let id_field = id_field.to_owned();
        let (rows, header): (Box<dyn Iterator<Item = _>>, _) = match format {
            Format::Jsonl => {
                let rows = BufReader::new(file)
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !matches!(l, Ok(l) if l.trim().is_empty()))
                    .map(move |(i, l)| {
                        let l = l?;
                        let m = match serde_json::from_str::<Value>(&l) {
                            Ok(Value::Object(m)) => m,
                            _ => return Err(bad(i + 1, "not a JSON object (a row cut by an interruption? finish that shard with --resume)".into())),
                        };
                        let line = m.get("line").and_then(Value::as_u64).ok_or_else(|| {
                            bad(i + 1, "no `line` field: not an output of adlens score".into())
                        })?;
                        // adlens writes an error row's id under `id`.
                        let id = id_string(m.get(&id_field))
                            .or_else(|| id_string(m.get("error").and(m.get("id"))));
                        Ok(ShardRow {
                            line: line as usize,
                            id,
                            raw: Raw::Json(l),
                        })
                    });
                (Box::new(rows), None)
            }
            Format::Csv => {
                let mut rdr = csv::Reader::from_reader(file);
                let header = rdr
                    .byte_headers()
                    .map_err(|e| bad(1, format!("cannot read the CSV header: {e}")))?
                    .clone();
                if header.is_empty() {
                    (Box::new(std::iter::empty()), None)
                } else {
                    let col = |name: &str| header.iter().position(|h| h == name.as_bytes());
                    let line_col = col("line").ok_or_else(|| {
                        bad(1, "no `line` column: not an output of adlens score".into())
                    })?;
                    let id_col = col(&id_field);
                    let rows = rdr.into_byte_records().enumerate().map(move |(i, rec)| {
                        let rec = rec.map_err(|e| bad(i + 2, format!("malformed CSV: {e}")))?;
                        let at = rec.position().map_or(i + 2, |p| p.line() as usize);
                        let field = |c: usize| std::str::from_utf8(&rec[c]).unwrap_or("");
                        let line = field(line_col)
                            .parse()
                            .map_err(|_| bad(at, "the `line` column is not a number".into()))?;
                        let id = id_col
                            .map(field)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned);
                        Ok(ShardRow {
                            line,
                            id,
                            raw: Raw::Csv(rec),
                        })
                    });
                    (Box::new(rows), Some(header))
                }
            }
        };
        let mut file = ShardFile {
            path: shown,
            rows,
            head: None,
            header,
        };
        file.advance()?;
        Ok(file)
    }

    /// Moves to the next row; rows must come in input order.
    fn advance(&mut self) -> Result<(), MergeError> {
        let prev = self.head.as_ref().map(|r| r.line);
        self.head = self.rows.next().transpose()?;
        if let (Some(prev), Some(next)) = (prev, &self.head)
            && next.line < prev
        {
            return Err(MergeError::BadRow {
                path: self.path.clone(),
                row: 0,
                why: format!(
                    "input line {} comes after line {prev}: not in input order (written with --sort?)",
                    next.line
                ),
            });
        }
        Ok(())
    }
}

/// What a merge is given.
#[derive(Debug, Clone)]
pub struct Merge<'a> {
    /// The input the shards scored.
    pub input: Source<'a>,
    /// The shard outputs (any order).
    pub shards: &'a [PathBuf],
    /// Format of the shard outputs and of the merged output.
    pub format: Format,
    /// The merged output file.
    pub output: &'a Path,
}

/// Merges the shard outputs into `m.output` in input order and returns the number
/// of rows; on any problem the output is not written.
pub fn merge(m: &Merge<'_>) -> Result<usize, MergeError> {
    let mut files = m
        .shards
        .iter()
        .map(|p| ShardFile::open(p, m.format, &m.input.fields.id))
        .collect::<Result<Vec<_>, _>>()?;
    let header = common_header(&files)?;
    let partial = PathBuf::from(format!("{}.partial", m.output.display()));
    let result = write_merged(m, &mut files, header, &partial);
    match result {
        Ok(rows) => {
            std::fs::rename(&partial, m.output)?;
            Ok(rows)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// The CSV header every non-empty shard file shares.
fn common_header(files: &[ShardFile]) -> Result<Option<csv::ByteRecord>, MergeError> {
    let mut with = files
        .iter()
        .filter_map(|f| f.header.as_ref().map(|h| (f, h)));
    let Some((first, header)) = with.next() else {
        return Ok(None);
    };
    if let Some((other, _)) = with.find(|(_, h)| *h != header) {
        return Err(MergeError::BadRow {
            path: other.path.clone(),
            row: 1,
            why: format!("its CSV columns differ from those of {}", first.path),
        });
    }
    Ok(Some(header.clone()))
}

fn write_merged(
    m: &Merge<'_>,
    files: &mut [ShardFile],
    header: Option<csv::ByteRecord>,
    partial: &Path,
) -> Result<usize, MergeError> {
    let out = BufWriter::new(File::create(partial)?);
    let mut out = Out::new(m.format, out, header)?;
    let (_, input) = open(m.input, Arc::new(AtomicU64::new(0)))?;
    let mut problems = Problems::default();
    let mut rows = 0usize;
    for row in input {
        let row = row.map_err(BatchError::Io)?;
        let key_id = match &row.row {
            Ok(r) => r.id.clone(),
            Err(e) => e.id.clone(),
        };
        let mut holders: Vec<usize> = Vec::new();
        for (i, f) in files.iter_mut().enumerate() {
            while let Some(h) = f.head.as_ref().filter(|h| h.line < row.line) {
                problems
                    .foreign
                    .push((f.path.clone(), h.line, "no input row starts there".into()));
                f.advance()?;
            }
            while let Some(h) = f.head.take_if(|h| h.line == row.line) {
                if let (Some(want), Some(got)) = (&key_id, &h.id)
                    && want != got
                {
                    let why = format!("id {got}, the input's is {want}");
                    problems.foreign.push((f.path.clone(), h.line, why));
                } else {
                    if holders.is_empty() {
                        out.write(&h.raw)?;
                    }
                    holders.push(i);
                }
                f.head = Some(h);
                f.advance()?;
            }
        }
        match holders.len() {
            0 => problems.missing.push((row.line, key_id)),
            1 => rows += 1,
            _ => {
                let names = holders.iter().map(|&i| files[i].path.clone()).collect();
                problems.duplicated.push((row.line, key_id, names));
            }
        }
    }
    for f in files.iter_mut() {
        while let Some(h) = &f.head {
            let why = "after the input's last row".to_owned();
            problems.foreign.push((f.path.clone(), h.line, why));
            f.advance()?;
        }
    }
    if !problems.is_empty() {
        return Err(MergeError::Incomplete(problems));
    }
    out.finish()?;
    Ok(rows)
}

/// The merged output.
enum Out {
    Jsonl(BufWriter<File>),
    Csv(Box<csv::Writer<BufWriter<File>>>),
}

impl Out {
    fn new(
        format: Format,
        w: BufWriter<File>,
        header: Option<csv::ByteRecord>,
    ) -> Result<Out, MergeError> {
        Ok(match format {
            Format::Jsonl => Out::Jsonl(w),
            Format::Csv => {
                let mut w = csv::WriterBuilder::new().from_writer(w);
                if let Some(h) = header {
                    w.write_byte_record(&h).map_err(std::io::Error::from)?;
                }
                Out::Csv(Box::new(w))
            }
        })
    }

    fn write(&mut self, raw: &Raw) -> Result<(), MergeError> {
        match (self, raw) {
            (Out::Jsonl(w), Raw::Json(l)) => {
                w.write_all(l.as_bytes())?;
                w.write_all(b"\n")?;
            }
            (Out::Csv(w), Raw::Csv(r)) => w.write_byte_record(r).map_err(std::io::Error::from)?,
            _ => unreachable!("shard files are read in the output's format"),
        }
        Ok(())
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Out::Jsonl(mut w) => w.flush(),
            Out::Csv(mut w) => w.flush(),
        }
    }
}
