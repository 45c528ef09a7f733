//! The pipeline: an [`Analyzer`] owns the loaded models and the trust model and
//! turns a note into a [`Score`] — analysis, one feature pass yielding both the
//! linear margin and the explanation (of the most ad-like linear window for a
//! note over 500 chars), the encoder head and the ensemble when an embedding is
//! given, trust, and the nearest examples.

mod explain;
mod score;
mod windows;

use std::path::Path;
use std::time::Instant;

pub use score::{
    Component, Contribution, Detail, EncoderInput, Example, ModelInfo, Note, Probabilities, Score,
    Sentence, Similar, Span, Timings,
};
pub use windows::{Encoded, Pooling, Segment, WindowEmbedding};
pub(crate) use windows::{regroup, window_texts};

use crate::model::encoder::window::slices;
use crate::model::head::{self, Index};
use crate::model::logistic::Logistic;
use crate::model::{Manifest, ModelError, linear, rules_margin};
use crate::signals::{self, Analysis};
use crate::text::{self, TextError};
use crate::trust::{Priors, TrustError, TrustModel};
use windows::{LinearRead, WindowModels};

/// Errors loading the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The model files.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The trust priors.
    #[error("trust priors: {0}")]
    Trust(#[from] TrustError),
}

/// Why a note a caller sent cannot be scored. Every surface reports these the
/// same way: the service as a 4xx or a batch slot error, `adlens score` as an
/// error row, with the same `error_type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The text is empty or over the limit.
    #[error("`text`: {0}")]
    Text(#[from] TextError),
    /// The note is not shaped like a note: not JSON, not an object, a field of the
    /// wrong type, a field missing.
    #[error("not a valid note: {0}")]
    Malformed(String),
    /// The note has a field adlens does not know (a typo such as `txt`).
    #[error("the note has a field adlens does not know: {0}")]
    UnknownField(String),
}

impl NoteError {
    /// A note that did not deserialise: serde's message says whether a field was
    /// unknown (a typo, `validation`) or the shape was wrong (`invalid_json`).
    pub fn from_json_error(message: String) -> NoteError {
        if message.contains("unknown field") {
            NoteError::UnknownField(message)
        } else {
            NoteError::Malformed(message)
        }
    }

    /// True for `validation` errors (the service answers 422; `invalid_json`
    /// gets 400).
    pub fn is_validation(&self) -> bool {
        self.error_type() == "validation"
    }

    /// The stable machine code: `validation` or `invalid_json`.
    pub fn error_type(&self) -> &'static str {
        match self {
            NoteError::Text(_) | NoteError::UnknownField(_) => "validation",
            NoteError::Malformed(_) => "invalid_json",
        }
    }
}

impl Note {
    /// Checks the note is worth scoring: text not empty, at most `max_chars` chars.
    pub fn validate(&self, max_chars: usize) -> Result<(), NoteError> {
        Ok(text::validate(&self.text, max_chars)?)
    }
}

/// Loaded models and trust model, ready to turn notes into scores.
#[derive(Debug, Clone)]
pub struct Analyzer {
    manifest: Manifest,
    linear: Logistic,
    head: Option<Logistic>,
    index: Option<Index>,
    trust: TrustModel,
    pooling: Pooling,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

impl Analyzer {
    /// Loads the manifest, the linear weights, and (when trained) the encoder head
    /// and the nearest-examples index from `dir`, with the built-in trust priors.
    pub fn load(dir: &Path) -> Result<Analyzer, PipelineError> {
        Self::load_with(dir, Priors::builtin()?)
    }

    /// Like [`Analyzer::load`] with the given trust priors.
    pub fn load_with(dir: &Path, priors: Priors) -> Result<Analyzer, PipelineError> {
        Self::load_parts(dir, priors, true)
    }

    /// Like [`Analyzer::load`] without the encoder head and the nearest-examples
    /// index, for scoring with the linear model only: neither is used there, and
    /// the index is megabytes read at every start.
    pub fn load_linear(dir: &Path) -> Result<Analyzer, PipelineError> {
        Self::load_parts(dir, Priors::builtin()?, false)
    }

    fn load_parts(
        dir: &Path,
        priors: Priors,
        encoder_side: bool,
    ) -> Result<Analyzer, PipelineError> {
        let manifest = Manifest::load(dir)?;
        let linear = linear::load(&dir.join(&manifest.linear.file))?;
        let head = match &manifest.encoder_head {
            Some(h) if encoder_side => Some(head::load_head(&dir.join(&h.file))?),
            _ => None,
        };
        let index = if head.is_some() {
            Some(Index::load(dir)?)
        } else {
            None
        };
        Ok(Analyzer {
            manifest,
            linear,
            head,
            index,
            trust: TrustModel::new(priors),
            pooling: Pooling::default(),
        })
    }

    /// Replaces the trust model (e.g. with `--trust-priors`).
    pub fn set_trust(&mut self, trust: TrustModel) {
        self.trust = trust;
    }

    /// The trust model in use.
    pub fn trust(&self) -> &TrustModel {
        &self.trust
    }

    /// True when an encoder head is loaded (the encoder can add to the score).
    pub fn has_head(&self) -> bool {
        self.head.is_some()
    }

    /// The manifest of the loaded models.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// How the windows of a long note make its score (default [`Pooling::MaxWindow`];
    /// other choices are for measuring the alternatives).
    pub fn set_pooling(&mut self, pooling: Pooling) {
        self.pooling = pooling;
    }

    /// Calibrated probabilities of every component from the linear margin of an
    /// analysed note and, when the encoder ran, the head's margin for it.
    fn probabilities_from(
        &self,
        a: &Analysis,
        margin: f32,
        head_margin: Option<f32>,
    ) -> Probabilities {
        let m = &self.manifest;
        let mut p = Probabilities {
            rules: m.rules.calibration.apply(rules_margin(a)),
            linear: m.linear.calibrated.calibration.apply(margin),
            head: None,
            ensemble: None,
        };
        if let (Some(head_margin), Some(info)) = (head_margin, &m.encoder_head) {
            p.head = Some(info.calibrated.calibration.apply(head_margin));
            if let Some(ens) = &m.ensemble {
                let z = ens.weights[0] * margin + ens.weights[1] * head_margin + ens.weights[2];
                p.ensemble = Some(ens.calibrated.calibration.apply(z));
            }
        }
        p
    }

    /// Calibrated rules and linear probabilities of an analysed note, without the
    /// explanation (the fast path for ranking many notes; [`Analyzer::score`]
    /// gives the same `linear` probability with everything else).
    pub fn probabilities(&self, a: &Analysis) -> Probabilities {
        let read = LinearRead::of(&self.linear, a.normalized.original());
        let margin = read
            .margin
            .unwrap_or_else(|| self.linear.margin(&crate::model::features::extract(a)));
        self.probabilities_from(a, margin, None)
    }

    /// Every component with its probability and status: the ensemble drives the
    /// result when it ran, else the linear model; `why` says why the encoder side
    /// did not run.
    fn components(p: &Probabilities, why: Option<&str>) -> Vec<Component> {
        let unavailable = |what: &str| format!("unavailable: {}", why.unwrap_or(what));
        let ran = |x: Option<f32>, used: &str, what: &str| match x {
            Some(_) => used.to_owned(),
            None => unavailable(what),
        };
        let c = |name: &str, ad_probability, status: String| Component {
            name: name.into(),
            ad_probability,
            status,
        };
        let linear = if p.ensemble.is_some() {
            "reported"
        } else {
            "used"
        };
        vec![
            c("rules", Some(p.rules), "reported".into()),
            c("linear", Some(p.linear), linear.into()),
            c(
                "encoder_head",
                p.head,
                ran(p.head, "reported", "no encoder head in the model directory"),
            ),
            c(
                "ensemble",
                p.ensemble,
                ran(p.ensemble, "used", "no ensemble in the model directory"),
            ),
        ]
    }

    /// Scores one note: with an embedding, the encoder head and the ensemble join
    /// in and nearest examples are reported.
    pub fn score(&self, note: &Note, enc: EncoderInput<'_>) -> Score {
        self.score_with(note, enc, Detail::Explained)
    }

    /// Scores one note with the [`Detail`] asked for: [`Detail::Figures`] leaves
    /// the explanation out and gives the same numbers (the margin is summed the
    /// same way on both paths).
    pub fn score_with(&self, note: &Note, enc: EncoderInput<'_>, detail: Detail) -> Score {
        let t0 = Instant::now();
        let a = signals::analyze(&note.text, note.has_link);
        let text_ms = ms(t0);
        let t1 = Instant::now();
        let (encoded, encoder_ms, why) = match enc {
            EncoderInput::Embedding(e, ms) => (Some(e), ms, None),
            EncoderInput::Unavailable(why) => (None, 0.0, Some(why)),
        };
        let lin = &self.manifest.linear.calibrated;
        // A long note's linear margin is its most ad-like window's, and that
        // window is what the explanation shows.
        let read = LinearRead::of(&self.linear, &note.text);
        let ex = match (detail, read.top) {
            (Detail::Explained, None) => explain::explain(&a, &self.linear, lin.calibration),
            (Detail::Explained, Some(i)) => {
                let r = &read.windows[i].0;
                let part = slices(&note.text, std::slice::from_ref(r))[0];
                let part = signals::analyze(part, false);
                explain::explain(&part, &self.linear, lin.calibration)
                    .shifted(r.start)
                    .discounted(read.discount, lin.calibration)
            }
            (Detail::Figures, _) => explain::Explained {
                margin: read
                    .margin
                    .unwrap_or_else(|| self.linear.margin(&crate::model::features::extract(&a))),
                contributions: Vec::new(),
                sentences: Vec::new(),
            },
        };
        let side = match (encoded, &self.head, &self.manifest.ensemble) {
            (Some(e), Some(head), Some(ensemble)) => Some(
                WindowModels {
                    linear: &self.linear,
                    head,
                    ensemble,
                }
                .encoder_side(&note.text, e, self.pooling),
            ),
            _ => None,
        };
        let head_margin = side.as_ref().map(|s| s.head_margin);
        let mut probs = self.probabilities_from(&a, ex.margin, head_margin);
        if let (Some(_), Some(w)) = (probs.ensemble, side.as_ref().and_then(|s| s.window_max)) {
            probs.ensemble = Some(w);
        }
        let linear_ms = ms(t1);
        let (p, threshold) = match (probs.ensemble, &self.manifest.ensemble) {
            (Some(p), Some(e)) => (p, e.calibrated.threshold),
            _ => (probs.linear, lin.threshold),
        };
        let similar = match (encoded, &self.index) {
            (Some(e), Some(idx)) if detail == Detail::Explained => {
                Some(explain::similar(idx, &e.pooled()))
            }
            _ => None,
        };
        let segments = match side {
            Some(s) if !s.segments.is_empty() => s.segments,
            // The linear windows, each scored as the note would be with that
            // window's margin.
            _ => (read.windows.iter())
                .map(|(r, m)| {
                    let p = self.probabilities_from(&a, *m, head_margin);
                    Segment {
                        start: r.start,
                        end: r.end,
                        ad_probability: p.ensemble.unwrap_or(p.linear),
                    }
                })
                .collect(),
        };
        let t2 = Instant::now();
        let trust = self.trust.estimate_settled(p, &a.signals, a.settled);
        let trust_ms = ms(t2);
        Score {
            id: note.id.clone(),
            ad_probability: p,
            label: if p >= threshold { "ad" } else { "organic" }.into(),
            threshold,
            has_link: a.settled.has_link,
            signals: a.signals,
            compliance: a.compliance,
            contributions: ex.contributions,
            sentences: ex.sentences,
            segments,
            trust,
            comments: None,
            similar,
            model: ModelInfo {
                version: self.manifest.version.clone(),
                components: Self::components(&probs, why),
                trust_priors: self.trust.id().clone(),
            },
            probabilities: probs,
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
