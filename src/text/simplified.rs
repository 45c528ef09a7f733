//! Traditional → Simplified Chinese with `fast2s`, skipped for text it would
//! leave unchanged. Most notes are Simplified already, and `fast2s::convert`
//! looks every three-byte character up in three hash tables whatever it is;
//! a bit per character of the Basic Multilingual Plane says beforehand whether
//! it can change at all.

use std::borrow::Cow;
use std::sync::LazyLock;

/// The keys of `fast2s`'s context tables (看著 → 看着, 乾隆 stays): always treated
/// as characters that may change, though some of them (覆, 藉, 幺) never do in
/// fast2s 0.3.1. A few common Simplified characters (覆盖, 显著) then take the
/// full conversion, which is correct and only slower.
const IN_CONTEXT: &str = "兒覆夥藉瞭麽幺於乾著苧闔鍾讎畫";

/// One bit per BMP character: set when `fast2s` may change it. Built on first
/// use from 61,440 one-character conversions (U+0800..=U+FFFF without surrogates) (a few milliseconds, on the
/// engine's warm-up thread).
static CHANGES: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut bits = vec![0u64; 0x1_0000 / 64];
    let mut set = |c: char| bits[c as usize / 64] |= 1 << (c as usize % 64);
    // fast2s only looks at characters of three UTF-8 bytes: U+0800..=U+FFFF.
    let mut buf = [0u8; 4];
    for c in (0x800..=0xFFFF).filter_map(char::from_u32) {
        let one: &str = c.encode_utf8(&mut buf);
        if fast2s::convert(one) != one {
            set(c);
        }
    }
    IN_CONTEXT.chars().for_each(set);
    bits
});

/// Whether `fast2s` may change `c` (in some context).
pub fn may_change(c: char) -> bool {
    let u = c as usize;
    (0x800..=0xFFFF).contains(&u) && CHANGES[u / 64] & (1 << (u % 64)) != 0
}

/// `fast2s::convert(text)`, borrowed unchanged when no character of it can change.
pub fn simplified(text: &str) -> Cow<'_, str> {
    if text.chars().any(may_change) {
        Cow::Owned(fast2s::convert(text))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`simplified`] for an owned string: handed back as it is when nothing changes.
pub fn simplified_owned(text: String) -> String {
    if text.chars().any(may_change) {
        fast2s::convert(&text)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_converts_as_fast2s_does() {
        let mut buf = [0u8; 4];
        let mut changing = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let one: &str = c.encode_utf8(&mut buf);
            let want = fast2s::convert(one);
            assert_eq!(simplified(one), want.as_str(), "U+{:04X}", c as u32);
            changing += usize::from(want != one);
        }
        assert!(
            changing > 2000,
            "the table knows Traditional characters: {changing}"
        );
    }

    #[test]
    fn context_dependent_characters_and_whole_notes_match_fast2s() {
        for text in [
            "看著",
            "著作",
            "乾隆",
            "乾淨",
            "藉口",
            "慰藉",
            "回覆",
            "覆蓋",
            "計畫",
            "畫畫",
            "闔家",
            "鍾書",
            "這個產品還不錯",
            "这个产品还不错",
            "",
            "abc😀",
            "幺麽",
            "樊於期",
        ] {
            assert_eq!(simplified(text), fast2s::convert(text).as_str(), "{text}");
            assert_eq!(
                simplified_owned(text.to_owned()),
                fast2s::convert(text),
                "{text}"
            );
        }
        assert!(matches!(simplified("这个产品还不错"), Cow::Borrowed(_)));
        assert!(matches!(simplified("這個"), Cow::Owned(_)));
    }

    #[test]
    fn real_notes_convert_as_fast2s_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let notes = std::fs::read_to_string(root.join("data/real/xhs/dev.jsonl")).unwrap();
        let mut n = 0;
        for line in notes.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = v["text"].as_str().unwrap();
            assert_eq!(simplified(text), fast2s::convert(text).as_str());
            n += 1;
        }
        assert!(n > 400);
    }
}
