//! `adlens trust fit`: the trust model's coefficients updated with a brand's own
//! outcomes, the current priors as the prior.
//!
//! Each prior's `low..high` is read as an ~80 % range of a normal distribution
//! centred on `value` (sd = width / 2.563). Each outcome row gives up to five
//! observations, each with the model's prediction of it:
//! - the credibility change when the note got a link or a 广告 label (from a
//!   survey, or from engagement via the log rate ratio converted to *d*):
//!   `credibility_penalty × moderators × (1 − recognition before)`;
//! - the share of its comments that call it out as an ad before the link: its
//!   recognition;
//! - the purchase-intention change from a survey when it got the link:
//!   `purchase_intent_penalty × (1 − recognition before)`;
//! - for a note the brand placed (`commercial`) without a label, whether it was
//!   found out: one trial of `found_out_rate`;
//! - once found out, the engagement change from before: `found_out_penalty`.
//!
//! Each observation is normal around the prediction with variance = its sampling
//! variance + τ², where τ² (one per kind, DerSimonian & Laird 1986) is the spread
//! of real notes around the model: that is the partial pooling — a row's weight is
//! 1 / (v + τ²), so no single note dominates once notes disagree. The posterior is
//! the normal prior times this likelihood, linearised around the estimate
//! (Gauss–Newton to the mode, then the Laplace covariance): exact normal–normal
//! conjugacy for the coefficients that enter linearly, and its local version for
//! the products. Coefficients no row informs are copied from the prior unchanged.
//! Click-through and conversion rates are checked and kept, not fitted: they exist
//! only after the link, so they hold no before/after change to compare.

mod model;
mod report;

use serde::Serialize;

pub use model::FitNote;
pub use report::{CoefficientReport, Compared, FitReport, GroupReport, OutcomeSummary};

use super::priors::{Fitted, Prior, Priors, Source};
use model::{K, KEYS, Obs};

/// z of the 90th percentile: an 80 % range is mean ± 1.2816 sd.
pub const Z80: f64 = 1.281_551_565_5;

/// The result of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// The posterior as a priors file of the same schema.
    #[serde(skip)]
    pub priors: Priors,
    /// What happened, for the report.
    pub report: FitReport,
}

/// Fits the coefficients to `notes` with `prior` as the prior.
pub fn fit(prior: &Priors, notes: &[FitNote]) -> Fit {
    let mu0: Vec<f64> = KEYS
        .iter()
        .map(|k| prior_of(prior, k).value as f64)
        .collect();
    let sd0: Vec<f64> = KEYS
        .iter()
        .map(|k| {
            let p = prior_of(prior, k);
            (p.high - p.low) as f64 / (2.0 * Z80)
        })
        .collect();
    let obs: Vec<Obs> = model::all_observations(notes);
    let free: Vec<bool> = sd0.iter().map(|s| *s > 0.0).collect();
    // τ² is measured around what the data say, as DerSimonian & Laird compute Q at
    // the fixed-effect estimate: a first fit with τ² = 0 and every prior ten times
    // wider. Measured around the final mode instead, a prior that holds the mode
    // away from rows that agree with each other reads their common distance from
    // it as spread between notes, and the rows are then discounted until the prior
    // wins.
    let wide: Vec<f64> = sd0.iter().map(|s| s * 10.0).collect();
    let (fixed_effect, _) = solve(&mu0, &wide, &free, &obs, [0.0; model::KINDS]);
    let tau2 = model::tau2(&obs, &fixed_effect);
    let (theta, cov) = solve(&mu0, &sd0, &free, &obs, tau2);
    let rows = model::rows_informing(&obs, &theta, notes);
    let mut out = prior.clone();
    let mut coefficients = Vec::new();
    for (key, p) in out.entries_mut() {
        let Some(i) = KEYS.iter().position(|k| *k == key) else {
            coefficients.push(CoefficientReport::unchanged(key, p));
            continue;
        };
        let n = if free[i] { rows[i] } else { 0 };
        if n == 0 {
            coefficients.push(CoefficientReport::unchanged(key, p));
            continue;
        }
        let (min, max) = prior.bounds_of(key).unwrap_or((f32::MIN, f32::MAX));
        let sd = cov[i][i].max(0.0).sqrt();
        let before = p.clone();
        let clamp = |x: f64| round4(x.clamp(min as f64, max as f64));
        p.value = clamp(theta[i]);
        p.low = clamp(theta[i] - Z80 * sd).min(p.value);
        p.high = clamp(theta[i] + Z80 * sd).max(p.value);
        p.fitted = Some(Fitted {
            rows: n as u32,
            prior_value: before.value,
            prior_low: before.low,
            prior_high: before.high,
        });
        p.sources.push(Source {
            author: "brand outcomes (adlens trust fit)".into(),
            year: None,
            measured: measured_by(key).into(),
            figure: format!(
                "posterior from {n} rows: {} [{}, {}]",
                p.value, p.low, p.high
            ),
        });
        coefficients.push(CoefficientReport::fitted(key, &before, p, theta[i], sd, n));
    }
    keep_floor_below_ceiling(&mut out);
    // The report shows what was written: the floor after the clamp.
    for c in coefficients.iter_mut() {
        if c.key == "recognition_floor" && c.rows > 0 {
            let f = &out.recognition_floor;
            c.posterior = [f.value, f.low, f.high];
            let w0 = f64::from(c.prior[2] - c.prior[1]);
            if w0 > 0.0 {
                c.width_ratio = f64::from(f.high - f.low) / w0;
            }
        }
    }
    let groups = report::groups(notes, &mu0, &theta, tau2);
    let count = |kind| obs.iter().filter(|o| o.kind == kind).count();
    Fit {
        priors: out,
        report: FitReport {
            rows: notes.len(),
            credibility_rows: count(model::CREDIBILITY),
            comment_rows: count(model::RECOGNITION),
            purchase_rows: count(model::PURCHASE),
            found_out_rows: count(model::FOUND_OUT),
            exposure_rows: count(model::EXPOSURE),
            tau2_credibility: tau2[model::CREDIBILITY],
            tau2_recognition: tau2[model::RECOGNITION],
            tau2_purchase: tau2[model::PURCHASE],
            tau2_exposure: tau2[model::EXPOSURE],
            outcomes: report::outcomes(notes, &mu0, &theta, tau2),
            coefficients,
            groups,
        },
    }
}

/// What the outcome rows measured for coefficient `key`, for its source entry.
fn measured_by(key: &str) -> &'static str {
    match key {
        "purchase_intent_penalty" => "purchase-intention change after a link (survey), per note",
        "found_out_rate" => "whether a commercial note without a label was found out, per note",
        "found_out_penalty" => "engagement change once an unlabelled commercial note was found out",
        _ => {
            "credibility change after a link or 广告 label, and the share of comments \
             calling the note an ad, per note"
        }
    }
}

fn prior_of<'a>(p: &'a Priors, key: &str) -> &'a Prior {
    p.entries()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, p)| p)
        .expect("KEYS are keys of Priors")
}

fn round4(x: f64) -> f32 {
    ((x * 1e4).round() / 1e4) as f32
}

/// The validator needs the recognition floor at or below the ceiling at each end.
fn keep_floor_below_ceiling(p: &mut Priors) {
    let full = p.recognition_undisclosed.clone();
    let floor = &mut p.recognition_floor;
    floor.low = floor.low.min(full.low);
    floor.value = floor.value.min(full.value).max(floor.low);
    floor.high = floor.high.min(full.high).max(floor.value);
}

/// Gauss–Newton from the prior mean to the posterior mode with `tau2` fixed;
/// returns the mode and its covariance.
fn solve(
    mu0: &[f64],
    sd0: &[f64],
    free: &[bool],
    obs: &[Obs],
    tau2: [f64; model::KINDS],
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut theta = mu0.to_vec();
    let mut cov = vec![vec![0.0; K]; K];
    for _ in 0..100 {
        let (next, c) = gauss_newton_step(&theta, mu0, sd0, free, obs, tau2);
        let moved = next
            .iter()
            .zip(&theta)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        theta = next;
        cov = c;
        if moved < 1e-10 {
            break;
        }
    }
    (theta, cov)
}

/// One Gauss–Newton step of the normal prior × normal likelihood, linearised at
/// `theta`; returns the new mode and the posterior covariance.
fn gauss_newton_step(
    theta: &[f64],
    mu0: &[f64],
    sd0: &[f64],
    free: &[bool],
    obs: &[Obs],
    tau2: [f64; model::KINDS],
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut prec = vec![vec![0.0; K]; K];
    let mut rhs = [0.0; K];
    for i in 0..K {
        // A coefficient with a zero-width prior is fixed: a huge precision pins it.
        let p0 = if free[i] {
            1.0 / (sd0[i] * sd0[i])
        } else {
            1e12
        };
        prec[i][i] = p0;
        rhs[i] = p0 * mu0[i];
    }
    for o in obs {
        let (f, grad) = o.predict_with_gradient(theta);
        let w = 1.0 / (o.variance(theta) + tau2[o.kind]);
        // Linearised: y ≈ f + g·(θ' − θ)  ⇒  y − f + g·θ ≈ g·θ'.
        let z = o.y - f + grad.iter().zip(theta).map(|(g, t)| g * t).sum::<f64>();
        for i in 0..K {
            if grad[i] == 0.0 {
                continue;
            }
            rhs[i] += w * grad[i] * z;
            for j in 0..K {
                prec[i][j] += w * grad[i] * grad[j];
            }
        }
    }
    let cov = invert(prec);
    let next = (0..K)
        .map(|i| (0..K).map(|j| cov[i][j] * rhs[j]).sum())
        .collect();
    (next, cov)
}

/// Inverse of a symmetric positive-definite matrix (Gauss–Jordan, partial pivoting).
fn invert(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for c in 0..n {
        let piv = (c..n)
            .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
            .unwrap_or(c);
        a.swap(c, piv);
        inv.swap(c, piv);
        let d = a[c][c];
        for j in 0..n {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = a[r][c];
                if f != 0.0 {
                    for j in 0..n {
                        a[r][j] -= f * a[c][j];
                        inv[r][j] -= f * inv[c][j];
                    }
                }
            }
        }
    }
    inv
}

#[cfg(test)]
mod tests;
