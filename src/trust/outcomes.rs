//! The outcomes file `adlens trust fit` reads: one row per note a brand ran, with
//! what it measured before and after attaching a link or a 广告 label. CSV (with a
//! header) or JSONL; the columns and units are documented in docs/trust-penalty.md
//! ("Fitting the priors to a brand's outcomes"). Unknown columns and impossible
//! values are rejected with the line number; nothing is guessed.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use cells::Cells;

/// Every accepted column.
pub const COLUMNS: [&str; 33] = [
    "id",
    "text",
    "has_link",
    "labelled",
    "views_before",
    "likes_before",
    "collects_before",
    "comment_count_before",
    "engagement_before",
    "views_after",
    "likes_after",
    "collects_after",
    "comment_count_after",
    "engagement_after",
    "credibility_before",
    "credibility_after",
    "credibility_sd",
    "purchase_intent_before",
    "purchase_intent_after",
    "purchase_intent_sd",
    "survey_n",
    "commercial",
    "found_out",
    "views_exposed",
    "likes_exposed",
    "collects_exposed",
    "comment_count_exposed",
    "engagement_exposed",
    "click_through_rate",
    "conversion_rate",
    "comments",
    "ad_probability",
    "group",
];

/// Why an outcomes file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutcomesError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The extension is neither `.csv` nor `.jsonl`.
    #[error("{0}: an outcomes file must end in .csv or .jsonl")]
    Format(String),
    /// One line is unusable.
    #[error("line {line}: {why}")]
    Line {
        /// 1-based line of the file (the CSV header is line 1).
        line: u64,
        /// What is wrong.
        why: String,
    },
}

fn bad(line: u64, why: impl Into<String>) -> OutcomesError {
    OutcomesError::Line {
        line,
        why: why.into(),
    }
}

fn unknown(line: u64, col: &str) -> OutcomesError {
    bad(
        line,
        format!("unknown column `{col}` (accepted: {})", COLUMNS.join(", ")),
    )
}

/// Events (likes + collects + comments) out of views in one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    /// Likes + collects + comments.
    pub events: f64,
    /// Views.
    pub views: f64,
}

/// One note's measured outcomes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutcomeRow {
    /// Line of the file, for messages.
    pub line: u64,
    /// The brand's id.
    pub id: Option<String>,
    /// The note text as posted before the link.
    pub text: String,
    /// A purchase link was attached in the "after" period.
    pub has_link: bool,
    /// A clear 广告 label was added in the "after" period.
    pub labelled: bool,
    /// Engagement before and after, when measured.
    pub engagement: Option<(Period, Period)>,
    /// Survey credibility: mean before, mean after, pooled sd, respondents per arm.
    pub survey: Option<(f64, f64, f64, f64)>,
    /// Survey purchase intention, the same way (the same respondents).
    pub purchase_survey: Option<(f64, f64, f64, f64)>,
    /// The brand paid for or placed the note (it is commercial, whatever the text says).
    pub commercial: bool,
    /// The note, commercial and without a 广告 label, was later identified as an ad
    /// (by readers, the platform or a crackdown).
    pub found_out: bool,
    /// Engagement after it was found out, compared with `before`.
    pub exposed: Option<Period>,
    /// Click-through rate after the link (reported, not fitted).
    pub click_through_rate: Option<f64>,
    /// Conversion rate after the link (reported, not fitted).
    pub conversion_rate: Option<f64>,
    /// The note's comments before the link.
    pub comments: Vec<String>,
    /// The ad probability to use instead of scoring the text.
    pub ad_probability: Option<f64>,
    /// The brand's own group name for the report (default: the note's features).
    pub group: Option<String>,
}

/// Reads an outcomes file (`.csv` with a header row, or `.jsonl`).
pub fn read(path: &Path) -> Result<Vec<OutcomeRow>, OutcomesError> {
    let text = std::fs::read_to_string(path).map_err(|e| OutcomesError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => parse_csv(&text),
        Some("jsonl" | "ndjson") => parse_jsonl(&text),
        _ => Err(OutcomesError::Format(path.display().to_string())),
    }
}

/// Parses JSONL outcomes: one object per line, blank lines skipped.
pub fn parse_jsonl(text: &str) -> Result<Vec<OutcomeRow>, OutcomesError> {
    let mut rows = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = i as u64 + 1;
        if l.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(l).map_err(|e| bad(line, format!("not valid JSON: {e}")))?;
        let Value::Object(map) = v else {
            return Err(bad(line, "expected a JSON object"));
        };
        if let Some(k) = map.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
            return Err(unknown(line, k));
        }
        let cells = map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect::<BTreeMap<_, _>>();
        rows.push(row(line, &cells)?);
    }
    Ok(rows)
}

/// Parses CSV outcomes with a header row; empty cells are absent values, and the
/// `comments` cell holds one comment per line.
pub fn parse_csv(text: &str) -> Result<Vec<OutcomeRow>, OutcomesError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if let Some(k) = headers.iter().find(|k| !COLUMNS.contains(&k.as_str())) {
        return Err(unknown(1, k));
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, format!("not valid CSV: {e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let mut cells = BTreeMap::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if v.trim().is_empty() {
                continue;
            }
            let v = if h == "comments" {
                Value::Array(
                    v.lines()
                        .filter(|c| !c.trim().is_empty())
                        .map(|c| Value::String(c.trim().to_owned()))
                        .collect(),
                )
            } else {
                Value::String(v.trim().to_owned())
            };
            cells.insert(h.clone(), v);
        }
        rows.push(row(line, &cells)?);
    }
    Ok(rows)
}

fn row(line: u64, map: &BTreeMap<String, Value>) -> Result<OutcomeRow, OutcomesError> {
    let c = Cells { line, map };
    let text = c.text("text")?.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(bad(line, "`text` is missing or empty"));
    }
    let engagement = match (c.period("before")?, c.period("after")?) {
        (Some(b), Some(a)) => Some((b, a)),
        (None, None) => None,
        _ => {
            return Err(bad(
                line,
                "engagement needs both a before and an after period",
            ));
        }
    };
    let survey_n = match c.num("survey_n")? {
        Some(n) if n < 2.0 || n.fract() != 0.0 => {
            return Err(bad(
                line,
                format!("`survey_n` must be a whole number >= 2, got {n}"),
            ));
        }
        n => n,
    };
    let survey = c.survey("credibility", survey_n)?;
    let purchase_survey = c.survey("purchase_intent", survey_n)?;
    if survey_n.is_some() && survey.is_none() && purchase_survey.is_none() {
        return Err(bad(
            line,
            "`survey_n` without a survey (credibility_* or purchase_intent_*)",
        ));
    }
    let (commercial, found_out) = (c.flag("commercial")?, c.flag("found_out")?);
    if found_out && !commercial {
        return Err(bad(
            line,
            "`found_out` is for commercial notes: set `commercial` too",
        ));
    }
    if found_out && c.flag("labelled")? {
        return Err(bad(
            line,
            "`found_out` is for notes without a 广告 label, and this row is `labelled`",
        ));
    }
    let exposed = c.period("exposed")?;
    if exposed.is_some() && !(found_out && engagement.is_some()) {
        return Err(bad(
            line,
            "engagement `_exposed` needs `found_out` and the `_before` period to compare with",
        ));
    }
    let comments = match map.get("comments") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(bad(line, format!("`comments` must hold strings, got {v}"))),
            })
            .collect::<Result<_, _>>()?,
        Some(v) => {
            return Err(bad(
                line,
                format!("`comments` must be a list of strings, got {v}"),
            ));
        }
    };
    Ok(OutcomeRow {
        line,
        id: c.text("id")?,
        text,
        has_link: c.flag("has_link")?,
        labelled: c.flag("labelled")?,
        engagement,
        survey,
        purchase_survey,
        commercial,
        found_out,
        exposed,
        click_through_rate: c.rate("click_through_rate")?,
        conversion_rate: c.rate("conversion_rate")?,
        comments,
        ad_probability: c.rate("ad_probability")?,
        group: c.text("group")?,
    })
}

mod cells;

#[cfg(test)]
mod tests;
