//! The encoder's cost, whole and by operation, on the shapes it runs.
//!
//! `cargo bench --bench encoder` (needs `models/e5-small`; `adlens model fetch`):
//! - `encoder/embed_{1,16}_{f32,int8}`: one request of 1 and 16 notes of 300
//!   characters (≈ 225 tokens) cut from the real notes, tokenisation included,
//!   in each precision this CPU runs.
//! - `encoder_ops/*`: one layer's operations for a batch of 16 such notes
//!   (3,600 tokens): the feed-forward matmuls in f32 and as candle `QMatMul`
//!   (Q4_0, the weights' native format, and Q8_0) and as ours in int8
//!   (`int8::Int8Linear`, where the CPU has it exactly), exact-erf GELU (candle's and
//!   ours, `kernels::Gelu`), the attention softmax (candle's, and with the mask
//!   add: candle's two ops against ours, `kernels::MaskedSoftmax`) and a layer
//!   norm. Twelve layers make a forward pass.

use std::path::Path;
use std::time::Duration;

use adlens::model::encoder::{Encoder, Precision, ensure, int8, kernels};
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{D, Device, Module, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TOKENS: usize = 16 * 225;

fn notes_300() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/real/xhs/train.jsonl");
    let (notes, _) = adlens::data::read_jsonl(&path).expect("real notes");
    let joined: String = notes.iter().map(|n| format!("{}\n", n.text)).collect();
    let chars: Vec<char> = joined.chars().collect();
    chars
        .chunks_exact(300)
        .take(16)
        .map(|c| c.iter().collect())
        .collect()
}

fn ops(c: &mut Criterion) {
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1.0, (TOKENS, 384), &dev).unwrap();
    let h = Tensor::randn(0f32, 1.0, (TOKENS, 1536), &dev).unwrap();
    let w_in = Tensor::randn(0f32, 0.05, (1536, 384), &dev).unwrap();
    let w_in_t = w_in.t().unwrap();
    let scores = Tensor::randn(0f32, 1.0, (16, 12, 225, 225), &dev).unwrap();
    let gamma = Tensor::ones(384, candle_core::DType::F32, &dev).unwrap();
    let beta = Tensor::zeros(384, candle_core::DType::F32, &dev).unwrap();
    let ln = candle_nn::LayerNorm::new(gamma, beta, 1e-12);

    let mut g = c.benchmark_group("encoder_ops");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements((2 * TOKENS * 384 * 1536) as u64));
    g.bench_function("ffn_in_matmul_f32", |b| {
        b.iter(|| std::hint::black_box(x.matmul(&w_in_t).unwrap()))
    });
    for dtype in [GgmlDType::Q4_0, GgmlDType::Q8_0] {
        let q = QMatMul::from_qtensor(QTensor::quantize(&w_in, dtype).unwrap()).unwrap();
        g.bench_function(format!("ffn_in_matmul_{dtype:?}"), |b| {
            b.iter(|| std::hint::black_box(q.forward(&x).unwrap()))
        });
    }
    if int8::available() {
        let bias = Tensor::zeros(1536, candle_core::DType::F32, &dev).unwrap();
        let q = int8::Int8Linear::new(&w_in, &bias).unwrap();
        g.bench_function("ffn_in_matmul_int8", |b| {
            b.iter(|| std::hint::black_box(q.forward(&x).unwrap()))
        });
    }
    g.throughput(Throughput::Elements((TOKENS * 1536) as u64));
    g.bench_function("gelu_erf", |b| {
        b.iter(|| std::hint::black_box(h.gelu_erf().unwrap()))
    });
    g.bench_function("gelu_tanh", |b| {
        b.iter(|| std::hint::black_box(h.gelu().unwrap()))
    });
    g.bench_function("gelu_erf_adlens", |b| {
        b.iter(|| std::hint::black_box(h.apply_op1_no_bwd(&kernels::Gelu).unwrap()))
    });
    g.throughput(Throughput::Elements(scores.elem_count() as u64));
    g.bench_function("attention_softmax", |b| {
        b.iter(|| std::hint::black_box(candle_nn::ops::softmax(&scores, D::Minus1).unwrap()))
    });
    g.bench_function("attention_softmax_last_dim", |b| {
        b.iter(|| std::hint::black_box(candle_nn::ops::softmax_last_dim(&scores).unwrap()))
    });
    // What the forward pass runs: the padding mask added, then the softmax.
    let mask = Tensor::zeros((16, 225), candle_core::DType::F32, &dev).unwrap();
    let mask4 = mask.unsqueeze(1).unwrap().unsqueeze(1).unwrap();
    g.bench_function("masked_softmax_candle", |b| {
        b.iter(|| {
            let s = scores.broadcast_add(&mask4).unwrap();
            std::hint::black_box(candle_nn::ops::softmax_last_dim(&s).unwrap())
        })
    });
    g.bench_function("masked_softmax_adlens", |b| {
        b.iter(|| {
            std::hint::black_box(
                scores
                    .apply_op2_no_bwd(&mask, &kernels::MaskedSoftmax)
                    .unwrap(),
            )
        })
    });
    g.throughput(Throughput::Elements((TOKENS * 384) as u64));
    g.bench_function("layer_norm", |b| {
        b.iter(|| std::hint::black_box(ln.forward(&x).unwrap()))
    });
    g.finish();
}

fn embed(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/e5-small");
    let files = ensure(&dir, true).expect("encoder files");
    let mut precisions = vec![Precision::F32];
    if int8::available() {
        precisions.push(Precision::Int8);
    }
    let texts = notes_300();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut g = c.benchmark_group("encoder");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for precision in precisions {
        let enc = Encoder::load_with(&files, precision).expect("encoder");
        for n in [1, 16] {
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(format!("embed_{n}_{}", precision.as_str()), |b| {
                b.iter(|| std::hint::black_box(enc.embed(&refs[..n]).unwrap()))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, ops, embed);
criterion_main!(benches);
