//! What `adlens merge` found wrong with the shard rows, listed for the error message.

use std::fmt;

/// Problems listed in full in the error message; more are counted.
const SHOWN: usize = 10;

/// What a merge found wrong with the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    /// Input rows no shard file holds: (line, id).
    pub missing: Vec<(usize, Option<String>)>,
    /// Input rows held more than once: (line, id, the files holding them).
    pub duplicated: Vec<(usize, Option<String>, Vec<String>)>,
    /// Shard rows that are not the input's: (file, line, why).
    pub foreign: Vec<(String, usize, String)>,
}

impl Problems {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.duplicated.is_empty() && self.foreign.is_empty()
    }
}

fn name(line: usize, id: &Option<String>) -> String {
    match id {
        Some(id) => format!("line {line} (id {id})"),
        None => format!("line {line}"),
    }
}

fn list<T>(f: &mut fmt::Formatter<'_>, items: &[T], show: impl Fn(&T) -> String) -> fmt::Result {
    let shown: Vec<String> = items.iter().take(SHOWN).map(show).collect();
    write!(f, "{}", shown.join(", "))?;
    if items.len() > SHOWN {
        write!(f, " and {} more", items.len() - SHOWN)?;
    }
    Ok(())
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = 0;
        if !self.missing.is_empty() {
            write!(f, "{} input rows missing: ", self.missing.len())?;
            list(f, &self.missing, |(l, id)| name(*l, id))?;
            parts += 1;
        }
        if !self.duplicated.is_empty() {
            f.write_str(if parts > 0 { "; " } else { "" })?;
            write!(f, "{} input rows duplicated: ", self.duplicated.len())?;
            list(f, &self.duplicated, |(l, id, files)| {
                format!("{} in {}", name(*l, id), files.join(" and "))
            })?;
            parts += 1;
        }
        if !self.foreign.is_empty() {
            f.write_str(if parts > 0 { "; " } else { "" })?;
            write!(f, "{} rows not from this input: ", self.foreign.len())?;
            list(f, &self.foreign, |(file, l, why)| {
                format!("{file} line {l} ({why})")
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_kind_and_counts_past_ten() {
        let p = Problems {
            missing: (1..=12).map(|l| (l, Some(format!("n{l}")))).collect(),
            duplicated: vec![(20, None, vec!["a.jsonl".into(), "b.jsonl".into()])],
            foreign: vec![("c.jsonl".into(), 99, "after the input's last row".into())],
        };
        let msg = p.to_string();
        assert!(
            msg.starts_with("12 input rows missing: line 1 (id n1), "),
            "{msg}"
        );
        assert!(msg.contains("line 10 (id n10) and 2 more;"), "{msg}");
        assert!(!msg.contains("n11"), "{msg}");
        assert!(
            msg.contains("1 input rows duplicated: line 20 in a.jsonl and b.jsonl"),
            "{msg}"
        );
        assert!(
            msg.contains("c.jsonl line 99 (after the input's last row)"),
            "{msg}"
        );
        assert!(Problems::default().is_empty() && !p.is_empty());
    }
}
