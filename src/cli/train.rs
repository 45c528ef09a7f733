//! `adlens train`: fit the models on `train.jsonl`, calibrate on `dev.jsonl`, write
//! them with a manifest.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::model::train::{self, TrainOptions};

/// Arguments of `adlens train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Source folders, each holding train.jsonl and dev.jsonl (repeat the flag or
    /// separate with commas). Default: the written corpus, the annotated real
    /// notes and the real reviews (`data/pairs` adds the counterfactual twins).
    #[arg(
        long,
        env = "ADLENS_DATA",
        value_delimiter = ',',
        default_value = "data/notes,data/real/xhs,data/real/reviews"
    )]
    pub data: Vec<PathBuf>,
    /// Where to write the model files and manifest.json.
    #[arg(long, default_value = "models", env = "ADLENS_MODELS")]
    pub out: PathBuf,
    /// Train on the first N training notes only (quick checks).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Adam epochs per fit.
    #[arg(long, default_value_t = 300)]
    pub epochs: usize,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 20_261_125)]
    pub seed: u64,
    /// Encoder options (with the encoder, the head and ensemble are trained too).
    #[command(flatten)]
    pub encoder: super::encoder_args::EncoderArgs,
    /// Balance the fit: every source the same total weight and, within a source,
    /// ads and organic notes half each (default: every note weighs 1).
    #[arg(long)]
    pub balance: bool,
    /// L2 strengths the cross-validation chooses from (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = TrainOptions::default().l2_grid)]
    pub l2: Vec<f32>,
    /// Choose the L2 strength by the pooled cross-validated log-loss instead of
    /// the mean of the per-source ones.
    #[arg(long)]
    pub l2_pooled: bool,
    /// Fit without an intercept per source: words that only tell which source
    /// a note comes from then carry that source's share of ads (the default
    /// fits one per source and drops it after the fit)
    #[arg(long)]
    pub no_source_intercepts: bool,
    /// Train on the hand-written notes as they are, without a casual title
    /// line on half of them (ads and organic alike)
    #[arg(long)]
    pub no_casual_titles: bool,
    /// Embedding cache file.
    #[arg(long, default_value = ".cache/embeddings/e5-small.bin")]
    pub cache: PathBuf,
}

/// Runs `adlens train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let opts = TrainOptions {
        sources: args.data,
        out_dir: args.out,
        epochs: args.epochs,
        seed: args.seed,
        limit: args.limit,
        balance: args.balance,
        l2_grid: args.l2,
        l2_by_source: !args.l2_pooled,
        source_intercepts: !args.no_source_intercepts,
        casual_titles: !args.no_casual_titles,
        ..TrainOptions::default()
    };
    let src = args.encoder.dir().map(|dir| train::EncoderSource {
        dir,
        allow_fetch: !args.encoder.no_fetch,
        cache: args.cache.clone(),
    });
    let m = train::run(&opts, src.as_ref())?;
    let d = &m.linear.calibrated.dev;
    eprintln!(
        "linear: l2 {} ({} non-zero weights); dev ROC-AUC {:.4}, F1 {:.4}, ECE {:.4}, threshold {:.3}",
        m.linear.l2,
        m.linear.nonzero_weights,
        d.roc_auc,
        d.f1,
        d.ece,
        m.linear.calibrated.threshold
    );
    if let (Some(h), Some(e)) = (&m.encoder_head, &m.ensemble) {
        eprintln!(
            "encoder head: dev ROC-AUC {:.4}, F1 {:.4}; ensemble: dev ROC-AUC {:.4}, F1 {:.4}, ECE {:.4}",
            h.calibrated.dev.roc_auc,
            h.calibrated.dev.f1,
            e.calibrated.dev.roc_auc,
            e.calibrated.dev.f1,
            e.calibrated.dev.ece
        );
    }
    let head_cv = m.encoder_head.iter().flat_map(|h| &h.cv_by_source);
    let stack_cv = m.ensemble.iter().flat_map(|e| &e.cv_by_source);
    let cv = (m.linear.cv_by_source.iter().map(|s| ("linear", s)))
        .chain(head_cv.map(|s| ("encoder head", s)))
        .chain(stack_cv.map(|s| ("ensemble", s)));
    for (model, s) in cv {
        eprintln!(
            "{model}, out of fold on train: {} ROC-AUC {:.4} ({} notes, {} ads)",
            s.source, s.roc_auc, s.n, s.ads
        );
    }
    let r = &m.rules.dev;
    eprintln!(
        "rules baseline: dev ROC-AUC {:.4}, F1 {:.4}",
        r.roc_auc, r.f1
    );
    for s in &m.data.sources {
        eprintln!(
            "source {}: {} train ({} ads), {} dev, {} unsure left out",
            s.name, s.n_train, s.n_train_ads, s.n_dev, s.n_unsure
        );
    }
    eprintln!(
        "threshold ({}): {}",
        m.linear.calibrated.threshold, m.linear.calibrated.threshold_rule
    );
    eprintln!("wrote {} (version {})", opts.out_dir.display(), m.version);
    Ok(ExitCode::SUCCESS)
}
