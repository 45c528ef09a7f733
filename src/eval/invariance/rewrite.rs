//! Label-preserving surface rewrites of a note: layout, punctuation, script,
//! emoji, one neutral hashtag, a neutral title, the note pasted twice. Each is a
//! plain deterministic function that returns `None` when it does not apply (no
//! line break to join, no emoji to strip, …), so a report can count how many
//! notes each rewrite touched. The brand and price rewrites are in
//! [`super::entity`].

use std::sync::LazyLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use regex::Regex;

/// `Some(new)` when the rewrite changed the text, else `None`.
pub(crate) fn changed(old: &str, new: String) -> Option<String> {
    (new != old).then_some(new)
}

/// True for a Han character or CJK / full-width punctuation.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFF65)
}

/// All lines joined into one, separated by a space.
pub fn join_lines(text: &str) -> Option<String> {
    if !text.contains('\n') {
        return None;
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Some(lines.join(" "))
}

/// A line break after every sentence-final mark (。！？…, or `!`/`?` after a Han
/// character) that is not already at the end of a line.
pub fn split_sentences(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        let fin = matches!(c, '。' | '！' | '？' | '…')
            || (matches!(c, '!' | '?') && i > 0 && is_cjk(chars[i - 1]));
        let next = chars.get(i + 1).copied();
        let run_goes_on = next.is_some_and(|n| {
            matches!(
                n,
                '。' | '！' | '？' | '…' | '!' | '?' | '”' | '」' | '』' | '）' | ')'
            )
        });
        if fin && !run_goes_on && next.is_some_and(|n| !n.is_whitespace()) {
            out.push('\n');
        }
    }
    changed(text, out)
}

/// Every 。 becomes ，.
pub fn period_to_comma(text: &str) -> Option<String> {
    changed(text, text.replace('。', "，"))
}

/// Every ， becomes 。.
pub fn comma_to_period(text: &str) -> Option<String> {
    changed(text, text.replace('，', "。"))
}

/// Every ， and 。 becomes a space (dropped before whitespace or at the end),
/// the way casual posters write.
pub fn punct_to_space(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '，' | '。') {
            if chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    changed(text, out)
}

static CJK_SPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([\p{Han}])[ \u{3000}]+([\p{Han}])").expect("pattern compiles"));

/// A run of spaces between two Han characters becomes ，.
pub fn space_to_comma(text: &str) -> Option<String> {
    // Twice, so that single-character pieces (`好 大 啊`) are all rewritten.
    let once = CJK_SPACE.replace_all(text, "$1，$2");
    let twice = CJK_SPACE.replace_all(&once, "$1，$2").into_owned();
    changed(text, twice)
}

const WIDTH_PAIRS: [(char, char); 9] = [
    ('，', ','),
    ('。', '.'),
    ('！', '!'),
    ('？', '?'),
    ('：', ':'),
    ('；', ';'),
    ('（', '('),
    ('）', ')'),
    ('、', ','),
];

/// Full-width punctuation becomes half-width (，→`,`, 。→`.`, ！→`!` …).
pub fn to_halfwidth(text: &str) -> Option<String> {
    let out = text
        .chars()
        .map(|c| WIDTH_PAIRS.iter().find(|p| p.0 == c).map_or(c, |p| p.1))
        .collect();
    changed(text, out)
}

/// Half-width punctuation next to a Chinese character becomes full-width;
/// punctuation inside numbers, URLs and Latin words is left alone.
pub fn to_fullwidth(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let out = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let Some(&(full, _)) = WIDTH_PAIRS[..8].iter().find(|p| p.1 == c) else {
                return c;
            };
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            // `1.` before a list item and `v2.` stay: a full stop after a digit or
            // letter is a list marker or part of a name, not the end of a sentence.
            if c == '.' && prev.is_some_and(|p| p.is_ascii_alphanumeric()) {
                return c;
            }
            if prev.is_some_and(is_cjk) || next.is_some_and(is_cjk) {
                full
            } else {
                c
            }
        })
        .collect();
    changed(text, out)
}

static S2T: LazyLock<OpenCC> =
    LazyLock::new(|| OpenCC::from_config(BuiltinConfig::S2t).expect("built-in s2t config loads"));

/// Simplified characters become Traditional (OpenCC `s2t`).
pub fn to_traditional(text: &str) -> Option<String> {
    changed(text, S2T.convert(text))
}

/// Traditional characters become Simplified (`fast2s`).
pub fn to_simplified(text: &str) -> Option<String> {
    changed(text, fast2s::convert(text))
}

static EMOJI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\p{Extended_Pictographic}(?:\x{FE0F}|\p{Emoji_Modifier})*(?:\x{200D}\p{Extended_Pictographic}(?:\x{FE0F}|\p{Emoji_Modifier})*)*|\p{Regional_Indicator}{2}|\x{FE0F}|\x{20E3}",
    )
    .expect("pattern compiles")
});

/// Every emoji removed (keycaps keep their digit).
pub fn strip_emoji(text: &str) -> Option<String> {
    changed(text, EMOJI.replace_all(text, "").into_owned())
}

/// Two everyday emoji added: 😊 after the first line, 🌿 at the end.
pub fn add_emoji(text: &str) -> Option<String> {
    let out = match text.split_once('\n') {
        Some((first, rest)) => format!("{first}😊\n{rest}🌿"),
        None => format!("{text}😊🌿"),
    };
    Some(out)
}

/// The neutral topic added by [`add_hashtag`] (a real topic in the `#…[话题]#`
/// form real notes use).
pub const NEUTRAL_HASHTAG: &str = "#日常[话题]#";

/// [`NEUTRAL_HASHTAG`] appended: after the hashtags when the last line holds
/// some, else on a line of its own.
pub fn add_hashtag(text: &str) -> Option<String> {
    let trimmed = text.trim_end();
    let last = trimmed.rsplit('\n').next().unwrap_or("");
    let sep = if last.contains('#') { " " } else { "\n" };
    Some(format!("{trimmed}{sep}{NEUTRAL_HASHTAG}"))
}

static HASHTAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#([^#\s\[\]@]{1,40}?)(?:\[话题\]|\[超话\])?#").expect("pattern compiles")
});

/// Words that make a topic commercial (a disclosure, an offer, a shop, a
/// campaign): such a hashtag is never removed.
const COMMERCIAL_TOPIC: &[&str] = &[
    "广告",
    "合作",
    "推广",
    "赞助",
    "恰饭",
    "品牌",
    "好物",
    "种草",
    "团购",
    "优惠",
    "福利",
    "抽奖",
    "店",
    "直播",
    "新品",
    "官方",
    "旗舰",
    "同款",
    "链接",
    "购",
    "买",
    "券",
    "折",
    "促",
    "618",
    "双十一",
    "双11",
    "测评",
    "评测",
    "安利",
    "推荐",
    "必入",
    "平价",
    "宝藏",
    "薯",
    "活动",
    "体验",
];

/// True when a topic reads as neutral: no commercial word, no Latin letters
/// (product and brand names), no digits (model numbers, sale dates).
fn neutral_topic(topic: &str) -> bool {
    !COMMERCIAL_TOPIC.iter().any(|w| topic.contains(w))
        && !topic.chars().any(|c| c.is_ascii_alphanumeric())
        && !super::entity::mentions_brand(topic)
}

/// The last neutral closed hashtag (`#…[话题]#` or `#…#`) removed, with one
/// space beside it; `None` when the note has no neutral one.
pub fn remove_hashtag(text: &str) -> Option<String> {
    let m = HASHTAG
        .captures_iter(text)
        .filter(|c| neutral_topic(&c[1]))
        .last()?
        .get(0)?;
    let (mut s, mut e) = (m.start(), m.end());
    if text[e..].starts_with(' ') {
        e += 1;
    } else if text[..s].ends_with(' ') {
        s -= 1;
    }
    Some(format!("{}{}", &text[..s], &text[e..]))
}

/// The neutral title line added by [`prepend_title`].
pub const NEUTRAL_TITLE: &str = "随手记录一下";

/// [`NEUTRAL_TITLE`] prepended as a title line.
pub fn prepend_title(text: &str) -> Option<String> {
    Some(format!("{NEUTRAL_TITLE}\n{text}"))
}

/// The note pasted twice with a blank line between.
pub fn paste_twice(text: &str) -> Option<String> {
    Some(format!("{text}\n\n{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        assert_eq!(
            join_lines("标题\n第一行\n\n第二行").unwrap(),
            "标题 第一行 第二行"
        );
        assert_eq!(join_lines("一行"), None);
        assert_eq!(
            split_sentences("好用。回购了！！真的吗?嗯").unwrap(),
            "好用。\n回购了！！\n真的吗?\n嗯"
        );
        assert_eq!(split_sentences("看 https://a.cn/x?y=1 就行"), None);
        assert_eq!(split_sentences("好用。\n回购了。"), None);
        assert_eq!(split_sentences("他说“好用。”然后"), None);
    }

    #[test]
    fn punctuation() {
        assert_eq!(period_to_comma("好。很好。").unwrap(), "好，很好，");
        assert_eq!(comma_to_period("好，很好").unwrap(), "好。很好");
        assert_eq!(
            punct_to_space("好，很好。\n再见。").unwrap(),
            "好 很好\n再见"
        );
        assert_eq!(
            space_to_comma("好 大 啊  真香 ok 行").unwrap(),
            "好，大，啊，真香 ok 行"
        );
        assert_eq!(period_to_comma("no period"), None);
        assert_eq!(
            to_halfwidth("好！（真的）、是吗？").unwrap(),
            "好!(真的),是吗?"
        );
        assert_eq!(
            to_fullwidth("好!(真的)价格29.9,见 https://a.cn/x?y=1 ok.").unwrap(),
            "好！（真的）价格29.9，见 https://a.cn/x?y=1 ok."
        );
        assert_eq!(to_fullwidth("price 29.9, ok!"), None);
        assert_eq!(to_fullwidth("清单\n1.手机支架"), None);
    }

    #[test]
    fn script() {
        assert_eq!(
            to_traditional("这款面霜真的很好用").unwrap(),
            "這款面霜真的很好用"
        );
        assert_eq!(
            to_simplified("這款面霜真的很好用").unwrap(),
            "这款面霜真的很好用"
        );
        assert_eq!(to_simplified("ok"), None);
    }

    #[test]
    fn emoji() {
        assert_eq!(strip_emoji("好看😭✨1️⃣👩‍👧 yes🇨🇳").unwrap(), "好看1 yes");
        assert_eq!(strip_emoji("没有表情"), None);
        assert_eq!(add_emoji("标题\n正文").unwrap(), "标题😊\n正文🌿");
        assert_eq!(add_emoji("一行").unwrap(), "一行😊🌿");
    }

    #[test]
    fn hashtags() {
        assert_eq!(add_hashtag("正文\n").unwrap(), "正文\n#日常[话题]#");
        assert_eq!(
            add_hashtag("正文\n#秋天[话题]#").unwrap(),
            "正文\n#秋天[话题]# #日常[话题]#"
        );
        assert_eq!(
            remove_hashtag("正文 #秋天[话题]# #好物分享[话题]#").unwrap(),
            "正文 #好物分享[话题]#"
        );
        assert_eq!(remove_hashtag("正文 #秋天# 完").unwrap(), "正文 完");
        assert_eq!(
            remove_hashtag("#广告 正文 #团购[话题]# #追觅P10[话题]#"),
            None
        );
        assert_eq!(remove_hashtag("#优衣库穿搭[话题]#"), None);
    }

    #[test]
    fn title_and_twice() {
        assert_eq!(prepend_title("正文").unwrap(), "随手记录一下\n正文");
        assert_eq!(paste_twice("a\nb").unwrap(), "a\nb\n\na\nb");
    }
}
