//! The [`Scorer`]: calibrated ad probability, label, explanation.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::features::{self, N_HASHED};
use super::logistic::{Logistic, Platt};
use super::manifest::Manifest;
use super::{ModelError, linear};
use crate::pipeline::{self, Analysis};
use crate::signals::{Finding, Signal};

/// A note to score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Note {
    /// Caller's id, echoed back.
    pub id: Option<String>,
    /// The note text as pasted.
    pub text: String,
    /// Whether a purchase link is (or will be) attached.
    pub has_link: bool,
}

/// A span of the original text.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Span {
    /// First char (inclusive).
    pub start: usize,
    /// Last char (exclusive).
    pub end: usize,
    /// The text of the span.
    pub text: String,
}

/// How much one feature moved the score, in calibrated log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Contribution {
    /// Readable feature name: `词:闭眼入`, `字:链接`, `特征:signal_count:offer` ….
    pub feature: String,
    /// Effect on the log-odds of "ad" (positive: toward ad).
    pub contribution: f32,
    /// Where the feature occurs in the note (up to 5 spans).
    pub spans: Vec<Span>,
}

/// One sentence with the summed contributions of the features inside it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Sentence {
    /// First char (inclusive).
    pub start: usize,
    /// Last char (exclusive).
    pub end: usize,
    /// The sentence text.
    pub text: String,
    /// Summed effect on the log-odds of "ad".
    pub contribution: f32,
}

/// One model's view of the note.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Component {
    /// `rules`, `linear`, `encoder_head` or `ensemble`.
    pub name: String,
    /// Its calibrated probability, when it ran.
    pub ad_probability: Option<f32>,
    /// `used` (drives the result), `reported` (shown for comparison) or
    /// `unavailable` with the reason.
    pub status: String,
}

/// Which model produced the result.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ModelInfo {
    /// Model version from the manifest.
    pub version: String,
    /// Every component and whether it was used.
    pub components: Vec<Component>,
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Timings {
    /// Normalise, segment, signals, compliance.
    pub text_ms: f64,
    /// Features and the linear model.
    pub linear_ms: f64,
    /// The encoder (0 when it did not run).
    pub encoder_ms: f64,
    /// The trust-penalty estimate.
    pub trust_ms: f64,
    /// All of the above.
    pub total_ms: f64,
}

/// Calibrated probabilities of every component that ran.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Probabilities {
    /// Keyword-rules baseline.
    pub rules: f32,
    /// n-gram linear model.
    pub linear: f32,
    /// Encoder head, when an embedding was given and a head is loaded.
    pub head: Option<f32>,
    /// Ensemble, when the head ran.
    pub ensemble: Option<f32>,
}

/// The result of scoring one note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Score {
    /// Caller's id, echoed back.
    pub id: Option<String>,
    /// Calibrated probability that the note is an ad (material connection).
    pub ad_probability: f32,
    /// `"ad"` when `ad_probability >= threshold`, else `"organic"`.
    pub label: String,
    /// The decision threshold of the model used.
    pub threshold: f32,
    /// Explainable cues.
    #[schema(value_type = Vec<Object>)]
    pub signals: Vec<Signal>,
    /// Rule findings.
    #[schema(value_type = Vec<Object>)]
    pub compliance: Vec<Finding>,
    /// Features that moved the score most, toward ad then toward organic.
    pub contributions: Vec<Contribution>,
    /// Sentences ranked by how much they pushed toward "ad".
    pub sentences: Vec<Sentence>,
    /// Whether a link was given or found in the text.
    pub has_link: bool,
    /// The model and its components.
    pub model: ModelInfo,
    /// Time per stage.
    pub timings: Timings,
}

/// Loaded models, ready to score.
#[derive(Debug, Clone)]
pub struct Scorer {
    manifest: Manifest,
    linear: Logistic,
}

/// The default model directory: `$ADLENS_MODELS`, else `models`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("ADLENS_MODELS").map_or_else(|| PathBuf::from("models"), PathBuf::from)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

impl Scorer {
    /// Loads the manifest and the linear weights from `dir`.
    pub fn load(dir: &Path) -> Result<Scorer, ModelError> {
        let manifest = Manifest::load(dir)?;
        let linear = linear::load(&dir.join(&manifest.linear.file))?;
        Ok(Scorer { manifest, linear })
    }

    /// Builds a scorer from trained parts.
    pub fn from_parts(manifest: Manifest, linear: Logistic) -> Scorer {
        Scorer { manifest, linear }
    }

    /// The manifest of the loaded models.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The raw linear margin of an analysed note.
    pub fn linear_margin(&self, a: &Analysis) -> f32 {
        self.linear.margin(&features::extract(a))
    }

    /// The rules baseline margin: the sum of signal weights.
    pub fn rules_margin(a: &Analysis) -> f32 {
        a.signals.iter().map(|s| s.weight).sum()
    }

    /// Calibrated probabilities of every component for an analysed note.
    pub fn probabilities(&self, a: &Analysis) -> Probabilities {
        Probabilities {
            rules: self.manifest.rules.calibration.apply(Self::rules_margin(a)),
            linear: self
                .manifest
                .linear
                .calibrated
                .calibration
                .apply(self.linear_margin(a)),
            head: None,
            ensemble: None,
        }
    }

    /// Scores one note with the linear model.
    pub fn score(&self, note: &Note) -> Score {
        let t0 = Instant::now();
        let a = pipeline::analyze(&note.text, note.has_link);
        let text_ms = ms(t0);
        let t1 = Instant::now();
        let probs = self.probabilities(&a);
        let cal = &self.manifest.linear.calibrated;
        let (contributions, sentences) = explain(&a, &self.linear, cal.calibration);
        let linear_ms = ms(t1);
        let p = probs.linear;
        let components = vec![
            Component {
                name: "linear".into(),
                ad_probability: Some(p),
                status: "used".into(),
            },
            Component {
                name: "rules".into(),
                ad_probability: Some(probs.rules),
                status: "reported".into(),
            },
        ];
        Score {
            id: note.id.clone(),
            ad_probability: p,
            label: if p >= cal.threshold { "ad" } else { "organic" }.into(),
            threshold: cal.threshold,
            has_link: a.has_link,
            signals: a.signals,
            compliance: a.compliance,
            contributions,
            sentences,
            model: ModelInfo {
                version: self.manifest.version.clone(),
                components,
            },
            timings: Timings {
                text_ms,
                linear_ms,
                encoder_ms: 0.0,
                trust_ms: 0.0,
                total_ms: ms(t0),
            },
        }
    }
}

/// Top contributions (8 toward ad, 8 toward organic) and sentence sums, in
/// calibrated log-odds units (the Platt slope times `w·x`).
fn explain(a: &Analysis, m: &Logistic, cal: Platt) -> (Vec<Contribution>, Vec<Sentence>) {
    let original = a.normalized.original();
    let chars: Vec<char> = original.chars().collect();
    let slice = |s: usize, e: usize| {
        chars[s.min(chars.len())..e.min(chars.len())]
            .iter()
            .collect::<String>()
    };
    let sentences = sentence_bounds(&chars);
    let mut sums = vec![0.0f32; sentences.len()];
    let mut all: Vec<Contribution> = Vec::new();
    for f in features::explain(a) {
        let c = cal.a * m.weights[f.index as usize] * f.value;
        if c == 0.0 {
            continue;
        }
        if !f.spans.is_empty() {
            let share = c / f.spans.len() as f32;
            for &(s, _) in &f.spans {
                if let Some(k) = sentences.iter().position(|&(a, b)| s >= a && s < b) {
                    sums[k] += share;
                }
            }
        }
        // Shape features without spans and the constant are reported only when large.
        if f.index as usize >= N_HASHED && f.spans.is_empty() && c.abs() < 0.05 {
            continue;
        }
        all.push(Contribution {
            feature: f.name,
            contribution: c,
            spans: f
                .spans
                .iter()
                .take(5)
                .map(|&(s, e)| Span {
                    start: s,
                    end: e,
                    text: slice(s, e),
                })
                .collect(),
        });
    }
    all.sort_by(|x, y| y.contribution.total_cmp(&x.contribution));
    let pos: Vec<_> = all
        .iter()
        .filter(|c| c.contribution > 0.0)
        .take(8)
        .cloned()
        .collect();
    let neg: Vec<_> = all
        .iter()
        .rev()
        .filter(|c| c.contribution < 0.0)
        .take(8)
        .cloned()
        .collect();
    let contributions = pos.into_iter().chain(neg).collect();
    let mut out: Vec<Sentence> = sentences
        .iter()
        .zip(sums)
        .map(|(&(s, e), c)| Sentence {
            start: s,
            end: e,
            text: slice(s, e),
            contribution: c,
        })
        .filter(|s| !s.text.trim().is_empty())
        .collect();
    out.sort_by(|x, y| y.contribution.total_cmp(&x.contribution));
    out.truncate(5);
    (contributions, out)
}

/// Sentence char ranges: split after 。！？!? and at line breaks.
fn sentence_bounds(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '。' | '！' | '？' | '!' | '?' | '\n' | '；' | ';') {
            if i + 1 > start {
                out.push((start, i + 1));
            }
            start = i + 1;
        }
    }
    if start < chars.len() {
        out.push((start, chars.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_cover_the_text() {
        let chars: Vec<char> = "第一句。第二句！\n第三句".chars().collect();
        let b = sentence_bounds(&chars);
        assert_eq!(b, vec![(0, 4), (4, 8), (8, 9), (9, 12)]);
    }
}
