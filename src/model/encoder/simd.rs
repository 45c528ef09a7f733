//! The kernels' loops compiled per instruction set: `pulp` picks AVX-512 or
//! AVX2 + FMA at run time (the build targets baseline x86-64, and the crate
//! forbids the `unsafe` that calling `#[target_feature]` code by hand needs),
//! with the arithmetic unchanged: the same operations in the same order.

use super::kernels::{exp, gelu};

/// Partial results kept side by side by [`reduce`].
const LANES: usize = 8;

/// Folds `v` with `f` in [`LANES`] independent lanes, then folds the lanes.
#[inline(always)]
fn reduce(v: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [init; LANES];
    let chunks = v.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l = f(*l, x);
        }
    }
    rest.iter()
        .fold(lanes.into_iter().fold(init, &f), |a, &x| f(a, x))
}

/// A loop body for [`vectorised`]; its `run` is `#[inline(always)]`, so it is
/// compiled into each of `pulp`'s per-ISA functions (a closure called from
/// several of them is not inlined, and stays baseline code).
pub trait Loop {
    /// What the loop returns.
    type Output;
    /// Runs the loop.
    fn run(self) -> Self::Output;
}

struct Dispatch<L>(L);

impl<L: Loop> pulp::WithSimd for Dispatch<L> {
    type Output = L::Output;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> L::Output {
        self.0.run()
    }
}

/// Runs `l` compiled for the widest vector instructions this CPU has (AVX2 and
/// FMA where present; `pulp` checks at run time), so the element-wise loops of
/// the kernels run 8 lanes wide instead of baseline x86-64's 4. The arithmetic
/// is the same either way: no reordering, no fused multiply-adds the source
/// does not ask for.
#[inline(always)]
pub fn vectorised<L: Loop>(l: L) -> L::Output {
    pulp::Arch::new().dispatch(Dispatch(l))
}

/// Exact-erf GELU over the values in place.
pub(super) struct GeluLoop<'a>(pub &'a mut [f32]);

impl Loop for GeluLoop<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        for x in self.0 {
            *x = gelu(*x);
        }
    }
}

/// Softmax rows of `keys` scores, row `first + i` (counted over the whole
/// tensor) taking the mask row of its batch entry (`rows_per_entry` rows each).
pub(crate) struct SoftmaxRows<'a> {
    /// The rows, back to back.
    pub rows: &'a mut [f32],
    /// Scores per row.
    pub keys: usize,
    /// The mask rows, one per batch entry.
    pub mask: &'a [f32],
    /// Index of the first row.
    pub first: usize,
    /// Rows per batch entry.
    pub rows_per_entry: usize,
}

impl Loop for SoftmaxRows<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let keys = self.keys;
        for (i, d) in self.rows.chunks_mut(keys).enumerate() {
            let entry = (self.first + i) / self.rows_per_entry;
            softmax_row(d, &self.mask[entry * keys..][..keys]);
        }
    }
}

/// One row: softmax(row + mask).
#[inline(always)]
fn softmax_row(d: &mut [f32], m: &[f32]) {
    // Separate simple loops, each of which the compiler vectorises; the
    // reductions keep LANES partial results.
    for (d, &m) in d.iter_mut().zip(m) {
        *d += m;
    }
    let max = reduce(d, f32::NEG_INFINITY, f32::max);
    for d in d.iter_mut() {
        *d = exp(*d - max);
    }
    let inv = 1.0 / reduce(d, 0.0, |a, b| a + b);
    for d in d.iter_mut() {
        *d *= inv;
    }
}
