//! The cue lexicon: literal phrases and patterns per signal kind, with the weight,
//! explanation and rule each carries. The table lives in `data/lexicon.toml`,
//! compiled in and validated on load; a bad entry is reported by its place in the
//! file (`literal[3]`, `pattern[1]`) and what is wrong with it.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{DisclosureStrength, SignalKind, rules};

/// The lexicon shipped with adlens.
const BUILTIN: &str = include_str!("../../data/lexicon.toml");

/// A group of literal cues sharing kind, weight, explanation and rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CueGroup {
    /// `None` for blockers: phrases matched only so that a shorter cue inside them
    /// is not reported (广告位 is not a disclosure).
    pub kind: Option<SignalKind>,
    pub weight: f32,
    pub explanation: String,
    pub rule: Option<String>,
    pub strength: Option<DisclosureStrength>,
    pub cues: Vec<String>,
}

/// A pattern cue. Pattern cues are matched first; literal cues overlapping one are
/// dropped (so "唯一缺点就是太好用" is a selling script, not a drawback).
#[derive(Debug, Clone)]
pub(crate) struct PatternCue {
    pub kind: SignalKind,
    pub weight: f32,
    pub explanation: String,
    pub rule: Option<String>,
    /// The pattern, compiled once when the lexicon is loaded.
    pub regex: regex::Regex,
}

/// The whole lexicon.
#[derive(Debug, Clone)]
pub(crate) struct Lexicon {
    pub literals: Vec<CueGroup>,
    pub patterns: Vec<PatternCue>,
}

/// What is wrong with a lexicon file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconError {
    /// Not valid TOML, or not the expected shape.
    #[error("lexicon: {0}")]
    Syntax(String),
    /// One entry is unusable.
    #[error("lexicon {entry}: {why}")]
    Entry {
        /// `literal[i]` or `pattern[i]` (0-based, in file order).
        entry: String,
        /// What is wrong.
        why: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    kind: Option<SignalKind>,
    weight: f32,
    explanation: String,
    rule: Option<String>,
    strength: Option<DisclosureStrength>,
    #[serde(default)]
    cues: Vec<String>,
    pattern: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    literal: Vec<RawEntry>,
    pattern: Vec<RawEntry>,
}

/// The citation of a rule key used in the file.
fn rule_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "ad_law_9_3" => rules::AD_LAW_9_3,
        "ad_law_14" => rules::AD_LAW_14,
        "ad_law_17_28" => rules::AD_LAW_17_28,
        "internet_ad_9" => rules::INTERNET_AD_9,
        "samr_identifiability" => rules::SAMR_IDENTIFIABILITY,
        "xhs_community" => rules::XHS_COMMUNITY,
        _ => return None,
    })
}

/// Checks one entry; returns its rule text and, for a pattern, the compiled regex.
fn check(
    entry: String,
    e: &RawEntry,
    pattern: bool,
) -> Result<(Option<String>, Option<regex::Regex>), LexiconError> {
    let bad = |why: String| LexiconError::Entry {
        entry: entry.clone(),
        why,
    };
    if !e.weight.is_finite() || e.weight.abs() > 5.0 {
        return Err(bad(format!(
            "weight {} is not a finite number in ±5",
            e.weight
        )));
    }
    if e.kind.is_some() && e.explanation.trim().is_empty() {
        return Err(bad("explanation is empty".into()));
    }
    if e.strength.is_some() && e.kind != Some(SignalKind::Disclosure) {
        return Err(bad("strength is only for disclosures".into()));
    }
    let mut regex = None;
    if pattern {
        if e.kind.is_none() {
            return Err(bad("a pattern needs a kind".into()));
        }
        let p = e.pattern.as_deref().unwrap_or("");
        let re =
            regex::Regex::new(p).map_err(|err| bad(format!("pattern does not compile: {err}")))?;
        regex = Some(re);
    } else if e.pattern.is_some() {
        return Err(bad("a literal group has `cues`, not `pattern`".into()));
    } else if e.cues.is_empty() || e.cues.iter().any(|c| c.trim().is_empty()) {
        return Err(bad("cues are missing or one is empty".into()));
    } else if let Some(c) = e.cues.iter().find(|c| **c != c.to_lowercase()) {
        return Err(bad(format!(
            "cue “{c}” is not lower-case (cues match normalised text)"
        )));
    }
    let rule = match &e.rule {
        None => None,
        Some(key) => Some(
            rule_text(key)
                .ok_or_else(|| bad(format!("unknown rule `{key}`")))?
                .to_owned(),
        ),
    };
    Ok((rule, regex))
}

impl Lexicon {
    /// Parses and validates a lexicon file's text.
    pub(crate) fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let raw: RawLexicon =
            toml::from_str(text).map_err(|e| LexiconError::Syntax(e.to_string()))?;
        let mut literals = Vec::with_capacity(raw.literal.len());
        let mut seen = std::collections::HashMap::new();
        for (i, e) in raw.literal.into_iter().enumerate() {
            let (rule, _) = check(format!("literal[{i}]"), &e, false)?;
            for c in &e.cues {
                if let Some(first) = seen.insert(c.clone(), i) {
                    return Err(LexiconError::Entry {
                        entry: format!("literal[{i}]"),
                        why: format!("cue “{c}” is already in literal[{first}]"),
                    });
                }
            }
            literals.push(CueGroup {
                kind: e.kind,
                weight: e.weight,
                explanation: e.explanation,
                rule,
                strength: e.strength,
                cues: e.cues,
            });
        }
        let mut patterns = Vec::with_capacity(raw.pattern.len());
        for (i, e) in raw.pattern.into_iter().enumerate() {
            let (rule, regex) = check(format!("pattern[{i}]"), &e, true)?;
            patterns.push(PatternCue {
                kind: e.kind.expect("checked"),
                weight: e.weight,
                explanation: e.explanation,
                rule,
                regex: regex.expect("checked"),
            });
        }
        Ok(Lexicon { literals, patterns })
    }
}

/// The built-in lexicon (`data/lexicon.toml`), parsed once.
pub(crate) static LEXICON: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse(BUILTIN).unwrap_or_else(|e| panic!("data/lexicon.toml: {e}")));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_lexicon_loads() {
        let l = Lexicon::parse(BUILTIN).unwrap();
        assert!(l.literals.iter().map(|g| g.cues.len()).sum::<usize>() >= 400);
        assert!(
            l.literals.iter().any(|g| g.kind.is_none()),
            "blockers present"
        );
        assert!(!l.patterns.is_empty());
        let clear = l
            .literals
            .iter()
            .find(|g| g.strength == Some(DisclosureStrength::Clear))
            .unwrap();
        assert!(clear.cues.iter().any(|c| c == "#广告"));
    }

    fn entry_error(text: &str) -> String {
        Lexicon::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn bad_entries_are_named() {
        let lit = |extra: &str| {
            format!("[[literal]]\nkind = \"offer\"\nweight = 1.0\nexplanation = \"x\"\n{extra}")
        };
        // Root keys first: no patterns, then literal tables.
        let lits =
            |second: &str| format!("pattern = []\n{}\n{}", lit("cues = [\"券\"]"), lit(second));
        assert!(Lexicon::parse(&lits("cues = [\"减\"]")).is_ok());
        let e = entry_error(&lits("rule = \"nope\"\ncues = [\"a\"]"));
        assert!(
            e.contains("literal[1]") && e.contains("unknown rule"),
            "{e}"
        );
        let e = entry_error(&lits("cues = [\"ABC\"]"));
        assert!(e.contains("literal[1]") && e.contains("lower-case"), "{e}");
        let e = entry_error(&lits("cues = [\"券\"]"));
        assert!(e.contains("already in literal[0]"), "{e}");
        let e = entry_error(&lits("cues = []"));
        assert!(e.contains("literal[1]") && e.contains("cues"), "{e}");
        let e = entry_error(&lits("strength = \"clear\"\ncues = [\"a\"]"));
        assert!(e.contains("only for disclosures"), "{e}");
        let e = entry_error(&format!(
            "pattern = []\n{}",
            lit("weight2 = 1\ncues = [\"a\"]")
        ));
        assert!(e.starts_with("lexicon: ") && e.contains("weight2"), "{e}");
        let pat = |p: &str| {
            format!(
                "literal = []\n[[pattern]]\nkind = \"offer\"\nweight = 9.0\nexplanation = \"x\"\npattern = \"{p}\"\n"
            )
        };
        assert!(entry_error(&pat("a+")).contains("weight 9"));
        let e = entry_error(&pat("(unclosed").replace("9.0", "1.0"));
        assert!(e.contains("pattern[0]") && e.contains("compile"), "{e}");
        assert!(Lexicon::parse(&pat("a+").replace("9.0", "1.0")).is_ok());
    }
}
