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
    let rows = snapshot.arms.iter().enumerate().map(|(i, a)| {
        let mut cells = vec![a.name.clone()];
        cells.extend(a.strategies.iter().cloned());
        Row::new(cells).style(super::row_style(app, i))
    });
    Table::new(rows, [Constraint::Ratio(1, 5); 5])
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
