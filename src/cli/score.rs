//! `adlens score`: batch scoring of JSONL/CSV for brands.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::batch_args::{EncodingArg, FormatArg, SortArg};
use crate::batch::{self, Fields, Format, Options};
use crate::engine::Engine;

/// Arguments of `adlens score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Input `.jsonl` or `.csv` file, or `-` for stdin.
    pub input: String,
    /// Output file (default: stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format (default: from the output's extension, else the input's format).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Input format (default: from the extension; stdin defaults to jsonl).
    #[arg(long, value_enum)]
    pub input_format: Option<FormatArg>,
    /// Input encoding: auto-detects UTF-8 (with or without BOM) and GBK.
    #[arg(long, value_enum, default_value = "auto")]
    pub encoding: EncodingArg,
    /// Field holding the note text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Field holding the row id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// Field saying whether a link is (or will be) attached.
    #[arg(long, default_value = "has_link")]
    pub link_field: String,
    /// Field holding the note's comments: a JSON list of strings, or (CSV) one
    /// comment per line in the cell. Rows with comments get `comments_called_out`.
    #[arg(long, default_value = "comments")]
    pub comments_field: String,
    /// Worker threads (default: available cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Sort the output (buffers every row in memory).
    #[arg(long, value_enum)]
    pub sort: Option<SortArg>,
    /// Keep only the first K rows after sorting; also the size of the summary lists.
    #[arg(long)]
    pub top: Option<usize>,
    /// Exit non-zero if any row fails.
    #[arg(long)]
    pub strict: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Continue an interrupted run: skip ids already in OUTPUT and append to it.
    #[arg(long)]
    pub resume: bool,
    /// Score only shard K of N (`K/N`, K from 0), rows assigned by a stable hash of
    /// their id (or line); `auto/N` takes K from JOB_COMPLETION_INDEX (Kubernetes
    /// Indexed Job). Join the shard outputs with `adlens merge`.
    #[arg(long, env = "ADLENS_SHARD", value_name = "K/N")]
    pub shard: Option<String>,
    /// Model directory.
    #[arg(long, env = "ADLENS_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// Encoder options.
    #[command(flatten)]
    pub encoder: super::encoder_args::EncoderArgs,
    /// Trust priors.
    #[command(flatten)]
    pub trust: super::TrustPriorsArgs,
}

pub(super) fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jsonl" | "json" | "ndjson" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// Cuts a half-written last line (left by an interruption) so a resumed run
/// appends after the last complete row.
fn drop_partial_last_line(path: &Path) -> anyhow::Result<()> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(());
    };
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.set_len(keep as u64)?;
    Ok(())
}

/// Sets `stop` on Ctrl-C (SIGINT) or SIGTERM.
fn watch_interrupt(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(crate::shutdown::signal());
        stop.store(true, Ordering::Relaxed);
    });
}

/// Runs `adlens score`.
pub fn run(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let input = (args.input != "-").then(|| PathBuf::from(&args.input));
    let input_format = match (args.input_format, &input) {
        (Some(f), _) => f.into(),
        (None, Some(p)) => format_of(p).ok_or_else(|| {
            anyhow::anyhow!(
                "cannot tell the format of {}: use --input-format jsonl|csv",
                p.display()
            )
        })?,
        (None, None) => Format::Jsonl,
    };
    let output_format = args
        .format
        .map(Format::from)
        .or_else(|| args.output.as_deref().and_then(format_of))
        .unwrap_or(input_format);
    let fields = Fields {
        text: args.text_field,
        id: args.id_field.clone(),
        link: args.link_field,
        comments: args.comments_field,
    };
    let shard = args
        .shard
        .as_deref()
        .map(|s| batch::Shard::parse(s, std::env::var(batch::shard::INDEX_ENV).ok().as_deref()))
        .transpose()?;
    if let (Some(out), true) = (&args.output, args.resume) {
        drop_partial_last_line(out)?;
    }
    let skip = match (&args.output, args.resume) {
        (Some(out), true) => batch::written(out, output_format, &args.id_field)?,
        (None, true) => anyhow::bail!("--resume needs -o OUTPUT"),
        _ => Default::default(),
    };
    let opts = Options {
        input: input.clone(),
        input_format,
        encoding: args.encoding.into(),
        output_format,
        fields,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        sort: args.sort.map(Into::into),
        top: args.top,
        skip,
        shard,
    };
    let trust = args.trust.model()?;
    let mut engine = Engine::load(&args.encoder.engine_config(args.models.clone()))?;
    engine.set_trust(trust);
    if !args.quiet {
        for (name, status) in engine.components() {
            eprintln!("{name}: {status}");
        }
    }

    let appending = args.resume
        && args
            .output
            .as_ref()
            .is_some_and(|p| p.metadata().is_ok_and(|m| m.len() > 0));
    let out: Box<dyn Write> = match &args.output {
        Some(p) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(args.resume)
                .truncate(!args.resume)
                .open(p)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
            Box::new(std::io::BufWriter::new(f))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };

    let total = input
        .as_ref()
        .and_then(|p| p.metadata().ok())
        .map(|m| m.len());
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = match total {
            Some(t) => ProgressBar::new(t).with_style(
                ProgressStyle::with_template("{bar:30} {percent:>3}% {msg} eta {eta}")
                    .expect("static template"),
            ),
            None => ProgressBar::new_spinner(),
        };
        Some(bar)
    } else {
        None
    };
    let started = Instant::now();
    let progress = |rows: usize, bytes: u64| {
        if let Some(bar) = &bar {
            bar.set_position(bytes);
            let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    watch_interrupt(stop.clone());
    let summary = batch::run(&engine, &opts, out, appending, &stop, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let secs = started.elapsed().as_secs_f64();
    let share = |n: usize| {
        let scored = summary.rows - summary.errors;
        if scored == 0 {
            0.0
        } else {
            100.0 * n as f64 / scored as f64
        }
    };
    eprintln!(
        "{} rows in {secs:.1}s ({:.0} rows/s); {} errors; {} skipped (--resume)",
        summary.rows,
        summary.rows as f64 / secs.max(1e-3),
        summary.errors,
        summary.skipped
    );
    if let Some(shard) = shard {
        eprintln!(
            "shard {shard}: {} rows left to the other shards",
            summary.other_shards
        );
    }
    eprintln!(
        "labelled ad: {:.1}%; with compliance findings: {:.1}%",
        share(summary.ads),
        share(summary.with_findings)
    );
    let list = |v: &[(f32, String)]| {
        v.iter()
            .map(|(c, n)| format!("{n} ({c:.3})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "lowest link_cost (safest for a link): {}",
        list(&summary.lowest)
    );
    eprintln!("highest link_cost: {}", list(&summary.highest));
    if let Some(line) = summary.interrupted_after_line {
        eprintln!(
            "interrupted: rows up to input line {line} are written; run again with --resume to continue"
        );
        return Ok(ExitCode::from(130));
    }
    if args.strict && summary.errors > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
