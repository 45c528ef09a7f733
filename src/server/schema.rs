//! The documented JSON shape of a score, for the OpenAPI document. The handlers
//! serialise the pipeline's plain [`Score`](crate::pipeline::Score) as it is;
//! these types only describe it (the conformance test in `tests/it/server.rs`
//! checks real responses against them, so the two cannot drift apart unnoticed).
#![allow(dead_code)]

use utoipa::ToSchema;

/// A character span of the original text.
#[derive(ToSchema)]
#[schema(as = Span)]
pub struct SpanDoc {
    /// First char (inclusive).
    start: usize,
    /// Last char (exclusive).
    end: usize,
    /// The text of the span.
    text: String,
}

/// How much one feature moved the score, in calibrated log-odds.
#[derive(ToSchema)]
#[schema(as = Contribution)]
pub struct ContributionDoc {
    /// Readable feature name: `词:闭眼入`, `字:链接`, `特征:signal_count:offer` ….
    feature: String,
    /// Effect on the log-odds of "ad" (positive: toward ad).
    contribution: f32,
    /// Where the feature occurs in the note (up to 5 spans).
    spans: Vec<SpanDoc>,
}

/// One sentence with the summed contributions of the features inside it.
#[derive(ToSchema)]
#[schema(as = Sentence)]
pub struct SentenceDoc {
    /// First char (inclusive).
    start: usize,
    /// Last char (exclusive).
    end: usize,
    /// The sentence text.
    text: String,
    /// Summed effect on the log-odds of "ad".
    contribution: f32,
}

/// One window of a long note with its own ad probability.
#[derive(ToSchema)]
#[schema(as = Segment)]
pub struct SegmentDoc {
    /// First char of the window (inclusive).
    start: usize,
    /// Last char of the window (exclusive).
    end: usize,
    /// The calibrated probability of the window: the ensemble's, or the linear
    /// model's when the encoder did not run (a linear window with the encoder
    /// takes the note's head margin).
    ad_probability: f32,
}

/// One model's view of the note.
#[derive(ToSchema)]
#[schema(as = Component)]
pub struct ComponentDoc {
    /// `rules`, `linear`, `encoder_head` or `ensemble`.
    name: String,
    /// Its calibrated probability, when it ran.
    ad_probability: Option<f32>,
    /// `used` (drives the result), `reported` (shown for comparison) or
    /// `unavailable: <reason>`.
    status: String,
}

/// Which model produced the result.
#[derive(ToSchema)]
#[schema(as = ModelInfo)]
pub struct ModelInfoDoc {
    /// Model version from the manifest.
    version: String,
    /// Every component and whether it was used.
    components: Vec<ComponentDoc>,
    /// The trust priors in force.
    trust_priors: PriorsIdDoc,
}

/// Which trust priors are in force.
#[derive(ToSchema)]
#[schema(as = PriorsId)]
pub struct PriorsIdDoc {
    /// `builtin` (data/trust_priors.toml compiled in) or the `--trust-priors` path.
    name: String,
    /// sha256 (hex) of the priors' TOML text.
    sha256: String,
}

/// One rule match in one comment.
#[derive(ToSchema)]
#[schema(as = CommentSpan)]
pub struct CommentSpanDoc {
    /// Index of the comment in the request's `comments`.
    comment: usize,
    /// First char (inclusive).
    start: usize,
    /// Last char (exclusive).
    end: usize,
    /// The matched text.
    text: String,
    /// The rule (`ad_word`, `paid`, `promotion`, `sarcastic_denial`, `denial` …).
    rule: String,
    /// `call_out`, `denial` or `sarcasm`.
    kind: String,
    /// What the rule means, in Chinese.
    explanation: String,
}

/// The request's comments, summarised: how many call the note out as an ad.
#[derive(ToSchema)]
#[schema(as = CommentSummary)]
pub struct CommentSummaryDoc {
    /// Comments given.
    n: usize,
    /// Comments that call the note out as an ad.
    called_out: usize,
    /// `called_out / n`.
    share: f32,
    /// The deciding matches of every comment (call-outs, sarcasm, or the
    /// denials that cancelled a call-out word).
    spans: Vec<CommentSpanDoc>,
}

/// Milliseconds per stage.
#[derive(ToSchema)]
#[schema(as = Timings)]
pub struct TimingsDoc {
    /// Normalise, segment, signals, compliance.
    text_ms: f64,
    /// Features and the linear model.
    linear_ms: f64,
    /// The encoder (0 when it did not run).
    encoder_ms: f64,
    /// The trust-penalty estimate.
    trust_ms: f64,
    /// All of the above.
    total_ms: f64,
}

/// A training note close to the scored one.
#[derive(ToSchema)]
#[schema(as = Example)]
pub struct ExampleDoc {
    /// Id of the training note.
    id: String,
    /// Cosine similarity of the two embeddings.
    similarity: f32,
    /// The first characters of the training note.
    snippet: String,
}

/// The nearest authentic and ad examples, from the encoder.
#[derive(ToSchema)]
#[schema(as = Similar)]
pub struct SimilarDoc {
    /// The 3 nearest organic (authentic) notes.
    organic: Vec<ExampleDoc>,
    /// The 3 nearest ads.
    ads: Vec<ExampleDoc>,
    /// Mean similarity to the nearest ads minus that to the nearest authentic
    /// notes: above 0, the note sits closer to ads.
    authenticity_contrast: f32,
}

/// An estimate with its ~80 % range: `low <= estimate <= high`.
#[derive(ToSchema)]
#[schema(as = Interval)]
pub struct IntervalDoc {
    /// Central estimate.
    estimate: f32,
    /// Lower end.
    low: f32,
    /// Upper end.
    high: f32,
}

/// One reason the trust estimate is what it is.
#[derive(ToSchema)]
#[schema(as = Driver)]
pub struct DriverDoc {
    /// The signal kind or feature (`purchase_link`, `reads_as_ad`, `balance` …).
    driver: String,
    /// How much it moves `credibility_delta.estimate` (d); negative costs trust.
    effect: f32,
}

/// What a purchase link costs the note in reader trust (Cohen's d on perceived
/// credibility; intervals are ~80 % ranges). See docs/trust-penalty.md.
#[derive(ToSchema)]
#[schema(as = TrustEstimate)]
pub struct TrustDoc {
    /// Chance readers recognise the note as an ad as the text stands.
    recognition_now: f32,
    /// The same once a purchase link is attached (1: the label becomes a duty).
    recognition_with_link: f32,
    /// Expected change in perceived credibility (with the link when `has_link`).
    credibility_delta: IntervalDoc,
    /// Expected change in purchase intention (about zero, Liu & Zhao 2025).
    purchase_intent_delta: IntervalDoc,
    /// Credibility lost to the link itself (≥ 0): rank notes by it.
    link_cost: IntervalDoc,
    /// Expected credibility change if the note is commercial, unlabelled, and
    /// found out; 0 when clearly labelled.
    found_out_risk: IntervalDoc,
    /// The note must carry a 广告 label.
    label_required: bool,
    /// Absolute or efficacy claims expose the note to 广告法 Art. 9(3)/17/28.
    legal_exposure: bool,
    /// What moved `credibility_delta`, largest first.
    drivers: Vec<DriverDoc>,
    /// Concrete advice for the creator, in Chinese, most important first.
    advice: Vec<String>,
}

/// The result of scoring one note.
#[derive(ToSchema)]
#[schema(as = Score)]
pub struct ScoreDoc {
    /// Caller's id, echoed back.
    id: Option<String>,
    /// Calibrated probability that the note is an ad (material connection).
    ad_probability: f32,
    /// `"ad"` when `ad_probability >= threshold`, else `"organic"`.
    label: String,
    /// The decision threshold of the model used.
    threshold: f32,
    /// Explainable cues: `kind`, `start`, `end`, `text`, `weight`,
    /// `explanation`, `rule`, `strength`.
    #[schema(value_type = Vec<Object>)]
    signals: Vec<()>,
    /// Rule findings: `code`, `rule`, `severity`, `message`, `evidence`.
    #[schema(value_type = Vec<Object>)]
    compliance: Vec<()>,
    /// Features that moved the score most, toward ad then toward organic.
    contributions: Vec<ContributionDoc>,
    /// Sentences ranked by how much they pushed toward "ad".
    sentences: Vec<SentenceDoc>,
    /// For a note longer than one window: each window's span and probability, to
    /// show where the promotional part is (the encoder's windows of 500 tokens
    /// when it read several, else the linear model's of 500 chars). Empty for a
    /// note of at most 500 chars that fits one encoder window.
    segments: Vec<SegmentDoc>,
    /// Whether a link was given or found in the text.
    has_link: bool,
    /// What a purchase link would cost this note in reader trust.
    trust: TrustDoc,
    /// The request's comments summarised (null when it carried none).
    comments: Option<CommentSummaryDoc>,
    /// Nearest authentic and ad training notes (needs the encoder; null without).
    similar: Option<SimilarDoc>,
    /// The model and its components.
    model: ModelInfoDoc,
    /// Time per stage.
    timings: TimingsDoc,
}
