//! Charts: the chosen KPI per arm over the days (cumulative), the selected arm's lift over
//! the control with its interval on every day, and the path of its p-value. Peeking at a
//! naive p-value every day is exactly what the sequential p-value fixes; its slot is here,
//! marked, until the statistics work provides it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, LegendPosition, Widget};

use super::placeholder;
use crate::experiment::Snapshot;
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::kpi::Kpi;

/// Renders Charts.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(snapshot) = &app.snapshot else {
        placeholder(area, buf, "building the world…", app);
        return;
    };
    let kpi = Kpi::CHARTED[app.chart_kpi % Kpi::CHARTED.len()];
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    cumulative(app, snapshot, kpi, top, buf);
    lift(app, snapshot, kpi, left, buf);
    p_values(app, snapshot, kpi, right, buf);
}

/// The KPI selector as a title: the chosen one highlighted.
fn selector(app: &App, kpi: Kpi) -> Line<'static> {
    let mut spans = vec![Span::raw(" cumulative ")];
    for k in Kpi::CHARTED {
        let style = if k == kpi {
            app.theme.selected()
        } else {
            app.theme.dim()
        };
        spans.push(Span::styled(format!(" {} ", k.label()), style));
    }
    spans.push(Span::styled(" ←/→ ", app.theme.dim()));
    Line::from(spans)
}

fn x_axis(snapshot: &Snapshot) -> Axis<'static> {
    let days = f64::from(snapshot.days.max(1));
    Axis::default()
        .bounds([0.0, days])
        .labels(["0".to_string(), format!("day {}", snapshot.days)])
}

/// Lower and upper bounds around values, padded so lines do not sit on the frame.
fn bounds(values: impl Iterator<Item = f64>) -> Option<[f64; 2]> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return None;
    }
    let pad = ((hi - lo) * 0.08)
        .max(hi.abs().max(lo.abs()) * 0.02)
        .max(1e-9);
    Some([lo - pad, hi + pad])
}

fn cumulative(app: &App, snapshot: &Snapshot, kpi: Kpi, area: Rect, buf: &mut Buffer) {
    let paths: Vec<Vec<(f64, f64)>> = (0..snapshot.arms.len())
        .map(|i| app.history.path(i, kpi))
        .collect();
    let block = Block::bordered()
        .title(selector(app, kpi))
        .title_bottom(key(app, snapshot, area.width))
        .border_style(app.theme.dim());
    let Some([lo, hi]) = bounds(paths.iter().flatten().map(|p| p.1)) else {
        let inner = block.inner(area);
        block.render(area, buf);
        placeholder(inner, buf, "no days simulated yet", app);
        return;
    };
    let currency = &app.scenario.business.currency;
    let datasets = paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            Dataset::default()
                .name(snapshot.arms[i].name.clone())
                .marker(app.theme.marker(i))
                .graph_type(GraphType::Line)
                .style(app.theme.arm(i))
                .data(path)
        })
        .collect();
    Chart::new(datasets)
        .block(block)
        .x_axis(x_axis(snapshot))
        .y_axis(
            Axis::default()
                .bounds([lo, hi])
                .labels([kpi.show(lo, currency), kpi.show(hi, currency)]),
        )
        // The key sits in the frame (see `key`): a legend inside hid lines or vanished.
        .legend_position(None)
        .render(area, buf);
}

/// The glyph a marker draws, for the key.
fn glyph(marker: Marker) -> &'static str {
    match marker {
        Marker::Dot => "•",
        Marker::Block => "█",
        Marker::Bar => "▄",
        Marker::HalfBlock => "▀",
        _ => "⣿",
    }
}

/// The arms' key in the chart's bottom border: each arm's glyph (and colour) and name, as
/// many whole entries as fit, then how many do not.
fn key(app: &App, snapshot: &Snapshot, width: u16) -> Line<'static> {
    let room = usize::from(width).saturating_sub(4);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (i, arm) in snapshot.arms.iter().enumerate() {
        let entry = format!("{} {} ", glyph(app.theme.marker(i)), arm.name);
        let left = snapshot.arms.len() - i;
        let more = format!("+{left} more (↑/↓) ");
        let last = left == 1;
        let need = entry.chars().count() + if last { 0 } else { more.chars().count() };
        if used + need > room {
            spans.push(Span::styled(more, app.theme.dim()));
            break;
        }
        used += entry.chars().count();
        spans.push(Span::styled(entry, app.theme.arm(i)));
    }
    Line::from(spans)
}

/// The selected arm's relative lift and its interval per day, in percent, with zero marked:
/// the band narrowing around (or away from) zero is the experiment converging.
fn lift(app: &App, snapshot: &Snapshot, kpi: Kpi, area: Rect, buf: &mut Buffer) {
    let i = app.selected_arm;
    let block = Block::bordered().border_style(app.theme.dim());
    if i == 0 || i >= snapshot.arms.len() {
        let block = block.title(" lift vs control ");
        let inner = block.inner(area);
        block.render(area, buf);
        placeholder(inner, buf, "↑/↓ picks a treatment arm", app);
        return;
    }
    let series = app.history.comparisons(i, kpi);
    // Early days have intervals of hundreds of percent; clipping keeps later days readable.
    let clip = |v: f64| (100.0 * v).clamp(-100.0, 100.0);
    let point = |f: fn(&crate::experiment::analysis::MetricComparison) -> Option<f64>| {
        series
            .iter()
            .filter_map(|(d, c)| Some((*d, clip(f(c)?))))
            .collect::<Vec<_>>()
    };
    let (mid, lo, hi) = (point(|c| c.lift), point(|c| c.ci_low), point(|c| c.ci_high));
    let title = Line::from(vec![
        Span::raw(format!(" {}: {} lift", snapshot.arms[i].name, kpi.label())),
        Span::styled(
            format!(
                ", {:.0}% CI ",
                100.0 * (1.0 - app.scenario.experiment.alpha)
            ),
            app.theme.dim(),
        ),
    ]);
    let block = block.title(title);
    let Some([ylo, yhi]) = bounds(lo.iter().chain(&hi).chain(&mid).map(|p| p.1).chain([0.0]))
    else {
        let inner = block.inner(area);
        block.render(area, buf);
        placeholder(inner, buf, "no comparison yet", app);
        return;
    };
    let days = f64::from(snapshot.days.max(1));
    let zero = [(0.0, 0.0), (days, 0.0)];
    let band = app.theme.arm(i).patch(app.theme.dim());
    // Without colour the band needs its own dots to differ from the lift line.
    let band_marker = if app.theme.has_color() {
        Marker::Braille
    } else {
        Marker::Dot
    };
    let datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(app.theme.dim())
            .data(&zero),
        Dataset::default()
            .name("interval")
            .marker(band_marker)
            .graph_type(GraphType::Line)
            .style(band)
            .data(&lo),
        Dataset::default()
            .marker(band_marker)
            .graph_type(GraphType::Line)
            .style(band)
            .data(&hi),
        Dataset::default()
            .name("lift")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(app.theme.arm(i))
            .data(&mid),
    ];
    let last = series.last().map(|(_, c)| *c);
    let label = last
        .and_then(|c| {
            Some(format!(
                "{} {}",
                format::signed_percent(c.lift?),
                format::interval(c.ci_low?, c.ci_high?)
            ))
        })
        .unwrap_or_default();
    Chart::new(datasets)
        .block(block.title_bottom(Line::styled(format!(" now {label} "), Style::new())))
        .x_axis(x_axis(snapshot))
        .y_axis(
            Axis::default()
                .bounds([ylo, yhi])
                .labels([format!("{ylo:+.0}%"), format!("{yhi:+.0}%")]),
        )
        .legend_position(Some(LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)))
        .render(area, buf);
}

/// The naive p-value of every daily look against α, and for conversion the always-valid
/// (sequential) p-value beside it: the first crosses α by chance, the second does not.
fn p_values(app: &App, snapshot: &Snapshot, kpi: Kpi, area: Rect, buf: &mut Buffer) {
    let i = app.selected_arm;
    let alpha = app.scenario.experiment.alpha;
    let block = Block::bordered()
        .title(format!(" p-value path: {} ", kpi.label()))
        .title_bottom(Line::styled(
            if kpi == Kpi::Conversion {
                " naive vs always-valid "
            } else {
                " sequential p: conversion only "
            },
            app.theme.dim(),
        ))
        .border_style(app.theme.dim());
    if i == 0 || i >= snapshot.arms.len() {
        let inner = block.inner(area);
        block.render(area, buf);
        placeholder(inner, buf, "↑/↓ picks a treatment arm", app);
        return;
    }
    let naive: Vec<(f64, f64)> = app
        .history
        .comparisons(i, kpi)
        .iter()
        .filter_map(|(d, c)| Some((*d, c.p_value?)))
        .collect();
    let sequential: Vec<(f64, f64)> = if kpi == Kpi::Conversion {
        snapshot.arms[i]
            .looks
            .iter()
            .filter_map(|l| Some((f64::from(l.day + 1), l.sequential_p?)))
            .collect()
    } else {
        Vec::new()
    };
    let days = f64::from(snapshot.days.max(1));
    let alpha_line = [(0.0, alpha), (days, alpha)];
    let mut datasets = vec![
        Dataset::default()
            .name(format!("α={alpha}"))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(app.theme.bad())
            .data(&alpha_line),
        Dataset::default()
            .name("naive p")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(app.theme.arm(i))
            .data(&naive),
    ];
    if !sequential.is_empty() {
        datasets.push(
            Dataset::default()
                .name("sequential p")
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(app.theme.good())
                .data(&sequential),
        );
    }
    Chart::new(datasets)
        .block(block)
        .x_axis(x_axis(snapshot))
        .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", "1"]))
        .legend_position(Some(LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Percentage(70), Constraint::Percentage(70)))
        .render(area, buf);
}
