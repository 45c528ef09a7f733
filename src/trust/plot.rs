//! `docs/trust-penalty.svg`: the credibility change versus ad probability without
//! and with a link (left), and the link cost with its ~80 % range (right), for a
//! neutral note, a balanced first-person note, a one-sided selling note and an
//! overtly selling one.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{TrustError, TrustModel};
use crate::signals::{Signal, SignalKind};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn signal(kind: SignalKind) -> Signal {
    Signal::example(kind, "")
}

/// The example notes: a name, their signals, a colour, and whether the right
/// panel shades their range.
fn notes() -> [(&'static str, Vec<Signal>, RGBColor, bool); 4] {
    [
        ("neutral (no cues)", vec![], RGBColor(90, 90, 90), true),
        (
            "balanced first-person",
            vec![signal(SignalKind::Balance), signal(SignalKind::Experience)],
            RGBColor(31, 119, 180),
            true,
        ),
        (
            "one-sided selling script",
            vec![signal(SignalKind::SellingScript)],
            RGBColor(214, 39, 40),
            false,
        ),
        (
            "overt selling (coupon, call to action)",
            vec![
                signal(SignalKind::SellingScript),
                signal(SignalKind::Offer),
                signal(SignalKind::CallToAction),
            ],
            RGBColor(255, 127, 14),
            false,
        ),
    ]
}

fn xs() -> Vec<f32> {
    (0..=50).map(|i| i as f32 / 50.0).collect()
}

fn plot_err(e: impl std::fmt::Display) -> TrustError {
    TrustError::Plot(e.to_string())
}

/// Draws the plot as SVG into `path` (`adlens trust plot --out PATH`).
pub fn plot_svg(model: &TrustModel, path: &Path) -> Result<(), TrustError> {
    let root = SVGBackend::new(path, (1040, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let root = root
        .titled(
            "What a purchase link costs in reader credibility (Cohen's d; built-in priors)",
            ("sans-serif", 18),
        )
        .map_err(plot_err)?;
    let (left, right) = root.split_horizontally(520);
    delta_panel(model, &left)?;
    cost_panel(model, &right)?;
    root.present().map_err(plot_err)
}

/// Left: credibility change without a link (dashed) and with one (solid).
fn delta_panel(model: &TrustModel, area: &Area) -> Result<(), TrustError> {
    let mut chart = ChartBuilder::on(area)
        .caption(
            "credibility change: no link (dashed), link (solid)",
            ("sans-serif", 14),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0f32..1.0, -0.55f32..0.0)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("calibrated ad probability")
        .y_desc("credibility change (d)")
        .draw()
        .map_err(plot_err)?;
    for (name, sigs, colour, _) in notes() {
        let curve = |link: bool| -> Vec<(f32, f32)> {
            xs().into_iter()
                .map(|p| (p, model.estimate(p, &sigs, link).credibility_delta.estimate))
                .collect()
        };
        chart
            .draw_series(DashedLineSeries::new(
                curve(false),
                6,
                4,
                colour.stroke_width(2),
            ))
            .map_err(plot_err)?;
        chart
            .draw_series(LineSeries::new(curve(true), colour.stroke_width(3)))
            .map_err(plot_err)?
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
        .map_err(plot_err)
}

/// Right: link cost (loss with the link minus loss without), shaded ~80 % range.
fn cost_panel(model: &TrustModel, area: &Area) -> Result<(), TrustError> {
    let mut chart = ChartBuilder::on(area)
        .caption(
            "link_cost: credibility lost to the link itself",
            ("sans-serif", 14),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0f32..1.0, 0.0f32..0.65)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("calibrated ad probability")
        .y_desc("link_cost (d)")
        .draw()
        .map_err(plot_err)?;
    for (name, sigs, colour, band) in notes() {
        let costs: Vec<(f32, f32, f32, f32)> = xs()
            .into_iter()
            .map(|p| {
                let c = model.estimate(p, &sigs, true).link_cost;
                (p, c.low, c.estimate, c.high)
            })
            .collect();
        if band {
            let mut outline: Vec<(f32, f32)> = costs.iter().map(|c| (c.0, c.3)).collect();
            outline.extend(costs.iter().rev().map(|c| (c.0, c.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    colour.mix(0.15).filled(),
                )))
                .map_err(plot_err)?;
        }
        chart
            .draw_series(LineSeries::new(
                costs.iter().map(|c| (c.0, c.2)),
                colour.stroke_width(3),
            ))
            .map_err(plot_err)?
            .label(if band {
                format!("{name} (shaded: 80 % range)")
            } else {
                name.to_owned()
            })
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(plot_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_is_an_svg_with_text_and_curves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.svg");
        plot_svg(&TrustModel::builtin().unwrap(), &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<text") && svg.contains("link_cost"));
        assert!(svg.contains("<polyline") && svg.contains("<polygon"));
    }

    #[test]
    fn an_unwritable_path_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/t.svg");
        let e = plot_svg(&TrustModel::builtin().unwrap(), &path);
        assert!(matches!(e, Err(TrustError::Plot(_))), "{e:?}");
    }
}
