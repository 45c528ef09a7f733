//! Which rows of a batch input belong to shard K of N (`adlens score --shard K/N`).
//!
//! A row goes to shard `h mod N`, where `h` is the first 8 bytes (big-endian) of
//! the SHA-256 of its key: `id:` followed by the row id, or `line:` followed by
//! the decimal line number for a row without an id. SHA-256 is fixed by FIPS
//! 180-4, so the assignment is the same on every platform and in every adlens
//! version: a re-run or a resumed shard gets exactly the rows it had before. (std's
//! `DefaultHasher` makes no such promise, and FNV-1a's low bits, which `mod N`
//! reads, depend only on the low bits of each byte.)

use std::fmt;

use sha2::{Digest, Sha256};

use super::read::InputRow;

/// The environment variable an Indexed Job sets to the pod's completion index.
pub const INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// Why a `--shard` spec cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not of the form `K/N` or `auto/N`.
    #[error("--shard {0:?}: expected K/N (e.g. 0/4) or auto/N, with K from {INDEX_ENV}")]
    Malformed(String),
    /// N is zero.
    #[error("--shard {0:?}: the shard count must be at least 1")]
    NoShards(String),
    /// K is not below N.
    #[error("--shard {spec:?}: shard index {index} is out of range: shards are numbered 0 to {}", count - 1)]
    OutOfRange {
        /// The spec as given.
        spec: String,
        /// The index.
        index: u64,
        /// The shard count.
        count: u64,
    },
    /// `auto/N` without the environment variable.
    #[error(
        "--shard {0:?}: auto needs {INDEX_ENV} (set by a Kubernetes Indexed Job), and it is not set"
    )]
    NoIndex(String),
    /// The environment variable is not a number.
    #[error("--shard {spec:?}: {INDEX_ENV}={value:?} is not a shard index")]
    BadIndex {
        /// The spec as given.
        spec: String,
        /// The variable's value.
        value: String,
    },
}

/// Shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// How many shards the input is cut into (at least 1).
    pub count: u64,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The key a row is assigned by: its id, or its line when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey<'a> {
    /// The row's id.
    Id(&'a str),
    /// The 1-based line where an id-less row starts.
    Line(usize),
}

impl<'a> RowKey<'a> {
    /// The key of an input row (good or bad: a bad row with a readable id uses it).
    pub fn of(row: &'a InputRow) -> RowKey<'a> {
        let id = match &row.row {
            Ok(r) => r.id.as_deref(),
            Err(e) => e.id.as_deref(),
        };
        id.map_or(RowKey::Line(row.line), RowKey::Id)
    }

    /// The first 8 bytes, big-endian, of the SHA-256 of the tagged key.
    pub fn hash(self) -> u64 {
        let digest = match self {
            RowKey::Id(id) => Sha256::new()
                .chain_update(b"id:")
                .chain_update(id.as_bytes())
                .finalize(),
            RowKey::Line(line) => Sha256::new()
                .chain_update(b"line:")
                .chain_update(line.to_string().as_bytes())
                .finalize(),
        };
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

impl Shard {
    /// Parses `K/N` or `auto/N`; `auto` takes K from `index_env` (the value of
    /// [`INDEX_ENV`], if set).
    pub fn parse(spec: &str, index_env: Option<&str>) -> Result<Shard, ShardError> {
        let malformed = || ShardError::Malformed(spec.to_owned());
        let (k, n) = spec.trim().split_once('/').ok_or_else(malformed)?;
        let count: u64 = n.trim().parse().map_err(|_| malformed())?;
        if count == 0 {
            return Err(ShardError::NoShards(spec.to_owned()));
        }
        let index: u64 = match k.trim() {
            "auto" => {
                let value = index_env.ok_or_else(|| ShardError::NoIndex(spec.to_owned()))?;
                value.trim().parse().map_err(|_| ShardError::BadIndex {
                    spec: spec.to_owned(),
                    value: value.to_owned(),
                })?
            }
            k => k.parse().map_err(|_| malformed())?,
        };
        if index >= count {
            return Err(ShardError::OutOfRange {
                spec: spec.to_owned(),
                index,
                count,
            });
        }
        Ok(Shard { index, count })
    }

    /// The shard (of `count`) a key belongs to.
    pub fn of_key(key: RowKey<'_>, count: u64) -> u64 {
        key.hash() % count.max(1)
    }

    /// Whether `row` belongs to this shard.
    pub fn holds(&self, row: &InputRow) -> bool {
        Shard::of_key(RowKey::of(row), self.count) == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_say_why() {
        assert_eq!(Shard::parse("2/4", None), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(
            Shard::parse("auto/8", Some("7")),
            Ok(Shard { index: 7, count: 8 })
        );
        assert_eq!(Shard::parse("0/1", None).unwrap().to_string(), "0/1");
        assert!(matches!(
            Shard::parse("3/3", None),
            Err(ShardError::OutOfRange {
                index: 3,
                count: 3,
                ..
            })
        ));
        assert!(matches!(
            Shard::parse("0/0", None),
            Err(ShardError::NoShards(_))
        ));
        assert!(matches!(
            Shard::parse("auto/4", None),
            Err(ShardError::NoIndex(_))
        ));
        assert!(matches!(
            Shard::parse("auto/4", Some("4")),
            Err(ShardError::OutOfRange { index: 4, .. })
        ));
        assert!(matches!(
            Shard::parse("auto/4", Some("x")),
            Err(ShardError::BadIndex { .. })
        ));
        for bad in ["", "4", "-1/4", "a/4", "1/", "1/4/2", "1/-4"] {
            assert!(
                matches!(Shard::parse(bad, None), Err(ShardError::Malformed(_))),
                "{bad:?}"
            );
        }
        let msg = Shard::parse("3/3", None).unwrap_err().to_string();
        assert!(msg.contains("0 to 2"), "{msg}");
        let msg = Shard::parse("auto/3", None).unwrap_err().to_string();
        assert!(msg.contains(INDEX_ENV), "{msg}");
    }

    #[test]
    fn assignment_is_pinned() {
        // SHA-256("id:a") and SHA-256("line:7"), first 8 bytes: fixed forever, so
        // shards written by one version resume and merge under another.
        assert_eq!(RowKey::Id("a").hash(), 0x85a0_aaf3_8942_1026);
        assert_eq!(RowKey::Line(7).hash(), 0xaae0_be9d_7739_9ad9);
        let ids: Vec<u64> = (0..8)
            .map(|i| Shard::of_key(RowKey::Id(&format!("r{i}")), 4))
            .collect();
        assert_eq!(ids, [0, 2, 1, 1, 3, 2, 2, 0]);
        // An id and a line with the same digits are different keys.
        assert_ne!(RowKey::Id("7").hash(), RowKey::Line(7).hash());
    }

    #[test]
    fn spread_is_roughly_uniform() {
        for count in [2u64, 3, 4, 7, 16] {
            let mut per = vec![0usize; count as usize];
            for i in 0..20_000 {
                let key = format!("b{i:06}");
                per[Shard::of_key(RowKey::Id(&key), count) as usize] += 1;
            }
            for i in 1..=5_000 {
                per[Shard::of_key(RowKey::Line(i), count) as usize] += 1;
            }
            let mean = 25_000.0 / count as f64;
            for (k, n) in per.iter().enumerate() {
                let dev = (*n as f64 - mean).abs() / mean;
                assert!(
                    dev < 0.05,
                    "{count} shards: shard {k} has {n} rows, mean {mean}"
                );
            }
        }
    }

    #[test]
    fn rows_use_their_id_else_their_line() {
        use super::super::read::{Row, RowError};
        use crate::pipeline::NoteError;
        let good = InputRow {
            line: 3,
            row: Ok(Row {
                id: Some("x".into()),
                text: "t".into(),
                has_link: false,
                comments: Vec::new(),
                fields: Default::default(),
            }),
        };
        let bad = InputRow {
            line: 9,
            row: Err(RowError {
                id: None,
                error: NoteError::Malformed("m".into()),
            }),
        };
        assert_eq!(RowKey::of(&good), RowKey::Id("x"));
        assert_eq!(RowKey::of(&bad), RowKey::Line(9));
        let s = Shard { index: 1, count: 3 };
        assert_eq!(s.holds(&bad), Shard::of_key(RowKey::Line(9), 3) == 1);
    }
}
