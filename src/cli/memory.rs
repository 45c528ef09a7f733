//! Memory readings of a process for the soak, load test and model bench:
//! `/proc/<pid>/status` fields, and the trend of RSS samples over time.

/// The resident set of process `pid`, in kB.
pub(super) fn rss_kb(pid: u32) -> Option<u64> {
    status_kb(&pid.to_string(), "VmRSS")
}

/// A kB field (`VmRSS`, `VmHWM`, …) of `/proc/<pid>/status`; `pid` may be `self`.
pub(super) fn status_kb(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Least-squares slope of `(seconds, kB)` samples, in MB per hour.
pub(super) fn slope_mb_per_hour(samples: &[(f64, u64)]) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mx = samples.iter().map(|s| s.0).sum::<f64>() / n;
    let my = samples.iter().map(|s| s.1 as f64).sum::<f64>() / n;
    let sxy: f64 = samples.iter().map(|s| (s.0 - mx) * (s.1 as f64 - my)).sum();
    let sxx: f64 = samples.iter().map(|s| (s.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return 0.0;
    }
    sxy / sxx * 3600.0 / 1024.0
}

/// The samples cut into four runs of (nearly) equal length, each sharing its
/// first sample with the previous run's last so no interval is left out; fewer
/// than eight samples give none.
pub(super) fn quarters(samples: &[(f64, u64)]) -> Vec<&[(f64, u64)]> {
    if samples.len() < 8 {
        return Vec::new();
    }
    let last = samples.len() - 1;
    (0..4)
        .map(|q| &samples[q * last / 4..=(q + 1) * last / 4])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slope_is_in_mb_per_hour() {
        // 1 MB more every 60 s is 60 MB/h.
        let s: Vec<(f64, u64)> = (0..5).map(|i| (i as f64 * 60.0, 1024 * i)).collect();
        assert!((slope_mb_per_hour(&s) - 60.0).abs() < 1e-9);
        assert_eq!(slope_mb_per_hour(&[(0.0, 5)]), 0.0);
    }

    #[test]
    fn quarters_cover_every_interval_once() {
        // 1 MB a minute for the first half, flat after: the last quarters read zero.
        let s: Vec<(f64, u64)> = (0..=12)
            .map(|i| (i as f64 * 60.0, 1024 * i.min(6)))
            .collect();
        let q = quarters(&s);
        assert_eq!(q.len(), 4);
        assert_eq!(q[0].first(), s.first());
        assert_eq!(q[3].last(), s.last());
        for w in q.windows(2) {
            assert_eq!(w[0].last(), w[1].first());
        }
        assert!((slope_mb_per_hour(q[0]) - 60.0).abs() < 1e-9);
        assert_eq!(slope_mb_per_hour(q[3]), 0.0);
        assert!(quarters(&s[..7]).is_empty());
    }

    #[test]
    fn status_fields_of_this_process_are_read() {
        assert!(status_kb("self", "VmRSS").is_some_and(|kb| kb > 0));
        assert!(status_kb("self", "NoSuchField").is_none());
        assert!(rss_kb(u32::MAX).is_none());
    }
}
