//! `adlens eval FILE.jsonl [FILE…]`: every model's metrics on labelled files,
//! pooled and per source; `adlens eval --invariance FILE…`: the invariance suite.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::data;
use crate::engine::{Engine, EngineConfig};
use crate::eval::{self, Predictions, invariance};
use crate::pipeline::Note;

/// Arguments of `adlens eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSONL files with `text` and `label` ("ad"/"organic"/"unsure" or 1/0);
    /// `subtype` adds a per-subtype table, `source` a per-source one. `unsure`
    /// rows are left out of every metric and counted.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
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
    /// Run the invariance suite instead: every label-preserving rewrite (line
    /// layout, punctuation, script, emoji, a neutral hashtag, brand swap, price
    /// ±20 %, a neutral title, the note pasted twice) on every note, and per
    /// source × rewrite the notes it applied to, median and p95 |Δp| and the share
    /// of labels that flip. Exits 1 when any row misses a target (median ≤ 0.02,
    /// p95 ≤ 0.10, flips ≤ 2 %); `--json` prints the report.
    #[arg(long)]
    pub invariance: bool,
    /// Add, per source, how often each kind of cue fires on the ads and on the
    /// organic notes and how often a note carrying it is an ad (`--json`: key
    /// `cues`): what the cues alone can catch, and what they would cost.
    #[arg(long, conflicts_with = "invariance")]
    pub cues: bool,
    /// With `--invariance`: at most N notes per source, a fixed seeded sample.
    #[arg(long, requires = "invariance")]
    pub sample: Option<usize>,
    /// With `--invariance`: only this rewrite (repeat the flag or separate
    /// with commas; names as in the table, e.g. `split_sentences`).
    #[arg(long, requires = "invariance", value_delimiter = ',')]
    pub rewrite: Vec<String>,
}

/// Runs `adlens eval`.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    if args.invariance {
        return run_invariance(&args);
    }
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for file in &args.files {
        let (n, e) = data::read_jsonl(file)?;
        for e in &e {
            eprintln!("{}:{}: skipped: {}", file.display(), e.line, e.message);
        }
        notes.extend(n);
        errors.extend(e);
    }
    if !errors.is_empty() {
        eprintln!("{} line(s) skipped", errors.len());
    }
    let (notes, unsure) = data::without_unsure(notes);
    if unsure > 0 {
        eprintln!("{unsure} note(s) labelled unsure left out of every metric");
    }
    if notes.is_empty() {
        anyhow::bail!("no usable labelled notes in {:?}", args.files);
    }
    // The same door as `check`, `score` and the service: the engine, with an
    // embedding cache so re-running an evaluation does not re-embed.
    let engine = Engine::load(&EngineConfig {
        cache: Some(args.cache.clone()),
        ..args.encoder.engine_config(args.models.clone())
    })?;
    if args.encoder.dir().is_some() && !engine.has_encoder() {
        eprintln!("note: encoder {}", engine.encoder_status());
    }
    if let Some(p) = engine.encoder_precision() {
        eprintln!("note: encoder in {} (--precision)", p.as_str());
    }
    // The model reads only the text: a note's own `has_link` does not change how
    // ad-like it reads, so every note is scored as it stands.
    let as_notes: Vec<Note> = notes
        .iter()
        .map(|n| Note {
            id: n.id.clone(),
            text: n.text.clone(),
            has_link: false,
        })
        .collect();
    let probs: Vec<_> = as_notes
        .chunks(256)
        .flat_map(|c| engine.score_chunk_blocking(c))
        .map(|s| s.probabilities)
        .collect();
    let m = engine.manifest();
    let encoder_ran = probs.iter().all(|p| p.head.is_some());
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
    if let (Some(h), Some(e), true) = (&m.encoder_head, &m.ensemble, encoder_ran) {
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
    let sources = eval::sources::by_source(&notes, &preds);
    let pairs = eval::pairs::evaluate(&notes, &preds);
    // The engine's scores do not keep the signals, so `--cues` reads each note
    // again (the text stages only: no model, about 0.1 ms a note).
    let cues = args.cues.then(|| {
        let kinds: Vec<Vec<_>> = notes
            .iter()
            .map(|n| {
                let a = crate::signals::analyze(&n.text, false);
                a.signals.iter().map(|s| s.kind).collect()
            })
            .collect();
        eval::cues::by_source(&notes, &kinds)
    });
    let mut table = eval::table(&evals) + &eval::sources::table(&sources);
    if let Some(c) = &cues {
        table.push_str(&eval::cues::table(c));
    }
    if !pairs.is_empty() {
        table.push('\n');
        table.push_str(&eval::pairs::table(&pairs));
    }
    if args.json {
        let mut v = eval::summary_json(&evals, errors.len());
        v["unsure_excluded"] = unsure.into();
        v["by_source"] = serde_json::to_value(&sources)?;
        if let Some(c) = &cues {
            v["cues"] = serde_json::to_value(c)?;
        }
        if !pairs.is_empty() {
            v["pairs"] = serde_json::to_value(&pairs)?;
        }
        println!("{v}");
    } else {
        println!(
            "n = {} ({} skipped, {unsure} unsure left out)\n",
            notes.len(),
            errors.len()
        );
        print!("{table}");
    }
    if let Some(dir) = &args.report {
        eval::report::write(dir, &notes, &preds, &evals, &table)?;
        eprintln!("report written to {}", dir.join("report.html").display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The seed of `--sample` (fixed, so every run picks the same notes).
const SAMPLE_SEED: u64 = 15;

/// Runs `adlens eval --invariance`.
fn run_invariance(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let mut notes = Vec::new();
    for file in &args.files {
        let (n, e) = data::read_jsonl(file)?;
        for e in &e {
            eprintln!("{}:{}: skipped: {}", file.display(), e.line, e.message);
        }
        notes.extend(n);
    }
    // Gold labels play no part: the suite compares a note's score with its
    // rewrite's, so `unsure` notes count too.
    if let Some(k) = args.sample {
        notes = invariance::sample(&notes, k, SAMPLE_SEED);
    }
    if notes.is_empty() {
        anyhow::bail!("no notes in {:?}", args.files);
    }
    let rewrites = chosen_rewrites(&args.rewrite)?;
    let engine = Engine::load(&EngineConfig {
        cache: Some(args.cache.clone()),
        ..args.encoder.engine_config(args.models.clone())
    })?;
    if args.encoder.dir().is_some() && !engine.has_encoder() {
        eprintln!("note: encoder {}", engine.encoder_status());
    }
    if let Some(p) = engine.encoder_precision() {
        eprintln!("note: encoder in {} (--precision)", p.as_str());
    }
    let started = std::time::Instant::now();
    let report = invariance_report(&engine, &notes, &rewrites);
    eprintln!(
        "{} notes, {} rewrites, {:.0} s",
        notes.len(),
        rewrites.len(),
        started.elapsed().as_secs_f64()
    );
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", invariance::table(&report));
    }
    Ok(if report.pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The rewrites `names` asks for (every one when empty); an unknown name is an
/// error that lists the known ones.
fn chosen_rewrites(names: &[String]) -> anyhow::Result<Vec<&'static invariance::Rewrite>> {
    if names.is_empty() {
        return Ok(invariance::REWRITES.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            invariance::by_name(name).ok_or_else(|| {
                let known: Vec<&str> = invariance::REWRITES.iter().map(|r| r.name).collect();
                anyhow::anyhow!("unknown rewrite `{name}`; known: {}", known.join(", "))
            })
        })
        .collect()
}

/// The invariance suite through `engine` (the ensemble when the encoder is
/// loaded, else the linear model), scored in batches so the encoder batches.
fn invariance_report(
    engine: &Engine,
    notes: &[data::LabeledNote],
    rewrites: &[&invariance::Rewrite],
) -> invariance::InvarianceReport {
    let model = if engine.has_encoder() {
        "ensemble"
    } else {
        "linear"
    };
    invariance::run_rewrites(model, notes, rewrites, |texts| {
        engine
            .score_texts_blocking(texts)
            .into_iter()
            .map(|s| (s.ad_probability, s.label == "ad"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::chosen_rewrites;
    use crate::eval::invariance::REWRITES;

    #[test]
    fn rewrites_are_chosen_by_name() {
        assert_eq!(chosen_rewrites(&[]).unwrap().len(), REWRITES.len());
        let names = ["plain_markup".to_owned(), "join_lines".to_owned()];
        let chosen: Vec<&str> = chosen_rewrites(&names)
            .unwrap()
            .iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(chosen, ["plain_markup", "join_lines"]);
        let err = chosen_rewrites(&["joinlines".to_owned()]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unknown rewrite `joinlines`"), "{msg}");
        assert!(msg.contains("join_lines, split_sentences"), "{msg}");
    }
}
