//! Experiment: how shoppers were assigned, the traffic each arm was meant to get against what
//! it got, and the sample-ratio-mismatch check that says whether to trust the rest.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};

use super::placeholder;
use crate::stats::SRM_THRESHOLD;
use crate::tui::app::App;
use crate::tui::format;

/// Renders Experiment.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(snapshot) = &app.snapshot else {
        placeholder(area, buf, "building the world…", app);
        return;
    };
    let s = &app.scenario;
    let table_height = snapshot.arms.len() as u16 + 3;
    let [design, traffic, srm, factorial] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(table_height),
        Constraint::Length(4),
        Constraint::Min(0),
    ])
    .areas(area);

    Paragraph::new(vec![
        Line::raw(format!(
            "A/B{} test · unit: the shopper · {} shoppers · {} days · seed {} · α = {}",
            if snapshot.arms.len() > 2 { "/n" } else { "" },
            format::count(i64::from(s.shoppers)),
            s.days,
            s.seed,
            s.experiment.alpha
        )),
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

    let srm_lines = match app.srm() {
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
    };
    Paragraph::new(srm_lines)
        .block(
            Block::bordered()
                .title(" sample-ratio mismatch ")
                .border_style(app.theme.dim()),
        )
        .render(srm, buf);

    if factorial.height >= 3 {
        Paragraph::new(Line::styled(
            "factorial effects (main effects, interactions) appear here for multivariate scenarios",
            app.theme.dim(),
        ))
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .title(" factorial effects ")
                .border_style(app.theme.dim()),
        )
        .render(factorial, buf);
    }
}
