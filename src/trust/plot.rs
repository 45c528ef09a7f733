//! `docs/trust-penalty.svg`: penalty versus ad probability, with and without a
//! link, for a plain note and for a balanced first-person note.

use std::path::Path;

use plotters::prelude::*;

use super::{TrustError, TrustModel};
use crate::signals::{Signal, SignalKind};

fn signal(kind: SignalKind) -> Signal {
    Signal {
        kind,
        start: 0,
        end: 0,
        text: String::new(),
        weight: 0.0,
        explanation: String::new(),
        rule: None,
        strength: None,
    }
}

/// Draws the plot into `path`.
pub fn plot_svg(model: &TrustModel, path: &Path) -> Result<(), TrustError> {
    let err = |e: &dyn std::fmt::Display| TrustError::Plot(e.to_string());
    let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Credibility loss (-d) vs ad probability: without a link (thin) and with one (thick)",
            ("sans-serif", 16),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0f32..1.0, 0.0f32..0.5)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("calibrated ad probability")
        .y_desc("credibility loss (-d)")
        .draw()
        .map_err(|e| err(&e))?;
    let soft = vec![signal(SignalKind::SellingScript)];
    let overt = vec![signal(SignalKind::Offer), signal(SignalKind::CallToAction)];
    let balanced = vec![signal(SignalKind::Balance), signal(SignalKind::Experience)];
    let xs: Vec<f32> = (0..=50).map(|i| i as f32 / 50.0).collect();
    let kinds: [(&str, &Vec<Signal>, RGBColor); 3] = [
        ("one-sided, no overt cues", &soft, RGBColor(214, 39, 40)),
        (
            "overt selling (coupon, CTA)",
            &overt,
            RGBColor(255, 127, 14),
        ),
        ("balanced first-person", &balanced, RGBColor(31, 119, 180)),
    ];
    for (name, sigs, colour) in kinds {
        for link in [false, true] {
            let pts: Vec<(f32, f32)> = xs
                .iter()
                .map(|&p| {
                    let e = model.estimate(p, sigs, true);
                    let with = -e.credibility_delta.estimate;
                    (
                        p,
                        if link {
                            with
                        } else {
                            with - e.link_cost.estimate
                        },
                    )
                })
                .collect();
            let width = if link { 3 } else { 1 };
            let s = chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(width)))
                .map_err(|e| err(&e))?;
            if link {
                s.label(name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
                });
            }
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
