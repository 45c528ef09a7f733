use super::*;

fn err(p: &Priors) -> String {
    p.validate().unwrap_err().to_string()
}

#[test]
fn builtin_is_valid_and_round_trips() {
    let p = Priors::builtin().unwrap();
    let text = p.to_toml_string();
    assert_eq!(Priors::from_toml_str(&text).unwrap(), p);
}

#[test]
fn load_reads_a_file_and_names_it_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(&path, Priors::builtin().unwrap().to_toml_string()).unwrap();
    assert_eq!(Priors::load(&path).unwrap(), Priors::builtin().unwrap());
    std::fs::write(&path, "[recognition_floor]\nvalue = 1\n").unwrap();
    let e = Priors::load(&path).unwrap_err().to_string();
    assert!(e.contains("p.toml"), "{e}");
    let e = Priors::load(&dir.path().join("missing.toml")).unwrap_err();
    assert!(matches!(e, TrustError::Io { .. }), "{e}");
}

#[test]
fn every_builtin_prior_is_sourced_and_marked() {
    let p = Priors::builtin().unwrap();
    for (key, prior, _) in p.all() {
        assert!(!prior.sources.is_empty(), "{key}");
        assert!(!prior.note.trim().is_empty(), "{key} has no note");
    }
}

#[test]
fn nan_is_rejected_with_the_key() {
    let mut p = Priors::builtin().unwrap();
    p.credibility_penalty.low = f32::NAN;
    let e = err(&p);
    assert!(
        e.contains("credibility_penalty") && e.contains("finite"),
        "{e}"
    );
}

#[test]
fn a_probability_above_one_is_rejected() {
    let mut p = Priors::builtin().unwrap();
    p.found_out_rate.high = 1.5;
    let e = err(&p);
    assert!(
        e.contains("found_out_rate") && e.contains("probability"),
        "{e}"
    );
}

#[test]
fn low_above_high_is_rejected() {
    let mut p = Priors::builtin().unwrap();
    p.one_sided_multiplier.low = 2.0;
    let e = err(&p);
    assert!(
        e.contains("one_sided_multiplier") && e.contains("above `high`"),
        "{e}"
    );

    let mut p = Priors::builtin().unwrap();
    p.one_sided_multiplier.value = 1.9;
    assert!(err(&p).contains("low <= value <= high"));
}

#[test]
fn a_positive_penalty_or_negative_multiplier_is_rejected() {
    let mut p = Priors::builtin().unwrap();
    p.credibility_penalty.high = 0.2;
    assert!(err(&p).contains("penalty (d) in [-3, 0]"));
    let mut p = Priors::builtin().unwrap();
    p.two_sided_multiplier.low = -0.1;
    assert!(err(&p).contains("multiplier in [0, 5]"));
}

#[test]
fn missing_sources_are_rejected() {
    let mut p = Priors::builtin().unwrap();
    p.two_sided_multiplier.sources.clear();
    let e = err(&p);
    assert!(
        e.contains("two_sided_multiplier") && e.contains("source"),
        "{e}"
    );

    let mut p = Priors::builtin().unwrap();
    p.credibility_penalty.sources[0].author = " ".into();
    let e = err(&p);
    assert!(e.contains("credibility_penalty.sources[0].author"), "{e}");

    let mut p = Priors::builtin().unwrap();
    p.found_out_rate.approximate = false;
    assert!(err(&p).contains("dated, published source"));
}

#[test]
fn a_floor_above_the_ceiling_is_rejected() {
    let mut p = Priors::builtin().unwrap();
    p.recognition_floor.high = 0.5;
    assert!(err(&p).contains("recognition_floor"));
}

#[test]
fn malformed_toml_is_a_parse_error_naming_the_field() {
    let text = BUILTIN.replacen("value = 0.12", "value = \"high\"", 1);
    let e = Priors::from_toml_str(&text).unwrap_err();
    assert!(matches!(e, TrustError::Parse(_)), "{e}");
    let text = BUILTIN.replacen("approximate = true", "aproximate = true", 1);
    let e = Priors::from_toml_str(&text).unwrap_err().to_string();
    assert!(e.contains("aproximate"), "{e}");
}
