//! The multilingual-e5-small encoder (being written).
