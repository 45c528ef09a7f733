//! `adlens serve`: the HTTP service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::engine::Engine;
use crate::server::{self, Limits};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Arguments of `adlens serve`; every flag also reads an `ADLENS_*` variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ADLENS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Most notes in one batch request.
    #[arg(long, env = "ADLENS_MAX_BATCH", default_value_t = 256)]
    pub max_batch: usize,
    /// Most characters in one note.
    #[arg(long, env = "ADLENS_MAX_CHARS", default_value_t = 20_000)]
    pub max_chars: usize,
    /// Largest request body (e.g. 1MiB, 512KiB, 100000).
    #[arg(long, env = "ADLENS_MAX_BODY", default_value = "1MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Most requests in flight before answering 429.
    #[arg(long, env = "ADLENS_MAX_CONCURRENT", default_value_t = 512)]
    pub max_concurrent: usize,
    /// Most open connections; further ones wait in the listen backlog until one closes.
    #[arg(long, env = "ADLENS_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Time a request head may take from its first byte (e.g. 10s, 500ms).
    #[arg(long, env = "ADLENS_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Time a connection with no request in flight may stay silent before it is closed.
    #[arg(long, env = "ADLENS_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Time a request body may take to arrive (408 after).
    #[arg(long, env = "ADLENS_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,
    /// Encoder options.
    #[command(flatten)]
    pub encoder: super::encoder_args::EncoderArgs,
    /// Trust priors.
    #[command(flatten)]
    pub trust: super::TrustPriorsArgs,
    /// Allowed CORS origin (repeat, or `*`); none by default.
    #[arg(
        long = "cors-origin",
        env = "ADLENS_CORS_ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origin: Vec<String>,
    /// Log format.
    #[arg(long, env = "ADLENS_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Model directory.
    #[arg(long, env = "ADLENS_MODELS", default_value = "models")]
    pub models: PathBuf,
}

/// Parses `1MiB`, `512KiB`, `2MB`, `100000` into bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size like 1MiB"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        _ => {
            return Err(format!(
                "unknown size unit in `{s}` (use B, KiB, MiB, KB, MB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// Parses `10s`, `500ms`, `2m`, or plain seconds (`30`) into a positive duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 10s or 500ms"))?;
    let d = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("unknown duration unit in `{s}` (use ms, s, m)")),
    };
    if d.is_zero() {
        return Err(format!("`{s}`: a timeout must be longer than zero"));
    }
    Ok(d)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// glibc gives every thread that allocates its own malloc arena and keeps freed
/// encoder activations in them: under load the encoder service grew to 1.75 GB
/// peak with the default, 1.08 GB with `MALLOC_ARENA_MAX=2` at the same
/// throughput (`adlens loadtest --concurrency 64`, README). The variable is only
/// read at start-up, so the server re-executes itself once with it set.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // `exec` replaces this process (same PID) and only returns on failure.
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    eprintln!("warning: could not re-execute with MALLOC_ARENA_MAX=2 ({err}); continuing");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_malloc_arenas() {}

/// Runs `adlens serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    bound_malloc_arenas();
    init_logging(args.log_format);
    let limits = Limits {
        max_batch: args.max_batch,
        max_chars: args.max_chars,
        max_body: args.max_body,
        max_concurrent: args.max_concurrent.max(1),
        max_connections: args.max_connections.max(1),
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        body_timeout: args.body_timeout,
    };
    let cfg = args.encoder.engine_config(args.models.clone());
    let trust = args.trust.model()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(server::serve(
        args.addr,
        limits,
        args.cors_origin,
        move |_| {
            Engine::load(&cfg).map(|mut e| {
                e.set_trust(trust);
                e
            })
        },
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2000"), Ok(2000));
        assert!(parse_size("1 parsec").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("1 fortnight").is_err());
    }
}
