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
    /// The note's comments: a JSON list of strings, or text with one comment
    /// per line (a CSV cell).
    pub comments: String,
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
    /// The note's comments (empty when the row has none).
    pub comments: Vec<String>,
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
    let comments = comments_of(fields.get(&f.comments), &f.comments)
        .map_err(|why| malformed(id.clone(), why))?;
    Ok(Row {
        id,
        text,
        has_link,
        comments,
        fields,
    })
}

/// The comments cell: absent or null is none; a list must hold strings; text
/// holds one comment per line (blank lines skipped).
fn comments_of(v: Option<&Value>, name: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| match c {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("field `{name}` must hold strings, got {other}")),
            })
            .collect(),
        Some(other) => Err(format!(
            "field `{name}` must be a list of strings or text with one comment per line, got {other}"
        )),
    }
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
            comments: "comments".into(),
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

    #[test]
    fn comments_come_as_a_list_or_one_per_line_and_bad_ones_are_row_errors() {
        let input = "{\"id\":\"a\",\"text\":\"x\",\"comments\":[\"是广告吧\",\"好看\"]}\n\
                     {\"id\":\"b\",\"text\":\"x\",\"comments\":\"恰饭了\\n\\n真好\"}\n\
                     {\"id\":\"c\",\"text\":\"x\",\"comments\":[1]}\n\
                     {\"id\":\"d\",\"text\":\"x\",\"comments\":{}}\n\
                     {\"id\":\"e\",\"text\":\"x\"}\n";
        let rows: Vec<_> = jsonl(input.as_bytes(), fields())
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows[0].row.as_ref().unwrap().comments, ["是广告吧", "好看"]);
        assert_eq!(rows[1].row.as_ref().unwrap().comments, ["恰饭了", "真好"]);
        for bad in &rows[2..4] {
            let e = bad.row.as_ref().unwrap_err();
            assert!(e.error.to_string().contains("comments"), "{:?}", e.error);
            assert!(e.id.is_some());
        }
        assert!(rows[4].row.as_ref().unwrap().comments.is_empty());
    }
}
