//! How often each kind of cue fires on each source's ads and organic notes, and
//! how often a note that carries it is an ad (`adlens eval --cues`). It answers
//! what the cues alone can catch on real text and what they would cost in
//! flagged organic notes: a cue on half of the ads and one organic note in
//! twenty cannot carry a recall target at a 3 % false-positive budget, whatever
//! model weighs it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::sources::{share, source_name};
use crate::data::{Label, LabeledNote};
use crate::signals::SignalKind;

/// The kinds that describe advertising itself (a label, a link, an offer, a
/// mechanic), as against claims and writing style.
pub const COMMERCIAL: [SignalKind; 4] = [
    SignalKind::Disclosure,
    SignalKind::PurchaseLink,
    SignalKind::Offer,
    SignalKind::CommercialMechanic,
];

/// One kind of cue on one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CueRow {
    /// The signal kind, or `commercial_any` for any of [`COMMERCIAL`].
    pub cue: String,
    /// Ads with at least one such cue.
    pub ads_with: usize,
    /// Organic notes with at least one such cue.
    pub organic_with: usize,
    /// Share of the source's ads with the cue (null without ads).
    pub ad_share: Option<f64>,
    /// Share of the source's organic notes with the cue (null without organic notes).
    pub organic_share: Option<f64>,
    /// Share of the notes with the cue that are ads (null when it never fires).
    pub ad_rate: Option<f64>,
}

/// Every kind of cue on one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceCues {
    /// Source name; notes without one are `unknown`.
    pub source: String,
    /// Ads of the source.
    pub ads: usize,
    /// Organic notes of the source.
    pub organic: usize,
    /// One row per kind, then `commercial_any`.
    pub rows: Vec<CueRow>,
}

/// Counts, per source, the notes each kind of cue fires on. `kinds[i]` holds the
/// kinds found in `notes[i]` (duplicates allowed); `unsure` notes must already
/// be removed.
pub fn by_source(notes: &[LabeledNote], kinds: &[Vec<SignalKind>]) -> Vec<SourceCues> {
    assert_eq!(notes.len(), kinds.len(), "one list of kinds per note");
    // (ads, organic) per source, and per (source, cue).
    let mut totals: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut hits: BTreeMap<(String, &'static str), (usize, usize)> = BTreeMap::new();
    for (n, found) in notes.iter().zip(kinds) {
        let source = source_name(n);
        let ad = n.label == Label::Ad;
        let t = totals.entry(source.clone()).or_default();
        if ad {
            t.0 += 1
        } else {
            t.1 += 1
        }
        let any = found.iter().any(|k| COMMERCIAL.contains(k));
        let names = SignalKind::ALL
            .iter()
            .filter(|k| found.contains(k))
            .map(|k| k.as_str())
            .chain(any.then_some("commercial_any"));
        for name in names {
            let h = hits.entry((source.clone(), name)).or_default();
            if ad { h.0 += 1 } else { h.1 += 1 }
        }
    }
    let cues = SignalKind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(["commercial_any"]);
    totals
        .into_iter()
        .map(|(source, (ads, organic))| {
            let rows = cues
                .clone()
                .map(|cue| {
                    let (a, o) = hits
                        .get(&(source.clone(), cue))
                        .copied()
                        .unwrap_or_default();
                    CueRow {
                        cue: cue.to_owned(),
                        ads_with: a,
                        organic_with: o,
                        ad_share: share(a, ads),
                        organic_share: share(o, organic),
                        ad_rate: share(a, a + o),
                    }
                })
                .collect();
            SourceCues {
                source,
                ads,
                organic,
                rows,
            }
        })
        .collect()
}

/// A plain-text table: one block per source, one line per cue.
pub fn table(sources: &[SourceCues]) -> String {
    let cell = |x: Option<f64>| {
        x.map_or_else(
            || format!("{:>10}", "–"),
            |v| format!("{:>9.1}%", 100.0 * v),
        )
    };
    let mut out = String::new();
    for s in sources {
        out.push_str(&format!(
            "\ncues on source {} ({} ads, {} organic)\n{:<22}{:>10}{:>10}{:>10}{:>10}{:>10}\n",
            s.source, s.ads, s.organic, "cue", "ads", "of ads", "organic", "of org.", "ad rate"
        ));
        for r in &s.rows {
            out.push_str(&format!(
                "{:<22}{:>10}{}{:>10}{}{}\n",
                r.cue,
                r.ads_with,
                cell(r.ad_share),
                r.organic_with,
                cell(r.organic_share),
                cell(r.ad_rate)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(label: Label, source: &str) -> LabeledNote {
        LabeledNote {
            source: Some(source.into()),
            ..LabeledNote::new(None, "x", label)
        }
    }

    #[test]
    fn counts_notes_not_cues_and_rates_per_source() {
        use SignalKind::*;
        let notes = [
            note(Label::Ad, "real_xhs"),
            note(Label::Ad, "real_xhs"),
            note(Label::Organic, "real_xhs"),
            note(Label::Organic, "real_xhs"),
            note(Label::Organic, "reviews"),
        ];
        let kinds = [
            vec![CommercialMechanic, CommercialMechanic, AbsoluteClaim],
            vec![Experience],
            vec![CommercialMechanic, Offer],
            vec![],
            vec![Offer],
        ];
        let s = by_source(&notes, &kinds);
        assert_eq!(s.len(), 2);
        let real = &s[0];
        assert_eq!(
            (real.source.as_str(), real.ads, real.organic),
            ("real_xhs", 2, 2)
        );
        let row = |cue: &str| real.rows.iter().find(|r| r.cue == cue).unwrap();
        let m = row("commercial_mechanic");
        assert_eq!((m.ads_with, m.organic_with), (1, 1), "a note counts once");
        assert_eq!(
            (m.ad_share, m.organic_share, m.ad_rate),
            (Some(0.5), Some(0.5), Some(0.5))
        );
        let any = row("commercial_any");
        assert_eq!((any.ads_with, any.organic_with), (1, 1));
        assert_eq!(row("disclosure").ad_rate, None, "never fires");
        let reviews = &s[1];
        let offer = reviews.rows.iter().find(|r| r.cue == "offer").unwrap();
        assert_eq!(
            (offer.ad_share, offer.organic_share, offer.ad_rate),
            (None, Some(1.0), Some(0.0))
        );
        let t = table(&s);
        assert!(
            t.contains("cues on source reviews (0 ads, 1 organic)"),
            "{t}"
        );
        assert!(t.contains("commercial_any"));
    }
}
