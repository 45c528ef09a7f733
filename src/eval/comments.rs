//! The comment classifier measured on hand-labelled comments: precision and recall
//! of the call-out rules (`signals::classify_comment`) against one annotator's
//! labels, and every disagreement. The comments and the labels are separate files
//! (`data/comments/comments.jsonl`, `data/comments/labels.a.jsonl`) so a second
//! annotator can label the same comments blind.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::signals::classify_comment;

/// Why the comment files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CommentEvalError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A line is not the expected JSON.
    #[error("{path} line {line}: {why}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The labels and the comments do not match one to one.
    #[error("{0}")]
    Mismatch(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Comment {
    id: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Label {
    id: String,
    call_out: bool,
    /// The annotator found the comment hard to decide; read, not used (the label counts).
    #[serde(default, rename = "unsure")]
    _unsure: bool,
}

/// One comment where the rules and the labels disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// The comment's id.
    pub id: String,
    /// The comment.
    pub text: String,
    /// The annotator's label.
    pub label: bool,
    /// The rules' matches (rule names).
    pub rules: Vec<String>,
}

/// The rules against the labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommentEval {
    /// Comments labelled.
    pub n: usize,
    /// Labelled call-outs.
    pub positives: usize,
    /// Rules and label both say call-out.
    pub true_positives: usize,
    /// Rules say call-out, label does not.
    pub false_positives: usize,
    /// Label says call-out, rules do not.
    pub false_negatives: usize,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Every disagreement, in file order.
    pub disagreements: Vec<Disagreement>,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, CommentEvalError> {
    let text = std::fs::read_to_string(path).map_err(|e| CommentEvalError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| CommentEvalError::Line {
                path: path.display().to_string(),
                line: i + 1,
                why: e.to_string(),
            })
        })
        .collect()
}

/// Scores the rules on `comments` against `labels` (every comment labelled once).
pub fn evaluate(comments: &Path, labels: &Path) -> Result<CommentEval, CommentEvalError> {
    let comments: Vec<Comment> = read_jsonl(comments)?;
    let mut by_id: BTreeMap<String, bool> = BTreeMap::new();
    for l in read_jsonl::<Label>(labels)? {
        if by_id.insert(l.id.clone(), l.call_out).is_some() {
            return Err(CommentEvalError::Mismatch(format!(
                "label `{}` appears twice",
                l.id
            )));
        }
    }
    let pairs = comments
        .iter()
        .map(|c| {
            by_id.remove(&c.id).map(|l| (c, l)).ok_or_else(|| {
                CommentEvalError::Mismatch(format!("comment `{}` has no label", c.id))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(id) = by_id.keys().next() {
        return Err(CommentEvalError::Mismatch(format!(
            "label `{id}` has no comment"
        )));
    }
    Ok(score(
        &pairs
            .iter()
            .map(|(c, l)| (c.id.as_str(), c.text.as_str(), *l))
            .collect::<Vec<_>>(),
    ))
}

/// Precision, recall and disagreements of the rules on `(id, text, label)`.
pub fn score(items: &[(&str, &str, bool)]) -> CommentEval {
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (id, text, label) in items {
        let v = classify_comment(0, text);
        match (v.called_out, *label) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => {}
        }
        if v.called_out != *label {
            disagreements.push(Disagreement {
                id: (*id).to_owned(),
                text: (*text).to_owned(),
                label: *label,
                rules: v
                    .spans
                    .iter()
                    .map(|s| format!("{}:{}", s.rule, s.text))
                    .collect(),
            });
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    CommentEval {
        n: items.len(),
        positives: tp + fneg,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fneg),
        disagreements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_and_recall_count_the_right_cells() {
        let e = score(&[
            ("1", "这是广告吧", true),
            ("2", "求链接", false),
            ("3", "博主最近接的单好多", true),
            ("4", "做广告的朋友都说好", false),
        ]);
        assert_eq!((e.true_positives, e.positives), (1, 2));
        assert_eq!(e.recall, 0.5);
        assert!(e.disagreements.iter().any(|d| d.id == "3"));
    }

    #[test]
    fn labels_must_match_comments_one_to_one() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("c.jsonl");
        let l = dir.path().join("l.jsonl");
        std::fs::write(&c, "{\"id\":\"a\",\"text\":\"恰饭\"}\n").unwrap();
        std::fs::write(&l, "{\"id\":\"b\",\"call_out\":true}\n").unwrap();
        assert!(
            evaluate(&c, &l)
                .unwrap_err()
                .to_string()
                .contains("`a` has no label")
        );
        std::fs::write(
            &l,
            "{\"id\":\"a\",\"call_out\":true}\n{\"id\":\"a\",\"call_out\":true}\n",
        )
        .unwrap();
        assert!(evaluate(&c, &l).unwrap_err().to_string().contains("twice"));
        std::fs::write(&l, "{\"id\":\"a\",\"label\":1}\n").unwrap();
        assert!(evaluate(&c, &l).unwrap_err().to_string().contains("line 1"));
        std::fs::write(&l, "{\"id\":\"a\",\"call_out\":true}\n").unwrap();
        assert_eq!(evaluate(&c, &l).unwrap().precision, 1.0);
    }
}
