//! Charts as SVG, written by hand: a few hundred bytes of markup need no plotting crate,
//! no fonts at build time, and come out byte-identical run after run. (`plotters` was
//! weighed: its SVG backend lays text out with font metrics, which needs a font crate and a
//! bundled or system font; here the viewer lays text out, and the charts convert cleanly to
//! PNG with `rsvg-convert`.) Intervals are drawn as translucent bands ([`Series::band`]) and,
//! in [`forest`], as bars.

use std::fmt::Write;

use super::Report;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// (x, y) points in order of x.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed (costs, references).
    pub dashed: bool,
    /// An interval around the line, (low, high) at each point's x; empty for none.
    pub band: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Lines.
    pub series: Vec<Series>,
    /// Vertical markers: (x, label).
    pub markers: Vec<(f64, String)>,
}

const W: f64 = 800.0;
const H: f64 = 450.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 210.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

/// Round tick steps (1, 2 or 5 × 10ᵏ) covering `lo..hi` in about five steps.
pub(super) fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

pub(super) fn label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else if a >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders a chart as a standalone SVG document.
pub fn svg(chart: &Chart) -> String {
    let all: Vec<(f64, f64)> = chart
        .series
        .iter()
        .flat_map(|s| {
            let band = s
                .points
                .iter()
                .zip(&s.band)
                .flat_map(|(&(x, _), &(lo, hi))| [(x, lo), (x, hi)]);
            s.points.iter().copied().chain(band)
        })
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if all.is_empty() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    y0 = y0.min(0.0);
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = 0.05 * (y1 - y0);
    let (y0, y1) = (if y0 < 0.0 { y0 - pad } else { y0 }, y1 + pad);
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |y: f64| H - BOTTOM - (y - y0) / (y1 - y0) * (H - TOP - BOTTOM);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="28" font-size="16" font-weight="bold">{}</text>"#,
        LEFT,
        escape(&chart.title)
    );
    for t in ticks(y0, y1) {
        let y = py(t);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##,
            W - RIGHT
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            y + 4.0,
            label(t)
        );
    }
    for t in ticks(x0, x1) {
        let x = px(t);
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            H - BOTTOM + 18.0,
            label(t)
        );
    }
    let _ = writeln!(
        out,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="#333"/>"##,
        py(0.0f64.max(y0)),
        W - RIGHT,
        py(0.0f64.max(y0)),
        H - BOTTOM
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 15.0,
        escape(&chart.x_label)
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(20 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (TOP + H - BOTTOM) / 2.0,
        escape(&chart.y_label)
    );
    for (x, text) in &chart.markers {
        let x = px(*x);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#555" stroke-dasharray="2 3"/><text x="{:.1}" y="{:.1}">{}</text>"##,
            H - BOTTOM,
            x + 4.0,
            TOP + 12.0,
            escape(text)
        );
    }
    for (i, s) in chart.series.iter().enumerate() {
        if s.band.is_empty() {
            continue;
        }
        // The band goes under every line: out along the lows, back along the highs.
        let xs = s.points.iter().map(|p| p.0);
        let lows = xs.clone().zip(&s.band).map(|(x, b)| (x, b.0));
        let highs: Vec<(f64, f64)> = xs.zip(&s.band).map(|(x, b)| (x, b.1)).collect();
        let outline: Vec<String> = lows
            .chain(highs.into_iter().rev())
            .map(|(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polygon fill="{}" fill-opacity="0.18" stroke="none" points="{}"/>"#,
            COLORS[i % COLORS.len()],
            outline.join(" ")
        );
    }
    for (i, s) in chart.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{}"/>"#,
            points.join(" ")
        );
        let ly = TOP + 20.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"#,
            W - RIGHT + 15.0,
            W - RIGHT + 40.0,
            W - RIGHT + 46.0,
            ly + 4.0,
            escape(&s.name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Cumulative conversion per visit of every arm, day by day.
pub fn conversion_chart(r: &Report) -> Chart {
    let series = r
        .arms
        .iter()
        .map(|a| {
            let (mut visits, mut orders) = (0u64, 0u64);
            let points = a
                .daily
                .iter()
                .map(|d| {
                    visits += d.counts.visits;
                    orders += d.counts.orders;
                    (
                        f64::from(d.day + 1),
                        100.0 * orders as f64 / visits.max(1) as f64,
                    )
                })
                .collect();
            Series {
                name: a.name.clone(),
                points,
                dashed: false,
                band: Vec::new(),
            }
        })
        .collect();
    Chart {
        title: format!("{}: conversion per visit, cumulative", r.scenario.name),
        x_label: "day".into(),
        y_label: "conversion (%)".into(),
        series,
        markers: Vec::new(),
    }
}

/// Cumulative incremental margin against cumulative cost over the projection, per arm, with
/// each arm's payback month marked.
pub fn payback_chart(r: &Report, months: u32) -> Chart {
    let mut series = Vec::new();
    let mut markers = Vec::new();
    for a in &r.arms {
        let Some(roi) = a.roi.as_ref().filter(|x| x.costs.any()) else {
            continue;
        };
        let monthly_margin = roi.incremental_margin.mid / 12.0;
        let (one_off, monthly_cost) = (roi.costs.one_off.mid, roi.costs.recurring.mid / 12.0);
        let at = |f: &dyn Fn(f64) -> f64| {
            (0..=months)
                .map(|m| (f64::from(m), f(f64::from(m))))
                .collect()
        };
        let (low, high) = (
            roi.incremental_margin.low / 12.0,
            roi.incremental_margin.high / 12.0,
        );
        series.push(Series {
            name: format!("{} margin", a.name),
            points: at(&|m| m * monthly_margin),
            dashed: false,
            band: (0..=months)
                .map(|m| (f64::from(m) * low, f64::from(m) * high))
                .collect(),
        });
        series.push(Series {
            name: format!("{} cost", a.name),
            points: at(&|m| one_off + m * monthly_cost),
            dashed: true,
            band: Vec::new(),
        });
        if let Some(m) = roi.payback_month.mid {
            markers.push((f64::from(m), format!("{} pays back: month {m}", a.name)));
        }
    }
    Chart {
        title: format!(
            "{}: cumulative incremental margin against cost",
            r.scenario.name
        ),
        x_label: "month (band: the margin's interval)".into(),
        y_label: format!("{} (cumulative)", r.scenario.currency),
        series,
        markers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            ticks(0.0, 0.9),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8]
        );
    }

    #[test]
    fn svg_is_a_document_with_every_series() {
        let chart = Chart {
            title: "a < b".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![
                Series {
                    name: "one".into(),
                    points: vec![(0.0, 1.0), (1.0, 2.0)],
                    dashed: false,
                    band: vec![(0.5, 1.5), (1.0, 3.0)],
                },
                Series {
                    name: "two".into(),
                    points: vec![(0.0, -1.0), (1.0, 3.0)],
                    dashed: true,
                    band: Vec::new(),
                },
            ],
            markers: vec![(0.5, "here".into())],
        };
        let s = svg(&chart);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>\n"));
        assert_eq!(s.matches("<polyline").count(), 2);
        // One band, under the lines: low points out, high points back.
        assert_eq!(s.matches("<polygon").count(), 1);
        assert!(s.find("<polygon") < s.find("<polyline"));
        assert!(
            s.contains("a &lt; b") && s.contains("stroke-dasharray=\"6 4\"") && s.contains("here")
        );
        assert!(!s.contains("NaN"));
    }
}
