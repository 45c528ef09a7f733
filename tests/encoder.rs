//! Encoder tests (being written).
