//! `adlens check`: one note, explained.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;

use anyhow::Context;

use crate::engine::Engine;
use crate::pipeline::{Note, Score};
use crate::signals::{Finding, Severity, Signal};

/// Arguments of `adlens check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The note text, or `-` to read it from standard input.
    pub text: String,
    /// Print one JSON object instead of the annotated text.
    #[arg(long)]
    pub json: bool,
    /// A purchase link is (or will be) attached to the note.
    #[arg(long)]
    pub has_link: bool,
    /// Model directory (manifest.json, linear.bin …).
    #[arg(long, default_value = "models", env = "ADLENS_MODELS")]
    pub models: std::path::PathBuf,
    /// Encoder options: like `serve`, `check` uses the encoder when it can have it.
    #[command(flatten)]
    pub encoder: super::encoder_args::EncoderArgs,
    /// Trust priors.
    #[command(flatten)]
    pub trust: super::TrustPriorsArgs,
}

/// Runs `adlens check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let raw = super::read_text_arg(&args.text)?;
    let note = Note {
        id: None,
        text: raw.clone(),
        has_link: args.has_link,
    };
    note.validate(usize::MAX)?;
    let trust = args.trust.model()?;
    let mut engine = Engine::load(&args.encoder.engine_config(args.models.clone()))
        .with_context(|| format!("loading the models in {}", args.models.display()))?;
    engine.set_trust(trust);
    let score = engine.score_blocking(&note);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&score)?);
    } else {
        let colour = std::io::stdout().is_terminal();
        print!("{}", render_score(&score, colour));
        print!(
            "{}",
            render(&raw, &score.signals, &score.compliance, colour)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The headline: probability, label, and the features and sentences that drove it.
pub fn render_score(score: &Score, colour: bool) -> String {
    let mut out = String::new();
    let head = format!(
        "ad_probability {:.3} → {} (threshold {:.3}, model {})",
        score.ad_probability, score.label, score.threshold, score.model.version
    );
    out.push_str(&paint(&head, "1", colour));
    out.push_str("\nComponents\n");
    for c in &score.model.components {
        let p = c
            .ad_probability
            .map_or("  -  ".into(), |p| format!("{p:.3}"));
        out.push_str(&format!("  {:<13} {p}  {}\n", c.name, c.status));
    }
    let t = &score.trust;
    let iv =
        |i: &crate::trust::Interval| format!("{:.3} [{:.3}, {:.3}]", i.estimate, i.low, i.high);
    out.push_str(&format!(
        "\nTrust (priors {}, sha256 {})\n  link_cost {}  credibility_delta {}\n",
        score.model.trust_priors.name,
        &score.model.trust_priors.sha256[..12.min(score.model.trust_priors.sha256.len())],
        iv(&t.link_cost),
        iv(&t.credibility_delta)
    ));
    out.push_str("\nContributions (log-odds toward ad)\n");
    for c in &score.contributions {
        let at = c
            .spans
            .first()
            .map(|s| format!(" [{}..{})", s.start, s.end))
            .unwrap_or_default();
        out.push_str(&format!("  {:+.3}  {}{at}\n", c.contribution, c.feature));
    }
    out.push_str("\nSentences that pushed most toward ad\n");
    for s in score
        .sentences
        .iter()
        .filter(|s| s.contribution > 0.0)
        .take(3)
    {
        out.push_str(&format!("  {:+.3}  {}\n", s.contribution, s.text.trim()));
    }
    if !score.segments.is_empty() {
        out.push_str(&format!(
            "\nLong note: read in {} overlapping windows (char span, ad probability)\n",
            score.segments.len()
        ));
        for s in &score.segments {
            let mark = if s.ad_probability >= score.threshold {
                "  ← ad-like"
            } else {
                ""
            };
            out.push_str(&format!(
                "  [{}..{})  {:.3}{mark}\n",
                s.start, s.end, s.ad_probability
            ));
        }
    }
    out.push('\n');
    out
}

fn paint(s: &str, code: &str, colour: bool) -> String {
    if colour {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

/// Renders the note with its signal spans marked: coloured on a terminal, `[…]`
/// brackets otherwise; then each signal and each finding.
pub fn render(raw: &str, sigs: &[Signal], findings: &[Finding], colour: bool) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    // Non-overlapping spans for highlighting, in order.
    for s in sigs {
        if s.start < pos {
            continue;
        }
        out.extend(&chars[pos..s.start]);
        let span: String = chars[s.start..s.end].iter().collect();
        let code = if s.weight < 0.0 { "32" } else { "31;1" };
        if colour {
            out.push_str(&paint(&span, code, true));
        } else {
            out.push_str(&format!("[{span}]"));
        }
        pos = s.end;
    }
    out.extend(&chars[pos..]);
    out.push_str("\n\n");
    out.push_str(&paint("Signals", "1", colour));
    out.push('\n');
    if sigs.is_empty() {
        out.push_str("  (none)\n");
    }
    for s in sigs {
        out.push_str(&format!(
            "  {:<16} {:+.2}  “{}” [{}..{})\n      {}\n",
            s.kind.as_str(),
            s.weight,
            s.text,
            s.start,
            s.end,
            s.explanation
        ));
        if let Some(rule) = &s.rule {
            out.push_str(&format!("      规则: {rule}\n"));
        }
    }
    out.push('\n');
    out.push_str(&paint("Compliance", "1", colour));
    out.push('\n');
    if findings.is_empty() {
        out.push_str("  (no findings)\n");
    }
    for f in findings {
        let sev = match f.severity {
            Severity::High => paint("HIGH", "31;1", colour),
            Severity::Medium => paint("MEDIUM", "33", colour),
            Severity::Low => paint("LOW", "36", colour),
        };
        out.push_str(&format!("  [{sev}] {} — {}\n", f.rule, f.message));
    }
    out
}
