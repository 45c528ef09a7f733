//! The estimate itself.

use serde::{Deserialize, Serialize};

use super::priors::{Prior, Priors};
use crate::signals::{DisclosureStrength, Signal, SignalKind, clearly_disclosed, has};

/// An estimate with its ~80 % range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interval {
    /// Central estimate.
    pub estimate: f32,
    /// Lower end.
    pub low: f32,
    /// Upper end.
    pub high: f32,
}

/// One reason the penalty is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Driver {
    /// The signal kind or feature (`one_sided_praise`, `balance`, …).
    pub driver: String,
    /// Its effect: for multipliers, the relative change of the penalty (+0.5 =
    /// 50 % larger); for recognition, the probability itself.
    pub effect: f32,
}

/// What a purchase link would cost one note in reader trust.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustEstimate {
    /// Chance readers recognise the note as an ad as it stands.
    pub recognition_now: f32,
    /// The same with a purchase link attached (and the label it makes mandatory).
    pub recognition_with_link: f32,
    /// Expected change in perceived credibility with the link (d; negative = less
    /// trust).
    pub credibility_delta: Interval,
    /// Expected change in purchase intention with the link (d). The meta-analytic
    /// evidence finds no significant effect: expect about zero.
    pub purchase_intent_delta: Interval,
    /// Credibility penalty with the link minus the penalty without it (≥ 0): the
    /// number to rank notes by before attaching links.
    pub link_cost: Interval,
    /// Expected credibility loss if the note is undisclosed commercial content and
    /// gets found out (d; 0 when clearly labelled).
    pub found_out_risk: Interval,
    /// The note must carry a 广告 label (it has or will have a link, or reads as an
    /// ad).
    pub label_required: bool,
    /// Legal exposure from absolute or efficacy claims.
    pub legal_exposure: bool,
    /// What moved the estimate.
    pub drivers: Vec<Driver>,
    /// Concrete advice for the creator, in Chinese.
    pub advice: Vec<String>,
}

/// The trust model with its priors.
#[derive(Debug, Clone)]
pub struct TrustModel {
    priors: Priors,
}

/// Which end of each prior to take.
#[derive(Clone, Copy, PartialEq)]
enum End {
    Low,
    Mid,
    High,
}

fn pick(p: &Prior, end: End) -> f32 {
    match end {
        End::Low => p.low,
        End::Mid => p.value,
        End::High => p.high,
    }
}

impl TrustModel {
    /// A model over validated priors.
    pub fn new(priors: Priors) -> TrustModel {
        TrustModel { priors }
    }

    /// The priors in use.
    pub fn priors(&self) -> &Priors {
        &self.priors
    }

    /// Recognition as the note stands; `end` picks the low/mid/high prior.
    fn recognition(&self, p: f32, m: &Moderators, vague: bool, end: End) -> f32 {
        if m.clear {
            return 1.0;
        }
        let pr = &self.priors;
        let floor = pick(&pr.recognition_floor, end);
        let full = pick(&pr.recognition_undisclosed, end);
        let mut r = floor + (full - floor) * p.clamp(0.0, 1.0);
        if m.overt {
            r += (1.0 - r) * pick(&pr.recognition_overt_cues, end);
        }
        if vague {
            r.max(pick(&pr.recognition_vague_label, end))
        } else {
            r
        }
    }

    /// The multiplier on the penalty from the note's content; `end` High = the
    /// largest penalty.
    fn multiplier(&self, m: &Moderators, end: End) -> f32 {
        let pr = &self.priors;
        let mut x = 1.0;
        if m.one_sided {
            x *= pick(&pr.one_sided_multiplier, end);
        }
        if m.balance {
            x *= pick(&pr.two_sided_multiplier, end);
        }
        if m.experience {
            x *= pick(&pr.experience_multiplier, end);
        }
        if m.clear {
            x *= pick(&pr.disclosure_multiplier, end);
        }
        if m.claims {
            x *= pick(&pr.absolute_claim_multiplier, end);
        }
        x
    }

    /// Estimates the trust cost for a note with calibrated `ad_probability`, its
    /// signals, and whether a link is (or will be) attached.
    pub fn estimate(
        &self,
        ad_probability: f32,
        signals: &[Signal],
        has_link: bool,
    ) -> TrustEstimate {
        let p = if ad_probability.is_finite() {
            ad_probability.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let clear = clearly_disclosed(signals);
        let vague = !clear
            && signals.iter().any(|s| {
                s.kind == SignalKind::Disclosure && s.strength == Some(DisclosureStrength::Vague)
            });
        let m = Moderators::of(signals, clear);
        let pr = &self.priors;

        // Penalty magnitudes: the High end is the worst case (most negative base,
        // largest multiplier); recognition pairs High with High.
        let penalty = |rec: f32, end: End, mult_end: End| {
            rec * pick(&pr.credibility_penalty, end) * self.multiplier(&m, mult_end)
        };
        let rec_now = self.recognition(p, &m, vague, End::Mid);
        let rec_now_low = self.recognition(p, &m, vague, End::Low);
        let rec_now_high = self.recognition(p, &m, vague, End::High);

        // With the link, the label is mandatory and recognition certain.
        let with_mid = penalty(1.0, End::Mid, End::Mid);
        let with_worst = penalty(1.0, End::Low, End::High);
        let with_best = penalty(1.0, End::High, End::Low);
        let credibility_delta = Interval {
            estimate: with_mid,
            low: with_worst,
            high: with_best,
        };
        // link_cost = |penalty with link| - |penalty now| = |penalty with link|·(1 - rec_now).
        let cost = |end: End, mult_end: End, rec: f32| -penalty(1.0, end, mult_end) * (1.0 - rec);
        let link_cost = Interval {
            estimate: cost(End::Mid, End::Mid, rec_now),
            low: cost(End::High, End::Low, rec_now_high),
            high: cost(End::Low, End::High, rec_now_low),
        };
        let pi = &pr.purchase_intent_penalty;
        let purchase_intent_delta = Interval {
            estimate: pi.value,
            low: pi.low,
            high: pi.high,
        };
        let found_out_risk = if clear {
            Interval {
                estimate: 0.0,
                low: 0.0,
                high: 0.0,
            }
        } else {
            let risk = |rate: End, pen: End| {
                p * pick(&pr.found_out_rate, rate) * pick(&pr.found_out_penalty, pen)
            };
            Interval {
                estimate: risk(End::Mid, End::Mid),
                low: risk(End::High, End::Low),
                high: risk(End::Low, End::High),
            }
        };

        let mut drivers = vec![Driver {
            driver: "recognition_now".into(),
            effect: rec_now,
        }];
        if m.overt {
            drivers.push(Driver {
                driver: "overt_commercial_cues".into(),
                effect: pr.recognition_overt_cues.value,
            });
        }
        let mut add = |on: bool, name: &str, prior: &Prior| {
            if on {
                drivers.push(Driver {
                    driver: name.into(),
                    effect: prior.value - 1.0,
                });
            }
        };
        add(m.one_sided, "one_sided_praise", &pr.one_sided_multiplier);
        add(m.balance, "balance", &pr.two_sided_multiplier);
        add(m.experience, "experience", &pr.experience_multiplier);
        add(m.clear, "disclosure", &pr.disclosure_multiplier);
        add(
            m.claims,
            "absolute_or_efficacy_claim",
            &pr.absolute_claim_multiplier,
        );

        let label_required = has_link || p >= 0.5;
        TrustEstimate {
            recognition_now: rec_now,
            recognition_with_link: 1.0,
            credibility_delta,
            purchase_intent_delta,
            link_cost,
            found_out_risk,
            label_required,
            legal_exposure: m.claims,
            drivers,
            advice: advice(signals, &m, clear, vague, label_required),
        }
    }
}

/// Content features that scale the penalty.
struct Moderators {
    overt: bool,
    one_sided: bool,
    balance: bool,
    experience: bool,
    clear: bool,
    claims: bool,
}

impl Moderators {
    fn of(signals: &[Signal], clear: bool) -> Moderators {
        let balance = has(signals, SignalKind::Balance);
        let selling = signals
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    SignalKind::CallToAction
                        | SignalKind::Offer
                        | SignalKind::SellingScript
                        | SignalKind::BrandRepetition
                        | SignalKind::AbsoluteClaim
                        | SignalKind::EfficacyClaim
                )
            })
            .count();
        Moderators {
            overt: has(signals, SignalKind::Offer)
                || has(signals, SignalKind::CallToAction)
                || has(signals, SignalKind::PurchaseLink),
            one_sided: !balance && selling > 0,
            balance,
            experience: has(signals, SignalKind::Experience),
            clear,
            claims: has(signals, SignalKind::AbsoluteClaim)
                || has(signals, SignalKind::EfficacyClaim),
        }
    }
}

fn quoted(signals: &[Signal], kind: SignalKind) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in signals.iter().filter(|s| s.kind == kind) {
        if !seen.contains(&s.text.as_str()) {
            seen.push(&s.text);
        }
    }
    seen.iter()
        .take(4)
        .map(|t| format!("“{t}”"))
        .collect::<Vec<_>>()
        .join("、")
}

fn advice(
    signals: &[Signal],
    m: &Moderators,
    clear: bool,
    vague: bool,
    label_required: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if label_required && !clear {
        out.push(if vague {
            "把“合作/恰饭”这类模糊说法换成明确的“广告”二字：带购买链接的种草内容按广告管理（互联网广告管理办法第九条），模糊标注不算可识别。".to_owned()
        } else {
            "加上明确的“广告”标注：挂了购买链接的体验分享就是广告，必须能被识别（互联网广告管理办法第九条、广告法第十四条）。".to_owned()
        });
    }
    if has(signals, SignalKind::AdDenial) && label_required {
        out.push(format!(
            "删掉{}：有商业合作还写“无广/自费”会被认定为虚假宣传，一旦被识破，信任损失最大。",
            quoted(signals, SignalKind::AdDenial)
        ));
    }
    if has(signals, SignalKind::AbsoluteClaim) {
        out.push(format!(
            "删掉{}等绝对化用语（广告法第九条第三项），换成自己的具体感受。",
            quoted(signals, SignalKind::AbsoluteClaim)
        ));
    }
    if has(signals, SignalKind::EfficacyClaim) {
        out.push(format!(
            "删掉{}这类功效承诺（广告法第十七条、第二十八条），只写自己实际观察到的变化。",
            quoted(signals, SignalKind::EfficacyClaim)
        ));
    }
    if m.one_sided {
        out.push(
            "补充一个真实的缺点或“适合/不适合谁”：两面性的内容能抵消大部分可信度损失。".to_owned(),
        );
    }
    if has(signals, SignalKind::Offer) || has(signals, SignalKind::CallToAction) {
        out.push("删掉领券、限时、“闭眼入/冲”这类话术，读者一看就知道是广告。".to_owned());
    }
    if !m.experience {
        out.push(
            "写清楚自己用了多久、在什么场景用、具体效果如何：具体的亲身细节最可信。".to_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model() -> TrustModel {
        TrustModel::new(Priors::builtin().unwrap())
    }

    fn sig(kind: SignalKind, strength: Option<DisclosureStrength>) -> Signal {
        Signal {
            kind,
            start: 0,
            end: 2,
            text: "示例".into(),
            weight: 0.5,
            explanation: String::new(),
            rule: None,
            strength,
        }
    }

    fn kinds() -> impl Strategy<Value = Vec<Signal>> {
        prop::collection::vec(
            prop_oneof![
                Just(sig(SignalKind::Balance, None)),
                Just(sig(SignalKind::Experience, None)),
                Just(sig(SignalKind::Offer, None)),
                Just(sig(SignalKind::AbsoluteClaim, None)),
                Just(sig(SignalKind::AdDenial, None)),
                Just(sig(SignalKind::Disclosure, Some(DisclosureStrength::Vague))),
                Just(sig(SignalKind::Disclosure, Some(DisclosureStrength::Clear))),
            ],
            0..5,
        )
    }

    proptest! {
        #[test]
        fn intervals_hold_and_recognition_is_monotone(
            p in 0.0f32..=1.0, dp in 0.0f32..=0.5, sigs in kinds(), link: bool
        ) {
            let m = model();
            let e = m.estimate(p, &sigs, link);
            for i in [e.credibility_delta, e.purchase_intent_delta, e.link_cost, e.found_out_risk] {
                prop_assert!(i.low <= i.estimate + 1e-6 && i.estimate <= i.high + 1e-6, "{i:?}");
            }
            prop_assert!(e.link_cost.low >= -1e-6);
            prop_assert!(e.recognition_with_link >= e.recognition_now);
            let more = m.estimate((p + dp).min(1.0), &sigs, link);
            prop_assert!(more.recognition_now >= e.recognition_now - 1e-6);
            prop_assert!(more.link_cost.estimate <= e.link_cost.estimate + 1e-6);
        }
    }

    #[test]
    fn a_clear_label_makes_recognition_certain_and_the_link_free() {
        let e = model().estimate(
            0.2,
            &[sig(SignalKind::Disclosure, Some(DisclosureStrength::Clear))],
            true,
        );
        assert_eq!(e.recognition_now, 1.0);
        assert!(e.link_cost.estimate.abs() < 1e-6);
        assert_eq!(e.found_out_risk.estimate, 0.0);
    }

    #[test]
    fn authentic_notes_pay_more_for_a_link_than_ad_like_ones() {
        let m = model();
        let authentic = m.estimate(0.05, &[], true);
        let adlike = m.estimate(0.95, &[], true);
        assert!(authentic.link_cost.estimate > adlike.link_cost.estimate);
        assert!(authentic.label_required && adlike.label_required);
    }

    #[test]
    fn overt_selling_cues_mean_the_link_adds_less() {
        let m = model();
        let soft = m.estimate(0.8, &[sig(SignalKind::Experience, None)], true);
        let overt = m.estimate(
            0.8,
            &[
                sig(SignalKind::Experience, None),
                sig(SignalKind::Offer, None),
            ],
            true,
        );
        assert!(overt.recognition_now > soft.recognition_now);
        // The offer also makes it one-sided (a larger penalty), yet the link adds
        // less because readers already see the ad.
        assert!(overt.link_cost.estimate < soft.link_cost.estimate);
    }

    #[test]
    fn moderators_move_the_penalty_the_right_way() {
        let m = model();
        let plain = m.estimate(0.5, &[sig(SignalKind::Offer, None)], true);
        let balanced = m.estimate(
            0.5,
            &[sig(SignalKind::Offer, None), sig(SignalKind::Balance, None)],
            true,
        );
        let claims = m.estimate(
            0.5,
            &[
                sig(SignalKind::Offer, None),
                sig(SignalKind::AbsoluteClaim, None),
            ],
            true,
        );
        assert!(balanced.credibility_delta.estimate > plain.credibility_delta.estimate);
        assert!(claims.credibility_delta.estimate < plain.credibility_delta.estimate);
        assert!(claims.legal_exposure);
        assert!(
            claims
                .advice
                .iter()
                .any(|a| a.contains("广告法第九条第三项"))
        );
        assert!(plain.advice.iter().any(|a| a.contains("缺点")));
    }

    #[test]
    fn purchase_intent_is_about_zero() {
        let e = model().estimate(0.5, &[], true);
        assert!(e.purchase_intent_delta.low < 0.0 && e.purchase_intent_delta.high > 0.0);
    }
}
