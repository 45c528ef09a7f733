//! Labelled notes: reading JSONL files of `{"text", "label", …}` line by line, with
//! bad lines reported by number and skipped.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The gold label: the two classes, and `unsure` for notes a reader could not
/// decide (kept in the files, excluded from training and from every metric, and
/// counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// A material connection exists (paid, gifted, affiliate, brand's own account).
    Ad,
    /// An ordinary user's own content.
    Organic,
    /// The annotators could not tell (e.g. a one-sided pitch with no mechanic).
    Unsure,
}

impl Label {
    /// 1.0 for ads, 0.0 for organic notes, 0.5 for unsure ones (which no fit or
    /// metric reads: see [`without_unsure`]).
    pub fn target(self) -> f32 {
        match self {
            Label::Ad => 1.0,
            Label::Organic => 0.0,
            Label::Unsure => 0.5,
        }
    }

    /// `"ad"` or `"organic"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Ad => "ad",
            Label::Organic => "organic",
            Label::Unsure => "unsure",
        }
    }

    /// Reads `"ad"`/`"organic"`/`"unsure"` (any case), `1`/`0`, `"1"`/`"0"` or
    /// `true`/`false`.
    pub fn from_json(v: &Value) -> Option<Label> {
        match v {
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "ad" | "1" => Some(Label::Ad),
                "organic" | "0" => Some(Label::Organic),
                "unsure" => Some(Label::Unsure),
                _ => None,
            },
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Some(Label::Ad),
                Some(0.0) => Some(Label::Organic),
                _ => None,
            },
            Value::Bool(b) => Some(if *b { Label::Ad } else { Label::Organic }),
            _ => None,
        }
    }
}

/// One labelled note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabeledNote {
    /// The note's id, if the file gives one.
    pub id: Option<String>,
    /// The note text.
    pub text: String,
    /// The gold label.
    pub label: Label,
    /// Finer class (`undisclosed_soft`, `hard_negative`, …), if given.
    pub subtype: Option<String>,
    /// Vertical (美妆护肤, 数码3C, …), if given.
    pub category: Option<String>,
    /// Whether the note carries a purchase link, if given.
    pub has_link: Option<bool>,
    /// Whether the note carries a disclosure label, if given.
    pub disclosed: Option<bool>,
    /// Where the note comes from (`written`, `real_xhs`, `reviews`, …), if given.
    pub source: Option<String>,
    /// For real ads: the commercial mechanics the annotator saw (`merchant`,
    /// `campaign_hashtags`, …); empty when none were recorded.
    pub mechanics: Vec<String>,
    /// For a counterfactual twin: the id of the note it was edited from.
    pub pair_of: Option<String>,
}

impl LabeledNote {
    /// A labelled note with only id, text and label set.
    pub fn new(id: Option<String>, text: &str, label: Label) -> LabeledNote {
        LabeledNote {
            id,
            text: text.to_owned(),
            label,
            subtype: None,
            category: None,
            has_link: None,
            disclosed: None,
            source: None,
            mechanics: Vec::new(),
            pair_of: None,
        }
    }
}

/// Splits off the `unsure` notes: the decided ones, and how many were unsure.
pub fn without_unsure(notes: Vec<LabeledNote>) -> (Vec<LabeledNote>, usize) {
    let n = notes.len();
    let kept: Vec<LabeledNote> = notes
        .into_iter()
        .filter(|x| x.label != Label::Unsure)
        .collect();
    let unsure = n - kept.len();
    (kept, unsure)
}

/// A line that could not be used, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number in the input.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// Errors that stop reading a file altogether.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file that must be clean (training data) has a bad line.
    #[error("{path}:{line}: {message} ({count} bad lines in all)")]
    BadLine {
        /// The file.
        path: String,
        /// 1-based number of the first bad line.
        line: usize,
        /// What was wrong with it.
        message: String,
        /// How many lines were bad.
        count: usize,
    },
}

/// A row id as text: a JSON string as it is, a number in its JSON form, anything
/// else none. Every reader of ids (data files, batch input, the API) uses this.
pub fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Lower-case hex of bytes (a digest).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// sha256 (hex) of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// sha256 (hex) of a file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// Parses one JSONL line into a labelled note.
pub fn parse_line(line: &str) -> Result<LabeledNote, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let text = obj
        .get("text")
        .ok_or("missing field `text`")?
        .as_str()
        .ok_or("field `text` is not a string")?;
    if text.trim().is_empty() {
        return Err("field `text` is empty".into());
    }
    let label = obj
        .get("label")
        .ok_or("missing field `label`")
        .and_then(|l| {
            Label::from_json(l).ok_or("field `label` is not \"ad\"/\"organic\"/\"unsure\" or 1/0")
        })?;
    let string = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let id = obj.get("id").and_then(id_string);
    Ok(LabeledNote {
        id,
        text: text.to_owned(),
        label,
        subtype: string("subtype"),
        category: string("category"),
        has_link: obj.get("has_link").and_then(Value::as_bool),
        disclosed: obj.get("disclosed").and_then(Value::as_bool),
        source: string("source"),
        pair_of: string("pair_of"),
        mechanics: obj
            .get("mechanics")
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Reads labelled notes from JSONL. Blank lines are skipped silently; lines that do
/// not parse (including invalid UTF-8) are returned as [`LineError`]s.
pub fn read_jsonl_from(
    reader: impl BufRead,
) -> Result<(Vec<LabeledNote>, Vec<LineError>), std::io::Error> {
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line?;
        let lineno = i + 1;
        let text = match String::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                errors.push(LineError {
                    line: lineno,
                    message: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
                });
                continue;
            }
        };
        let text = text.trim_end_matches('\r').trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        match parse_line(text) {
            Ok(n) => notes.push(n),
            Err(message) => errors.push(LineError {
                line: lineno,
                message,
            }),
        }
    }
    Ok((notes, errors))
}

/// Reads labelled notes from a JSONL file.
pub fn read_jsonl(path: &Path) -> Result<(Vec<LabeledNote>, Vec<LineError>), DataError> {
    let io = |source| DataError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    read_jsonl_from(std::io::BufReader::new(file)).map_err(io)
}

/// Reads a file the model was trained on, failing on any bad line (training data
/// must be clean). `unsure` notes are kept: callers drop them with
/// [`without_unsure`].
pub fn read_clean(path: &Path) -> Result<Vec<LabeledNote>, DataError> {
    let (notes, errors) = read_jsonl(path)?;
    if let Some(e) = errors.first() {
        return Err(DataError::BadLine {
            path: path.display().to_string(),
            line: e.line,
            message: e.message.clone(),
            count: errors.len(),
        });
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_every_accepted_form() {
        for (v, want) in [
            (serde_json::json!("ad"), Label::Ad),
            (serde_json::json!("Organic"), Label::Organic),
            (serde_json::json!(1), Label::Ad),
            (serde_json::json!(0), Label::Organic),
            (serde_json::json!("0"), Label::Organic),
        ] {
            assert_eq!(Label::from_json(&v), Some(want), "{v}");
        }
        assert_eq!(Label::from_json(&serde_json::json!("spam")), None);
        assert_eq!(Label::from_json(&serde_json::json!(2)), None);
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_skipped() {
        let input = b"{\"text\":\"a\",\"label\":\"ad\"}\n\n{\"text\":\"b\"}\nnot json\n{\"text\":\"\xff\",\"label\":0}\n{\"text\":\"c\",\"label\":0,\"subtype\":\"x\"}\n";
        let (notes, errors) = read_jsonl_from(&input[..]).unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[1].subtype.as_deref(), Some("x"));
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(errors[0].message.contains("label"));
    }
}
