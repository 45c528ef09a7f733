//! adlens: how ad-like does a Xiaohongshu (小红书) note read, why, and what trust
//! will a purchase link cost it?
//!
//! One pipeline, one direction. Each layer imports only the layers above it in
//! this list (checked by `tests/it/layers.rs`):
//!
//! 0. [`text`] (normalise, segment), [`data`] (labelled files, ids, checksums),
//!    [`metrics`] (classification and calibration metrics), [`shutdown`];
//! 1. [`signals`]: explainable cues, compliance findings, and the
//!    [`signals::Analysis`] of a note (the text stages in one call);
//! 2. [`model`] (features, linear model, encoder, head, ensemble, calibration,
//!    training) and its peer [`trust`] (the trust-penalty model, knows signals);
//! 3. [`pipeline`]: the [`pipeline::Analyzer`] that owns the loaded models and the
//!    trust model and turns a note into a [`pipeline::Score`];
//! 4. [`engine`] (batching, the encoder task, fallback) and [`eval`] (metrics
//!    tables and reports over scored files);
//! 5. surfaces: [`server`] (HTTP API and its documented schema) and [`batch`]
//!    (`adlens score`);
//! 6. [`cli`]: the command line over all of them.

pub mod batch;
pub mod cli;
pub mod data;
pub mod engine;
pub mod eval;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod server;
pub mod shutdown;
pub mod signals;
pub mod text;
pub mod trust;

/// The layer of each top-level module (see the crate docs); a module may import
/// only modules of a lower layer, or itself.
pub const LAYERS: &[(&str, u8)] = &[
    ("text", 0),
    ("data", 0),
    ("metrics", 0),
    ("shutdown", 0),
    ("signals", 1),
    ("model", 2),
    ("trust", 2),
    ("pipeline", 3),
    ("engine", 4),
    ("eval", 4),
    ("server", 5),
    ("batch", 5),
    ("cli", 6),
];
