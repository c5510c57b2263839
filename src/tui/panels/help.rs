//! `?`: every key, from the same table the key map is tested against, and how to read the
//! marks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{centered, popup};
use crate::tui::action::KEYS;
use crate::tui::app::App;

/// Renders the help overlay over `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let legend = [
        "▲/▼ sig: better/worse than baseline (Holm p < α) · n.s.: not significant",
        "p: Holm-adjusted over arms × metrics · [lo, hi]: interval of the lift",
        "now: true lift, arms as trained, everyone served: [lo, hi] estimates it",
        "rollout: true lift, each arm deployed to everyone and learning from all",
        "factorial: A, B… factors; cells (1), a, ab… have those at their 2nd level",
    ];
    let height = (KEYS.len() + legend.len() + 4) as u16;
    let inner = popup(
        centered(area, 76, height),
        buf,
        "keys (? or Esc closes)",
        app,
    );
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), app.theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.extend(
        legend
            .iter()
            .map(|l| Line::styled(format!(" {l}"), app.theme.dim())),
    );
    Paragraph::new(lines).render(inner, buf);
}
