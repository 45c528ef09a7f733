//! The fit's report: prior vs posterior per coefficient, and predicted vs observed
//! outcomes per note group, as JSON and as Markdown.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::priors::Prior;
use super::model::{
    EXPOSURE, FOUND_OUT_PENALTY, FOUND_OUT_RATE, FitNote, KINDS, PURCHASE, link_change,
    purchase_change, recognition,
};

/// One coefficient before and after the fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoefficientReport {
    /// The key in the priors file.
    pub key: String,
    /// Rows that informed it (0: the prior is kept unchanged).
    pub rows: usize,
    /// Prior value, low, high.
    pub prior: [f32; 3],
    /// Posterior value, low, high as written (rounded, clamped to the allowed range).
    pub posterior: [f32; 3],
    /// Posterior sd before rounding (0 when unchanged).
    pub posterior_sd: f64,
    /// Width of the posterior 80 % range over that of the prior.
    pub width_ratio: f64,
}

fn ends(p: &Prior) -> [f32; 3] {
    [p.value, p.low, p.high]
}

impl CoefficientReport {
    pub(super) fn unchanged(key: &str, p: &Prior) -> CoefficientReport {
        CoefficientReport {
            key: key.into(),
            rows: 0,
            prior: ends(p),
            posterior: ends(p),
            posterior_sd: 0.0,
            width_ratio: 1.0,
        }
    }

    pub(super) fn fitted(
        key: &str,
        before: &Prior,
        after: &Prior,
        _mode: f64,
        sd: f64,
        rows: usize,
    ) -> CoefficientReport {
        let w0 = f64::from(before.high - before.low);
        CoefficientReport {
            key: key.into(),
            rows,
            prior: ends(before),
            posterior: ends(after),
            posterior_sd: sd,
            width_ratio: if w0 > 0.0 {
                f64::from(after.high - after.low) / w0
            } else {
                1.0
            },
        }
    }
}

/// Predicted vs observed outcomes of one group of notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupReport {
    /// The row's `group`, or its features and whether it got a link or label.
    pub group: String,
    /// Notes in the group.
    pub notes: usize,
    /// Notes with a measured credibility change.
    pub credibility_notes: usize,
    /// Their precision-weighted mean observed change (d).
    pub observed_change: Option<f64>,
    /// The mean change the prior predicts (0 for notes without a link or label).
    pub predicted_change_prior: Option<f64>,
    /// The mean change the posterior predicts.
    pub predicted_change_posterior: Option<f64>,
    /// Comments classified, over the group's notes.
    pub comments: usize,
    /// Share of them calling the note an ad.
    pub observed_callout_share: Option<f64>,
    /// Mean recognition before the link under the prior.
    pub predicted_recognition_prior: Option<f64>,
    /// The same under the posterior.
    pub predicted_recognition_posterior: Option<f64>,
}

/// Everything the fit did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    /// Rows read.
    pub rows: usize,
    /// Rows whose credibility change informed the fit.
    pub credibility_rows: usize,
    /// Rows whose comments informed the fit.
    pub comment_rows: usize,
    /// Spread of real notes' credibility changes around the model (d²).
    pub tau2_credibility: f64,
    /// Spread of comment call-out shares around predicted recognition.
    pub tau2_recognition: f64,
    /// Rows whose purchase-intention change informed the fit.
    pub purchase_rows: usize,
    /// Commercial rows without a label, found out or not.
    pub found_out_rows: usize,
    /// Found-out rows with the engagement change after.
    pub exposure_rows: usize,
    /// Spread of purchase-intention changes around the model (d²).
    pub tau2_purchase: f64,
    /// Spread of engagement changes after being found out (d²).
    pub tau2_exposure: f64,
    /// Prior vs posterior, in file order.
    pub coefficients: Vec<CoefficientReport>,
    /// Predicted vs observed, per group.
    pub groups: Vec<GroupReport>,
    /// Predicted vs observed over all rows, for the outcomes outside the groups.
    pub outcomes: OutcomeSummary,
}

/// One outcome over all rows: how many rows, the observed figure, and the model's
/// prediction of it under the prior and the posterior.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    /// Rows that measured it.
    pub rows: usize,
    /// Observed (a precision-weighted mean change, or a share).
    pub observed: Option<f64>,
    /// Predicted under the prior.
    pub predicted_prior: Option<f64>,
    /// Predicted under the posterior.
    pub predicted_posterior: Option<f64>,
}

/// Purchase intention and found-out notes, predicted vs observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeSummary {
    /// Purchase-intention change after the link (d).
    pub purchase_intent_change: Compared,
    /// Share of commercial notes without a label that were found out.
    pub found_out_share: Compared,
    /// Engagement change once found out (d).
    pub change_when_found_out: Compared,
}

/// Precision-weighted mean of (value, variance) pairs with spread `tau2`.
fn weighted(v: &[(f64, f64)], tau2: f64) -> Option<f64> {
    let (sw, swy) = v.iter().fold((0.0, 0.0), |(sw, swy), (y, var)| {
        let w = 1.0 / (var + tau2);
        (sw + w, swy + w * y)
    });
    (sw > 0.0).then(|| swy / sw)
}

/// The three outcomes outside the groups, under the prior `mu0` and posterior `t`.
pub(super) fn outcomes(
    notes: &[FitNote],
    mu0: &[f64],
    t: &[f64],
    tau2: [f64; KINDS],
) -> OutcomeSummary {
    let eligible = |n: &&FitNote| !n.features.clear;
    let bought: Vec<&FitNote> = notes
        .iter()
        .filter(eligible)
        .filter(|n| n.treated && n.purchase.is_some())
        .collect();
    let trials: Vec<bool> = notes
        .iter()
        .filter(eligible)
        .filter_map(|n| n.found_out)
        .collect();
    let exposed: Vec<(f64, f64)> = notes
        .iter()
        .filter(eligible)
        .filter_map(|n| n.exposure)
        .collect();
    let found = trials.iter().filter(|f| **f).count();
    let predicted = |rows: usize, th: &[f64], i: usize| (rows > 0).then(|| th[i]);
    OutcomeSummary {
        purchase_intent_change: Compared {
            rows: bought.len(),
            observed: weighted(
                &bought.iter().filter_map(|n| n.purchase).collect::<Vec<_>>(),
                tau2[PURCHASE],
            ),
            predicted_prior: mean(
                &bought
                    .iter()
                    .map(|n| purchase_change(mu0, &n.features, n.p))
                    .collect::<Vec<_>>(),
            ),
            predicted_posterior: mean(
                &bought
                    .iter()
                    .map(|n| purchase_change(t, &n.features, n.p))
                    .collect::<Vec<_>>(),
            ),
        },
        found_out_share: Compared {
            rows: trials.len(),
            observed: (!trials.is_empty()).then(|| found as f64 / trials.len() as f64),
            predicted_prior: predicted(trials.len(), mu0, FOUND_OUT_RATE),
            predicted_posterior: predicted(trials.len(), t, FOUND_OUT_RATE),
        },
        change_when_found_out: Compared {
            rows: exposed.len(),
            observed: weighted(&exposed, tau2[EXPOSURE]),
            predicted_prior: predicted(exposed.len(), mu0, FOUND_OUT_PENALTY),
            predicted_posterior: predicted(exposed.len(), t, FOUND_OUT_PENALTY),
        },
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Predicted vs observed per group, under the prior `mu0` and the posterior `t`.
pub(super) fn groups(
    notes: &[FitNote],
    mu0: &[f64],
    t: &[f64],
    tau2: [f64; KINDS],
) -> Vec<GroupReport> {
    let mut by: BTreeMap<&str, Vec<&FitNote>> = BTreeMap::new();
    for n in notes {
        by.entry(n.group.as_str()).or_default().push(n);
    }
    by.into_iter()
        .map(|(group, ns)| {
            let change = |th: &[f64], n: &FitNote| {
                if n.treated {
                    link_change(th, &n.features, n.p)
                } else {
                    0.0
                }
            };
            let with_effect: Vec<&&FitNote> = ns.iter().filter(|n| n.effect.is_some()).collect();
            let (mut sw, mut swy) = (0.0, 0.0);
            for n in &with_effect {
                let (y, v) = n.effect.unwrap_or_default();
                let w = 1.0 / (v + tau2[0]);
                sw += w;
                swy += w * y;
            }
            let with_comments: Vec<&&FitNote> =
                ns.iter().filter(|n| n.callouts.is_some()).collect();
            let (k, c) = with_comments
                .iter()
                .filter_map(|n| n.callouts)
                .fold((0, 0), |(a, b), (k, n)| (a + k, b + n));
            let pred = |v: &[&&FitNote], f: &dyn Fn(&FitNote) -> f64| {
                mean(&v.iter().map(|n| f(n)).collect::<Vec<_>>())
            };
            GroupReport {
                group: group.to_owned(),
                notes: ns.len(),
                credibility_notes: with_effect.len(),
                observed_change: (sw > 0.0).then(|| swy / sw),
                predicted_change_prior: pred(&with_effect, &|n| change(mu0, n)),
                predicted_change_posterior: pred(&with_effect, &|n| change(t, n)),
                comments: c,
                observed_callout_share: (c > 0).then(|| k as f64 / c as f64),
                predicted_recognition_prior: pred(&with_comments, &|n| {
                    recognition(mu0, &n.features, n.p)
                }),
                predicted_recognition_posterior: pred(&with_comments, &|n| {
                    recognition(t, &n.features, n.p)
                }),
            }
        })
        .collect()
}

fn cell(x: Option<f64>) -> String {
    x.map_or("–".into(), |x| format!("{x:.3}"))
}

impl FitReport {
    /// The report as Markdown: what was fitted, prior vs posterior, and predicted
    /// vs observed per group.
    pub fn to_markdown(&self, source: &str) -> String {
        let mut s = format!(
            "# Trust priors fitted to {source}\n\n\
             {} rows: {} with a measured credibility change after a link or 广告 label, \
             {} with comments, {} with a purchase-intention change, {} placed by the brand \
             without a label ({} with the engagement change once found out). Spread of real \
             notes around the model (τ², DerSimonian & Laird): credibility {:.4} d², comment \
             share {:.4}, purchase intention {:.4} d², once found out {:.4} d².\n\n\
             Each interval is an ~80 % range. `rows` counts the rows that informed the \
             coefficient; 0 means no row did and the prior is kept unchanged. `width` is \
             the posterior range's width over the prior's: below 1, the data narrowed it.\n\n\
             ## Prior vs posterior\n\n\
             | coefficient | rows | prior | posterior | width |\n|---|---|---|---|---|\n",
            self.rows,
            self.credibility_rows,
            self.comment_rows,
            self.purchase_rows,
            self.found_out_rows,
            self.exposure_rows,
            self.tau2_credibility,
            self.tau2_recognition,
            self.tau2_purchase,
            self.tau2_exposure
        );
        for c in &self.coefficients {
            let iv = |x: [f32; 3]| format!("{} [{}, {}]", x[0], x[1], x[2]);
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {:.2} |\n",
                c.key,
                c.rows,
                iv(c.prior),
                iv(c.posterior),
                c.width_ratio
            ));
        }
        s.push_str(
            "\n## Predicted vs observed, per note group\n\n\
             Credibility change is *d* (negative = less trust), the precision-weighted mean \
             of the group's rows; recognition is the share of comments calling the note an \
             ad before the link, against the model's recognition before the link.\n\n\
             | group | notes | rows with change | observed change | predicted (prior) | \
             predicted (posterior) | comments | observed call-out share | recognition (prior) | \
             recognition (posterior) |\n|---|---|---|---|---|---|---|---|---|---|\n",
        );
        for g in &self.groups {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                g.group.replace('|', "\\|"),
                g.notes,
                g.credibility_notes,
                cell(g.observed_change),
                cell(g.predicted_change_prior),
                cell(g.predicted_change_posterior),
                g.comments,
                cell(g.observed_callout_share),
                cell(g.predicted_recognition_prior),
                cell(g.predicted_recognition_posterior),
            ));
        }
        s.push_str(
            "\n## Purchase intention and found-out notes, over all rows\n\n\
             Purchase-intention change is *d* after the link (survey); found out is the \
             share of the notes the brand placed without a label that were later identified \
             as ads; the change once found out is *d* from engagement before and after.\n\n\
             | outcome | rows | observed | predicted (prior) | predicted (posterior) |\n\
             |---|---|---|---|---|\n",
        );
        let o = &self.outcomes;
        for (name, c) in [
            ("purchase-intention change", &o.purchase_intent_change),
            ("share found out", &o.found_out_share),
            ("change once found out", &o.change_when_found_out),
        ] {
            s.push_str(&format!(
                "| {name} | {} | {} | {} | {} |\n",
                c.rows,
                cell(c.observed),
                cell(c.predicted_prior),
                cell(c.predicted_posterior)
            ));
        }
        s
    }
}
