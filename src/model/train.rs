//! Training: features for every note, L2 strength by k-fold cross-validation on
//! train, the final fit, Platt calibration and a threshold on dev, and the files in
//! the model directory. Deterministic for a given seed.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::features::{self, Sparse};
use super::logistic::{Logistic, Platt, TrainConfig};
use super::manifest::{Calibrated, DataInfo, LinearInfo, Manifest};
use super::{ModelError, Scorer, linear};
use crate::data::{self, LabeledNote};
use crate::eval::metrics;
use crate::pipeline;

/// Settings of `adlens train`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Folder with `train.jsonl` and `dev.jsonl`.
    pub data_dir: PathBuf,
    /// Where the model files go.
    pub out_dir: PathBuf,
    /// L2 strengths to try.
    pub l2_grid: Vec<f32>,
    /// Adam epochs per fit.
    pub epochs: usize,
    /// Cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Use only the first N training notes (for quick checks).
    pub limit: Option<usize>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            data_dir: PathBuf::from("data/notes"),
            out_dir: PathBuf::from("models"),
            l2_grid: vec![1e-5, 3e-5, 1e-4, 3e-4, 1e-3],
            epochs: 300,
            folds: 5,
            seed: 20_261_125,
            limit: None,
        }
    }
}

/// Notes turned into model inputs.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Feature vectors.
    pub rows: Vec<Sparse>,
    /// 1 for ads, 0 for organic.
    pub targets: Vec<f32>,
    /// Keyword-rules margins (sum of signal weights).
    pub rules: Vec<f32>,
}

/// Analyses and featurises notes. The model reads only the text: a caller's
/// `has_link` matters for compliance and trust, not for how ad-like the text reads.
pub fn prepare(notes: &[LabeledNote]) -> Prepared {
    let mut out = Prepared {
        rows: Vec::with_capacity(notes.len()),
        targets: Vec::with_capacity(notes.len()),
        rules: Vec::with_capacity(notes.len()),
    };
    for n in notes {
        let a = pipeline::analyze(&n.text, false);
        out.rows.push(features::extract(&a));
        out.rules.push(Scorer::rules_margin(&a));
        out.targets.push(n.label.target());
    }
    out
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fold of each row: a seeded shuffle dealt round-robin, so folds are balanced.
pub fn folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut s = seed;
    for i in (1..n).rev() {
        let j = (splitmix(&mut s) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut fold = vec![0; n];
    for (pos, &i) in order.iter().enumerate() {
        fold[i] = pos % k;
    }
    fold
}

/// Out-of-fold margins of a model trained with `cfg`: each row scored by the
/// model that did not see it. Folds run on parallel threads.
pub fn out_of_fold(
    rows: &[Sparse],
    targets: &[f32],
    dim: usize,
    cfg: &TrainConfig,
    fold: &[usize],
    k: usize,
) -> Vec<f32> {
    let per_fold: Vec<Vec<(usize, f32)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..k)
            .map(|f| {
                s.spawn(move || {
                    let (tr, ty): (Vec<&Sparse>, Vec<f32>) = rows
                        .iter()
                        .zip(targets)
                        .zip(fold)
                        .filter(|(_, g)| **g != f)
                        .map(|((x, y), _)| (x, *y))
                        .unzip();
                    let m = Logistic::train(&tr, &ty, dim, cfg);
                    rows.iter()
                        .enumerate()
                        .filter(|(i, _)| fold[*i] == f)
                        .map(|(i, x)| (i, m.margin(x)))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("fold thread"))
            .collect()
    });
    let mut out = vec![0.0; rows.len()];
    for (i, m) in per_fold.into_iter().flatten() {
        out[i] = m;
    }
    out
}

fn log_loss(margins: &[f32], targets: &[f32]) -> f32 {
    let total: f32 = margins
        .iter()
        .zip(targets)
        .map(|(&m, &y)| {
            let p = super::logistic::sigmoid(m).clamp(1e-7, 1.0 - 1e-7);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    total / margins.len().max(1) as f32
}

/// A cross-validated fit: the chosen L2, the log-loss per candidate, the out-of-fold
/// margins at the chosen L2, and the model refitted on all rows.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The final model.
    pub model: Logistic,
    /// The L2 strength chosen.
    pub l2: f32,
    /// (L2, cross-validated log-loss) per candidate.
    pub cv: Vec<(f32, f32)>,
    /// Out-of-fold margins at the chosen L2.
    pub oof: Vec<f32>,
}

/// Chooses L2 by k-fold cross-validation, then refits on everything.
pub fn fit(
    rows: &[Sparse],
    targets: &[f32],
    dim: usize,
    grid: &[f32],
    epochs: usize,
    k: usize,
    seed: u64,
) -> Fit {
    let fold = folds(rows.len(), k, seed);
    let mut best: Option<(f32, f32, Vec<f32>)> = None;
    let mut cv = Vec::new();
    for &l2 in grid {
        let cfg = TrainConfig {
            l2,
            epochs,
            ..TrainConfig::default()
        };
        let oof = out_of_fold(rows, targets, dim, &cfg, &fold, k);
        let loss = log_loss(&oof, targets);
        cv.push((l2, loss));
        if best.as_ref().is_none_or(|b| loss < b.1) {
            best = Some((l2, loss, oof));
        }
    }
    let (l2, _, oof) = best.expect("a non-empty L2 grid");
    let refs: Vec<&Sparse> = rows.iter().collect();
    let cfg = TrainConfig {
        l2,
        epochs,
        ..TrainConfig::default()
    };
    Fit {
        model: Logistic::train(&refs, targets, dim, &cfg),
        l2,
        cv,
        oof,
    }
}

/// Platt scaling and a best-F1 threshold on dev margins.
pub fn calibrate(margins: &[f32], targets: &[f32]) -> Calibrated {
    let calibration = Platt::fit(margins, targets);
    let p: Vec<f32> = margins.iter().map(|&m| calibration.apply(m)).collect();
    let y: Vec<bool> = targets.iter().map(|&t| t > 0.5).collect();
    let threshold = metrics::best_f1_threshold(&p, &y);
    Calibrated {
        calibration,
        threshold,
        dev: metrics::compute(&p, &y, threshold),
    }
}

/// sha256 of a file, hex.
pub fn file_sha256(path: &Path) -> Result<String, ModelError> {
    let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Trains the rules baseline and the linear model on `train`, calibrates on `dev`.
pub fn train_linear(
    train: &[LabeledNote],
    dev: &[LabeledNote],
    opts: &TrainOptions,
    data: DataInfo,
) -> Result<(Manifest, Logistic, Prepared, Fit), ModelError> {
    for (name, set) in [("train", train), ("dev", dev)] {
        let ads = set.iter().filter(|n| n.label == data::Label::Ad).count();
        if ads == 0 || ads == set.len() {
            return Err(ModelError::Data(format!("{name} needs both labels")));
        }
    }
    let tr = prepare(train);
    let dv = prepare(dev);
    let fit = fit(
        &tr.rows,
        &tr.targets,
        features::DIM,
        &opts.l2_grid,
        opts.epochs,
        opts.folds,
        opts.seed,
    );
    let dev_margins: Vec<f32> = dv.rows.iter().map(|x| fit.model.margin(x)).collect();
    let calibrated = calibrate(&dev_margins, &dv.targets);
    let rules = calibrate(&dv.rules, &dv.targets);
    let nonzero = fit.model.weights.iter().filter(|w| **w != 0.0).count();
    let short = &data.train_sha256[..8];
    let manifest = Manifest {
        version: format!("{}-{short}", manifest_date()),
        adlens_version: env!("CARGO_PKG_VERSION").into(),
        created: manifest_date(),
        data,
        rules,
        linear: LinearInfo {
            file: "linear.bin".into(),
            hash_bits: features::HASH_BITS,
            l2: fit.l2,
            epochs: opts.epochs,
            cv_log_loss: fit.cv.clone(),
            nonzero_weights: nonzero,
            calibrated,
        },
        encoder_head: None,
        ensemble: None,
    };
    Ok((manifest, fit.model.clone(), tr, fit))
}

fn manifest_date() -> String {
    super::manifest::today()
}

/// Where the encoder comes from during training.
#[derive(Debug, Clone)]
pub struct EncoderSource {
    /// Converted model directory.
    pub dir: PathBuf,
    /// Fetch it when missing.
    pub allow_fetch: bool,
    /// Embedding cache file.
    pub cache: PathBuf,
}

/// Embeds `texts` through the on-disk cache (only new texts hit the encoder).
pub fn embed_cached(
    enc: &super::encoder::Encoder,
    cache: &mut super::encoder::EmbeddingCache,
    texts: &[String],
) -> Result<Vec<Vec<f32>>, super::encoder::EncoderError> {
    let out = cache.get_or_embed(texts, |missing| {
        tracing::info!(n = missing.len(), "embedding notes with e5-small");
        super::encoder::embed_batched(enc, missing, crate::engine::MAX_BATCH_TOKENS)
    })?;
    cache.flush()?;
    Ok(out)
}

/// Runs `adlens train`: reads the data, trains the linear model (and, with an
/// encoder, the head, the ensemble and the nearest-examples index), writes the
/// files and `manifest.json` into `opts.out_dir`.
pub fn run(opts: &TrainOptions, encoder: Option<&EncoderSource>) -> anyhow::Result<Manifest> {
    let train_path = opts.data_dir.join("train.jsonl");
    let dev_path = opts.data_dir.join("dev.jsonl");
    let mut train = data::read_clean(&train_path)?;
    let dev = data::read_clean(&dev_path)?;
    if let Some(n) = opts.limit {
        train.truncate(n);
    }
    let info = DataInfo {
        train_sha256: file_sha256(&train_path)?,
        dev_sha256: file_sha256(&dev_path)?,
        n_train: train.len(),
        n_dev: dev.len(),
    };
    let (mut manifest, model, _, fit) = train_linear(&train, &dev, opts, info)?;
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| ModelError::io(&opts.out_dir, e))?;
    linear::save(&model, &opts.out_dir.join(&manifest.linear.file))?;
    if let Some(src) = encoder {
        let files = super::encoder::ensure(&src.dir, src.allow_fetch)?;
        let enc = super::encoder::Encoder::load(&files)?;
        let mut cache = super::encoder::EmbeddingCache::open(&src.cache, files.model_sha256())?;
        let texts = |v: &[LabeledNote]| v.iter().map(|n| n.text.clone()).collect::<Vec<_>>();
        let train_emb = embed_cached(&enc, &mut cache, &texts(&train))?;
        let dev_emb = embed_cached(&enc, &mut cache, &texts(&dev))?;
        let dev_prep = prepare(&dev);
        let (head, index) = train_encoder_side(
            &mut manifest,
            &fit,
            &model,
            &train,
            &dev_prep,
            &EncoderTraining {
                train: &train_emb,
                dev: &dev_emb,
                encoder_sha256: files.model_sha256().to_owned(),
            },
            opts,
        );
        super::head::save_head(&head, &opts.out_dir.join("head.json"))?;
        index.save(&opts.out_dir)?;
    } else {
        // A linear-only run must not leave a stale head behind.
        for f in ["head.json", "nearest.json", "nearest.bin"] {
            let _ = std::fs::remove_file(opts.out_dir.join(f));
        }
    }
    manifest.save(&opts.out_dir)?;
    Ok(manifest)
}

/// The encoder side of training: head, ensemble and index, from embeddings that
/// the caller computed (one per note, unit length).
pub struct EncoderTraining<'a> {
    /// Embeddings of the training notes.
    pub train: &'a [Vec<f32>],
    /// Embeddings of the dev notes.
    pub dev: &'a [Vec<f32>],
    /// sha256 of the encoder weights.
    pub encoder_sha256: String,
}

/// Trains the head on train embeddings (L2 by cross-validation), stacks it with the
/// linear model on out-of-fold margins, calibrates both on dev, and fills in the
/// manifest. Returns the head and the nearest-examples index.
pub fn train_encoder_side(
    manifest: &mut Manifest,
    linear_fit: &Fit,
    linear_model: &Logistic,
    train_notes: &[LabeledNote],
    dev: &Prepared,
    enc: &EncoderTraining<'_>,
    opts: &TrainOptions,
) -> (Logistic, super::head::Index) {
    use super::head::{DIM, Index, IndexEntry};
    use super::manifest::{EnsembleInfo, HeadInfo};

    // Embedding dimensions differ by small amounts around large shared means, so
    // the head is fitted on z-scored dimensions and the scaling is folded back
    // into its weights: the stored head reads raw embeddings.
    let n = enc.train.len().max(1) as f32;
    let mut mean = vec![0.0f32; DIM];
    for e in enc.train {
        for (m, v) in mean.iter_mut().zip(e) {
            *m += v / n;
        }
    }
    let mut std = vec![0.0f32; DIM];
    for e in enc.train {
        for ((s, v), m) in std.iter_mut().zip(e).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    for s in &mut std {
        *s = s.sqrt().max(1e-6);
    }
    let z = |e: &Vec<f32>| -> Sparse {
        let v: Vec<f32> = e
            .iter()
            .zip(&mean)
            .zip(&std)
            .map(|((x, m), s)| (x - m) / s)
            .collect();
        Sparse::from_dense(&v)
    };
    let rows: Vec<Sparse> = enc.train.iter().map(z).collect();
    let targets: Vec<f32> = train_notes.iter().map(|n| n.label.target()).collect();
    let head_grid = [1e-3, 1e-2, 3e-2, 1e-1];
    let mut head_fit = fit(
        &rows,
        &targets,
        DIM,
        &head_grid,
        opts.epochs,
        opts.folds,
        opts.seed,
    );
    let folded: Vec<f32> = head_fit
        .model
        .weights
        .iter()
        .zip(&std)
        .map(|(w, s)| w / s)
        .collect();
    head_fit.model.bias -= folded.iter().zip(&mean).map(|(w, m)| w * m).sum::<f32>();
    head_fit.model.weights = folded;
    let dev_rows: Vec<Sparse> = enc.dev.iter().map(|e| Sparse::from_dense(e)).collect();
    let dev_head: Vec<f32> = dev_rows.iter().map(|x| head_fit.model.margin(x)).collect();
    let dev_linear: Vec<f32> = dev.rows.iter().map(|x| linear_model.margin(x)).collect();

    // Stack on out-of-fold margins so neither input is over-confident.
    let stack_rows: Vec<Sparse> = linear_fit
        .oof
        .iter()
        .zip(&head_fit.oof)
        .map(|(&l, &h)| Sparse::from_dense(&[l, h]))
        .collect();
    let refs: Vec<&Sparse> = stack_rows.iter().collect();
    let stack = Logistic::train(
        &refs,
        &targets,
        2,
        &TrainConfig {
            l2: 1e-3,
            epochs: 500,
            learning_rate: 0.05,
        },
    );
    let weights = [stack.weights[0], stack.weights[1], stack.bias];
    let dev_stack: Vec<f32> = dev_linear
        .iter()
        .zip(&dev_head)
        .map(|(&l, &h)| weights[0] * l + weights[1] * h + weights[2])
        .collect();
    manifest.encoder_head = Some(HeadInfo {
        file: "head.json".into(),
        encoder_sha256: enc.encoder_sha256.clone(),
        l2: head_fit.l2,
        calibrated: calibrate(&dev_head, &dev.targets),
    });
    manifest.ensemble = Some(EnsembleInfo {
        weights,
        calibrated: calibrate(&dev_stack, &dev.targets),
    });
    let index = Index {
        entries: train_notes
            .iter()
            .enumerate()
            .map(|(i, n)| IndexEntry {
                id: n.id.clone().unwrap_or_else(|| format!("train-{i}")),
                ad: n.label == data::Label::Ad,
                snippet: n.text.chars().take(60).collect(),
            })
            .collect(),
        vectors: enc.train.iter().flatten().copied().collect(),
    };
    (head_fit.model, index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_and_seeded() {
        let f = folds(103, 5, 7);
        for k in 0..5 {
            let c = f.iter().filter(|&&x| x == k).count();
            assert!((20..=21).contains(&c));
        }
        assert_eq!(f, folds(103, 5, 7));
        assert_ne!(f, folds(103, 5, 8));
    }
}
