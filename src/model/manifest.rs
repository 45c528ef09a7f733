//! `models/manifest.json`: what was trained, on what data, with which settings,
//! and how it did on dev.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ModelError;
use super::logistic::Platt;
use crate::metrics::Metrics;

/// File name of the manifest inside the model directory.
pub const FILE: &str = "manifest.json";

/// The data a model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// sha256 of the training files (one file: its sha256; several: the sha256 of
    /// their sha256s in order).
    pub train_sha256: String,
    /// sha256 of the calibration (dev) files, the same way.
    pub dev_sha256: String,
    /// Training notes used (`unsure` excluded).
    pub n_train: usize,
    /// Dev notes used (`unsure` excluded).
    pub n_dev: usize,
    /// Every source that went in.
    #[serde(default)]
    pub sources: Vec<SourceInfo>,
}

/// One training source: a folder with `train.jsonl` and `dev.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Source name (`written`, `real_xhs`, `reviews`, …).
    pub name: String,
    /// The folder, as given.
    pub dir: String,
    /// sha256 of its train.jsonl.
    pub train_sha256: String,
    /// sha256 of its dev.jsonl.
    pub dev_sha256: String,
    /// Training notes used / ads among them.
    pub n_train: usize,
    /// Ads among the training notes.
    pub n_train_ads: usize,
    /// Dev notes used.
    pub n_dev: usize,
    /// `unsure` notes left out of train and dev.
    pub n_unsure: usize,
}

/// A calibrated component: how raw margins become probabilities and labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrated {
    /// Platt scaling fitted on dev.
    pub calibration: Platt,
    /// Decision threshold on the calibrated probability, chosen on dev: the best-F1
    /// threshold, raised if needed so that real organic dev notes (every source but
    /// `written`) are flagged at most at the guard rate.
    pub threshold: f32,
    /// How the threshold was chosen, in words.
    #[serde(default)]
    pub threshold_rule: String,
    /// Metrics on dev after calibration.
    pub dev: Metrics,
}

/// The hashed n-gram linear model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearInfo {
    /// Weights file, relative to the model directory.
    pub file: String,
    /// Hash bits of the n-gram features.
    pub hash_bits: u32,
    /// L2 strength chosen by cross-validation on train.
    pub l2: f32,
    /// Adam epochs.
    pub epochs: usize,
    /// Cross-validated log-loss for each L2 strength tried.
    pub cv_log_loss: Vec<(f32, f32)>,
    /// Out-of-fold ROC-AUC per source at the chosen L2 (sources with both
    /// labels), measured on train alone.
    #[serde(default)]
    pub cv_by_source: Vec<SourceCv>,
    /// Whether the fit had an intercept per source, dropped afterwards (older
    /// manifests: no).
    #[serde(default)]
    pub source_intercepts: bool,
    /// Hand-written training notes that got a casual title line for this fit
    /// (`model::train::titles`; older manifests: none).
    #[serde(default)]
    pub casual_titles: usize,
    /// Non-zero weights stored.
    pub nonzero_weights: usize,
    /// Calibration and dev figures.
    #[serde(flatten)]
    pub calibrated: Calibrated,
}

/// Cross-validated ranking quality on one source's training notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCv {
    /// Source name.
    pub source: String,
    /// Training notes of the source.
    pub n: usize,
    /// Ads among them.
    pub ads: usize,
    /// Out-of-fold ROC-AUC.
    pub roc_auc: f64,
}

/// The logistic head on encoder embeddings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadInfo {
    /// Head weights file, relative to the model directory.
    pub file: String,
    /// sha256 of the encoder weights the head was trained on.
    pub encoder_sha256: String,
    /// L2 strength chosen by cross-validation on train.
    pub l2: f32,
    /// Out-of-fold ROC-AUC per source at the chosen L2, on train alone (older
    /// manifests: none).
    #[serde(default)]
    pub cv_by_source: Vec<SourceCv>,
    /// Calibration and dev figures.
    #[serde(flatten)]
    pub calibrated: Calibrated,
}

/// The stacked ensemble of the linear model and the encoder head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleInfo {
    /// Stacking weights on (linear logit, head logit) and the bias, fitted on
    /// out-of-fold predictions over train.
    pub weights: [f32; 3],
    /// ROC-AUC per source of the stack over the two models' out-of-fold
    /// margins on train (older manifests: none).
    #[serde(default)]
    pub cv_by_source: Vec<SourceCv>,
    /// Calibration and dev figures.
    #[serde(flatten)]
    pub calibrated: Calibrated,
}

/// Everything `adlens train` wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Model version: training date and a short hash of the data.
    pub version: String,
    /// The adlens version that trained it.
    pub adlens_version: String,
    /// Training date (UTC, YYYY-MM-DD).
    pub created: String,
    /// The data it saw.
    pub data: DataInfo,
    /// Keyword-rules baseline: the sum of signal weights, calibrated.
    pub rules: Calibrated,
    /// The n-gram linear model.
    pub linear: LinearInfo,
    /// The encoder head, when the encoder was available at training time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_head: Option<HeadInfo>,
    /// The ensemble, when the head exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<EnsembleInfo>,
}

impl Manifest {
    /// Reads `dir/manifest.json`.
    pub fn load(dir: &Path) -> Result<Manifest, ModelError> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| ModelError::io(&path, e))?;
        serde_json::from_str(&text).map_err(|e| ModelError::Format {
            path: path.display().to_string(),
            why: e.to_string(),
        })
    }

    /// Writes `dir/manifest.json`, pretty-printed.
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        let path = dir.join(FILE);
        let text = serde_json::to_string_pretty(self).expect("manifest serialises");
        std::fs::write(&path, text + "\n").map_err(|e| ModelError::io(&path, e))
    }
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_417), (2025, 11, 25));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
