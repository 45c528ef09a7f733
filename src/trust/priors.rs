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
    /// Set by `adlens trust fit`: the prior this coefficient was updated from and
    /// how many outcome rows informed it. Absent in the literature priors; the
    /// loader accepts files with and without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<Fitted>,
}

/// How `adlens trust fit` updated one coefficient (docs/trust-penalty.md, "Fitting
/// the priors to a brand's outcomes").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fitted {
    /// Outcome rows that informed the coefficient; 0 keeps the prior as it was.
    pub rows: u32,
    /// The prior's central value before the update.
    pub prior_value: f32,
    /// The prior's `low` before the update.
    pub prior_low: f32,
    /// The prior's `high` before the update.
    pub prior_high: f32,
}

/// Which priors are in force: `builtin` or the file's path, and the sha256 of the
/// TOML text they were read from. Reported at `/info` and in every result's `model`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorsId {
    /// `builtin` (the compiled-in `data/trust_priors.toml`) or the file's path.
    pub name: String,
    /// sha256 (hex) of the TOML text.
    pub sha256: String,
}

impl PriorsId {
    /// The identity of the compiled-in priors.
    pub fn builtin() -> PriorsId {
        PriorsId {
            name: "builtin".into(),
            sha256: crate::data::sha256_hex(BUILTIN.as_bytes()),
        }
    }
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
        Ok(Priors::load_identified(path)?.0)
    }

    /// [`Priors::load`], with the file's identity (its path and sha256).
    pub fn load_identified(path: &Path) -> Result<(Priors, PriorsId), TrustError> {
        let s = std::fs::read_to_string(path).map_err(|e| TrustError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let priors = Priors::from_toml_str(&s).map_err(|e| match e {
            TrustError::Parse(why) => TrustError::Parse(format!("{}: {why}", path.display())),
            other => other,
        })?;
        let id = PriorsId {
            name: path.display().to_string(),
            sha256: crate::data::sha256_hex(s.as_bytes()),
        };
        Ok((priors, id))
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

    /// Every prior with its key, mutable, in file order (for the fit).
    pub(super) fn entries_mut(&mut self) -> [(&'static str, &mut Prior); 13] {
        [
            ("recognition_undisclosed", &mut self.recognition_undisclosed),
            ("recognition_floor", &mut self.recognition_floor),
            ("recognition_overt_cues", &mut self.recognition_overt_cues),
            ("recognition_vague_label", &mut self.recognition_vague_label),
            ("credibility_penalty", &mut self.credibility_penalty),
            ("purchase_intent_penalty", &mut self.purchase_intent_penalty),
            ("one_sided_multiplier", &mut self.one_sided_multiplier),
            ("two_sided_multiplier", &mut self.two_sided_multiplier),
            ("experience_multiplier", &mut self.experience_multiplier),
            ("disclosure_multiplier", &mut self.disclosure_multiplier),
            (
                "absolute_claim_multiplier",
                &mut self.absolute_claim_multiplier,
            ),
            ("found_out_rate", &mut self.found_out_rate),
            ("found_out_penalty", &mut self.found_out_penalty),
        ]
    }

    /// The allowed `[min, max]` of the coefficient `key`.
    pub(super) fn bounds_of(&self, key: &str) -> Option<(f32, f32)> {
        self.all()
            .into_iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, r)| {
                let (min, max, _) = r.bounds();
                (min, max)
            })
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
    if let Some(f) = &p.fitted
        && !(f.prior_low <= f.prior_value && f.prior_value <= f.prior_high)
    {
        return Err(invalid(
            &format!("{key}.fitted"),
            format!(
                "needs prior_low <= prior_value <= prior_high, got {} <= {} <= {}",
                f.prior_low, f.prior_value, f.prior_high
            ),
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
