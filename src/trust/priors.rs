//! `data/trust_priors.toml`: every coefficient with its interval and source.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::TrustError;

/// One coefficient: central value, ~80 % range, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// Central value.
    pub value: f32,
    /// Lower end of the range.
    pub low: f32,
    /// Upper end of the range.
    pub high: f32,
    /// Author, year, venue.
    pub source: String,
    /// What was measured, and the figure.
    pub measured: String,
    /// True when the figure is approximate or an assumption.
    pub approximate: bool,
}

/// Every coefficient of the trust model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priors {
    /// Recognition of an undisclosed note that reads fully like an ad.
    pub recognition_undisclosed: Prior,
    /// Recognition of a note that reads fully authentic.
    pub recognition_floor: Prior,
    /// Extra recognition from overt commercial cues.
    pub recognition_overt_cues: Prior,
    /// Recognition under a vague label.
    pub recognition_vague_label: Prior,
    /// Credibility change once recognised (d).
    pub credibility_penalty: Prior,
    /// Purchase-intention change once recognised (d).
    pub purchase_intent_penalty: Prior,
    /// Multiplier for one-sided praise.
    pub one_sided_multiplier: Prior,
    /// Multiplier for two-sided content.
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

/// Probabilities must lie in [0, 1]; penalties are ≤ 0 (except purchase intent,
/// which may be slightly positive); multipliers are ≥ 0.
#[derive(Clone, Copy)]
enum Range {
    Probability,
    Penalty,
    Signed,
    Multiplier,
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
        Priors::from_toml_str(&s)
    }

    /// The priors shipped in `data/trust_priors.toml`.
    pub fn builtin() -> Result<Priors, TrustError> {
        Priors::from_toml_str(BUILTIN)
    }

    /// Serialises to TOML.
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("priors serialise")
    }

    fn all(&self) -> [(&'static str, &Prior, Range); 13] {
        use Range::*;
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

    /// Rejects non-finite values, `low > value > high`, values out of range and
    /// missing sources, naming the key.
    pub fn validate(&self) -> Result<(), TrustError> {
        for (key, p, range) in self.all() {
            let bad = |why: String| TrustError::Invalid {
                key: key.to_owned(),
                why,
            };
            if ![p.value, p.low, p.high].iter().all(|v| v.is_finite()) {
                return Err(bad("value, low and high must be finite numbers".into()));
            }
            if !(p.low <= p.value && p.value <= p.high) {
                return Err(bad(format!(
                    "needs low <= value <= high, got {} <= {} <= {}",
                    p.low, p.value, p.high
                )));
            }
            let ok = match range {
                Range::Probability => p.low >= 0.0 && p.high <= 1.0,
                Range::Penalty => p.high <= 0.0 && p.low >= -3.0,
                Range::Signed => p.low >= -3.0 && p.high <= 1.0,
                Range::Multiplier => p.low >= 0.0 && p.high <= 5.0,
            };
            if !ok {
                let what = match range {
                    Range::Probability => "a probability in [0, 1]",
                    Range::Penalty => "a penalty in [-3, 0]",
                    Range::Signed => "an effect size in [-3, 1]",
                    Range::Multiplier => "a multiplier in [0, 5]",
                };
                return Err(bad(format!("must be {what}")));
            }
            if p.source.trim().is_empty() || p.measured.trim().is_empty() {
                return Err(bad(
                    "every prior needs a `source` and what was `measured`".into()
                ));
            }
        }
        if self.recognition_floor.value > self.recognition_undisclosed.value {
            return Err(TrustError::Invalid {
                key: "recognition_floor".into(),
                why: "must not exceed recognition_undisclosed".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_valid_and_round_trips() {
        let p = Priors::builtin().unwrap();
        let back = Priors::from_toml_str(&p.to_toml_string()).unwrap();
        assert_eq!(p, back);
    }

    #[test]
    fn bad_priors_are_rejected_with_the_key() {
        let good = Priors::builtin().unwrap();
        let mut p = good.clone();
        p.found_out_rate.high = 1.5;
        let e = p.validate().unwrap_err().to_string();
        assert!(
            e.contains("found_out_rate") && e.contains("probability"),
            "{e}"
        );

        let mut p = good.clone();
        p.credibility_penalty.low = f32::NAN;
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("credibility_penalty")
        );

        let mut p = good.clone();
        p.one_sided_multiplier.low = 2.0;
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("low <= value")
        );

        let mut p = good.clone();
        p.two_sided_multiplier.source = " ".into();
        assert!(p.validate().unwrap_err().to_string().contains("source"));

        let text = BUILTIN.replace("value = 0.12", "value = \"high\"");
        assert!(matches!(
            Priors::from_toml_str(&text),
            Err(TrustError::Parse(_))
        ));
    }
}
