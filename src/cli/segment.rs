//! `adlens segment`: the pipeline's first two stages on a file of notes, for
//! reading how a text is cut (the marketing dictionary at work) and for timing
//! segmentation against other segmenters on the same strings (bench/compare).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::text;

/// A note to cut: its id (if any) and text.
struct Note {
    id: Option<String>,
    text: String,
}

/// Reads a JSONL of objects with a `text` string (and an optional `id`); any
/// other line is an error naming its number.
fn read(path: &std::path::Path) -> anyhow::Result<Vec<Note>> {
    let body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut notes = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(line)
            .map_err(|e| anyhow::anyhow!("{}: unreadable line {}: {e}", path.display(), i + 1))?;
        let Some(text) = v.get("text").and_then(|t| t.as_str()) else {
            anyhow::bail!(
                "{}: unreadable line {}: no `text` string",
                path.display(),
                i + 1
            );
        };
        let id = v.get("id").and_then(|t| t.as_str()).map(str::to_owned);
        notes.push(Note {
            id,
            text: text.to_owned(),
        });
    }
    Ok(notes)
}

/// Arguments of `adlens segment`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// JSONL of notes: objects with a `text` string and an optional `id`.
    pub input: PathBuf,
    /// Write one JSON object per note here (`id`, `normalized`, `words`); `-` for stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Cut every note this many times and report the fastest pass (timing only).
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
}

/// One note's line of output.
#[derive(Serialize)]
struct Line<'a> {
    id: Option<&'a str>,
    normalized: &'a str,
    words: Vec<&'a str>,
}

/// What the timing line on stderr says.
#[derive(Debug, Serialize)]
struct Timing {
    notes: usize,
    chars: usize,
    words: usize,
    normalize_s: f64,
    segment_s: f64,
    notes_per_s: f64,
    chars_per_s: f64,
}

/// Runs `adlens segment`.
pub fn run(args: SegmentArgs) -> anyhow::Result<ExitCode> {
    let notes = read(&args.input)?;
    // The dictionary loads once, outside the timed part (as any segmenter's does).
    text::warm_up();
    let started = Instant::now();
    let normalized: Vec<text::Normalized> =
        notes.iter().map(|n| text::normalize(&n.text)).collect();
    let normalize_s = started.elapsed().as_secs_f64();
    let mut best = Duration::MAX;
    let mut cut = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let started = Instant::now();
        cut = normalized.iter().map(text::segment).collect::<Vec<_>>();
        best = best.min(started.elapsed());
    }
    let segment_s = best.as_secs_f64();
    let chars: usize = normalized.iter().map(|n| n.text.chars().count()).sum();
    let timing = Timing {
        notes: notes.len(),
        chars,
        words: cut.iter().map(Vec::len).sum(),
        normalize_s,
        segment_s,
        notes_per_s: notes.len() as f64 / segment_s.max(1e-9),
        chars_per_s: chars as f64 / segment_s.max(1e-9),
    };
    if let Some(path) = &args.output {
        let mut out: Box<dyn Write> = if path.as_os_str() == "-" {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ))
        };
        for ((note, n), words) in notes.iter().zip(&normalized).zip(&cut) {
            let line = Line {
                id: note.id.as_deref(),
                normalized: &n.text,
                words: words.iter().map(|t| t.word.as_str()).collect(),
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    eprintln!("{}", serde_json::to_string(&timing)?);
    Ok(ExitCode::SUCCESS)
}
