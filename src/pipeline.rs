//! The text half of the pipeline in one call: normalise → segment → signals →
//! compliance. Models consume an [`Analysis`]; nothing downstream re-reads the raw
//! text.

use crate::signals::{self, Finding, Signal, SignalKind};
use crate::text::{self, Normalized, Token};

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
    /// True when the caller said a link is attached or the text carries one.
    pub has_link: bool,
}

/// Runs the text stages over `raw`. `has_link` is the caller's statement that a
/// purchase link is (or will be) attached; a link or share code in the text itself
/// counts too.
pub fn analyze(raw: &str, has_link: bool) -> Analysis {
    let normalized = text::normalize(raw);
    let tokens = text::segment(&normalized);
    let signals = signals::detect(&normalized, &tokens);
    let has_link = has_link || signals::has(&signals, SignalKind::PurchaseLink);
    let compliance = signals::compliance(&signals, has_link);
    Analysis {
        normalized,
        tokens,
        signals,
        compliance,
        has_link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_code_in_the_text_counts_as_a_link() {
        let a = analyze("好用！复制这段内容打开淘宝 ￥AbC123XyZ￥", false);
        assert!(a.has_link);
        assert!(a.compliance.iter().any(|f| f.code == "link_without_label"));
        let b = analyze("今天天气不错，去公园走了走", false);
        assert!(!b.has_link);
    }
}
