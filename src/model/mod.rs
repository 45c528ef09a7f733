//! Model stage: hashed n-gram features, the logistic models (linear n-gram model,
//! keyword-rules baseline, encoder head, ensemble), calibration, and the
//! [`Scorer`] that turns an analysed note into a calibrated, explained score.

pub mod encoder;
pub mod features;
pub mod head;
pub mod linear;
pub mod logistic;
pub mod manifest;
mod scorer;
pub mod train;

use std::path::Path;

pub use manifest::Manifest;
pub use scorer::{
    Component, Contribution, EncoderInput, Example, ModelInfo, Note, Probabilities, Score, Scorer,
    Sentence, Similar, Span, Timings, default_dir,
};

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
