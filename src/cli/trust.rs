//! `adlens trust`: the trust-penalty model's plot and priors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::trust::{Priors, TrustModel, plot_svg};

/// Arguments of `adlens trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TrustCommand,
}

/// `adlens trust` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Draw penalty vs ad probability, with and without a link (SVG).
    Plot {
        /// Output SVG file.
        #[arg(long, default_value = "docs/trust-penalty.svg")]
        out: PathBuf,
        /// Priors file (default: the built-in data/trust_priors.toml).
        #[arg(long)]
        priors: Option<PathBuf>,
    },
    /// Estimate the trust cost for a text at a given ad probability (worked examples).
    Estimate {
        /// Calibrated ad probability to assume.
        #[arg(long)]
        ad_probability: f32,
        /// A purchase link is (or will be) attached.
        #[arg(long)]
        has_link: bool,
        /// The note text (its signals set the moderators), or `-` for stdin.
        text: String,
    },
    /// Validate a priors file and print it back.
    Check {
        /// Priors file.
        priors: PathBuf,
    },
}

/// Runs `adlens trust`.
pub fn run(args: TrustArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        TrustCommand::Plot { out, priors } => {
            let priors = match priors {
                Some(p) => Priors::load(&p)?,
                None => Priors::builtin()?,
            };
            plot_svg(&TrustModel::new(priors), &out)?;
            eprintln!("wrote {}", out.display());
        }
        TrustCommand::Estimate {
            ad_probability,
            has_link,
            text,
        } => {
            let raw = super::read_text_arg(&text)?;
            let a = crate::signals::analyze(&raw, has_link);
            let e = TrustModel::new(Priors::builtin()?).estimate_settled(
                ad_probability,
                &a.signals,
                a.settled,
            );
            println!("{}", serde_json::to_string_pretty(&e)?);
        }
        TrustCommand::Check { priors } => {
            let p = Priors::load(&priors)?;
            print!("{}", p.to_toml_string());
            eprintln!("{}: valid", priors.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
