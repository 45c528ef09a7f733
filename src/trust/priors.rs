//! `data/trust_priors.toml`: every coefficient with its ~80 % range and sources.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::TrustError;

/// Where a coefficient comes from: one study, one law, or the team's assumption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Authors (or "adlens team" for an assumption), with the venue if useful.
    pub author: String,
    /// Year of publication; absent for a team assumption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// What was measured.
    pub measured: String,
    /// The figure reported (or "none" for an assumption).
    pub figure: String,
}

/// One coefficient: central value, ~80 % range, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    /// Central value.
    pub value: f32,
    /// Lower end of the ~80 % range.
    pub low: f32,
    /// Upper end of the ~80 % range.
    pub high: f32,
    /// True when the figure is approximate or an assumption.
    pub approximate: bool,
    /// How the sources' figures become this coefficient.
    #[serde(default)]
    pub note: String,
    /// At least one source.
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// Every coefficient of the trust model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priors {
    /// Recognition of an undisclosed note that reads fully like an ad.
    pub recognition_undisclosed: Prior,
    /// Recognition of an undisclosed note that reads fully authentic.
    pub recognition_floor: Prior,
    /// Share of the remaining readers who recognise overt commercial cues.
    pub recognition_overt_cues: Prior,
    /// Recognition under a vague label (合作, 恰饭).
    pub recognition_vague_label: Prior,
    /// Credibility change once recognised as an ad (d).
    pub credibility_penalty: Prior,
    /// Purchase-intention change once recognised as an ad (d).
    pub purchase_intent_penalty: Prior,
    /// Multiplier on the penalty for one-sided praise.
    pub one_sided_multiplier: Prior,
    /// Multiplier for two-sided content (a real drawback).
    pub two_sided_multiplier: Prior,
    /// Multiplier for specific first-person experience.
    pub experience_multiplier: Prior,
    /// Multiplier for an honest clear label.
    pub disclosure_multiplier: Prior,
    /// Multiplier for absolute or efficacy claims.
    pub absolute_claim_multiplier: Prior,
    /// Chance an undisclosed commercial note is found out.
    pub found_out_rate: Prior,
    /// Credibility change when found out (d).
    pub found_out_penalty: Prior,
}

const BUILTIN: &str = include_str!("../../data/trust_priors.toml");

/// The allowed range of each kind of coefficient.
#[derive(Clone, Copy)]
enum Range {
    /// In [0, 1].
    Probability,
    /// In [-3, 0]: a credibility loss in d.
    Penalty,
    /// In [-3, 3]: an effect in d of either sign.
    Signed,
    /// In [0, 5].
    Multiplier,
}

impl Range {
    fn bounds(self) -> (f32, f32, &'static str) {
        match self {
            Range::Probability => (0.0, 1.0, "a probability in [0, 1]"),
            Range::Penalty => (-3.0, 0.0, "a penalty (d) in [-3, 0]"),
            Range::Signed => (-3.0, 3.0, "an effect size (d) in [-3, 3]"),
            Range::Multiplier => (0.0, 5.0, "a multiplier in [0, 5]"),
        }
    }
}

impl Priors {
    /// Parses and validates priors from TOML text.
    pub fn from_toml_str(s: &str) -> Result<Priors, TrustError> {
        let p: Priors = toml::from_str(s).map_err(|e| TrustError::Parse(e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    /// Reads and validates a priors file.
    pub fn load(path: &Path) -> Result<Priors, TrustError> {
        let s = std::fs::read_to_string(path).map_err(|e| TrustError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Priors::from_toml_str(&s).map_err(|e| match e {
            TrustError::Parse(why) => TrustError::Parse(format!("{}: {why}", path.display())),
            other => other,
        })
    }

    /// The priors shipped in `data/trust_priors.toml` (compiled in), validated.
    pub fn builtin() -> Result<Priors, TrustError> {
        Priors::from_toml_str(BUILTIN)
    }

    /// Serialises to TOML (the shape [`Priors::from_toml_str`] reads).
    pub fn to_toml_string(&self) -> String {
        // Only strings, numbers, booleans and arrays of tables: serialisation
        // cannot fail for this shape.
        toml::to_string(self).unwrap_or_default()
    }

    /// Every prior with its key, in file order.
    pub(super) fn entries(&self) -> Vec<(&'static str, &Prior)> {
        self.all().into_iter().map(|(k, p, _)| (k, p)).collect()
    }

    fn all(&self) -> [(&'static str, &Prior, Range); 13] {
        use Range::{Multiplier, Penalty, Probability, Signed};
        [
            (
                "recognition_undisclosed",
                &self.recognition_undisclosed,
                Probability,
            ),
            ("recognition_floor", &self.recognition_floor, Probability),
            (
                "recognition_overt_cues",
                &self.recognition_overt_cues,
                Probability,
            ),
            (
                "recognition_vague_label",
                &self.recognition_vague_label,
                Probability,
            ),
            ("credibility_penalty", &self.credibility_penalty, Penalty),
            (
                "purchase_intent_penalty",
                &self.purchase_intent_penalty,
                Signed,
            ),
            (
                "one_sided_multiplier",
                &self.one_sided_multiplier,
                Multiplier,
            ),
            (
                "two_sided_multiplier",
                &self.two_sided_multiplier,
                Multiplier,
            ),
            (
                "experience_multiplier",
                &self.experience_multiplier,
                Multiplier,
            ),
            (
                "disclosure_multiplier",
                &self.disclosure_multiplier,
                Multiplier,
            ),
            (
                "absolute_claim_multiplier",
                &self.absolute_claim_multiplier,
                Multiplier,
            ),
            ("found_out_rate", &self.found_out_rate, Probability),
            ("found_out_penalty", &self.found_out_penalty, Penalty),
        ]
    }

    /// Rejects non-finite numbers, `low <= value <= high` violations, values out
    /// of their range, and missing or incomplete sources; the error names the key.
    pub fn validate(&self) -> Result<(), TrustError> {
        for (key, p, range) in self.all() {
            check_prior(key, p, range)?;
        }
        let (floor, full) = (&self.recognition_floor, &self.recognition_undisclosed);
        if floor.low > full.low || floor.value > full.value || floor.high > full.high {
            return Err(invalid(
                "recognition_floor",
                "must not exceed recognition_undisclosed (low, value and high each), \
                 or recognition would fall as a note reads more like an ad"
                    .into(),
            ));
        }
        Ok(())
    }
}

fn invalid(key: &str, why: String) -> TrustError {
    TrustError::Invalid {
        key: key.to_owned(),
        why,
    }
}

fn check_prior(key: &str, p: &Prior, range: Range) -> Result<(), TrustError> {
    for (name, v) in [("value", p.value), ("low", p.low), ("high", p.high)] {
        if !v.is_finite() {
            return Err(invalid(
                key,
                format!("`{name}` must be a finite number, got {v}"),
            ));
        }
    }
    if p.low > p.high {
        return Err(invalid(
            key,
            format!("`low` ({}) is above `high` ({})", p.low, p.high),
        ));
    }
    if !(p.low <= p.value && p.value <= p.high) {
        return Err(invalid(
            key,
            format!(
                "needs low <= value <= high, got {} <= {} <= {}",
                p.low, p.value, p.high
            ),
        ));
    }
    let (min, max, what) = range.bounds();
    if p.low < min || p.high > max {
        return Err(invalid(
            key,
            format!("must be {what}, got [{}, {}]", p.low, p.high),
        ));
    }
    if p.sources.is_empty() {
        return Err(invalid(
            key,
            "needs at least one [[…sources]] entry (author, year, measured, figure)".into(),
        ));
    }
    for (i, s) in p.sources.iter().enumerate() {
        let field = |f: &str| format!("{key}.sources[{i}].{f}");
        for (name, text) in [
            ("author", &s.author),
            ("measured", &s.measured),
            ("figure", &s.figure),
        ] {
            if text.trim().is_empty() {
                return Err(invalid(&field(name), "is missing or empty".into()));
            }
        }
        if let Some(y) = s.year
            && !(1950..=2100).contains(&y)
        {
            return Err(invalid(
                &field("year"),
                format!("{y} is not a plausible year"),
            ));
        }
        if !p.approximate && s.year.is_none() {
            return Err(invalid(
                &field("year"),
                "a figure marked exact (approximate = false) needs a dated, published source"
                    .into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
