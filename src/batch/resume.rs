//! What an interrupted run already wrote (`adlens score --resume`): the ids of its
//! rows, and the input lines of rows that have no id.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use super::read::InputRow;
use super::{BatchError, Format};

/// Rows already in an output file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Ids of the rows written.
    pub ids: HashSet<String>,
    /// Input lines of the rows written without an id (their `line` column).
    pub lines: HashSet<usize>,
}

impl Written {
    /// Whether `row` is already written: by its id, or by its line when it has none.
    pub fn holds(&self, row: &InputRow) -> bool {
        let id = match &row.row {
            Ok(r) => r.id.as_ref(),
            Err(e) => e.id.as_ref(),
        };
        match id {
            Some(id) => self.ids.contains(id),
            None => self.lines.contains(&row.line),
        }
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.lines.is_empty()
    }
}

fn line_of(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The rows already present in an output file (empty when it does not exist).
/// An error row carries its id under `id`, a scored row under `id_field`.
pub fn written(path: &Path, format: Format, id_field: &str) -> Result<Written, BatchError> {
    let mut done = Written::default();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(source) => {
            return Err(BatchError::Open {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let mut add = |id: Option<String>, line: Option<usize>| match (id, line) {
        (Some(id), _) => {
            done.ids.insert(id);
        }
        (None, Some(line)) => {
            done.lines.insert(line);
        }
        (None, None) => {}
    };
    match format {
        Format::Jsonl => {
            for line in BufReader::new(file).lines() {
                let line = line?;
                // A line cut by the interruption is not finished: it will be redone.
                if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&line) {
                    // adlens writes an error row's id under `id`.
                    let id = m
                        .get(id_field)
                        .or_else(|| m.get("error").and(m.get("id")))
                        .and_then(crate::data::id_string)
                        .filter(|s| !s.is_empty());
                    add(id, m.get("line").and_then(line_of));
                }
            }
        }
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let headers = rdr.headers()?.clone();
            let idx = headers.iter().position(|h| h == id_field);
            let line_idx = headers.iter().position(|h| h == "line");
            for rec in rdr.records().flatten() {
                let id = idx
                    .and_then(|i| rec.get(i))
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned);
                let line = line_idx
                    .and_then(|i| rec.get(i))
                    .and_then(|s| s.parse().ok());
                add(id, line);
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_idless_lines_are_read_from_jsonl_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("out.jsonl");
        std::fs::write(
            &jsonl,
            "{\"id\":\"a\",\"line\":1}\n{\"text\":\"x\",\"line\":2}\n{\"error\":\"e\",\"line\":3}\n{\"id\":\"b\",\"li",
        )
        .unwrap();
        let w = written(&jsonl, Format::Jsonl, "id").unwrap();
        assert_eq!(w.ids, HashSet::from(["a".to_owned()]));
        assert_eq!(w.lines, HashSet::from([2, 3]));

        let csv = dir.path().join("out.csv");
        std::fs::write(&csv, "id,text,line\na,x,2\n,y,5\n").unwrap();
        let w = written(&csv, Format::Csv, "id").unwrap();
        assert_eq!(w.ids, HashSet::from(["a".to_owned()]));
        assert_eq!(w.lines, HashSet::from([5]));

        let none = written(&dir.path().join("missing.jsonl"), Format::Jsonl, "id").unwrap();
        assert!(none.is_empty());
    }
}
