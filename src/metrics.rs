//! Classification and calibration metrics over (probability, target) pairs.

use serde::{Deserialize, Serialize};

/// Counts of the 2×2 confusion matrix (positive = ad).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Ads called ads.
    pub tp: usize,
    /// Organic notes called ads.
    pub fp: usize,
    /// Organic notes called organic.
    pub tn: usize,
    /// Ads called organic.
    pub r#fn: usize,
}

/// The figures `adlens eval` reports for one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Number of notes.
    pub n: usize,
    /// Share of notes labelled correctly at the threshold.
    pub accuracy: f64,
    /// Of notes called ads, the share that are ads.
    pub precision: f64,
    /// Of ads, the share called ads.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Area under the ROC curve (ties count half).
    pub roc_auc: f64,
    /// Average precision (area under the precision–recall curve, step-wise).
    pub pr_auc: f64,
    /// Mean squared error of the probability.
    pub brier: f64,
    /// Expected calibration error over 10 equal-width bins.
    pub ece: f64,
    /// The decision threshold used.
    pub threshold: f64,
    /// The confusion matrix at the threshold.
    pub confusion: Confusion,
}

/// Computes every metric for probabilities `p` of the positive class against
/// targets `y` (1 = ad), labelling ads at `p >= threshold`.
pub fn compute(p: &[f32], y: &[bool], threshold: f32) -> Metrics {
    assert_eq!(p.len(), y.len());
    let n = p.len();
    let mut c = Confusion::default();
    for (&pi, &yi) in p.iter().zip(y) {
        match (pi >= threshold, yi) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.r#fn += 1,
        }
    }
    let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = div(c.tp, c.tp + c.fp);
    let recall = div(c.tp, c.tp + c.r#fn);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let brier = p
        .iter()
        .zip(y)
        .map(|(&pi, &yi)| (pi as f64 - if yi { 1.0 } else { 0.0 }).powi(2))
        .sum::<f64>()
        / n.max(1) as f64;
    Metrics {
        n,
        accuracy: div(c.tp + c.tn, n),
        precision,
        recall,
        f1,
        roc_auc: roc_auc(p, y),
        pr_auc: average_precision(p, y),
        brier,
        ece: ece(p, y, 10),
        threshold: threshold as f64,
        confusion: c,
    }
}

/// ROC-AUC by the rank-sum formula, ties counting half. 0.5 when a class is missing.
pub fn roc_auc(p: &[f32], y: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut pos) = (0.0f64, 0usize);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && p[order[j + 1]] == p[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if y[k] {
                rank_sum += avg_rank;
                pos += 1;
            }
        }
        i = j + 1;
    }
    let neg = p.len() - pos;
    if pos == 0 || neg == 0 {
        return 0.5;
    }
    (rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos as f64 * neg as f64)
}

/// Points of the ROC curve (false-positive rate, true-positive rate), one per
/// distinct threshold, from (0,0) to (1,1).
pub fn roc_curve(p: &[f32], y: &[bool]) -> Vec<(f64, f64)> {
    let pos = y.iter().filter(|&&v| v).count().max(1) as f64;
    let neg = y.iter().filter(|&&v| !v).count().max(1) as f64;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if y[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        if k + 1 == order.len() || p[order[k + 1]] != p[i] {
            out.push((fp / neg, tp / pos));
        }
    }
    out
}

/// Points of the precision–recall curve (recall, precision), one per distinct
/// threshold.
pub fn pr_curve(p: &[f32], y: &[bool]) -> Vec<(f64, f64)> {
    let pos = y.iter().filter(|&&v| v).count().max(1) as f64;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = Vec::new();
    let (mut tp, mut seen) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        seen += 1.0;
        if y[i] {
            tp += 1.0;
        }
        if k + 1 == order.len() || p[order[k + 1]] != p[i] {
            out.push((tp / pos, tp / seen));
        }
    }
    out
}

/// Average precision: Σ (R_k − R_{k−1}) · P_k over the PR curve.
pub fn average_precision(p: &[f32], y: &[bool]) -> f64 {
    let mut prev_r = 0.0;
    let mut ap = 0.0;
    for (r, pr) in pr_curve(p, y) {
        ap += (r - prev_r) * pr;
        prev_r = r;
    }
    ap
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bin {
    /// Mean predicted probability in the bin.
    pub mean_p: f64,
    /// Observed share of ads in the bin.
    pub observed: f64,
    /// Notes in the bin.
    pub count: usize,
}

/// Equal-width probability bins (empty bins omitted).
pub fn reliability(p: &[f32], y: &[bool], bins: usize) -> Vec<Bin> {
    let mut sum_p = vec![0.0f64; bins];
    let mut sum_y = vec![0.0f64; bins];
    let mut count = vec![0usize; bins];
    for (&pi, &yi) in p.iter().zip(y) {
        let b = ((pi as f64 * bins as f64) as usize).min(bins - 1);
        sum_p[b] += pi as f64;
        sum_y[b] += if yi { 1.0 } else { 0.0 };
        count[b] += 1;
    }
    (0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| Bin {
            mean_p: sum_p[b] / count[b] as f64,
            observed: sum_y[b] / count[b] as f64,
            count: count[b],
        })
        .collect()
}

/// Expected calibration error: Σ (n_b / n) · |mean p_b − observed_b|.
pub fn ece(p: &[f32], y: &[bool], bins: usize) -> f64 {
    let n = p.len().max(1) as f64;
    reliability(p, y, bins)
        .iter()
        .map(|b| b.count as f64 / n * (b.mean_p - b.observed).abs())
        .sum()
}

/// The threshold that maximises F1 on held-out data (ties: the one nearest 0.5).
pub fn best_f1_threshold(p: &[f32], y: &[bool]) -> f32 {
    let mut cands: Vec<f32> = p.to_vec();
    cands.push(0.5);
    cands.sort_by(f32::total_cmp);
    cands.dedup();
    let mut best = (0.5f32, -1.0f64);
    for &t in &cands {
        let f1 = compute(p, y, t).f1;
        let better = f1 > best.1 + 1e-12
            || ((f1 - best.1).abs() <= 1e-12 && (t - 0.5).abs() < (best.0 - 0.5).abs());
        if better {
            best = (t, f1);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let p = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1];
        let y = [true, true, true, false, false, false];
        let m = compute(&p, &y, 0.5);
        assert_eq!(
            m.confusion,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 2,
                r#fn: 1
            }
        );
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // Pairs (pos, neg) ordered correctly: 8 of 9.
        assert!((m.roc_auc - 8.0 / 9.0).abs() < 1e-12);
        // AP: ranks 1,2 positive (P=1), rank 3 negative, rank 4 positive (P=3/4).
        assert!((m.pr_auc - (1.0 / 3.0 + 1.0 / 3.0 + 0.75 / 3.0)).abs() < 1e-12);
        assert!((m.brier - (0.01 + 0.04 + 0.49 + 0.36 + 0.04 + 0.01) / 6.0).abs() < 1e-6);
    }

    #[test]
    fn perfect_calibration_has_zero_ece_and_ties_count_half() {
        let p = [0.25f32; 4];
        let y = [true, false, false, false];
        assert!(ece(&p, &y, 10) < 1e-9);
        assert!((roc_auc(&p, &y) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn threshold_maximises_f1() {
        let p = [0.9, 0.7, 0.4, 0.35, 0.1];
        let y = [true, true, true, false, false];
        let t = best_f1_threshold(&p, &y);
        assert!(compute(&p, &y, t).f1 == 1.0, "{t}");
    }
}
