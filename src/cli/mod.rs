//! Command-line interface: `adlens check | score | merge | eval | train | serve | model | trust | segment`.

mod batch_args;
mod check;
mod encoder_args;
mod eval;
mod health;
mod input;
mod loadtest;
pub mod malloc;
mod memory;
mod merge;
mod model_bench;
mod score;
mod segment;
mod serve;
mod soak;
mod train;
mod trust;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use input::{InputError, read_text_arg};
pub use trust::TrustPriorsArgs;

/// adlens: how ad-like does a Xiaohongshu note read, why, and what will a purchase
/// link cost it in trust?
#[derive(Debug, Parser)]
#[command(name = "adlens", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check one note: highlighted cues, their rules, compliance findings.
    Check(check::CheckArgs),
    /// Train the models on data/notes/train.jsonl, calibrate on dev.jsonl.
    Train(train::TrainArgs),
    /// Measure every model on a labelled JSONL file.
    Eval(eval::EvalArgs),
    /// Score a JSONL or CSV file of notes (streaming, ordered, resumable).
    Score(score::ScoreArgs),
    /// Join the outputs of `score --shard K/N` back into input order, checking every row is there once.
    Merge(merge::MergeArgs),
    /// Run the HTTP scoring service.
    Serve(serve::ServeArgs),
    /// Ask a running service's /health: exit 0 on 200 (the container HEALTHCHECK).
    Health(health::HealthArgs),
    /// Load-test a running service on loopback (64 clients × 30 s by default).
    Loadtest(loadtest::LoadtestArgs),
    /// Soak the service: spawn it, send mixed traffic for 10 minutes, track its memory.
    Soak(soak::SoakArgs),
    /// Normalise and segment a JSONL of notes as the pipeline does; words per note, timing on stderr.
    Segment(segment::SegmentArgs),
    /// The e5-small encoder: fetch it.
    Model(encoder_args::ModelArgs),
    /// Trust-penalty model: plot, check priors, fit them to outcomes, measure the comment rules.
    Trust(trust::TrustArgs),
}

/// Runs the parsed command line; the returned code is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Score(args) => score::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Health(args) => health::run(args),
        Command::Trust(args) => trust::run(args),
        Command::Model(args) => encoder_args::run(args),
        Command::Loadtest(args) => loadtest::run(args),
        Command::Soak(args) => soak::run(args),
        Command::Segment(args) => segment::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
