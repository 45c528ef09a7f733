//! The hashed part of a note's features: each bucket once, in ascending order,
//! with the same presence value.

use super::{HASH_BITS, N_HASHED};

/// The value of every hashed feature of a note with `unique` distinct buckets:
/// presence, not counts (repeating a phrase, or pasting the note twice, does
/// not make a note more or less of an ad), L2-normalised.
pub(super) fn presence_value(unique: usize) -> f32 {
    1.0 / (unique as f32).sqrt().max(1e-6)
}

/// Each bucket once, ascending, with its [`presence_value`].
pub(super) fn merge_grams(mut buckets: Vec<u32>) -> Vec<(u32, f32)> {
    sort_buckets(&mut buckets);
    buckets.dedup();
    let value = presence_value(buckets.len());
    buckets.into_iter().map(|b| (b, value)).collect()
}

/// Bits of a bucket sorted per pass of [`sort_buckets`].
const RADIX_BITS: u32 = 7;

/// Passes of [`sort_buckets`]: enough to cover [`HASH_BITS`].
const RADIX_PASSES: u32 = HASH_BITS.div_ceil(RADIX_BITS);

/// Sorts hashed buckets (each below [`N_HASHED`]) ascending. A note brings a few
/// hundred to a few thousand of them, and a comparison sort of those was about a
/// quarter of feature extraction (callgrind); counting passes over
/// [`RADIX_BITS`] bits at a time do the same in fewer instructions, with counts
/// small enough to clear cheaply for every note. Short lists go to the standard
/// sort.
fn sort_buckets(buckets: &mut Vec<u32>) {
    const SHORT: usize = 64;
    const RADIX: usize = 1 << RADIX_BITS;
    if buckets.len() <= SHORT {
        buckets.sort_unstable();
        return;
    }
    debug_assert!(buckets.iter().all(|&b| (b as usize) < N_HASHED));
    let mut from = std::mem::take(buckets);
    let mut to = vec![0u32; from.len()];
    for pass in 0..RADIX_PASSES {
        let shift = pass * RADIX_BITS;
        let digit = |b: u32| ((b >> shift) as usize) & (RADIX - 1);
        let mut start = [0u32; RADIX];
        for &b in &from {
            start[digit(b)] += 1;
        }
        let mut sum = 0;
        for s in start.iter_mut() {
            (*s, sum) = (sum, sum + *s);
        }
        for &b in &from {
            let d = digit(b);
            to[start[d] as usize] = b;
            start[d] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    *buckets = from;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_sort_as_the_standard_sort_does() {
        // A fixed pseudo-random sequence (an LCG), lengths on both sides of the
        // short-list cut-off, with repeats.
        let mut x = 12345u32;
        for len in [0, 1, 5, 64, 65, 300, 2_000] {
            let mut b: Vec<u32> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    if i % 7 == 3 {
                        17
                    } else {
                        x >> (32 - HASH_BITS)
                    }
                })
                .collect();
            let mut want = b.clone();
            want.sort_unstable();
            sort_buckets(&mut b);
            assert_eq!(b, want, "{len}");
        }
        let mut edges = vec![
            N_HASHED as u32 - 1,
            0,
            1 << RADIX_BITS,
            (1 << RADIX_BITS) - 1,
            1 << 14,
        ];
        edges.extend((0..100).rev());
        let mut want = edges.clone();
        want.sort_unstable();
        sort_buckets(&mut edges);
        assert_eq!(edges, want);
    }
}
