//! Colours, or none: with `NO_COLOR` set every distinction is carried by bold, reverse,
//! underline and the text itself (marks like `▲ sig`), so nothing depends on colour.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

/// The dashboard's styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// With colours.
    pub const COLOR: Theme = Theme { color: true };
    /// Without colours.
    pub const MONO: Theme = Theme { color: false };

    /// [`Theme::MONO`] when `NO_COLOR` is set to anything but an empty string (no-color.org).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::MONO,
            _ => Theme::COLOR,
        }
    }

    /// Whether colours are used.
    pub fn has_color(self) -> bool {
        self.color
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Titles and the active tab.
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Secondary text.
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// An arm that beats the control.
    pub fn good(self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    /// An arm that loses, an alert.
    pub fn bad(self) -> Style {
        let s = self.fg(Color::Red).add_modifier(Modifier::BOLD);
        if self.color {
            s
        } else {
            s.add_modifier(Modifier::UNDERLINED)
        }
    }

    /// The selected card or row.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// Border of the selected card.
    pub fn selected_border(self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// The i-th arm's series in charts and sparklines.
    pub fn arm(self, i: usize) -> Style {
        const ARMS: [Color; 6] = [
            Color::Cyan,
            Color::Magenta,
            Color::Yellow,
            Color::Green,
            Color::Blue,
            Color::Red,
        ];
        self.fg(ARMS[i % ARMS.len()])
    }

    /// The i-th arm's chart marker: without colour, arms differ by their dots.
    pub fn marker(self, i: usize) -> Marker {
        if self.color {
            Marker::Braille
        } else {
            [
                Marker::Braille,
                Marker::Dot,
                Marker::Block,
                Marker::Bar,
                Marker::HalfBlock,
            ][i % 5]
        }
    }

    /// The status line.
    pub fn status(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}
