use super::*;
use crate::signals::{DisclosureStrength, SignalKind, has};
use proptest::prelude::*;

fn model() -> TrustModel {
    TrustModel::builtin().unwrap()
}

fn sig(kind: SignalKind) -> Signal {
    Signal {
        strength: None,
        ..Signal::example(kind, "示例")
    }
}

fn label(strength: DisclosureStrength) -> Signal {
    Signal::example(SignalKind::Disclosure, "示例").with_strength(strength)
}

fn any_signal() -> impl Strategy<Value = Signal> {
    prop_oneof![
        Just(sig(SignalKind::Balance)),
        Just(sig(SignalKind::Experience)),
        Just(sig(SignalKind::Offer)),
        Just(sig(SignalKind::CallToAction)),
        Just(sig(SignalKind::SellingScript)),
        Just(sig(SignalKind::BrandRepetition)),
        Just(sig(SignalKind::AbsoluteClaim)),
        Just(sig(SignalKind::EfficacyClaim)),
        Just(sig(SignalKind::AdDenial)),
        Just(sig(SignalKind::PurchaseLink)),
        Just(label(DisclosureStrength::Vague)),
        Just(label(DisclosureStrength::Clear)),
    ]
}

fn ordered(i: Interval) -> bool {
    i.low <= i.estimate && i.estimate <= i.high
}

proptest! {
    #[test]
    fn every_interval_contains_its_estimate(
        p in 0.0f32..=1.0, sigs in prop::collection::vec(any_signal(), 0..6), link: bool
    ) {
        let e = model().estimate(p, &sigs, link);
        for i in [e.credibility_delta, e.purchase_intent_delta, e.link_cost, e.found_out_risk] {
            prop_assert!(ordered(i), "{i:?}");
        }
        prop_assert!(e.link_cost.low >= 0.0, "{:?}", e.link_cost);
        prop_assert!(e.credibility_delta.high <= 0.0);
        prop_assert!(e.purchase_intent_delta.low <= 0.0 && e.purchase_intent_delta.high >= 0.0);
        prop_assert!((0.0..=1.0).contains(&e.recognition_now));
    }

    #[test]
    fn more_ad_like_never_lowers_recognition_nor_raises_link_cost(
        p in 0.0f32..=1.0, dp in 0.0f32..=1.0,
        sigs in prop::collection::vec(any_signal(), 0..6), link: bool
    ) {
        let m = model();
        let (a, b) = (m.estimate(p, &sigs, link), m.estimate((p + dp).min(1.0), &sigs, link));
        prop_assert!(b.recognition_now >= a.recognition_now);
        prop_assert!(b.link_cost.estimate <= a.link_cost.estimate);
    }

    #[test]
    fn a_link_never_lowers_recognition_and_costs_the_difference(
        p in 0.0f32..=1.0, sigs in prop::collection::vec(any_signal(), 0..6)
    ) {
        let m = model();
        let (without, with) = (m.estimate(p, &sigs, false), m.estimate(p, &sigs, true));
        prop_assert!(with.recognition_with_link >= with.recognition_now);
        prop_assert_eq!(with.recognition_now, without.recognition_now);
        prop_assert!(with.credibility_delta.estimate <= without.credibility_delta.estimate);
        prop_assert!(with.label_required);
        if !has(&sigs, SignalKind::PurchaseLink) {
            let diff = without.credibility_delta.estimate - with.credibility_delta.estimate;
            prop_assert!((diff - with.link_cost.estimate).abs() <= 0.0015, "{diff} vs {:?}", with.link_cost);
        }
    }
}

#[test]
fn a_clear_label_makes_recognition_certain_and_the_link_free() {
    let e = model().estimate(0.2, &[label(DisclosureStrength::Clear)], true);
    assert_eq!(e.recognition_now, 1.0);
    assert_eq!(e.link_cost, Interval::point(0.0));
    assert_eq!(e.found_out_risk, Interval::point(0.0));
}

#[test]
fn a_vague_label_raises_recognition_part_way() {
    let m = model();
    let none = m.estimate(0.6, &[], false).recognition_now;
    let vague = m.estimate(0.6, &[label(DisclosureStrength::Vague)], false);
    assert!(none < vague.recognition_now && vague.recognition_now < 1.0);
    assert!(
        vague.label_required && vague.advice[0].contains("模糊"),
        "{:?}",
        vague.advice
    );
}

#[test]
fn authentic_notes_pay_more_for_a_link_than_ad_like_ones() {
    let m = model();
    let authentic = m.estimate(0.05, &[], true);
    let adlike = m.estimate(0.95, &[], true);
    assert!(authentic.link_cost.estimate > adlike.link_cost.estimate);
    // Overt selling cues: readers already see the ad, so the link adds little.
    let overt = m.estimate(
        0.95,
        &[sig(SignalKind::Offer), sig(SignalKind::CallToAction)],
        true,
    );
    let soft = m.estimate(0.95, &[sig(SignalKind::SellingScript)], true);
    assert!(overt.recognition_now > soft.recognition_now);
    assert!(overt.link_cost.estimate < soft.link_cost.estimate);
}

#[test]
fn label_required_follows_the_link_and_the_reading() {
    let m = model();
    assert!(m.estimate(0.05, &[], true).label_required);
    assert!(
        m.estimate(0.05, &[sig(SignalKind::PurchaseLink)], false)
            .label_required
    );
    assert!(m.estimate(0.9, &[], false).label_required);
    assert!(
        m.estimate(0.9, &[label(DisclosureStrength::Vague)], false)
            .label_required
    );
    assert!(
        !m.estimate(0.9, &[label(DisclosureStrength::Clear)], false)
            .label_required
    );
    assert!(!m.estimate(0.1, &[], false).label_required);
}

#[test]
fn moderators_move_the_penalty_the_right_way() {
    let m = model();
    let plain = m.estimate(0.5, &[sig(SignalKind::Offer)], true);
    let balanced = m.estimate(
        0.5,
        &[sig(SignalKind::Offer), sig(SignalKind::Balance)],
        true,
    );
    let claims = m.estimate(
        0.5,
        &[sig(SignalKind::Offer), sig(SignalKind::AbsoluteClaim)],
        true,
    );
    let neutral = m.estimate(0.5, &[], true);
    assert!(balanced.credibility_delta.estimate > plain.credibility_delta.estimate);
    assert!(claims.credibility_delta.estimate < plain.credibility_delta.estimate);
    assert!(plain.credibility_delta.estimate < neutral.credibility_delta.estimate);
    assert!(claims.legal_exposure && !plain.legal_exposure);
}

#[test]
fn drivers_explain_the_delta_largest_first() {
    let e = model().estimate(
        0.3,
        &[
            sig(SignalKind::SellingScript),
            sig(SignalKind::AbsoluteClaim),
        ],
        true,
    );
    let names: Vec<&str> = e.drivers.iter().map(|d| d.driver.as_str()).collect();
    assert!(names.contains(&"purchase_link"), "{names:?}");
    assert!(names.contains(&"one_sided_praise") && names.contains(&"absolute_or_efficacy_claim"));
    assert!(e.drivers.iter().all(|d| d.effect < 0.0), "{:?}", e.drivers);
    assert!(
        e.drivers
            .windows(2)
            .all(|w| w[0].effect.abs() >= w[1].effect.abs())
    );

    let e = model().estimate(0.8, &[sig(SignalKind::Balance)], false);
    let balance = e.drivers.iter().find(|d| d.driver == "balance").unwrap();
    assert!(balance.effect > 0.0);
    assert!(
        e.drivers
            .iter()
            .any(|d| d.driver == "reads_as_ad" && d.effect < 0.0)
    );
}

#[test]
fn undisclosed_notes_carry_a_found_out_risk_that_grows_with_the_link() {
    let m = model();
    let low = m.estimate(0.1, &[], false).found_out_risk;
    let high = m.estimate(0.9, &[], false).found_out_risk;
    let linked = m.estimate(0.1, &[], true).found_out_risk;
    assert!(high.estimate < low.estimate && low.estimate < 0.0);
    assert!(linked.estimate <= high.estimate);
}

#[test]
fn purchase_intent_is_about_zero() {
    let e = model().estimate(0.5, &[], true);
    assert!(e.purchase_intent_delta.low < 0.0 && e.purchase_intent_delta.high > 0.0);
    assert_eq!(e.purchase_intent_delta.estimate, 0.0);
}

#[test]
fn a_non_finite_probability_is_read_as_unknown() {
    let m = model();
    assert_eq!(
        m.estimate(f32::NAN, &[], false),
        m.estimate(0.5, &[], false)
    );
    assert_eq!(m.estimate(7.0, &[], false), m.estimate(1.0, &[], false));
}

#[test]
fn the_estimate_round_trips_through_json_and_has_a_schema() {
    let e = model().estimate(0.7, &[sig(SignalKind::Offer)], true);
    let json = serde_json::to_string(&e).unwrap();
    for key in [
        "recognition_now",
        "credibility_delta",
        "link_cost",
        "found_out_risk",
        "drivers",
    ] {
        assert!(json.contains(key), "{key}");
    }
    assert_eq!(serde_json::from_str::<TrustEstimate>(&json).unwrap(), e);
}
