//! Throughput of the text pipeline and the linear scorer on realistic notes.
//!
//! `cargo bench --bench pipeline`: notes of about 300 characters from the labelled
//! corpus (200–450 chars, mean about 290, up to 300 notes), on one thread.
//! - `normalize`, `segment`, `signals`: each stage alone.
//! - `analyze`: normalise + segment + signals + compliance.
//! - `score_linear`: the above plus features, the linear model, calibration.
//! - `score_figures`: what `adlens score` works out per note (`Detail::Figures`:
//!   probabilities, signals, compliance, trust; no explanation), linear only.
//! - `score_explained`: a full `Analyzer::score` (linear only), with contributions,
//!   sentences and trust.

use std::path::Path;
use std::time::Duration;

use adlens::data;
use adlens::pipeline::{Analyzer, Detail, EncoderInput, Note};
use adlens::signals::analyze;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn notes() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/notes");
    let mut out = Vec::new();
    for split in ["train", "dev", "test"] {
        let (notes, _) = data::read_jsonl(&dir.join(format!("{split}.jsonl"))).expect("corpus");
        out.extend(
            notes
                .into_iter()
                .map(|n| n.text)
                .filter(|t| (200..=450).contains(&t.chars().count())),
        );
    }
    out.truncate(300);
    assert!(
        out.len() >= 100,
        "need realistic notes, found {}",
        out.len()
    );
    out
}

fn bench(c: &mut Criterion) {
    let texts = notes();
    let mean = texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len();
    eprintln!("{} notes, mean {mean} chars", texts.len());
    let scorer =
        Analyzer::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).expect("models");
    analyze("预热", false);

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.measurement_time(Duration::from_secs(8));
    g.sample_size(20);
    let normalized: Vec<_> = texts.iter().map(|t| adlens::text::normalize(t)).collect();
    let segmented: Vec<_> = normalized.iter().map(adlens::text::segment).collect();
    g.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &texts {
                std::hint::black_box(adlens::text::normalize(t));
            }
        })
    });
    g.bench_function("segment", |b| {
        b.iter(|| {
            for n in &normalized {
                std::hint::black_box(adlens::text::segment(n));
            }
        })
    });
    g.bench_function("signals", |b| {
        b.iter(|| {
            for (n, t) in normalized.iter().zip(&segmented) {
                std::hint::black_box(adlens::signals::detect(n, t));
            }
        })
    });
    g.bench_function("analyze", |b| {
        b.iter(|| {
            for t in &texts {
                std::hint::black_box(analyze(t, false));
            }
        })
    });
    g.bench_function("score_linear", |b| {
        b.iter(|| {
            for t in &texts {
                let a = analyze(t, false);
                std::hint::black_box(scorer.probabilities(&a));
            }
        })
    });
    for (name, detail) in [
        ("score_figures", Detail::Figures),
        ("score_explained", Detail::Explained),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                for t in &texts {
                    let note = Note {
                        text: t.clone(),
                        ..Note::default()
                    };
                    let enc = EncoderInput::Unavailable("bench");
                    std::hint::black_box(scorer.score_with(&note, enc, detail));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
