//! What each outcome row observes, and the trust model's prediction of it as a
//! function of the fitted coefficients (the same formulas as `estimate.rs`).

use super::super::features::Features;
use super::super::outcomes::{OutcomeRow, Period};
use crate::signals;

/// The coefficients the fit updates, in this order: every coefficient of the
/// priors file (one that no row observes stays as it is).
pub(super) const KEYS: [&str; 13] = [
    "recognition_undisclosed",
    "recognition_floor",
    "recognition_overt_cues",
    "recognition_vague_label",
    "credibility_penalty",
    "one_sided_multiplier",
    "two_sided_multiplier",
    "experience_multiplier",
    "disclosure_multiplier",
    "absolute_claim_multiplier",
    "purchase_intent_penalty",
    "found_out_rate",
    "found_out_penalty",
];

/// Number of fitted coefficients.
pub(super) const K: usize = KEYS.len();

/// Observation kinds: a credibility change after the link; a comment call-out
/// share; a purchase-intention change after the link; whether a commercial note
/// without a label was found out (one Bernoulli trial); the engagement change
/// once it was.
pub(super) const CREDIBILITY: usize = 0;
pub(super) const RECOGNITION: usize = 1;
pub(super) const PURCHASE: usize = 2;
pub(super) const FOUND_OUT: usize = 3;
pub(super) const EXPOSURE: usize = 4;
/// Number of observation kinds.
pub(super) const KINDS: usize = 5;

/// Indices of the coefficients with their own formula below.
const PURCHASE_PENALTY: usize = 10;
pub(super) const FOUND_OUT_RATE: usize = 11;
pub(super) const FOUND_OUT_PENALTY: usize = 12;

/// One note of the fit: its features before the link, its ad probability, and
/// what was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FitNote {
    pub(super) features: Features,
    pub(super) p: f64,
    /// A link or 广告 label was added in the "after" period.
    pub(super) treated: bool,
    /// Observed credibility change (d) and its sampling variance.
    pub(super) effect: Option<(f64, f64)>,
    /// Comments that call the note out, and comments, before the link.
    pub(super) callouts: Option<(usize, usize)>,
    /// Observed purchase-intention change (d) and its sampling variance.
    pub(super) purchase: Option<(f64, f64)>,
    /// For a commercial note without a label: whether it was found out.
    pub(super) found_out: Option<bool>,
    /// Observed engagement change (d, variance) once it was found out.
    pub(super) exposure: Option<(f64, f64)>,
    /// Group for the report.
    pub(super) group: String,
}

/// One observation: `y` ≈ prediction(θ), with a sampling variance: `var` for a
/// credibility change; for a call-out share out of `trials` comments, the binomial
/// variance at the predicted share (weights from the observed share would favour
/// notes with few call-outs and bias recognition down).
#[derive(Debug, Clone, Copy)]
pub(super) struct Obs {
    pub kind: usize,
    pub note: usize,
    pub y: f64,
    var: f64,
    trials: f64,
    features: Features,
    p: f64,
}

/// The observed credibility change (d, variance) of a row: from the survey when
/// there is one, else from engagement (see [`engagement_effect`]).
pub fn observed_effect(row: &OutcomeRow) -> Option<(f64, f64)> {
    if let Some(s) = row.survey {
        return Some(survey_effect(s));
    }
    let (b, a) = row.engagement?;
    Some(engagement_effect(b, a))
}

/// A survey's standardised change: d = (after − before) / sd, var = 2/n + d²/4n
/// per arm of n.
fn survey_effect((before, after, sd, n): (f64, f64, f64, f64)) -> (f64, f64) {
    let d = (after - before) / sd;
    (d, 2.0 / n + d * d / (4.0 * n))
}

/// An engagement change as d: the log rate ratio (Haldane's +0.5 on counts;
/// var = 1/k₁ + 1/k₀) times √3/π, the logit-to-d conversion of Chinn (2000).
fn engagement_effect(b: Period, a: Period) -> (f64, f64) {
    let (k0, k1) = (b.events + 0.5, a.events + 0.5);
    let l = (k1 / (a.views + 0.5)).ln() - (k0 / (b.views + 0.5)).ln();
    let c = 3f64.sqrt() / std::f64::consts::PI;
    (l * c, (1.0 / k0 + 1.0 / k1) * c * c)
}

/// A short name of a note's features, for grouping in the report.
fn feature_group(f: &Features) -> String {
    let names: Vec<&str> = f.present().into_iter().map(|(n, _)| n).collect();
    if names.is_empty() {
        "plain".into()
    } else {
        names.join("+")
    }
}

impl FitNote {
    /// A row of the outcomes file, its text analysed for the model's features
    /// (before the link) and its comments classified; `ad_probability` is the
    /// note's calibrated ad probability (the row's own `ad_probability` wins).
    pub fn from_row(row: &OutcomeRow, ad_probability: f32) -> FitNote {
        let a = signals::analyze(&row.text, false);
        let features = Features::of(&a.signals, a.settled.clearly_disclosed);
        let treated = row.has_link || row.labelled;
        let callouts = (!row.comments.is_empty()).then(|| {
            let s = signals::classify_comments(&row.comments);
            (s.called_out, s.n)
        });
        let group = row.group.clone().unwrap_or_else(|| {
            let what = if treated { "link or label" } else { "no link" };
            format!("{} ({what})", feature_group(&features))
        });
        FitNote {
            features,
            p: row
                .ad_probability
                .unwrap_or(f64::from(ad_probability))
                .clamp(0.0, 1.0),
            treated,
            effect: observed_effect(row),
            callouts,
            purchase: row.purchase_survey.map(survey_effect),
            found_out: (row.commercial && !row.labelled).then_some(row.found_out),
            exposure: row
                .exposed
                .zip(row.engagement)
                .map(|(x, (b, _))| engagement_effect(b, x)),
            group,
        }
    }

    /// The observations this note (index `note`) gives the fit. A clearly labelled note's
    /// recognition is 1 by the model and its link costs nothing, so it gives none;
    /// a note without a link or label has no predicted change (a control, shown in
    /// the report only).
    pub(super) fn observations_at(&self, note: usize) -> Vec<Obs> {
        let mut out = Vec::new();
        if self.features.clear {
            return out;
        }
        let obs = |kind, y, var, trials| Obs {
            kind,
            note,
            y,
            var,
            trials,
            features: self.features,
            p: self.p,
        };
        if let (true, Some((d, v))) = (self.treated, self.effect) {
            out.push(obs(CREDIBILITY, d, v, 0.0));
        }
        if let Some((k, n)) = self.callouts {
            out.push(obs(RECOGNITION, k as f64 / n as f64, 0.0, n as f64));
        }
        if let (true, Some((d, v))) = (self.treated, self.purchase) {
            out.push(obs(PURCHASE, d, v, 0.0));
        }
        if let Some(found) = self.found_out {
            out.push(obs(FOUND_OUT, f64::from(u8::from(found)), 0.0, 1.0));
        }
        if let Some((d, v)) = self.exposure {
            out.push(obs(EXPOSURE, d, v, 0.0));
        }
        out
    }
}

/// Every observation of `notes`, each with its note's index.
pub(super) fn all_observations(notes: &[FitNote]) -> Vec<Obs> {
    notes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.observations_at(i))
        .collect()
}

/// Recognition before the link, as `TrustModel::recognition` computes it.
pub(super) fn recognition(t: &[f64], f: &Features, p: f64) -> f64 {
    if f.clear {
        return 1.0;
    }
    let mut r = t[1] + (t[0] - t[1]) * p;
    if f.overt {
        r += (1.0 - r) * t[2];
    }
    if f.vague {
        r = r.max(t[3]);
    }
    r.clamp(0.0, 1.0)
}

/// Credibility change when the note gets a link: penalty × moderators × (1 − r).
pub(super) fn link_change(t: &[f64], f: &Features, p: f64) -> f64 {
    let m = [
        (f.one_sided, t[5]),
        (f.balance, t[6]),
        (f.experience, t[7]),
        (f.clear, t[8]),
        (f.claims, t[9]),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .fold(1.0, |m, (_, x)| m * x);
    t[4] * m * (1.0 - recognition(t, f, p))
}

/// Purchase-intention change when the note gets a link: penalty × (1 − r), as
/// `TrustModel::estimate` computes `purchase_intent_delta` (no moderators).
pub(super) fn purchase_change(t: &[f64], f: &Features, p: f64) -> f64 {
    t[PURCHASE_PENALTY] * (1.0 - recognition(t, f, p))
}

impl Obs {
    /// The sampling variance at coefficients `t`.
    pub fn variance(&self, t: &[f64]) -> f64 {
        if matches!(self.kind, RECOGNITION | FOUND_OUT) {
            let r = self.predict(t).clamp(0.005, 0.995);
            r * (1.0 - r) / self.trials
        } else {
            self.var
        }
    }

    pub fn predict(&self, t: &[f64]) -> f64 {
        match self.kind {
            CREDIBILITY => link_change(t, &self.features, self.p),
            RECOGNITION => recognition(t, &self.features, self.p),
            PURCHASE => purchase_change(t, &self.features, self.p),
            FOUND_OUT => t[FOUND_OUT_RATE],
            _ => t[FOUND_OUT_PENALTY],
        }
    }

    /// The prediction and its gradient (central differences; exact zeros where a
    /// coefficient does not enter).
    pub fn predict_with_gradient(&self, t: &[f64]) -> (f64, [f64; K]) {
        let f = self.predict(t);
        let mut g = [0.0; K];
        let mut x = t.to_vec();
        for i in 0..K {
            let h = 1e-6 * t[i].abs().max(1.0);
            x[i] = t[i] + h;
            let up = self.predict(&x);
            x[i] = t[i] - h;
            let down = self.predict(&x);
            x[i] = t[i];
            let d = (up - down) / (2.0 * h);
            g[i] = if d.abs() < 1e-12 { 0.0 } else { d };
        }
        (f, g)
    }
}

/// τ² per kind (DerSimonian & Laird 1986): the spread of real notes around the
/// model beyond sampling error, from the residuals at `t`. Found-out trials have
/// none: each is one draw of a single rate, with nothing note-specific to spread.
pub(super) fn tau2(obs: &[Obs], t: &[f64]) -> [f64; KINDS] {
    let mut out = [0.0; KINDS];
    for (kind, slot) in out.iter_mut().enumerate() {
        if kind == FOUND_OUT {
            continue;
        }
        let (mut q, mut sw, mut sw2, mut k) = (0.0, 0.0, 0.0, 0usize);
        let mut used = [false; K];
        for o in obs.iter().filter(|o| o.kind == kind) {
            let (f, g) = o.predict_with_gradient(t);
            let w = 1.0 / o.variance(t);
            q += w * (o.y - f).powi(2);
            sw += w;
            sw2 += w * w;
            k += 1;
            for (u, gi) in used.iter_mut().zip(g) {
                *u |= gi != 0.0;
            }
        }
        let p = used.iter().filter(|u| **u).count();
        let c = sw - sw2 / sw.max(f64::MIN_POSITIVE);
        if k > p && c > 0.0 {
            *slot = ((q - (k - p) as f64) / c).max(0.0);
        }
    }
    out
}

/// For each coefficient, how many notes have an observation it moves.
pub(super) fn rows_informing(obs: &[Obs], t: &[f64], notes: &[FitNote]) -> [usize; K] {
    let mut seen = vec![[false; K]; notes.len()];
    for o in obs {
        let (_, g) = o.predict_with_gradient(t);
        for i in 0..K {
            seen[o.note][i] |= g[i] != 0.0;
        }
    }
    let mut out = [0; K];
    for s in &seen {
        for i in 0..K {
            out[i] += usize::from(s[i]);
        }
    }
    out
}
