//! Real brand names (`data/dict/brands.tsv`) and the hashtags and mentions that
//! name them. A real paid note seldom says 广告 in its text; what gives it away is
//! the brand filed into its topics (#追觅吹风机, #百雀羚小瓷罐修护霜) or tagged as an
//! account (@美菱). Whether a brand tag makes a note an ad is for the model to
//! weigh: an owner tags what they bought too, so the cue only says what it saw.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::Signal;
use super::structure::Tag;
use crate::text::{EntityKind, Normalized};

/// The brand table shipped with adlens.
const BUILTIN: &str = include_str!("../../data/dict/brands.tsv");

/// One brand of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Brand {
    /// Lower-case name as written.
    pub name: String,
    /// Market category (`beauty`, `appliance`, …).
    pub category: String,
    /// Also an ordinary word (美的, 小米): only counted with a product after it.
    pub common: bool,
}

/// The table with its matcher.
pub(crate) struct Brands {
    pub list: Vec<Brand>,
    matcher: AhoCorasick,
}

/// Parses the table: `name<TAB>category<TAB>flags`, `#` comments, blank lines.
/// A malformed line is an error naming its line number.
pub(crate) fn parse(text: &str) -> Result<Vec<Brand>, String> {
    let mut out: Vec<Brand> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, category) = match cols.as_slice() {
            [n, c] | [n, c, _] => (n.trim().to_lowercase(), c.trim().to_owned()),
            _ => {
                return Err(format!(
                    "brands.tsv line {}: want name<TAB>category[<TAB>flags]",
                    i + 1
                ));
            }
        };
        let flags = cols.get(2).map_or("", |f| f.trim());
        if name.chars().count() < 2 || category.is_empty() {
            return Err(format!(
                "brands.tsv line {}: name or category missing",
                i + 1
            ));
        }
        if !matches!(flags, "" | "common") {
            return Err(format!("brands.tsv line {}: unknown flag {flags:?}", i + 1));
        }
        if out.iter().any(|b| b.name == name) {
            continue;
        }
        out.push(Brand {
            name,
            category,
            common: flags == "common",
        });
    }
    Ok(out)
}

pub(crate) static BRANDS: LazyLock<Brands> = LazyLock::new(|| {
    let list = parse(BUILTIN).expect("data/dict/brands.tsv parses");
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(list.iter().map(|b| b.name.as_str()))
        .expect("brand table builds");
    Brands { list, matcher }
});

/// Words that, after a brand that is also an ordinary word, make the tag a
/// product's (#美的空调, #小米汽车) rather than a phrase (#美的瞬间).
const PRODUCT_WORDS: &[&str] = &[
    "汽车",
    "手机",
    "平板",
    "电脑",
    "笔记本",
    "耳机",
    "手表",
    "手环",
    "音箱",
    "电视",
    "家电",
    "空调",
    "冰箱",
    "洗衣机",
    "洗烘",
    "烘干",
    "热水器",
    "净水",
    "扫地",
    "洗地",
    "吸尘",
    "吹风",
    "电饭",
    "空气炸",
    "面霜",
    "精华",
    "水乳",
    "面膜",
    "口红",
    "唇",
    "眼影",
    "粉底",
    "气垫",
    "防晒",
    "香水",
    "洗发",
    "护发",
    "奶粉",
    "猫粮",
    "狗粮",
    "蛋白",
    "旗舰店",
    "官方",
    "新品",
    "同款",
    "限定",
    "联名",
    "系列",
    "代言",
    "会员",
    "app",
    "课程",
    "周年",
    "门店",
    "专卖",
];

/// The host platform: every note is on it, so naming it says nothing.
const HOST: &[&str] = &["小红书", "xiaohongshu", "rednote", "小红薯", "红薯"];

/// Categories whose names are how people file a post, not a placement: players
/// tag the game their fan art is of (#原神, #恋与深空黎深), everyone the platform
/// they post from (@小红书视频号, #淘宝). Their campaigns are caught by the
/// campaign-hashtag detector instead (#天刀手游新赛年 needs its own words).
const FILED_BY_FANS: &[&str] = &["game", "platform"];

impl Brands {
    /// The brand a tag or mention text names, if any: a whole Latin word or a CJK
    /// name; a common-word brand only at the start and followed by a product word
    /// or a model code.
    pub(crate) fn named_in(&self, text: &str) -> Option<&Brand> {
        for m in self.matcher.find_iter(text) {
            let b = &self.list[m.pattern().as_usize()];
            if HOST.contains(&b.name.as_str()) || FILED_BY_FANS.contains(&b.category.as_str()) {
                continue;
            }
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let latin = b.name.is_ascii();
            if latin
                && (before.is_some_and(|c| c.is_ascii_alphabetic())
                    || after.is_some_and(|c| c.is_ascii_alphabetic()))
            {
                continue;
            }
            if b.common {
                let rest = &text[m.end()..];
                let product = PRODUCT_WORDS.iter().any(|w| rest.contains(w))
                    || rest.chars().any(|c| c.is_ascii_digit());
                if m.start() != 0 || !product {
                    continue;
                }
            }
            return Some(b);
        }
        None
    }
}

/// Hashtags and @mentions that name a real brand. A tag that is the bare brand
/// (#徕芬) weighs less than one naming a product or campaign of it (#徕芬剃须刀P3Pro,
/// #百雀羚赵露思).
pub(super) fn brand_tags(n: &Normalized, tags: &[Tag<'_>]) -> Vec<Signal> {
    let mut out = Vec::new();
    for (e, t) in tags {
        let Some(b) = BRANDS.named_in(t) else {
            continue;
        };
        let bare = t.trim() == b.name;
        let (weight, what) = if bare {
            (0.5, format!("话题“{t}”就是品牌名"))
        } else {
            (0.8, format!("话题“{t}”点名品牌“{}”的产品或活动", b.name))
        };
        out.push(brand_signal(e, weight, what));
    }
    for e in n.entities_of(EntityKind::Mention) {
        let handle = e.text.trim_start_matches('@').to_lowercase();
        let handle = crate::text::simplified(&handle);
        if let Some(b) = BRANDS.named_in(&handle) {
            let what = format!("@了品牌账号“{}”", b.name);
            out.push(brand_signal(e, 0.6, what));
        }
    }
    out
}

fn brand_signal(e: &crate::text::Entity, weight: f32, what: String) -> Signal {
    super::structure::entity_mechanic(
        e,
        weight,
        format!(
            "{what}：把品牌挂进话题或@品牌账号是品牌投放笔记的常见做法，自购分享也会这样写，需结合全文判断；与品牌有合作时须标明“广告”。"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::structure::hashtags;
    use crate::text::normalize;

    fn found(raw: &str) -> Vec<String> {
        let n = normalize(raw);
        brand_tags(&n, &hashtags(&n))
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn the_shipped_table_parses_and_is_sizeable() {
        assert!(BRANDS.list.len() >= 500, "{}", BRANDS.list.len());
        assert!(BRANDS.list.iter().any(|b| b.common));
    }

    #[test]
    fn brand_and_product_tags_are_found() {
        let got = found("今天的妆 #淡颜[话题]# #百雀羚小瓷罐修护霜[话题]# #徕芬[话题]#");
        assert_eq!(got, ["#百雀羚小瓷罐修护霜[话题]#", "#徕芬[话题]#"]);
    }

    #[test]
    fn topics_places_and_common_words_are_not_brands() {
        assert!(found("秋天 #上海[话题]# #秋日散步美学[话题]# #我的日常[话题]#").is_empty());
        assert!(found("#美的瞬间[话题]# #小米粥[话题]#").is_empty());
        assert!(found("同人图 #原神[话题]# #淘宝[话题]# @小红书视频号").is_empty());
        assert_eq!(found("#美的空调[话题]#"), ["#美的空调[话题]#"]);
    }

    #[test]
    fn latin_names_match_whole_words_only() {
        let b = &BRANDS;
        assert!(b.named_in("lancome小黑瓶").is_some());
        assert!(b.named_in("xlancomex").is_none());
    }

    #[test]
    fn bad_tables_name_the_line() {
        assert!(parse("# c\n兰蔻\tbeauty\n").is_ok());
        let e = parse("兰蔻\tbeauty\n坏行\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(parse("兰蔻\tbeauty\tweird\n").unwrap_err().contains("flag"));
    }
}
