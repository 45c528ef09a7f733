//! Output rows as JSONL or CSV. CSV flattens lists into readable text columns.

use std::io::Write;

use serde_json::{Map, Value};

/// Columns adlens adds to every row, in CSV order.
pub const ADDED: [&str; 8] = [
    "ad_probability",
    "label",
    "link_cost",
    "label_required",
    "top_signals",
    "compliance",
    "error",
    "line",
];

/// The column of comment call-outs (`called_out/n (share)`), added before
/// `error` when the input carries comments.
pub const COMMENTS: &str = "comments_called_out";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// Writes rows in one format.
pub enum Writer<W: Write> {
    /// JSONL.
    Jsonl(W),
    /// CSV; the header is written with the first row unless appending.
    Csv {
        /// The CSV writer.
        w: Box<csv::Writer<W>>,
        /// Columns, once known.
        header: Option<Vec<String>>,
        /// Input columns known up front (CSV input).
        input_columns: Option<Vec<String>>,
        /// Skip writing the header (resuming into an existing file).
        append: bool,
    },
}

fn flat(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(flat).collect::<Vec<_>>().join("; "),
        Value::Object(m) => {
            // Signals: "kind: text"; findings: "code (rule)".
            if let (Some(k), Some(t)) = (m.get("kind"), m.get("text")) {
                format!("{}: {}", flat(k), flat(t))
            } else if let (Some(c), Some(r)) = (m.get("code"), m.get("rule")) {
                format!("{} ({})", flat(c), flat(r))
            } else if let (Some(c), Some(n), Some(s)) =
                (m.get("called_out"), m.get("n"), m.get("share"))
            {
                // Comment call-outs: "2/5 (0.4)".
                format!("{}/{} ({})", flat(c), flat(n), flat(s))
            } else {
                Value::Object(m.clone()).to_string()
            }
        }
        other => other.to_string(),
    }
}

impl<W: Write> Writer<W> {
    /// A writer of `format` over `w`. `input_columns` fixes the CSV columns for CSV
    /// input; `append` skips the CSV header.
    pub fn new(format: Format, w: W, input_columns: Option<Vec<String>>, append: bool) -> Self {
        match format {
            Format::Jsonl => Writer::Jsonl(w),
            Format::Csv => Writer::Csv {
                w: Box::new(csv::WriterBuilder::new().from_writer(w)),
                header: None,
                input_columns,
                append,
            },
        }
    }

    /// Writes one row.
    pub fn write(&mut self, row: &Map<String, Value>) -> std::io::Result<()> {
        match self {
            Writer::Jsonl(w) => {
                serde_json::to_writer(&mut *w, row)?;
                w.write_all(b"\n")
            }
            Writer::Csv {
                w,
                header,
                input_columns,
                append,
            } => {
                if header.is_none() {
                    let mut cols: Vec<String> = input_columns.clone().unwrap_or_else(|| {
                        row.keys()
                            .filter(|k| !ADDED.contains(&k.as_str()))
                            .cloned()
                            .collect()
                    });
                    cols.retain(|c| !ADDED.contains(&c.as_str()) && c != COMMENTS);
                    // The comment call-outs column only when the input has comments.
                    let comments =
                        row.contains_key(COMMENTS) || cols.iter().any(|c| c == "comments");
                    for a in ADDED {
                        if a == "error" && comments {
                            cols.push(COMMENTS.to_owned());
                        }
                        cols.push(a.to_owned());
                    }
                    if !*append {
                        w.write_record(&cols)?;
                    }
                    *header = Some(cols);
                }
                let cols = header.as_ref().expect("set above");
                w.write_record(
                    cols.iter()
                        .map(|c| row.get(c).map(flat).unwrap_or_default()),
                )?;
                Ok(())
            }
        }
    }

    /// Flushes buffered output.
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Writer::Jsonl(w) => w.flush(),
            Writer::Csv { w, .. } => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_flattens_lists() {
        let mut out = Vec::new();
        {
            let mut w = Writer::new(
                Format::Csv,
                &mut out,
                Some(vec!["id".into(), "text".into()]),
                false,
            );
            let row: Map<String, Value> = serde_json::from_value(serde_json::json!({
                "id": "1", "text": "多行\n文本", "ad_probability": 0.9, "label": "ad",
                "top_signals": [{"kind": "offer", "text": "到手价"}],
                "compliance": [{"code": "absolute_terms", "rule": "广告法第九条第三项"}],
                "line": 2
            }))
            .unwrap();
            w.write(&row).unwrap();
            w.flush().unwrap();
        }
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("id,text,ad_probability,label,link_cost,label_required,top_signals,compliance,error,line\n"));
        assert!(s.contains("\"多行\n文本\""));
        assert!(s.contains("offer: 到手价"));
        assert!(s.contains("absolute_terms (广告法第九条第三项)"));
    }

    #[test]
    fn comment_call_outs_get_a_column_before_error_when_the_input_has_comments() {
        let mut out = Vec::new();
        {
            let cols = Some(vec!["id".into(), "text".into(), "comments".into()]);
            let mut w = Writer::new(Format::Csv, &mut out, cols, false);
            let row: Map<String, Value> = serde_json::from_value(serde_json::json!({
                "id": "1", "text": "x", "comments": "是广告吧\n好看",
                "comments_called_out": {"n": 2, "called_out": 1, "share": 0.5},
                "line": 2
            }))
            .unwrap();
            w.write(&row).unwrap();
            w.flush().unwrap();
        }
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with("id,text,comments,ad_probability,label,link_cost,label_required,top_signals,compliance,comments_called_out,error,line\n"),
            "{s}"
        );
        assert!(s.contains(",1/2 (0.5),"), "{s}");
    }
}
