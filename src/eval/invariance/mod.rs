//! The invariance suite: a score should move when a note's commercial content
//! changes, not when its surface does. Behavioural tests in the manner of
//! CheckList (Ribeiro, Wu, Guestrin & Singh 2020, "Beyond Accuracy: Behavioral
//! Testing of NLP Models with CheckList", ACL): every label-preserving rewrite of
//! [`REWRITES`] is applied to each note, original and rewrite are scored by the
//! same engine, and per source × rewrite the report gives how many notes the
//! rewrite applied to, the median and 95th-percentile |Δp| and the share of
//! labels that flipped, against [`TARGETS`].

pub mod entity;
pub mod platform;
pub mod report;
pub mod rewrite;

use std::collections::BTreeMap;
use std::hash::Hasher;

use crate::data::LabeledNote;

use report::row;
pub use report::{InvarianceReport, Row, Scored, TARGETS, Targets, Worst, table};

/// One label-preserving rewrite.
#[derive(Debug, Clone, Copy)]
pub struct Rewrite {
    /// Short name, as in the table.
    pub name: &'static str,
    /// The rewrite: `None` when it does not apply to a note.
    pub apply: fn(&str) -> Option<String>,
}

/// Every rewrite of the suite, in table order.
pub const REWRITES: &[Rewrite] = &[
    Rewrite {
        name: "join_lines",
        apply: rewrite::join_lines,
    },
    Rewrite {
        name: "split_sentences",
        apply: rewrite::split_sentences,
    },
    Rewrite {
        name: "period_to_comma",
        apply: rewrite::period_to_comma,
    },
    Rewrite {
        name: "comma_to_period",
        apply: rewrite::comma_to_period,
    },
    Rewrite {
        name: "punct_to_space",
        apply: rewrite::punct_to_space,
    },
    Rewrite {
        name: "space_to_comma",
        apply: rewrite::space_to_comma,
    },
    Rewrite {
        name: "to_halfwidth",
        apply: rewrite::to_halfwidth,
    },
    Rewrite {
        name: "to_fullwidth",
        apply: rewrite::to_fullwidth,
    },
    Rewrite {
        name: "to_traditional",
        apply: rewrite::to_traditional,
    },
    Rewrite {
        name: "to_simplified",
        apply: rewrite::to_simplified,
    },
    Rewrite {
        name: "strip_emoji",
        apply: rewrite::strip_emoji,
    },
    Rewrite {
        name: "add_emoji",
        apply: rewrite::add_emoji,
    },
    Rewrite {
        name: "add_hashtag",
        apply: rewrite::add_hashtag,
    },
    Rewrite {
        name: "remove_hashtag",
        apply: rewrite::remove_hashtag,
    },
    Rewrite {
        name: "plain_markup",
        apply: platform::plain_markup,
    },
    Rewrite {
        name: "brand_to_real",
        apply: entity::brand_to_real,
    },
    Rewrite {
        name: "brand_to_invented",
        apply: entity::brand_to_invented,
    },
    Rewrite {
        name: "price_up_20",
        apply: entity::price_up,
    },
    Rewrite {
        name: "price_down_20",
        apply: entity::price_down,
    },
    Rewrite {
        name: "prepend_title",
        apply: rewrite::prepend_title,
    },
    Rewrite {
        name: "paste_twice",
        apply: rewrite::paste_twice,
    },
];

/// A deterministic sample of at most `per_source` notes from each source (file
/// order kept): notes are ranked by an FNV hash of `seed` and their id (or text).
pub fn sample(notes: &[LabeledNote], per_source: usize, seed: u64) -> Vec<LabeledNote> {
    let mut by_source: BTreeMap<&str, Vec<(u64, usize)>> = BTreeMap::new();
    for (i, n) in notes.iter().enumerate() {
        let mut h = fnv::FnvHasher::with_key(seed);
        h.write(n.id.as_deref().unwrap_or(&n.text).as_bytes());
        by_source
            .entry(source_of(n))
            .or_default()
            .push((h.finish(), i));
    }
    let mut keep: Vec<usize> = by_source
        .into_values()
        .flat_map(|mut v| {
            v.sort_unstable();
            v.truncate(per_source);
            v.into_iter().map(|(_, i)| i)
        })
        .collect();
    keep.sort_unstable();
    keep.into_iter().map(|i| notes[i].clone()).collect()
}

fn source_of(n: &LabeledNote) -> &str {
    n.source.as_deref().unwrap_or("unknown")
}

/// Runs the suite with `score` turning texts into [`Scored`] (one call per
/// source, originals first, so a batching scorer batches). `model` names what
/// was read (`ensemble` or `linear`). The doors call it with the engine's batch
/// API (`Engine::score_chunk_blocking`; `eval` may not import `engine`, its peer).
pub fn run_with(
    model: &str,
    notes: &[LabeledNote],
    score: impl FnMut(&[String]) -> Vec<Scored>,
) -> InvarianceReport {
    let all: Vec<&Rewrite> = REWRITES.iter().collect();
    run_rewrites(model, notes, &all, score)
}

/// The rewrite of [`REWRITES`] named `name`.
pub fn by_name(name: &str) -> Option<&'static Rewrite> {
    REWRITES.iter().find(|r| r.name == name)
}

/// [`run_with`] for the given rewrites only (table order as given).
pub fn run_rewrites(
    model: &str,
    notes: &[LabeledNote],
    rewrites: &[&Rewrite],
    mut score: impl FnMut(&[String]) -> Vec<Scored>,
) -> InvarianceReport {
    let mut by_source: BTreeMap<&str, Vec<&LabeledNote>> = BTreeMap::new();
    for n in notes {
        by_source.entry(source_of(n)).or_default().push(n);
    }
    let mut rows = Vec::new();
    for (source, group) in by_source {
        // Originals, then every applicable rewrite, in one batch.
        let mut texts: Vec<String> = group.iter().map(|n| n.text.clone()).collect();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for rw in rewrites {
            let mut idx = Vec::new();
            for (i, n) in group.iter().enumerate() {
                if let Some(t) = (rw.apply)(&n.text) {
                    texts.push(t);
                    idx.push(i);
                }
            }
            owners.push(idx);
        }
        tracing::info!(source, texts = texts.len(), "scoring the invariance suite");
        let scored = score(&texts);
        assert_eq!(scored.len(), texts.len(), "one score per text");
        let (orig, mut rest) = scored.split_at(group.len());
        for (rw, idx) in rewrites.iter().zip(&owners) {
            let (mine, tail) = rest.split_at(idx.len());
            rest = tail;
            let pairs: Vec<(usize, Scored, Scored)> = idx
                .iter()
                .zip(mine)
                .map(|(&i, &after)| (i, orig[i], after))
                .collect();
            rows.push(row(source, rw.name, &group, &pairs));
        }
    }
    InvarianceReport {
        model: model.to_owned(),
        targets: TARGETS,
        pass: rows.iter().all(|r| r.pass),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Label;

    fn note(id: &str, text: &str, source: &str) -> LabeledNote {
        let mut n = LabeledNote::new(Some(id.into()), text, Label::Organic);
        n.source = Some(source.into());
        n
    }

    #[test]
    fn a_length_scorer_fails_rewrites_that_add_text_and_passes_those_that_keep_it() {
        let notes = vec![
            note("a", "好用。\n回购", "s"),
            note("b", "一般，不推荐", "s"),
        ];
        let r = run_with("toy", &notes, |texts| {
            texts
                .iter()
                .map(|t| {
                    let p = (t.chars().count() as f32 / 100.0).min(1.0);
                    (p, p > 0.5)
                })
                .collect()
        });
        assert_eq!(r.rows.len(), REWRITES.len());
        let get = |name: &str| r.rows.iter().find(|x| x.rewrite == name).unwrap();
        assert_eq!(get("period_to_comma").applied, 1);
        assert_eq!(get("period_to_comma").median, 0.0);
        assert!(get("period_to_comma").pass);
        assert_eq!(get("brand_to_real").applied, 0);
        assert!(
            !get("paste_twice").pass,
            "doubling the length moves this scorer"
        );
        assert!(!r.pass);
        assert!(table(&r).contains("FAIL"));
    }

    #[test]
    fn sampling_is_deterministic_and_per_source() {
        let notes: Vec<LabeledNote> = (0..50)
            .map(|i| note(&format!("n{i}"), "x", if i % 2 == 0 { "a" } else { "b" }))
            .collect();
        let s1 = sample(&notes, 10, 7);
        assert_eq!(s1, sample(&notes, 10, 7));
        assert_eq!(s1.len(), 20);
        assert_eq!(
            s1.iter()
                .filter(|n| n.source.as_deref() == Some("a"))
                .count(),
            10
        );
        assert_ne!(s1, sample(&notes, 10, 8));
    }
}
