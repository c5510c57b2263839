//! One file per view or popup; each is a render function over the [`App`]
//! state into a buffer area. Shared helpers for cards, popups and inline sparklines are here.

pub mod charts;
pub mod experiment;
pub mod factorial;
pub mod funnel;
pub mod help;
pub mod log;
pub mod overview;
pub mod picker;
pub mod strategies;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::app::App;

/// Cards laid out in a grid, paging so the selected one is always visible.
pub(crate) struct CardGrid {
    /// (arm index, area) of each visible card.
    pub cards: Vec<(usize, Rect)>,
    /// Whether some arms are on other pages.
    pub paged: bool,
}

impl CardGrid {
    /// Cards of at least `min_width` × `height` for `count` arms in `area`.
    pub fn new(area: Rect, count: usize, selected: usize, min_width: u16, height: u16) -> Self {
        if count == 0 || area.width == 0 || area.height == 0 {
            return CardGrid {
                cards: Vec::new(),
                paged: false,
            };
        }
        let cols = usize::from((area.width / min_width).max(1)).min(count);
        let rows = usize::from((area.height / height).max(1));
        let page = cols * rows;
        let first = (selected.min(count - 1) / page) * page;
        let width = area.width / cols as u16;
        let cards = (first..count.min(first + page))
            .map(|i| {
                let k = i - first;
                let (r, c) = (k / cols, k % cols);
                let x = area.x + c as u16 * width;
                // The last column takes the rounding remainder.
                let w = if c + 1 == cols {
                    area.right() - x
                } else {
                    width
                };
                let h = height.min(area.height);
                (i, Rect::new(x, area.y + r as u16 * height, w, h))
            })
            .collect();
        CardGrid {
            cards,
            paged: page < count,
        }
    }

    /// Rows of `area` left below the cards.
    pub fn rest(&self, area: Rect) -> Rect {
        let bottom = self
            .cards
            .iter()
            .map(|(_, r)| r.bottom())
            .max()
            .unwrap_or(area.y);
        Rect::new(
            area.x,
            bottom,
            area.width,
            area.bottom().saturating_sub(bottom),
        )
    }
}

/// The style of arm `i`'s row in a table: highlighted when selected.
pub(crate) fn row_style(app: &App, i: usize) -> ratatui::style::Style {
    if i == app.selected_arm {
        app.theme.selected()
    } else {
        ratatui::style::Style::new()
    }
}

/// The block of arm `i`'s card, highlighted when selected.
pub(crate) fn card_block<'a>(app: &App, i: usize, title: Line<'a>) -> Block<'a> {
    let block = Block::bordered().title(title);
    if i == app.selected_arm {
        block
            .border_style(app.theme.selected_border())
            .border_type(ratatui::widgets::BorderType::Thick)
    } else {
        block.border_style(app.theme.dim())
    }
}

/// A `width` × `height` rectangle centred in `area` (clipped to it).
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Clears `area` and draws a bordered popup there; returns its inner area.
pub(crate) fn popup(area: Rect, buf: &mut Buffer, title: &str, app: &App) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .title(Line::styled(format!(" {title} "), app.theme.title()))
        .border_style(app.theme.selected_border());
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The last `width` values as a row of bar glyphs, scaled between their own minimum and
/// maximum so day-to-day movement shows even when the level barely changes.
pub(crate) fn spark(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &values[values.len().saturating_sub(width)..];
    let lo = tail.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = tail.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    tail.iter()
        .map(|&v| {
            let level = if hi > lo {
                ((v - lo) / (hi - lo) * 7.0).round() as usize
            } else {
                3
            };
            BARS[level.min(7)]
        })
        .collect()
}

/// Whole `items` joined by `sep` into lines of at most `width` characters: text that would
/// not fit moves to the next line instead of being cut (an item longer than `width` gets a
/// line of its own).
pub(crate) fn pack<S: AsRef<str>>(items: &[S], sep: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        let item = item.as_ref();
        match lines.last_mut() {
            Some(line)
                if line.chars().count() + sep.chars().count() + item.chars().count() <= width =>
            {
                *line += sep;
                *line += item;
            }
            _ => lines.push(item.to_string()),
        }
    }
    lines
}

/// A message in the middle of an empty panel.
pub(crate) fn placeholder(area: Rect, buf: &mut Buffer, text: &str, app: &App) {
    let y = area.y + area.height / 2;
    Paragraph::new(Line::styled(text.to_string(), app.theme.dim()))
        .centered()
        .render(Rect::new(area.x, y, area.width, 1.min(area.height)), buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_pages_to_keep_the_selection_visible() {
        let area = Rect::new(0, 0, 80, 20);
        let g = CardGrid::new(area, 2, 0, 38, 11);
        assert_eq!(g.cards.len(), 2);
        assert!(!g.paged);
        assert_eq!(g.cards[1].1, Rect::new(40, 0, 40, 11));
        let g = CardGrid::new(area, 5, 4, 38, 11);
        assert!(g.paged);
        assert_eq!(g.cards.iter().map(|c| c.0).collect::<Vec<_>>(), [4]);
    }

    #[test]
    fn packing_moves_whole_items_to_the_next_line() {
        assert_eq!(pack(&["ab", "cd", "ef"], " · ", 7), ["ab · cd", "ef"]);
        assert_eq!(pack(&["abcdefghij", "x"], " ", 4), ["abcdefghij", "x"]);
        assert!(pack::<&str>(&[], " ", 4).is_empty());
    }

    #[test]
    fn sparks_span_their_range() {
        assert_eq!(spark(&[1.0, 2.0, 3.0], 10), "▁▅█");
        assert_eq!(spark(&[5.0, 5.0], 10), "▄▄");
        assert_eq!(spark(&[1.0, 2.0, 3.0], 2), "▁█");
        assert_eq!(spark(&[], 4), "");
    }
}
