//! The explaining side of feature extraction: every feature with the
//! original-text spans it came from and a name a reader understands, built in
//! one walk without an allocation per n-gram (names borrow from the note and
//! are formatted only when shown).

use std::fmt;
use std::ops::Range;

use super::{DENSE_NAMES, N_HASHED, Sink, presence_value, walk};
use crate::signals::Analysis;

/// What a feature is, borrowed from the analysed note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name<'a> {
    /// A segmented word: `词:闭眼入`.
    Word(&'a str),
    /// Two adjacent content words: `词组:闭眼|入`.
    Pair(&'a str, &'a str),
    /// A character 1–3-gram of the normalised text: `字:入手`.
    Chars(&'a str),
    /// A dense feature, by its index in [`DENSE_NAMES`]: `特征:signal_count:offer`.
    Dense(usize),
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Name::Word(w) => write!(f, "词:{w}"),
            Name::Pair(a, b) => write!(f, "词组:{a}|{b}"),
            Name::Chars(g) => write!(f, "字:{g}"),
            Name::Dense(i) => write!(f, "特征:{}", DENSE_NAMES[*i]),
        }
    }
}

/// One feature of one note, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature<'a> {
    /// Feature index.
    pub index: u32,
    /// Feature value (after normalisation), as [`super::extract`] gives it.
    pub value: f32,
    /// What the feature is. Several n-grams may share a bucket; the first seen
    /// in the note names it.
    pub name: Name<'a>,
    /// Where its spans lie in [`Explanation::spans`].
    pub spans: Range<usize>,
}

/// Every feature of a note in index order (the order of [`super::extract`]),
/// with their original-text char spans in one flat list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation<'a> {
    /// The features, ascending by index.
    pub features: Vec<Feature<'a>>,
    /// All spans, grouped by feature.
    pub spans: Vec<(usize, usize)>,
}

impl Explanation<'_> {
    /// The original-text char spans where `f` occurs (may be empty).
    pub fn spans_of(&self, f: &Feature<'_>) -> &[(usize, usize)] {
        &self.spans[f.spans.clone()]
    }
}

/// Char spans in the original text: (first, past the last).
type Spans = Vec<(usize, usize)>;

#[derive(Default)]
struct Explaining<'a> {
    grams: Vec<(u32, Name<'a>, (usize, usize))>,
    dense: Vec<(u32, f32, Spans)>,
}

impl<'a> Sink<'a> for Explaining<'a> {
    fn ngram(&mut self, bucket: u32, name: Name<'a>, span: (usize, usize)) {
        self.grams.push((bucket, name, span));
    }
    fn dense(&mut self, i: usize, value: f32, spans: Vec<(usize, usize)>) {
        self.dense.push(((N_HASHED + i) as u32, value, spans));
    }
}

/// The same features as [`super::extract`] (same indices, same values), each
/// with its name and spans.
pub fn explain(a: &Analysis) -> Explanation<'_> {
    let mut sink = Explaining::default();
    walk(a, &mut sink);
    // By bucket, then by position in the note: the key is the bucket in the high
    // half and the occurrence's rank in the low half, so a plain integer sort
    // keeps each bucket's occurrences in note order.
    let mut order: Vec<u64> = (sink.grams.iter().enumerate())
        .map(|(i, g)| (u64::from(g.0) << 32) | i as u64)
        .collect();
    order.sort_unstable();
    let same = |x: &u64, y: &u64| x >> 32 == y >> 32;
    let unique = order.chunk_by(same).count();
    let value = presence_value(unique);
    let mut out = Explanation {
        features: Vec::with_capacity(unique + sink.dense.len()),
        spans: Vec::with_capacity(order.len()),
    };
    for group in order.chunk_by(same) {
        let from = out.spans.len();
        let first = &sink.grams[(group[0] & 0xffff_ffff) as usize];
        out.spans.extend(
            group
                .iter()
                .map(|k| sink.grams[(k & 0xffff_ffff) as usize].2),
        );
        out.features.push(Feature {
            index: first.0,
            value,
            name: first.1,
            spans: from..out.spans.len(),
        });
    }
    sink.dense.sort_unstable_by_key(|d| d.0);
    for (index, value, spans) in sink.dense {
        let from = out.spans.len();
        out.spans.extend(spans);
        out.features.push(Feature {
            index,
            value,
            name: Name::Dense(index as usize - N_HASHED),
            spans: from..out.spans.len(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use super::*;
    use crate::signals::analyze;

    #[test]
    fn explain_matches_extract() {
        let a = analyze(
            "【好物分享】姐妹们闭眼入！！\n到手价¥129，链接在评论区👇🏻 #好物[话题]#",
            false,
        );
        let fast = extract(&a);
        let slow = explain(&a);
        assert_eq!(fast.idx.len(), slow.features.len());
        for (i, e) in slow.features.iter().enumerate() {
            assert_eq!(fast.idx[i], e.index);
            assert_eq!(fast.val[i], e.value, "the same value, bit for bit");
        }
        assert!(fast.idx.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        let cta = slow
            .features
            .iter()
            .find(|e| e.name.to_string() == "词:闭眼入")
            .expect("word feature");
        let chars: Vec<char> = a.normalized.original().chars().collect();
        let (s, e) = slow.spans_of(cta)[0];
        assert_eq!(chars[s..e].iter().collect::<String>(), "闭眼入");
        let dense = slow.features.last().expect("the constant");
        assert_eq!(dense.name.to_string(), "特征:shape:bias_one");
    }

    #[test]
    fn repeated_ngrams_keep_every_span_in_order() {
        let a = analyze("好用好用好用", false);
        let ex = explain(&a);
        let f = ex
            .features
            .iter()
            .find(|f| f.name == Name::Chars("好用"))
            .expect("char bigram");
        let spans = ex.spans_of(f);
        assert_eq!(spans, &[(0, 2), (2, 4), (4, 6)]);
    }
}
