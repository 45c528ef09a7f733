//! L2-regularised logistic regression over sparse rows, trained full-batch with
//! Adam. Full-batch updates and sequential sums make training deterministic: the
//! same rows give the same weights, bit for bit.

use super::features::Sparse;

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// L2 strength on the weights (not the bias), per example.
    pub l2: f32,
    /// Full passes over the data.
    pub epochs: usize,
    /// Adam step size.
    pub learning_rate: f32,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            l2: 1e-4,
            epochs: 300,
            learning_rate: 0.05,
        }
    }
}

/// A trained logistic model: `p = σ(w·x + b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    /// One weight per feature.
    pub weights: Vec<f32>,
    /// The intercept.
    pub bias: f32,
}

/// The logistic function, safe for large |x|.
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The log-odds of a probability, clamped away from 0 and 1.
pub fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

impl Logistic {
    /// The raw margin `w·x + b`.
    pub fn margin(&self, x: &Sparse) -> f32 {
        x.dot(&self.weights) + self.bias
    }

    /// Trains on `rows` with targets in {0, 1}, over `dim` features.
    pub fn train(rows: &[&Sparse], targets: &[f32], dim: usize, cfg: &TrainConfig) -> Logistic {
        Self::train_weighted(rows, targets, &[], dim, cfg)
    }

    /// [`Logistic::train`] with a weight per row (empty: every row weighs 1). The
    /// loss is the weighted mean, so the L2 strength means the same either way.
    pub fn train_weighted(
        rows: &[&Sparse],
        targets: &[f32],
        weights: &[f32],
        dim: usize,
        cfg: &TrainConfig,
    ) -> Logistic {
        assert_eq!(rows.len(), targets.len(), "one target per row");
        assert!(
            weights.is_empty() || weights.len() == rows.len(),
            "one weight per row"
        );
        let weight = |i: usize| weights.get(i).copied().unwrap_or(1.0);
        let n = if weights.is_empty() {
            rows.len().max(1) as f32
        } else {
            weights.iter().sum::<f32>().max(1e-6)
        };
        let mut w = vec![0.0f32; dim + 1];
        let mut m = vec![0.0f32; dim + 1];
        let mut v = vec![0.0f32; dim + 1];
        let mut grad = vec![0.0f32; dim + 1];
        // Only features that occur get gradient from the loss; the rest stay 0 under
        // L2, so updates are restricted to the active set.
        let mut active: Vec<u32> = rows.iter().flat_map(|r| r.idx.iter().copied()).collect();
        active.sort_unstable();
        active.dedup();
        active.push(dim as u32); // the bias
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let (mut b1t, mut b2t) = (1.0f32, 1.0f32);
        for _ in 0..cfg.epochs {
            for &j in &active {
                grad[j as usize] = 0.0;
            }
            for (i, (x, &y)) in rows.iter().zip(targets).enumerate() {
                let z = x.dot(&w) + w[dim];
                let err = (sigmoid(z) - y) * weight(i) / n;
                for (&i, &xv) in x.idx.iter().zip(&x.val) {
                    grad[i as usize] += err * xv;
                }
                grad[dim] += err;
            }
            b1t *= b1;
            b2t *= b2;
            for &j in &active {
                let j = j as usize;
                let mut g = grad[j];
                if j != dim {
                    g += cfg.l2 * w[j];
                }
                m[j] = b1 * m[j] + (1.0 - b1) * g;
                v[j] = b2 * v[j] + (1.0 - b2) * g * g;
                let mh = m[j] / (1.0 - b1t);
                let vh = v[j] / (1.0 - b2t);
                w[j] -= cfg.learning_rate * mh / (vh.sqrt() + eps);
            }
        }
        let bias = w.pop().unwrap_or_default();
        Logistic { weights: w, bias }
    }

    /// Mean log-loss of the model on `rows`.
    pub fn log_loss(&self, rows: &[&Sparse], targets: &[f32]) -> f32 {
        let total: f32 = rows
            .iter()
            .zip(targets)
            .map(|(x, &y)| {
                let p = sigmoid(self.margin(x)).clamp(1e-7, 1.0 - 1e-7);
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            })
            .sum();
        total / rows.len().max(1) as f32
    }
}

/// Platt scaling: `p = σ(a·margin + b)`, fitted by Newton's method on held-out
/// margins with Platt's smoothed targets.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Platt {
    /// Slope on the margin.
    pub a: f32,
    /// Offset.
    pub b: f32,
}

impl Platt {
    /// The identity calibration (`σ(margin)`).
    pub const IDENTITY: Platt = Platt { a: 1.0, b: 0.0 };

    /// Calibrated probability of a margin.
    pub fn apply(&self, margin: f32) -> f32 {
        sigmoid(self.a * margin + self.b)
    }

    /// Fits on held-out `(margin, target)` pairs.
    pub fn fit(margins: &[f32], targets: &[f32]) -> Platt {
        let pos = targets.iter().filter(|&&t| t > 0.5).count() as f64;
        let neg = targets.len() as f64 - pos;
        let hi = (pos + 1.0) / (pos + 2.0);
        let lo = 1.0 / (neg + 2.0);
        let t: Vec<f64> = targets
            .iter()
            .map(|&y| if y > 0.5 { hi } else { lo })
            .collect();
        let (mut a, mut b) = (1.0f64, 0.0f64);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
            for (&m, &y) in margins.iter().zip(&t) {
                let m = m as f64;
                let p = 1.0 / (1.0 + (-(a * m + b)).exp());
                let d = p - y;
                ga += d * m;
                gb += d;
                let w = (p * (1.0 - p)).max(1e-12);
                haa += w * m * m;
                hab += w * m;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-18 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if da.abs() < 1e-9 && db.abs() < 1e-9 {
                break;
            }
        }
        Platt {
            a: a as f32,
            b: b as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(u32, f32)]) -> Sparse {
        Sparse {
            idx: pairs.iter().map(|p| p.0).collect(),
            val: pairs.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn learns_a_separable_feature_and_is_deterministic() {
        let rows: Vec<Sparse> = (0..40)
            .map(|i| row(&[((i % 2) as u32, 1.0), (2 + (i % 5) as u32, 0.5)]))
            .collect();
        let targets: Vec<f32> = (0..40).map(|i| (i % 2) as f32).collect();
        let refs: Vec<&Sparse> = rows.iter().collect();
        let cfg = TrainConfig::default();
        let m = Logistic::train(&refs, &targets, 8, &cfg);
        assert!(m.weights[1] > 1.0 && m.weights[0] < -1.0, "{:?}", m.weights);
        assert!(m.log_loss(&refs, &targets) < 0.2);
        assert_eq!(m, Logistic::train(&refs, &targets, 8, &cfg));
    }

    #[test]
    fn platt_recovers_a_scale() {
        // Margins twice as confident as the truth: Platt should halve them.
        let mut margins = Vec::new();
        let mut targets = Vec::new();
        for i in 0..2000 {
            let true_z = (i as f32 / 2000.0) * 8.0 - 4.0;
            let p = sigmoid(true_z);
            // Deterministic "sampling": a fraction p of a small block is positive.
            let y = if ((i * 7919) % 1000) as f32 / 1000.0 < p {
                1.0
            } else {
                0.0
            };
            margins.push(2.0 * true_z);
            targets.push(y);
        }
        let c = Platt::fit(&margins, &targets);
        assert!((c.a - 0.5).abs() < 0.1, "{c:?}");
        assert!(c.b.abs() < 0.2, "{c:?}");
    }
}
