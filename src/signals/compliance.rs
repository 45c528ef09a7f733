//! Compliance findings: which rules the note's signals touch, and how seriously.

use serde::{Deserialize, Serialize};

use super::{DisclosureStrength, Settled, Signal, SignalKind, has, rules};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no rule is broken as the note stands.
    Low,
    /// Likely a problem (vague labels, efficacy talk without a sale).
    Medium,
    /// Breaks a rule as the note stands (or once the link is attached).
    High,
}

/// A span a finding points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// First char (inclusive), in the original text.
    pub start: usize,
    /// Last char (exclusive), in the original text.
    pub end: usize,
    /// The original text of the span.
    pub text: String,
}

/// One rule finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Machine-readable code of the finding.
    pub code: String,
    /// The law or rule touched.
    pub rule: String,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
    /// The spans that triggered it.
    pub evidence: Vec<Evidence>,
}

fn evidence(signals: &[Signal], pred: impl Fn(&Signal) -> bool) -> Vec<Evidence> {
    signals
        .iter()
        .filter(|s| pred(s))
        .map(|s| Evidence {
            start: s.start,
            end: s.end,
            text: s.text.clone(),
        })
        .collect()
}

fn quoted(ev: &[Evidence]) -> String {
    let mut words: Vec<&str> = ev.iter().map(|e| e.text.as_str()).collect();
    words.dedup();
    words
        .iter()
        .take(6)
        .map(|w| format!("“{w}”"))
        .collect::<Vec<_>>()
        .join("、")
}

/// Lists the rule findings of a note, most severe first, given its signals and the
/// link and disclosure facts settled in the analysis.
pub fn compliance(signals: &[Signal], settled: Settled) -> Vec<Finding> {
    let linked = settled.has_link;
    let selling = linked
        || has(signals, SignalKind::Offer)
        || has(signals, SignalKind::CallToAction)
        || has(signals, SignalKind::Disclosure);
    let clear = settled.clearly_disclosed;
    let mut out = Vec::new();

    let abs = evidence(signals, |s| s.kind == SignalKind::AbsoluteClaim);
    if !abs.is_empty() {
        out.push(Finding {
            code: "absolute_terms".into(),
            rule: rules::AD_LAW_9_3.into(),
            severity: if selling { Severity::High } else { Severity::Low },
            message: if selling {
                format!(
                    "商业笔记中使用了绝对化用语 {}：《广告法》第九条第三项禁止，第五十七条可处二十万元以上一百万元以下罚款。请删除或改成具体、可验证的个人感受。",
                    quoted(&abs)
                )
            } else {
                format!(
                    "出现绝对化用语 {}：作为个人感受可以理解，但只要挂上购买链接或接受合作，就受《广告法》第九条第三项约束。",
                    quoted(&abs)
                )
            },
            evidence: abs,
        });
    }

    let eff = evidence(signals, |s| s.kind == SignalKind::EfficacyClaim);
    if !eff.is_empty() {
        out.push(Finding {
            code: "efficacy_claims".into(),
            rule: rules::AD_LAW_17_28.into(),
            severity: if selling { Severity::High } else { Severity::Medium },
            message: format!(
                "出现功效/医疗承诺 {}：除药品、医疗器械等外，广告不得涉及疾病治疗功能，也不得作虚假或引人误解的承诺（《广告法》第十七条、第二十八条）。只写自己实际观察到的变化。",
                quoted(&eff)
            ),
            evidence: eff,
        });
    }

    if linked && !clear {
        let ev = evidence(signals, |s| s.kind == SignalKind::PurchaseLink);
        out.push(Finding {
            code: "link_without_label".into(),
            rule: rules::INTERNET_AD_9.into(),
            severity: Severity::High,
            message: "带购买链接或购买方式的体验分享、测评属于广告，必须显著标明“广告”（《互联网广告管理办法》第九条；《广告法》第十四条）。请在开头或话题中加上“广告”。".into(),
            evidence: ev,
        });
    }

    let mechanics = evidence(signals, |s| s.kind == SignalKind::CommercialMechanic);
    if !mechanics.is_empty() && !clear && !linked {
        out.push(Finding {
            code: "commercial_without_label".into(),
            rule: rules::AD_LAW_14.into(),
            severity: Severity::Medium,
            message: format!(
                "出现 {} 这样的商业推广机制（直播预告、抽奖规则、门店信息、付费服务、品牌活动话题），却没有“广告”标注：与品牌或商家有利益关系的推广须能被识别为广告（《广告法》第十四条）。",
                quoted(&mechanics)
            ),
            evidence: mechanics,
        });
    }

    let vague = evidence(signals, |s| {
        s.kind == SignalKind::Disclosure && s.strength == Some(DisclosureStrength::Vague)
    });
    if !vague.is_empty() && !clear {
        out.push(Finding {
            code: "vague_disclosure".into(),
            rule: rules::SAMR_IDENTIFIABILITY.into(),
            severity: Severity::Medium,
            message: format!(
                "只用了 {} 这样的模糊说法：读者未必能识别这是广告。建议直接写“广告”（如“#广告”），放在显著位置。",
                quoted(&vague)
            ),
            evidence: vague,
        });
    }

    let denial = evidence(signals, |s| s.kind == SignalKind::AdDenial);
    let commercial =
        linked || has(signals, SignalKind::Offer) || has(signals, SignalKind::Disclosure);
    if !denial.is_empty() && commercial {
        out.push(Finding {
            code: "denial_with_commercial_content".into(),
            rule: rules::AD_LAW_14.into(),
            severity: Severity::High,
            message: format!(
                "声称 {} 却带有链接、优惠或合作标记：这会让广告无法被识别，属于隐匿广告风险（《广告法》第十四条），被发现时信任损失最大。删掉否认说法并如实标注。",
                quoted(&denial)
            ),
            evidence: denial,
        });
    }

    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::detect;
    use crate::text::{normalize, segment};

    fn findings(text: &str, has_link: bool) -> Vec<Finding> {
        let n = normalize(text);
        let t = segment(&n);
        let s = detect(&n, &t);
        compliance(&s, crate::signals::Settled::of(&s, has_link))
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn mechanics_without_a_label_are_reported_and_a_won_prize_is_not() {
        let f = findings("本店新品上市！营业时间10:00-22:00，欢迎到店", false);
        let m = f
            .iter()
            .find(|f| f.code == "commercial_without_label")
            .unwrap();
        assert_eq!(m.severity, Severity::Medium);
        assert!(m.evidence.iter().any(|e| e.text == "欢迎到店"));
        assert!(
            !codes(&findings("#广告 本店新品上市，欢迎到店", false))
                .contains(&"commercial_without_label")
        );
        assert!(
            !codes(&findings("这个杯子是抽奖抽到的，不是广告", false))
                .contains(&"commercial_without_label")
        );
        assert!(
            !codes(&findings("朋友问我在哪买的，楼下超市", false))
                .contains(&"commercial_without_label")
        );
    }

    #[test]
    fn a_diner_a_room_tour_and_a_drama_fan_are_not_merchants() {
        for text in [
            "这家店环境不错，营业时间到晚上十点，服务员态度很好，烤鱼偏咸。",
            "欢迎光临我的宿舍小窝，分享一些幸福感",
            "追了一晚上 #山河枕开播[话题]# 群像感太好了",
        ] {
            let f = findings(text, false);
            let c = codes(&f);
            assert!(!c.contains(&"commercial_without_label"), "{text}: {c:?}");
        }
    }

    #[test]
    fn link_without_label_is_high() {
        let f = findings("超好用的面霜，链接在评论区", false);
        let link = f.iter().find(|f| f.code == "link_without_label").unwrap();
        assert_eq!(link.severity, Severity::High);
        assert_eq!(link.rule, "互联网广告管理办法第九条");
    }

    #[test]
    fn caller_link_counts_and_clear_label_satisfies() {
        assert!(codes(&findings("这款面霜我很喜欢", true)).contains(&"link_without_label"));
        assert!(!codes(&findings("#广告 这款面霜我很喜欢", true)).contains(&"link_without_label"));
    }

    #[test]
    fn vague_label_is_reported() {
        let f = findings("本篇合作，这款面霜很好用，链接在评论区", false);
        assert!(codes(&f).contains(&"vague_disclosure"));
        assert!(codes(&f).contains(&"link_without_label"));
    }

    #[test]
    fn absolute_term_severity_follows_context() {
        let plain = findings("这家店是我吃过最好吃的一家", false);
        assert_eq!(plain[0].severity, Severity::Low);
        let sold = findings("全网最低价！这家店最好吃，到手价99", false);
        let abs = sold.iter().find(|f| f.code == "absolute_terms").unwrap();
        assert_eq!(abs.severity, Severity::High);
        assert_eq!(abs.rule, "广告法第九条第三项");
    }

    #[test]
    fn efficacy_and_denial_findings() {
        let f = findings("无广自费！这个精华7天见效，根治痘痘，链接在评论区", false);
        let c = codes(&f);
        assert!(c.contains(&"efficacy_claims"), "{c:?}");
        assert!(c.contains(&"denial_with_commercial_content"), "{c:?}");
    }
}
