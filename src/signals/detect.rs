//! Runs the lexicon and the structural detectors over a normalised note.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::lexicon::LEXICON;
use super::{Signal, SignalKind, brands, structure};
use crate::text::{EntityKind, Normalized, Token};

struct Matchers {
    literals: AhoCorasick,
    /// Pattern index → group index.
    literal_group: Vec<usize>,
}

static MATCHERS: LazyLock<Matchers> = LazyLock::new(|| {
    let mut cues = Vec::new();
    let mut literal_group = Vec::new();
    for (g, group) in LEXICON.literals.iter().enumerate() {
        for cue in &group.cues {
            cues.push(cue.as_str());
            literal_group.push(g);
        }
    }
    let literals = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&cues)
        .expect("cue lexicon builds");
    Matchers {
        literals,
        literal_group,
    }
});

/// Characters that, just before a link pointer, negate it (没有链接, 不放链接).
fn negated(text: &str, byte_start: usize) -> bool {
    let before: String = text[..byte_start]
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    ["没", "不", "找不到", "无", "别", "求"]
        .iter()
        .any(|neg| before.contains(neg))
}

fn signal(n: &Normalized, kind: SignalKind, bytes: (usize, usize), weight: f32) -> Signal {
    let (start, end) = n.byte_range_to_original(bytes.0, bytes.1);
    Signal::new(
        kind,
        start,
        end,
        n.original_slice(start, end).to_owned(),
        weight,
    )
}

/// Finds every signal in the note. Spans are char offsets into the original text
/// and slice it to exactly `text`; the list is sorted by position.
///
/// Context matters for absolute terms: "最好吃" in a note with no offer, link or
/// call to action is still reported (the 广告法 applies the moment the note becomes
/// an ad) but weighs less toward "ad" than in a note that sells.
pub fn detect(n: &Normalized, tokens: &[Token]) -> Vec<Signal> {
    let m = &*MATCHERS;
    let text = n.text.as_str();
    let mut out: Vec<Signal> = Vec::new();
    // Byte ranges already claimed by pattern cues.
    let mut claimed: Vec<(usize, usize)> = Vec::new();

    for cue in &LEXICON.patterns {
        for mat in cue.regex.find_iter(text) {
            let r = (mat.start(), mat.end());
            if cue.kind == SignalKind::PurchaseLink && negated(text, r.0) {
                continue;
            }
            claimed.push(r);
            let mut s = signal(n, cue.kind, r, cue.weight);
            s.explanation.clone_from(&cue.explanation);
            s.rule.clone_from(&cue.rule);
            out.push(s);
        }
    }

    for mat in m.literals.find_iter(text) {
        let group = &LEXICON.literals[m.literal_group[mat.pattern().as_usize()]];
        let Some(kind) = group.kind else { continue };
        let r = (mat.start(), mat.end());
        if claimed.iter().any(|&(s, e)| r.0 < e && s < r.1) {
            continue;
        }
        if kind == SignalKind::PurchaseLink && negated(text, r.0) {
            continue;
        }
        let mut s = signal(n, kind, r, group.weight);
        s.explanation.clone_from(&group.explanation);
        s.rule.clone_from(&group.rule);
        s.strength = group.strength;
        out.push(s);
    }

    out.extend(link_entities(n));
    out.extend(structure::selling_lists(n));
    out.extend(structure::spec_lists(n));
    out.extend(structure::brand_repetition(n, tokens));
    let tags = structure::hashtags(n);
    out.extend(structure::campaign_hashtags(&tags));
    out.extend(brands::brand_tags(n, &tags));

    apply_context(&mut out);
    out.sort_by_key(|s| (s.start, s.end, s.kind));
    out.dedup_by(|b, a| a.kind == b.kind && b.start < a.end);
    out
}

/// URLs and share codes are purchase links (a plain URL to a non-shop site weighs
/// less).
fn link_entities(n: &Normalized) -> Vec<Signal> {
    const SHOPS: &[&str] = &[
        "xhslink",
        "tb.cn",
        "taobao",
        "tmall",
        "jd.com",
        "3.cn",
        "t.cn",
        "pinduoduo",
        "yangkeduo",
        "dwz.cn",
        "url.cn",
    ];
    n.entities
        .iter()
        .filter(|e| matches!(e.kind, EntityKind::Url | EntityKind::ShareCode))
        .map(|e| {
            let lower = e.text.to_lowercase();
            let shop = e.kind == EntityKind::ShareCode || SHOPS.iter().any(|s| lower.contains(s));
            Signal {
                explanation: if e.kind == EntityKind::ShareCode {
                    "淘口令/分享口令就是购买方式：按《互联网广告管理办法》第九条，这篇笔记必须标明“广告”。"
                } else if shop {
                    "带有商品/店铺短链接：按《互联网广告管理办法》第九条，带购买链接的体验分享就是广告，须标明“广告”。"
                } else {
                    "带有外部链接：如果它通向购买页面，这篇笔记就必须标明“广告”。"
                }
                .to_owned(),
                rule: Some(super::rules::INTERNET_AD_9.to_owned()),
                ..Signal::new(
                    SignalKind::PurchaseLink,
                    e.start,
                    e.end,
                    e.text.clone(),
                    if shop { 1.8 } else { 0.6 },
                )
            }
        })
        .collect()
}

/// Lowers the pull of absolute terms when nothing else in the note sells.
fn apply_context(signals: &mut [Signal]) {
    let selling = signals.iter().any(|s| {
        matches!(
            s.kind,
            SignalKind::Offer
                | SignalKind::PurchaseLink
                | SignalKind::CallToAction
                | SignalKind::Disclosure
        )
    });
    if selling {
        return;
    }
    for s in signals
        .iter_mut()
        .filter(|s| s.kind == SignalKind::AbsoluteClaim)
    {
        s.weight = 0.3;
        s.explanation.push_str(
            "（这篇笔记没有优惠、链接或购买号召，读起来更像个人感受，风险较低；一旦挂链接就受《广告法》约束。）",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{normalize, segment};

    fn run(text: &str) -> Vec<Signal> {
        let n = normalize(text);
        let t = segment(&n);
        detect(&n, &t)
    }

    fn kinds(text: &str) -> Vec<SignalKind> {
        run(text).into_iter().map(|s| s.kind).collect()
    }

    #[test]
    fn friend_asking_for_a_link_is_not_a_purchase_link() {
        let k = kinds("朋友问我要链接，我也找不到链接了哈哈");
        assert!(!k.contains(&SignalKind::PurchaseLink), "{k:?}");
    }

    #[test]
    fn link_pointers_and_share_codes_are_purchase_links() {
        for text in [
            "链接在评论区，姐妹们自取",
            "戳左下角商品卡就能买",
            "￥AbC123XyZ￥ 复制这段内容打开淘宝",
            "http://xhslink.com/a/Xy12ab",
        ] {
            assert!(kinds(text).contains(&SignalKind::PurchaseLink), "{text}");
        }
    }

    #[test]
    fn superlative_in_unpaid_review_weighs_less() {
        let plain = run("这家店是我吃过最好吃的一家");
        let abs = plain
            .iter()
            .find(|s| s.kind == SignalKind::AbsoluteClaim)
            .expect("absolute claim flagged");
        let selling = run("这家店是我吃过最好吃的一家，限时到手价99，冲！");
        let abs2 = selling
            .iter()
            .find(|s| s.kind == SignalKind::AbsoluteClaim)
            .expect("absolute claim flagged");
        assert!(abs.weight < abs2.weight);
        assert_eq!(abs.rule.as_deref(), Some("广告法第九条第三项"));
    }

    #[test]
    fn denial_with_experience_and_balance() {
        let k = kinds("不是广告！自费买的，用了三个月说说缺点");
        for want in [
            SignalKind::AdDenial,
            SignalKind::Experience,
            SignalKind::Balance,
        ] {
            assert!(k.contains(&want), "{want:?} missing in {k:?}");
        }
        assert!(!k.contains(&SignalKind::Disclosure), "{k:?}");
    }

    #[test]
    fn fake_flaw_is_a_selling_script_not_balance() {
        let k = kinds("唯一缺点就是太好用了，根本停不下来");
        assert!(k.contains(&SignalKind::SellingScript), "{k:?}");
        assert!(!k.contains(&SignalKind::Balance), "{k:?}");
    }

    #[test]
    fn first_time_is_not_an_absolute_claim() {
        let k = kinds("第一次用这个牌子，感觉还行");
        assert!(!k.contains(&SignalKind::AbsoluteClaim), "{k:?}");
    }

    #[test]
    fn vague_and_clear_disclosures_differ() {
        let vague = run("本篇合作，感谢品牌方");
        assert!(vague.iter().all(|s| s.kind != SignalKind::Disclosure
            || s.strength == Some(super::super::DisclosureStrength::Vague)));
        assert!(super::super::clearly_disclosed(&run("#广告 这款面霜")));
    }

    #[test]
    fn qiafan_is_a_label_only_in_a_labelling_form() {
        for eating in ["逛完鼓楼就恰饭啦", "和小姐妹一边聊天一边恰饭"] {
            assert!(!kinds(eating).contains(&SignalKind::Disclosure), "{eating}");
        }
        for label in [
            "先说好这期是恰饭的哈",
            "恰饭警告⚠️ 这套真的好用",
            "#恰饭 面霜",
        ] {
            assert!(kinds(label).contains(&SignalKind::Disclosure), "{label}");
        }
        for denial in ["这篇不是恰饭，就是想分享", "非恰饭，真心推荐"] {
            let k = kinds(denial);
            assert!(k.contains(&SignalKind::AdDenial), "{denial}: {k:?}");
            assert!(!k.contains(&SignalKind::Disclosure), "{denial}: {k:?}");
        }
    }

    #[test]
    fn traditional_chinese_disclosure_is_found() {
        assert!(kinds("這篇是業配，但我真的有在用").contains(&SignalKind::Disclosure));
    }

    #[test]
    fn spans_slice_the_original() {
        let text = "ＡＢＣ面霜\r\n👩‍👧‍👦宝妈自费！最好用的面霜，链接在评论区👇🏻";
        for s in run(text) {
            let sliced: String = text.chars().skip(s.start).take(s.end - s.start).collect();
            assert_eq!(sliced, s.text);
        }
    }
}
