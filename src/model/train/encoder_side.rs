//! The encoder side of training: the logistic head on z-scored embeddings, the
//! stacked ensemble on out-of-fold margins, and the nearest-examples index.

use super::super::features::Sparse;
use super::super::head::{DIM, Index, IndexEntry};
use super::super::logistic::{Logistic, TrainConfig};
use super::super::manifest::{EnsembleInfo, HeadInfo, Manifest};
use super::cv::{Dataset, Fit, calibrate, fit};
use super::{Prepared, TrainOptions};
use crate::data::{self, LabeledNote};

/// The encoder side of training: head, ensemble and index, from embeddings that
/// the caller computed (one per note, unit length).
pub struct EncoderTraining<'a> {
    /// Embeddings the head is fitted on: the training notes as the linear model
    /// read them (casual titles included, see [`super::add_casual_titles`]).
    pub train: &'a [Vec<f32>],
    /// Embeddings of the training notes as written, for the nearest-examples
    /// index (what a user is shown).
    pub as_written: &'a [Vec<f32>],
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
) -> (Logistic, Index) {
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
    let w = if opts.balance {
        super::weights(train_notes)
    } else {
        Vec::new()
    };
    let (sources, names) = super::source_indices(train_notes);
    let data = Dataset {
        rows: &rows,
        targets: &targets,
        weights: &w,
        groups: &[],
        intercepts: if opts.source_intercepts {
            &sources
        } else {
            &[]
        },
    };
    let mut head_fit = fit(data, DIM, &head_grid, opts.epochs, opts.folds, opts.seed);
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
    let dev_linear = dev.margins(linear_model);

    // Stack on out-of-fold margins so neither input is over-confident.
    let stack_rows: Vec<Sparse> = linear_fit
        .oof
        .iter()
        .zip(&head_fit.oof)
        .map(|(&l, &h)| Sparse::from_dense(&[l, h]))
        .collect();
    let refs: Vec<&Sparse> = stack_rows.iter().collect();
    let stack = Logistic::train_weighted(
        &refs,
        &targets,
        &w,
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
    let stack_oof: Vec<f32> = stack_rows.iter().map(|r| stack.margin(r)).collect();
    manifest.encoder_head = Some(HeadInfo {
        file: "head.json".into(),
        encoder_sha256: enc.encoder_sha256.clone(),
        l2: head_fit.l2,
        cv_by_source: super::cv_by_source(&head_fit.oof, &targets, &sources, &names),
        calibrated: calibrate(&dev_head, &dev.targets, &dev.guard),
    });
    manifest.ensemble = Some(EnsembleInfo {
        weights,
        cv_by_source: super::cv_by_source(&stack_oof, &targets, &sources, &names),
        calibrated: calibrate(&dev_stack, &dev.targets, &dev.guard),
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
        vectors: enc.as_written.iter().flatten().copied().collect(),
    };
    (head_fit.model, index)
}
