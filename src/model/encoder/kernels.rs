//! The forward pass's element-wise work as candle custom ops: exact-erf GELU and
//! the attention softmax with its padding mask added in the same pass.
//!
//! candle 0.11 runs `gelu_erf` one element at a time on one thread through
//! `libm::erff`, and the attention softmax as a separate mask add, then `exp` per
//! element; `benches/encoder.rs` measured the GELU of one layer at about the cost
//! of its largest matmul and the softmax at more (docs/benchmarks.md). Here both
//! run over the rows in parallel on candle's own rayon pool, with branch-free
//! `exp` and `erf` the compiler can vectorise:
//! - `exp`: Cody–Waite reduction by ln 2 (x = k·ln 2 + r, |r| ≤ ln 2 / 2), e^r by
//!   its Taylor series to r⁷ (truncation below 1e-8 relative), 2^k built in the
//!   exponent bits;
//! - `erf`: formula 7.1.26 of Abramowitz & Stegun, *Handbook of Mathematical
//!   Functions* (1964), absolute error at most 1.5e-7.
//!
//! The forward pass runs both in place (the activations and the scores are fresh
//! tensors); the copying forms serve the benches and tests. The embeddings of the
//! bench notes move by at most 1.4e-7 per coordinate against candle's kernels
//! (tests here, and the reference vectors of `tests/it/encoder.rs`).

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, Error, InplaceOp1, InplaceOp2, Layout, Result, Shape,
};
use rayon::prelude::*;

use super::simd::{GeluLoop, SoftmaxRows, vectorised};

/// Elements per parallel task of the GELU.
const CHUNK: usize = 1 << 14;

/// e^x in f32, relative error about 2e-7; 0 below -87 (where f32 runs out of
/// normal numbers), as large as f32 goes above 88.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // ln 2 in two parts, the first with few enough bits that k·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // 1.5 · 2^23: adding it rounds to an integer and leaves that integer in the
    // low bits of the sum.
    const SHIFT: f32 = 12_582_912.0;
    // Plain multiply-adds: without the `fma` target feature (this build targets
    // baseline x86-64) `mul_add` is a library call.
    let c = x.clamp(-87.0, 88.0);
    let y = c * std::f32::consts::LOG2_E + SHIFT;
    let k = y - SHIFT;
    let r = (c - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for coefficient in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + coefficient;
    }
    let two_k = f32::from_bits((y.to_bits().wrapping_sub(0x4B40_0000).wrapping_add(127)) << 23);
    if x < -87.0 { 0.0 } else { p * two_k }
}

/// The error function (Abramowitz & Stegun 7.1.26), absolute error ≤ 1.5e-7 plus
/// f32 rounding.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    // The handbook's constants, rounded to f32.
    const P: f32 = 0.327_591_1_f64 as f32;
    const A: [f32; 5] = [
        0.254_829_592_f64 as f32,
        -0.284_496_736_f64 as f32,
        1.421_413_741_f64 as f32,
        -1.453_152_027_f64 as f32,
        1.061_405_429_f64 as f32,
    ];
    let a = x.abs();
    let t = 1.0 / (a * P + 1.0);
    let mut poly = A[4];
    for c in [A[3], A[2], A[1], A[0]] {
        poly = poly * t + c;
    }
    let y = 1.0 - poly * t * exp(-a * a);
    y.copysign(x)
}

/// GELU with the exact (erf) form: x · Φ(x).
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Names of the two ops, in their copying and in-place forms alike.
const GELU: &str = "adlens-gelu-erf";
const MASKED_SOFTMAX: &str = "adlens-masked-softmax";

fn contiguous_mut<'a>(s: &'a mut CpuStorage, l: &Layout, op: &str) -> Result<&'a mut [f32]> {
    let CpuStorage::F32(v) = s else {
        return Err(Error::Msg(format!("{op}: f32 only")));
    };
    match l.contiguous_offsets() {
        Some((from, to)) => Ok(&mut v[from..to]),
        None => Err(Error::Msg(format!("{op}: the input has to be contiguous"))),
    }
}

pub(super) fn contiguous<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(v) = s else {
        return Err(Error::Msg(format!("{op}: f32 only")));
    };
    match l.contiguous_offsets() {
        Some((from, to)) => Ok(&v[from..to]),
        None => Err(Error::Msg(format!("{op}: the input has to be contiguous"))),
    }
}

/// Exact-erf GELU over a contiguous f32 tensor (`x.apply_op1_no_bwd(&Gelu)`).
pub struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        GELU
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let mut dst = contiguous(s, l, GELU)?.to_vec();
        gelu_in_place(&mut dst);
        Ok((CpuStorage::F32(dst), l.shape().clone()))
    }
}

/// In place (`x.inplace_op1(&Gelu)`), as the forward pass runs it: the
/// feed-forward activations are a fresh tensor nobody else holds, and writing
/// over them saves allocating (and faulting in) a second one per layer.
impl InplaceOp1 for Gelu {
    fn name(&self) -> &'static str {
        GELU
    }

    fn cpu_fwd(&self, s: &mut CpuStorage, l: &Layout) -> Result<()> {
        gelu_in_place(contiguous_mut(s, l, GELU)?);
        Ok(())
    }
}

fn gelu_in_place(v: &mut [f32]) {
    v.par_chunks_mut(CHUNK)
        .for_each(|c| vectorised(GeluLoop(c)));
}

/// Softmax over the last dimension of attention scores `[batch, heads, seq,
/// keys]` after adding the mask `[batch, keys]` (0 on real tokens, a large
/// negative number on padding) of each row's batch entry
/// (`scores.apply_op2_no_bwd(&mask, &MaskedSoftmax)`).
pub struct MaskedSoftmax;

impl CustomOp2 for MaskedSoftmax {
    fn name(&self) -> &'static str {
        MASKED_SOFTMAX
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let mut dst = contiguous(s1, l1, MASKED_SOFTMAX)?.to_vec();
        let mask = contiguous(s2, l2, MASKED_SOFTMAX)?;
        masked_softmax(&mut dst, l1, mask, l2)?;
        Ok((CpuStorage::F32(dst), l1.shape().clone()))
    }
}

/// In place on the scores (`scores.inplace_op2(&mask, &MaskedSoftmax)`), as the
/// forward pass runs it: the scores are a fresh matmul output nobody else holds.
impl InplaceOp2 for MaskedSoftmax {
    fn name(&self) -> &'static str {
        MASKED_SOFTMAX
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        let mask = contiguous(s2, l2, MASKED_SOFTMAX)?;
        masked_softmax(contiguous_mut(s1, l1, MASKED_SOFTMAX)?, l1, mask, l2)
    }
}

/// Rows of `scores` (shape of `l1`, `[batch, heads, seq, keys]`) become
/// softmax(row + mask row of their batch entry).
fn masked_softmax(scores: &mut [f32], l1: &Layout, mask: &[f32], l2: &Layout) -> Result<()> {
    let (b, heads, seq, keys) = l1.shape().dims4()?;
    if l2.shape().dims2()? != (b, keys) {
        return Err(Error::Msg(format!(
            "{MASKED_SOFTMAX}: mask {:?} does not fit scores {:?}",
            l2.shape(),
            l1.shape()
        )));
    }
    let rows_per_entry = heads * seq;
    (scores.par_chunks_mut(keys * SOFTMAX_ROWS))
        .enumerate()
        .for_each(|(task, rows)| {
            vectorised(SoftmaxRows {
                rows,
                keys,
                mask,
                first: task * SOFTMAX_ROWS,
                rows_per_entry,
            });
        });
    Ok(())
}

/// Score rows per parallel task of the softmax.
const SOFTMAX_ROWS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    /// Points across [-lo, hi] plus the edges.
    fn grid(lo: f32, hi: f32, n: usize) -> Vec<f32> {
        (0..=n)
            .map(|i| lo + (hi - lo) * i as f32 / n as f32)
            .collect()
    }

    #[test]
    fn exp_is_within_a_few_ulp_of_std() {
        for x in grid(-87.0, 88.0, 200_000) {
            let (got, want) = (exp(x), x.exp());
            assert!(
                ((got - want) / want).abs() < 5e-7,
                "exp({x}) = {got}, std {want}"
            );
        }
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(f32::MIN), 0.0);
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(100.0).is_finite());
    }

    #[test]
    fn gelu_matches_candles_exact_gelu() {
        let xs = grid(-12.0, 12.0, 100_000);
        let t = Tensor::new(xs.as_slice(), &Device::Cpu).unwrap();
        let want: Vec<f32> = t.gelu_erf().unwrap().to_vec1().unwrap();
        let got: Vec<f32> = t.apply_op1_no_bwd(&Gelu).unwrap().to_vec1().unwrap();
        for ((x, g), w) in xs.iter().zip(&got).zip(&want) {
            assert!(
                (g - w).abs() <= 3e-7 * x.abs().max(1.0),
                "gelu({x}) = {g}, candle {w}"
            );
        }
        assert_eq!(gelu(0.0), 0.0);
    }

    #[test]
    fn masked_softmax_matches_mask_add_then_candles_softmax() {
        let (b, h, s) = (3, 2, 37);
        let scores = Tensor::randn(0f32, 3.0, (b, h, s, s), &Device::Cpu).unwrap();
        // Entry 0 has no padding, entry 1 the last 5 keys, entry 2 all but 2.
        let mut mask = vec![0.0f32; b * s];
        for k in s - 5..s {
            mask[s + k] = -f32::MAX;
        }
        for k in 2..s {
            mask[2 * s + k] = -f32::MAX;
        }
        let mask = Tensor::from_vec(mask, (b, s), &Device::Cpu).unwrap();
        let want = candle_nn::ops::softmax_last_dim(
            &scores
                .broadcast_add(&mask.unsqueeze(1).unwrap().unsqueeze(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        let got = scores.apply_op2_no_bwd(&mask, &MaskedSoftmax).unwrap();
        let diff: f32 = (got.clone() - &want)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!(diff < 1e-6, "max |Δ| {diff}");
        // Padding gets exactly nothing.
        let row: Vec<f32> = got
            .get(2)
            .unwrap()
            .get(1)
            .unwrap()
            .get(4)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert!(row[2..].iter().all(|&p| p == 0.0));
        assert!((row[0] + row[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn in_place_ops_give_what_the_copying_ones_give() {
        let h = Tensor::randn(0f32, 2.0, (7, 300), &Device::Cpu).unwrap();
        let copied = h.apply_op1_no_bwd(&Gelu).unwrap();
        let inplace = h.copy().unwrap();
        inplace.inplace_op1(&Gelu).unwrap();
        let (a, b): (Vec<f32>, Vec<f32>) = (
            copied.flatten_all().unwrap().to_vec1().unwrap(),
            inplace.flatten_all().unwrap().to_vec1().unwrap(),
        );
        assert_eq!(a, b);
        let scores = Tensor::randn(0f32, 3.0, (2, 3, 5, 5), &Device::Cpu).unwrap();
        let mask = Tensor::new(
            &[[0f32, 0., 0., -f32::MAX, -f32::MAX], [0.; 5]],
            &Device::Cpu,
        )
        .unwrap();
        let copied = scores.apply_op2_no_bwd(&mask, &MaskedSoftmax).unwrap();
        let inplace = scores.copy().unwrap();
        inplace.inplace_op2(&mask, &MaskedSoftmax).unwrap();
        let (a, b): (Vec<f32>, Vec<f32>) = (
            copied.flatten_all().unwrap().to_vec1().unwrap(),
            inplace.flatten_all().unwrap().to_vec1().unwrap(),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn a_mask_of_the_wrong_shape_is_an_error() {
        let scores = Tensor::zeros((2, 1, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
        let mask = Tensor::zeros((2, 4), candle_core::DType::F32, &Device::Cpu).unwrap();
        let e = scores.apply_op2_no_bwd(&mask, &MaskedSoftmax).unwrap_err();
        assert!(e.to_string().contains("does not fit"), "{e}");
    }
}
