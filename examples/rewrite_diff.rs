//! Which features move a linear model's margin under one invariance rewrite:
//! over every note of a file the rewrite applies to, the mean change in margin
//! per feature name (features the rewrite adds or removes, and dense features
//! that change), and the mean change of the n-grams the two texts share (the
//! L2 normalisation's dilution). Used for the README's invariance notes.
//!
//! `cargo run --release --example rewrite_diff -- add_hashtag models/linear.bin data/notes/test.jsonl`
//! (the rewrite is `add_hashtag` or `prepend_title`).

use std::collections::HashMap;
use std::path::Path;

use adlens::data;
use adlens::eval::invariance::rewrite;
use adlens::model::features::explain;
use adlens::model::linear;
use adlens::signals;

fn contributions(text: &str, w: &[f32]) -> HashMap<String, f32> {
    let a = signals::analyze(text, false);
    let mut out = HashMap::new();
    for f in &explain(&a).features {
        *out.entry(f.name.to_string()).or_insert(0.0) += w[f.index as usize] * f.value;
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, which, model, file] = &args[..] else {
        eprintln!("usage: rewrite_diff add_hashtag|prepend_title LINEAR_BIN NOTES_JSONL");
        std::process::exit(2);
    };
    let apply = match which.as_str() {
        "add_hashtag" => rewrite::add_hashtag,
        "prepend_title" => rewrite::prepend_title,
        other => {
            eprintln!("unknown rewrite {other}");
            std::process::exit(2);
        }
    };
    let model = linear::load(Path::new(model)).expect("linear model");
    let (notes, _) = data::read_jsonl(Path::new(file)).expect("notes");
    let mut moved: HashMap<String, f32> = HashMap::new();
    let (mut diluted, mut n) = (0.0f32, 0usize);
    for note in &notes {
        let Some(new) = apply(&note.text) else {
            continue;
        };
        let (a, b) = (
            contributions(&note.text, &model.weights),
            contributions(&new, &model.weights),
        );
        n += 1;
        for (k, v) in &b {
            if !a.contains_key(k) {
                *moved.entry(k.clone()).or_default() += v;
            }
        }
        for (k, v) in &a {
            match b.get(k) {
                Some(v2) if k.starts_with("特征") => {
                    *moved.entry(k.clone()).or_default() += v2 - v
                }
                Some(v2) => diluted += v2 - v,
                None => *moved.entry(format!("(removed) {k}")).or_default() -= v,
            }
        }
    }
    let mut rows: Vec<_> = moved.into_iter().collect();
    rows.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()));
    let n_f = n.max(1) as f32;
    println!(
        "{n} notes; shared n-grams' mean change {:+.4}",
        diluted / n_f
    );
    for (name, x) in rows.iter().take(20) {
        println!("{:+.4}\t{name}", x / n_f);
    }
}
