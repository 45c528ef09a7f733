//! Self-attention of a block in one pass per (note, head), the fast path's
//! (int8's) form.
//!
//! The f32 forward pass follows the reference closely: it copies query, key and
//! value into `[batch, heads, seq, d]`, multiplies all scores into one
//! `[batch, heads, seq, seq]` tensor (39 MB for 16 notes of 225 tokens), runs
//! the softmax over it, multiplies by the values and copies the result back to
//! `[batch, seq, hidden]`. Here each (note, head) is one task that reads its
//! query, key and value in place in the `[batch, seq, 3 × hidden]` output of the
//! stacked projection (`rten-gemm` takes strided views), keeps its `seq × seq`
//! scores in a buffer of its own, and writes its context columns straight into
//! the `[batch, seq, hidden]` result: no copies, and the scores stay in cache.
//! The sums run in another order than candle's matmul, so results differ from
//! the f32 path in the last bits; the int8 path differs from it more anyway.

use candle_core::{CpuStorage, CustomOp2, Error, Layout, Result, Shape};
use rayon::prelude::*;
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB, GemmOptions};
use rten_tensor::NdTensorView;

use super::kernels::contiguous;
use super::simd::{SoftmaxRows, vectorised};

thread_local! {
    /// The f32 kernel for this CPU, one per thread (the executor is not `Send`).
    static GEMM: GemmExecutor<f32> = GemmExecutor::default();
}

const NAME: &str = "adlens-attention";

/// Attention over `qkv` `[batch, seq, 3 × hidden]` (query, key, value side by
/// side, each `heads × d`) with the padding bias `[batch, seq]` (0 on real
/// tokens, a large negative number on padding): the context `[batch, seq,
/// hidden]` (`qkv.apply_op2_no_bwd(&bias, &Attention { heads })`).
pub(crate) struct Attention {
    /// Attention heads.
    pub heads: usize,
}

fn gemm_err(e: rten_gemm::GemmError) -> Error {
    Error::Msg(format!("{NAME}: {e:?}"))
}

fn view_err(e: impl std::fmt::Debug) -> Error {
    Error::Msg(format!("{NAME}: {e:?}"))
}

impl Attention {
    /// The context `[seq, d]` of head `head` of one note (`qkv` its rows).
    fn head(&self, qkv: &[f32], bias: &[f32], seq: usize, head: usize) -> Result<Vec<f32>> {
        let row = qkv.len() / seq;
        let hidden = row / 3;
        let d = hidden / self.heads;
        let at = |part: usize| part * hidden + head * d;
        let q = NdTensorView::from_data_with_strides([seq, d], &qkv[at(0)..], [row, 1])
            .map_err(view_err)?;
        let kt = NdTensorView::from_data_with_strides([d, seq], &qkv[at(1)..], [1, row])
            .map_err(view_err)?;
        let v = NdTensorView::from_data_with_strides([seq, d], &qkv[at(2)..], [row, 1])
            .map_err(view_err)?;
        let mut scores = vec![0f32; seq * seq];
        let mut ctx = vec![0f32; seq * d];
        GEMM.with(|g| -> Result<()> {
            g.gemm(
                &mut scores,
                GemmInputA::Unpacked(q),
                GemmInputB::Unpacked(kt),
                GemmOptions {
                    alpha: (d as f32).powf(-0.5),
                    ..GemmOptions::default()
                },
            )
            .map_err(gemm_err)?;
            vectorised(SoftmaxRows {
                rows: &mut scores,
                keys: seq,
                mask: bias,
                first: 0,
                rows_per_entry: seq,
            });
            let p = NdTensorView::from_data([seq, seq], &scores[..]);
            g.gemm(
                &mut ctx,
                GemmInputA::Unpacked(p),
                GemmInputB::Unpacked(v),
                GemmOptions::default(),
            )
            .map_err(gemm_err)
        })?;
        Ok(ctx)
    }
}

impl CustomOp2 for Attention {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (batch, seq, three) = l1.shape().dims3()?;
        let hidden = three / 3;
        if three % 3 != 0 || hidden % self.heads != 0 {
            return Err(Error::Msg(format!(
                "{NAME}: {three} columns are not query, key and value of {} heads",
                self.heads
            )));
        }
        if l2.shape().dims2()? != (batch, seq) {
            return Err(Error::Msg(format!(
                "{NAME}: bias {:?} does not fit {:?}",
                l2.shape(),
                l1.shape()
            )));
        }
        let qkv = contiguous(s1, l1, NAME)?;
        let bias = contiguous(s2, l2, NAME)?;
        let d = hidden / self.heads;
        let contexts = (0..batch * self.heads)
            .into_par_iter()
            .map(|task| {
                let (note, head) = (task / self.heads, task % self.heads);
                let rows = &qkv[note * seq * three..(note + 1) * seq * three];
                self.head(rows, &bias[note * seq..(note + 1) * seq], seq, head)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut out = vec![0f32; batch * seq * hidden];
        for (task, ctx) in contexts.iter().enumerate() {
            let (note, head) = (task / self.heads, task % self.heads);
            let rows = out[note * seq * hidden..].chunks_mut(hidden).take(seq);
            for (o, c) in rows.zip(ctx.chunks(d)) {
                o[head * d..(head + 1) * d].copy_from_slice(c);
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((batch, seq, hidden))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::encoder::kernels::MaskedSoftmax;
    use candle_core::{Device, Tensor};

    /// The same context as the f32 forward pass's chain of ops, on a padded batch.
    #[test]
    fn matches_the_unfused_ops() {
        let dev = Device::Cpu;
        let (b, s, heads, d) = (2, 7, 3, 4);
        let h = heads * d;
        let qkv = Tensor::randn(0f32, 1.0, (b, s, 3 * h), &dev).unwrap();
        let mask = Tensor::new(&[[1f32, 1., 1., 1., 1., 0., 0.], [1.; 7]], &dev).unwrap();
        let bias = ((mask - 1.0).unwrap() * f64::from(f32::MAX)).unwrap();
        let parts = qkv
            .reshape((b, s, 3, heads, d))
            .unwrap()
            .permute((2, 0, 3, 1, 4))
            .unwrap()
            .contiguous()
            .unwrap();
        let q = (parts.get(0).unwrap() * (d as f64).powf(-0.5)).unwrap();
        let (k, v) = (parts.get(1).unwrap(), parts.get(2).unwrap());
        let scores = q.matmul(&k.t().unwrap()).unwrap();
        let probs = scores.apply_op2_no_bwd(&bias, &MaskedSoftmax).unwrap();
        let want = probs
            .matmul(&v)
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .contiguous()
            .unwrap()
            .reshape((b, s, h))
            .unwrap();
        let got = qkv.apply_op2_no_bwd(&bias, &Attention { heads }).unwrap();
        assert_eq!(got.dims(), [b, s, h]);
        let err = crate::model::encoder::max_abs_diff(&got, &want);
        assert!(err < 1e-5, "{err}");
    }

    #[test]
    fn shapes_that_do_not_fit_are_errors() {
        let dev = Device::Cpu;
        let qkv = Tensor::zeros((1, 3, 12), candle_core::DType::F32, &dev).unwrap();
        let bias = Tensor::zeros((1, 4), candle_core::DType::F32, &dev).unwrap();
        let e = qkv.apply_op2_no_bwd(&bias, &Attention { heads: 2 });
        assert!(e.unwrap_err().to_string().contains("does not fit"));
        let bias = Tensor::zeros((1, 3), candle_core::DType::F32, &dev).unwrap();
        let e = qkv.apply_op2_no_bwd(&bias, &Attention { heads: 5 });
        assert!(e.unwrap_err().to_string().contains("heads"));
    }
}
