//! The worked example of `docs/trust-penalty.md`, computed by the model so the doc
//! cannot drift from the code (a test checks the doc holds the current output).

use std::fmt::Write as _;

use super::{Interval, Priors, TrustModel};
use crate::signals::{Signal, SignalKind};

/// One example note: its text, an assumed calibrated ad probability, and the
/// signals the detector reports for it (listed here so the example does not move
/// when the lexicon does).
struct Example {
    text: &'static str,
    ad_probability: f32,
    signals: Vec<Signal>,
}

fn signal(kind: SignalKind, text: &str) -> Signal {
    Signal {
        weight: 0.0,
        ..Signal::example(kind, text)
    }
}

fn examples() -> Vec<Example> {
    use SignalKind::*;
    vec![
        Example {
            text: "用了三周，这款面霜保湿不错，缺点是有点黏，冬天用刚好",
            ad_probability: 0.2,
            signals: vec![
                signal(Experience, "用了三周"),
                signal(Balance, "缺点是有点黏"),
            ],
        },
        Example {
            text: "这款精华真的是我用过最好的，谁用谁知道",
            ad_probability: 0.3,
            signals: vec![signal(AbsoluteClaim, "最好")],
        },
        Example {
            text: "姐妹们闭眼入！全网最低价，到手价99，快冲",
            ad_probability: 0.9,
            signals: vec![
                signal(CallToAction, "闭眼入"),
                signal(AbsoluteClaim, "全网最低价"),
                signal(Offer, "到手价"),
                signal(CallToAction, "冲"),
            ],
        },
        Example {
            text: "#广告 品牌方寄送。用了两周，吸收快，但味道偏重，敏感肌慎入",
            ad_probability: 0.9,
            signals: vec![
                signal(Disclosure, "#广告"),
                signal(Experience, "用了两周"),
                signal(Balance, "但味道偏重"),
            ],
        },
    ]
}

fn iv(i: Interval) -> String {
    format!("{:.3} [{:.3}, {:.3}]", i.estimate, i.low, i.high)
}

/// The worked example as Markdown: a table of four notes (recognition, credibility
/// change without and with a link, link cost, found-out risk) and the full JSON
/// estimate of the third one, with a link.
pub fn worked_example(model: &TrustModel) -> String {
    let mut out = String::from(
        "| note | ad prob. | signals | recognition now | credibility Δ, no link | credibility Δ, with link | link_cost | found_out_risk (no label) |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for ex in examples() {
        let without = model.estimate(ex.ad_probability, &ex.signals, false);
        let with = model.estimate(ex.ad_probability, &ex.signals, true);
        let kinds: Vec<&str> = ex.signals.iter().map(|s| s.kind.as_str()).collect();
        let _ = writeln!(
            out,
            "| {} | {:.1} | {} | {:.3} | {} | {} | {} | {} |",
            ex.text,
            ex.ad_probability,
            kinds.join(", "),
            with.recognition_now,
            iv(without.credibility_delta),
            iv(with.credibility_delta),
            iv(with.link_cost),
            iv(without.found_out_risk),
        );
    }
    let third = &examples()[2];
    let e = model.estimate(third.ad_probability, &third.signals, true);
    let json = serde_json::to_string_pretty(&e).unwrap_or_default();
    let _ = write!(
        out,
        "\nThe full estimate for the third note with a link (`has_link = true`):\n\n```json\n{json}\n```\n"
    );
    out
}

/// The priors as a Markdown table: key, value and range, whether approximate,
/// and each source (author, year: what was measured — the figure).
pub fn priors_table(priors: &Priors) -> String {
    let mut out = String::from(
        "| key | value [80 % range] | approx. | sources: author year — what was measured: figure |\n\
         |---|---|---|---|\n",
    );
    for (key, p) in priors.entries() {
        let sources: Vec<String> = p
            .sources
            .iter()
            .map(|s| {
                let year = s.year.map(|y| format!(" {y}")).unwrap_or_default();
                format!("{}{year} — {}: {}", s.author, s.measured, s.figure)
            })
            .collect();
        let _ = writeln!(
            out,
            "| `{key}` | {} [{}, {}] | {} | {} |",
            p.value,
            p.low,
            p.high,
            if p.approximate { "yes" } else { "no" },
            sources.join("<br>").replace('|', "\\|"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "docs/trust-penalty.md";
    const SVG: &str = "docs/trust-penalty.svg";

    /// The generated sections of the doc: marker name and content.
    fn sections(m: &TrustModel) -> [(&'static str, String); 2] {
        [
            ("priors-table", priors_table(m.priors())),
            ("worked-example", worked_example(m)),
        ]
    }

    fn markers(name: &str) -> (String, String) {
        (
            format!("<!-- {name}:start -->\n"),
            format!("<!-- {name}:end -->"),
        )
    }

    fn root() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn model() -> TrustModel {
        TrustModel::builtin().unwrap()
    }

    #[test]
    fn authentic_reading_notes_pay_more_for_the_link() {
        let m = model();
        let cost = |ex: &Example| m.estimate(ex.ad_probability, &ex.signals, true).link_cost;
        let ex = examples();
        // The unlabelled note that reads authentic pays more than the overt one
        // that readers already see as an ad; the labelled one pays nothing.
        assert!(cost(&ex[1]).estimate > cost(&ex[2]).estimate);
        assert_eq!(cost(&ex[3]).estimate, 0.0);
    }

    #[test]
    fn the_doc_holds_the_current_tables() {
        let doc = std::fs::read_to_string(root().join(DOC)).unwrap();
        for (name, text) in sections(&model()) {
            let (start, end) = markers(name);
            assert!(
                doc.contains(&format!("{start}{text}{end}")),
                "{DOC}: section {name} is out of date; regenerate with \
                 `cargo test --lib regenerate_docs -- --ignored`. Current output:\n{text}"
            );
        }
    }

    #[test]
    fn the_committed_svg_is_current() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("t.svg");
        super::super::plot_svg(&model(), &fresh).unwrap();
        let fresh = std::fs::read_to_string(fresh).unwrap();
        let committed = std::fs::read_to_string(root().join(SVG)).unwrap();
        assert!(
            fresh == committed,
            "{SVG} is out of date; regenerate with `adlens trust plot --out {SVG}` or \
             `cargo test --lib regenerate_docs -- --ignored`"
        );
    }

    /// Rewrites the worked example in the doc and the SVG plot.
    #[test]
    #[ignore = "writes docs/; run to regenerate them"]
    fn regenerate_docs() {
        let m = model();
        let path = root().join(DOC);
        let mut doc = std::fs::read_to_string(&path).unwrap();
        for (name, text) in sections(&m) {
            let (start, end) = markers(name);
            let (head, rest) = doc.split_once(&start).expect("start marker");
            let (_, tail) = rest.split_once(&end).expect("end marker");
            doc = format!("{head}{start}{text}{end}{tail}");
        }
        std::fs::write(&path, doc).unwrap();
        super::super::plot_svg(&m, &root().join(SVG)).unwrap();
    }
}
