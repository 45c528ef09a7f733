//! [`Encoder`]: tokenizer + the BERT forward of [`super::bert`] + masked mean pooling + L2 norm.

use std::ops::Range;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;
use tokenizers::Tokenizer;

use super::bert::Bert;
use super::fetch::ModelFiles;
use super::rows::{self, WordRows};
use super::safetensors::load_safetensors;
use super::window::{self, WINDOW_STRIDE, WINDOW_TOKENS};
use super::{DIM, EncoderError, Precision};

/// Most tokens per input, `<s>` and `</s>` included (the position table has 512 rows).
pub const MAX_TOKENS: usize = 512;

/// Prefix for documents (what adlens embeds: notes). The E5 model card asks
/// for `query: ` on both sides of a symmetric task such as classification; with
/// it the head and ensemble ranked the real dev notes no better (ensemble
/// ROC-AUC 0.9165 → 0.9100, head 0.807 → 0.804), so notes stay passages.
pub const PASSAGE_PREFIX: &str = "passage: ";

/// Prefix for queries (E5's other side; also its choice for symmetric tasks).
pub const QUERY_PREFIX: &str = "query: ";

/// `<pad>` in the XLM-R vocabulary.
const PAD_ID: u32 = 1;

/// multilingual-e5-small on the CPU.
pub struct Encoder {
    model: Bert,
    /// Without truncation or padding: [`Encoder::tokenize`] truncates and the
    /// batch pads (one tokenizer, not a truncating one and a copy to plan
    /// windows with: the copy of its 250,000-piece vocabulary took a sixth of an
    /// `adlens check`).
    tokenizer: Tokenizer,
    device: Device,
    model_sha256: String,
    precision: Precision,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("model_sha256", &self.model_sha256)
            .field("precision", &self.precision)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads the tokenizer (truncating to [`MAX_TOKENS`], padding right with
    /// `<pad>` = 1) and the f32 weights of a verified model directory, to run
    /// in f32 (what training uses: the same embeddings on every CPU's f32 path).
    pub fn load(files: &ModelFiles) -> Result<Encoder, EncoderError> {
        Encoder::load_with(files, Precision::F32)
    }

    /// [`Encoder::load`] with the blocks' linear layers in `precision`; int8
    /// only where [`super::int8::available`].
    pub fn load_with(files: &ModelFiles, precision: Precision) -> Result<Encoder, EncoderError> {
        if precision == Precision::Int8 && !super::int8::available() {
            return Err(EncoderError::Int8Unavailable {
                kernel: super::int8::kernel_name(),
            });
        }
        let device = Device::Cpu;
        let config_text = std::fs::read_to_string(&files.config)
            .map_err(|e| EncoderError::io(&files.config, e))?;
        let config: Config =
            serde_json::from_str(&config_text).map_err(|e| EncoderError::Malformed {
                file: files.config.display().to_string(),
                why: e.to_string(),
            })?;
        // Everything but the word embeddings in memory; those are read from the
        // file as notes need them (`rows`).
        let tensors = load_safetensors(&files.weights, &device, &|n| n != rows::WORD_EMBEDDINGS)?;
        let rows = WordRows::from_safetensors(&files.weights)?;
        let model = Bert::load_with(
            VarBuilder::from_tensors(tensors, DType::F32, &device),
            &config,
            Some(rows),
            precision,
        )?;

        let tok_err = |e: tokenizers::Error| EncoderError::Tokenizer(e.to_string());
        let mut tokenizer = Tokenizer::from_file(&files.tokenizer).map_err(tok_err)?;
        tokenizer.with_truncation(None).map_err(tok_err)?;
        tokenizer.with_padding(None);
        Ok(Encoder {
            model,
            tokenizer,
            device,
            model_sha256: files.model_sha256().to_owned(),
            precision,
        })
    }

    /// Embeds notes (each prefixed with [`PASSAGE_PREFIX`]) as one padded batch:
    /// unit vectors of [`DIM`] floats, in input order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        self.embed_with_prefix(PASSAGE_PREFIX, texts)
    }

    /// Embeds `prefix + text` for each text as one padded batch.
    pub fn embed_with_prefix(
        &self,
        prefix: &str,
        texts: &[&str],
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.tokenize(prefix, texts)?;
        let refs: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        self.embed_ids(&refs)
    }

    /// Tokens the model sees for a note (prefix, `<s>` and `</s>` included, at
    /// most [`MAX_TOKENS`]); [`MAX_TOKENS`] if the text cannot be tokenised.
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer
            .encode(format!("{PASSAGE_PREFIX}{text}"), true)
            .map_or(MAX_TOKENS, |e| e.len().min(MAX_TOKENS))
    }

    /// The input ids for `text` exactly as given (no prefix added), with `<s>` and
    /// `</s>`, truncated to [`MAX_TOKENS`].
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EncoderError> {
        let mut ids = self.tokenize("", &[text])?;
        Ok(ids.pop().unwrap_or_default())
    }

    /// Char ranges of the overlapping windows the encoder reads `text` in (see
    /// [`super::window`]): one range, the whole text, when it fits.
    pub fn windows(&self, text: &str) -> Result<Vec<Range<usize>>, EncoderError> {
        let chars: Vec<char> = text.chars().collect();
        // A text token covers at least one char, and at most one lone `▁` token
        // precedes each piece: texts this short always fit.
        if 2 * chars.len() <= WINDOW_TOKENS {
            let whole = 0..chars.len();
            return Ok(vec![whole]);
        }
        let enc = self
            .tokenizer
            .encode_char_offsets(text, false)
            .map_err(|e| EncoderError::Tokenizer(e.to_string()))?;
        Ok(window::plan(
            &chars,
            enc.get_offsets(),
            WINDOW_TOKENS,
            WINDOW_STRIDE,
        ))
    }

    /// sha256 of the weights file this encoder was loaded from.
    pub fn model_sha256(&self) -> &str {
        &self.model_sha256
    }

    /// The arithmetic of the linear layers.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// What identifies this encoder's embeddings (for caches): the weights'
    /// sha256, with `+int8` when the linear layers run in int8, whose
    /// embeddings differ from f32's in the fourth decimal.
    pub fn embedding_id(&self) -> String {
        match self.precision {
            Precision::F32 => self.model_sha256.clone(),
            Precision::Int8 => format!("{}+int8", self.model_sha256),
        }
    }

    /// The unpadded input ids of `prefix + text` for each text.
    pub(crate) fn tokenize(
        &self,
        prefix: &str,
        texts: &[&str],
    ) -> Result<Vec<Vec<u32>>, EncoderError> {
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| EncoderError::Tokenizer(e.to_string()))?;
        Ok(encodings.iter().map(|e| truncated(e.get_ids())).collect())
    }

    /// Runs one right-padded batch of id sequences and pools each row.
    pub(crate) fn embed_ids(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let n = batch.len();
        let len = batch.iter().map(|s| s.len()).max().unwrap_or(0);
        if n == 0 || len == 0 {
            return Ok(vec![Vec::new(); n]);
        }
        let _span = tracing::debug_span!("encoder_batch", n, len).entered();
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for seq in batch {
            ids.extend_from_slice(seq);
            ids.resize(ids.len() + len - seq.len(), PAD_ID);
            mask.resize(mask.len() + seq.len(), 1u32);
            mask.resize(mask.len() + len - seq.len(), 0u32);
        }
        let ids = Tensor::from_vec(ids, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        // The forward pass runs on a thread of rayon's pool, not on the caller's:
        // between the parallel ops (the serial steps, candle's dispatch) the
        // caller's thread would otherwise run beside the pool's threads that
        // spin waiting for the next op, three busy threads on two cores.
        let mut hidden = None;
        rayon::scope(|s| s.spawn(|_| hidden = Some(self.model.forward(&ids, &mask))));
        let hidden = hidden.expect("the scope ran the forward pass")?; // [n, len, DIM]

        // Mean over the real tokens (<s>, prefix and </s> included), then L2 norm.
        let weights = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // [n, len, 1]
        let summed = hidden.broadcast_mul(&weights)?.sum(1)?; // [n, DIM]
        let mean = summed.broadcast_div(&weights.sum(1)?)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        let out: Vec<Vec<f32>> = mean.broadcast_div(&norm)?.to_vec2()?;
        debug_assert!(out.iter().all(|v| v.len() == DIM));
        Ok(out)
    }
}

/// `ids` (`<s>` … `</s>`) cut to [`MAX_TOKENS`] as the tokenizer's own
/// truncation cuts them: the first `MAX_TOKENS − 2` text tokens between the
/// two special tokens.
fn truncated(ids: &[u32]) -> Vec<u32> {
    match ids {
        [head @ .., last] if ids.len() > MAX_TOKENS => {
            let mut out = head[..MAX_TOKENS - 1].to_vec();
            out.push(*last);
            out
        }
        _ => ids.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The model directory for tests (fetched when absent).
    fn test_files() -> ModelFiles {
        let dir = std::env::var_os("ADLENS_MODEL_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("models/e5-small"),
            std::path::PathBuf::from,
        );
        super::super::fetch::ensure(&dir, true).expect("encoder files")
    }

    /// One untruncated tokenizer cut by [`truncated`] gives the ids the
    /// tokenizer's own truncation to [`MAX_TOKENS`] gives, short notes and long.
    #[test]
    fn truncation_matches_the_tokenizers_own() {
        let files = test_files();
        let encoder = Encoder::load(&files).unwrap();
        let mut theirs = Tokenizer::from_file(&files.tokenizer).unwrap();
        let max_length = MAX_TOKENS;
        let limit = tokenizers::TruncationParams {
            max_length,
            ..Default::default()
        };
        theirs.with_truncation(Some(limit)).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = ["data/notes/test.jsonl", "data/real/xhs/test.jsonl"]
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(root.join(f))
                    .unwrap()
                    .lines()
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(&l).unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let long = texts.concat();
        texts.push(long.chars().take(3_000).collect());
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let ours = encoder.tokenize(PASSAGE_PREFIX, &refs).unwrap();
        let mut cut = 0;
        for (text, got) in texts.iter().zip(&ours) {
            let want = theirs
                .encode(format!("{PASSAGE_PREFIX}{text}"), true)
                .unwrap();
            assert_eq!(got.as_slice(), want.get_ids(), "{text}");
            cut += usize::from(got.len() == MAX_TOKENS);
        }
        assert!(cut >= 1, "a long text was cut");
        assert_eq!(encoder.count_tokens(&long), MAX_TOKENS);
    }

    /// The converted weights carry the dequantised values of notes §4.
    #[test]
    fn converted_weights_match_reference_values() {
        let files = test_files();
        let wanted = [
            "embeddings.word_embeddings.weight",
            "embeddings.position_embeddings.weight",
            "encoder.layer.0.attention.self.query.weight",
            "encoder.layer.11.output.dense.weight",
        ];
        let t = load_safetensors(&files.weights, &Device::Cpu, &|n| wanted.contains(&n)).unwrap();
        assert_eq!(t.len(), 4);
        let row = |name: &str, r: usize| -> Vec<f32> { t[name].get(r).unwrap().to_vec1().unwrap() };
        let close = |got: &[f32], want: &[f32]| {
            assert!(
                got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-6),
                "{got:?} vs {want:?}"
            );
        };
        let q = row(wanted[2], 0);
        close(
            &q[..4],
            &[0.080_627_4, -0.080_627_4, -0.080_627_4, -0.322_509_8],
        );
        close(&q[16..18], &[-0.161_254_9, 0.241_882_3]);
        close(&row(wanted[0], 0)[..4], &[0.0, 0.0, 0.0, -0.132_568_4]);
        close(
            &row(wanted[1], 0)[..4],
            &[-0.013_183_6, 0.002_775_2, -0.016_708_4, -0.157_104_5],
        );
        let sums = |name: &str| -> (f64, f64) {
            let v: Vec<f32> = t[name].flatten_all().unwrap().to_vec1().unwrap();
            v.iter().fold((0.0, 0.0), |(s, a), &x| {
                (s + f64::from(x), a + f64::from(x).abs())
            })
        };
        let (s, a) = sums(wanted[0]);
        assert!(
            (s + 11_816.895_197).abs() < 1e-3 && (a - 6_180_256.325_085).abs() < 1e-2,
            "{s} {a}"
        );
        assert!((sums(wanted[2]).0 - 30.591_766).abs() < 1e-5);
        assert!((sums(wanted[3]).0 - 10.443_516).abs() < 1e-5);
        assert_eq!(t[wanted[0]].dims(), &[250_037, 384]);
    }
}
