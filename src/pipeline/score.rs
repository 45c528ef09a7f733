//! The result of scoring a note: plain types, serialisable as they are. The API's
//! documented JSON schema for them lives with the service (`server::schema`).

use serde::Serialize;

use super::windows::{Encoded, Segment};
use crate::signals::{CommentSummary, Finding, Signal};
use crate::trust::{PriorsId, TrustEstimate};

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// First char (inclusive).
    pub start: usize,
    /// Last char (exclusive).
    pub end: usize,
    /// The text of the span.
    pub text: String,
}

/// How much one feature moved the score, in calibrated log-odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Readable feature name: `词:闭眼入`, `字:链接`, `特征:signal_count:offer` ….
    pub feature: String,
    /// Effect on the log-odds of "ad" (positive: toward ad).
    pub contribution: f32,
    /// Where the feature occurs in the note (up to 5 spans).
    pub spans: Vec<Span>,
}

/// One sentence with the summed contributions of the features inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// Model version from the manifest.
    pub version: String,
    /// Every component and whether it was used.
    pub components: Vec<Component>,
    /// The trust priors in force: `builtin` or the file given with
    /// `--trust-priors`, and the sha256 of its text.
    pub trust_priors: PriorsId,
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Normalise, segment, signals, compliance.
    pub text_ms: f64,
    /// Features and the linear model (with a long note's linear windows).
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
#[derive(Debug, Clone, Serialize)]
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
    pub signals: Vec<Signal>,
    /// Rule findings.
    pub compliance: Vec<Finding>,
    /// Features that moved the score most, toward ad then toward organic (for a
    /// note over 500 chars, those of its most ad-like linear window, with the
    /// length discount).
    pub contributions: Vec<Contribution>,
    /// Sentences ranked by how much they pushed toward "ad" (for a long note,
    /// within its most ad-like linear window).
    pub sentences: Vec<Sentence>,
    /// Whether a link was given or found in the text.
    pub has_link: bool,
    /// What a purchase link would cost this note in reader trust.
    pub trust: TrustEstimate,
    /// The note's comments, when the request carried them: how many call the
    /// note out as an ad, with the matched spans. Null without comments.
    pub comments: Option<CommentSummary>,
    /// For a note longer than one window: each window's char span and its own ad
    /// probability, so a reader sees where the promotional part is (see
    /// [`Segment`]: the encoder's windows when it read several, else the linear
    /// model's for a note over 500 chars). Empty for a note of at most 500 chars
    /// that fits one encoder window.
    pub segments: Vec<Segment>,
    /// Nearest authentic and ad training notes (needs the encoder; null without).
    pub similar: Option<Similar>,
    /// The model and its components.
    pub model: ModelInfo,
    /// Every component's calibrated probability (also in `model.components`).
    #[serde(skip)]
    pub probabilities: Probabilities,
    /// Time per stage.
    pub timings: Timings,
}

impl Score {
    /// Adds the summary of the note's comments (`comments` in the request); an
    /// empty list leaves `comments` null.
    pub fn with_comments(mut self, comments: &[String]) -> Score {
        if !comments.is_empty() {
            self.comments = Some(crate::signals::classify_comments(comments));
        }
        self
    }
}

/// A training note close to the scored one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Id of the training note.
    pub id: String,
    /// Cosine similarity of the two embeddings.
    pub similarity: f32,
    /// The first characters of the training note.
    pub snippet: String,
}

/// The nearest authentic and ad examples, from the encoder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similar {
    /// The 3 nearest organic (authentic) notes.
    pub organic: Vec<Example>,
    /// The 3 nearest ads.
    pub ads: Vec<Example>,
    /// Mean similarity to the nearest ads minus mean similarity to the nearest
    /// authentic notes: above 0, the note sits closer to ads.
    pub authenticity_contrast: f32,
}

/// How much of a [`Score`] to work out. Both give the same probabilities, label,
/// signals, compliance, trust and segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Everything a reader is shown: contributions, sentences, nearest examples
    /// (`adlens check`, the API, the page).
    #[default]
    Explained,
    /// The figures without the explanation (`contributions` and `sentences`
    /// empty, `similar` null): for batch scoring, whose rows carry none of it.
    Figures,
}

/// What the encoder contributed to one score.
#[derive(Debug, Clone, Copy)]
pub enum EncoderInput<'a> {
    /// The note's window embeddings, and the time they took.
    Embedding(&'a Encoded, f64),
    /// No embedding, with the reason (shown in `model.components`).
    Unavailable(&'a str),
}
