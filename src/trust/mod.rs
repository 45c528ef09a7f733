//! Trust-penalty estimate: what attaching a purchase link will cost a note in
//! reader trust, with an interval and the reasons.
//!
//! Readers discount what they recognise as advertising. The model: the credibility
//! penalty applies in proportion to the chance readers recognise the note as an
//! ad; a purchase link makes the 广告 label a legal duty (互联网广告管理办法 Art. 9)
//! and recognition certain; one-sided praise and absolute claims amplify the
//! penalty; real drawbacks, specific first-person experience and honest disclosure
//! dampen it. Coefficients and their sources live in `data/trust_priors.toml`;
//! `docs/trust-penalty.md` explains them, with a worked example and a plot that
//! `cargo test --lib regenerate_docs -- --ignored` regenerates (a test fails when
//! they drift from the code).
//!
//! ```
//! use adlens::trust::TrustModel;
//!
//! let model = TrustModel::builtin()?;
//! // A note that reads authentic (no signals): cheap now, costly once linked.
//! let authentic = model.estimate(0.1, &[], true);
//! let adlike = model.estimate(0.9, &[], true);
//! assert!(authentic.label_required);
//! assert!(authentic.link_cost.estimate > adlike.link_cost.estimate);
//! # Ok::<(), adlens::trust::TrustError>(())
//! ```

mod advice;
mod estimate;
mod example;
mod features;
pub mod fit;
mod interval;
pub mod outcomes;
mod plot;
mod priors;

pub use estimate::{Driver, LABEL_THRESHOLD, TrustEstimate, TrustModel};
pub use example::{priors_table, worked_example};
pub use interval::Interval;
pub use plot::plot_svg;
pub use priors::{Fitted, Prior, Priors, PriorsId, Source};

/// Errors of the trust stage.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The priors file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The priors are not valid TOML of the expected shape.
    #[error("trust priors: {0}")]
    Parse(String),
    /// A prior has a bad value.
    #[error("trust prior `{key}`: {why}")]
    Invalid {
        /// The prior's key.
        key: String,
        /// What is wrong.
        why: String,
    },
    /// The outcomes file of `adlens trust fit` is unusable.
    #[error("outcomes: {0}")]
    Outcomes(#[from] outcomes::OutcomesError),
    /// The plot could not be drawn.
    #[error("cannot draw the trust plot: {0}")]
    Plot(String),
}
