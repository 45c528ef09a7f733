//! adlens: how ad-like does a Xiaohongshu (小红书) note read, why, and what trust
//! will a purchase link cost it?
//!
//! One pipeline, one direction:
//! [`text`] (normalise, segment) → [`signals`] (explainable cues and compliance
//! findings) → [`model`] (n-gram linear model, e5-small encoder head, ensemble,
//! calibration) → [`trust`] (trust-penalty estimate) → [`pipeline`] (the
//! [`pipeline::Analyzer`] that ties them together) → [`server`] / [`cli`].

pub mod batch;
pub mod cli;
pub mod data;
pub mod engine;
pub mod eval;
pub mod model;
pub mod pipeline;
pub mod server;
pub mod signals;
pub mod text;
pub mod trust;
