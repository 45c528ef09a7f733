//! Typed access to one row of the outcomes file.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{OutcomesError, Period, bad};

/// One row's cells, with typed getters whose errors name the line and column.
pub(super) struct Cells<'a> {
    pub line: u64,
    pub map: &'a BTreeMap<String, Value>,
}

impl Cells<'_> {
    pub fn num(&self, col: &str) -> Result<Option<f64>, OutcomesError> {
        let Some(v) = self.map.get(col) else {
            return Ok(None);
        };
        let x = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse::<f64>().ok(),
            _ => None,
        }
        .filter(|x| x.is_finite())
        .ok_or_else(|| bad(self.line, format!("`{col}` must be a number, got {v}")))?;
        Ok(Some(x))
    }

    pub fn rate(&self, col: &str) -> Result<Option<f64>, OutcomesError> {
        match self.num(col)? {
            Some(x) if !(0.0..=1.0).contains(&x) => Err(bad(
                self.line,
                format!("`{col}` is a rate in [0, 1], got {x}"),
            )),
            x => Ok(x),
        }
    }

    pub fn count(&self, col: &str) -> Result<Option<f64>, OutcomesError> {
        match self.num(col)? {
            Some(x) if x < 0.0 || x.fract() != 0.0 => Err(bad(
                self.line,
                format!("`{col}` is a count (a whole number >= 0), got {x}"),
            )),
            x => Ok(x),
        }
    }

    pub fn flag(&self, col: &str) -> Result<bool, OutcomesError> {
        let Some(v) = self.map.get(col) else {
            return Ok(false);
        };
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "y" | "是" => Ok(true),
                "0" | "false" | "no" | "n" | "否" => Ok(false),
                _ => Err(bad(
                    self.line,
                    format!("`{col}` must be true or false, got {v}"),
                )),
            },
            _ => Err(bad(
                self.line,
                format!("`{col}` must be true or false, got {v}"),
            )),
        }
    }

    pub fn text(&self, col: &str) -> Result<Option<String>, OutcomesError> {
        match self.map.get(col) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(v) => Err(bad(self.line, format!("`{col}` must be text, got {v}"))),
        }
    }

    /// A survey of `{what}_before`, `{what}_after` and `{what}_sd` (all or none),
    /// with `survey_n` respondents per arm: (before, after, sd, n).
    pub fn survey(
        &self,
        what: &str,
        n: Option<f64>,
    ) -> Result<Option<(f64, f64, f64, f64)>, OutcomesError> {
        let cols = ["before", "after", "sd"].map(|w| format!("{what}_{w}"));
        let vals = cols
            .iter()
            .map(|col| self.num(col))
            .collect::<Result<Vec<_>, _>>()?;
        match (vals.as_slice(), n) {
            ([None, None, None], _) => Ok(None),
            ([Some(b), Some(a), Some(sd)], Some(n)) => {
                if *sd <= 0.0 {
                    return Err(bad(self.line, format!("`{what}_sd` must be > 0, got {sd}")));
                }
                Ok(Some((*b, *a, *sd, n)))
            }
            _ => Err(bad(
                self.line,
                format!("a survey needs all of {}, survey_n", cols.join(", ")),
            )),
        }
    }

    /// One period's engagement from counts or from a rate (not both), with views.
    pub fn period(&self, when: &str) -> Result<Option<Period>, OutcomesError> {
        let views = self.count(&format!("views_{when}"))?;
        let rate = self.rate(&format!("engagement_{when}"))?;
        let mut counted = None;
        for c in ["likes", "collects", "comment_count"] {
            let col = format!("{c}_{when}");
            if let Some(k) = self.count(&col)? {
                if let Some(v) = views
                    && k > v
                {
                    return Err(bad(
                        self.line,
                        format!("`{col}` ({k}) is more than `views_{when}` ({v})"),
                    ));
                }
                counted = Some(counted.unwrap_or(0.0) + k);
            }
        }
        let events = match (counted, rate, views) {
            (None, None, None) => return Ok(None),
            (Some(_), Some(_), _) => {
                return Err(bad(
                    self.line,
                    format!("give either counts or `engagement_{when}`, not both"),
                ));
            }
            (_, _, None) => {
                return Err(bad(
                    self.line,
                    format!("engagement {when} needs `views_{when}` > 0"),
                ));
            }
            (_, _, Some(v)) if v <= 0.0 => {
                return Err(bad(
                    self.line,
                    format!("engagement {when} needs `views_{when}` > 0"),
                ));
            }
            (None, None, Some(_)) => {
                return Err(bad(
                    self.line,
                    format!("`views_{when}` needs counts or `engagement_{when}`"),
                ));
            }
            (Some(k), None, Some(_)) => k,
            (None, Some(r), Some(v)) => r * v,
        };
        let views = views.unwrap_or(0.0);
        if events > views {
            return Err(bad(
                self.line,
                format!("engagement {when} is above 1 per view ({events} events, {views} views)"),
            ));
        }
        Ok(Some(Period { events, views }))
    }
}
