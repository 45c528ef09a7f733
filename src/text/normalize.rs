//! Normalisation with an offset map back to the original text, and entity tagging.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// What kind of span an [`Entity`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A Xiaohongshu topic, `#话题#` or `#话题[话题]#`.
    Hashtag,
    /// An `@name` mention.
    Mention,
    /// A URL, including short links such as xhslink / t.cn / e.tb.cn / u.jd.com.
    Url,
    /// A Taobao-style share code (`￥AbC123￥`, "复制这段内容打开…").
    ShareCode,
    /// A price (`¥199`, `199元`, `到手价129`).
    Price,
    /// An emoji, including ZWJ sequences and modifiers.
    Emoji,
}

/// A tagged span of the note, in char offsets of the original text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// What the span is.
    pub kind: EntityKind,
    /// First char (inclusive), in the original text.
    pub start: usize,
    /// Last char (exclusive), in the original text.
    pub end: usize,
    /// The original text of the span.
    pub text: String,
}

/// A normalised note: the normalised text, a map back to the original, and entities.
#[derive(Debug, Clone)]
pub struct Normalized {
    original: String,
    /// Byte offset of each original char, plus the total length at the end.
    orig_bytes: Vec<usize>,
    /// The normalised text (half-width, unified punctuation, collapsed whitespace,
    /// lower-case Latin, Traditional characters mapped to Simplified).
    pub text: String,
    /// Byte offset of each normalised char, plus the total length at the end.
    norm_bytes: Vec<usize>,
    /// For each normalised char, the original char range it came from.
    source: Vec<(u32, u32)>,
    /// Entities found in the note, in original char offsets, sorted by start.
    pub entities: Vec<Entity>,
}

/// Maps one character to its normalised form (`None` drops it; whitespace is handled
/// by the caller).
fn fold(c: char) -> Option<char> {
    let c = match c {
        // Full-width ASCII block to half-width.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{FFE5}' | '\u{00A5}' => '¥',
        '\u{20AC}' => '€',
        '\u{3001}' => '、',
        '\u{3002}' | '\u{FF61}' => '。',
        '\u{201C}' | '\u{201D}' | '\u{300C}' | '\u{300D}' | '\u{300E}' | '\u{300F}' => '"',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{3010}' | '\u{3016}' => '[',
        '\u{3011}' | '\u{3017}' => ']',
        '\u{300A}' => '<',
        '\u{300B}' => '>',
        '\u{2014}' | '\u{2015}' | '\u{2013}' => '-',
        '\u{301C}' | '\u{223C}' => '~',
        '\u{00B7}' | '\u{30FB}' => '·',
        // Zero-width and BOM characters carry no meaning outside emoji sequences;
        // the ZWJ is kept so emoji sequences survive.
        '\u{FEFF}' | '\u{200B}' | '\u{200C}' => return None,
        _ => c,
    };
    Some(c)
}

impl Normalized {
    /// The original text, as given.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// Number of chars in the original text.
    pub fn original_len(&self) -> usize {
        self.orig_bytes.len() - 1
    }

    /// Number of chars in the normalised text.
    pub fn len(&self) -> usize {
        self.source.len()
    }

    /// True when the normalised text is empty.
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    /// The original text between two original char offsets.
    pub fn original_slice(&self, start: usize, end: usize) -> &str {
        &self.original[self.orig_bytes[start]..self.orig_bytes[end]]
    }

    /// Maps a normalised char range `[start, end)` to the original char range it
    /// came from. An empty range maps to an empty range.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || start >= self.source.len() {
            let at = self
                .source
                .get(start)
                .map(|s| s.0 as usize)
                .unwrap_or(self.original_len());
            return (at, at);
        }
        let end = end.min(self.source.len());
        (
            self.source[start].0 as usize,
            self.source[end - 1].1 as usize,
        )
    }

    /// Converts a byte offset in the normalised text into a char offset.
    pub fn norm_char_at(&self, byte: usize) -> usize {
        match self.norm_bytes.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Maps a byte range of the normalised text (as a regex match gives it) to the
    /// original char range.
    pub fn byte_range_to_original(&self, start: usize, end: usize) -> (usize, usize) {
        self.to_original(self.norm_char_at(start), self.norm_char_at(end))
    }

    /// Original char ranges of the lines that repeat an earlier line word for
    /// word (a paragraph pasted twice, a tag line repeated).
    pub fn repeated_lines(&self) -> Vec<(usize, usize)> {
        repeated_lines(&self.text)
            .map(|r| self.byte_range_to_original(r.start, r.end))
            .collect()
    }

    /// Entities of one kind.
    pub fn entities_of(&self, kind: EntityKind) -> impl Iterator<Item = &Entity> {
        self.entities.iter().filter(move |e| e.kind == kind)
    }
}

/// Byte ranges of the lines of `text` (split at `\n`) that repeat an earlier
/// line word for word, leading and trailing whitespace aside; blank lines never
/// count.
pub fn repeated_lines(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut seen = fnv::FnvHashSet::default();
    let mut at = 0;
    text.split('\n').filter_map(move |line| {
        let range = at..at + line.len();
        at = range.end + 1;
        let key = line.trim();
        (!key.is_empty() && !seen.insert(key)).then_some(range)
    })
}

/// Normalises `original`: full-width ASCII to half-width, unified punctuation,
/// `\r\n` and whitespace runs collapsed (a run holding a line break becomes `\n`,
/// otherwise one space), Latin lower-cased, Traditional Chinese characters mapped
/// to Simplified one for one, emoji kept. Then tags hashtags, mentions, URLs, share
/// codes, prices and emoji.
///
/// Linear in the input length.
pub fn normalize(original: &str) -> Normalized {
    let mut orig_bytes = Vec::with_capacity(original.len() + 1);
    let mut text = String::with_capacity(original.len());
    let mut source: Vec<(u32, u32)> = Vec::with_capacity(original.len());
    // Pending whitespace run: (first char index, has newline).
    let mut ws: Option<(u32, bool)> = None;
    for (i, (b, c)) in (0u32..).zip(original.char_indices()) {
        orig_bytes.push(b);
        let Some(c) = fold(c) else { continue };
        if c.is_whitespace() {
            let nl = c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}';
            ws = Some(match ws {
                Some((s, had)) => (s, had || nl),
                None => (i, nl),
            });
            continue;
        }
        if let Some((s, nl)) = ws.take() {
            // Leading whitespace is dropped; inner runs collapse to one char.
            if !text.is_empty() {
                text.push(if nl { '\n' } else { ' ' });
                source.push((s, i));
            }
        }
        if c.is_ascii() || super::is_han(c) {
            text.push(c.to_ascii_lowercase());
            source.push((i, i + 1));
            continue;
        }
        let mut lower = c.to_lowercase();
        if lower.len() == 1 {
            let l = lower.next().unwrap_or(c);
            text.push(l);
            source.push((i, i + 1));
        } else {
            for l in lower {
                text.push(l);
                source.push((i, i + 1));
            }
        }
    }
    orig_bytes.push(original.len());
    // Traditional → Simplified, one char for one char, so offsets stay put.
    let text = super::simplified_owned(text);
    let mut norm_bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    norm_bytes.push(text.len());
    debug_assert_eq!(norm_bytes.len() - 1, source.len());
    let mut n = Normalized {
        original: original.to_owned(),
        orig_bytes,
        text,
        norm_bytes,
        source,
        entities: Vec::new(),
    };
    n.entities = tag_entities(&n);
    n
}

struct EntityPattern {
    kind: EntityKind,
    re: Regex,
}

static PATTERNS: LazyLock<Vec<EntityPattern>> = LazyLock::new(|| {
    let p = |kind, re: &str| EntityPattern {
        kind,
        re: Regex::new(re).expect("entity pattern compiles"),
    };
    vec![
        p(
            EntityKind::Url,
            r"(?:https?://[a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|(?-u:\b)(?:xhslink\.com|t\.cn|e\.tb\.cn|m\.tb\.cn|s\.tb\.cn|u\.jd\.com|3\.cn|dwz\.cn|url\.cn|v\.douyin\.com|s\.click\.taobao\.com|item\.taobao\.com|detail\.tmall\.com|item\.jd\.com)/[a-z0-9\-._~/?=&%#]*)",
        ),
        p(
            EntityKind::ShareCode,
            r"(?:[¥€$₤¢][a-z0-9]{6,20}[¥€$₤¢/]|\([a-z0-9]{4,8}\)\s?[a-z]{2,4}\d{3,6}|复制(?:这段|本条|整段|此条)?(?:内容|信息|口令|文字|链接)?[^\n]{0,24}?打开[^\n]{0,12}?(?:淘宝|天猫|京东|拼多多|手淘|app|[a-z]{2,8})|[a-z0-9]{8,16}\s?(?:淘口令|口令))",
        ),
        p(
            EntityKind::Hashtag,
            r"#[^#\s\[\]@]{1,40}?(?:\[话题\]|\[超话\])?#|#[^#\s\[\]@,.!?。、]{1,20}",
        ),
        p(EntityKind::Mention, r"@[\p{L}\p{N}_\-.·]{1,30}"),
        p(
            EntityKind::Price,
            r"(?:(?:到手价?|券后价?|活动价|原价|售价|专柜价|秒杀价|团购价|只要|仅需|才)\s?¥?\s?\d+(?:\.\d+)?(?:元|块|rmb)?|¥\s?\d+(?:\.\d+)?|\d+(?:\.\d+)?\s?(?:元|块钱|块|rmb(?-u:\b)|r(?-u:\b)))",
        ),
        p(
            EntityKind::Emoji,
            r"\p{Extended_Pictographic}(?:\x{FE0F}|\p{Emoji_Modifier})*(?:\x{200D}\p{Extended_Pictographic}(?:\x{FE0F}|\p{Emoji_Modifier})*)*|\p{Regional_Indicator}{2}",
        ),
    ]
});

/// Tags entities; earlier patterns win where spans overlap (a URL is not also a
/// hashtag or a price).
fn tag_entities(n: &Normalized) -> Vec<Entity> {
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut out = Vec::new();
    for p in PATTERNS.iter() {
        for m in p.re.find_iter(&n.text) {
            let (s, e) = (m.start(), m.end());
            if taken.iter().any(|&(ts, te)| s < te && ts < e) {
                continue;
            }
            taken.push((s, e));
            let (start, end) = n.byte_range_to_original(s, e);
            if start < end {
                out.push(Entity {
                    kind: p.kind,
                    start,
                    end,
                    text: n.original_slice(start, end).to_owned(),
                });
            }
        }
    }
    out.sort_by_key(|e| (e.start, e.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(n: &Normalized, kind: EntityKind) -> Vec<String> {
        n.entities_of(kind).map(|e| e.text.clone()).collect()
    }

    #[test]
    fn folds_width_case_punctuation_and_whitespace() {
        let n = normalize("  ＳＰＦ５０，真的  好用！！\r\n\r\n第二行【推荐】");
        assert_eq!(n.text, "spf50,真的 好用!!\n第二行[推荐]");
    }

    #[test]
    fn maps_back_to_original_offsets() {
        let original = "Ａ好\r\n👩‍👧 用";
        let n = normalize(original);
        assert_eq!(n.text, "a好\n👩‍👧 用");
        // "用" is the last normalised char; it comes from the last original char.
        let last = n.len() - 1;
        let (s, e) = n.to_original(last, last + 1);
        assert_eq!(n.original_slice(s, e), "用");
        // The collapsed "\r\n" maps back to both original chars.
        let (s, e) = n.to_original(2, 3);
        assert_eq!(n.original_slice(s, e), "\r\n");
    }

    #[test]
    fn traditional_maps_to_simplified_in_place() {
        let n = normalize("這是業配廣告");
        assert_eq!(n.text, "这是业配广告");
        assert_eq!(n.len(), n.original_len());
    }

    #[test]
    fn tags_hashtags_in_both_forms() {
        let n = normalize("好用 #护肤[话题]# #平价好物# 完");
        assert_eq!(
            kinds(&n, EntityKind::Hashtag),
            ["#护肤[话题]#", "#平价好物#"]
        );
    }

    #[test]
    fn tags_urls_share_codes_prices_mentions_emoji() {
        let n = normalize(
            "戳 http://xhslink.com/a/Xy12ab 或 e.tb.cn/h.abc ￥AbC123XyZ￥ 到手价129 199元 @小鹿 ✨👍🏻",
        );
        assert_eq!(
            kinds(&n, EntityKind::Url),
            ["http://xhslink.com/a/Xy12ab", "e.tb.cn/h.abc"]
        );
        assert_eq!(kinds(&n, EntityKind::ShareCode), ["￥AbC123XyZ￥"]);
        assert_eq!(kinds(&n, EntityKind::Price), ["到手价129", "199元"]);
        assert_eq!(kinds(&n, EntityKind::Mention), ["@小鹿"]);
        assert_eq!(kinds(&n, EntityKind::Emoji), ["✨", "👍🏻"]);
    }

    #[test]
    fn tags_copy_this_share_text() {
        let n = normalize("复制这段内容打开手机淘宝，即可查看");
        assert_eq!(kinds(&n, EntityKind::ShareCode).len(), 1);
    }

    #[test]
    fn zwj_sequence_is_one_emoji() {
        let n = normalize("带娃👩‍👧出门");
        assert_eq!(kinds(&n, EntityKind::Emoji), ["👩‍👧"]);
    }
}
