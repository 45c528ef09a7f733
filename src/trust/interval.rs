//! [`Interval`]: an estimate with its ~80 % range, and the arithmetic that
//! propagates the priors' ranges (deterministic; no sampling).

use serde::{Deserialize, Serialize};

use super::priors::Prior;

/// An estimate with its ~80 % range: `low <= estimate <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Central estimate.
    pub estimate: f32,
    /// Lower end.
    pub low: f32,
    /// Upper end.
    pub high: f32,
}

impl Interval {
    /// A number known exactly.
    pub(super) fn point(x: f32) -> Interval {
        Interval {
            estimate: x,
            low: x,
            high: x,
        }
    }

    /// A prior's value and range.
    pub(super) fn of(p: &Prior) -> Interval {
        Interval {
            estimate: p.value,
            low: p.low,
            high: p.high,
        }
    }

    /// The product, each end taken over the four corners: exact bounds for a
    /// product of independent ranges, whatever their signs. The central estimate is
    /// the product of the central estimates, which lies between the bounds.
    pub(super) fn times(self, o: Interval) -> Interval {
        let corners = [
            self.low * o.low,
            self.low * o.high,
            self.high * o.low,
            self.high * o.high,
        ];
        Interval {
            estimate: self.estimate * o.estimate,
            low: corners.iter().copied().fold(f32::INFINITY, f32::min),
            high: corners.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        }
    }

    /// `1 - x`.
    pub(super) fn complement(self) -> Interval {
        Interval {
            estimate: 1.0 - self.estimate,
            low: 1.0 - self.high,
            high: 1.0 - self.low,
        }
    }

    /// `-x`.
    pub(super) fn neg(self) -> Interval {
        Interval {
            estimate: -self.estimate,
            low: -self.high,
            high: -self.low,
        }
    }

    /// Applies a non-decreasing function to every end.
    pub(super) fn map(self, f: impl Fn(f32) -> f32) -> Interval {
        Interval {
            estimate: f(self.estimate),
            low: f(self.low),
            high: f(self.high),
        }
    }

    /// Rounded to three decimals (monotone, so the order of the ends is kept):
    /// the priors do not support more precision.
    pub(super) fn rounded(self) -> Interval {
        self.map(round3)
    }
}

/// Rounds to three decimals, mapping -0 to 0.
pub(super) fn round3(x: f32) -> f32 {
    let r = (x * 1000.0).round() / 1000.0;
    if r == 0.0 { 0.0 } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv() -> impl Strategy<Value = Interval> {
        (-2.0f32..2.0, -2.0f32..2.0, -2.0f32..2.0).prop_map(|(a, b, c)| {
            let mut v = [a, b, c];
            v.sort_by(f32::total_cmp);
            Interval {
                low: v[0],
                estimate: v[1],
                high: v[2],
            }
        })
    }

    fn ordered(i: Interval) -> bool {
        i.low <= i.estimate + 1e-5 && i.estimate <= i.high + 1e-5
    }

    proptest! {
        #[test]
        fn arithmetic_keeps_the_estimate_inside(a in iv(), b in iv()) {
            prop_assert!(ordered(a.times(b)));
            prop_assert!(ordered(a.complement()));
            prop_assert!(ordered(a.neg()));
            prop_assert!(ordered(a.rounded()));
        }
    }

    #[test]
    fn product_of_signed_ranges_uses_the_corners() {
        let r = Interval {
            estimate: 0.5,
            low: 0.2,
            high: 1.0,
        };
        let x = Interval {
            estimate: 0.0,
            low: -0.1,
            high: 0.05,
        };
        let p = r.times(x);
        assert_eq!((p.low, p.estimate, p.high), (-0.1, 0.0, 0.05));
    }
}
