//! The real and counterfactual data: every split file parses, labels are the
//! allowed ones, real test splits are large enough, sources are tagged, and every
//! twin sits in its original's split with the other label.

use std::collections::HashMap;
use std::path::Path;

use adlens::data::{self, Label, LabeledNote};

fn read(dir: &str, split: &str) -> Vec<LabeledNote> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(dir)
        .join(format!("{split}.jsonl"));
    let (notes, errors) = data::read_jsonl(&path).unwrap();
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    notes
}

#[test]
fn real_notes_and_reviews_are_complete_and_tagged() {
    let mut xhs_total = 0;
    for split in ["train", "dev", "test"] {
        let xhs = read("data/real/xhs", split);
        xhs_total += xhs.len();
        assert!(xhs.iter().all(|n| n.source.as_deref() == Some("real_xhs")));
        assert!(
            xhs.iter().any(|n| n.label == Label::Ad),
            "{split} has real ads"
        );
        assert!(xhs.iter().any(|n| n.label == Label::Unsure));
        for n in xhs.iter().filter(|n| n.label == Label::Ad) {
            assert!(
                !n.mechanics.is_empty(),
                "{:?}: an ad names its mechanics",
                n.id
            );
        }
        let reviews = read("data/real/reviews", split);
        assert!(reviews.iter().all(|n| n.label == Label::Organic));
        assert!(
            reviews
                .iter()
                .all(|n| n.source.as_deref() == Some("reviews"))
        );
    }
    assert_eq!(xhs_total, 2_500);
    assert!(read("data/real/xhs", "test").len() >= 500);
}

#[test]
fn every_twin_sits_with_its_original_and_flips_the_label() {
    let mut originals: HashMap<String, (&str, Label)> = HashMap::new();
    for split in ["train", "dev", "test"] {
        for dir in ["data/real/xhs", "data/notes"] {
            for n in read(dir, split) {
                originals.insert(n.id.clone().unwrap(), (split, n.label));
            }
        }
    }
    let mut total = 0;
    for split in ["train", "dev", "test"] {
        for t in read("data/pairs", split) {
            let of = t.pair_of.clone().expect("pair_of");
            let (s, label) = originals[&of];
            assert_eq!(s, split, "{of}: twin in another split");
            assert_ne!(label, t.label, "{of}: twin has the same label");
            assert_eq!(t.source.as_deref(), Some("counterfactual"));
            total += 1;
        }
    }
    assert!(total >= 400, "{total} twins");
}

/// The twin with commercial content scores higher than its original in at least
/// 95 % of the dev and test pairs (linear model, so the test needs no encoder;
/// `adlens eval data/real/xhs/test.jsonl data/pairs/test.jsonl` reports every model).
#[test]
fn the_commercial_twin_scores_higher() {
    use adlens::engine::{Engine, EngineConfig};
    use adlens::pipeline::Note;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::load(&EngineConfig::linear_only(root.join("models"))).unwrap();
    let mut by_id: HashMap<String, LabeledNote> = HashMap::new();
    for split in ["dev", "test"] {
        for n in read("data/real/xhs", split) {
            by_id.insert(n.id.clone().unwrap(), n);
        }
    }
    let p = |text: &str| {
        engine
            .score_blocking(&Note {
                text: text.to_owned(),
                ..Note::default()
            })
            .ad_probability
    };
    let (mut pairs, mut higher) = (0, 0);
    for split in ["dev", "test"] {
        for twin in read("data/pairs", split) {
            let original = &by_id[twin.pair_of.as_deref().unwrap()];
            let (ad, organic) = if twin.label == Label::Ad {
                (&twin, original)
            } else {
                (original, &twin)
            };
            pairs += 1;
            higher += usize::from(p(&ad.text) > p(&organic.text));
        }
    }
    assert!(pairs >= 100, "{pairs} pairs");
    let share = higher as f64 / pairs as f64;
    eprintln!("commercial twin higher in {higher} of {pairs} pairs ({share:.3})");
    assert!(share >= 0.95, "{higher} of {pairs}");
}

/// Real organic notes read as another platform would carry them: every topic tag
/// (`#…[话题]#`, `#…#`) and sticker (`[笑哭R]`) taken out, as on a forum or
/// review site. Real Xiaohongshu notes nearly all carry tags and our written
/// ones mostly did not, so a model that had learned "no tags, so written by us,
/// so an ad" would flag these; the issue-14 target for organic notes is ≤ 3 %
/// (linear model, the brands' batch path; `adlens eval` on the stripped notes
/// gave 0 of 413 dev and 3 of 488 test notes, the ensemble 4 and 3).
#[test]
fn real_organic_notes_stay_organic_without_their_tags() {
    use adlens::engine::{Engine, EngineConfig};
    use adlens::pipeline::Note;
    let tags =
        regex::Regex::new(r"#[^#\s]{1,40}?(?:\[话题\]|\[超话\])?#|\[[^\[\]\s]{1,6}\]").unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::load(&EngineConfig::linear_only(root.join("models"))).unwrap();
    let (mut n, mut flagged) = (0, Vec::new());
    for split in ["dev", "test"] {
        for note in read("data/real/xhs", split) {
            let text = tags.replace_all(&note.text, "");
            let text = text.trim();
            if note.label != Label::Organic || text.chars().count() < 10 {
                continue;
            }
            n += 1;
            let s = engine.score_blocking(&Note {
                text: text.to_owned(),
                ..Note::default()
            });
            if s.label == "ad" {
                flagged.push(note.id.clone().unwrap_or_default());
            }
        }
    }
    assert!(n >= 800, "{n} notes");
    let share = flagged.len() as f64 / n as f64;
    eprintln!(
        "{} of {n} stripped organic notes flagged: {flagged:?}",
        flagged.len()
    );
    assert!(
        share <= 0.03,
        "{} of {n} flagged ({share:.3})",
        flagged.len()
    );
}
