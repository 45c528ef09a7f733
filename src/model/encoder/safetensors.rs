//! Reading the f32 tensors of a `model.safetensors` file without `unsafe` (no
//! mmap): the header, and the tensors one by one through a small buffer.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use candle_core::{Device, Tensor};
use serde::Deserialize;

use super::EncoderError;

/// One entry of a safetensors header.
#[derive(Deserialize)]
pub(super) struct TensorInfo {
    pub(super) dtype: String,
    pub(super) shape: Vec<usize>,
    pub(super) data_offsets: (usize, usize),
}

impl TensorInfo {
    /// The absolute byte range of this tensor's data, checked: f32, as many
    /// bytes as its shape holds, inside the file. `Err` says what is wrong.
    pub(super) fn f32_span(&self, name: &str, header: &Header) -> Result<(u64, u64), String> {
        let (begin, end) = self.data_offsets;
        let n: usize = self.shape.iter().product();
        if self.dtype != "F32" || end < begin || end - begin != 4 * n {
            return Err(format!(
                "{name}: {} {:?} at {begin}..{end}",
                self.dtype, self.shape
            ));
        }
        if header.data_start + end as u64 > header.file_len {
            return Err(format!("{name} runs past the end of the file"));
        }
        Ok((
            header.data_start + begin as u64,
            header.data_start + end as u64,
        ))
    }
}

/// What a safetensors header says.
pub(super) struct Header {
    /// Byte offset of the data section.
    pub(super) data_start: u64,
    /// Length of the whole file.
    pub(super) file_len: u64,
    /// Every tensor's entry (`__metadata__` left out), in file order.
    pub(super) tensors: Vec<(String, TensorInfo)>,
}

/// Reads the header of a safetensors file.
pub(super) fn header(file: &mut BufReader<File>, path: &Path) -> Result<Header, EncoderError> {
    let io = |e| EncoderError::io(path, e);
    let bad = |why: String| EncoderError::Malformed {
        file: path.display().to_string(),
        why,
    };
    let file_len = file.get_ref().metadata().map_err(io)?.len();
    let mut len8 = [0u8; 8];
    file.read_exact(&mut len8).map_err(io)?;
    let header_len = u64::from_le_bytes(len8);
    if header_len > 100_000_000 || 8 + header_len > file_len {
        return Err(bad(format!("header length {header_len}")));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(io)?;
    let mut table: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| bad(e.to_string()))?;
    table.remove("__metadata__");
    let mut infos: Vec<(String, TensorInfo)> = table
        .into_iter()
        .map(|(name, v)| {
            Ok((
                name,
                serde_json::from_value(v).map_err(|e| bad(e.to_string()))?,
            ))
        })
        .collect::<Result<_, EncoderError>>()?;
    infos.sort_by_key(|(_, info)| info.data_offsets.0);
    Ok(Header {
        data_start: 8 + header_len,
        file_len,
        tensors: infos,
    })
}

/// Reads an all-F32 safetensors file tensor by tensor, converting through a small
/// buffer, so loading needs the weights' size in memory once (not twice, as reading
/// the whole file first would) and no mmap (the crate forbids `unsafe`).
/// Only the tensors whose name passes `keep` are read.
pub(crate) fn load_safetensors(
    path: &Path,
    device: &Device,
    keep: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tensor>, EncoderError> {
    let io = |e| EncoderError::io(path, e);
    let bad = |why: String| EncoderError::Malformed {
        file: path.display().to_string(),
        why,
    };
    let mut file = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
    let mut header = header(&mut file, path)?;
    let infos = std::mem::take(&mut header.tensors);
    let mut out = HashMap::new();
    let mut chunk = vec![0u8; 1 << 20];
    for (name, info) in infos.into_iter().filter(|(name, _)| keep(name)) {
        let (begin, _) = info.f32_span(&name, &header).map_err(bad)?;
        let n: usize = info.shape.iter().product();
        file.seek(SeekFrom::Start(begin)).map_err(io)?;
        let mut values = Vec::with_capacity(n);
        let mut left = 4 * n;
        while left > 0 {
            let take = left.min(chunk.len());
            file.read_exact(&mut chunk[..take]).map_err(io)?;
            values.extend(
                chunk[..take]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            left -= take;
        }
        out.insert(name, Tensor::from_vec(values, info.shape, device)?);
    }
    Ok(out)
}
