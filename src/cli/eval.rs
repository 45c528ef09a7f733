//! `adlens eval FILE.jsonl`: every model's metrics on a labelled file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::data;
use crate::eval::{self, Predictions};
use crate::model::Scorer;
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
    let mut rules = Vec::with_capacity(notes.len());
    let mut linear = Vec::with_capacity(notes.len());
    for n in &notes {
        let a = pipeline::analyze(&n.text, false);
        let p = scorer.probabilities(&a);
        rules.push(p.rules);
        linear.push(p.linear);
    }
    let preds = vec![
        Predictions {
            name: "rules".into(),
            p: rules,
            threshold: m.rules.threshold,
        },
        Predictions {
            name: "linear".into(),
            p: linear,
            threshold: m.linear.calibrated.threshold,
        },
    ];
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
