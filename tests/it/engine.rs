//! The engine's fallback: without an encoder it scores with the linear model and
//! says why, in `components()` and in every score.

use std::path::Path;

use adlens::engine::{Engine, EngineConfig};
use adlens::pipeline::{Detail, Note};

fn note() -> Note {
    Note {
        id: Some("a".into()),
        text: "姐妹们闭眼入，链接在评论区".into(),
        has_link: false,
    }
}

#[test]
fn a_missing_encoder_falls_back_to_the_linear_model_and_says_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let missing = tempfile::tempdir().unwrap();
    let cfg = EngineConfig {
        models: root.join("models"),
        encoder_dir: Some(missing.path().join("no-encoder-here")),
        allow_fetch: false,
        cache: None,
        precision: adlens::model::encoder::Precision::auto(),
    };
    let engine = Engine::load(&cfg).expect("the models load without the encoder");
    assert!(!engine.has_encoder());
    let enc = &engine.components()[2];
    assert_eq!(enc.0, "encoder");
    assert!(enc.1.starts_with("unavailable: "), "{enc:?}");
    assert_eq!(engine.encoder_status(), enc.1);
    let s = engine.score_blocking(&note());
    let status = |name: &str| {
        s.model
            .components
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(status("linear"), "used");
    assert!(
        status("ensemble").starts_with("unavailable: "),
        "{}",
        status("ensemble")
    );
    assert!(s.similar.is_none());
    assert_eq!(s.ad_probability, s.probabilities.linear);
    // The same note through the linear-only configuration: the same answer.
    let lin = Engine::load(&EngineConfig::linear_only(root.join("models"))).unwrap();
    assert_eq!(lin.score_blocking(&note()).ad_probability, s.ad_probability);
}

#[test]
fn batch_figures_are_the_explained_scores_without_the_explanation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::load(&EngineConfig::linear_only(root.join("models"))).unwrap();
    let mut notes: Vec<Note> = std::fs::read_to_string(root.join("data/real/xhs/dev.jsonl"))
        .unwrap()
        .lines()
        .take(60)
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Note {
                id: None,
                text: v["text"].as_str().unwrap().to_owned(),
                has_link: i % 3 == 0,
            }
        })
        .collect();
    // Long posts, read in windows: the same on both paths too.
    for k in [4, 12, 30] {
        let text = (notes[..k].iter().map(|n| n.text.as_str()))
            .collect::<Vec<_>>()
            .join("\n\n");
        assert!(text.chars().count() > 500);
        notes.push(Note {
            id: None,
            text,
            has_link: false,
        });
    }
    let full = engine.score_chunk_blocking(&notes);
    let figures = engine.score_chunk_with(&notes, Detail::Figures);
    assert_eq!(full.len(), figures.len());
    assert!(full.iter().any(|s| !s.contributions.is_empty()));
    assert!(full.iter().filter(|s| s.segments.len() > 1).count() >= 3);
    for (f, g) in full.iter().zip(&figures) {
        // Bit for bit: the margin is summed the same way on both paths.
        assert_eq!(f.ad_probability.to_bits(), g.ad_probability.to_bits());
        assert_eq!((&f.label, f.has_link), (&g.label, g.has_link));
        assert_eq!(f.signals.len(), g.signals.len());
        assert_eq!(f.compliance.len(), g.compliance.len());
        assert_eq!(
            serde_json::to_value(&f.trust).unwrap(),
            serde_json::to_value(&g.trust).unwrap()
        );
        assert!(g.contributions.is_empty() && g.sentences.is_empty() && g.similar.is_none());
        assert_eq!(f.segments, g.segments);
    }
}
