//! `adlens eval FILE.jsonl`: every model's metrics on a labelled file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::data;
use crate::eval::{self, Predictions};
use crate::model::{Scorer, encoder, train};
use crate::pipeline;

/// Arguments of `adlens eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSONL with `text` and `label` ("ad"/"organic" or 1/0); `subtype` adds a
    /// per-subtype table.
    pub file: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write report.html, roc.svg, pr.svg, reliability.svg and errors.jsonl here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Model directory.
    #[arg(long, default_value = "models", env = "ADLENS_MODELS")]
    pub models: PathBuf,
    /// Encoder options (the head and the ensemble need it).
    #[command(flatten)]
    pub encoder: super::encoder_args::EncoderArgs,
    /// Embedding cache file.
    #[arg(long, default_value = ".cache/embeddings/e5-small.bin")]
    pub cache: PathBuf,
}

/// Runs `adlens eval`.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let scorer = Scorer::load(&args.models)?;
    let (notes, errors) = data::read_jsonl(&args.file)?;
    for e in &errors {
        eprintln!("{}:{}: skipped: {}", args.file.display(), e.line, e.message);
    }
    if !errors.is_empty() {
        eprintln!("{} line(s) skipped", errors.len());
    }
    if notes.is_empty() {
        anyhow::bail!("{}: no usable labelled notes", args.file.display());
    }
    let m = scorer.manifest();
    let embeddings = match (args.encoder.dir(), scorer.has_head()) {
        (Some(dir), true) => {
            let files = encoder::ensure(&dir, !args.encoder.no_fetch)?;
            let enc = encoder::Encoder::load(&files)?;
            let mut cache = encoder::EmbeddingCache::open(&args.cache, files.model_sha256())?;
            let texts: Vec<String> = notes.iter().map(|n| n.text.clone()).collect();
            Some(train::embed_cached(&enc, &mut cache, &texts)?)
        }
        (Some(_), false) => {
            eprintln!(
                "note: {} has no encoder head; reporting rules and linear only",
                args.models.display()
            );
            None
        }
        (None, _) => None,
    };
    let mut probs = Vec::with_capacity(notes.len());
    for (i, n) in notes.iter().enumerate() {
        let a = pipeline::analyze(&n.text, false);
        let e = embeddings.as_ref().map(|v| v[i].as_slice());
        probs.push(scorer.probabilities_with(&a, e));
    }
    let mut preds = vec![
        Predictions {
            name: "rules".into(),
            p: probs.iter().map(|p| p.rules).collect(),
            threshold: m.rules.threshold,
        },
        Predictions {
            name: "linear".into(),
            p: probs.iter().map(|p| p.linear).collect(),
            threshold: m.linear.calibrated.threshold,
        },
    ];
    if let (Some(h), Some(e), true) = (&m.encoder_head, &m.ensemble, embeddings.is_some()) {
        preds.push(Predictions {
            name: "encoder_head".into(),
            p: probs.iter().map(|p| p.head.unwrap_or(0.5)).collect(),
            threshold: h.calibrated.threshold,
        });
        preds.push(Predictions {
            name: "ensemble".into(),
            p: probs.iter().map(|p| p.ensemble.unwrap_or(0.5)).collect(),
            threshold: e.calibrated.threshold,
        });
    }
    let evals = eval::evaluate(&notes, &preds);
    let table = eval::table(&evals);
    if args.json {
        println!("{}", eval::summary_json(&evals, errors.len()));
    } else {
        println!("n = {} ({} skipped)\n", notes.len(), errors.len());
        print!("{table}");
    }
    if let Some(dir) = &args.report {
        eval::report::write(dir, &notes, &preds, &evals, &table)?;
        eprintln!("report written to {}", dir.join("report.html").display());
    }
    Ok(ExitCode::SUCCESS)
}
