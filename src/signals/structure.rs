//! Structural detectors: numbered selling-point lists, spec/ingredient lists,
//! brand-name repetition and brand-campaign hashtags. These look at the shape of
//! the note, not single words.

use std::sync::LazyLock;

use regex::Regex;

use super::{Signal, SignalKind};
use crate::text::{Entity, EntityKind, Normalized, Token};

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
/// characters) repeated three or more times, not counting lines that repeat an
/// earlier line: a reader counts a pasted paragraph's names once.
pub(super) fn brand_repetition(n: &Normalized, tokens: &[Token]) -> Vec<Signal> {
    let repeated = n.repeated_lines();
    let again = |start: usize| repeated.iter().any(|&(s, e)| s <= start && start < e);
    let mut counts: fnv::FnvHashMap<&str, (usize, usize, usize)> = Default::default();
    for m in LATIN_WORD.find_iter(&n.text) {
        let w = m.as_str();
        if COMMON_LATIN.contains(&w) {
            continue;
        }
        let (s, e) = n.byte_range_to_original(m.start(), m.end());
        if again(s) {
            continue;
        }
        counts.entry(w).or_insert((0, s, e)).0 += 1;
    }
    for t in tokens {
        let chars = t.word.chars().count();
        if chars >= 3 && !again(t.start) && t.word.chars().all(crate::text::is_han) {
            counts
                .entry(t.word.as_str())
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

/// Words that make a hashtag a brand's campaign rather than a topic.
const CAMPAIGN_WORDS: &[&str] = &[
    "新品",
    "上新",
    "挑战赛",
    "联名",
    "限定",
    "旗舰店",
    "官方",
    "好物节",
    "年货节",
    "购物节",
    "必买",
    "体验官",
    "测评官",
    "首发",
    "周年庆",
    "大促",
    "双11",
    "双十一",
    "焕新",
    "万人",
    "淘宝",
    "天猫",
    "京东",
    "代言",
    "抢先",
    "品牌",
    "直播",
    "系列",
];

/// [`CAMPAIGN_WORDS`] in one automaton: a tag is read once, not once per word.
static CAMPAIGN: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| aho_corasick::AhoCorasick::new(CAMPAIGN_WORDS).expect("campaign words build"));

/// The first of [`CAMPAIGN_WORDS`] (in list order) that `tag` contains.
fn campaign_word(tag: &str) -> Option<&'static str> {
    CAMPAIGN
        .find_overlapping_iter(tag)
        .map(|m| m.pattern().as_usize())
        .min()
        .map(|i| CAMPAIGN_WORDS[i])
}

static MODEL_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[a-z]+\d|\d+[a-z]").expect("model-code pattern compiles"));

/// A hashtag entity with its inner text: `#徕芬[话题]#` → `徕芬`.
pub(super) type Tag<'a> = (&'a Entity, String);

/// The note's hashtags with their inner text, read once for both hashtag
/// detectors.
pub(super) fn hashtags(n: &Normalized) -> Vec<Tag<'_>> {
    n.entities_of(EntityKind::Hashtag)
        .map(|e| {
            let inner = crate::text::simplified_owned(
                e.text
                    .trim_matches('#')
                    .replace("[话题]", "")
                    .replace("[超话]", "")
                    .to_lowercase(),
            );
            (e, inner)
        })
        .collect()
}

/// A commercial-mechanic cue on a whole hashtag or mention (广告法 Art. 14: an ad
/// must be identifiable), the form every tag and mention detector reports.
pub(super) fn entity_mechanic(e: &Entity, weight: f32, explanation: String) -> Signal {
    Signal {
        explanation,
        rule: Some(super::rules::AD_LAW_14.to_owned()),
        ..Signal::new(
            SignalKind::CommercialMechanic,
            e.start,
            e.end,
            e.text.clone(),
            weight,
        )
    }
}

/// Brand-campaign hashtags: a tag with a campaign word (#花知晓新品, #天猫年货节必买好物),
/// or a brand tag followed by a tag naming one of its models (#徕芬 … #徕芬剃须刀P3Pro).
/// Ordinary topic stacks (#上海 #上海秋天) are not campaigns.
pub(super) fn campaign_hashtags(tags: &[Tag<'_>]) -> Vec<Signal> {
    let mut out = Vec::new();
    for (e, t) in tags {
        let word = campaign_word(t);
        let brand = tags.iter().find(|(_, other)| {
            t.len() > other.len()
                && t.starts_with(other.as_str())
                && other.chars().count() >= 2
                && MODEL_CODE.is_match(&t[other.len()..])
        });
        let why = match (word, brand) {
            (Some(w), _) => {
                format!("话题“{t}”带有“{w}”：这是品牌活动/新品话题，是品牌推广的常见做法。")
            }
            (None, Some((_, b))) => {
                format!(
                    "话题里既有品牌“{b}”又有它的具体型号“{t}”：品牌话题叠加是投放笔记的常见做法。"
                )
            }
            (None, None) => continue,
        };
        out.push(entity_mechanic(
            e,
            0.8,
            why + "与品牌有合作时须标明“广告”。",
        ));
    }
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
    fn campaign_tags_are_found_and_topic_stacks_are_not() {
        let raw = "笑死 #情侣[话题]# #徕芬[话题]# #徕芬剃须刀P3Pro[话题]# #花知晓新品[话题]#";
        let n = normalize(raw);
        let s = campaign_hashtags(&hashtags(&n));
        let texts: Vec<String> = s.iter().map(|x| chars(raw, x)).collect();
        assert_eq!(
            texts,
            ["#徕芬剃须刀P3Pro[话题]#", "#花知晓新品[话题]#"],
            "{s:?}"
        );
        assert!(s.iter().all(|x| x.kind == SignalKind::CommercialMechanic));
        let topics = "#上海拍照[话题]# #上海秋天[话题]# #上海秋天打卡[话题]# #iphone15[话题]#";
        let n = normalize(topics);
        assert!(campaign_hashtags(&hashtags(&n)).is_empty());
    }

    #[test]
    fn the_first_campaign_word_in_list_order_is_named() {
        for tag in [
            "花知晓新品",
            "天猫新品首发",
            "品牌直播系列",
            "上海秋天",
            "双11大促",
            "",
        ] {
            let want = CAMPAIGN_WORDS.iter().find(|w| tag.contains(*w)).copied();
            assert_eq!(campaign_word(tag), want, "{tag}");
        }
    }

    #[test]
    fn a_pasted_paragraph_counts_once() {
        let one = "今天试了雅诗兰黛小棕瓶，雅诗兰黛的精华挺好";
        let twice = format!("{one}\n\n{one}");
        let n = normalize(&twice);
        let t = segment(&n);
        assert!(brand_repetition(&n, &t).is_empty());
        let n = normalize(&format!("{one}\n雅诗兰黛真的好用"));
        assert_eq!(brand_repetition(&n, &segment(&n)).len(), 1);
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
