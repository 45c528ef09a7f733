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
            "Credibility penalty (d) vs ad probability",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0f32..1.0, -0.5f32..0.05)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("calibrated ad probability")
        .y_desc("change in credibility (d)")
        .draw()
        .map_err(|e| err(&e))?;
    let plain = vec![signal(SignalKind::Offer)];
    let balanced = vec![
        signal(SignalKind::Offer),
        signal(SignalKind::Balance),
        signal(SignalKind::Experience),
    ];
    let xs: Vec<f32> = (0..=50).map(|i| i as f32 / 50.0).collect();
    let series: [(&str, &Vec<Signal>, bool, RGBColor); 4] = [
        (
            "one-sided, without link",
            &plain,
            false,
            RGBColor(214, 39, 40),
        ),
        (
            "one-sided, with link",
            &plain,
            true,
            RGBColor(255, 152, 150),
        ),
        (
            "balanced + experience, without link",
            &balanced,
            false,
            RGBColor(31, 119, 180),
        ),
        (
            "balanced + experience, with link",
            &balanced,
            true,
            RGBColor(174, 199, 232),
        ),
    ];
    for (name, sigs, link, colour) in series {
        let pts: Vec<(f32, f32)> = xs
            .iter()
            .map(|&p| {
                let e = model.estimate(p, sigs, link);
                let y = if link {
                    e.credibility_delta.estimate
                } else {
                    e.credibility_delta.estimate + e.link_cost.estimate
                };
                (p, y)
            })
            .collect();
        chart
            .draw_series(LineSeries::new(pts, colour.stroke_width(3)))
            .map_err(|e| err(&e))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::LowerLeft)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
