//! Forest plots: one row per estimate, its interval as a bar, the estimate as a dot and the
//! simulator's true value as a diamond, against a zero line. Hand-written SVG for the reasons
//! in [`plot`](super::plot).

use std::fmt::Write;

use super::plot::{escape, label, ticks};
use super::{text, Report};

/// One estimate with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What is estimated, e.g. `item-cf · conversion`.
    pub label: String,
    /// The estimate.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// The true value, where the simulator computed it.
    pub truth: Option<f64>,
}

/// A forest plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Rows, top to bottom.
    pub rows: Vec<Row>,
}

/// Width of the plotting area; the labels' column comes on top, sized to the longest.
const PLOT: f64 = 540.0;
const RIGHT: f64 = 40.0;
/// A generous average glyph width of 12-pixel sans-serif text, so labels are never cut.
const GLYPH: f64 = 7.2;
const TOP: f64 = 70.0;
const ROW: f64 = 26.0;
const BOTTOM: f64 = 60.0;
/// Intervals that exclude zero are drawn dark, the others grey.
const SIGNIFICANT: &str = "#1f4e79";
const UNCLEAR: &str = "#9a9a9a";
const TRUTH: &str = "#d62728";

/// Renders a forest plot as a standalone SVG document.
pub fn svg(f: &Forest) -> String {
    let h = TOP + ROW * f.rows.len().max(1) as f64 + BOTTOM;
    let longest = f
        .rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    let left = (GLYPH * longest as f64 + 30.0).max(120.0);
    let width = (left + PLOT + RIGHT).max(760.0);
    let values = f
        .rows
        .iter()
        .flat_map(|r| [r.low, r.high, r.estimate].into_iter().chain(r.truth));
    let (mut x0, mut x1) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = 0.05 * (x1 - x0);
    (x0, x1) = (x0 - pad, x1 + pad);
    let px = |x: f64| left + (x.clamp(x0, x1) - x0) / (x1 - x0) * (width - left - RIGHT);
    let bottom = h - BOTTOM;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="{width}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="20" y="28" font-size="16" font-weight="bold">{}</text>"#,
        escape(&f.title)
    );
    // The key, since neither colour nor shape explains itself.
    let _ = writeln!(
        out,
        r##"<line x1="20" y1="48" x2="44" y2="48" stroke="{SIGNIFICANT}" stroke-width="3"/><circle cx="32" cy="48" r="4" fill="{SIGNIFICANT}"/><text x="50" y="52">estimate and interval (excludes 0)</text><line x1="270" y1="48" x2="294" y2="48" stroke="{UNCLEAR}" stroke-width="3"/><text x="300" y="52">interval includes 0</text><path d="M 460 43 L 465 48 L 460 53 L 455 48 Z" fill="{TRUTH}"/><text x="472" y="52">true now (every shopper served)</text>"##
    );
    for t in ticks(x0, x1) {
        let x = px(t);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{bottom:.1}" stroke="#e5e5e5"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 18.0,
            label(t)
        );
    }
    let zero = px(0.0);
    let _ = writeln!(
        out,
        r##"<line x1="{zero:.1}" y1="{TOP}" x2="{zero:.1}" y2="{bottom:.1}" stroke="#333"/>"##
    );
    for (i, r) in f.rows.iter().enumerate() {
        let y = TOP + ROW * (i as f64 + 0.5);
        let color = if r.low > 0.0 || r.high < 0.0 {
            SIGNIFICANT
        } else {
            UNCLEAR
        };
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{color}" stroke-width="3"/><circle cx="{:.1}" cy="{y:.1}" r="4" fill="{color}"/>"#,
            left - 10.0,
            y + 4.0,
            escape(&r.label),
            px(r.low),
            px(r.high),
            px(r.estimate)
        );
        if let Some(t) = r.truth.filter(|t| t.is_finite()) {
            let x = px(t);
            let _ = writeln!(
                out,
                r#"<path d="M {x:.1} {:.1} L {:.1} {y:.1} L {x:.1} {:.1} L {:.1} {y:.1} Z" fill="{TRUTH}"/>"#,
                y - 5.0,
                x + 5.0,
                y + 5.0,
                x - 5.0
            );
        }
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        (left + width - RIGHT) / 2.0,
        h - 15.0,
        escape(&f.x_label)
    );
    out.push_str("</svg>\n");
    out
}

/// Every arm's relative lift over its baseline on the headline metrics, in percent.
pub fn lift_forest(r: &Report) -> Forest {
    const HEADLINE: [&str; 4] = [
        "conversion_rate",
        "aov",
        "revenue_per_shopper",
        "margin_per_shopper",
    ];
    let rows = r
        .arms
        .iter()
        .flat_map(|a| {
            HEADLINE.into_iter().filter_map(move |m| {
                let c = a.vs_control.as_ref()?.get(m)?;
                let (lift, low, high) = (c.lift?, c.ci_low?, c.ci_high?);
                (low.is_finite() && high.is_finite()).then(|| Row {
                    label: format!("{} · {}", a.name, text::metric_label(m)),
                    estimate: 100.0 * lift,
                    low: 100.0 * low,
                    high: 100.0 * high,
                    truth: c.true_lift.map(|t| 100.0 * t),
                })
            })
        })
        .collect();
    Forest {
        title: format!("{}: lift over the baseline", r.scenario.name),
        x_label: format!(
            "relative lift (%), {:.0}% intervals",
            100.0 * (1.0 - r.experiment.alpha)
        ),
        rows,
    }
}

/// Every factorial effect on conversion, in percentage points; `None` for other designs.
pub fn effects_forest(r: &Report) -> Option<Forest> {
    let f = r.experiment.factorial.as_ref()?;
    let rows: Vec<Row> = f
        .effects
        .iter()
        .filter(|e| e.metric == "conversion_rate")
        .map(|e| Row {
            label: e.effect.clone(),
            estimate: 100.0 * e.estimate,
            low: 100.0 * e.ci_low,
            high: 100.0 * e.ci_high,
            truth: e.true_estimate.map(|t| 100.0 * t),
        })
        .collect();
    (!rows.is_empty()).then(|| Forest {
        title: format!("{}: factorial effects on conversion", r.scenario.name),
        x_label: format!(
            "second level − first level (percentage points), {:.0}% intervals",
            100.0 * (1.0 - r.experiment.alpha)
        ),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_its_bar_dot_label_and_truth() {
        let f = Forest {
            title: "t & u".into(),
            x_label: "x".into(),
            rows: vec![
                Row {
                    label: "a".into(),
                    estimate: 2.0,
                    low: 1.0,
                    high: 3.0,
                    truth: Some(2.5),
                },
                Row {
                    label: "b".into(),
                    estimate: -1.0,
                    low: -4.0,
                    high: 2.0,
                    truth: None,
                },
            ],
        };
        let s = svg(&f);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>\n"));
        assert!(s.contains("t &amp; u"));
        // Two rows of a circle each, plus the key's.
        assert_eq!(s.matches("<circle").count(), 3);
        // One truth diamond plus the key's.
        assert_eq!(s.matches(&format!(r#"fill="{TRUTH}""#)).count(), 2);
        assert_eq!(s.matches(&format!(r#"stroke="{SIGNIFICANT}""#)).count(), 2);
        assert_eq!(s.matches(&format!(r#"stroke="{UNCLEAR}""#)).count(), 2);
        assert!(!s.contains("NaN"));
    }
}
