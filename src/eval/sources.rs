//! Every metric per source (`written`, `real_xhs`, `reviews`, …) as well as
//! pooled: a model that only holds on the team's own writing shows up here.
//! Metrics a source cannot define (ROC-AUC on a file of organic reviews only)
//! are `null`, not a made-up 0.5.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Predictions;
use crate::data::{Label, LabeledNote};
use crate::metrics;

/// One model on one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceModel {
    /// Model name.
    pub name: String,
    /// ROC-AUC (null with one class).
    pub roc_auc: Option<f64>,
    /// PR-AUC (null with one class).
    pub pr_auc: Option<f64>,
    /// F1 at the model's threshold (null without ads).
    pub f1: Option<f64>,
    /// Share of ads called ads (null without ads).
    pub recall: Option<f64>,
    /// Share of ads with recorded commercial mechanics called ads (null when no ad
    /// of this source has mechanics recorded).
    pub mechanics_recall: Option<f64>,
    /// Share of organic notes called ads (null without organic notes).
    pub flagged_organic: Option<f64>,
    /// Share labelled correctly.
    pub accuracy: f64,
    /// Expected calibration error.
    pub ece: f64,
}

/// Every model on one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceEval {
    /// Source name; notes without one are `unknown`.
    pub source: String,
    /// Notes evaluated.
    pub n: usize,
    /// Ads among them.
    pub ads: usize,
    /// Organic notes among them.
    pub organic: usize,
    /// Ads with commercial mechanics recorded.
    pub ads_with_mechanics: usize,
    /// One entry per model.
    pub models: Vec<SourceModel>,
}

/// `hit` out of `of`, or `None` when there is nothing to take a share of.
pub(super) fn share(hit: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| hit as f64 / of as f64)
}

/// The source a note is grouped under in every per-source table: its own, or
/// `unknown`.
pub(super) fn source_name(n: &LabeledNote) -> String {
    n.source.clone().unwrap_or_else(|| "unknown".into())
}

/// Evaluates each model on each source's notes. `unsure` notes must already be
/// removed (see [`crate::data::without_unsure`]).
pub fn by_source(notes: &[LabeledNote], preds: &[Predictions]) -> Vec<SourceEval> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, n) in notes.iter().enumerate() {
        groups.entry(source_name(n)).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|(source, idx)| {
            let y: Vec<bool> = idx.iter().map(|&i| notes[i].label == Label::Ad).collect();
            let ads = y.iter().filter(|b| **b).count();
            let organic = y.len() - ads;
            let mech: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| notes[i].label == Label::Ad && !notes[i].mechanics.is_empty())
                .collect();
            let both = ads > 0 && organic > 0;
            let models = preds
                .iter()
                .map(|pr| {
                    let p: Vec<f32> = idx.iter().map(|&i| pr.p[i]).collect();
                    let m = metrics::compute(&p, &y, pr.threshold);
                    let c = m.confusion;
                    let caught = mech.iter().filter(|&&i| pr.p[i] >= pr.threshold).count();
                    SourceModel {
                        name: pr.name.clone(),
                        roc_auc: both.then_some(m.roc_auc),
                        pr_auc: both.then_some(m.pr_auc),
                        f1: (ads > 0).then_some(m.f1),
                        recall: share(c.tp, ads),
                        mechanics_recall: share(caught, mech.len()),
                        flagged_organic: share(c.fp, organic),
                        accuracy: m.accuracy,
                        ece: m.ece,
                    }
                })
                .collect();
            SourceEval {
                source,
                n: y.len(),
                ads,
                organic,
                ads_with_mechanics: mech.len(),
                models,
            }
        })
        .collect()
}

/// A plain-text table: one block per source, one column per model.
pub fn table(evals: &[SourceEval]) -> String {
    let mut out = String::new();
    let cell = |x: Option<f64>| x.map_or_else(|| format!("{:>14}", "–"), |v| format!("{v:>14.4}"));
    for s in evals {
        out.push_str(&format!(
            "\nsource {} (n {}, {} ads, {} organic, {} ads with mechanics)\n{:<18}",
            s.source, s.n, s.ads, s.organic, s.ads_with_mechanics, "metric"
        ));
        for m in &s.models {
            out.push_str(&format!("{:>14}", m.name));
        }
        out.push('\n');
        type Row = (&'static str, fn(&SourceModel) -> Option<f64>);
        let rows: [Row; 8] = [
            ("roc_auc", |m| m.roc_auc),
            ("pr_auc", |m| m.pr_auc),
            ("f1", |m| m.f1),
            ("recall", |m| m.recall),
            ("mechanics_recall", |m| m.mechanics_recall),
            ("flagged_organic", |m| m.flagged_organic),
            ("accuracy", |m| Some(m.accuracy)),
            ("ece", |m| Some(m.ece)),
        ];
        for (name, f) in rows {
            out.push_str(&format!("{name:<18}"));
            for m in &s.models {
                out.push_str(&cell(f(m)));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(label: Label, source: &str, mech: bool) -> LabeledNote {
        LabeledNote {
            source: Some(source.into()),
            mechanics: if mech {
                vec!["merchant".into()]
            } else {
                vec![]
            },
            ..LabeledNote::new(None, "x", label)
        }
    }

    #[test]
    fn one_class_sources_report_no_auc_and_mechanics_are_counted() {
        let notes = vec![
            note(Label::Ad, "real_xhs", true),
            note(Label::Ad, "real_xhs", false),
            note(Label::Organic, "real_xhs", false),
            note(Label::Organic, "reviews", false),
            note(Label::Organic, "reviews", false),
        ];
        let preds = [Predictions {
            name: "linear".into(),
            p: vec![0.9, 0.2, 0.6, 0.1, 0.7],
            threshold: 0.5,
        }];
        let e = by_source(&notes, &preds);
        assert_eq!(e.len(), 2);
        let (real, rev) = (&e[0].models[0], &e[1].models[0]);
        assert_eq!(e[0].source, "real_xhs");
        assert_eq!(real.mechanics_recall, Some(1.0));
        assert_eq!(real.recall, Some(0.5));
        assert_eq!(real.flagged_organic, Some(1.0));
        assert!(real.roc_auc.is_some());
        assert_eq!(rev.roc_auc, None);
        assert_eq!(rev.f1, None);
        assert_eq!(rev.flagged_organic, Some(0.5));
        assert!(table(&e).contains("source reviews"));
    }
}
