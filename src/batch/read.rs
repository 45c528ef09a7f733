//! Streaming input rows from JSONL or CSV, each with its line number; a bad row
//! becomes an error row and reading goes on.

use std::io::{BufRead, Read};

use serde_json::{Map, Value};

use crate::pipeline::NoteError;
use crate::text::TextError;

/// Field names to read.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The note text.
    pub text: String,
    /// The row id.
    pub id: String,
    /// Whether a link is (or will be) attached.
    pub link: String,
}

/// A usable row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The id, when the row has one.
    pub id: Option<String>,
    /// The note text.
    pub text: String,
    /// Whether a link is attached.
    pub has_link: bool,
    /// Every input field, passed through to the output.
    pub fields: Map<String, Value>,
}

/// Why a row cannot be scored, with its id when one was readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row's id, if readable.
    pub id: Option<String>,
    /// What is wrong (its `error_type` is the service's for the same fault).
    pub error: NoteError,
}

fn malformed(id: Option<String>, why: String) -> RowError {
    RowError {
        id,
        error: NoteError::Malformed(why),
    }
}

/// One input row: its 1-based line number and the row or what was wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRow {
    /// Line where the row starts.
    pub line: usize,
    /// The row, or the reason it cannot be scored (with the id if one was readable).
    pub row: Result<Row, RowError>,
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "y" | "是"
        ),
        _ => false,
    }
}

fn id_of(v: Option<&Value>) -> Option<String> {
    crate::data::id_string(v?).filter(|s| !s.is_empty())
}

/// Builds a row from a field map, checking the text.
pub fn row_from_map(fields: Map<String, Value>, f: &Fields) -> Result<Row, RowError> {
    let id = id_of(fields.get(&f.id));
    let text = match fields.get(&f.text) {
        None => return Err(malformed(id, format!("missing field `{}`", f.text))),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(malformed(id, format!("field `{}` is not a string", f.text))),
    };
    if text.trim().is_empty() {
        return Err(RowError {
            id,
            error: NoteError::Text(TextError::Empty),
        });
    }
    let has_link = fields.get(&f.link).is_some_and(truthy);
    Ok(Row {
        id,
        text,
        has_link,
        fields,
    })
}

/// JSONL rows, one per non-blank line.
pub fn jsonl<R: BufRead>(reader: R, f: Fields) -> impl Iterator<Item = std::io::Result<InputRow>> {
    reader
        .split(b'\n')
        .enumerate()
        .filter_map(move |(i, line)| {
            let line = match line {
                Ok(l) => l,
                Err(e) => return Some(Err(e)),
            };
            let line_no = i + 1;
            let row = match std::str::from_utf8(&line) {
                Err(e) => Err(malformed(
                    None,
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                )),
                Ok(s) => {
                    let s = s.trim_end_matches('\r').trim_start_matches('\u{feff}');
                    if s.trim().is_empty() {
                        return None;
                    }
                    match serde_json::from_str::<Value>(s) {
                        Ok(Value::Object(m)) => row_from_map(m, &f),
                        Ok(_) => Err(malformed(None, "not a JSON object".into())),
                        Err(e) => Err(malformed(None, format!("invalid JSON: {e}"))),
                    }
                }
            };
            Some(Ok(InputRow { line: line_no, row }))
        })
}

/// CSV rows (first row is the header). Quoted multi-line fields are one row; the
/// line number is where the row starts.
pub fn csv<R: Read>(
    reader: R,
    f: Fields,
) -> Result<(Vec<String>, impl Iterator<Item = std::io::Result<InputRow>>), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_owned()
        })
        .collect();
    if !headers.contains(&f.text) {
        return Err(format!(
            "the CSV header has no `{}` column (columns: {}); use --text-field",
            f.text,
            headers.join(", ")
        ));
    }
    let cols = headers.clone();
    let iter = rdr.into_byte_records().map(move |rec| {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(std::io::Error::other(e.to_string()));
                }
                return Ok(InputRow {
                    line,
                    row: Err(malformed(None, format!("malformed CSV row: {e}"))),
                });
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let mut fields = Map::new();
        for (i, col) in cols.iter().enumerate() {
            let Some(raw) = rec.get(i) else { continue };
            match std::str::from_utf8(raw) {
                Ok(s) => {
                    fields.insert(col.clone(), Value::String(s.to_owned()));
                }
                Err(e) => {
                    let id = fields.get(&f.id).and_then(Value::as_str).map(str::to_owned);
                    return Ok(InputRow {
                        line,
                        row: Err(malformed(
                            id,
                            format!(
                                "column `{col}` is not valid UTF-8 (byte {})",
                                e.valid_up_to()
                            ),
                        )),
                    });
                }
            }
        }
        Ok(InputRow {
            line,
            row: row_from_map(fields, &f),
        })
    });
    Ok((headers, iter))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        Fields {
            text: "text".into(),
            id: "id".into(),
            link: "has_link".into(),
        }
    }

    #[test]
    fn jsonl_reports_bad_lines_and_keeps_going() {
        let input = b"{\"id\":\"a\",\"text\":\"hello\",\"has_link\":true}\n\n{\"id\":\"b\",\"text\":\"\"}\n\xff\n{\"id\":\"c\",\"text\":\"x\"";
        let rows: Vec<InputRow> = jsonl(&input[..], fields()).map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[0].row.as_ref().unwrap().has_link);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].row.as_ref().unwrap_err().id.as_deref(), Some("b"));
        assert!(
            rows[2]
                .row
                .as_ref()
                .unwrap_err()
                .error
                .to_string()
                .contains("UTF-8")
        );
        assert_eq!(rows[3].line, 5);
        assert!(
            rows[3]
                .row
                .as_ref()
                .unwrap_err()
                .error
                .to_string()
                .contains("invalid JSON")
        );
    }

    #[test]
    fn csv_multiline_fields_and_line_numbers() {
        let input = "id,text,has_link\n1,\"第一行\n第二行\",1\n2,,0\n3,好用,no\n";
        let (headers, rows) = csv(input.as_bytes(), fields()).unwrap();
        assert_eq!(headers, ["id", "text", "has_link"]);
        let rows: Vec<InputRow> = rows.map(Result::unwrap).collect();
        assert_eq!(rows[0].row.as_ref().unwrap().text, "第一行\n第二行");
        assert!(rows[0].row.as_ref().unwrap().has_link);
        assert_eq!(rows[1].line, 4);
        assert!(rows[1].row.is_err());
        assert_eq!(rows[2].line, 5);
        assert!(!rows[2].row.as_ref().unwrap().has_link);
    }
}
