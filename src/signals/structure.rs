//! Structural detectors: numbered selling-point lists, spec/ingredient lists, and
//! brand-name repetition. These look at the shape of the note, not single words.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::{Signal, SignalKind};
use crate::text::{Normalized, Token};

static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^\s*(?:\d{1,2}\s?[.、):]|[①②③④⑤⑥⑦⑧⑨⑩]|[✅✔☑👉🔸🔹▪•◆◇★☆✨💡📌🌟⭐❤💕🍀🔥]|(?:第[一二三四五六七八九十]|其[一二三四五]|首先|其次|再次|最后)[,、:]?)",
    )
    .expect("list pattern compiles")
});

static SPEC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\d+(?:\.\d+)?\s?(?:%|mah|w(?-u:\b)|hz|mm|cm|kg|g(?-u:\b)|ml|mg|小时|倍|nits|gb|tb|寸|英寸|万像素|分贝|db(?-u:\b)|pa(?-u:\b)|℃|度)|烟酰胺|玻尿酸|透明质酸|视黄醇|a醇|vc|胜肽|神经酰胺|角鲨烷|积雪草|二裂酵母|胶原蛋白|益生菌|乳铁蛋白|dha|hmo|蛋白质含量|处理器|芯片|刷新率|续航|像素|降噪",
    )
    .expect("spec pattern compiles")
});

static LATIN_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[a-z][a-z0-9'&\-]{2,}").expect("latin pattern compiles"));

/// Latin words too common to count as a brand.
const COMMON_LATIN: &[&str] = &[
    "the", "and", "for", "you", "yyds", "spf", "diy", "app", "vlog", "plog", "ootd", "emo", "http",
    "https", "com", "www", "xhslink", "taobao", "tmall", "ins", "bgm", "wifi", "usb", "pro", "max",
    "plus", "mini", "ok", "hhh", "hhhh", "hhhhh", "omg", "cpu", "gpu", "suv", "pa", "nice", "good",
    "very", "really", "all", "one", "day", "new", "size", "top", "etc",
];

fn span_signal(
    n: &Normalized,
    kind: SignalKind,
    bytes: (usize, usize),
    weight: f32,
    explanation: String,
) -> Signal {
    let (start, end) = n.byte_range_to_original(bytes.0, bytes.1);
    Signal {
        explanation,
        ..Signal::new(
            kind,
            start,
            end,
            n.original_slice(start, end).to_owned(),
            weight,
        )
    }
}

/// Three or more list-marked lines (1. 2. 3. / ①②③ / ✅✅✅): a benefit list.
pub(super) fn selling_lists(n: &Normalized) -> Vec<Signal> {
    let items: Vec<_> = LIST_ITEM.find_iter(&n.text).collect();
    if items.len() < 3 {
        return Vec::new();
    }
    let first = items[0].start();
    let last = items[items.len() - 1];
    // The span ends at the end of the last item's line.
    let end = n.text[last.end()..]
        .find('\n')
        .map_or(n.text.len(), |i| last.end() + i);
    let start = first + n.text[first..].len() - n.text[first..].trim_start().len();
    let weight = (0.3 + 0.1 * items.len() as f32).min(1.0);
    vec![span_signal(
        n,
        SignalKind::SellingScript,
        (start, end),
        weight,
        format!(
            "{} 条编号/符号式卖点清单，读起来像品牌给的 brief；改成自己用下来的过程和感受会更可信。",
            items.len()
        ),
    )]
}

/// Three or more specs or ingredients (mAh, %, 烟酰胺 …): a spec sheet.
pub(super) fn spec_lists(n: &Normalized) -> Vec<Signal> {
    let found: Vec<_> = SPEC.find_iter(&n.text).collect();
    if found.len() < 3 {
        return Vec::new();
    }
    let weight = (0.2 + 0.08 * found.len() as f32).min(0.8);
    vec![span_signal(
        n,
        SignalKind::SellingScript,
        (found[0].start(), found[found.len() - 1].end()),
        weight,
        format!(
            "列了 {} 项参数/成分，像产品详情页；真实测评会说这些参数在自己手里意味着什么。",
            found.len()
        ),
    )]
}

/// A brand or product name (a Latin word, or a Chinese word of three or more
/// characters) repeated three or more times.
pub(super) fn brand_repetition(n: &Normalized, tokens: &[Token]) -> Vec<Signal> {
    let mut counts: HashMap<String, (usize, usize, usize)> = HashMap::new();
    for m in LATIN_WORD.find_iter(&n.text) {
        let w = m.as_str();
        if COMMON_LATIN.contains(&w) {
            continue;
        }
        let (s, e) = n.byte_range_to_original(m.start(), m.end());
        counts.entry(w.to_owned()).or_insert((0, s, e)).0 += 1;
    }
    for t in tokens {
        let chars = t.word.chars().count();
        if chars >= 3
            && t.word
                .chars()
                .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            counts
                .entry(t.word.clone())
                .or_insert((0, t.start, t.end))
                .0 += 1;
        }
    }
    let mut out: Vec<Signal> = counts
        .into_iter()
        .filter(|(_, (c, _, _))| *c >= 3)
        .map(|(word, (count, start, end))| Signal {
            explanation: format!(
                "“{word}”出现了 {count} 次：反复念品牌/产品全名是推广笔记的常见写法，真实用户一般提一次就用“它”代替。"
            ),
            ..Signal::new(
                SignalKind::BrandRepetition,
                start,
                end,
                n.original_slice(start, end).to_owned(),
                (0.25 * count as f32).min(1.2),
            )
        })
        .collect();
    out.sort_by_key(|s| s.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{normalize, segment};

    fn chars(raw: &str, s: &Signal) -> String {
        raw.chars().skip(s.start).take(s.end - s.start).collect()
    }

    #[test]
    fn three_list_lines_are_a_selling_list_two_are_not() {
        let raw = "入手理由\n1. 保湿\n2. 不黏\n3. 便宜\n就这样";
        let s = selling_lists(&normalize(raw));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, SignalKind::SellingScript);
        assert_eq!(chars(raw, &s[0]), "1. 保湿\n2. 不黏\n3. 便宜");
        assert!(selling_lists(&normalize("1. 保湿\n2. 不黏")).is_empty());
    }

    #[test]
    fn spec_sheets_need_three_specs() {
        // 5000mah, 2%, 烟酰胺, 120hz: four specs, one signal spanning them.
        let raw = "电池5000mAh，含2%烟酰胺，屏幕120Hz";
        let found = spec_lists(&normalize(raw));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(chars(raw, &found[0]), "5000mAh，含2%烟酰胺，屏幕120Hz");
        assert!(found[0].explanation.contains("4 项"));
        assert!(spec_lists(&normalize("电池5000mAh，屏幕120Hz")).is_empty());
    }

    #[test]
    fn a_name_repeated_three_times_is_brand_repetition() {
        let raw = "KORVO 的吹风机真的好，KORVO 风大，我妈也用 KORVO";
        let n = normalize(raw);
        let s = brand_repetition(&n, &segment(&n));
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(chars(raw, &s[0]), "KORVO");
        assert!(s[0].explanation.contains("3 次"));
        let twice = normalize("KORVO 好，KORVO 风大");
        assert!(brand_repetition(&twice, &segment(&twice)).is_empty());
    }
}
