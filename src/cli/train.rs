//! `adlens train`: fit the models on `train.jsonl`, calibrate on `dev.jsonl`, write
//! them with a manifest.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::model::train::{self, TrainOptions};

/// Arguments of `adlens train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder holding train.jsonl and dev.jsonl.
    #[arg(long, default_value = "data/notes", env = "ADLENS_DATA")]
    pub data: PathBuf,
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
    /// Embedding cache file.
    #[arg(long, default_value = ".cache/embeddings/e5-small.bin")]
    pub cache: PathBuf,
}

/// Runs `adlens train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let opts = TrainOptions {
        data_dir: args.data,
        out_dir: args.out,
        epochs: args.epochs,
        seed: args.seed,
        limit: args.limit,
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
    let r = &m.rules.dev;
    eprintln!(
        "rules baseline: dev ROC-AUC {:.4}, F1 {:.4}",
        r.roc_auc, r.f1
    );
    eprintln!("wrote {} (version {})", opts.out_dir.display(), m.version);
    Ok(ExitCode::SUCCESS)
}
