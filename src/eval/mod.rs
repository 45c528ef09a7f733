//! Evaluation: every model's metrics on a labelled file, per-subtype accuracy, and
//! the report files (HTML, ROC / PR / reliability plots, confident errors).

pub mod comments;
pub mod cues;
pub mod invariance;
pub mod pairs;
pub mod report;
pub mod sources;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::LabeledNote;
use crate::metrics::{self, Metrics};

/// One model's predictions over the evaluated notes.
#[derive(Debug, Clone)]
pub struct Predictions {
    /// Model name: `rules`, `linear`, `encoder_head`, `ensemble`.
    pub name: String,
    /// Calibrated probability of "ad" per note.
    pub p: Vec<f32>,
    /// The model's decision threshold.
    pub threshold: f32,
}

/// Accuracy on one subtype.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubtypeAccuracy {
    /// Notes of this subtype.
    pub n: usize,
    /// Share labelled correctly.
    pub accuracy: f64,
}

/// One model's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelEval {
    /// Model name.
    pub name: String,
    /// Overall metrics.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Accuracy per subtype (empty when the file has no subtypes).
    pub subtypes: BTreeMap<String, SubtypeAccuracy>,
}

/// Evaluates each model's predictions against the gold labels.
pub fn evaluate(notes: &[LabeledNote], preds: &[Predictions]) -> Vec<ModelEval> {
    let y: Vec<bool> = notes.iter().map(|n| n.label.target() > 0.5).collect();
    preds
        .iter()
        .map(|pr| {
            let mut subtypes: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for ((n, &p), &yi) in notes.iter().zip(&pr.p).zip(&y) {
                if let Some(st) = &n.subtype {
                    let e = subtypes.entry(st.clone()).or_default();
                    e.0 += 1;
                    if (p >= pr.threshold) == yi {
                        e.1 += 1;
                    }
                }
            }
            ModelEval {
                name: pr.name.clone(),
                metrics: metrics::compute(&pr.p, &y, pr.threshold),
                subtypes: subtypes
                    .into_iter()
                    .map(|(k, (n, ok))| {
                        (
                            k,
                            SubtypeAccuracy {
                                n,
                                accuracy: ok as f64 / n as f64,
                            },
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The model to headline: the ensemble when present, else the linear model, else
/// the first.
pub fn best(evals: &[ModelEval]) -> Option<&ModelEval> {
    ["ensemble", "linear"]
        .iter()
        .find_map(|name| evals.iter().find(|e| e.name == *name))
        .or(evals.first())
}

/// True when the evaluated notes hold both classes, so that ranking metrics
/// (ROC-AUC, PR-AUC) are defined.
pub fn both_classes(m: &Metrics) -> bool {
    let c = m.confusion;
    c.tp + c.r#fn > 0 && c.fp + c.tn > 0
}

/// Sets `roc_auc` and `pr_auc` to null in a serialised model or summary when the
/// notes hold one class only (they are undefined, not 0.5).
fn null_ranking(v: &mut serde_json::Value) {
    for k in ["roc_auc", "pr_auc"] {
        if let Some(x) = v.get_mut(k) {
            *x = serde_json::Value::Null;
        }
    }
}

/// The one JSON object `adlens eval --json` prints: the best model's figures at the
/// top level, plus every model under `models`. With one class only, ROC-AUC and
/// PR-AUC are null and `note` says why; the other figures stand.
pub fn summary_json(evals: &[ModelEval], skipped: usize) -> serde_json::Value {
    let top = best(evals);
    let mut obj = serde_json::Map::new();
    if let Some(b) = top {
        obj.insert("model".into(), b.name.clone().into());
        let m = &b.metrics;
        for (k, v) in [
            ("accuracy", m.accuracy),
            ("precision", m.precision),
            ("recall", m.recall),
            ("f1", m.f1),
            ("roc_auc", m.roc_auc),
            ("pr_auc", m.pr_auc),
            ("brier", m.brier),
            ("ece", m.ece),
        ] {
            obj.insert(k.into(), v.into());
        }
        obj.insert("n".into(), m.n.into());
    }
    obj.insert("skipped_lines".into(), skipped.into());
    let one_class = top.is_some_and(|b| !both_classes(&b.metrics));
    let models: serde_json::Map<String, serde_json::Value> = evals
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).expect("metrics serialise");
            if one_class {
                null_ranking(&mut v);
            }
            (e.name.clone(), v)
        })
        .collect();
    obj.insert("models".into(), models.into());
    let mut v = serde_json::Value::Object(obj);
    if one_class {
        null_ranking(&mut v);
        v["note"] = "the notes hold one class only: ROC-AUC and PR-AUC are undefined".into();
    }
    v
}

/// A plain-text table of the models side by side, then per-subtype accuracy.
pub fn table(evals: &[ModelEval]) -> String {
    let mut out = String::new();
    out.push_str(&format!("{:<14}", "metric"));
    for e in evals {
        out.push_str(&format!("{:>14}", e.name));
    }
    out.push('\n');
    type Row = (&'static str, fn(&Metrics) -> f64);
    let rows: [Row; 9] = [
        ("accuracy", |m| m.accuracy),
        ("precision", |m| m.precision),
        ("recall", |m| m.recall),
        ("f1", |m| m.f1),
        ("roc_auc", |m| m.roc_auc),
        ("pr_auc", |m| m.pr_auc),
        ("brier", |m| m.brier),
        ("ece", |m| m.ece),
        ("threshold", |m| m.threshold),
    ];
    for (name, f) in rows {
        out.push_str(&format!("{name:<14}"));
        for e in evals {
            let ranking = matches!(name, "roc_auc" | "pr_auc");
            if ranking && !both_classes(&e.metrics) {
                out.push_str(&format!("{:>14}", "–"));
            } else {
                out.push_str(&format!("{:>14.4}", f(&e.metrics)));
            }
        }
        out.push('\n');
    }
    for e in evals {
        let c = e.metrics.confusion;
        out.push_str(&format!(
            "confusion {:<10} tp {} fp {} tn {} fn {}\n",
            e.name, c.tp, c.fp, c.tn, c.r#fn
        ));
    }
    let subtypes: Vec<&String> = evals
        .first()
        .map(|e| e.subtypes.keys().collect())
        .unwrap_or_default();
    if !subtypes.is_empty() {
        out.push_str(&format!("\n{:<22}{:>6}", "subtype accuracy", "n"));
        for e in evals {
            out.push_str(&format!("{:>14}", e.name));
        }
        out.push('\n');
        for st in subtypes {
            let n = evals[0].subtypes[st].n;
            out.push_str(&format!("{st:<22}{n:>6}"));
            for e in evals {
                out.push_str(&format!(
                    "{:>14.3}",
                    e.subtypes.get(st).map_or(0.0, |s| s.accuracy)
                ));
            }
            out.push('\n');
        }
    }
    out
}
