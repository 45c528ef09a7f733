//! Comment call-outs: does a reader's comment call the note out as an ad (是广告吧,
//! 恰饭, 软广, 收了多少钱)? The share of comments that do is a direct, observable
//! sign that readers recognised the note as advertising, which is what the trust
//! model's recognition coefficients describe.
//!
//! Explainable rules from `data/comment_rules.toml`, each match with its char
//! span: a comment is called out when a sarcasm rule matches (不是广告才怪), or a
//! call-out rule matches outside every denial (不是广告，自己买的 is a defence, not a
//! call-out). Demand (求链接, 多少钱) matches nothing. Measured against
//! hand-labelled comments by `adlens trust comments`.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("../../data/comment_rules.toml");

/// What a comment rule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentRuleKind {
    /// The comment says or suspects the note is paid.
    CallOut,
    /// A defence containing call-out words (不是广告, 自费); cancels call-outs inside it.
    Denial,
    /// A denial turned into a call-out (不是广告才怪); wins over denials.
    Sarcasm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    kind: CommentRuleKind,
    explanation: String,
    pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rule: Vec<RawRule>,
}

#[derive(Debug)]
struct Rule {
    name: String,
    kind: CommentRuleKind,
    explanation: String,
    regex: regex::Regex,
}

/// Errors of the comment rules (only a broken build can have them: the rules are
/// compiled in, and a unit test loads them).
#[derive(Debug, thiserror::Error)]
pub enum CommentRulesError {
    /// Not TOML of the expected shape.
    #[error("comment rules: {0}")]
    Syntax(String),
    /// A rule's pattern does not compile.
    #[error("comment rule `{name}`: {why}")]
    Pattern {
        /// The rule.
        name: String,
        /// The regex error.
        why: String,
    },
}

fn parse(text: &str) -> Result<Vec<Rule>, CommentRulesError> {
    let raw: RawRules =
        toml::from_str(text).map_err(|e| CommentRulesError::Syntax(e.to_string()))?;
    raw.rule
        .into_iter()
        .map(|r| {
            let regex = regex::Regex::new(&r.pattern).map_err(|e| CommentRulesError::Pattern {
                name: r.name.clone(),
                why: e.to_string(),
            })?;
            Ok(Rule {
                name: r.name,
                kind: r.kind,
                explanation: r.explanation,
                regex,
            })
        })
        .collect()
}

static RULES: LazyLock<Vec<Rule>> =
    LazyLock::new(|| parse(BUILTIN).expect("data/comment_rules.toml is checked by a unit test"));

/// One rule match in one comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentSpan {
    /// Index of the comment in the list given.
    pub comment: usize,
    /// First char (inclusive).
    pub start: usize,
    /// Last char (exclusive).
    pub end: usize,
    /// The matched text.
    pub text: String,
    /// The rule's name (`ad_word`, `paid`, `sarcastic_denial` …).
    pub rule: String,
    /// `call_out`, `denial` or `sarcasm`.
    pub kind: CommentRuleKind,
    /// What the rule means, in Chinese.
    pub explanation: String,
}

/// The verdict on one comment.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentVerdict {
    /// The comment calls the note out as an ad.
    pub called_out: bool,
    /// The matches that decided it: the call-out or sarcasm spans when called out,
    /// else the denial spans (empty when nothing matched).
    pub spans: Vec<CommentSpan>,
}

/// The comments of one note, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentSummary {
    /// Comments given.
    pub n: usize,
    /// Comments that call the note out as an ad.
    pub called_out: usize,
    /// `called_out / n` (0 when there are no comments).
    pub share: f32,
    /// The deciding matches of every comment, with the comment's index.
    pub spans: Vec<CommentSpan>,
}

/// Char range of a byte range of `text`.
fn char_range(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = text[..start].chars().count();
    (s, s + text[start..end].chars().count())
}

/// Classifies one comment; `index` is stored in its spans.
pub fn classify_comment(index: usize, comment: &str) -> CommentVerdict {
    let mut by_kind: [Vec<CommentSpan>; 3] = Default::default();
    for rule in RULES.iter() {
        for m in rule.regex.find_iter(comment) {
            let (start, end) = char_range(comment, m.start(), m.end());
            let slot = match rule.kind {
                CommentRuleKind::CallOut => 0,
                CommentRuleKind::Denial => 1,
                CommentRuleKind::Sarcasm => 2,
            };
            by_kind[slot].push(CommentSpan {
                comment: index,
                start,
                end,
                text: m.as_str().to_owned(),
                rule: rule.name.clone(),
                kind: rule.kind,
                explanation: rule.explanation.clone(),
            });
        }
    }
    let [call_outs, denials, sarcasm] = by_kind;
    if !sarcasm.is_empty() {
        return CommentVerdict {
            called_out: true,
            spans: sarcasm,
        };
    }
    let overlaps = |a: &CommentSpan, b: &CommentSpan| a.start < b.end && b.start < a.end;
    let live: Vec<CommentSpan> = call_outs
        .into_iter()
        .filter(|c| !denials.iter().any(|d| overlaps(c, d)))
        .collect();
    if live.is_empty() {
        CommentVerdict {
            called_out: false,
            spans: denials,
        }
    } else {
        CommentVerdict {
            called_out: true,
            spans: live,
        }
    }
}

/// Classifies a note's comments and summarises them.
pub fn classify_comments<S: AsRef<str>>(comments: &[S]) -> CommentSummary {
    let mut called_out = 0;
    let mut spans = Vec::new();
    for (i, c) in comments.iter().enumerate() {
        let v = classify_comment(i, c.as_ref());
        called_out += usize::from(v.called_out);
        spans.extend(v.spans);
    }
    let n = comments.len();
    CommentSummary {
        n,
        called_out,
        share: if n == 0 {
            0.0
        } else {
            called_out as f32 / n as f32
        },
        spans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(c: &str) -> bool {
        classify_comment(0, c).called_out
    }

    #[test]
    fn the_builtin_rules_load() {
        assert!(parse(BUILTIN).unwrap().len() >= 4);
        assert!(
            parse("[[rule]]\nname='x'\nkind='call_out'\nexplanation='y'\npattern='('").is_err()
        );
    }

    #[test]
    fn call_outs_are_found_with_char_spans() {
        let v = classify_comment(3, "姐妹这是广告吧");
        assert!(v.called_out);
        let s = &v.spans[0];
        assert_eq!((s.comment, s.start, s.end), (3, 3, 6));
        assert_eq!(s.text, "是广告");
        for c in [
            "恰饭了",
            "软广实锤",
            "收了多少钱啊",
            "又是推广",
            "打广告能不能标一下",
        ] {
            assert!(out(c), "{c}");
        }
    }

    #[test]
    fn defences_and_demand_are_not_call_outs() {
        for c in [
            "不是广告，自己买的",
            "求链接",
            "多少钱呀",
            "自费回购第三瓶了",
        ] {
            assert!(!out(c), "{c}");
        }
        let v = classify_comment(0, "不是广告，自己买的");
        assert!(v.spans.iter().all(|s| s.kind == CommentRuleKind::Denial));
    }

    #[test]
    fn sarcasm_beats_the_denial() {
        assert!(out("不是广告才怪"));
        assert!(out("还说是自费，谁信"));
    }

    #[test]
    fn the_share_counts_comments_not_matches() {
        let s = classify_comments(&["恰饭恰饭", "好看", "软广吧", "求链接"]);
        assert_eq!((s.n, s.called_out), (4, 2));
        assert!((s.share - 0.5).abs() < 1e-6);
        assert_eq!(classify_comments::<&str>(&[]).share, 0.0);
    }
}
