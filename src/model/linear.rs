//! The hashed n-gram linear model on disk: sparse weights in a small binary file.
//!
//! Layout (little-endian): magic `ADLLIN01`, u32 hash bits, u32 dimension, f32 bias,
//! u32 count, then `count` pairs of (u32 index, f32 weight) for the non-zero
//! weights, ascending by index.

use std::path::Path;

use super::ModelError;
use super::features::{self, Sparse};
use super::logistic::Logistic;

const MAGIC: &[u8; 8] = b"ADLLIN01";

/// Writes the weights of `m` (dimension [`features::DIM`]).
pub fn save(m: &Logistic, path: &Path) -> Result<(), ModelError> {
    let nz: Vec<(u32, f32)> = m
        .weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w != 0.0)
        .map(|(i, w)| (i as u32, *w))
        .collect();
    let mut buf = Vec::with_capacity(24 + nz.len() * 8);
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&features::HASH_BITS.to_le_bytes());
    buf.extend_from_slice(&(m.weights.len() as u32).to_le_bytes());
    buf.extend_from_slice(&m.bias.to_le_bytes());
    buf.extend_from_slice(&(nz.len() as u32).to_le_bytes());
    for (i, w) in nz {
        buf.extend_from_slice(&i.to_le_bytes());
        buf.extend_from_slice(&w.to_le_bytes());
    }
    std::fs::write(path, buf).map_err(|e| ModelError::io(path, e))
}

/// Reads weights written by [`save`], checking they match this build's features.
pub fn load(path: &Path) -> Result<Logistic, ModelError> {
    let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
    parse(&bytes).map_err(|why| ModelError::Format {
        path: path.display().to_string(),
        why,
    })
}

fn parse(bytes: &[u8]) -> Result<Logistic, String> {
    let u32_at = |o: usize| -> Result<u32, String> {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| format!("truncated at byte {o}"))
    };
    if bytes.get(..8) != Some(MAGIC) {
        return Err("not an adlens linear model (bad magic)".into());
    }
    let bits = u32_at(8)?;
    let dim = u32_at(12)? as usize;
    if bits != features::HASH_BITS || dim != features::DIM {
        return Err(format!(
            "built for {bits} hash bits / {dim} features, this adlens uses {} / {}: retrain with `adlens train`",
            features::HASH_BITS,
            features::DIM
        ));
    }
    let bias = f32::from_bits(u32_at(16)?);
    let count = u32_at(20)? as usize;
    if bytes.len() != 24 + count * 8 {
        return Err(format!(
            "expected {} bytes for {count} weights, found {}",
            24 + count * 8,
            bytes.len()
        ));
    }
    let mut weights = vec![0.0f32; dim];
    for k in 0..count {
        let i = u32_at(24 + k * 8)? as usize;
        let w = f32::from_bits(u32_at(28 + k * 8)?);
        if i >= dim || !w.is_finite() {
            return Err(format!("bad weight entry {k}: index {i}, value {w}"));
        }
        weights[i] = w;
    }
    if !bias.is_finite() {
        return Err("bias is not finite".into());
    }
    Ok(Logistic { weights, bias })
}

/// Per-feature contributions `w_i · x_i` of one note, largest magnitude first.
pub fn contributions(m: &Logistic, x: &Sparse) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = x
        .idx
        .iter()
        .zip(&x.val)
        .map(|(&i, &v)| (i, m.weights[i as usize] * v))
        .filter(|(_, c)| *c != 0.0)
        .collect();
    out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_corruption() {
        let mut weights = vec![0.0; features::DIM];
        weights[3] = 1.5;
        weights[features::DIM - 1] = -0.25;
        let m = Logistic {
            weights,
            bias: 0.125,
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("linear.bin");
        save(&m, &p).unwrap();
        assert_eq!(load(&p).unwrap(), m);
        let mut bytes = std::fs::read(&p).unwrap();
        bytes.pop();
        std::fs::write(&p, &bytes).unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(err.contains("expected"), "{err}");
        std::fs::write(&p, b"hello").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("magic"));
    }
}
