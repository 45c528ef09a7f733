//! Model stage: hashed n-gram features, the logistic models (linear n-gram model,
//! keyword-rules baseline, encoder head, ensemble), calibration and training. It
//! knows analysed notes and labelled data, nothing above them: turning a note into
//! a result is the pipeline's job.

pub mod encoder;
pub mod features;
pub mod head;
pub mod linear;
pub mod logistic;
pub mod manifest;
mod markup;
pub mod train;

use std::path::{Path, PathBuf};

pub use manifest::Manifest;
pub(crate) use markup::without_markup;

use crate::signals::Analysis;

/// Errors loading, saving or training models.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A model file is malformed or from an incompatible build.
    #[error("{path} is not usable: {why}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Training data is unusable.
    #[error("training data: {0}")]
    Data(String),
    /// A data file could not be read.
    #[error(transparent)]
    Read(#[from] crate::data::DataError),
    /// The encoder could not be fetched, loaded or run.
    #[error("encoder: {0}")]
    Encoder(#[from] encoder::EncoderError),
}

impl ModelError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> ModelError {
        ModelError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The default model directory: `$ADLENS_MODELS`, else `models`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("ADLENS_MODELS").map_or_else(|| PathBuf::from("models"), PathBuf::from)
}

/// The keyword-rules baseline margin: the sum of the signal weights.
pub fn rules_margin(a: &Analysis) -> f32 {
    a.signals.iter().map(|s| s.weight).sum()
}
