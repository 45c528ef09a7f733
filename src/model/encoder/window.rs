//! Overlapping windows over a long note, so the encoder reads all of it.
//!
//! A note that fits the encoder (at most [`WINDOW_TOKENS`] tokens of text) is one
//! window: itself. A longer one is cut into windows of at most [`WINDOW_TOKENS`]
//! tokens that start every [`WINDOW_STRIDE`] tokens. The stride is half a window:
//! any passage of up to [`WINDOW_STRIDE`] tokens (about 250 Chinese characters,
//! longer than the promotional paragraphs we have seen pasted into stories) lies
//! whole inside at least one window, at the cost of reading the note about twice.
//! Window ends move back to the last sentence end (`。！？!?` or a line break) in
//! their final quarter, so a segment reads as whole sentences where the text has
//! any; transcripts without punctuation are cut on token boundaries.

use std::ops::Range;

/// Most text tokens in one window: 512 positions less `<s>`, `</s>`, the
/// `passage: ` prefix and a few tokens of slack for how a cut re-tokenises.
pub const WINDOW_TOKENS: usize = 500;

/// Tokens between the starts of neighbouring windows (half a window).
pub const WINDOW_STRIDE: usize = 250;

/// The text of each char range of `text` (the windows [`super::Encoder::windows`]
/// plans), as slices of it.
pub fn slices<'a>(text: &'a str, ranges: &[Range<usize>]) -> Vec<&'a str> {
    let starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let byte = |c: usize| starts.get(c).copied().unwrap_or(text.len());
    ranges
        .iter()
        .map(|r| &text[byte(r.start)..byte(r.end)])
        .collect()
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '\n' | '…')
}

/// Char ranges of the windows of a text of `n_chars` chars whose tokens cover the
/// char ranges `offsets` (in order, as the tokenizer gives them), cutting every
/// `window` tokens with a `stride`. One window `0..n_chars` when the tokens fit.
pub fn plan(
    chars: &[char],
    offsets: &[(usize, usize)],
    window: usize,
    stride: usize,
) -> Vec<Range<usize>> {
    let n_chars = chars.len();
    let n = offsets.len();
    if n <= window || stride == 0 || window == 0 {
        let whole = 0..n_chars;
        return vec![whole];
    }
    let mut out = Vec::new();
    let mut first = 0usize;
    loop {
        let last = (first + window).min(n);
        let start = if first == 0 { 0 } else { offsets[first].0 };
        let mut end = if last == n { n_chars } else { offsets[last].0 };
        if last < n {
            // Move back to the last sentence end in the window's final quarter.
            let floor = offsets[first + window * 3 / 4].0.max(start + 1);
            if let Some(p) = (floor..end).rev().find(|&p| is_sentence_end(chars[p - 1])) {
                end = p;
            }
        }
        out.push(start..end.max(start + 1).min(n_chars));
        if last == n {
            break;
        }
        first += stride;
        // Start the next window on a token that begins after a sentence end when
        // one is near, so segments read as whole sentences.
        let near = (first + stride / 4).min(n - 1);
        if let Some(t) =
            (first..near).find(|&t| offsets[t].0 > 0 && is_sentence_end(chars[offsets[t].0 - 1]))
        {
            first = t;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One token per char, as for plain Chinese text.
    fn per_char(s: &str) -> (Vec<char>, Vec<(usize, usize)>) {
        let chars: Vec<char> = s.chars().collect();
        let offsets = (0..chars.len()).map(|i| (i, i + 1)).collect();
        (chars, offsets)
    }

    #[test]
    fn a_short_text_is_one_window() {
        let (c, o) = per_char("今天天气很好。");
        assert_eq!(plan(&c, &o, 10, 5), vec![0..7]);
    }

    #[test]
    fn windows_overlap_cover_everything_and_respect_the_size() {
        let text: String = "甲乙丙丁戊己庚辛".repeat(30); // 240 chars, no punctuation
        let (c, o) = per_char(&text);
        let w = plan(&c, &o, 50, 25);
        assert_eq!(w.first().unwrap().start, 0);
        assert_eq!(w.last().unwrap().end, 240);
        for pair in w.windows(2) {
            assert!(pair[1].start < pair[0].end, "{pair:?} must overlap");
            assert!(pair[1].start > pair[0].start);
        }
        assert!(w.iter().all(|r| r.len() <= 50));
        // Any run of up to `stride` chars lies whole in some window.
        for s in 0..=(240 - 25) {
            assert!(w.iter().any(|r| r.start <= s && s + 25 <= r.end), "{s}");
        }
    }

    #[test]
    fn cuts_move_to_sentence_ends() {
        let sentence = "这是一个九个字的句。"; // 10 chars
        let text = sentence.repeat(20);
        let (c, o) = per_char(&text);
        let w = plan(&c, &o, 45, 20);
        for r in &w[..w.len() - 1] {
            assert_eq!(c[r.end - 1], '。', "{r:?}");
        }
        for r in &w[1..] {
            assert_eq!(c[r.start - 1], '。', "{r:?}");
        }
    }

    #[test]
    fn slices_cut_by_chars_not_bytes() {
        let text = "小红书😊ab笔记";
        assert_eq!(
            slices(text, &[0..3, 3..6, 6..8]),
            ["小红书", "😊ab", "笔记"]
        );
        let whole = std::iter::once(0..8).collect::<Vec<_>>();
        assert_eq!(slices(text, &whole), [text]);
    }
}
