//! `o`: the scenario picker popup. The left column lists scenarios; the right shows the
//! highlighted one's story, or its problems if it is broken.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::{centered, popup};
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::picker::Picker;

/// Renders the picker over `area`.
pub fn render(app: &App, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let outer = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2).min(22),
    );
    let inner = popup(
        outer,
        buf,
        "open a scenario (↑/↓, Enter loads, Esc closes)",
        app,
    );
    let [list, detail] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(inner);
    let mut lines: Vec<Line> = picker
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            // The highlight is a symbol too, so it shows without colour or bold.
            let pointer = if i == picker.selected { "▶" } else { " " };
            let mark = if e.loaded.is_ok() { " " } else { "✗" };
            let style = if i == picker.selected {
                app.theme.selected()
            } else if e.loaded.is_err() {
                app.theme.bad()
            } else {
                Style::new()
            };
            Line::styled(format!("{pointer}{mark} {}", e.label), style)
        })
        .collect();
    if let Some(note) = &picker.folder_note {
        lines.push(Line::styled(format!("(no files: {note})"), app.theme.dim()));
    }
    // Keep the highlight visible in a long list.
    let skip = picker
        .selected
        .saturating_sub(usize::from(list.height.saturating_sub(1)));
    Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>())
        .block(Block::default().borders(ratatui::widgets::Borders::RIGHT))
        .render(list, buf);

    let Some(entry) = picker.current() else {
        return;
    };
    let text: Vec<Line> = match &entry.loaded {
        Ok(s) => vec![
            Line::styled(format!("{} ({})", s.name, entry.source), app.theme.title()),
            Line::raw(s.description.clone()),
            Line::raw(""),
            Line::raw(format!(
                "{} shoppers × {} days · seed {} · {} arms",
                format::count(i64::from(s.shoppers)),
                s.days,
                s.seed,
                s.arms.len()
            )),
            Line::raw(format!(
                "arms: {}",
                s.arms
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ],
        Err(e) => {
            let mut t = vec![Line::from(vec![Span::styled(
                "this scenario cannot be loaded:",
                app.theme.bad(),
            )])];
            t.extend(e.lines().map(|l| Line::raw(l.to_string())));
            t
        }
    };
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .render(detail.inner(ratatui::layout::Margin::new(1, 0)), buf);
}
