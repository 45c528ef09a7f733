//! Signals stage: explainable cues, each with a span in the original text, a weight
//! toward "ad" (negative for cues of authentic experience), a Chinese explanation a
//! creator can act on, and the law or platform rule it touches. Compliance findings
//! are derived from the signals.

mod analysis;
mod brands;
mod comments;
mod compliance;
mod detect;
mod lexicon;
mod structure;

use serde::{Deserialize, Serialize};

pub use analysis::{Analysis, Settled, analyze, warm_up};
pub use comments::{
    CommentRuleKind, CommentRulesError, CommentSpan, CommentSummary, CommentVerdict,
    classify_comment, classify_comments,
};
pub use compliance::{Finding, Severity, compliance};
pub use detect::detect;
pub use lexicon::LexiconError;

/// The kinds of cue adlens reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// A sponsorship label: 广告, 合作, 品牌方寄送, 蒲公英, 恰饭 ….
    Disclosure,
    /// A denial of being an ad: 无广, 自费, 不是广告 ….
    AdDenial,
    /// A call to action: 闭眼入, 冲, 链接在评论区, 私我 ….
    CallToAction,
    /// A commercial offer: 券, 到手价, 满减, 限时 ….
    Offer,
    /// A purchase link, share code or pointer to one.
    PurchaseLink,
    /// An absolute term banned in ads by 广告法 Art. 9(3): 最好, 第一, 顶级 ….
    AbsoluteClaim,
    /// A medical or efficacy promise: 根治, 无副作用, 7天见效 ….
    EfficacyClaim,
    /// A selling script: numbered benefit lists, spec or ingredient lists.
    SellingScript,
    /// The same product or brand name repeated again and again.
    BrandRepetition,
    /// First-person, concrete time/place/usage detail (a cue of authenticity).
    Experience,
    /// Drawbacks, trade-offs, cross-brand comparison (a cue of authenticity).
    Balance,
    /// The mechanics real ads use instead of a disclosure: live-sale notices,
    /// giveaway rules, a merchant's own address and hours, contact for a paid
    /// service, brand-campaign hashtags.
    CommercialMechanic,
}

impl SignalKind {
    /// Every kind, in a fixed order (used for feature layout).
    pub const ALL: [SignalKind; 12] = [
        SignalKind::Disclosure,
        SignalKind::AdDenial,
        SignalKind::CallToAction,
        SignalKind::Offer,
        SignalKind::PurchaseLink,
        SignalKind::AbsoluteClaim,
        SignalKind::EfficacyClaim,
        SignalKind::SellingScript,
        SignalKind::BrandRepetition,
        SignalKind::Experience,
        SignalKind::Balance,
        SignalKind::CommercialMechanic,
    ];

    /// The snake_case name used in JSON and features.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Disclosure => "disclosure",
            SignalKind::AdDenial => "ad_denial",
            SignalKind::CallToAction => "call_to_action",
            SignalKind::Offer => "offer",
            SignalKind::PurchaseLink => "purchase_link",
            SignalKind::AbsoluteClaim => "absolute_claim",
            SignalKind::EfficacyClaim => "efficacy_claim",
            SignalKind::SellingScript => "selling_script",
            SignalKind::BrandRepetition => "brand_repetition",
            SignalKind::Experience => "experience",
            SignalKind::Balance => "balance",
            SignalKind::CommercialMechanic => "commercial_mechanic",
        }
    }
}

/// How strong a disclosure is: a proper "广告" label or a vague hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureStrength {
    /// 广告 / 推广 / 赞助: identifies the note as an ad.
    Clear,
    /// 合作 / 恰饭 / 利益相关 / 感谢邀请: hints at a connection without the word 广告.
    Vague,
}

/// One explainable cue found in a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// What kind of cue.
    pub kind: SignalKind,
    /// First char (inclusive), in the original text.
    pub start: usize,
    /// Last char (exclusive), in the original text.
    pub end: usize,
    /// The original text of the span.
    pub text: String,
    /// Weight toward "ad" (negative: toward authentic).
    pub weight: f32,
    /// What this means for the creator, in Chinese.
    pub explanation: String,
    /// The law or platform rule touched, if any.
    pub rule: Option<String>,
    /// For disclosures, how clear the label is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strength: Option<DisclosureStrength>,
}

impl Signal {
    /// A signal of `kind` over chars `start..end` of the original text, with no
    /// explanation, rule or disclosure strength yet (detection fills those in).
    pub fn new(kind: SignalKind, start: usize, end: usize, text: String, weight: f32) -> Signal {
        Signal {
            kind,
            start,
            end,
            text,
            weight,
            explanation: String::new(),
            rule: None,
            strength: None,
        }
    }

    /// A stand-alone signal of `kind` over `text` (as if the note were just that
    /// text), weight 0.5; disclosures are clear. For worked examples, plots and tests.
    pub fn example(kind: SignalKind, text: &str) -> Signal {
        Signal {
            strength: (kind == SignalKind::Disclosure).then_some(DisclosureStrength::Clear),
            ..Signal::new(kind, 0, text.chars().count(), text.to_owned(), 0.5)
        }
    }

    /// The same signal with disclosure strength `strength`.
    pub fn with_strength(self, strength: DisclosureStrength) -> Signal {
        Signal {
            strength: Some(strength),
            ..self
        }
    }
}

/// Names of the rules adlens cites.
pub mod rules {
    /// 广告法 Art. 9(3): no 国家级 / 最高级 / 最佳 and similar absolute terms.
    pub const AD_LAW_9_3: &str = "广告法第九条第三项";
    /// 广告法 Art. 14: ads must be identifiable as ads.
    pub const AD_LAW_14: &str = "广告法第十四条";
    /// 广告法 Art. 17 and 28: no medical/efficacy claims outside medicine ads; no
    /// false or misleading content.
    pub const AD_LAW_17_28: &str = "广告法第十七条、第二十八条";
    /// 互联网广告管理办法 (2023) Art. 9: review content with a purchase link is an ad
    /// and must be labelled 广告.
    pub const INTERNET_AD_9: &str = "互联网广告管理办法第九条";
    /// SAMR guidance (2024) on what makes an internet ad identifiable.
    pub const SAMR_IDENTIFIABILITY: &str = "互联网广告可识别性执法指南";
    /// Xiaohongshu community rules: declare interests (利益相关), no undeclared paid notes.
    pub const XHS_COMMUNITY: &str = "小红书社区规范（利益相关声明）";
}

/// Summary of a note's signals: a quick sum per kind.
pub fn weight_by_kind(signals: &[Signal]) -> [f32; SignalKind::ALL.len()] {
    let mut out = [0.0; SignalKind::ALL.len()];
    for s in signals {
        let i = SignalKind::ALL
            .iter()
            .position(|k| *k == s.kind)
            .unwrap_or_default();
        out[i] += s.weight;
    }
    out
}

/// True when some signal of `kind` is present.
pub fn has(signals: &[Signal], kind: SignalKind) -> bool {
    signals.iter().any(|s| s.kind == kind)
}

/// True when the note carries a clear "广告"-style label.
pub fn clearly_disclosed(signals: &[Signal]) -> bool {
    signals
        .iter()
        .any(|s| s.kind == SignalKind::Disclosure && s.strength == Some(DisclosureStrength::Clear))
}
