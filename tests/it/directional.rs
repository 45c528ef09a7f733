//! Directional tests of issue 15 (CheckList's "directional expectation" tests,
//! Ribeiro et al. 2020): adding commercial content must raise `ad_probability`,
//! adding a real drawback to a one-sided pitch must lower it. On one-sided
//! pitches from the written test split and from real Xiaohongshu notes, scored by
//! the engine users get (the ensemble; the linear model under
//! `ADLENS_SKIP_ENCODER_TESTS=1`). Each case must move strictly the right way.

use adlens::engine::Engine;

use super::invariance::{engine, skip_encoder, test_notes};

/// One-sided pitches by id, each with a concrete drawback written for it.
const PITCHES: [(&str, &str); 8] = [
    (
        "n01998",
        "缺点是量太少了，一小盒不到一个月就见底，而且夏天放包里会化成油。",
    ),
    (
        "n02030",
        "缺点是剑麻一直掉屑，每天都要扫一遍地，而且底座太轻，猫扑上去整根都会晃。",
    ),
    (
        "n02160",
        "缺点是刚喷完有一股酒精味，干皮用了脸会发紧，卸妆也得多洗一遍。",
    ),
    (
        "n02305",
        "缺点是价格比普通洗衣液贵一倍，而且奶渍洗不掉，还得先用手搓。",
    ),
    (
        "n02326",
        "缺点是太占地方了，客厅一下挤了很多，开到最大档的时候噪音也挺吵。",
    ),
    (
        "xhs-6957735d000000002103edb3",
        "缺点是遮瑕力一般，痘印还得另外遮，下午鼻翼两边会有点卡粉。",
    ),
    (
        "xhs-6971897b000000000a03df2e",
        "缺点是研磨器那一面很难洗，蒜末卡在孔里要拿牙刷刷，柄也有点短，捞深锅会烫手。",
    ),
    (
        "xhs-644251e40000000014026d95",
        "缺点是价格偏贵，一盒三百多，而且要提前一天预定，临时想吃买不到。",
    ),
];

/// Commercial content: a disclosure tag, a share code, a pointer to the link.
const COMMERCIAL: [&str; 3] = ["#广告", "share code", "戳左下角链接"];

/// `text` with one kind of commercial content added (the tag at the start, the
/// others at the end, where posters put them).
fn add(what: &str, text: &str) -> String {
    match what {
        "#广告" => format!("#广告 {text}"),
        "share code" => format!("{}\n复制这段话￥AbC123￥打开淘宝", text.trim_end()),
        _ => format!("{}\n戳左下角链接", text.trim_end()),
    }
}

fn p(engine: &Engine, texts: &[String]) -> Vec<f32> {
    engine
        .score_texts_blocking(texts)
        .into_iter()
        .map(|s| s.ad_probability)
        .collect()
}

fn pitches() -> Vec<(String, String, &'static str)> {
    let notes = test_notes();
    PITCHES
        .iter()
        .map(|(id, drawback)| {
            let n = notes
                .iter()
                .find(|n| n.id.as_deref() == Some(*id))
                .unwrap_or_else(|| panic!("{id} is not in the test splits"));
            ((*id).to_owned(), n.text.clone(), *drawback)
        })
        .collect()
}

#[test]
fn commercial_content_raises_and_a_drawback_lowers_the_score() {
    let engine = engine(!skip_encoder());
    let pitches = pitches();
    // Per pitch: the original, three commercial additions, the drawback.
    let mut texts = Vec::new();
    for (_, text, drawback) in &pitches {
        texts.push(text.clone());
        texts.extend(COMMERCIAL.iter().map(|what| add(what, text)));
        texts.push(format!("{}\n{drawback}", text.trim_end()));
    }
    let probs = p(&engine, &texts);
    let mut wrong = Vec::new();
    for (k, (id, _, _)) in pitches.iter().enumerate() {
        let row = &probs[k * 5..k * 5 + 5];
        let before = row[0];
        eprintln!(
            "{id}: {before:.4}; #广告 {:.4}, share code {:.4}, 戳左下角链接 {:.4}, drawback {:.4}",
            row[1], row[2], row[3], row[4]
        );
        for (j, what) in COMMERCIAL.iter().enumerate() {
            if row[1 + j] <= before {
                wrong.push(format!(
                    "{id}: {what} {before:.4} -> {:.4} (should rise)",
                    row[1 + j]
                ));
            }
        }
        if row[4] >= before {
            wrong.push(format!(
                "{id}: drawback {before:.4} -> {:.4} (should fall)",
                row[4]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} directional cases moved the wrong way:\n{}",
        wrong.len(),
        pitches.len() * 4,
        wrong.join("\n")
    );
}
