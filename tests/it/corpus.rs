//! The labelled corpus in data/notes: well-formed, balanced, honestly split, and not
//! separable by a handful of keywords.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use adlens::data::{self, Label, LabeledNote};
use adlens::metrics::roc_auc;
use adlens::pipeline::{Analyzer, EncoderInput, Note};
use adlens::signals;

const SPLITS: [&str; 3] = ["train", "dev", "test"];
const CATEGORIES: [&str; 12] = [
    "美妆护肤",
    "母婴",
    "数码3C",
    "食品饮料",
    "家居家电",
    "服饰穿搭",
    "旅行酒店",
    "宠物",
    "健身运动",
    "图书教育",
    "餐厅探店",
    "汽车",
];
const AD_SUBTYPES: [&str; 5] = [
    "disclosed_sponsored",
    "undisclosed_soft",
    "claims_no_ad",
    "absolute_terms",
    "affiliate_link",
];
const ORGANIC_SUBTYPES: [&str; 5] = [
    "genuine_positive",
    "genuine_negative",
    "balanced_review",
    "hard_negative",
    "non_review",
];

fn split(name: &str) -> Vec<LabeledNote> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("data/notes/{name}.jsonl"));
    let (notes, errors) = data::read_jsonl(&path).expect("split file readable");
    assert!(errors.is_empty(), "{name}: bad lines {errors:?}");
    notes
}

fn grams(text: &str) -> HashSet<String> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 5 {
        return HashSet::from([chars.iter().collect()]);
    }
    chars.windows(5).map(|w| w.iter().collect()).collect()
}

#[test]
fn every_note_is_well_formed_and_the_splits_are_balanced() {
    let mut ids = HashSet::new();
    let mut texts = HashSet::new();
    let mut total = 0;
    let mut ads = 0;
    let (mut organic, mut hard, mut subtle) = (0, 0, 0);
    for name in SPLITS {
        let notes = split(name);
        assert!(!notes.is_empty(), "{name} is empty");
        let mut labels = HashSet::new();
        let mut cats = HashSet::new();
        for n in &notes {
            let id = n.id.clone().expect("every note has an id");
            assert!(ids.insert(id.clone()), "duplicate id {id}");
            assert!(
                texts.insert(n.text.trim().to_owned()),
                "duplicate text {id}"
            );
            let st = n.subtype.as_deref().expect("subtype");
            let allowed: &[&str] = match n.label {
                Label::Ad => &AD_SUBTYPES,
                Label::Organic => &ORGANIC_SUBTYPES,
                Label::Unsure => panic!("{id}: the written corpus has no unsure notes"),
            };
            assert_eq!(n.source.as_deref(), Some("written"), "{id}: source");
            assert!(
                allowed.contains(&st),
                "{id}: subtype {st} under {:?}",
                n.label
            );
            let cat = n.category.as_deref().expect("category");
            assert!(CATEGORIES.contains(&cat), "{id}: category {cat}");
            assert!(n.has_link.is_some() && n.disclosed.is_some(), "{id}: flags");
            labels.insert(n.label);
            cats.insert(cat.to_owned());
            total += 1;
            match n.label {
                Label::Ad => {
                    ads += 1;
                    if st == "undisclosed_soft" {
                        subtle += 1;
                    }
                }
                Label::Organic => {
                    organic += 1;
                    if st == "hard_negative" {
                        hard += 1;
                    }
                }
                Label::Unsure => unreachable!("rejected above"),
            }
        }
        assert_eq!(labels.len(), 2, "{name} holds both labels");
        assert_eq!(cats.len(), 12, "{name} holds every category");
    }
    assert!(total >= 1500, "{total} notes");
    let ad_share = ads as f64 / total as f64;
    assert!((0.4..=0.6).contains(&ad_share), "ad share {ad_share}");
    assert!(
        hard as f64 >= 0.2 * organic as f64,
        "{hard} hard negatives of {organic}"
    );
    assert!(
        subtle as f64 >= ads as f64 / 3.0 - 1.0,
        "{subtle} subtle ads of {ads}"
    );
}

#[test]
fn no_near_duplicates_across_splits() {
    let sets: Vec<Vec<(String, HashSet<String>)>> = SPLITS
        .iter()
        .map(|s| {
            split(s)
                .into_iter()
                .map(|n| (n.id.unwrap_or_default(), grams(&n.text)))
                .collect()
        })
        .collect();
    for a in 0..3 {
        for b in a + 1..3 {
            for (ia, ga) in &sets[a] {
                for (ib, gb) in &sets[b] {
                    let (small, big) = (ga.len().min(gb.len()), ga.len().max(gb.len()));
                    // Jaccard <= small/big, so skip pairs that cannot reach 0.6.
                    if (small as f64) < 0.6 * big as f64 {
                        continue;
                    }
                    let inter = ga.intersection(gb).count();
                    let jac = inter as f64 / (ga.len() + gb.len() - inter) as f64;
                    assert!(
                        jac < 0.6,
                        "{ia} ({}) and {ib} ({}) Jaccard {jac:.2}",
                        SPLITS[a],
                        SPLITS[b]
                    );
                }
            }
        }
    }
}

/// A classifier that only looks at the 20 single tokens most correlated with the
/// label on train must do clearly worse on test than the trained linear model.
#[test]
fn twenty_keywords_do_not_separate_the_classes() {
    let train = split("train");
    let test = split("test");
    let words = |t: &str| -> HashSet<String> {
        signals::analyze(t, false)
            .tokens
            .into_iter()
            .map(|t| t.word.into())
            .filter(|w: &String| w.chars().any(char::is_alphanumeric))
            .collect()
    };
    let n = train.len() as f64;
    let pos = train.iter().filter(|x| x.label == Label::Ad).count() as f64;
    let mut df: HashMap<String, (f64, f64)> = HashMap::new();
    for x in &train {
        for w in words(&x.text) {
            let e = df.entry(w).or_default();
            e.0 += 1.0;
            if x.label == Label::Ad {
                e.1 += 1.0;
            }
        }
    }
    // Phi coefficient of "token present" with "is ad".
    let mut scored: Vec<(String, f64)> = df
        .into_iter()
        .filter(|(_, (c, _))| *c >= 5.0)
        .map(|(w, (c, a))| {
            let (n11, n10, n01) = (a, c - a, pos - a);
            let n00 = n - n11 - n10 - n01;
            let den = (c * (n - c) * pos * (n - pos)).sqrt().max(1e-9);
            (w, (n11 * n00 - n10 * n01) / den)
        })
        .collect();
    scored.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    let top: Vec<(String, f64)> = scored.into_iter().take(20).collect();
    let y: Vec<bool> = test.iter().map(|x| x.label == Label::Ad).collect();
    let shortcut: Vec<f32> = test
        .iter()
        .map(|x| {
            let ws = words(&x.text);
            top.iter()
                .filter(|(w, _)| ws.contains(w))
                .map(|(_, phi)| phi.signum() as f32)
                .sum()
        })
        .collect();
    let analyzer = Analyzer::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .expect("committed models load");
    let trained: Vec<f32> = test
        .iter()
        .map(|x| {
            let note = Note {
                text: x.text.clone(),
                ..Note::default()
            };
            let s = analyzer.score(&note, EncoderInput::Unavailable("linear only"));
            s.probabilities.linear
        })
        .collect();
    let (auc_short, auc_model) = (roc_auc(&shortcut, &y), roc_auc(&trained, &y));
    eprintln!(
        "top-20 keyword ROC-AUC {auc_short:.3} vs linear {auc_model:.3}; keywords: {:?}",
        top.iter().map(|t| t.0.as_str()).collect::<Vec<_>>()
    );
    assert!(
        auc_model - auc_short >= 0.08,
        "{auc_short:.3} vs {auc_model:.3}"
    );
}
