//! The estimate: recognition, credibility and purchase-intent change, link cost,
//! found-out risk, drivers and advice.

use serde::{Deserialize, Serialize};

use super::TrustError;
use super::advice::advice;
use super::features::Features;
use super::interval::{Interval, round3};
use super::priors::{Prior, Priors, PriorsId};
use crate::signals::{Settled, Signal};

/// Ad probability at or above which an unlabelled note should carry a 广告 label
/// even without a link (it reads as commercial content).
pub const LABEL_THRESHOLD: f32 = 0.5;

/// One reason the estimate is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    /// The signal kind or feature: `purchase_link`, `reads_as_ad`,
    /// `overt_commercial_cues`, `disclosure`, `vague_disclosure`,
    /// `one_sided_praise`, `balance`, `experience`, `absolute_or_efficacy_claim`.
    pub driver: String,
    /// How much this feature moves `credibility_delta.estimate` (d): the estimate
    /// with it minus the estimate without it. Negative = it costs trust.
    pub effect: f32,
}

/// What a purchase link costs one note in reader trust. Effects are standardised
/// (Cohen's d) on perceived credibility; every interval is an ~80 % range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustEstimate {
    /// Chance readers recognise the note as an ad as the text stands.
    pub recognition_now: f32,
    /// The same once a purchase link is attached: 1, since the link makes the 广告
    /// label a legal duty (互联网广告管理办法 Art. 9).
    pub recognition_with_link: f32,
    /// Expected change in perceived credibility (d; negative = less trust): with
    /// the link when `has_link`, else as the note stands.
    pub credibility_delta: Interval,
    /// Expected change in purchase intention (d), same scenario. The meta-analytic
    /// evidence (Liu & Zhao 2025) finds no significant effect: about zero.
    pub purchase_intent_delta: Interval,
    /// Credibility lost to the link itself (≥ 0): the loss with the link minus the
    /// loss without it. The number to rank notes by before attaching links.
    pub link_cost: Interval,
    /// Expected credibility change (d) if the note is commercial, carries no clear
    /// 广告 label, and gets found out (Waltenrath 2024); 0 when clearly labelled.
    /// With a link the note is commercial by law, so the chance is taken as 1.
    pub found_out_risk: Interval,
    /// The note must carry a 广告 label: it has (or will have) a purchase link, or
    /// it reads as an ad without a clear label.
    pub label_required: bool,
    /// Absolute or efficacy claims expose the note to 广告法 Art. 9(3)/17/28.
    pub legal_exposure: bool,
    /// What moved `credibility_delta`, largest first.
    pub drivers: Vec<Driver>,
    /// Concrete advice for the creator, in Chinese, most important first.
    pub advice: Vec<String>,
}

/// The trust model over a set of validated priors.
#[derive(Debug, Clone)]
pub struct TrustModel {
    priors: Priors,
    id: PriorsId,
}

/// Which end of each prior to read; every formula is non-decreasing in each
/// recognition prior, so evaluating it at the same end of all of them gives the
/// range's ends.
#[derive(Clone, Copy)]
enum End {
    Low,
    Mid,
    High,
}

fn at(p: &Prior, end: End) -> f32 {
    match end {
        End::Low => p.low,
        End::Mid => p.value,
        End::High => p.high,
    }
}

fn ends(f: impl Fn(End) -> f32) -> Interval {
    Interval {
        estimate: f(End::Mid),
        low: f(End::Low),
        high: f(End::High),
    }
}

impl TrustModel {
    /// A model over priors (validate them first, as [`Priors::load`] does). Its
    /// identity is `builtin` when they equal the built-in priors, else `custom`
    /// with the sha256 of their TOML serialisation.
    pub fn new(priors: Priors) -> TrustModel {
        let id = match Priors::builtin() {
            Ok(b) if b == priors => PriorsId::builtin(),
            _ => PriorsId {
                name: "custom".into(),
                sha256: crate::data::sha256_hex(priors.to_toml_string().as_bytes()),
            },
        };
        TrustModel { priors, id }
    }

    /// A model over the built-in `data/trust_priors.toml`.
    pub fn builtin() -> Result<TrustModel, TrustError> {
        Ok(TrustModel {
            priors: Priors::builtin()?,
            id: PriorsId::builtin(),
        })
    }

    /// A model over the priors file at `path` (identified by its path and sha256),
    /// or over the built-in priors when `path` is `None`.
    pub fn load(path: Option<&std::path::Path>) -> Result<TrustModel, TrustError> {
        match path {
            None => TrustModel::builtin(),
            Some(p) => {
                let (priors, id) = Priors::load_identified(p)?;
                Ok(TrustModel { priors, id })
            }
        }
    }

    /// Which priors are in force.
    pub fn id(&self) -> &PriorsId {
        &self.id
    }

    /// The priors in use.
    pub fn priors(&self) -> &Priors {
        &self.priors
    }

    /// Chance readers recognise the note as an ad, without a link: rises linearly
    /// from `recognition_floor` to `recognition_undisclosed` with the ad
    /// probability; overt cues convert a share of the rest; a vague label lifts it
    /// to at least `recognition_vague_label`; a clear label makes it certain.
    fn recognition(&self, p: f32, f: &Features) -> Interval {
        if f.clear {
            return Interval::point(1.0);
        }
        let pr = &self.priors;
        ends(|end| {
            let floor = at(&pr.recognition_floor, end);
            let full = at(&pr.recognition_undisclosed, end);
            let mut r = floor + (full - floor) * p;
            if f.overt {
                r += (1.0 - r) * at(&pr.recognition_overt_cues, end);
            }
            if f.vague {
                r = r.max(at(&pr.recognition_vague_label, end));
            }
            r.clamp(0.0, 1.0)
        })
    }

    /// The product of the multipliers that apply to the note.
    fn multiplier(&self, f: &Features) -> Interval {
        let pr = &self.priors;
        [
            (f.one_sided, &pr.one_sided_multiplier),
            (f.balance, &pr.two_sided_multiplier),
            (f.experience, &pr.experience_multiplier),
            (f.clear, &pr.disclosure_multiplier),
            (f.claims, &pr.absolute_claim_multiplier),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .fold(Interval::point(1.0), |m, (_, p)| m.times(Interval::of(p)))
    }

    /// Credibility change: recognition × base penalty × multipliers.
    fn credibility(&self, recognition: Interval, f: &Features) -> Interval {
        recognition
            .times(self.multiplier(f))
            .times(Interval::of(&self.priors.credibility_penalty))
    }

    /// Recognition in the scenario: certain with a link, else as the note stands.
    fn scenario_recognition(&self, p: f32, f: &Features, link: bool) -> Interval {
        if link {
            Interval::point(1.0)
        } else {
            self.recognition(p, f)
        }
    }

    /// Estimates the trust cost for a note with calibrated `ad_probability` (a
    /// non-finite value is read as 0.5, unknown), its signals, and whether a
    /// purchase link is (or will be) attached. A `purchase_link` signal in the
    /// text counts as a link.
    pub fn estimate(
        &self,
        ad_probability: f32,
        signals: &[Signal],
        has_link: bool,
    ) -> TrustEstimate {
        self.estimate_settled(ad_probability, signals, Settled::of(signals, has_link))
    }

    /// [`TrustModel::estimate`] with the link and disclosure facts already settled
    /// by the analysis (the pipeline's path: nothing is re-derived here).
    pub fn estimate_settled(
        &self,
        ad_probability: f32,
        signals: &[Signal],
        settled: Settled,
    ) -> TrustEstimate {
        let p = if ad_probability.is_finite() {
            ad_probability.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let link = settled.has_link;
        let f = Features::of(signals, settled.clearly_disclosed);
        let pr = &self.priors;

        let rec_now = self.recognition(p, &f);
        let rec = self.scenario_recognition(p, &f, link);
        let credibility_delta = self.credibility(rec, &f);
        let purchase_intent_delta = rec.times(Interval::of(&pr.purchase_intent_penalty));
        // Loss with the link (recognition 1) minus loss now (recognition_now).
        let link_cost = Interval::of(&pr.credibility_penalty)
            .neg()
            .times(self.multiplier(&f))
            .times(rec_now.complement());
        let found_out_risk = if f.clear {
            Interval::point(0.0)
        } else {
            Interval::point(if link { 1.0 } else { p })
                .times(Interval::of(&pr.found_out_rate))
                .times(Interval::of(&pr.found_out_penalty))
        };
        let label_required = link || (p >= LABEL_THRESHOLD && !f.clear);

        TrustEstimate {
            recognition_now: round3(rec_now.estimate),
            recognition_with_link: 1.0,
            credibility_delta: credibility_delta.rounded(),
            purchase_intent_delta: purchase_intent_delta.rounded(),
            link_cost: link_cost.rounded(),
            found_out_risk: found_out_risk.rounded(),
            label_required,
            legal_exposure: f.claims,
            drivers: self.drivers(p, &f, link, credibility_delta.estimate, link_cost.estimate),
            advice: advice(signals, &f, label_required),
        }
    }

    /// Leave-one-out effects on the credibility estimate, largest first; the link
    /// itself when there is one, the ad-like reading when there is not.
    fn drivers(&self, p: f32, f: &Features, link: bool, full: f32, cost: f32) -> Vec<Driver> {
        let without = |g: &Features, p: f32| {
            self.credibility(self.scenario_recognition(p, g, link), g)
                .estimate
        };
        let mut effects: Vec<(&str, f32)> = f
            .present()
            .into_iter()
            .map(|(name, g)| (name, full - without(&g, p)))
            .collect();
        if link {
            effects.push(("purchase_link", -cost));
        } else {
            effects.push(("reads_as_ad", full - without(f, 0.0)));
        }
        let mut out: Vec<Driver> = effects
            .into_iter()
            .map(|(name, effect)| Driver {
                driver: name.to_owned(),
                effect: round3(effect),
            })
            .filter(|d| d.effect != 0.0)
            .collect();
        out.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
        out
    }
}

#[cfg(test)]
mod tests;
