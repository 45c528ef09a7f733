//! Length-sorted batching by padded-token budget: [`EncoderHandle`] (a tokio task
//! owning the encoder) for the service, [`embed_batched`] for training and the
//! batch CLI.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::EncoderError;
use super::model::{Encoder, PASSAGE_PREFIX};

/// Limits on one forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// Most padded tokens (longest sequence × batch size) per batch.
    pub max_batch_tokens: usize,
    /// Most sequences per batch.
    pub max_batch_size: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_batch_tokens: 16_384,
            max_batch_size: 64,
        }
    }
}

/// Groups sequences into batches: sorted by length, each batch as large as the
/// budget allows (`longest × count ≤ max_batch_tokens`, `count ≤ max_batch_size`,
/// at least one sequence). Returns indices into `lengths`.
pub(crate) fn plan_batches(lengths: &[usize], cfg: BatchConfig) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in order {
        // Sorted ascending, so this sequence is the longest of the batch if added.
        let padded = lengths[i] * (current.len() + 1);
        if !current.is_empty()
            && (padded > cfg.max_batch_tokens || current.len() >= cfg.max_batch_size)
        {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Embeds notes (with [`PASSAGE_PREFIX`]) in length-sorted batches of at most
/// `max_batch_tokens` padded tokens (and 64 sequences), without tokio. Results are
/// in input order and equal, within float error, to one-at-a-time embedding.
pub fn embed_batched(
    encoder: &Encoder,
    texts: &[String],
    max_batch_tokens: usize,
) -> Result<Vec<Vec<f32>>, EncoderError> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let ids = encoder.tokenize(PASSAGE_PREFIX, &refs)?;
    let cfg = BatchConfig {
        max_batch_tokens,
        ..BatchConfig::default()
    };
    let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
    let mut out = vec![Vec::new(); texts.len()];
    for batch in plan_batches(&lengths, cfg) {
        let seqs: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
        for (i, v) in batch.into_iter().zip(encoder.embed_ids(&seqs)?) {
            out[i] = v;
        }
    }
    Ok(out)
}

/// One caller's texts and where to send their embeddings.
struct Request {
    texts: Vec<String>,
    reply: oneshot::Sender<Result<Vec<Vec<f32>>, EncoderError>>,
}

/// A cheap, cloneable handle to the encoder task. The task drains whatever is
/// queued, sorts it by length, runs it in batches on the blocking pool and
/// answers each caller as soon as its last text is done. It stops when every
/// handle is dropped.
#[derive(Debug, Clone)]
pub struct EncoderHandle {
    tx: mpsc::UnboundedSender<Request>,
    depth: Arc<AtomicUsize>,
    model_sha256: Arc<str>,
}

/// Takes `n` texts off the queue depth when dropped (also if the caller gives up).
struct DepthGuard<'a>(&'a AtomicUsize, usize);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, Ordering::Relaxed);
    }
}

impl EncoderHandle {
    /// Moves `encoder` into a new task on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(encoder: Encoder, cfg: BatchConfig) -> EncoderHandle {
        EncoderHandle::spawn_shared(Arc::new(encoder), cfg)
    }

    /// Like [`EncoderHandle::spawn`], for an encoder also used elsewhere (say, by
    /// [`embed_batched`] on a blocking thread).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn_shared(encoder: Arc<Encoder>, cfg: BatchConfig) -> EncoderHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        let model_sha256 = Arc::from(encoder.model_sha256());
        tokio::spawn(run(encoder, cfg, rx));
        EncoderHandle {
            tx,
            depth: Arc::new(AtomicUsize::new(0)),
            model_sha256,
        }
    }

    /// Embeds one note (with [`PASSAGE_PREFIX`]).
    pub async fn embed(&self, text: String) -> Result<Vec<f32>, EncoderError> {
        let mut out = self.embed_many(vec![text]).await?;
        out.pop().ok_or(EncoderError::Stopped)
    }

    /// Embeds several notes; the result is in the order of `texts`.
    pub async fn embed_many(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EncoderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let n = texts.len();
        self.depth.fetch_add(n, Ordering::Relaxed);
        let _guard = DepthGuard(&self.depth, n);
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request { texts, reply })
            .map_err(|_| EncoderError::Stopped)?;
        rx.await.map_err(|_| EncoderError::Stopped)?
    }

    /// Texts submitted and not yet answered (queued or running).
    pub fn queue_depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    /// sha256 of the encoder's weights.
    pub fn model_sha256(&self) -> &str {
        &self.model_sha256
    }
}

/// A request being served: its embeddings so far and how many are missing.
struct Pending {
    reply: Option<oneshot::Sender<Result<Vec<Vec<f32>>, EncoderError>>>,
    out: Vec<Vec<f32>>,
    missing: usize,
}

async fn run(encoder: Arc<Encoder>, cfg: BatchConfig, mut rx: mpsc::UnboundedReceiver<Request>) {
    while let Some(first) = rx.recv().await {
        let mut requests = vec![first];
        while let Ok(more) = rx.try_recv() {
            requests.push(more);
        }
        serve(&encoder, cfg, requests).await;
    }
    tracing::debug!("encoder task stopped");
}

/// Serves one drained set of requests.
async fn serve(encoder: &Arc<Encoder>, cfg: BatchConfig, requests: Vec<Request>) {
    let mut pending = Vec::with_capacity(requests.len());
    let mut owner = Vec::new(); // (request, position) of each flattened text
    let mut texts = Vec::new();
    for (r, req) in requests.into_iter().enumerate() {
        owner.extend((0..req.texts.len()).map(|i| (r, i)));
        pending.push(Pending {
            reply: Some(req.reply),
            out: vec![Vec::new(); req.texts.len()],
            missing: req.texts.len(),
        });
        texts.extend(req.texts);
    }
    let enc = Arc::clone(encoder);
    let tokenized = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        enc.tokenize(PASSAGE_PREFIX, &refs)
    })
    .await;
    let mut ids = match tokenized {
        Ok(Ok(ids)) => ids,
        Ok(Err(e)) => return fail_all(&mut pending, &e.to_string()),
        Err(e) => return fail_all(&mut pending, &e.to_string()),
    };
    let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
    for batch in plan_batches(&lengths, cfg) {
        let seqs: Vec<Vec<u32>> = batch.iter().map(|&i| std::mem::take(&mut ids[i])).collect();
        let enc = Arc::clone(encoder);
        let result = tokio::task::spawn_blocking(move || {
            let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
            enc.embed_ids(&refs)
        })
        .await;
        let vectors = match result {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                fail(&mut pending, &batch, &owner, &e.to_string());
                continue;
            }
            Err(e) => {
                fail(&mut pending, &batch, &owner, &e.to_string());
                continue;
            }
        };
        for (i, v) in batch.into_iter().zip(vectors) {
            let (r, pos) = owner[i];
            let p = &mut pending[r];
            p.out[pos] = v;
            p.missing -= 1;
            if p.missing == 0
                && let Some(reply) = p.reply.take()
            {
                // The caller may have given up; nothing to do then.
                let _ = reply.send(Ok(std::mem::take(&mut p.out)));
            }
        }
    }
}

/// Answers every request with a text in `batch` with the batch's error.
fn fail(pending: &mut [Pending], batch: &[usize], owner: &[(usize, usize)], why: &str) {
    tracing::warn!(error = why, "encoder batch failed");
    for &i in batch {
        if let Some(reply) = pending[owner[i].0].reply.take() {
            let _ = reply.send(Err(EncoderError::Batch(why.to_owned())));
        }
    }
}

fn fail_all(pending: &mut [Pending], why: &str) {
    tracing::warn!(error = why, "encoder tokenisation failed");
    for p in pending {
        if let Some(reply) = p.reply.take() {
            let _ = reply.send(Err(EncoderError::Batch(why.to_owned())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(tokens: usize, size: usize) -> BatchConfig {
        BatchConfig {
            max_batch_tokens: tokens,
            max_batch_size: size,
        }
    }

    #[test]
    fn batches_are_sorted_and_within_budget() {
        let lengths = [10, 500, 3, 40, 40, 12, 512, 7];
        let batches = plan_batches(&lengths, cfg(100, 3));
        let flat: Vec<usize> = batches.iter().flatten().copied().collect();
        let mut sorted = flat.clone();
        sorted.sort_by_key(|&i| lengths[i]);
        assert_eq!(flat, sorted, "length order");
        assert_eq!(flat.len(), lengths.len());
        for b in &batches {
            let longest = b.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(b.len() <= 3);
            assert!(b.len() == 1 || longest * b.len() <= 100, "{b:?}");
        }
        // Over-long sequences still get a batch of their own.
        assert!(batches.contains(&vec![6]) && batches.contains(&vec![1]));
    }

    #[test]
    fn empty_input_has_no_batches() {
        assert!(plan_batches(&[], BatchConfig::default()).is_empty());
        assert_eq!(plan_batches(&[5; 130], BatchConfig::default()).len(), 3);
    }
}
