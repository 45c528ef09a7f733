//! Command-line spellings of the batch options (`--format`, `--encoding`,
//! `--sort`), mapped onto the library's plain types.

use clap::ValueEnum;

use crate::batch::{Format, InputEncoding, SortKey};

/// `--format` / `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// `--encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 if the start of the file is valid UTF-8, else GBK if it decodes as GBK.
    Auto,
    /// UTF-8 (a BOM is skipped).
    Utf8,
    /// GBK / GB18030.
    Gbk,
}

impl From<EncodingArg> for InputEncoding {
    fn from(e: EncodingArg) -> InputEncoding {
        match e {
            EncodingArg::Auto => InputEncoding::Auto,
            EncodingArg::Utf8 => InputEncoding::Utf8,
            EncodingArg::Gbk => InputEncoding::Gbk,
        }
    }
}

/// `--sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Lowest link cost (safest to attach a link to) first.
    LinkCost,
    /// Lowest ad probability (most authentic-reading) first.
    AdProbability,
}

impl From<SortArg> for SortKey {
    fn from(s: SortArg) -> SortKey {
        match s {
            SortArg::LinkCost => SortKey::LinkCost,
            SortArg::AdProbability => SortKey::AdProbability,
        }
    }
}
