//! What a batch run did, and the output fields of each row.

use serde_json::{Map, Value, json};

use super::read::InputRow;
use crate::engine::Engine;
use crate::pipeline::{Detail, Note, Score};

/// Sort key for a globally sorted output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Lowest link cost (safest to attach a link to) first.
    LinkCost,
    /// Lowest ad probability (most authentic-reading) first.
    AdProbability,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Rows read.
    pub rows: usize,
    /// Rows that could not be scored.
    pub errors: usize,
    /// Rows skipped because `--resume` found their id in the output.
    pub skipped: usize,
    /// Rows left to other shards (`--shard`).
    pub other_shards: usize,
    /// Rows labelled ad.
    pub ads: usize,
    /// Rows with at least one compliance finding.
    pub with_findings: usize,
    /// Lowest link cost: (cost, id or line).
    pub lowest: Vec<(f32, String)>,
    /// Highest link cost: (cost, id or line).
    pub highest: Vec<(f32, String)>,
    /// Line of the last row read when the run was interrupted.
    pub interrupted_after_line: Option<usize>,
}

/// One finished row: its output fields and the numbers the summary and the sort
/// need (read from the score, never back from the JSON).
pub(super) struct Done {
    pub line: usize,
    pub id: Option<String>,
    pub out: Map<String, Value>,
    /// `None` for an error row.
    pub scored: Option<Scored>,
}

/// The figures of a scored row.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scored {
    pub link_cost: f32,
    pub ad_probability: f32,
    pub is_ad: bool,
    pub findings: bool,
}

impl Done {
    /// The row's value under `key`; error rows sort last.
    pub fn sort_value(&self, key: SortKey) -> f32 {
        self.scored.map_or(f32::INFINITY, |s| match key {
            SortKey::LinkCost => s.link_cost,
            SortKey::AdProbability => s.ad_probability,
        })
    }
}

/// Output fields for one scored note.
pub fn score_fields(score: &Score) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ad_probability".into(), json!(round4(score.ad_probability)));
    m.insert("label".into(), json!(score.label));
    m.insert(
        "link_cost".into(),
        json!(round4(score.trust.link_cost.estimate)),
    );
    m.insert("label_required".into(), json!(score.trust.label_required));
    if let Some(c) = &score.comments {
        m.insert(
            super::write::COMMENTS.into(),
            json!({"n": c.n, "called_out": c.called_out, "share": round4(c.share)}),
        );
    }
    let mut sigs: Vec<_> = score.signals.iter().filter(|s| s.weight > 0.0).collect();
    sigs.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    m.insert(
        "top_signals".into(),
        Value::Array(
            sigs.iter()
                .take(5)
                .map(|s| json!({"kind": s.kind.as_str(), "text": s.text, "start": s.start, "end": s.end}))
                .collect(),
        ),
    );
    m.insert(
        "compliance".into(),
        Value::Array(
            score
                .compliance
                .iter()
                .map(|f| json!({"code": f.code, "rule": f.rule, "severity": f.severity}))
                .collect(),
        ),
    );
    m
}

fn round4(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

pub(super) fn process(engine: &Engine, mut rows: Vec<InputRow>) -> Vec<Done> {
    // The text moves into the note (the output row passes it through from
    // `fields`, its own copy).
    let notes: Vec<Note> = rows
        .iter_mut()
        .filter_map(|r| r.row.as_mut().ok())
        .map(|row| Note {
            id: row.id.clone(),
            text: std::mem::take(&mut row.text),
            has_link: row.has_link,
        })
        .collect();
    let mut scores = engine.score_chunk_with(&notes, Detail::Figures).into_iter();
    rows.into_iter()
        .map(|r| match r.row {
            Ok(row) => {
                let score = scores
                    .next()
                    .expect("one score per good row")
                    .with_comments(&row.comments);
                let mut out = row.fields;
                out.extend(score_fields(&score));
                out.insert("line".into(), json!(r.line));
                Done {
                    line: r.line,
                    id: row.id,
                    out,
                    scored: Some(Scored {
                        link_cost: score.trust.link_cost.estimate,
                        ad_probability: score.ad_probability,
                        is_ad: score.label == "ad",
                        findings: !score.compliance.is_empty(),
                    }),
                }
            }
            Err(e) => {
                let mut out = Map::new();
                if let Some(id) = &e.id {
                    out.insert("id".into(), json!(id));
                }
                out.insert("error".into(), json!(e.error.to_string()));
                out.insert("error_type".into(), json!(e.error.error_type()));
                out.insert("line".into(), json!(r.line));
                Done {
                    line: r.line,
                    id: e.id,
                    out,
                    scored: None,
                }
            }
        })
        .collect()
}

/// Keeps the k smallest and k largest (cost, name) pairs.
pub(super) fn keep_extremes(s: &mut Summary, cost: f32, name: String, k: usize) {
    if k == 0 {
        return;
    }
    s.lowest.push((cost, name.clone()));
    s.lowest.sort_by(|a, b| a.0.total_cmp(&b.0));
    s.lowest.truncate(k);
    s.highest.push((cost, name));
    s.highest.sort_by(|a, b| b.0.total_cmp(&a.0));
    s.highest.truncate(k);
}

impl Summary {
    /// Counts one finished row; `k` is the size of the best/worst lists.
    pub(super) fn count(&mut self, d: &Done, k: usize) {
        self.rows += 1;
        match d.scored {
            None => self.errors += 1,
            Some(s) => {
                self.ads += usize::from(s.is_ad);
                self.with_findings += usize::from(s.findings);
                let name = d.id.clone().unwrap_or_else(|| format!("line {}", d.line));
                keep_extremes(self, s.link_cost, name, k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(line: usize, cost: Option<f32>) -> Done {
        Done {
            line,
            id: None,
            out: Map::new(),
            scored: cost.map(|c| Scored {
                link_cost: c,
                ad_probability: 1.0 - c,
                is_ad: c < 0.5,
                findings: false,
            }),
        }
    }

    #[test]
    fn counts_and_sort_values_come_from_the_numbers() {
        let mut s = Summary::default();
        for d in [done(1, Some(0.2)), done(2, None), done(3, Some(0.7))] {
            s.count(&d, 1);
        }
        assert_eq!((s.rows, s.errors, s.ads), (3, 1, 1));
        assert_eq!(s.lowest, vec![(0.2, "line 1".to_owned())]);
        assert_eq!(s.highest, vec![(0.7, "line 3".to_owned())]);
        assert_eq!(done(2, None).sort_value(SortKey::LinkCost), f32::INFINITY);
        assert!((done(1, Some(0.2)).sort_value(SortKey::AdProbability) - 0.8).abs() < 1e-6);
    }
}
