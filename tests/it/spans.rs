//! Property tests: for any input, nothing panics and every span the text and signal
//! stages hand out lies inside the original text and slices it to exactly its `text`.

use adlens::{signals, text};
use proptest::prelude::*;

fn slice(chars: &[char], start: usize, end: usize) -> String {
    chars[start..end].iter().collect()
}

fn check_all(input: &str) {
    let chars: Vec<char> = input.chars().collect();
    let n = text::normalize(input);
    for e in &n.entities {
        assert!(e.start <= e.end && e.end <= chars.len(), "entity {e:?}");
        assert_eq!(slice(&chars, e.start, e.end), e.text, "entity {e:?}");
    }
    let tokens = text::segment(&n);
    for t in &tokens {
        assert!(t.start <= t.end && t.end <= chars.len(), "token {t:?}");
    }
    let sigs = signals::detect(&n, &tokens);
    for s in &sigs {
        assert!(s.start < s.end && s.end <= chars.len(), "signal {s:?}");
        assert_eq!(slice(&chars, s.start, s.end), s.text, "signal {s:?}");
        assert!(s.weight.is_finite());
    }
    for f in signals::compliance(&sigs, signals::Settled::of(&sigs, true)) {
        for ev in &f.evidence {
            assert_eq!(slice(&chars, ev.start, ev.end), ev.text);
        }
    }
}

/// Fragments that trigger cues, mixed with arbitrary text so spans cross entity,
/// emoji, full-width and line-break boundaries.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\PC]{0,12}",
        Just("全网最低价".to_owned()),
        Just("#好物分享[话题]#".to_owned()),
        Just("👩‍👧‍👦".to_owned()),
        Just("ＳＰＦ５０".to_owned()),
        Just("\r\n".to_owned()),
        Just("￥AbC123XyZ￥".to_owned()),
        Just("http://xhslink.com/a/Xy12ab".to_owned()),
        Just("姐妹们闭眼入".to_owned()),
        Just("无广自费".to_owned()),
        Just("7天见效".to_owned()),
        Just("@小鹿".to_owned()),
        Just("到手价¥129".to_owned()),
        Just("這款真的好用到哭".to_owned()),
        Just("用了三周，缺点是有点黏".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn spans_slice_the_original(parts in prop::collection::vec(fragment(), 0..8)) {
        check_all(&parts.concat());
    }

    #[test]
    fn arbitrary_unicode_never_panics(s in any::<String>()) {
        check_all(&s);
    }
}

#[test]
fn mixed_script_offsets_are_exact() {
    let input = "【ＳＰＦ５０】防晒🧴\r\n👩‍👧宝妈实测#防晒[话题]#，全网最低价！\r\n戳￥AbC123XyZ￥";
    check_all(input);
    let n = text::normalize(input);
    let tokens = text::segment(&n);
    let sigs = signals::detect(&n, &tokens);
    let abs = sigs
        .iter()
        .find(|s| s.kind == signals::SignalKind::AbsoluteClaim)
        .expect("全网最低 is an absolute claim");
    assert!(abs.text.contains("全网最低"));
    assert!(
        sigs.iter()
            .any(|s| s.kind == signals::SignalKind::PurchaseLink && s.text.contains("AbC123XyZ"))
    );
}

#[test]
fn long_input_is_linear_enough() {
    let unit = "今天去了趟超市，买了点水果🍎，回家做了个沙拉。#日常[话题]# ";
    let big: String = unit.repeat(100_000 / unit.chars().count() + 1);
    let started = std::time::Instant::now();
    check_all(&big);
    // A quadratic pass over 100k chars would take minutes; linear takes well under a second.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
