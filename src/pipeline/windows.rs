//! Long notes read in overlapping windows: the note's encoder input, how the
//! linear model read its own windows ([`LinearRead`]), the per-window scores
//! (`segments`), and how they make the note's score.

use std::ops::Range;

use serde::Serialize;

use crate::model::encoder::window::slices;
use crate::model::features::windows as linear_windows;
use crate::model::features::{Sparse, extract};
use crate::model::logistic::Logistic;
use crate::model::manifest::EnsembleInfo;
use crate::signals;

use super::Note;

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
/// promotional part is. The encoder's windows when it read the note in several;
/// else the linear model's windows of a note over 500 chars, each scored as the
/// note would be with that window's linear margin (and the note's head margin
/// when the encoder ran).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// First char of the window (inclusive).
    pub start: usize,
    /// Last char of the window (exclusive).
    pub end: usize,
    /// The calibrated probability of the window: the ensemble's, or the linear
    /// model's when the encoder did not run (a linear window with the encoder
    /// takes the note's head margin).
    pub ad_probability: f32,
}

/// How the windows of a long note make its encoder-side score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooling {
    /// The first window only (what truncating at 512 tokens gives).
    First,
    /// The encoder head on the normalised mean of the window embeddings.
    Mean,
    /// The highest window head margin, with the note's linear margin.
    MaxHead,
    /// The most ad-like window's stacked margin, each window scored on its own by
    /// the linear model and the head together (windows are note-sized, the length
    /// the models were trained on), less the length discount of
    /// [`linear_windows::discount`] for the note.
    #[default]
    MaxWindow,
}

/// How the linear model read a note: for a note longer than one linear window
/// ([`linear_windows::WINDOW_CHARS`] chars), each window's char range and margin,
/// which window is the most ad-like, and the note's margin (that window's less
/// the length [`linear_windows::discount`]).
pub(crate) struct LinearRead {
    /// Char range and margin of each window; empty for a note of one window.
    pub windows: Vec<(Range<usize>, f32)>,
    /// Index of the window with the highest margin.
    pub top: Option<usize>,
    /// The note's linear margin, for a note of more than one window.
    pub margin: Option<f32>,
    /// The length discount in that margin.
    pub discount: f32,
}

impl LinearRead {
    /// Reads `text` in linear windows with `model`.
    pub fn of(model: &Logistic, text: &str) -> LinearRead {
        let windows: Vec<(Range<usize>, f32)> = linear_windows::windows(text)
            .into_iter()
            .map(|(r, x)| (r, model.margin(&x)))
            .collect();
        let n_chars = text.chars().count();
        let (m, top) = linear_windows::pooled_margin(0.0, &windows, n_chars, |m| *m);
        LinearRead {
            windows,
            top,
            margin: top.map(|_| m),
            discount: linear_windows::discount(n_chars),
        }
    }
}

/// The linear margin of a text: the whole text's, or its most ad-like linear
/// window's when it is longer than one.
fn linear_margin(model: &Logistic, text: &str) -> f32 {
    LinearRead::of(model, text)
        .margin
        .unwrap_or_else(|| model.margin(&extract(&signals::analyze(text, false))))
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
    /// Most ad-like window's ensemble probability less the length discount, for
    /// `MaxWindow`: the note's ensemble probability when set.
    pub window_max: Option<f32>,
    /// Per-window scores for a note of more than one window.
    pub segments: Vec<Segment>,
}

impl WindowModels<'_> {
    fn ensemble_z(&self, linear_margin: f32, head_margin: f32) -> f32 {
        let w = &self.ensemble.weights;
        w[0] * linear_margin + w[1] * head_margin + w[2]
    }

    /// Scores each window of a long note (its text read on its own by the linear
    /// model, as any text is) and pools them the `pooling` way.
    pub fn encoder_side(&self, text: &str, enc: &Encoded, pooling: Pooling) -> EncoderSide {
        let head = |e: &[f32]| self.head.margin(&Sparse::from_dense(e));
        if let [one] = enc.windows.as_slice() {
            return EncoderSide {
                head_margin: head(&one.embedding),
                window_max: None,
                segments: Vec::new(),
            };
        }
        let margins: Vec<f32> = enc.windows.iter().map(|w| head(&w.embedding)).collect();
        let cal = self.ensemble.calibrated.calibration;
        let mut top_z = f32::MIN;
        let ranges: Vec<Range<usize>> = enc.windows.iter().map(|w| w.chars.clone()).collect();
        let parts = slices(text, &ranges);
        let segments: Vec<Segment> = (enc.windows.iter().zip(&margins).zip(parts))
            .map(|((w, &hm), part)| {
                let end = w.chars.start + part.chars().count();
                let z = self.ensemble_z(linear_margin(self.linear, part), hm);
                top_z = top_z.max(z);
                Segment {
                    start: w.chars.start.min(end),
                    end,
                    ad_probability: cal.apply(z),
                }
            })
            .collect();
        let head_margin = match pooling {
            Pooling::First => margins[0],
            Pooling::Mean | Pooling::MaxWindow => head(&enc.pooled()),
            Pooling::MaxHead => margins.iter().copied().fold(f32::MIN, f32::max),
        };
        // The most ad-like window, discounted for how many it was chosen from
        // (as the linear model's own windows are).
        let n_chars = text.chars().count();
        let window_max = (pooling == Pooling::MaxWindow)
            .then(|| cal.apply(top_z - linear_windows::discount(n_chars)));
        EncoderSide {
            head_margin,
            window_max,
            segments,
        }
    }
}

/// Each note's window char ranges.
pub(crate) type WindowPlan = Vec<Vec<std::ops::Range<usize>>>;

/// The texts the encoder reads for `notes` (each note's windows, in order; a note
/// that fits is its own text, so its cached embedding is reused) and, per note,
/// its window char ranges.
pub(crate) fn window_texts(
    encoder: &crate::model::encoder::Encoder,
    notes: &[Note],
) -> Result<(Vec<String>, WindowPlan), crate::model::encoder::EncoderError> {
    let mut texts = Vec::with_capacity(notes.len());
    let mut plan = Vec::with_capacity(notes.len());
    for n in notes {
        let text = crate::model::encoder::encoder_text(&n.text);
        let windows = encoder.windows(&text)?;
        if windows.len() == 1 {
            texts.push(text);
        } else {
            texts.extend(slices(&text, &windows).into_iter().map(str::to_owned));
        }
        plan.push(windows);
    }
    Ok((texts, plan))
}

/// Gives each note its windows' embeddings back (the inverse of [`window_texts`]).
pub(crate) fn regroup(plan: WindowPlan, embs: Vec<Vec<f32>>) -> Vec<Encoded> {
    let mut embs = embs.into_iter();
    plan.into_iter()
        .map(|windows| Encoded {
            windows: windows
                .into_iter()
                .zip(embs.by_ref())
                .map(|(chars, embedding)| WindowEmbedding { chars, embedding })
                .collect(),
        })
        .collect()
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
