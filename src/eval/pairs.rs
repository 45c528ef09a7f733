//! Counterfactual pairs: a note and its twin that differs only in what makes an
//! ad (commercial content added to an organic note, or removed from an ad). The
//! twin with the commercial content must score higher; the share of pairs where
//! it does is a direct test that the model reads advertising, not a writer.

use std::collections::HashMap;

use serde::Serialize;

use super::Predictions;
use crate::data::{Label, LabeledNote};

/// One model on the pairs present in the evaluated notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairEval {
    /// Model name.
    pub name: String,
    /// Pairs with both sides evaluated and different labels.
    pub pairs: usize,
    /// Share of pairs whose ad side scores higher than its organic side.
    pub ad_side_higher: f64,
    /// Mean probability gap, ad side minus organic side.
    pub mean_gap: f64,
}

/// Finds the pairs (a note with `pair_of` naming another evaluated note of the
/// other label) and measures each model on them; empty when there are none.
pub fn evaluate(notes: &[LabeledNote], preds: &[Predictions]) -> Vec<PairEval> {
    let by_id: HashMap<&str, usize> = notes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.id.as_deref().map(|id| (id, i)))
        .collect();
    let pairs: Vec<(usize, usize)> = notes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let j = *by_id.get(n.pair_of.as_deref()?)?;
            match (n.label, notes[j].label) {
                (Label::Ad, Label::Organic) => Some((i, j)),
                (Label::Organic, Label::Ad) => Some((j, i)),
                _ => None,
            }
        })
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    preds
        .iter()
        .map(|pr| {
            let higher = pairs.iter().filter(|&&(a, o)| pr.p[a] > pr.p[o]).count();
            let gap: f64 = pairs
                .iter()
                .map(|&(a, o)| f64::from(pr.p[a] - pr.p[o]))
                .sum();
            PairEval {
                name: pr.name.clone(),
                pairs: pairs.len(),
                ad_side_higher: higher as f64 / pairs.len() as f64,
                mean_gap: gap / pairs.len() as f64,
            }
        })
        .collect()
}

/// A plain-text line per model.
pub fn table(evals: &[PairEval]) -> String {
    let mut out = String::new();
    for e in evals {
        out.push_str(&format!(
            "pairs {:<13} n {}: ad side higher {:.3}, mean gap {:+.3}\n",
            e.name, e.pairs, e.ad_side_higher, e.mean_gap
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str, label: Label, pair_of: Option<&str>) -> LabeledNote {
        LabeledNote {
            pair_of: pair_of.map(str::to_owned),
            ..LabeledNote::new(Some(id.into()), "x", label)
        }
    }

    #[test]
    fn pairs_are_matched_both_ways_and_measured() {
        let notes = vec![
            note("a", Label::Organic, None),
            note("cf-a", Label::Ad, Some("a")),
            note("b", Label::Ad, None),
            note("cf-b", Label::Organic, Some("b")),
            note("cf-missing", Label::Ad, Some("nope")),
        ];
        let preds = [Predictions {
            name: "linear".into(),
            p: vec![0.2, 0.7, 0.3, 0.4, 0.9],
            threshold: 0.5,
        }];
        let e = evaluate(&notes, &preds);
        assert_eq!(e[0].pairs, 2);
        assert!((e[0].ad_side_higher - 0.5).abs() < 1e-9);
        assert!((e[0].mean_gap - 0.2).abs() < 1e-6);
        assert!(evaluate(&notes[..1], &preds).is_empty());
    }
}
