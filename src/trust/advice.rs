//! Concrete advice for the creator, in Chinese, most important first.

use super::features::Features;
use crate::signals::{Signal, SignalKind, has, rules};

/// Up to four distinct quoted span texts of the given kinds: “最好”、“第一”.
fn quoted(signals: &[Signal], kinds: &[SignalKind]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in signals.iter().filter(|s| kinds.contains(&s.kind)) {
        let t = s.text.trim();
        if !t.is_empty() && !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen.iter()
        .take(4)
        .map(|t| format!("“{t}”"))
        .collect::<Vec<_>>()
        .join("、")
}

/// `quoted`, or `fallback` when the spans carry no text.
fn quoted_or(signals: &[Signal], kinds: &[SignalKind], fallback: &str) -> String {
    let q = quoted(signals, kinds);
    if q.is_empty() { fallback.to_owned() } else { q }
}

/// The advice list for a note.
pub(super) fn advice(signals: &[Signal], f: &Features, label_required: bool) -> Vec<String> {
    let mut out = Vec::new();
    if label_required && !f.clear {
        out.push(if f.vague {
            format!(
                "把“合作/恰饭”这类模糊说法换成明确的“广告”二字：带购买链接的体验分享按广告管理（{}），模糊标注不算可识别（{}）。",
                rules::INTERNET_AD_9,
                rules::SAMR_IDENTIFIABILITY
            )
        } else {
            format!(
                "加上明确的“广告”标注：挂了购买链接的体验分享就是广告，必须能被识别（{}、{}）。",
                rules::INTERNET_AD_9,
                rules::AD_LAW_14
            )
        });
    }
    if has(signals, SignalKind::AdDenial) && (label_required || f.clear) {
        out.push(format!(
            "删掉{}：有商业合作还写“无广/自费”属于误导，一旦被识破，信任损失最大。",
            quoted_or(signals, &[SignalKind::AdDenial], "“无广/自费”这类说法")
        ));
    }
    if has(signals, SignalKind::AbsoluteClaim) {
        out.push(format!(
            "删掉{}等绝对化用语（{}），换成自己的具体感受。",
            quoted_or(signals, &[SignalKind::AbsoluteClaim], "“最好/第一”"),
            rules::AD_LAW_9_3
        ));
    }
    if has(signals, SignalKind::EfficacyClaim) {
        out.push(format!(
            "删掉{}这类功效承诺（{}），只写自己实际观察到的变化。",
            quoted_or(signals, &[SignalKind::EfficacyClaim], "“根治/无副作用”"),
            rules::AD_LAW_17_28
        ));
    }
    if f.one_sided {
        out.push(
            "补充一个真实的缺点，或写清“适合谁/不适合谁”：有两面性的内容几乎不因广告标注而失去可信度。"
                .to_owned(),
        );
    }
    if has(signals, SignalKind::Offer) || has(signals, SignalKind::CallToAction) {
        out.push(format!(
            "删掉{}这类领券、催单话术：读者一看就知道是广告。",
            quoted_or(
                signals,
                &[SignalKind::Offer, SignalKind::CallToAction],
                "“领券/闭眼入”"
            )
        ));
    }
    if !f.experience && (label_required || f.one_sided) {
        out.push(
            "写清楚自己用了多久、在什么场景用、效果具体如何：具体的亲身细节最可信。".to_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(kind: SignalKind, text: &str) -> Signal {
        Signal {
            strength: None,
            ..Signal::example(kind, text)
        }
    }

    #[test]
    fn advice_quotes_the_spans_and_names_the_law() {
        let s = [
            sig(SignalKind::AbsoluteClaim, "最好"),
            sig(SignalKind::AbsoluteClaim, "第一"),
            sig(SignalKind::AbsoluteClaim, "最好"),
            sig(SignalKind::Offer, "领券"),
        ];
        let a = advice(
            &s,
            &Features::of(&s, crate::signals::clearly_disclosed(&s)),
            true,
        );
        assert!(a[0].contains("加上明确的“广告”标注"), "{a:?}");
        assert!(
            a.iter()
                .any(|x| x.contains("删掉“最好”、“第一”等") && x.contains(rules::AD_LAW_9_3))
        );
        assert!(a.iter().any(|x| x.contains("缺点")));
        assert!(a.iter().any(|x| x.contains("“领券”")));
    }

    #[test]
    fn a_clean_balanced_note_without_a_link_gets_no_advice() {
        let s = [
            sig(SignalKind::Balance, "缺点"),
            sig(SignalKind::Experience, "用了三周"),
        ];
        assert!(
            advice(
                &s,
                &Features::of(&s, crate::signals::clearly_disclosed(&s)),
                false
            )
            .is_empty()
        );
    }
}
