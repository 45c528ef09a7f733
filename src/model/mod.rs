//! Model stage: the hashed n-gram linear model, the e5-small encoder with its head,
//! the ensemble, and probability calibration.

pub mod encoder;
