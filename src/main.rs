//! The `adlens` command-line entry point: parse, run, map the error to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// Exit status of a filter whose reader went away: 128 + SIGPIPE, what a shell
/// reports for `yes | head`.
const CLOSED_PIPE: i32 = 141;

/// `adlens trust comments | head` closes stdout under a command still printing;
/// Rust ignores SIGPIPE, so `println!` panics. Such a panic ends the process
/// quietly with [`CLOSED_PIPE`], as Unix filters end; any other panic keeps the
/// default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(CLOSED_PIPE);
        }
        default(info);
    }));
}

/// A write to a stdout whose reader went away, surfaced as an error (a
/// command writing through its own writer) rather than a panic.
fn closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    adlens::cli::malloc::restart_with_tunables();
    quiet_on_closed_stdout();
    let cli = adlens::cli::Cli::parse();
    match adlens::cli::run(cli) {
        Ok(code) => code,
        Err(err) if closed_pipe(&err) => ExitCode::from(CLOSED_PIPE as u8),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
