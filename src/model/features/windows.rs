//! Long notes read by the linear model in note-sized windows.
//!
//! The hashed n-grams of a note are L2-normalised (each present bucket weighs
//! 1/√n), so the n-gram part of the margin is the sum of the weights present over
//! √n: when the weights a text brings average above zero, the sum grows with √n,
//! and a post of thousands of characters reads as an ad for its length alone.
//! Measured on long posts assembled from real organic dev notes
//! (`cargo run --release --example long_pool -- models dev`), the whole-note
//! margin flagged 10 % of 1,000-char posts, 24 % of 2,000 and 44 % of 4,000.
//!
//! So a note longer than [`WINDOW_CHARS`] is also read as windows of that many
//! chars starting every [`STRIDE_CHARS`] (the encoder's plan, one char per token,
//! cuts moved to sentence ends; the last window reaches back a full window from
//! the end, so no window is a short tail), each analysed as a note of its own,
//! and the linear margin is the most ad-like window's, less a discount for how
//! many windows it was chosen from ([`discount`]). Windows are the size of the
//! notes the model was trained on.

use std::ops::Range;

use super::{Sparse, extract};
use crate::model::encoder::window::{plan, slices};
use crate::signals;

/// Most chars in one window: longer than 95 % of the real training notes, and the
/// encoder's window (500 tokens).
pub const WINDOW_CHARS: usize = 500;

/// Chars between the starts of neighbouring windows (half a window).
pub const STRIDE_CHARS: usize = 250;

/// Margin taken off the most ad-like window per unit of ln(chars / [`WINDOW_CHARS`]).
///
/// The maximum of many windows is higher than one window's by chance: a long
/// organic post is as likely as a note to hold a passage that reads ad-like, once
/// per window. Measured on posts assembled from the real dev notes, each organic
/// and with a real dev ad pasted into its middle (`cargo run --release --example
/// long_pool -- models dev`, linear model): with no discount, 6.5 % of the
/// 1,000-char organic posts, 10.5 % of the 2,000, 12.5 % of the 4,000 and 2 of 6
/// of the 8,000 were flagged (2 % of notes are); with 0.25, 2.6 %, 0 %, 12.5 %
/// and 1 of 6, at the cost of some ads: of the split's real ads and the posts
/// with an ad together, 45 % were caught with no discount and 39 % with 0.25.
/// 0.5 flagged one long organic post of 137 but caught 30 %, and over the real
/// notes and the posts together ranked worse (ROC-AUC 0.870 with none, 0.854
/// with 0.25, 0.836 with 0.5): 0.25 divides the top window's odds by the fourth
/// root of the number of window lengths in the note.
pub const LENGTH_DISCOUNT: f32 = 0.25;

/// The discount for a text of `n_chars` chars: 0 up to one window, then
/// [`LENGTH_DISCOUNT`] × ln(n_chars / [`WINDOW_CHARS`]).
pub fn discount(n_chars: usize) -> f32 {
    LENGTH_DISCOUNT * (n_chars as f32 / WINDOW_CHARS as f32).max(1.0).ln()
}

/// Char ranges of the windows of `text`: the single range `0..n` for a text of
/// at most [`WINDOW_CHARS`] chars. The last window of a longer text is a full
/// window ending at the text's end: a tail of a few sentences has few n-grams,
/// each weighing more after the normalisation, and would make the maximum
/// noisy (a 501-char note would be read as its first 500 chars and a 251-char
/// tail).
pub fn ranges(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<char> = text.chars().collect();
    let offsets: Vec<(usize, usize)> = (0..chars.len()).map(|i| (i, i + 1)).collect();
    let mut ranges = plan(&chars, &offsets, WINDOW_CHARS, STRIDE_CHARS);
    if let [.., last] = ranges.as_mut_slice() {
        last.start = last.start.min(chars.len().saturating_sub(WINDOW_CHARS));
    }
    ranges
}

/// The windows of a note: each one's char range and features.
pub type Windows = Vec<(Range<usize>, Sparse)>;

/// The windows of a long note with the features of each, analysed on its own;
/// empty for a note of one window (its whole-note features are its window's).
pub fn windows(text: &str) -> Windows {
    if text.chars().nth(WINDOW_CHARS).is_none() {
        return Vec::new();
    }
    let ranges = ranges(text);
    if ranges.len() < 2 {
        return Vec::new();
    }
    let parts = slices(text, &ranges);
    (ranges.into_iter().zip(parts))
        .map(|(r, part)| (r, extract(&signals::analyze(part, false))))
        .collect()
}

/// The linear margin of a note of `n_chars` chars: `whole` for a note of one
/// window, else the highest of the windows' margins (`margin` of each window's
/// features) less the [`discount`], with the index of that window.
pub fn pooled_margin<T>(
    whole: f32,
    windows: &[(Range<usize>, T)],
    n_chars: usize,
    margin: impl Fn(&T) -> f32,
) -> (f32, Option<usize>) {
    let mut best = (whole, None);
    for (i, (_, x)) in windows.iter().enumerate() {
        let m = margin(x);
        if best.1.is_none() || m > best.0 {
            best = (m, Some(i));
        }
    }
    match best {
        (m, Some(i)) => (m - discount(n_chars), Some(i)),
        none => none,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_of_one_window_keeps_its_whole_margin() {
        assert_eq!(ranges("今天去公园散步。"), vec![0..8]);
        assert!(windows("今天去公园散步。").is_empty());
        let text = "字".repeat(WINDOW_CHARS);
        assert_eq!(ranges(&text).len(), 1);
        assert_eq!(pooled_margin::<f32>(0.5, &[], 20, |_| 9.0), (0.5, None));
        assert_eq!(discount(WINDOW_CHARS), 0.0);
        assert_eq!(discount(10), 0.0);
    }

    #[test]
    fn every_window_of_a_long_note_is_a_full_one() {
        let text = "字".repeat(WINDOW_CHARS + 1);
        assert_eq!(ranges(&text), vec![0..WINDOW_CHARS, 1..WINDOW_CHARS + 1]);
        let sentence = "周末去湖边走了一圈，风很大。"; // 14 chars
        let text = sentence.repeat(80); // 1,120 chars
        let r = ranges(&text);
        assert_eq!(r.last().unwrap(), &(1_120 - WINDOW_CHARS..1_120));
        assert!(r.iter().all(|w| w.len() > WINDOW_CHARS * 3 / 4), "{r:?}");
    }

    #[test]
    fn a_long_note_is_covered_by_overlapping_windows_and_pools_their_maximum() {
        let sentence = "周末和朋友去湖边走了一圈，风很大但是很舒服。";
        let text = sentence.repeat(60); // 1,320 chars
        let w = windows(&text);
        assert!(w.len() >= 4, "{}", w.len());
        assert_eq!(w[0].0.start, 0);
        assert_eq!(w.last().unwrap().0.end, text.chars().count());
        for pair in w.windows(2) {
            assert!(pair[1].0.start < pair[0].0.end);
        }
        assert!(w.iter().all(|(r, _)| r.len() <= WINDOW_CHARS));
        // The pooled margin is the largest window margin less the discount,
        // whatever the whole's.
        let by_size = |x: &Sparse| x.idx.len() as f32;
        let n = text.chars().count();
        let (m, i) = pooled_margin(100.0, &w, n, by_size);
        let best = w.iter().map(|(_, x)| by_size(x)).fold(f32::MIN, f32::max);
        assert_eq!(m, best - discount(n));
        assert_eq!(by_size(&w[i.unwrap()].1), best);
        // Twice the length divides the top window's odds by 2^0.25 once more.
        let d = discount(4 * WINDOW_CHARS) - discount(2 * WINDOW_CHARS);
        assert!((d - LENGTH_DISCOUNT * 2f32.ln()).abs() < 1e-6);
    }
}
