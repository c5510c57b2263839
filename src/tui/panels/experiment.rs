//! Experiment: how shoppers were assigned, the traffic each arm was meant to get against what
//! it got, and the sample-ratio-mismatch check that says whether to trust the rest.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Widget, Wrap};

use super::{factorial, pack, placeholder};
use crate::experiment::Snapshot;
use crate::stats::SRM_THRESHOLD;
use crate::tui::app::App;
use crate::tui::format;

/// Renders Experiment: for a factorial design the factors, the sample-ratio check, the
/// effects and the cell grid; otherwise the design, the traffic table and the check.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(snapshot) = &app.snapshot else {
        placeholder(area, buf, "building the world…", app);
        return;
    };
    if let Some(design) = &app.scenario.experiment.factorial {
        let width = usize::from(area.width);
        // The unit is the shopper in every design; a narrow screen keeps its rows for effects.
        let parts = design_parts(app);
        let parts = if width < 100 { &parts[..5] } else { &parts[..] };
        let mut lines: Vec<Line> = pack(parts, " · ", width)
            .into_iter()
            .map(Line::raw)
            .collect();
        lines.extend(
            factorial::key_lines(design, width)
                .into_iter()
                .map(|l| Line::styled(l, app.theme.dim())),
        );
        lines.extend(srm_lines(app, snapshot).into_iter().take(1));
        let height = (lines.len() as u16 + 1).min(area.height);
        let [top, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        Paragraph::new(lines)
            .block(
                Block::new()
                    .borders(Borders::TOP)
                    .title(Line::styled(" design ", app.theme.title()))
                    .border_style(app.theme.dim()),
            )
            .render(top, buf);
        factorial::render(app, snapshot, design, rest, buf);
        return;
    }
    let s = &app.scenario;
    let table_height = snapshot.arms.len() as u16 + 3;
    let [design, traffic, srm, _] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(table_height),
        Constraint::Length(4),
        Constraint::Min(0),
    ])
    .areas(area);

    Paragraph::new(vec![
        Line::raw(design_parts(app).join(" · ")),
        Line::styled(
            format!(
                "assignment: a hash of (salt \"{}\", shopper id) picks the arm, weighted by traffic; a shopper stays in one arm",
                s.salt()
            ),
            app.theme.dim(),
        ),
    ])
    .wrap(Wrap { trim: true })
    .block(Block::bordered().title(" design ").border_style(app.theme.dim()))
    .render(design, buf);

    let total: u64 = snapshot.arms.iter().map(|a| a.moments.assigned).sum();
    let weight: f64 = snapshot
        .arms
        .iter()
        .map(|a| a.traffic)
        .sum::<f64>()
        .max(1e-12);
    let header =
        Row::new(["arm", "share", "expected", "actual", "difference"]).style(app.theme.title());
    let rows = snapshot.arms.iter().enumerate().map(|(i, a)| {
        let expected = total as f64 * a.traffic / weight;
        let diff = a.moments.assigned as f64 - expected;
        Row::new([
            a.name.clone(),
            format::percent(a.traffic / weight),
            format::count(expected.round() as i64),
            format::count_u(a.moments.assigned),
            format!(
                "{:+.0} ({:+.2}%)",
                diff,
                if expected > 0.0 {
                    100.0 * diff / expected
                } else {
                    0.0
                }
            ),
        ])
        .style(super::row_style(app, i))
    });
    Table::new(
        rows,
        [
            Constraint::Min(14),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(18),
        ],
    )
    .header(header)
    .block(
        Block::bordered()
            .title(" traffic: shoppers per arm ")
            .border_style(app.theme.dim()),
    )
    .render(traffic, buf);

    Paragraph::new(srm_lines(app, snapshot))
        .block(
            Block::bordered()
                .title(" sample-ratio mismatch ")
                .border_style(app.theme.dim()),
        )
        .render(srm, buf);
}

/// `2×2×2 factorial`, `40,000 shoppers`, `28 days`, `seed 31`, `α = 0.05`, `unit: the shopper`.
fn design_parts(app: &App) -> [String; 6] {
    let s = &app.scenario;
    [
        s.design_label(),
        format!("{} shoppers", format::count(i64::from(s.shoppers))),
        format!("{} days", s.days),
        format!("seed {}", s.seed),
        format!("α = {}", s.experiment.alpha),
        "unit: the shopper".into(),
    ]
}

/// The sample-ratio check: the verdict first, then what it means.
fn srm_lines(app: &App, snapshot: &Snapshot) -> Vec<Line<'static>> {
    match app.srm() {
        Some(r) if r.flagged => vec![
            Line::styled(
                format!(
                    "SRM ALERT  χ² = {:.2}, df {}, p = {:.1e} < {SRM_THRESHOLD}",
                    r.statistic, r.df, r.p_value
                ),
                app.theme.bad(),
            ),
            Line::raw(
                "the split does not match the shares: assignment is broken; do not trust the lifts",
            ),
        ],
        Some(r) => vec![
            Line::from(vec![
                Span::styled("SRM ok  ", app.theme.good()),
                Span::raw(format!(
                    "χ² = {:.2}, df {}, p = {:.3} (alert below {SRM_THRESHOLD})",
                    r.statistic, r.df, r.p_value
                )),
            ]),
            Line::styled(
                "the split matches the traffic shares as well as chance allows",
                app.theme.dim(),
            ),
        ],
        None if !snapshot.allocation.is_empty() => vec![Line::styled(
            "SRM not checked: adaptive allocation changes the split by design",
            app.theme.dim(),
        )],
        None => vec![Line::styled(
            "SRM check needs at least two arms with shoppers",
            app.theme.dim(),
        )],
    }
}
