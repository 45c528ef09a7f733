//! Feature extraction for the linear model: hashed word unigrams and bigrams,
//! hashed character 1–3-grams of the normalised text, and a small dense block of
//! signal and shape features.
//!
//! One walker feeds two sinks: a fast one for training and scoring that only keeps
//! bucket values, and an explaining one ([`explain`]) that also keeps what each
//! feature is ([`Name`], borrowed from the note) and its original-text spans, so
//! contributions point at what the user wrote.

use std::hash::Hasher;

use fnv::FnvHasher;

mod buckets;
mod explain;
pub mod windows;

use buckets::{merge_grams, presence_value};
pub use explain::{Explanation, Feature, Name, explain};

use super::markup::{content_chars, markup_tokens};
use crate::signals::Analysis;
use crate::signals::{DisclosureStrength, SignalKind};
use crate::text::EntityKind;

/// Bits of the feature hash: 2^20 buckets.
pub const HASH_BITS: u32 = 20;
/// Number of hashed buckets.
pub const N_HASHED: usize = 1 << HASH_BITS;

/// Names of the dense features, in index order after the hashed buckets. Only
/// features a reader of ads would point to: the signals, disclosure, mentions,
/// list-shaped selling points, and who the note addresses. Writer habits (line
/// count, note length, emoji and hashtag density, punctuation, digit and Latin
/// share) are left out: they separated our writers, not ads (issue 15).
pub const DENSE_NAMES: [&str; 30] = [
    "signal_count:disclosure",
    "signal_count:call_to_action",
    "signal_count:offer",
    "signal_count:purchase_link",
    "signal_count:absolute_claim",
    "signal_count:efficacy_claim",
    "signal_count:selling_script",
    "signal_count:brand_repetition",
    "signal_count:experience",
    "signal_count:balance",
    "signal_count:commercial_mechanic",
    "signal_weight:disclosure",
    "signal_weight:call_to_action",
    "signal_weight:offer",
    "signal_weight:purchase_link",
    "signal_weight:absolute_claim",
    "signal_weight:efficacy_claim",
    "signal_weight:selling_script",
    "signal_weight:brand_repetition",
    "signal_weight:experience",
    "signal_weight:balance",
    "signal_weight:commercial_mechanic",
    "disclosure:clear",
    "disclosure:vague",
    "signal_weight:total",
    "shape:mentions",
    "shape:list_lines",
    "shape:first_person",
    "shape:second_person",
    "shape:bias_one",
];

/// The one signal kind the dense block does not read: `ad_denial`. Saying 无广
/// or 自费 does not describe advertising: on real notes organic writers say it
/// (13 organic notes of the real train split, no ad), and the written ads that
/// deny being ads are ads for what else they say. The cue is still reported,
/// checked by compliance and priced by the trust model. Leaving it out: real dev
/// ROC-AUC 0.877 → 0.878, written 0.970 → 0.970, out of fold on real train
/// 0.7932 → 0.7939.
const UNREAD: SignalKind = SignalKind::AdDenial;

/// How many signal kinds the dense block reads.
const N_READ: usize = SignalKind::ALL.len() - 1;

/// The signal kinds the dense block reads, in [`DENSE_NAMES`] order: every kind
/// of [`SignalKind::ALL`] but [`UNREAD`].
fn read_kinds() -> impl Iterator<Item = SignalKind> {
    SignalKind::ALL.into_iter().filter(|k| *k != UNREAD)
}

/// Total feature dimension: hashed buckets then dense features.
pub const DIM: usize = N_HASHED + DENSE_NAMES.len();

/// A sparse feature vector with sorted, unique indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse {
    /// Feature indices, ascending.
    pub idx: Vec<u32>,
    /// Values, one per index.
    pub val: Vec<f32>,
}

impl Sparse {
    /// Dot product with a dense weight vector.
    pub fn dot(&self, w: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| w[i as usize] * v)
            .sum()
    }

    /// A dense vector as a sparse one (every index present).
    pub fn from_dense(v: &[f32]) -> Sparse {
        Sparse {
            idx: (0..v.len() as u32).collect(),
            val: v.to_vec(),
        }
    }
}

fn bucket(prefix: u8, parts: &[&str]) -> u32 {
    let mut h = FnvHasher::default();
    h.write_u8(prefix);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.write_u8(0x1f);
        }
        h.write(p.as_bytes());
    }
    hashed(&h)
}

/// The bucket of what `h` has read.
fn hashed(h: &FnvHasher) -> u32 {
    (h.finish() & (N_HASHED as u64 - 1)) as u32
}

/// Receives hashed n-gram occurrences and dense values.
trait Sink<'a> {
    fn ngram(&mut self, bucket: u32, name: Name<'a>, span: (usize, usize));
    fn dense(&mut self, i: usize, value: f32, spans: Vec<(usize, usize)>);
}

/// Words with a letter, digit or CJK character; punctuation and emoji tokens
/// are typing habits, not content.
fn is_content(word: &str) -> bool {
    word.chars().any(crate::text::is_word_char)
}

fn walk<'a>(a: &'a Analysis, sink: &mut impl Sink<'a>) {
    // Word unigrams and bigrams.
    let n = &a.normalized;
    let markup = markup_tokens(&a.tokens);
    let words: Vec<_> = a
        .tokens
        .iter()
        .zip(&markup)
        .filter(|(t, m)| !**m && is_content(&t.word))
        .map(|(t, _)| t)
        .collect();
    for (i, t) in words.iter().enumerate() {
        sink.ngram(
            bucket(b'w', &[t.word.as_str()]),
            Name::Word(&t.word),
            (t.start, t.end),
        );
        if let Some(next) = words.get(i + 1) {
            sink.ngram(
                bucket(b'b', &[t.word.as_str(), next.word.as_str()]),
                Name::Pair(&t.word, &next.word),
                (t.start, next.end),
            );
        }
    }
    // Character 1–3-grams over the normalised text's letters, digits and CJK.
    let chars: Vec<(usize, char)> = n.text.char_indices().collect();
    let content = content_chars(&n.text, &chars);
    for i in 0..chars.len() {
        // The 1-, 2- and 3-gram starting here share their first bytes, so one
        // hasher carries on from each to the next ([`bucket`] of the gram).
        let mut h = FnvHasher::default();
        h.write_u8(b'c');
        let from = chars[i].0;
        for len in 1..=3 {
            let last = i + len - 1;
            // Punctuation and symbols are how a writer types, not what a note
            // says: n-grams stop at them (and at whitespace).
            if last >= chars.len() || !content[last] {
                break;
            }
            let to = chars.get(last + 1).map_or(n.text.len(), |c| c.0);
            h.write(&n.text.as_bytes()[chars[last].0..to]);
            let gram = &n.text[from..to];
            let (s, e) = n.to_original(i, i + len);
            sink.ngram(hashed(&h), Name::Chars(gram), (s, e));
        }
    }

    // Dense block: signals.
    let kinds = N_READ;
    let mut total = 0.0;
    for (k, kind) in read_kinds().enumerate() {
        let all: Vec<_> = a.signals.iter().filter(|s| s.kind == kind).collect();
        if all.is_empty() {
            continue;
        }
        let spans: Vec<_> = all.iter().map(|s| (s.start, s.end)).collect();
        // Each distinct cue once: a reader notices which cues a note uses, and a
        // note pasted twice or a long post repeating a phrase says nothing more.
        let mut seen = fnv::FnvHashSet::default();
        let of: Vec<_> = all
            .into_iter()
            .filter(|s| seen.insert(s.text.to_lowercase()))
            .collect();
        let weight: f32 = of.iter().map(|s| s.weight).sum();
        total += weight;
        sink.dense(k, (1.0 + of.len() as f32).ln(), spans.clone());
        sink.dense(kinds + k, weight.clamp(-4.0, 4.0), spans);
    }
    let disclosure = |want| {
        a.signals
            .iter()
            .filter(|s| s.kind == SignalKind::Disclosure && s.strength == Some(want))
            .map(|s| (s.start, s.end))
            .collect::<Vec<_>>()
    };
    let clear = disclosure(DisclosureStrength::Clear);
    if !clear.is_empty() {
        sink.dense(2 * kinds, 1.0, clear);
    }
    let vague = disclosure(DisclosureStrength::Vague);
    if !vague.is_empty() {
        sink.dense(2 * kinds + 1, 1.0, vague);
    }
    sink.dense(2 * kinds + 2, total.clamp(-6.0, 6.0) / 2.0, Vec::new());

    // Dense block: shape a reader would notice.
    let base = 2 * kinds + 3;
    let len = n.len().max(1) as f32;
    let lines = n.text.lines().filter(|l| !l.trim().is_empty()).count() as f32;
    let list_lines = n
        .text
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with(|c: char| c.is_ascii_digit() || "①②③④⑤⑥✅✔☑️▪•·-*".contains(c))
        })
        .count() as f32;
    let first = n.text.matches('我').count() as f32;
    let second = (n.text.matches('你').count()
        + n.text.matches("姐妹").count()
        + n.text.matches("宝子").count()
        + n.text.matches("家人们").count()) as f32;
    let shape = [
        (1.0 + n.entities_of(EntityKind::Mention).count() as f32).ln(),
        (list_lines / lines.max(1.0)).min(1.0),
        (first / len * 50.0).min(3.0),
        (second / len * 50.0).min(3.0),
        1.0,
    ];
    for (i, v) in shape.into_iter().enumerate() {
        if v != 0.0 {
            sink.dense(base + i, v, Vec::new());
        }
    }
}

/// Collects the fast path: the buckets present, then L2 normalisation of the
/// hashed part.
#[derive(Default)]
struct Fast {
    grams: Vec<u32>,
    dense: Vec<(u32, f32)>,
}

impl Sink<'_> for Fast {
    fn ngram(&mut self, bucket: u32, _: Name<'_>, _: (usize, usize)) {
        self.grams.push(bucket);
    }
    fn dense(&mut self, i: usize, value: f32, _: Vec<(usize, usize)>) {
        self.dense.push(((N_HASHED + i) as u32, value));
    }
}

/// The feature vector of an analysed note.
pub fn extract(a: &Analysis) -> Sparse {
    // Up to three char n-grams a char (a CJK char is three bytes) and two word
    // n-grams a word: room for all of them at once, not grown by doubling.
    let mut sink = Fast {
        grams: Vec::with_capacity(a.normalized.text.len() + 2 * a.tokens.len()),
        dense: Vec::new(),
    };
    walk(a, &mut sink);
    let mut all = merge_grams(sink.grams);
    sink.dense.sort_unstable_by_key(|d| d.0);
    all.extend(sink.dense);
    let (idx, val) = all.into_iter().unzip();
    Sparse { idx, val }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::analyze;

    #[test]
    fn dense_names_follow_the_kinds_read() {
        assert_eq!(read_kinds().count(), N_READ);
        for (k, kind) in read_kinds().enumerate() {
            assert_eq!(DENSE_NAMES[k], format!("signal_count:{}", kind.as_str()));
            let weight = format!("signal_weight:{}", kind.as_str());
            assert_eq!(DENSE_NAMES[N_READ + k], weight);
        }
        assert_eq!(DENSE_NAMES[2 * N_READ], "disclosure:clear");
        // A denial alone leaves the signal block empty; the cue is still found.
        let a = analyze("无广，纯分享", false);
        assert!(a.signals.iter().all(|s| s.kind == SignalKind::AdDenial));
        assert!(!a.signals.is_empty());
        let signal_block = N_HASHED + 2 * N_READ + 3;
        let x = extract(&a);
        let read: Vec<(&u32, &f32)> = (x.idx.iter().zip(&x.val))
            .filter(|(i, v)| (N_HASHED..signal_block).contains(&(**i as usize)) && **v != 0.0)
            .collect();
        assert!(read.is_empty(), "{read:?}");
    }

    #[test]
    fn char_grams_hash_as_their_text_does() {
        // The walk hashes each gram by carrying on from the one before it; the
        // bucket must be the one the gram's own text hashes to.
        let a = analyze("今天去公园散步，天气很好。Nice 的 day！#秋天[话题]#", false);
        let ex = explain(&a);
        let mut grams = 0;
        for f in &ex.features {
            if let Name::Chars(g) = f.name {
                assert_eq!(f.index, bucket(b'c', &[g]), "{g}");
                grams += 1;
            }
        }
        assert!(grams > 20, "{grams}");
    }

    #[test]
    fn hashed_part_is_unit_length() {
        let a = analyze("今天去公园散步，天气很好。", false);
        let v = extract(&a);
        let norm: f32 = v
            .idx
            .iter()
            .zip(&v.val)
            .filter(|(i, _)| (**i as usize) < N_HASHED)
            .map(|(_, x)| x * x)
            .sum();
        assert!((norm - 1.0).abs() < 1e-4);
    }
}
