//! How the linear model scores long posts, and how to pool its windows.
//!
//! Long posts are assembled from real organic notes of one split (topic tags
//! stripped, one note per paragraph, one vertical per post; reviews one per line)
//! to a target length, and each also with one real ad of the same split pasted
//! into its middle. Every post is scored whole, and in windows of
//! `WINDOW_CHARS` chars every `STRIDE_CHARS` (`model::features::windows`) pooled
//! by the maximum less `c` × ln(chars / `WINDOW_CHARS`) for a few `c`. Printed per
//! length: the share of organic posts and of promo posts flagged at the linear
//! threshold, and the ROC-AUC between them; then the same over everything at
//! once (the split's real notes and all the posts), where the lengths mix.
//!
//! `cargo run --release --example long_pool -- models dev [POSTS.jsonl]` (with a
//! third argument the posts are also written there, labelled, one source per
//! length, `long_1000` …, for `adlens eval` to score with the encoder).

use std::path::Path;

use adlens::model::features::extract;
use adlens::model::features::windows::{WINDOW_CHARS, windows};
use adlens::model::{Manifest, linear};
use adlens::signals;
use serde_json::Value;

fn read(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("split file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn auc(neg: &[f32], pos: &[f32]) -> f64 {
    let mut wins = 0.0;
    for p in pos {
        for n in neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (neg.len() * pos.len()).max(1) as f64
}

/// Discounts per ln(chars / window) compared; `None` is the whole-note margin.
const POOLINGS: [Option<f32>; 5] = [None, Some(0.0), Some(0.25), Some(0.5), Some(1.0)];

fn name(p: Option<f32>) -> String {
    p.map_or("whole".into(), |c| format!("max-{c}"))
}

/// (organic, ads) scores under each pooling.
type Scores = Vec<(Vec<f32>, Vec<f32>)>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (models, split, out) = match &args[..] {
        [_, m, s] => (m, s, None),
        [_, m, s, o] => (m, s, Some(o)),
        _ => {
            eprintln!("usage: long_pool MODELS_DIR dev|test [POSTS.jsonl]");
            std::process::exit(2);
        }
    };
    let mut written = String::new();
    let dir = Path::new(models);
    let model = linear::load(&dir.join("linear.bin")).expect("linear model");
    let manifest = Manifest::load(dir).expect("manifest");
    let cal = manifest.linear.calibrated.calibration;
    let threshold = manifest.linear.calibrated.threshold;
    let tags = regex::Regex::new(r"#[^#\n]{1,40}\[话题\]#").unwrap();
    let xhs = read(&Path::new("data/real/xhs").join(format!("{split}.jsonl")));
    let reviews = read(&Path::new("data/real/reviews").join(format!("{split}.jsonl")));
    let margin = |t: &str| model.margin(&extract(&signals::analyze(t, false)));
    let pooled = |t: &str| -> Vec<f32> {
        let whole = margin(t);
        let max = windows(t)
            .iter()
            .map(|(_, x)| model.margin(x))
            .reduce(f32::max);
        let k = (t.chars().count() as f32 / WINDOW_CHARS as f32).max(1.0);
        POOLINGS
            .iter()
            .map(|p| match (p, max) {
                (Some(c), Some(m)) => m - c * k.ln(),
                _ => whole,
            })
            .collect()
    };
    let flagged = |v: &[f32]| {
        100.0 * v.iter().filter(|m| cal.apply(**m) >= threshold).count() as f64
            / v.len().max(1) as f64
    };
    let mut all: Scores = vec![(Vec::new(), Vec::new()); POOLINGS.len()];
    let push = |s: &mut Scores, ad: bool, v: Vec<f32>| {
        for (k, x) in v.into_iter().enumerate() {
            if ad { &mut s[k].1 } else { &mut s[k].0 }.push(x);
        }
    };
    for v in &xhs {
        match v["label"].as_str() {
            Some("ad") => push(&mut all, true, pooled(v["text"].as_str().unwrap())),
            Some("organic") => push(&mut all, false, pooled(v["text"].as_str().unwrap())),
            _ => {}
        }
    }
    let ads: Vec<String> = xhs
        .iter()
        .filter(|v| v["label"] == "ad")
        .map(|v| v["text"].as_str().unwrap().to_owned())
        .collect();
    let mut by_cat: Vec<(String, Vec<String>)> = Vec::new();
    for v in xhs.iter().filter(|v| v["label"] == "organic") {
        let body = tags
            .replace_all(v["text"].as_str().unwrap(), "")
            .trim()
            .to_owned();
        if body.chars().count() < 40 {
            continue;
        }
        let cat = v["category"].as_str().unwrap_or("other").to_owned();
        match by_cat.iter_mut().find(|(c, _)| *c == cat) {
            Some((_, v)) => v.push(body),
            None => by_cat.push((cat, vec![body])),
        }
    }
    by_cat.push((
        "reviews".into(),
        reviews
            .iter()
            .map(|v| v["text"].as_str().unwrap().to_owned())
            .collect(),
    ));

    println!(
        "{:>6} {:>5} {:<9} {:>8} {:>8} {:>7}",
        "chars", "posts", "pooling", "organic", "promo", "roc"
    );
    let mut ad_i = 0;
    for target in [1_000usize, 2_000, 4_000, 8_000] {
        let mut posts: Vec<Vec<String>> = Vec::new();
        for (_, notes) in &by_cat {
            let (mut cur, mut len) = (Vec::new(), 0);
            for n in notes {
                len += n.chars().count() + 2;
                cur.push(n.clone());
                if len >= target {
                    posts.push(std::mem::take(&mut cur));
                    len = 0;
                }
            }
        }
        let mut scores: Scores = vec![(Vec::new(), Vec::new()); POOLINGS.len()];
        for post in &posts {
            let mut promo = post.clone();
            promo.insert(post.len() / 2, ads[ad_i % ads.len()].clone());
            ad_i += 1;
            for (ad, text) in [(false, post.join("\n\n")), (true, promo.join("\n\n"))] {
                let row = serde_json::json!({
                    "id": format!("long_{target}-{}-{}", ad_i, if ad { "ad" } else { "organic" }),
                    "text": text,
                    "label": if ad { "ad" } else { "organic" },
                    "source": format!("long_{target}"),
                });
                written.push_str(&format!("{row}\n"));
                let v = pooled(&text);
                push(&mut scores, ad, v.clone());
                push(&mut all, ad, v);
            }
        }
        for (p, (org, pro)) in POOLINGS.iter().zip(&scores) {
            println!(
                "{target:>6} {:>5} {:<9} {:>7.1}% {:>7.1}% {:>7.3}",
                posts.len(),
                name(*p),
                flagged(org),
                flagged(pro),
                auc(org, pro)
            );
        }
    }
    if let Some(out) = out {
        std::fs::write(out, written).expect("write the posts");
    }
    println!("everything: the split's real notes and every post");
    for (p, (org, ads)) in POOLINGS.iter().zip(&all) {
        println!(
            "{:<9} organic {:>5.1}%  ads {:>5.1}%  roc {:.4} ({} organic, {} ads)",
            name(*p),
            flagged(org),
            flagged(ads),
            auc(org, ads),
            org.len(),
            ads.len()
        );
    }
}
