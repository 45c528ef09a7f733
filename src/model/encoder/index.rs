//! [`NearestIndex`]: brute-force cosine neighbours among labelled training notes
//! (a few thousand × [`DIM`] is a few hundred microseconds).

use serde::Serialize;

use super::{DIM, EncoderError};

/// One labelled note for the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexItem {
    /// Its unit-length embedding.
    pub embedding: Vec<f32>,
    /// True for an ad, false for an organic note.
    pub is_ad: bool,
    /// Its id.
    pub id: String,
    /// The first characters of its text.
    pub snippet: String,
}

impl From<(Vec<f32>, bool, String, String)> for IndexItem {
    fn from((embedding, is_ad, id, snippet): (Vec<f32>, bool, String, String)) -> Self {
        IndexItem {
            embedding,
            is_ad,
            id,
            snippet,
        }
    }
}

/// A note close to the query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    /// Id of the indexed note.
    pub id: String,
    /// Cosine similarity (dot product of unit vectors).
    pub similarity: f32,
    /// The first characters of the indexed note.
    pub snippet: String,
}

/// The nearest notes of each label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nearest {
    /// The nearest organic notes, most similar first.
    pub organic: Vec<Neighbour>,
    /// The nearest ads, most similar first.
    pub ads: Vec<Neighbour>,
    /// Mean similarity of `ads` minus mean similarity of `organic`: above 0 the
    /// query sits closer to ads. 0 when either list is empty.
    pub authenticity_contrast: f32,
}

/// Labelled embeddings searched by dot product.
#[derive(Debug, Clone, Default)]
pub struct NearestIndex {
    vectors: Vec<f32>,
    items: Vec<(bool, String, String)>,
}

impl NearestIndex {
    /// Builds the index; every embedding must have [`DIM`] floats (unit length,
    /// as the encoder returns them, so that dot products are cosines).
    pub fn new<I, T>(items: I) -> Result<NearestIndex, EncoderError>
    where
        I: IntoIterator<Item = T>,
        T: Into<IndexItem>,
    {
        let mut index = NearestIndex::default();
        for item in items {
            let item = item.into();
            if item.embedding.len() != DIM {
                return Err(EncoderError::Invalid(format!(
                    "embedding of {} has width {}, expected {DIM}",
                    item.id,
                    item.embedding.len()
                )));
            }
            index.vectors.extend_from_slice(&item.embedding);
            index.items.push((item.is_ad, item.id, item.snippet));
        }
        Ok(index)
    }

    /// Number of indexed notes.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `k` nearest organic notes and the `k` nearest ads to `query`.
    pub fn nearest(&self, query: &[f32], k: usize) -> Nearest {
        let mut scored: Vec<(f32, usize)> = self
            .vectors
            .chunks_exact(DIM)
            .map(|v| v.iter().zip(query).map(|(a, b)| a * b).sum::<f32>())
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut organic = Vec::new();
        let mut ads = Vec::new();
        for (similarity, i) in scored {
            let (is_ad, id, snippet) = &self.items[i];
            let list = if *is_ad { &mut ads } else { &mut organic };
            if list.len() < k {
                list.push(Neighbour {
                    id: id.clone(),
                    similarity,
                    snippet: snippet.clone(),
                });
            }
            if organic.len() >= k && ads.len() >= k {
                break;
            }
        }
        let mean = |l: &[Neighbour]| l.iter().map(|n| n.similarity).sum::<f32>() / l.len() as f32;
        let authenticity_contrast = if organic.is_empty() || ads.is_empty() {
            0.0
        } else {
            mean(&ads) - mean(&organic)
        };
        Nearest {
            organic,
            ads,
            authenticity_contrast,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(axis: usize, tilt: f32) -> Vec<f32> {
        let mut v = vec![0.0; DIM];
        v[axis] = 1.0;
        v[DIM - 1] = tilt;
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn finds_neighbours_per_label_and_the_contrast() {
        let index = NearestIndex::new([
            (
                unit(0, 0.1),
                true,
                "ad-near".to_string(),
                "买它".to_string(),
            ),
            (unit(0, 2.0), true, "ad-far".to_string(), "链接".to_string()),
            (unit(1, 0.0), false, "org-a".to_string(), "日常".to_string()),
            (unit(0, 1.0), false, "org-b".to_string(), "分享".to_string()),
        ])
        .unwrap();
        let got = index.nearest(&unit(0, 0.0), 1);
        assert_eq!(got.ads[0].id, "ad-near");
        assert_eq!(got.organic[0].id, "org-b");
        let expected = got.ads[0].similarity - got.organic[0].similarity;
        assert!((got.authenticity_contrast - expected).abs() < 1e-6);
        assert!(got.authenticity_contrast > 0.0);

        let all = index.nearest(&unit(0, 0.0), 5);
        assert_eq!((all.ads.len(), all.organic.len()), (2, 2));
        assert!(all.ads[0].similarity >= all.ads[1].similarity);
        let json = serde_json::to_value(&all).unwrap();
        assert!(json["organic"][0]["snippet"].is_string());
    }

    #[test]
    fn rejects_wrong_width_and_handles_empty() {
        assert!(NearestIndex::new([(vec![1.0], false, "x".into(), String::new())]).is_err());
        let empty = NearestIndex::new(Vec::<IndexItem>::new()).unwrap();
        let got = empty.nearest(&unit(0, 0.0), 3);
        assert!(got.ads.is_empty() && got.organic.is_empty());
        assert_eq!(got.authenticity_contrast, 0.0);
    }
}
