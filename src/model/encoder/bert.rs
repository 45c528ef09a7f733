//! The BERT encoder of multilingual-e5-small, forward pass only, in candle's
//! shape (`load(vb, &cfg)`, `forward`). Same arithmetic as candle-transformers'
//! `bert::BertModel` and the Hugging Face `BertModel` it follows (absolute
//! positions from 0, token type 0, post-layer-norm blocks, exact-erf GELU), but
//! cheaper on the CPU, where `benches/encoder.rs` showed the generic softmax
//! costing twice a feed-forward matmul:
//! - the attention softmax adds the padding mask in the same pass, and it and
//!   the GELU are our parallel kernels (`kernels`), not candle's one-thread ones;
//! - query, key and value are one matmul against their stacked weights;
//! - the query is scaled before the score matmul (s × d values, not s × s);
//! - every linear layer is one 2-D matmul over all tokens of the batch.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::bert::Config;

use super::Precision;
use super::attention::Attention;
use super::int8::Int8Linear;
use super::kernels::{Gelu, MaskedSoftmax};
use super::rows::WordRows;

/// The word-embedding table: in memory, or read from the weights file as
/// needed ([`WordRows`]).
enum Word {
    Table(Embedding),
    Rows(WordRows),
}

impl Word {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        match self {
            Word::Table(e) => e.forward(ids),
            Word::Rows(r) => r.forward(ids),
        }
    }
}

/// The encoder: embeddings, then the transformer layers.
pub(crate) struct Bert {
    word: Word,
    /// Position rows, used from row 0 (BERT absolute positions).
    position: Tensor,
    /// Row 0 of the token-type table: every token is type 0.
    token_type: Tensor,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    span: tracing::Span,
}

/// One transformer block.
struct Layer {
    /// Query, key and value weights stacked: `[3 × hidden, hidden]`.
    qkv: Dense,
    out: Dense,
    out_norm: LayerNorm,
    ffn_in: Dense,
    ffn_out: Dense,
    ffn_norm: LayerNorm,
    /// Attention as one task per (note, head) ([`Attention`]): the int8 path's.
    fused: bool,
    span: tracing::Span,
}

/// A linear layer in f32, or in int8 ([`Precision::Int8`]).
enum Dense {
    F32(Linear),
    Int8(Int8Linear),
}

impl Dense {
    fn new(l: Linear, precision: Precision) -> Result<Dense> {
        Ok(match (precision, l.bias()) {
            (Precision::Int8, Some(b)) => Dense::Int8(Int8Linear::new(l.weight(), b)?),
            _ => Dense::F32(l),
        })
    }

    /// `x` `[rows, inputs]` → `[rows, outputs]`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Dense::F32(l) => l.forward(x),
            Dense::Int8(l) => l.forward(x),
        }
    }
}

fn linear(vb: VarBuilder, out: usize, inp: usize) -> Result<Linear> {
    Ok(Linear::new(
        vb.get((out, inp), "weight")?,
        Some(vb.get(out, "bias")?),
    ))
}

fn layer_norm(vb: VarBuilder, size: usize, eps: f64) -> Result<LayerNorm> {
    Ok(LayerNorm::new(
        vb.get(size, "weight")?,
        vb.get(size, "bias")?,
        eps,
    ))
}

impl Bert {
    /// Loads the checkpoint's `embeddings.*` and `encoder.layer.N.*` tensors.
    #[cfg(test)]
    pub(crate) fn load(vb: VarBuilder, cfg: &Config) -> Result<Bert> {
        Bert::load_with(vb, cfg, None, Precision::F32)
    }

    /// Loads the checkpoint's tensors, the word embeddings from `rows` when
    /// given (and then not from `vb`), the linear layers of the blocks in
    /// `precision`.
    pub(crate) fn load_with(
        vb: VarBuilder,
        cfg: &Config,
        rows: Option<WordRows>,
        precision: Precision,
    ) -> Result<Bert> {
        let h = cfg.hidden_size;
        if !h.is_multiple_of(cfg.num_attention_heads) {
            candle_core::bail!("hidden size {h} is not a multiple of the head count");
        }
        let emb = vb.pp("embeddings");
        let word = match rows {
            Some(r) if r.rows() == cfg.vocab_size && r.hidden() == h => Word::Rows(r),
            Some(r) => candle_core::bail!(
                "word embeddings of {} × {}, the config says {} × {h}",
                r.rows(),
                r.hidden(),
                cfg.vocab_size
            ),
            None => Word::Table(Embedding::new(
                emb.get((cfg.vocab_size, h), "word_embeddings.weight")?,
                h,
            )),
        };
        let position = emb.get(
            (cfg.max_position_embeddings, h),
            "position_embeddings.weight",
        )?;
        let token_type = emb
            .get((cfg.type_vocab_size, h), "token_type_embeddings.weight")?
            .get(0)?;
        let norm = layer_norm(emb.pp("LayerNorm"), h, cfg.layer_norm_eps)?;
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), cfg, precision))
            .collect::<Result<_>>()?;
        Ok(Bert {
            word,
            position,
            token_type,
            norm,
            layers,
            heads: cfg.num_attention_heads,
            span: tracing::span!(tracing::Level::TRACE, "bert"),
        })
    }

    /// Hidden states `[batch, seq, hidden]` of right-padded `ids` `[batch, seq]`;
    /// `mask` `[batch, seq]` is 1 on real tokens, 0 on padding.
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let _enter = self.span.enter();
        let (_, seq) = ids.dims2()?;
        if seq > self.position.dim(0)? {
            candle_core::bail!(
                "{seq} tokens, the position table has {}",
                self.position.dim(0)?
            );
        }
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.narrow(0, 0, seq)?)?
            .broadcast_add(&self.token_type)?;
        let mut x = self.norm.forward(&x)?;
        // 0 on real tokens, the most negative f32 on padding, as [batch, seq].
        let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * f64::from(f32::MAX))?.contiguous()?;
        for layer in &self.layers {
            x = layer.forward(&x, &bias, self.heads)?;
        }
        Ok(x)
    }
}

impl Layer {
    fn load(vb: VarBuilder, cfg: &Config, precision: Precision) -> Result<Layer> {
        let (h, ff, eps) = (cfg.hidden_size, cfg.intermediate_size, cfg.layer_norm_eps);
        let att = vb.pp("attention.self");
        let parts = ["query", "key", "value"].map(|p| linear(att.pp(p), h, h));
        let [q, k, v] = parts;
        let (q, k, v) = (q?, k?, v?);
        let weight = Tensor::cat(&[q.weight(), k.weight(), v.weight()], 0)?;
        let bias = [q.bias(), k.bias(), v.bias()]
            .into_iter()
            .map(|b| {
                b.cloned()
                    .ok_or_else(|| candle_core::Error::Msg("bias".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        let qkv = Linear::new(weight, Some(Tensor::cat(&bias, 0)?));
        let dense = |l| Dense::new(l, precision);
        Ok(Layer {
            qkv: dense(qkv)?,
            out: dense(linear(vb.pp("attention.output.dense"), h, h)?)?,
            out_norm: layer_norm(vb.pp("attention.output.LayerNorm"), h, eps)?,
            ffn_in: dense(linear(vb.pp("intermediate.dense"), ff, h)?)?,
            ffn_out: dense(linear(vb.pp("output.dense"), h, ff)?)?,
            ffn_norm: layer_norm(vb.pp("output.LayerNorm"), h, eps)?,
            fused: precision == Precision::Int8,
            span: tracing::span!(tracing::Level::TRACE, "layer"),
        })
    }

    fn forward(&self, x: &Tensor, bias: &Tensor, heads: usize) -> Result<Tensor> {
        let _enter = self.span.enter();
        let (b, s, h) = x.dims3()?;
        let d = h / heads;
        let flat = x.reshape((b * s, h))?;
        let ctx = if self.fused {
            self.qkv
                .forward(&flat)?
                .reshape((b, s, 3 * h))?
                .apply_op2_no_bwd(bias, &Attention { heads })?
                .reshape((b * s, h))?
        } else {
            // [b·s, 3h] → [3, b, heads, s, d]
            let qkv = self
                .qkv
                .forward(&flat)?
                .reshape((b, s, 3, heads, d))?
                .permute((2, 0, 3, 1, 4))?
                .contiguous()?;
            let q = (qkv.get(0)? * (d as f64).powf(-0.5))?;
            let (k, v) = (qkv.get(1)?, qkv.get(2)?);
            // Scores, then in place their probabilities: [b, heads, s, s].
            let probs = q.matmul(&k.t()?)?;
            probs.inplace_op2(bias, &MaskedSoftmax)?;
            probs
                .matmul(&v)? // [b, heads, s, d]
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b * s, h))?
        };
        let x = self.out_norm.forward(&(self.out.forward(&ctx)? + &flat)?)?;
        let act = self.ffn_in.forward(&x)?;
        act.inplace_op1(&Gelu)?;
        let ff = self.ffn_out.forward(&act)?;
        self.ffn_norm.forward(&(ff + &x)?)?.reshape((b, s, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use candle_transformers::models::bert::BertModel;
    use std::collections::HashMap;

    /// A small random BERT: ours and candle-transformers' give the same hidden
    /// states on a padded batch (real tokens only; padding rows are unused).
    #[test]
    fn matches_candle_transformers_bert() {
        let dev = Device::Cpu;
        let cfg: Config = serde_json::from_value(serde_json::json!({
            "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2,
            "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
            "hidden_dropout_prob": 0.0, "max_position_embeddings": 16,
            "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
            "pad_token_id": 0, "classifier_dropout": null, "model_type": "bert"
        }))
        .unwrap();
        let varmap = candle_nn::VarMap::new();
        let init = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
        // Creating candle's model registers every tensor with random values.
        let theirs = BertModel::load(init.clone(), &cfg).unwrap();
        let tensors: HashMap<String, Tensor> = varmap
            .data()
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect();
        // LayerNorm weights start at 1 and biases at 0: perturb them so a mix-up shows.
        let tensors: HashMap<String, Tensor> = tensors
            .into_iter()
            .map(|(k, v)| {
                let noise = Tensor::randn(0f32, 0.1, v.shape(), &dev).unwrap();
                (k, (v + noise).unwrap())
            })
            .collect();
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &dev);
        let theirs_loaded = BertModel::load(vb.clone(), &cfg).unwrap();
        drop(theirs);
        let ours = Bert::load(vb, &cfg).unwrap();

        let ids = Tensor::new(&[[0u32, 5, 9, 2, 1, 1], [0, 7, 3, 11, 13, 2]], &dev).unwrap();
        let mask = Tensor::new(&[[1u32, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], &dev).unwrap();
        let want = theirs_loaded
            .forward(&ids, &ids.zeros_like().unwrap(), Some(&mask))
            .unwrap();
        let got = ours.forward(&ids, &mask).unwrap();
        assert_eq!(got.dims(), want.dims());
        let diff = |a: Tensor, b: Tensor| crate::model::encoder::max_abs_diff(&a, &b);
        let real0 = |t: &Tensor| t.get(0).unwrap().narrow(0, 0, 4).unwrap();
        assert!(diff(real0(&got), real0(&want)) < 1e-4);
        assert!(diff(got.get(1).unwrap(), want.get(1).unwrap()) < 1e-4);
    }
}
