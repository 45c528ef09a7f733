//! The encoder side of the models: the logistic head on e5-small embeddings, the
//! stacked ensemble, and the index of training-note embeddings used for nearest
//! examples. Stored as small files next to the linear model.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ModelError;
use super::logistic::Logistic;

pub use super::encoder::DIM;

/// `head.json`: weights of the logistic head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadFile {
    /// One weight per embedding dimension.
    pub weights: Vec<f32>,
    /// Intercept.
    pub bias: f32,
}

/// Writes the head as JSON.
pub fn save_head(m: &Logistic, path: &Path) -> Result<(), ModelError> {
    let f = HeadFile {
        weights: m.weights.clone(),
        bias: m.bias,
    };
    let text = serde_json::to_string(&f).expect("head serialises");
    std::fs::write(path, text + "\n").map_err(|e| ModelError::io(path, e))
}

/// Reads a head written by [`save_head`].
pub fn load_head(path: &Path) -> Result<Logistic, ModelError> {
    let bad = |why: String| ModelError::Format {
        path: path.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
    let f: HeadFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if f.weights.len() != DIM || !f.weights.iter().chain([&f.bias]).all(|w| w.is_finite()) {
        return Err(bad(format!("expected {DIM} finite weights")));
    }
    Ok(Logistic {
        weights: f.weights,
        bias: f.bias,
    })
}

/// (row, cosine similarity) pairs, best first.
pub type Hits = Vec<(usize, f32)>;

/// One training note in the nearest-examples index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Note id.
    pub id: String,
    /// True for ads.
    pub ad: bool,
    /// The first characters of the note.
    pub snippet: String,
}

/// The nearest-examples index: entries and their unit-length embeddings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Index {
    /// Notes, in row order.
    pub entries: Vec<IndexEntry>,
    /// Row-major embeddings, `entries.len() × DIM`.
    pub vectors: Vec<f32>,
}

impl Index {
    /// Writes `nearest.json` (entries) and `nearest.bin` (f16 little-endian rows).
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        let json = dir.join("nearest.json");
        let text = serde_json::to_string(&self.entries).expect("entries serialise");
        std::fs::write(&json, text + "\n").map_err(|e| ModelError::io(&json, e))?;
        let bin = dir.join("nearest.bin");
        let bytes: Vec<u8> = self
            .vectors
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        std::fs::write(&bin, bytes).map_err(|e| ModelError::io(&bin, e))
    }

    /// Reads an index written by [`Index::save`].
    pub fn load(dir: &Path) -> Result<Index, ModelError> {
        let json = dir.join("nearest.json");
        let text = std::fs::read_to_string(&json).map_err(|e| ModelError::io(&json, e))?;
        let entries: Vec<IndexEntry> =
            serde_json::from_str(&text).map_err(|e| ModelError::Format {
                path: json.display().to_string(),
                why: e.to_string(),
            })?;
        let bin = dir.join("nearest.bin");
        let bytes = std::fs::read(&bin).map_err(|e| ModelError::io(&bin, e))?;
        if bytes.len() != entries.len() * DIM * 2 {
            return Err(ModelError::Format {
                path: bin.display().to_string(),
                why: format!(
                    "expected {} bytes for {} notes",
                    entries.len() * DIM * 2,
                    entries.len()
                ),
            });
        }
        let vectors = bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect();
        Ok(Index { entries, vectors })
    }

    /// The `k` most similar ads and organic notes (cosine; vectors are unit length).
    pub fn nearest(&self, query: &[f32], k: usize) -> (Hits, Hits) {
        let mut sims: Vec<(usize, f32)> = self
            .vectors
            .chunks_exact(DIM)
            .enumerate()
            .map(|(i, v)| (i, v.iter().zip(query).map(|(a, b)| a * b).sum()))
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1));
        let pick = |ad: bool| {
            sims.iter()
                .filter(|(i, _)| self.entries[*i].ad == ad)
                .take(k)
                .copied()
                .collect::<Vec<_>>()
        };
        (pick(false), pick(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Vec<f32> {
        let mut v = vec![0.0; DIM];
        v[i] = 1.0;
        v
    }

    #[test]
    fn index_round_trips_and_finds_neighbours() {
        let mut idx = Index::default();
        for (i, ad) in [(0, true), (1, false), (2, true), (3, false)] {
            idx.entries.push(IndexEntry {
                id: format!("n{i}"),
                ad,
                snippet: "…".into(),
            });
            idx.vectors.extend(unit(i));
        }
        let dir = tempfile::tempdir().unwrap();
        idx.save(dir.path()).unwrap();
        let back = Index::load(dir.path()).unwrap();
        assert_eq!(back, idx);
        let mut q = unit(2);
        q[3] = 0.5;
        let (organic, ads) = back.nearest(&q, 1);
        assert_eq!(back.entries[ads[0].0].id, "n2");
        assert_eq!(back.entries[organic[0].0].id, "n3");
    }
}
