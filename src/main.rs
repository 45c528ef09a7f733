//! The `adlens` command-line entry point: parse, run, map the error to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc malloc: the encoder allocates and frees many
/// tensor-sized buffers per forward pass, which glibc serves with a fresh `mmap`
/// each (measured on 80 notes: 4.5 million page faults with glibc, 80 thousand
/// with mimalloc; see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = adlens::cli::Cli::parse();
    match adlens::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
