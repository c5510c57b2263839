//! Strategies: what each arm runs, and what the selected arm's strategies have learned so
//! far (their own words, from the snapshot's insights).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};

use super::placeholder;
use crate::tui::app::App;

/// Renders Strategies.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(snapshot) = &app.snapshot else {
        placeholder(area, buf, "building the world…", app);
        return;
    };
    let table_height = snapshot.arms.len() as u16 + 3;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    let header =
        Row::new(["arm", "recommender", "pricing", "retention", "email"]).style(app.theme.title());
    // A factorial's cell names repeat its strategies: its Yates name says the same in less.
    let design = app.scenario.experiment.factorial.as_ref();
    let table: Vec<Vec<String>> = snapshot
        .arms
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let name = match design.and_then(|d| d.cells.get(i)) {
                Some(levels) => super::factorial::yates(levels),
                None => a.name.clone(),
            };
            std::iter::once(name)
                .chain(a.strategies.iter().cloned())
                .collect()
        })
        .collect();
    let inner = usize::from(top.width.saturating_sub(2));
    let fits = |rows: &[Vec<String>]| widths(rows).iter().map(|w| w + 1).sum::<usize>() <= inner;
    // Too wide: strategies by name alone (their parameters are in the scenario and below).
    let table = if fits(&table) {
        table
    } else {
        table
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .map(|(c, cell)| match cell.split_once('(') {
                        Some((name, _)) if c > 0 => name.trim_end().to_string(),
                        _ => cell,
                    })
                    .collect()
            })
            .collect()
    };
    let constraints: Vec<Constraint> = widths(&table)
        .into_iter()
        .map(|w| Constraint::Length(w as u16))
        .collect();
    let rows = table
        .into_iter()
        .enumerate()
        .map(|(i, cells)| Row::new(cells).style(super::row_style(app, i)));
    Table::new(rows, constraints)
        .header(header)
        .block(
            Block::bordered()
                .title(" what each arm runs (↑/↓ selects) ")
                .border_style(app.theme.dim()),
        )
        .render(top, buf);

    let Some(arm) = snapshot.arms.get(app.selected_arm) else {
        return;
    };
    let lines: Vec<Line> = if arm.insights.is_empty() {
        vec![Line::styled(
            "these strategies report nothing: they do not learn from traffic",
            app.theme.dim(),
        )]
    } else {
        arm.insights
            .iter()
            .map(|l| Line::raw(format!("• {l}")))
            .collect()
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(Line::styled(
                    format!(" what {} has learned by day {} ", arm.name, snapshot.day),
                    app.theme.title(),
                ))
                .border_style(app.theme.dim()),
        )
        .render(bottom, buf);
}

/// The widest cell of each column, header included.
fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let header = ["arm", "recommender", "pricing", "retention", "email"];
    (0..header.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect()
}
