//! Parameter recovery: outcomes simulated from known coefficients, fitted, and
//! the posteriors checked against the truth.

use super::model::{FOUND_OUT_PENALTY, FOUND_OUT_RATE, link_change, purchase_change, recognition};
use super::*;
use crate::trust::features::Features;

/// splitmix64: small, seeded, good enough for simulation.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

fn prior() -> Priors {
    Priors::builtin().unwrap()
}

fn prior_moments() -> (Vec<f64>, Vec<f64>) {
    let p = prior();
    let mu = KEYS.iter().map(|k| prior_of(&p, k).value as f64).collect();
    let sd = KEYS
        .iter()
        .map(|k| {
            let q = prior_of(&p, k);
            (q.high - q.low) as f64 / (2.0 * Z80)
        })
        .collect();
    (mu, sd)
}

/// A truth drawn from the prior, kept inside each coefficient's allowed range.
fn draw_truth(rng: &mut Rng) -> Vec<f64> {
    let (mu, sd) = prior_moments();
    let p = prior();
    let mut t: Vec<f64> = (0..K)
        .map(|i| {
            let (lo, hi) = p.bounds_of(KEYS[i]).unwrap();
            (mu[i] + sd[i] * rng.normal()).clamp(lo as f64, hi as f64)
        })
        .collect();
    t[1] = t[1].min(t[0]);
    t
}

/// Survey respondents per arm, and the spread of real notes around the model.
const SURVEY_N: f64 = 80.0;
const TAU: f64 = 0.05;

/// `n` notes with random features, simulated from `truth`.
fn simulate(rng: &mut Rng, truth: &[f64], n: usize) -> Vec<FitNote> {
    (0..n)
        .map(|_| {
            let balance = rng.chance(0.3);
            let f = Features {
                clear: false,
                vague: rng.chance(0.1),
                overt: rng.chance(0.3),
                one_sided: !balance && rng.chance(0.5),
                balance,
                experience: rng.chance(0.5),
                claims: rng.chance(0.2),
            };
            let p = rng.uniform();
            let treated = rng.chance(0.8);
            let effect = treated.then(|| {
                let d = link_change(truth, &f, p) + TAU * rng.normal();
                let v = 2.0 / SURVEY_N + d * d / (4.0 * SURVEY_N);
                (d + v.sqrt() * rng.normal(), v)
            });
            let callouts = rng.chance(0.7).then(|| {
                let m = 20 + (rng.uniform() * 40.0) as usize;
                let r = (recognition(truth, &f, p) + 0.02 * rng.normal()).clamp(0.0, 1.0);
                ((0..m).filter(|_| rng.chance(r)).count(), m)
            });
            let purchase = (treated && rng.chance(0.6)).then(|| {
                let d = purchase_change(truth, &f, p) + TAU * rng.normal();
                let v = 2.0 / SURVEY_N + d * d / (4.0 * SURVEY_N);
                (d + v.sqrt() * rng.normal(), v)
            });
            let found_out = rng.chance(0.5).then(|| rng.chance(truth[FOUND_OUT_RATE]));
            let exposure = (found_out == Some(true)).then(|| {
                // Engagement on a few thousand views: var of d about 0.01.
                let v: f64 = 0.01;
                let d = truth[FOUND_OUT_PENALTY] + TAU * rng.normal();
                (d + v.sqrt() * rng.normal(), v)
            });
            FitNote {
                features: f,
                p,
                treated,
                effect,
                callouts,
                purchase,
                found_out,
                exposure,
                group: "sim".into(),
            }
        })
        .collect()
}

/// (covered, checked, mean width ratio, mean |posterior − truth|) over seeds.
fn recovery(n: usize, seeds: u64, truth: Option<&[f64]>) -> (usize, usize, f64, f64) {
    let (mut covered, mut checked, mut width, mut err) = (0, 0, 0.0, 0.0);
    for seed in 0..seeds {
        let mut rng = Rng(seed * 7919 + n as u64);
        let t = truth.map_or_else(|| draw_truth(&mut rng), <[f64]>::to_vec);
        let fit = fit(&prior(), &simulate(&mut rng, &t, n));
        for c in fit.report.coefficients.iter().filter(|c| c.rows > 0) {
            let i = KEYS.iter().position(|k| *k == c.key).unwrap();
            let [value, low, high] = c.posterior.map(f64::from);
            // Rounding to 4 decimals: allow half a unit.
            covered += usize::from(low - 5e-5 <= t[i] && t[i] <= high + 5e-5);
            checked += 1;
            width += c.width_ratio;
            err += (value - t[i]).abs();
        }
    }
    (
        covered,
        checked,
        width / checked as f64,
        err / checked as f64,
    )
}

#[test]
fn zero_rows_give_the_prior_exactly() {
    let p = prior();
    let f = fit(&p, &[]);
    assert_eq!(f.priors, p);
    assert_eq!(f.priors.to_toml_string(), p.to_toml_string());
    // Rows that observe nothing the model predicts (controls without comments)
    // leave it unchanged too.
    let mut rng = Rng(1);
    let mut notes = simulate(&mut rng, &prior_moments().0, 30);
    for n in &mut notes {
        n.treated = false;
        n.callouts = None;
        n.found_out = None;
        n.exposure = None;
    }
    assert_eq!(fit(&p, &notes).priors, p);
}

#[test]
fn the_fitted_file_loads_and_says_what_informed_it() {
    let mut rng = Rng(7);
    let truth = prior_moments().0;
    let f = fit(&prior(), &simulate(&mut rng, &truth, 200));
    let text = f.priors.to_toml_string();
    let back = Priors::from_toml_str(&text).unwrap();
    assert_eq!(back, f.priors);
    let pen = &back.credibility_penalty;
    let fitted = pen.fitted.as_ref().unwrap();
    assert!(fitted.rows > 100 && fitted.prior_value == -0.24);
    assert!(
        pen.sources
            .iter()
            .any(|s| s.author.contains("adlens trust fit"))
    );
    assert!(text.contains("[credibility_penalty.fitted]"));
    for key in [
        "purchase_intent_penalty",
        "found_out_rate",
        "found_out_penalty",
    ] {
        let p = prior_of(&back, key);
        assert!(
            p.fitted.as_ref().is_some_and(|f| f.rows > 10),
            "{key} was not fitted"
        );
        assert!(p.sources.last().unwrap().measured != pen.sources.last().unwrap().measured);
    }
    // Without found-out rows, the found-out figures stay as they were.
    let mut notes = simulate(&mut rng, &truth, 200);
    for n in &mut notes {
        n.found_out = None;
        n.exposure = None;
    }
    let f = fit(&prior(), &notes);
    assert_eq!(f.priors.found_out_rate, prior().found_out_rate);
    assert_eq!(f.priors.found_out_penalty, prior().found_out_penalty);
}

#[test]
fn posteriors_cover_a_truth_drawn_from_the_prior_at_the_stated_rate() {
    for (n, seeds) in [(20, 200), (200, 200), (2000, 60)] {
        let (covered, checked, width, _) = recovery(n, seeds, None);
        let rate = covered as f64 / checked as f64;
        eprintln!(
            "n = {n}: 80 % intervals cover {covered}/{checked} = {rate:.3}, width ratio {width:.3}"
        );
        assert!((0.72..=0.88).contains(&rate), "n = {n}: coverage {rate:.3}");
    }
}

#[test]
fn posteriors_shrink_toward_a_truth_outside_the_prior() {
    // Truth outside several prior ranges: a stronger penalty, a weaker one-sided
    // multiplier, more recognition of undisclosed notes.
    let mut truth = prior_moments().0;
    truth[0] = 0.25;
    truth[4] = -0.6;
    truth[5] = 1.05;
    let mut last = (f64::INFINITY, f64::INFINITY);
    for (n, seeds) in [(20, 60), (200, 60), (2000, 30)] {
        let (covered, checked, width, err) = recovery(n, seeds, Some(&truth));
        let rate = covered as f64 / checked as f64;
        eprintln!(
            "fixed truth, n = {n}: coverage {rate:.3}, width ratio {width:.3}, |error| {err:.4}"
        );
        assert!(
            width < last.0 && err < last.1,
            "n = {n}: width {width}, error {err}"
        );
        last = (width, err);
        if n == 2000 {
            assert!((0.7..=0.9).contains(&rate), "coverage {rate:.3}");
            assert!(width < 0.25 && err < 0.05, "width {width}, error {err}");
        }
    }
}

#[test]
fn the_report_compares_prior_posterior_and_groups() {
    let mut rng = Rng(3);
    let notes = simulate(&mut rng, &prior_moments().0, 50);
    let f = fit(&prior(), &notes);
    assert_eq!(f.report.rows, 50);
    assert_eq!(f.report.coefficients.len(), 13);
    let md = f.report.to_markdown("sim.csv");
    assert!(md.contains("| `credibility_penalty` |") && md.contains("| sim | 50 |"));
    let g = &f.report.groups[0];
    assert!(g.observed_change.is_some() && g.predicted_change_posterior.is_some());
    let o = &f.report.outcomes;
    for c in [
        &o.purchase_intent_change,
        &o.found_out_share,
        &o.change_when_found_out,
    ] {
        assert!(c.rows > 0 && c.observed.is_some() && c.predicted_posterior.is_some());
    }
    assert!(md.contains("| share found out | "), "{md}");
}

#[test]
fn the_report_shows_the_coefficients_as_written() {
    // A truth with the floor above the ceiling (notes that read authentic
    // called out more than ones that read as ads): the floor's posterior comes
    // out above the ceiling and is clamped in the file. The report must show the
    // clamped figures, not the unclamped posterior.
    let mut t = prior_moments().0;
    t[0] = 0.08; // recognition_undisclosed
    t[1] = 0.16; // recognition_floor
    let mut clamped = 0;
    for seed in 0..20u64 {
        let mut rng = Rng(seed * 104_729 + 3);
        let f = fit(&prior(), &simulate(&mut rng, &t, 2000));
        let floor = &f.priors.recognition_floor;
        clamped += usize::from(floor.value == f.priors.recognition_undisclosed.value);
        for c in &f.report.coefficients {
            let p = prior_of(&f.priors, &c.key);
            assert_eq!(
                c.posterior,
                [p.value, p.low, p.high],
                "seed {seed}: {} in the report differs from the file",
                c.key
            );
        }
    }
    assert!(
        clamped > 0,
        "the truth never pushed the floor past the ceiling"
    );
}

#[test]
fn purchase_intent_and_found_out_figures_are_recovered_one_by_one() {
    // Coverage per coefficient, so the pooled coverage above cannot hide one
    // that is off: the purchase penalty (a product with recognition), the
    // found-out rate (Bernoulli trials, normal approximation) and the penalty.
    for key in [
        "purchase_intent_penalty",
        "found_out_rate",
        "found_out_penalty",
    ] {
        let i = KEYS.iter().position(|k| *k == key).unwrap();
        let (mut covered, mut err) = (0, 0.0);
        let seeds = 200u64;
        for seed in 0..seeds {
            let mut rng = Rng(seed * 31 + 11);
            let t = draw_truth(&mut rng);
            let f = fit(&prior(), &simulate(&mut rng, &t, 300));
            let c = f.report.coefficients.iter().find(|c| c.key == key).unwrap();
            let [value, low, high] = c.posterior.map(f64::from);
            covered += usize::from(low - 5e-5 <= t[i] && t[i] <= high + 5e-5);
            err += (value - t[i]).abs();
        }
        let rate = covered as f64 / seeds as f64;
        eprintln!(
            "{key}: coverage {rate:.3}, mean |error| {:.4}",
            err / seeds as f64
        );
        assert!((0.7..=0.9).contains(&rate), "{key}: coverage {rate:.3}");
    }
}
