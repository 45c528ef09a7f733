//! data (being written).
