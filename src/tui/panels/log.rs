//! Log: notable events, newest at the bottom; ↑/↓ scroll back.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::tui::app::App;
use crate::tui::log::LogKind;

/// Renders the Log.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let entries = app.log.entries();
    let block = Block::bordered()
        .title(format!(
            " log: {} events{} ",
            entries.len(),
            if app.log_scroll > 0 {
                format!(", {} newer below (↓)", app.log_scroll)
            } else {
                String::new()
            }
        ))
        .border_style(app.theme.dim());
    let inner = block.inner(area);
    block.render(area, buf);
    let end = entries.len().saturating_sub(app.log_scroll);
    let start = end.saturating_sub(usize::from(inner.height));
    let lines: Vec<Line> = entries[start..end]
        .iter()
        .map(|e| {
            let style = match e.kind {
                LogKind::Info => Style::new(),
                LogKind::Good => app.theme.good(),
                LogKind::Warn => app.theme.bad(),
            };
            Line::from(vec![
                Span::styled(
                    e.day.map_or("       ".into(), |d| format!("day {d:>3} ")),
                    app.theme.dim(),
                ),
                Span::styled(e.text.clone(), style),
            ])
        })
        .collect();
    // Long lines wrap; counting from the end would need wrapped heights, and cutting the
    // oldest visible line is the lesser harm.
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
