//! `adlens health`: asks a running service for `/health` and exits 0 only on a
//! 200. The container image's `HEALTHCHECK` runs it, so the runtime image needs no
//! curl (a smaller image with fewer packages to patch); it speaks just enough
//! HTTP/1.1 for one GET.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::serve::parse_duration;

/// Arguments of `adlens health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Address of the service (the one `serve` listens on; 0.0.0.0 means this host).
    #[arg(long, env = "ADLENS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Give up after this long (connect, send and read each).
    #[arg(long, env = "ADLENS_HEALTH_TIMEOUT", default_value = "3s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// The status code of `GET /health` at `addr`.
fn probe(addr: &str, timeout: Duration) -> std::io::Result<u16> {
    let target = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("{addr} resolves to no address")))?;
    let mut stream = TcpStream::connect_timeout(&target, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    // The status line fits in the first read of any real answer; read up to 1 KiB.
    let mut head = Vec::with_capacity(1024);
    stream.take(1024).read_to_end(&mut head)?;
    let line = String::from_utf8_lossy(&head);
    let status = line
        .lines()
        .next()
        .and_then(|l| {
            l.strip_prefix("HTTP/1.1 ")
                .or_else(|| l.strip_prefix("HTTP/1.0 "))
        })
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
    Ok(status)
}

/// Runs `adlens health`: 0 when `/health` answers 200, 1 otherwise (with the reason on stderr).
pub fn run(args: HealthArgs) -> anyhow::Result<ExitCode> {
    match probe(&args.addr, args.timeout) {
        Ok(200) => Ok(ExitCode::SUCCESS),
        Ok(status) => {
            eprintln!("{}/health answered {status}", args.addr);
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("{}/health: {e}", args.addr);
            Ok(ExitCode::from(1))
        }
    }
}
