//! The engine's fallback: without an encoder it scores with the linear model and
//! says why, in `components()` and in every score.

use std::path::Path;

use adlens::engine::{Engine, EngineConfig};
use adlens::pipeline::Note;

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
