//! Linear layers in 8-bit integers where the CPU multiplies them exactly.
//!
//! The encoder spends about three fifths of its time in the matmuls of its
//! linear layers (docs/benchmarks.md). CPUs with AVX-512 VNNI (or Arm's dot
//! product instructions) multiply u8 by i8 into i32 at several times the rate of
//! f32, so those layers run here as:
//! - weights quantised once at load, symmetrically per output unit
//!   (`w ≈ s_o · q`, `s_o = max |w_o| / 127`), packed once for the kernel;
//! - each input row (one token) quantised on the fly, asymmetrically over its
//!   own range (`x ≈ s_r · (q − z_r)`, `q` in 0..=255), so a token with large
//!   activations does not cost the others their precision;
//! - `rten-gemm`'s integer kernel (run-time choice of AVX-512 VNNI, AVX2, Arm
//!   dot products) sums `q · q_w` exactly in i32, and `z_r · Σ q_w` (the
//!   weights' sums, kept from load) takes the zero point off;
//! - the sum scaled back by `s_r · s_o`, plus the layer's f32 bias.
//!
//! Only where the kernel cannot saturate ([`available`]): without VNNI, x86
//! sums pairs of products in i16 (`vpmaddubsw`), which can overflow, and the
//! encoder stays in f32 there.

use candle_core::{CpuStorage, CustomOp1, Error, Layout, Result, Shape, Tensor};
use rayon::prelude::*;
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB, GemmUninitOptions, PackedBMatrix};
use rten_tensor::NdTensorView;

use super::simd::{Loop, vectorised};

thread_local! {
    /// The integer kernel for this CPU (the executor is not `Send`, so one per
    /// thread; every thread picks the same kernel, whose packing the weights use).
    static GEMM: GemmExecutor<u8, i8, i32> = GemmExecutor::default();
}

/// Rows per parallel task when quantising inputs and scaling outputs.
const ROWS: usize = 16;

/// Whether this CPU multiplies u8 × i8 exactly (no intermediate saturation).
pub fn available() -> bool {
    !GEMM.with(GemmExecutor::may_saturate)
}

/// The name of the integer kernel in use (`x86_64-u8i8i32-avx512`, …).
pub fn kernel_name() -> String {
    GEMM.with(|g| g.kernel_name().to_owned())
}

/// A linear layer `y = x · Wᵀ + b` with int8 weights.
pub struct Int8Linear {
    packed: PackedBMatrix<i8>,
    /// Per output unit: the sum of its weight codes, for the inputs' zero points.
    sums: Vec<i32>,
    /// Per output unit: the weight scale `s_o`.
    scales: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Int8Linear {
    /// Quantises `weight` `[outputs, inputs]` per output unit and packs it;
    /// `bias` has `outputs` values.
    pub fn new(weight: &Tensor, bias: &Tensor) -> Result<Int8Linear> {
        let (outputs, inputs) = weight.dims2()?;
        let w = weight.to_dtype(candle_core::DType::F32)?.to_vec2::<f32>()?;
        let bias = bias.to_dtype(candle_core::DType::F32)?.to_vec1::<f32>()?;
        if bias.len() != outputs {
            candle_core::bail!("bias of {} for {outputs} outputs", bias.len());
        }
        let mut scales = Vec::with_capacity(outputs);
        // Row o of `q` is output unit o: `[outputs, inputs]`, read by the kernel
        // as the transposed `[inputs, outputs]` matrix.
        let mut q = Vec::with_capacity(outputs * inputs);
        for row in &w {
            let max = row.iter().fold(0f32, |m, x| m.max(x.abs()));
            let s = if max > 0.0 { max / 127.0 } else { 1.0 };
            scales.push(s);
            q.extend(
                row.iter()
                    .map(|x| (x / s).round().clamp(-127.0, 127.0) as i8),
            );
        }
        let view = NdTensorView::from_data_with_strides([inputs, outputs], &q[..], [1, inputs])
            .map_err(|e| Error::Msg(format!("int8 weights: {e:?}")))?;
        let packed = GEMM.with(|g| g.prepack_b(view));
        Ok(Int8Linear {
            packed,
            sums: q
                .chunks(inputs)
                .map(|r| r.iter().map(|&c| i32::from(c)).sum())
                .collect(),
            scales,
            bias,
            inputs,
            outputs,
        })
    }

    /// `x` `[rows, inputs]` (contiguous f32) → `[rows, outputs]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.apply_op1_no_bwd(self)
    }
}

/// One row quantised over its own range: `(scale, zero point)`, writing the
/// codes into `out`.
#[inline(always)]
fn quantise_row(x: &[f32], out: &mut [u8]) -> (f32, u8) {
    // Comparisons rather than `f32::min`/`max` (whose NaN rules keep the
    // compiler from vectorising); a NaN input gives NaN scores either way.
    let (mut lo, mut hi) = (0f32, 0f32);
    for &v in x {
        lo = if v < lo { v } else { lo };
        hi = if v > hi { v } else { hi };
    }
    let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
    let zero = (-lo / scale).round().clamp(0.0, 255.0);
    let inv = 1.0 / scale;
    for (o, &v) in out.iter_mut().zip(x) {
        // Round half up by truncating after + 0.5 (the value is ≥ 0 here):
        // `f32::round` is a library call on baseline x86-64.
        *o = ((v * inv + zero).clamp(0.0, 255.0) + 0.5) as u8;
    }
    (scale, zero as u8)
}

/// Rows of `x` (`k` values each) quantised into `codes`, their scale and zero
/// point into `params`.
struct Quantise<'a> {
    codes: &'a mut [u8],
    x: &'a [f32],
    params: &'a mut [(f32, u8)],
    k: usize,
}

impl Loop for Quantise<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let k = self.k;
        for ((c, x), p) in self
            .codes
            .chunks_mut(k)
            .zip(self.x.chunks(k))
            .zip(self.params)
        {
            *p = quantise_row(x, c);
        }
    }
}

/// Integer sums `acc` of rows quantised with `params` back to f32 in `y`, the
/// zero points taken off and the bias added.
struct Rescale<'a> {
    layer: &'a Int8Linear,
    y: &'a mut [f32],
    acc: &'a [i32],
    params: &'a [(f32, u8)],
}

impl Loop for Rescale<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let l = self.layer;
        let n = l.outputs;
        let rows = self.y.chunks_mut(n).zip(self.acc.chunks(n));
        for ((y, acc), &(sr, z)) in rows.zip(self.params) {
            let z = i32::from(z);
            let out = y.iter_mut().zip(acc).zip(&l.sums);
            for (((y, &a), &sum), (&so, &b)) in out.zip(l.scales.iter().zip(&l.bias)) {
                *y = (a - z * sum) as f32 * (sr * so) + b;
            }
        }
    }
}

impl CustomOp1 for Int8Linear {
    fn name(&self) -> &'static str {
        "int8-linear"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(v) = s else {
            return Err(Error::Msg("int8-linear: f32 only".into()));
        };
        let Some((from, to)) = l.contiguous_offsets() else {
            return Err(Error::Msg(
                "int8-linear: the input has to be contiguous".into(),
            ));
        };
        let x = &v[from..to];
        let (k, n) = (self.inputs, self.outputs);
        if x.len() % k != 0 {
            candle_core::bail!("int8-linear: {} values are not rows of {k}", x.len());
        }
        let rows = x.len() / k;
        let mut codes = vec![0u8; rows * k];
        let mut params = vec![(0f32, 0u8); rows];
        codes
            .par_chunks_mut(ROWS * k)
            .zip(x.par_chunks(ROWS * k))
            .zip(params.par_chunks_mut(ROWS))
            .for_each(|((codes, x), params)| {
                vectorised(Quantise {
                    codes,
                    x,
                    params,
                    k,
                });
            });
        let a = NdTensorView::from_data([rows, k], &codes[..]);
        let mut buffer: Vec<i32> = Vec::with_capacity(rows * n);
        let acc = GEMM
            .with(|g| {
                g.gemm_uninit(
                    &mut buffer.spare_capacity_mut()[..rows * n],
                    GemmInputA::Unpacked(a),
                    GemmInputB::Packed(&self.packed),
                    // The codes as they are; the zero points are taken off below.
                    // (rten-gemm 0.25's own per-row zero points gave wrong sums on
                    // some rows of a 37-row test on AVX-512 VNNI.)
                    GemmUninitOptions::default(),
                )
            })
            .map_err(|e| Error::Msg(format!("int8-linear: {e:?}")))?;
        let mut y = vec![0f32; rows * n];
        y.par_chunks_mut(ROWS * n)
            .zip(acc.par_chunks(ROWS * n))
            .zip(params.par_chunks(ROWS))
            .for_each(|((y, acc), params)| {
                vectorised(Rescale {
                    layer: self,
                    y,
                    acc,
                    params,
                });
            });
        let mut dims = l.dims().to_vec();
        *dims.last_mut().expect("at least one dim") = n;
        Ok((CpuStorage::F32(y), Shape::from(dims)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn rows_quantise_over_their_own_range() {
        let x = [-1.0f32, 0.0, 0.5, 3.0];
        let mut q = [0u8; 4];
        let (s, z) = quantise_row(&x, &mut q);
        for (v, c) in x.iter().zip(q) {
            let back = s * (f32::from(c) - f32::from(z));
            assert!((back - v).abs() <= s / 2.0 + 1e-6, "{v} → {back}");
        }
        assert_eq!(q[0], 0);
        assert_eq!(q[3], 255);
        // All zeros: scale 1, every code at the zero point.
        let (s, z) = quantise_row(&[0.0; 3], &mut q[..3]);
        assert_eq!((s, z), (1.0, 0));
    }

    #[test]
    fn matches_the_f32_layer_within_quantisation_error() {
        if !available() {
            return;
        }
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 0.05, (96, 64), &dev).unwrap();
        let b = Tensor::randn(0f32, 0.1, 96, &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (37, 64), &dev).unwrap();
        let want = x
            .matmul(&w.t().unwrap())
            .unwrap()
            .broadcast_add(&b)
            .unwrap();
        let got = Int8Linear::new(&w, &b).unwrap().forward(&x).unwrap();
        assert_eq!(got.dims(), [37, 96]);
        let err = crate::model::encoder::max_abs_diff(&got, &want);
        let scale: f32 = want.abs().unwrap().max_all().unwrap().to_scalar().unwrap();
        assert!(
            err < 0.02 * scale,
            "max error {err} against values up to {scale}"
        );
    }
}
