//! The [`Scorer`]: calibrated ad probability, label, explanation.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::features::{self, N_HASHED, Sparse};
use super::head::{self, Index};
use super::logistic::{Logistic, Platt};
use super::manifest::Manifest;
use super::{ModelError, linear};
use crate::pipeline::{self, Analysis};
use crate::signals::{Finding, Signal};
use crate::trust::{Priors, TrustEstimate, TrustModel};

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
    /// What a purchase link would cost this note in reader trust.
    pub trust: TrustEstimate,
    /// Nearest authentic and ad training notes (needs the encoder; null without).
    pub similar: Option<Similar>,
    /// The model and its components.
    pub model: ModelInfo,
    /// Time per stage.
    pub timings: Timings,
}

/// A training note close to the scored one.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Example {
    /// Id of the training note.
    pub id: String,
    /// Cosine similarity of the two embeddings.
    pub similarity: f32,
    /// The first characters of the training note.
    pub snippet: String,
}

/// The nearest authentic and ad examples, from the encoder.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Similar {
    /// The 3 nearest organic (authentic) notes.
    pub organic: Vec<Example>,
    /// The 3 nearest ads.
    pub ads: Vec<Example>,
    /// Mean similarity to the nearest ads minus mean similarity to the nearest
    /// authentic notes: above 0, the note sits closer to ads.
    pub authenticity_contrast: f32,
}

/// What the encoder contributed to one score.
#[derive(Debug, Clone, Copy)]
pub enum EncoderInput<'a> {
    /// The note's embedding, and the time it took.
    Embedding(&'a [f32], f64),
    /// No embedding, with the reason (shown in `model.components`).
    Unavailable(&'a str),
}

/// Loaded models, ready to score.
#[derive(Debug, Clone)]
pub struct Scorer {
    manifest: Manifest,
    linear: Logistic,
    head: Option<Logistic>,
    index: Option<Index>,
    trust: TrustModel,
}

/// The default model directory: `$ADLENS_MODELS`, else `models`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("ADLENS_MODELS").map_or_else(|| PathBuf::from("models"), PathBuf::from)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

impl Scorer {
    /// Loads the manifest, the linear weights, and (when trained) the encoder head
    /// and the nearest-examples index from `dir`.
    pub fn load(dir: &Path) -> Result<Scorer, ModelError> {
        let manifest = Manifest::load(dir)?;
        let linear = linear::load(&dir.join(&manifest.linear.file))?;
        let head = match &manifest.encoder_head {
            Some(h) => Some(head::load_head(&dir.join(&h.file))?),
            None => None,
        };
        let index = if head.is_some() {
            Some(Index::load(dir)?)
        } else {
            None
        };
        let priors = Priors::builtin().map_err(|e| ModelError::Format {
            path: "data/trust_priors.toml".into(),
            why: e.to_string(),
        })?;
        Ok(Scorer {
            manifest,
            linear,
            head,
            index,
            trust: TrustModel::new(priors),
        })
    }

    /// True when an encoder head is loaded (the encoder can add to the score).
    pub fn has_head(&self) -> bool {
        self.head.is_some()
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

    /// Calibrated probabilities including the encoder head and the ensemble when an
    /// embedding is given and a head is loaded.
    pub fn probabilities_with(&self, a: &Analysis, embedding: Option<&[f32]>) -> Probabilities {
        let mut p = self.probabilities(a);
        if let (Some(e), Some(head), Some(info)) =
            (embedding, &self.head, &self.manifest.encoder_head)
        {
            let x = Sparse::from_dense(e);
            let head_margin = head.margin(&x);
            p.head = Some(info.calibrated.calibration.apply(head_margin));
            if let Some(ens) = &self.manifest.ensemble {
                let z = ens.weights[0] * self.linear_margin(a)
                    + ens.weights[1] * head_margin
                    + ens.weights[2];
                p.ensemble = Some(ens.calibrated.calibration.apply(z));
            }
        }
        p
    }

    /// Scores one note with the linear model only.
    pub fn score(&self, note: &Note) -> Score {
        self.score_with(note, EncoderInput::Unavailable("encoder not requested"))
    }

    /// Scores one note; with an embedding, the encoder head and the ensemble join in
    /// and nearest examples are reported.
    pub fn score_with(&self, note: &Note, enc: EncoderInput<'_>) -> Score {
        let t0 = Instant::now();
        let a = pipeline::analyze(&note.text, note.has_link);
        let text_ms = ms(t0);
        let t1 = Instant::now();
        let (embedding, encoder_ms, why) = match enc {
            EncoderInput::Embedding(e, ms) => (Some(e), ms, None),
            EncoderInput::Unavailable(why) => (None, 0.0, Some(why)),
        };
        let probs = self.probabilities_with(&a, embedding);
        let lin = &self.manifest.linear.calibrated;
        let (contributions, sentences) = explain(&a, &self.linear, lin.calibration);
        let linear_ms = ms(t1);
        let unavailable = |what: &str| match why {
            Some(w) => format!("unavailable: {w}"),
            None => format!("unavailable: {what}"),
        };
        let mut components = vec![
            Component {
                name: "rules".into(),
                ad_probability: Some(probs.rules),
                status: "reported".into(),
            },
            Component {
                name: "linear".into(),
                ad_probability: Some(probs.linear),
                status: if probs.ensemble.is_some() {
                    "reported"
                } else {
                    "used"
                }
                .into(),
            },
            Component {
                name: "encoder_head".into(),
                ad_probability: probs.head,
                status: if probs.head.is_some() {
                    "reported".into()
                } else {
                    unavailable("no encoder head in the model directory")
                },
            },
        ];
        let (p, threshold) = match (probs.ensemble, &self.manifest.ensemble) {
            (Some(p), Some(e)) => (p, e.calibrated.threshold),
            _ => (probs.linear, lin.threshold),
        };
        components.push(Component {
            name: "ensemble".into(),
            ad_probability: probs.ensemble,
            status: if probs.ensemble.is_some() {
                "used".into()
            } else {
                unavailable("no ensemble in the model directory")
            },
        });
        let similar = match (embedding, &self.index) {
            (Some(e), Some(idx)) => Some(similar(idx, e)),
            _ => None,
        };
        let t2 = Instant::now();
        let trust = self.trust.estimate(p, &a.signals, a.has_link);
        let trust_ms = ms(t2);
        Score {
            id: note.id.clone(),
            ad_probability: p,
            label: if p >= threshold { "ad" } else { "organic" }.into(),
            threshold,
            has_link: a.has_link,
            signals: a.signals,
            compliance: a.compliance,
            contributions,
            sentences,
            trust,
            similar,
            model: ModelInfo {
                version: self.manifest.version.clone(),
                components,
            },
            timings: Timings {
                text_ms,
                linear_ms,
                encoder_ms,
                trust_ms,
                total_ms: ms(t0) + encoder_ms,
            },
        }
    }
}

fn similar(idx: &Index, e: &[f32]) -> Similar {
    let (organic, ads) = idx.nearest(e, 3);
    let to_examples = |v: &[(usize, f32)]| -> Vec<Example> {
        v.iter()
            .map(|&(i, sim)| Example {
                id: idx.entries[i].id.clone(),
                similarity: sim,
                snippet: idx.entries[i].snippet.clone(),
            })
            .collect()
    };
    let mean = |v: &[(usize, f32)]| v.iter().map(|x| x.1).sum::<f32>() / v.len().max(1) as f32;
    Similar {
        authenticity_contrast: mean(&ads) - mean(&organic),
        organic: to_examples(&organic),
        ads: to_examples(&ads),
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
