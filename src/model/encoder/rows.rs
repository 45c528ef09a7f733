//! The word-embedding table read from the weights file a row at a time, as the
//! notes being embedded need them, instead of held in memory. The table is
//! 250,037 rows × 384 f32, 384 MB: more than everything else the encoder holds,
//! and copying it in on every start (fresh pages the kernel must zero, then a
//! byte-to-float copy) took about a second of each `adlens check`. A batch of
//! notes uses a few hundred distinct rows; the page cache keeps the ones in use.
//! The rows are the file's bytes, so embeddings are bit for bit the same as with
//! the table in memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use candle_core::{Result, Tensor};

use super::EncoderError;
use super::safetensors::header;

/// The checkpoint's word-embedding table.
pub(crate) const WORD_EMBEDDINGS: &str = "embeddings.word_embeddings.weight";

/// The word-embedding rows of a safetensors file: f32, little-endian, row-major.
pub(crate) struct WordRows {
    file: File,
    path: PathBuf,
    /// Byte offset of row 0 in the file.
    offset: u64,
    rows: usize,
    hidden: usize,
}

impl WordRows {
    /// The word-embedding rows of a safetensors file, checked (f32, two
    /// dimensions, inside the file) but not read.
    pub(crate) fn from_safetensors(path: &Path) -> std::result::Result<WordRows, EncoderError> {
        let io = |e| EncoderError::io(path, e);
        let bad = |why: String| EncoderError::Malformed {
            file: path.display().to_string(),
            why,
        };
        let mut file = BufReader::new(File::open(path).map_err(io)?);
        let header = header(&mut file, path)?;
        let (_, info) = (header.tensors.iter())
            .find(|(name, _)| name == WORD_EMBEDDINGS)
            .ok_or_else(|| bad(format!("no {WORD_EMBEDDINGS}")))?;
        let (begin, _) = info.f32_span(WORD_EMBEDDINGS, &header).map_err(bad)?;
        match info.shape[..] {
            [rows, hidden] => WordRows::open(path, begin, rows, hidden).map_err(io),
            _ => Err(bad(format!(
                "{WORD_EMBEDDINGS}: a table of two dimensions, not {:?}",
                info.shape
            ))),
        }
    }

    /// Rows of `hidden` f32 starting at byte `offset` of `path`; the caller has
    /// checked that `rows × hidden` floats fit in the file.
    pub(crate) fn open(
        path: &Path,
        offset: u64,
        rows: usize,
        hidden: usize,
    ) -> std::io::Result<Self> {
        Ok(WordRows {
            file: File::open(path)?,
            path: path.to_owned(),
            offset,
            rows,
            hidden,
        })
    }

    /// Number of rows (the vocabulary size).
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Floats per row (the hidden size).
    pub(crate) fn hidden(&self) -> usize {
        self.hidden
    }

    /// The rows of `ids` (`[batch, seq]`, u32) as `[batch, seq, hidden]`, like
    /// `candle_nn::Embedding::forward`. Each distinct id is read once.
    pub(crate) fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (batch, seq) = ids.dims2()?;
        let device = ids.device().clone();
        let ids: Vec<u32> = ids.flatten_all()?.to_vec1()?;
        let h = self.hidden;
        let mut bytes = vec![0u8; 4 * h];
        let mut seen: HashMap<u32, usize> = HashMap::new();
        let mut distinct: Vec<f32> = Vec::new();
        let mut out: Vec<f32> = Vec::with_capacity(ids.len() * h);
        for id in ids {
            let at = match seen.get(&id) {
                Some(&at) => at,
                None => {
                    if id as usize >= self.rows {
                        candle_core::bail!(
                            "token id {id} is outside the {} rows of the vocabulary",
                            self.rows
                        );
                    }
                    let pos = self.offset + (id as u64) * (4 * h) as u64;
                    self.file.read_exact_at(&mut bytes, pos).map_err(|e| {
                        candle_core::Error::msg(format!(
                            "reading word embedding {id} from {}: {e}",
                            self.path.display()
                        ))
                    })?;
                    let at = distinct.len();
                    distinct.extend(
                        bytes
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    );
                    seen.insert(id, at);
                    at
                }
            };
            out.extend_from_slice(&distinct[at..at + h]);
        }
        Tensor::from_vec(out, (batch, seq, h), &device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::{Embedding, Module};

    /// Rows read from a file equal the in-memory table's, ids repeated or not,
    /// and an id past the table is an error.
    #[test]
    fn rows_from_the_file_equal_the_table() {
        let (rows, h) = (7, 3);
        let table: Vec<f32> = (0..rows * h).map(|i| i as f32 * 0.25 - 1.0).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.bin");
        let mut file = vec![9u8; 5]; // a header the offset skips
        file.extend(table.iter().flat_map(|x| x.to_le_bytes()));
        std::fs::write(&path, file).unwrap();
        let disk = WordRows::open(&path, 5, rows, h).unwrap();
        let dev = candle_core::Device::Cpu;
        let mem = Embedding::new(Tensor::from_vec(table, (rows, h), &dev).unwrap(), h);
        let ids = Tensor::new(&[[0u32, 6, 2, 2], [1, 1, 5, 0]], &dev).unwrap();
        let got: Vec<Vec<Vec<f32>>> = disk.forward(&ids).unwrap().to_vec3().unwrap();
        let want: Vec<Vec<Vec<f32>>> = mem.forward(&ids).unwrap().to_vec3().unwrap();
        assert_eq!(got, want);
        assert_eq!(disk.rows(), rows);
        let past = Tensor::new(&[[7u32]], &dev).unwrap();
        assert!(
            disk.forward(&past)
                .unwrap_err()
                .to_string()
                .contains("token id 7")
        );
    }
}
