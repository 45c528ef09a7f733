//! Word segmentation with jieba-rs and the marketing user dictionary.

use std::io::BufReader;
use std::sync::LazyLock;

use compact_str::CompactString;
use jieba_rs::Jieba;
use serde::Serialize;

use super::Normalized;

/// Our user dictionary of platform and marketing vocabulary (`word freq [tag]` lines).
pub(crate) const MARKETING_DICT: &str = include_str!("../../data/dict/marketing.txt");

/// The segmenter, built once per process: jieba's default dictionary plus ours.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    // jieba reads every line as an entry, so comments and blank lines go first.
    let entries: String = MARKETING_DICT
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .flat_map(|l| [l, "\n"])
        .collect();
    let mut reader = BufReader::new(entries.as_bytes());
    jieba
        .load_dict(&mut reader)
        .expect("data/dict/marketing.txt is a valid jieba dictionary");
    jieba
});

/// A word of the note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    /// The word as it reads in the normalised text (held inline, without an
    /// allocation, up to 24 bytes: every word but the rare long Latin one).
    pub word: CompactString,
    /// First char (inclusive), in the original text.
    pub start: usize,
    /// Last char (exclusive), in the original text.
    pub end: usize,
}

/// Splits the normalised note into words (whitespace dropped); each token carries
/// its char offsets into the original text.
pub fn segment(n: &Normalized) -> Vec<Token> {
    JIEBA
        .cut(&n.text, true)
        .into_iter()
        .filter(|t| !t.word.trim().is_empty())
        .map(|t| {
            let (start, end) = n.to_original(t.start, t.end);
            Token {
                word: t.word.into(),
                start,
                end,
            }
        })
        .collect()
}

/// Forces the segmenter to load (about 0.2 s). Loading an engine runs it beside
/// the rest of the text stages' set-up.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn words(text: &str) -> Vec<String> {
        segment(&normalize(text))
            .into_iter()
            .map(|t| t.word.into())
            .collect()
    }

    #[test]
    fn marketing_words_stay_whole() {
        let w = words("姐妹们闭眼入，这个平替我已经回购三次了，无广自费");
        for word in ["闭眼入", "平替", "回购", "无广", "自费"] {
            assert!(w.iter().any(|x| x == word), "{word} missing in {w:?}");
        }
    }

    #[test]
    fn dictionary_has_enough_entries() {
        let entries = MARKETING_DICT
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert!(entries >= 300, "only {entries} entries");
    }

    #[test]
    fn token_offsets_point_into_the_original() {
        let original = "ＹＹＤＳ！\r\n蓝链在评论区👇🏻";
        let n = normalize(original);
        for t in segment(&n) {
            let slice = n.original_slice(t.start, t.end);
            assert_eq!(
                normalize(slice).text.replace(' ', ""),
                t.word.replace(' ', "")
            );
        }
    }
}
