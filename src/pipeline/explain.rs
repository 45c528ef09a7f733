//! Explanations: one pass over the explained features gives the linear margin, the
//! top contributions with their spans, and the sentence sums; and the nearest
//! authentic and ad examples from the encoder index.

use crate::model::features::{self, N_HASHED};
use crate::model::head::Index;
use crate::model::logistic::{Logistic, Platt};
use crate::signals::Analysis;

use super::score::{Contribution, Example, Sentence, Similar, Span};

/// What one pass over the features yields.
#[derive(Debug, Clone)]
pub(super) struct Explained {
    /// The raw linear margin `w·x + b` (the same number `Logistic::margin` gives).
    pub margin: f32,
    /// 8 largest toward ad, then 8 largest toward organic (and, for a long note,
    /// the length discount among them).
    pub contributions: Vec<Contribution>,
    /// The 5 sentences that pushed most toward ad.
    pub sentences: Vec<Sentence>,
}

impl Explained {
    /// The same explanation with every span moved `by` chars later: a window's
    /// explanation placed in the note it was cut from.
    pub fn shifted(mut self, by: usize) -> Explained {
        for c in &mut self.contributions {
            for s in &mut c.spans {
                s.start += by;
                s.end += by;
            }
        }
        for s in &mut self.sentences {
            s.start += by;
            s.end += by;
        }
        self
    }

    /// The explanation of a long note's most ad-like window made the note's: the
    /// length discount taken off the margin and shown as a contribution of its
    /// own (`特征:long_note`, in calibrated log-odds like the others).
    pub fn discounted(mut self, discount: f32, cal: Platt) -> Explained {
        self.margin -= discount;
        let c = Contribution {
            feature: "特征:long_note".into(),
            contribution: -cal.a * discount,
            spans: Vec::new(),
        };
        let at = (self.contributions.iter())
            .position(|x| x.contribution < 0.0 && x.contribution > c.contribution)
            .unwrap_or(self.contributions.len());
        self.contributions.insert(at, c);
        self
    }
}

/// Walks the note's features once: sums the margin (in the order and with the
/// values `Logistic::margin` uses, so it is the same number) and, in calibrated
/// log-odds units (the Platt slope times `w·x`), the contributions and sentence
/// sums. Only the contributions shown are named and quoted.
pub(super) fn explain(a: &Analysis, m: &Logistic, cal: Platt) -> Explained {
    let ex = features::explain(a);
    let original = a.normalized.original();
    let chars: Vec<char> = original.chars().collect();
    let slice = |s: usize, e: usize| {
        chars[s.min(chars.len())..e.min(chars.len())]
            .iter()
            .collect::<String>()
    };
    let sentences = sentence_bounds(&chars);
    let mut sums = vec![0.0f32; sentences.len()];
    // Gather every w·x in a tight loop first: each is a load from a 4 MB weight
    // vector that misses the cache, and with nothing else in the loop the CPU
    // keeps many of them in flight at once.
    let wx: Vec<f32> = (ex.features.iter())
        .map(|f| m.weights[f.index as usize] * f.value)
        .collect();
    let dot: f32 = wx.iter().sum();
    let mut all: Vec<(&features::Feature, f32)> = Vec::new();
    for (f, &wx) in ex.features.iter().zip(&wx) {
        let c = cal.a * wx;
        if c == 0.0 {
            continue;
        }
        let spans = ex.spans_of(f);
        if !spans.is_empty() {
            let share = c / spans.len() as f32;
            for &(s, _) in spans {
                // Sentences are contiguous and ascending: the one holding `s` is
                // the last that starts at or before it.
                let k = sentences.partition_point(|&(a, _)| a <= s);
                if k > 0 && s < sentences[k - 1].1 {
                    sums[k - 1] += share;
                }
            }
        }
        // Shape features without spans and the constant are reported only when large.
        if f.index as usize >= N_HASHED && spans.is_empty() && c.abs() < 0.05 {
            continue;
        }
        all.push((f, c));
    }
    // The 8 largest each way, ties in feature order toward ad and in reverse
    // feature order toward organic (as a stable sort of all, read from both ends,
    // would give), without sorting the hundreds that are not shown.
    let side = |keep: fn(f32) -> bool| -> Vec<(usize, (&features::Feature, f32))> {
        (all.iter().copied().enumerate())
            .filter(|x| keep(x.1.1))
            .collect()
    };
    let pos = top(side(|c| c > 0.0), 8, |x, y| {
        y.1.1.total_cmp(&x.1.1).then(x.0.cmp(&y.0))
    });
    let neg = top(side(|c| c < 0.0), 8, |x, y| {
        x.1.1.total_cmp(&y.1.1).then(y.0.cmp(&x.0))
    });
    let contributions = pos
        .into_iter()
        .chain(neg)
        .map(|(_, (f, c))| Contribution {
            feature: f.name.to_string(),
            contribution: c,
            spans: ex
                .spans_of(f)
                .iter()
                .take(5)
                .map(|&(s, e)| Span {
                    start: s,
                    end: e,
                    text: slice(s, e),
                })
                .collect(),
        })
        .collect();
    // Quote only the five sentences shown (a long post has thousands).
    let ranked: Vec<((usize, usize), f32)> = sentences
        .into_iter()
        .zip(sums)
        .filter(|((s, e), _)| !chars[*s..*e].iter().all(|c| c.is_whitespace()))
        .collect();
    // Largest first, ties in reading order (sentences are ascending by start).
    let shown = top(ranked, 5, |x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let out: Vec<Sentence> = shown
        .into_iter()
        .map(|((s, e), c)| Sentence {
            start: s,
            end: e,
            text: slice(s, e),
            contribution: c,
        })
        .collect();
    Explained {
        margin: dot + m.bias,
        contributions,
        sentences: out,
    }
}

/// The first `k` of `v` in the order `cmp` (a total order), sorted.
fn top<T>(mut v: Vec<T>, k: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    if v.len() > k {
        v.select_nth_unstable_by(k, &cmp);
        v.truncate(k);
    }
    v.sort_unstable_by(cmp);
    v
}

/// Sentence char ranges: split after 。！？!?；; and at line breaks.
pub(super) fn sentence_bounds(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '。' | '！' | '？' | '!' | '?' | '\n' | '；' | ';') {
            if i + 1 > start {
                out.push((start, i + 1));
            }
            start = i + 1;
        }
    }
    if start < chars.len() {
        out.push((start, chars.len()));
    }
    out
}

/// The 3 nearest organic notes and the 3 nearest ads to an embedding.
pub(super) fn similar(idx: &Index, e: &[f32]) -> Similar {
    let (organic, ads) = idx.nearest(e, 3);
    let to_examples = |v: &[(usize, f32)]| -> Vec<Example> {
        v.iter()
            .map(|&(i, sim)| Example {
                id: idx.entries[i].id.clone(),
                similarity: sim,
                snippet: idx.entries[i].snippet.clone(),
            })
            .collect()
    };
    let mean = |v: &[(usize, f32)]| v.iter().map(|x| x.1).sum::<f32>() / v.len().max(1) as f32;
    Similar {
        authenticity_contrast: mean(&ads) - mean(&organic),
        organic: to_examples(&organic),
        ads: to_examples(&ads),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::features::{DIM, extract};
    use crate::signals::analyze;

    #[test]
    fn sentences_cover_the_text() {
        let chars: Vec<char> = "第一句。第二句！\n第三句".chars().collect();
        let b = sentence_bounds(&chars);
        assert_eq!(b, vec![(0, 4), (4, 8), (8, 9), (9, 12)]);
    }

    #[test]
    fn top_gives_what_a_stable_sort_gives_first() {
        // Many ties: the shown ones must be the ones a full stable sort lists first.
        let values: Vec<f32> = (0..200).map(|i| ((i * 37) % 11) as f32 - 5.0).collect();
        let mut sorted: Vec<(usize, f32)> = values.iter().copied().enumerate().collect();
        sorted.sort_by(|x, y| y.1.total_cmp(&x.1));
        for k in [0, 1, 8, 199, 200, 500] {
            let got = top(values.iter().copied().enumerate().collect(), k, |x, y| {
                y.1.total_cmp(&x.1).then(x.0.cmp(&y.0))
            });
            assert_eq!(got, sorted[..k.min(200)], "k = {k}");
        }
    }

    #[test]
    fn the_one_pass_margin_equals_the_model_margin() {
        let weights: Vec<f32> = (0..DIM).map(|i| ((i % 13) as f32 - 6.0) * 0.01).collect();
        let m = Logistic { weights, bias: 0.3 };
        let a = analyze("姐妹们闭眼入！到手价99，链接在评论区\n缺点是有点贵", false);
        let e = explain(&a, &m, Platt { a: 1.0, b: 0.0 });
        assert_eq!(
            e.margin,
            m.margin(&extract(&a)),
            "the same number, bit for bit"
        );
        assert!(!e.contributions.is_empty() && !e.sentences.is_empty());
    }
}
