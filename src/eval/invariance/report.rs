//! The invariance report: per source × rewrite, how far `ad_probability` moved
//! (median and 95th-percentile |Δp|) and how many labels flipped, against the
//! targets; and the text table `adlens eval --invariance` prints.

use serde::Serialize;

use crate::data::LabeledNote;

/// `(ad_probability, labelled ad)` of one scored text.
pub type Scored = (f32, bool);

/// The targets every source × rewrite must meet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Targets {
    /// Largest median |Δp|.
    pub median: f64,
    /// Largest 95th-percentile |Δp|.
    pub p95: f64,
    /// Largest share of notes whose label flips.
    pub flips: f64,
}

/// Issue 15's targets: median |Δp| ≤ 0.02, p95 ≤ 0.10, flips ≤ 2 %.
pub const TARGETS: Targets = Targets {
    median: 0.02,
    p95: 0.10,
    flips: 0.02,
};

/// The note that moved most under a rewrite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Worst {
    /// The note's id, if it has one.
    pub id: Option<String>,
    /// `ad_probability` of the original.
    pub before: f32,
    /// `ad_probability` of the rewrite.
    pub after: f32,
}

/// One source × rewrite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The notes' source (`written`, `real_xhs`, `reviews`, or `unknown`).
    pub source: String,
    /// The rewrite's name.
    pub rewrite: String,
    /// Notes of this source in the run.
    pub notes: usize,
    /// Notes the rewrite applied to (the rest are left out of the figures).
    pub applied: usize,
    /// Median |Δp|.
    pub median: f64,
    /// 95th-percentile |Δp| (nearest rank).
    pub p95: f64,
    /// Mean signed Δp (rewrite − original): which way the rewrite pushes.
    pub mean_delta: f64,
    /// Notes whose label flipped.
    pub flipped: usize,
    /// Share of applied notes whose label flipped.
    pub flips: f64,
    /// All three targets met (vacuously true when the rewrite applied to none).
    pub pass: bool,
    /// The note that moved most.
    pub worst: Option<Worst>,
}

/// The whole suite's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvarianceReport {
    /// The model whose `ad_probability` was read: `ensemble` or `linear`.
    pub model: String,
    /// The targets.
    pub targets: Targets,
    /// Every source × rewrite, sources in name order, rewrites in suite order.
    pub rows: Vec<Row>,
    /// Every row passed.
    pub pass: bool,
}

impl InvarianceReport {
    /// The rows that missed a target.
    pub fn failures(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| !r.pass)
    }
}

pub(super) fn row(
    source: &str,
    rewrite: &str,
    group: &[&LabeledNote],
    pairs: &[(usize, Scored, Scored)],
) -> Row {
    let mut deltas: Vec<f64> = pairs
        .iter()
        .map(|(_, b, a)| f64::from((a.0 - b.0).abs()))
        .collect();
    deltas.sort_by(f64::total_cmp);
    let n = pairs.len();
    let flipped = pairs.iter().filter(|(_, b, a)| b.1 != a.1).count();
    let median = match n {
        0 => 0.0,
        _ if n % 2 == 1 => deltas[n / 2],
        _ => (deltas[n / 2 - 1] + deltas[n / 2]) / 2.0,
    };
    let p95 = match n {
        0 => 0.0,
        _ => deltas[((0.95 * n as f64).ceil() as usize).clamp(1, n) - 1],
    };
    let flips = if n == 0 {
        0.0
    } else {
        flipped as f64 / n as f64
    };
    let mean_delta = if n == 0 {
        0.0
    } else {
        pairs
            .iter()
            .map(|(_, b, a)| f64::from(a.0 - b.0))
            .sum::<f64>()
            / n as f64
    };
    let worst = pairs
        .iter()
        .max_by(|x, y| (x.2.0 - x.1.0).abs().total_cmp(&(y.2.0 - y.1.0).abs()))
        .map(|&(i, b, a)| Worst {
            id: group[i].id.clone(),
            before: b.0,
            after: a.0,
        });
    Row {
        source: source.to_owned(),
        rewrite: rewrite.to_owned(),
        notes: group.len(),
        applied: n,
        median,
        p95,
        mean_delta,
        flipped,
        flips,
        pass: median <= TARGETS.median && p95 <= TARGETS.p95 && flips <= TARGETS.flips,
        worst,
    }
}

/// The report as a plain-text table.
pub fn table(r: &InvarianceReport) -> String {
    let t = r.targets;
    let mut out = format!(
        "invariance ({}): targets median |Δp| ≤ {:.2}, p95 ≤ {:.2}, flips ≤ {:.0} %\n",
        r.model,
        t.median,
        t.p95,
        t.flips * 100.0
    );
    out.push_str(&format!(
        "{:<10}{:<19}{:>10}{:>9}{:>9}{:>8}{:>9}  {}\n",
        "source", "rewrite", "n/notes", "median", "p95", "flips", "mean Δp", "pass"
    ));
    for row in &r.rows {
        let n = format!("{}/{}", row.applied, row.notes);
        if row.applied == 0 {
            out.push_str(&format!(
                "{:<10}{:<19}{n:>10}{:>9}{:>9}{:>8}{:>9}  –\n",
                row.source, row.rewrite, "–", "–", "–", "–"
            ));
            continue;
        }
        out.push_str(&format!(
            "{:<10}{:<19}{n:>10}{:>9.4}{:>9.4}{:>7.1}%{:>+9.4}  {}\n",
            row.source,
            row.rewrite,
            row.median,
            row.p95,
            row.flips * 100.0,
            row.mean_delta,
            if row.pass { "ok" } else { "FAIL" }
        ));
    }
    let failed = r.failures().count();
    out.push_str(&if failed == 0 {
        "all targets met\n".to_owned()
    } else {
        format!("{failed} source × rewrite row(s) miss a target\n")
    });
    out
}
