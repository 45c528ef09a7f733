//! Long notes are read in full: the encoder reads overlapping windows, the result
//! carries `segments`, and a promotional paragraph in the middle of a long organic
//! post is found wherever it sits.
//!
//! The long posts are assembled from real organic notes of one vertical (the real
//! XHS dev split, topic tags stripped, each note a paragraph) — the shape of a
//! travel diary or forum thread of several thousand characters.
//!
//! Measuring the ways to pool windows (the table in the README):
//! `cargo test --test it long_notes::measure_pooling -- --ignored --nocapture`

use std::path::Path;
use std::sync::OnceLock;

use adlens::engine::{Engine, EngineConfig};
use adlens::model::features::windows::WINDOW_CHARS;
use adlens::pipeline::{Note, Pooling, Score};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The engine with the encoder, or `None` under the skip gate. `cache`: keep
/// embeddings in this file (the measurement scores the same windows four times).
fn engine_with(pooling: Pooling, cache: Option<std::path::PathBuf>) -> Option<Engine> {
    if std::env::var_os("ADLENS_SKIP_ENCODER_TESTS").is_some_and(|v| v == "1") {
        eprintln!("skipped: ADLENS_SKIP_ENCODER_TESTS=1 (needs the e5-small weights)");
        return None;
    }
    let mut e = Engine::load(&EngineConfig {
        models: root().join("models"),
        encoder_dir: Some(root().join("models/e5-small")),
        allow_fetch: true,
        cache,
        precision: adlens::model::encoder::Precision::auto(),
    })
    .expect("engine loads");
    assert!(e.has_encoder(), "{:?}", e.components());
    e.set_pooling(pooling);
    Some(e)
}

fn engine(pooling: Pooling) -> Option<Engine> {
    engine_with(pooling, None)
}

/// Real organic dev notes by vertical, topic tags (`#…[话题]#`) removed.
fn organic_by_category() -> &'static Vec<(String, Vec<String>)> {
    static DATA: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    DATA.get_or_init(|| {
        let tags = regex::Regex::new(r"#[^#\n]{1,40}\[话题\]#").unwrap();
        let text = std::fs::read_to_string(root().join("data/real/xhs/dev.jsonl")).unwrap();
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if v["label"] != "organic" {
                continue;
            }
            let cat = v["category"].as_str().unwrap_or("other").to_owned();
            let body = tags.replace_all(v["text"].as_str().unwrap(), "");
            let body = body.trim().to_owned();
            if body.chars().count() < 40 {
                continue;
            }
            match out.iter_mut().find(|(c, _)| *c == cat) {
                Some((_, v)) => v.push(body),
                None => out.push((cat, vec![body])),
            }
        }
        out
    })
}

/// Long posts of at least `min_chars` chars: consecutive organic notes of one
/// vertical, one paragraph each.
fn long_posts(min_chars: usize) -> Vec<Vec<String>> {
    let mut posts = Vec::new();
    for (_, notes) in organic_by_category() {
        let mut cur: Vec<String> = Vec::new();
        let mut len = 0;
        for n in notes {
            len += n.chars().count() + 2;
            cur.push(n.clone());
            if len >= min_chars {
                posts.push(std::mem::take(&mut cur));
                len = 0;
            }
        }
    }
    posts
}

/// Promotional paragraphs of the kind pasted into a story: a pitch with the
/// mechanics real placements use (a code, a call to buy, a coupon).
const PROMOS: [&str; 4] = [
    "插播一下这次一直在用的晒后修护喷雾，是品牌方寄来的，喷一下就很舒服，现在旗舰店有新人券，戳左下角链接就能买，下单备注我的名字还送同款小样，姐妹们冲！",
    "另外很多人问我这一路用的充电宝，就是某东自营那款，打开京东搜索口令「旅行充电717」可以领30元券，今晚八点直播间还有秒杀，记得点预约！",
    "顺便安利一下我们家新开的民宿，本店地址在古城东门往北两百米，营业时间9:00-22:00，关注+点赞+评论抽三位宝子免单，私信我可以预订，报我名字打九折。",
    "这款胶原蛋白饮我已经回购第三箱了，全网最低价，专柜同款正品保证，复制这段话￥Xk9PqL2￥打开淘宝就能看到，买二送一只有今天，手慢无！",
];

fn join(paragraphs: &[String]) -> String {
    paragraphs.join("\n\n")
}

/// The post with `promo` as a paragraph at its middle, and the promo's char span.
fn with_promo(paragraphs: &[String], promo: &str) -> (String, std::ops::Range<usize>) {
    let mid = paragraphs.len() / 2;
    let before = join(&paragraphs[..mid]);
    let after = join(&paragraphs[mid..]);
    let start = before.chars().count() + 2;
    let text = format!("{before}\n\n{promo}\n\n{after}");
    (text, start..start + promo.chars().count())
}

fn score(e: &Engine, text: &str) -> Score {
    e.score_blocking(&Note {
        id: None,
        text: text.to_owned(),
        has_link: false,
    })
}

/// The segment with the highest probability.
fn top_segment(s: &Score) -> std::ops::Range<usize> {
    // The first of equal ones, as the pooling picks.
    let top = (s.segments.iter())
        .reduce(|a, b| {
            if b.ad_probability > a.ad_probability {
                b
            } else {
                a
            }
        })
        .expect("segments");
    top.start..top.end
}

fn covers(seg: &std::ops::Range<usize>, span: &std::ops::Range<usize>) -> bool {
    seg.start <= span.start && span.end <= seg.end
}

#[test]
fn a_promo_paragraph_in_a_6000_char_post_is_flagged_and_located() {
    let Some(e) = engine(Pooling::default()) else {
        return;
    };
    let post = long_posts(6_000)
        .into_iter()
        .find(|p| p.iter().any(|n| n.contains("旅") || n.contains("景")))
        .expect("a long travel-like post");
    let plain = join(&post);
    assert!(plain.chars().count() >= 6_000);
    let organic = score(&e, &plain);
    assert_eq!(organic.label, "organic", "p = {}", organic.ad_probability);
    assert!(
        organic.segments.len() >= 10,
        "{} windows",
        organic.segments.len()
    );
    // The windows cover the note, in order, overlapping.
    assert_eq!(organic.segments[0].start, 0);
    assert_eq!(organic.segments.last().unwrap().end, plain.chars().count());
    for pair in organic.segments.windows(2) {
        assert!(pair[1].start < pair[0].end && pair[0].start < pair[1].start);
    }
    for promo in &PROMOS[..2] {
        let (text, span) = with_promo(&post, promo);
        let s = score(&e, &text);
        assert_eq!(s.label, "ad", "p = {} for {promo}", s.ad_probability);
        assert!(s.ad_probability > organic.ad_probability);
        let top = top_segment(&s);
        assert!(
            covers(&top, &span),
            "top segment {top:?} misses the promo at {span:?}"
        );
    }
}

#[test]
fn the_linear_model_reads_a_long_post_in_windows_and_explains_the_top_one() {
    let e = Engine::load(&EngineConfig::linear_only(root().join("models"))).unwrap();
    let post = long_posts(6_000)
        .into_iter()
        .find(|p| p.iter().any(|n| n.contains("旅") || n.contains("景")))
        .expect("a long travel-like post");
    let plain = join(&post);
    let organic = score(&e, &plain);
    assert_eq!(organic.label, "organic", "p = {}", organic.ad_probability);
    let n = plain.chars().count();
    assert!(organic.segments.len() >= 2 * n / WINDOW_CHARS - 2);
    assert_eq!(organic.segments[0].start, 0);
    assert_eq!(organic.segments.last().unwrap().end, n);
    assert!(
        organic
            .segments
            .iter()
            .all(|s| s.end - s.start <= WINDOW_CHARS)
    );
    for promo in &PROMOS[..2] {
        let (text, span) = with_promo(&post, promo);
        let s = score(&e, &text);
        assert_eq!(s.label, "ad", "p = {} for {promo}", s.ad_probability);
        let top = top_segment(&s);
        assert!(
            covers(&top, &span),
            "top {top:?} misses the promo at {span:?}"
        );
        // The explanation is the top window's, placed in the note, with the
        // length discount as a contribution of its own.
        let discount = s
            .contributions
            .iter()
            .find(|c| c.feature == "特征:long_note");
        assert!(
            discount.is_some_and(|c| c.contribution < 0.0),
            "{:?}",
            s.contributions
        );
        let chars: Vec<char> = text.chars().collect();
        for c in &s.contributions {
            for sp in &c.spans {
                assert!(
                    top.start <= sp.start && sp.end <= top.end,
                    "{sp:?} outside {top:?}"
                );
                assert_eq!(sp.text, chars[sp.start..sp.end].iter().collect::<String>());
            }
        }
        for st in &s.sentences {
            assert!(top.start <= st.start && st.end <= top.end);
            assert_eq!(st.text, chars[st.start..st.end].iter().collect::<String>());
        }
        // The note's probability is the top window's, discounted for length.
        assert!(
            s.ad_probability
                < s.segments
                    .iter()
                    .map(|x| x.ad_probability)
                    .fold(0.0, f32::max)
        );
    }
}

#[test]
fn a_short_note_has_no_segments() {
    let Some(e) = engine(Pooling::default()) else {
        return;
    };
    let s = score(&e, "周末去了新开的面包店，可颂不错，就是排队太久。");
    assert!(s.segments.is_empty());
}

#[test]
#[ignore = "measurement: prints the pooling table (several minutes)"]
fn measure_pooling() {
    let posts = long_posts(3_000);
    println!(
        "{} long organic posts (>= 3,000 chars), {} promos",
        posts.len(),
        PROMOS.len()
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>10}",
        "pooling", "organic", "promo", "located", "ms/post"
    );
    for (name, pooling) in [
        ("first", Pooling::First),
        ("mean", Pooling::Mean),
        ("max_head", Pooling::MaxHead),
        ("max_window", Pooling::MaxWindow),
    ] {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("long_notes_embeddings.bin");
        let Some(e) = engine_with(pooling, Some(cache)) else {
            return;
        };
        let started = std::time::Instant::now();
        let (mut fp, mut tp, mut located, mut n_promo) = (0, 0, 0, 0);
        for post in &posts {
            fp += usize::from(score(&e, &join(post)).label == "ad");
            for promo in PROMOS {
                let (text, span) = with_promo(post, promo);
                let s = score(&e, &text);
                n_promo += 1;
                tp += usize::from(s.label == "ad");
                located += usize::from(covers(&top_segment(&s), &span));
            }
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / (posts.len() * (1 + PROMOS.len())) as f64;
        println!(
            "{name:<10} {:>8.1}% {:>8.1}% {:>8.1}% {ms:>10.0}",
            100.0 * fp as f64 / posts.len() as f64,
            100.0 * tp as f64 / n_promo as f64,
            100.0 * located as f64 / n_promo as f64,
        );
    }
}
