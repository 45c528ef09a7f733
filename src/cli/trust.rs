//! `adlens trust`: the trust-penalty model's plot and priors, the fit to a brand's
//! outcomes, and the comment rules' measurement; `--trust-priors` for the other
//! commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use anyhow::Context;

use crate::engine::Engine;
use crate::trust::fit::{FitNote, fit};
use crate::trust::{Priors, TrustModel, outcomes, plot_svg};

/// `--trust-priors`: the priors `check`, `score` and `serve` run with.
#[derive(Debug, Clone, Args)]
pub struct TrustPriorsArgs {
    /// Trust priors file (e.g. one written by `adlens trust fit`); default: the
    /// built-in data/trust_priors.toml. Named with its sha256 at /info and in
    /// every result's `model.trust_priors`.
    #[arg(long, env = "ADLENS_TRUST_PRIORS")]
    pub trust_priors: Option<PathBuf>,
}

impl TrustPriorsArgs {
    /// The trust model over the chosen priors (validated; errors name the file).
    pub fn model(&self) -> anyhow::Result<TrustModel> {
        TrustModel::load(self.trust_priors.as_deref()).context("loading --trust-priors")
    }
}

/// Arguments of `adlens trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TrustCommand,
}

/// `adlens trust` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Draw penalty vs ad probability, with and without a link (SVG).
    Plot {
        /// Output SVG file.
        #[arg(long, default_value = "docs/trust-penalty.svg")]
        out: PathBuf,
        /// Priors file (default: the built-in data/trust_priors.toml).
        #[arg(long)]
        priors: Option<PathBuf>,
    },
    /// Estimate the trust cost for a text at a given ad probability (worked examples).
    Estimate {
        /// Calibrated ad probability to assume.
        #[arg(long)]
        ad_probability: f32,
        /// A purchase link is (or will be) attached.
        #[arg(long)]
        has_link: bool,
        /// The note text (its signals set the moderators), or `-` for stdin.
        text: String,
    },
    /// Validate a priors file and print it back.
    Check {
        /// Priors file.
        priors: PathBuf,
    },
    /// Fit the priors to a brand's own outcomes (columns in docs/trust-penalty.md).
    Fit(FitArgs),
    /// Measure the comment call-out rules against hand-labelled comments.
    Comments {
        /// Comments, one JSON object per line: `id`, `text`.
        #[arg(long, default_value = "data/comments/comments.jsonl")]
        comments: PathBuf,
        /// One annotator's labels: `id`, `call_out` (true/false).
        #[arg(long, default_value = "data/comments/labels.a.jsonl")]
        labels: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `adlens trust fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Outcomes file, `.csv` (with a header) or `.jsonl`.
    pub outcomes: PathBuf,
    /// Where to write the fitted priors (same schema as data/trust_priors.toml).
    #[arg(short, long, default_value = "data/trust_priors.brand.toml")]
    pub output: PathBuf,
    /// Write report.md and report.json (prior vs posterior, predicted vs observed) here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The prior (default: the built-in data/trust_priors.toml).
    #[arg(long, env = "ADLENS_TRUST_PRIORS")]
    pub priors: Option<PathBuf>,
    /// Model directory: scores each row's text for its ad probability (a row's own
    /// `ad_probability` column wins).
    #[arg(long, default_value = "models", env = "ADLENS_MODELS")]
    pub models: PathBuf,
    /// Encoder options, as for `score`.
    #[command(flatten)]
    pub encoder: super::encoder_args::EncoderArgs,
}

fn run_fit(args: FitArgs) -> anyhow::Result<()> {
    let prior = TrustModel::load(args.priors.as_deref())?;
    let rows = outcomes::read(&args.outcomes)
        .with_context(|| format!("reading {}", args.outcomes.display()))?;
    let need: Vec<String> = rows
        .iter()
        .filter(|r| r.ad_probability.is_none())
        .map(|r| r.text.clone())
        .collect();
    let mut scored = if need.is_empty() {
        Vec::new()
    } else {
        let engine = Engine::load(&args.encoder.engine_config(args.models.clone()))
            .with_context(|| format!("loading the models in {}", args.models.display()))?;
        engine.score_texts_blocking(&need)
    }
    .into_iter();
    let notes: Vec<FitNote> = rows
        .iter()
        .map(|r| {
            let p = match r.ad_probability {
                Some(p) => p as f32,
                None => scored.next().map_or(0.5, |s| s.ad_probability),
            };
            FitNote::from_row(r, p)
        })
        .collect();
    let result = fit(prior.priors(), &notes);
    let header = format!(
        "# Trust priors fitted by `adlens trust fit` to {} ({} rows), with {} (sha256 {}) as the prior.\n\
         # Each fitted coefficient has a [<key>.fitted] table: the prior it was updated from and the rows\n\
         # that informed it. See docs/trust-penalty.md.\n\n",
        args.outcomes.display(),
        rows.len(),
        prior.id().name,
        prior.id().sha256
    );
    let text = format!("{header}{}", result.priors.to_toml_string());
    Priors::from_toml_str(&text).context("the fitted priors do not validate (a bug)")?;
    std::fs::write(&args.output, text)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!("wrote {}", args.output.display());
    if let Some(dir) = &args.report {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let md = result
            .report
            .to_markdown(&args.outcomes.display().to_string());
        std::fs::write(dir.join("report.md"), md)?;
        std::fs::write(
            dir.join("report.json"),
            serde_json::to_string_pretty(&result.report)?,
        )?;
        eprintln!("wrote {0}/report.md and {0}/report.json", dir.display());
    }
    for c in &result.report.coefficients {
        eprintln!(
            "  {:<26} rows {:>5}  prior {} [{}, {}]  →  {} [{}, {}]",
            c.key,
            c.rows,
            c.prior[0],
            c.prior[1],
            c.prior[2],
            c.posterior[0],
            c.posterior[1],
            c.posterior[2]
        );
    }
    Ok(())
}

fn run_comments(
    comments: &std::path::Path,
    labels: &std::path::Path,
    json: bool,
) -> anyhow::Result<()> {
    let e = crate::eval::comments::evaluate(comments, labels)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(());
    }
    println!(
        "{} comments, {} labelled call-outs: precision {:.3} ({} / {}), recall {:.3} ({} / {})",
        e.n,
        e.positives,
        e.precision,
        e.true_positives,
        e.true_positives + e.false_positives,
        e.recall,
        e.true_positives,
        e.positives
    );
    for d in &e.disagreements {
        let what = if d.label {
            "missed call-out"
        } else {
            "false call-out"
        };
        println!("  {} {what}: {}  [{}]", d.id, d.text, d.rules.join(", "));
    }
    Ok(())
}

/// Runs `adlens trust`.
pub fn run(args: TrustArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        TrustCommand::Plot { out, priors } => {
            let priors = match priors {
                Some(p) => Priors::load(&p)?,
                None => Priors::builtin()?,
            };
            plot_svg(&TrustModel::new(priors), &out)?;
            eprintln!("wrote {}", out.display());
        }
        TrustCommand::Estimate {
            ad_probability,
            has_link,
            text,
        } => {
            let raw = super::read_text_arg(&text)?;
            let a = crate::signals::analyze(&raw, has_link);
            let e = TrustModel::new(Priors::builtin()?).estimate_settled(
                ad_probability,
                &a.signals,
                a.settled,
            );
            println!("{}", serde_json::to_string_pretty(&e)?);
        }
        TrustCommand::Check { priors } => {
            let p = Priors::load(&priors)?;
            print!("{}", p.to_toml_string());
            eprintln!("{}: valid", priors.display());
        }
        TrustCommand::Fit(a) => run_fit(a)?,
        TrustCommand::Comments {
            comments,
            labels,
            json,
        } => run_comments(&comments, &labels, json)?,
    }
    Ok(ExitCode::SUCCESS)
}
