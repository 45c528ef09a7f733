//! Trust-penalty estimate (being written).
