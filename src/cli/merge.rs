//! `adlens merge`: join the outputs of `adlens score --shard K/N` back into input order.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::batch_args::{EncodingArg, FormatArg};
use super::score::format_of;
use crate::batch::merge::{Merge, MergeError, merge};
use crate::batch::{Fields, Format, Source};

/// Arguments of `adlens merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Merged output file; written (by rename) only when every input row is in
    /// exactly one shard file.
    pub output: PathBuf,
    /// The shard outputs, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The input the shards scored: it says which rows must be there.
    #[arg(long, env = "ADLENS_MERGE_INPUT")]
    pub input: PathBuf,
    /// Format of the shard files and the output (default: from the output's extension).
    #[arg(long, env = "ADLENS_FORMAT", value_enum)]
    pub format: Option<FormatArg>,
    /// Input format (default: from the input's extension).
    #[arg(long, env = "ADLENS_INPUT_FORMAT", value_enum)]
    pub input_format: Option<FormatArg>,
    /// Input encoding, as for `adlens score`.
    #[arg(long, env = "ADLENS_ENCODING", value_enum, default_value = "auto")]
    pub encoding: EncodingArg,
    /// Field holding the note text, as for `adlens score`.
    #[arg(long, env = "ADLENS_TEXT_FIELD", default_value = "text")]
    pub text_field: String,
    /// Field holding the row id, as for `adlens score`.
    #[arg(long, env = "ADLENS_ID_FIELD", default_value = "id")]
    pub id_field: String,
}

/// Runs `adlens merge`: exit 0 when merged, 1 when rows are missing, duplicated or
/// foreign (each listed), an error for unreadable files.
pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let input_format = match args.input_format {
        Some(f) => f.into(),
        None => format_of(&args.input).ok_or_else(|| {
            anyhow::anyhow!(
                "cannot tell the format of {}: use --input-format jsonl|csv",
                args.input.display()
            )
        })?,
    };
    let format = match args.format {
        Some(f) => f.into(),
        None => format_of(&args.output).unwrap_or(Format::Jsonl),
    };
    let fields = Fields {
        text: args.text_field,
        id: args.id_field,
        link: String::new(),
        comments: String::new(),
    };
    let m = Merge {
        input: Source {
            input: Some(&args.input),
            format: input_format,
            encoding: args.encoding.into(),
            fields: &fields,
        },
        shards: &args.shards,
        format,
        output: &args.output,
    };
    match merge(&m) {
        Ok(rows) => {
            eprintln!(
                "{rows} rows from {} shard files → {}",
                args.shards.len(),
                args.output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(MergeError::Incomplete(problems)) => {
            eprintln!(
                "error: not merged ({} not written): {problems}",
                args.output.display()
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
