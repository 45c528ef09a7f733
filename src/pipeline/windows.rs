//! Long notes read by the encoder in overlapping windows: the note's encoder input,
//! the per-window scores (`segments`), and how they make the note's score.

use std::ops::Range;

use serde::Serialize;

use crate::model::features::{Sparse, extract};
use crate::model::logistic::Logistic;
use crate::model::manifest::EnsembleInfo;
use crate::signals;

/// One window of a note and its embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowEmbedding {
    /// Char range of the window in the note text.
    pub chars: Range<usize>,
    /// The window's unit-length embedding.
    pub embedding: Vec<f32>,
}

/// What the encoder made of a note: one window for a note that fits the encoder,
/// several overlapping ones for a long note.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The windows in text order (never empty).
    pub windows: Vec<WindowEmbedding>,
}

impl Encoded {
    /// A note read whole, in one window of `n_chars` chars.
    pub fn whole(n_chars: usize, embedding: Vec<f32>) -> Encoded {
        Encoded {
            windows: vec![WindowEmbedding {
                chars: 0..n_chars,
                embedding,
            }],
        }
    }

    /// The note's embedding: its only window's, or the normalised mean of the
    /// windows' (for nearest examples and the `mean` pooling).
    pub fn pooled(&self) -> Vec<f32> {
        if let [one] = self.windows.as_slice() {
            return one.embedding.clone();
        }
        let dim = self.windows[0].embedding.len();
        let mut mean = vec![0f32; dim];
        for w in &self.windows {
            for (m, x) in mean.iter_mut().zip(&w.embedding) {
                *m += x;
            }
        }
        let norm = mean
            .iter()
            .map(|x| x * x)
            .sum::<f32>()
            .sqrt()
            .max(f32::EPSILON);
        mean.iter_mut().for_each(|m| *m /= norm);
        mean
    }
}

/// One window of a long note with its own ad probability: where in the note the
/// promotional part is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// First char of the window (inclusive).
    pub start: usize,
    /// Last char of the window (exclusive).
    pub end: usize,
    /// The ensemble's calibrated probability for the window read on its own.
    pub ad_probability: f32,
}

/// How the windows of a long note make its encoder-side score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooling {
    /// The first window only (what truncating at 512 tokens gives).
    First,
    /// The encoder head on the normalised mean of the window embeddings.
    Mean,
    /// The highest window head margin, with the whole-note linear margin.
    MaxHead,
    /// The most ad-like window's probability, each window scored on its own by
    /// the linear model and the head together (windows are note-sized, the length
    /// the models were trained on; the linear model's whole-note counts are not
    /// length-free and drift toward "ad" on posts of thousands of characters).
    #[default]
    MaxWindow,
}

/// The models a window is scored with.
pub(crate) struct WindowModels<'a> {
    pub linear: &'a Logistic,
    pub head: &'a Logistic,
    pub ensemble: &'a EnsembleInfo,
}

/// The encoder side of a note's score.
pub(crate) struct EncoderSide {
    /// Margin of the encoder head for the note.
    pub head_margin: f32,
    /// Most ad-like window's ensemble probability, for `MaxWindow`: the note's
    /// ensemble probability when set.
    pub window_max: Option<f32>,
    /// Per-window scores for a note of more than one window.
    pub segments: Vec<Segment>,
}

impl WindowModels<'_> {
    fn ensemble_p(&self, linear_margin: f32, head_margin: f32) -> f32 {
        let w = &self.ensemble.weights;
        let z = w[0] * linear_margin + w[1] * head_margin + w[2];
        self.ensemble.calibrated.calibration.apply(z)
    }

    /// Scores each window of a long note (text analysed on its own with the same
    /// link setting) and pools them the `pooling` way.
    pub fn encoder_side(
        &self,
        text: &str,
        has_link: bool,
        enc: &Encoded,
        pooling: Pooling,
    ) -> EncoderSide {
        let head = |e: &[f32]| self.head.margin(&Sparse::from_dense(e));
        if let [one] = enc.windows.as_slice() {
            return EncoderSide {
                head_margin: head(&one.embedding),
                window_max: None,
                segments: Vec::new(),
            };
        }
        let chars: Vec<char> = text.chars().collect();
        let margins: Vec<f32> = enc.windows.iter().map(|w| head(&w.embedding)).collect();
        let segments: Vec<Segment> = enc
            .windows
            .iter()
            .zip(&margins)
            .map(|(w, &hm)| {
                let end = w.chars.end.min(chars.len());
                let start = w.chars.start.min(end);
                let part: String = chars[start..end].iter().collect();
                let a = signals::analyze(&part, has_link);
                Segment {
                    start,
                    end,
                    ad_probability: self.ensemble_p(self.linear.margin(&extract(&a)), hm),
                }
            })
            .collect();
        let head_margin = match pooling {
            Pooling::First => margins[0],
            Pooling::Mean | Pooling::MaxWindow => head(&enc.pooled()),
            Pooling::MaxHead => margins.iter().copied().fold(f32::MIN, f32::max),
        };
        let window_max = (pooling == Pooling::MaxWindow).then(|| {
            segments
                .iter()
                .map(|s| s.ad_probability)
                .fold(0.0, f32::max)
        });
        EncoderSide {
            head_margin,
            window_max,
            segments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_is_the_normalised_mean() {
        let e = Encoded {
            windows: vec![
                WindowEmbedding {
                    chars: 0..5,
                    embedding: vec![1.0, 0.0],
                },
                WindowEmbedding {
                    chars: 3..9,
                    embedding: vec![0.0, 1.0],
                },
            ],
        };
        let p = e.pooled();
        let h = std::f32::consts::FRAC_1_SQRT_2;
        assert!((p[0] - h).abs() < 1e-6 && (p[1] - h).abs() < 1e-6, "{p:?}");
        assert_eq!(Encoded::whole(4, vec![0.6, 0.8]).pooled(), vec![0.6, 0.8]);
    }
}
