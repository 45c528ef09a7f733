//! `adlens eval --report DIR`: ROC, PR and reliability plots (SVG, plotters), the
//! most confident mistakes as JSONL, and a self-contained HTML page that embeds it
//! all.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use super::{ModelEval, Predictions};
use crate::data::LabeledNote;
use crate::metrics::{pr_curve, reliability, roc_curve};

const COLOURS: [RGBColor; 4] = [
    RGBColor(120, 120, 120),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

type Curve = Vec<(f64, f64)>;

fn line_chart(
    path: &Path,
    title: &str,
    (xl, yl): (&str, &str),
    series: &[(String, Curve)],
    diagonal: bool,
) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (560, 460)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0f64..1.0, 0.0f64..1.0)?;
    chart.configure_mesh().x_desc(xl).y_desc(yl).draw()?;
    if diagonal {
        chart.draw_series(LineSeries::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            BLACK.mix(0.3),
        ))?;
    }
    for (i, (name, pts)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        if !diagonal {
            continue;
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Writes `roc.svg`, `pr.svg`, `reliability.svg`, `errors.jsonl` and `report.html`
/// into `dir`.
pub fn write(
    dir: &Path,
    notes: &[LabeledNote],
    preds: &[Predictions],
    evals: &[ModelEval],
    table: &str,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let y: Vec<bool> = notes.iter().map(|n| n.label.target() > 0.5).collect();
    let named = |f: &dyn Fn(&[f32], &[bool]) -> Curve| -> Vec<(String, Curve)> {
        preds
            .iter()
            .map(|p| (p.name.clone(), f(&p.p, &y)))
            .collect()
    };
    line_chart(
        &dir.join("roc.svg"),
        "ROC",
        ("false-positive rate", "true-positive rate"),
        &named(&roc_curve),
        true,
    )?;
    line_chart(
        &dir.join("pr.svg"),
        "Precision-recall",
        ("recall", "precision"),
        &named(&pr_curve),
        false,
    )?;
    line_chart(
        &dir.join("reliability.svg"),
        "Reliability (10 bins)",
        ("mean predicted probability", "observed share of ads"),
        &named(&|p, y| {
            reliability(p, y, 10)
                .iter()
                .map(|b| (b.mean_p, b.observed))
                .collect()
        }),
        true,
    )?;

    // The most confident mistakes of the headline model.
    let best = super::best(evals)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let mut errors = String::new();
    if let Some(pr) = preds.iter().find(|p| p.name == best) {
        let mut wrong: Vec<usize> = (0..notes.len())
            .filter(|&i| (pr.p[i] >= pr.threshold) != y[i])
            .collect();
        wrong.sort_by(|&a, &b| {
            let conf = |i: usize| (pr.p[i] - pr.threshold).abs();
            conf(b).total_cmp(&conf(a))
        });
        for &i in wrong.iter().take(50) {
            let n = &notes[i];
            let row = serde_json::json!({
                "id": n.id, "label": n.label, "subtype": n.subtype, "category": n.category,
                "model": best, "ad_probability": pr.p[i], "text": n.text,
            });
            errors.push_str(&row.to_string());
            errors.push('\n');
        }
    }
    std::fs::write(dir.join("errors.jsonl"), &errors)?;

    let mut html = String::from(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>adlens eval</title>\
         <style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}pre{background:#f6f6f6;padding:1em}\
         .plots{display:flex;flex-wrap:wrap;gap:1em}</style></head><body><h1>adlens eval</h1>",
    );
    let _ = write!(html, "<h2>Metrics</h2><pre>{}</pre>", escape(table));
    html.push_str("<h2>Plots</h2><div class=\"plots\">");
    for f in ["roc.svg", "pr.svg", "reliability.svg"] {
        html.push_str(&std::fs::read_to_string(dir.join(f))?);
    }
    html.push_str("</div><h2>Most confident mistakes</h2><ol>");
    for line in errors.lines().take(20) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let _ = write!(
            html,
            "<li><b>{}</b> gold {} p={:.3}: {}</li>",
            escape(v["subtype"].as_str().unwrap_or("")),
            escape(v["label"].as_str().unwrap_or("")),
            v["ad_probability"].as_f64().unwrap_or_default(),
            escape(
                &v["text"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect::<String>()
            )
        );
    }
    html.push_str("</ol></body></html>\n");
    std::fs::write(dir.join("report.html"), html)?;
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
