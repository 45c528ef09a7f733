//! The text stages in one call: normalise → segment → signals → compliance. Models
//! and the trust estimate consume an [`Analysis`]; nothing downstream re-reads the
//! raw text or re-derives what is settled here.

use super::{Finding, Signal, SignalKind, clearly_disclosed, compliance, detect, has};
use crate::text::{self, Normalized, Token};

/// Facts about a note settled once, from the caller's word and the signals, and
/// passed on as settled to compliance, the trust estimate and the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settled {
    /// A purchase link is (or will be) attached: the caller said so, or the text
    /// carries a link, share code or pointer to one.
    pub has_link: bool,
    /// The note carries a clear 广告 / 推广 / 赞助 label.
    pub clearly_disclosed: bool,
}

impl Settled {
    /// Settles the facts from the signals and the caller's `has_link`.
    pub fn of(signals: &[Signal], has_link: bool) -> Settled {
        Settled {
            has_link: has_link || has(signals, SignalKind::PurchaseLink),
            clearly_disclosed: clearly_disclosed(signals),
        }
    }
}

/// Everything the text and signal stages know about one note.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The normalised text with its map back to the original.
    pub normalized: Normalized,
    /// Words, in original char offsets.
    pub tokens: Vec<Token>,
    /// Explainable cues, in original char offsets.
    pub signals: Vec<Signal>,
    /// Rule findings derived from the signals.
    pub compliance: Vec<Finding>,
    /// Link and disclosure, settled once.
    pub settled: Settled,
}

/// Runs the text stages over `raw`. `has_link` is the caller's statement that a
/// purchase link is (or will be) attached; a link or share code in the text itself
/// counts too.
pub fn analyze(raw: &str, has_link: bool) -> Analysis {
    let normalized = text::normalize(raw);
    let tokens = text::segment(&normalized);
    let signals = detect(&normalized, &tokens);
    let settled = Settled::of(&signals, has_link);
    let compliance = compliance(&signals, settled);
    Analysis {
        normalized,
        tokens,
        signals,
        compliance,
        settled,
    }
}

/// Builds what the text and signal stages compile once per process — jieba's
/// dictionary (about 0.2 s) on one thread; the entity patterns, the cue lexicon
/// and the brand table on this one — so the first note does not wait for them
/// one after the other. The engine runs it beside its model loading.
pub fn warm_up() {
    std::thread::scope(|s| {
        s.spawn(text::warm_up);
        detect(&text::normalize("预热 #热身[话题]# ¥1 🙂"), &[]);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_code_in_the_text_counts_as_a_link() {
        let a = analyze("好用！复制这段内容打开淘宝 ￥AbC123XyZ￥", false);
        assert!(a.settled.has_link);
        assert!(a.compliance.iter().any(|f| f.code == "link_without_label"));
        let b = analyze("今天天气不错，去公园走了走", false);
        assert!(!b.settled.has_link);
        assert!(analyze("今天天气不错", true).settled.has_link);
    }

    #[test]
    fn a_clear_label_is_settled_once() {
        assert!(
            analyze("#广告 这款面霜很好用", false)
                .settled
                .clearly_disclosed
        );
        assert!(
            !analyze("感谢品牌方邀请，这款面霜很好用", false)
                .settled
                .clearly_disclosed
        );
    }
}
