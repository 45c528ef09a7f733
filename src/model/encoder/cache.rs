//! [`EmbeddingCache`]: embeddings on disk, so training and evaluation embed each
//! note once per model.
//!
//! The file is a sequence of fixed-size records, appended to: a 32-byte key
//! (sha256 of the model's sha256, the prefix and the text) and [`DIM`] f32 LE.
//! A truncated last record (an interrupted write) is ignored and overwritten.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::model::PASSAGE_PREFIX;
use super::{DIM, EncoderError};

const KEY: usize = 32;
const RECORD: usize = KEY + 4 * DIM;

/// Embeddings of notes (with [`PASSAGE_PREFIX`]) for one model, backed by a file.
#[derive(Debug)]
pub struct EmbeddingCache {
    path: PathBuf,
    model_sha256: String,
    map: HashMap<[u8; KEY], Vec<f32>>,
    pending: Vec<[u8; KEY]>,
    /// Bytes of complete records in the file.
    valid_len: u64,
}

impl EmbeddingCache {
    /// The default cache file, `.cache/embeddings/e5-small.bin`.
    pub fn default_path() -> PathBuf {
        PathBuf::from(".cache/embeddings/e5-small.bin")
    }

    /// Loads the cache at `path` (empty if the file does not exist) for the model
    /// whose weights have sha256 `model_sha256`. Entries of other models stay in
    /// the file but never match.
    pub fn open(path: &Path, model_sha256: &str) -> Result<EmbeddingCache, EncoderError> {
        let mut bytes = Vec::new();
        match File::open(path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes)
                    .map_err(|e| EncoderError::io(path, e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(EncoderError::io(path, e)),
        }
        let complete = bytes.len() / RECORD * RECORD;
        if complete != bytes.len() {
            tracing::warn!(path = %path.display(), "ignoring a truncated record at the end of the embedding cache");
        }
        let mut map = HashMap::with_capacity(complete / RECORD);
        for record in bytes[..complete].chunks_exact(RECORD) {
            let mut key = [0u8; KEY];
            key.copy_from_slice(&record[..KEY]);
            let v = record[KEY..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            map.insert(key, v);
        }
        Ok(EmbeddingCache {
            path: path.to_path_buf(),
            model_sha256: model_sha256.to_owned(),
            map,
            pending: Vec::new(),
            valid_len: complete as u64,
        })
    }

    fn key(&self, text: &str) -> [u8; KEY] {
        let mut h = Sha256::new();
        for part in [self.model_sha256.as_str(), PASSAGE_PREFIX, text] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    /// The cached embedding of a note, if any.
    pub fn get(&self, text: &str) -> Option<&[f32]> {
        self.map.get(&self.key(text)).map(Vec::as_slice)
    }

    /// Caches the embedding of a note (written by [`EmbeddingCache::flush`]).
    pub fn insert(&mut self, text: &str, embedding: Vec<f32>) -> Result<(), EncoderError> {
        if embedding.len() != DIM {
            return Err(EncoderError::Invalid(format!(
                "embedding of width {}, expected {DIM}",
                embedding.len()
            )));
        }
        let key = self.key(text);
        if self.map.insert(key, embedding).is_none() {
            self.pending.push(key);
        }
        Ok(())
    }

    /// Embeddings for all `texts` in order, computing the missing ones with
    /// `embed` (called once, with the missing texts in order) and caching them.
    pub fn get_or_embed<F>(
        &mut self,
        texts: &[String],
        embed: F,
    ) -> Result<Vec<Vec<f32>>, EncoderError>
    where
        F: FnOnce(&[String]) -> Result<Vec<Vec<f32>>, EncoderError>,
    {
        let missing: Vec<String> = texts
            .iter()
            .filter(|t| self.get(t).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            let vectors = embed(&missing)?;
            if vectors.len() != missing.len() {
                return Err(EncoderError::Invalid(format!(
                    "{} embeddings for {} texts",
                    vectors.len(),
                    missing.len()
                )));
            }
            for (t, v) in missing.iter().zip(vectors) {
                self.insert(t, v)?;
            }
        }
        Ok(texts
            .iter()
            .map(|t| self.get(t).map(<[f32]>::to_vec).unwrap_or_default())
            .collect())
    }

    /// Number of embeddings cached for this model or others.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Appends the new entries to the file (creating its directory), after cutting
    /// off a truncated last record if there was one.
    pub fn flush(&mut self) -> Result<(), EncoderError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = &self.path;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| EncoderError::io(dir, e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| EncoderError::io(path, e))?;
        let on_disk = file
            .metadata()
            .map_err(|e| EncoderError::io(path, e))?
            .len();
        if on_disk != self.valid_len {
            // Another writer or an interrupted write: keep only complete records.
            let complete = on_disk / RECORD as u64 * RECORD as u64;
            file.set_len(complete)
                .map_err(|e| EncoderError::io(path, e))?;
            self.valid_len = complete;
        }
        let mut buf = Vec::with_capacity(self.pending.len() * RECORD);
        for key in &self.pending {
            buf.extend_from_slice(key);
            for x in &self.map[key] {
                buf.extend_from_slice(&x.to_le_bytes());
            }
        }
        file.write_all(&buf)
            .map_err(|e| EncoderError::io(path, e))?;
        self.valid_len += buf.len() as u64;
        self.pending.clear();
        Ok(())
    }
}

impl Drop for EmbeddingCache {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "could not save the embedding cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(seed: f32) -> Vec<f32> {
        (0..DIM).map(|i| seed + i as f32).collect()
    }

    #[test]
    fn round_trips_and_ignores_a_truncated_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/e5.bin");
        let mut c = EmbeddingCache::open(&path, "abc").unwrap();
        c.insert("一", vector(1.0)).unwrap();
        c.insert("二", vector(2.0)).unwrap();
        assert!(c.insert("bad", vec![0.0; 3]).is_err());
        c.flush().unwrap();
        drop(c);

        // Simulate an interrupted append.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[7u8; 100]).unwrap();
        drop(f);

        let mut c = EmbeddingCache::open(&path, "abc").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("二").unwrap(), vector(2.0).as_slice());
        c.insert("三", vector(3.0)).unwrap();
        c.flush().unwrap();
        assert_eq!(fs::metadata(&path).unwrap().len(), 3 * RECORD as u64);

        let other = EmbeddingCache::open(&path, "another model").unwrap();
        assert!(other.get("一").is_none());
        let c = EmbeddingCache::open(&path, "abc").unwrap();
        assert_eq!(c.get("三").unwrap(), vector(3.0).as_slice());
    }

    #[test]
    fn get_or_embed_only_embeds_missing_texts() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = EmbeddingCache::open(&dir.path().join("c.bin"), "m").unwrap();
        c.insert("a", vector(0.0)).unwrap();
        let texts = vec!["a".to_string(), "b".to_string()];
        let out = c
            .get_or_embed(&texts, |missing| {
                assert_eq!(missing, ["b".to_string()]);
                Ok(vec![vector(5.0)])
            })
            .unwrap();
        assert_eq!(out, vec![vector(0.0), vector(5.0)]);
    }
}
