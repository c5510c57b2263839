//! The frame: header (scenario, day, progress, pace), tabs, the current view, a status line,
//! and any popup on top. Below 80×24 a message asks for room instead of a squeezed layout.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph, Tabs, Widget, Wrap};

use super::app::{App, Overlay};
use super::format;
use super::panels;
use super::view::View;

/// The smallest terminal the layout is designed for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
            too_small(self, area, buf);
            return;
        }
        let [header, tabs, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        render_header(self, header, buf);
        render_tabs(self, tabs, buf);
        match self.view {
            View::Overview => panels::overview::render(self, body, buf),
            View::Charts => panels::charts::render(self, body, buf),
            View::Funnel => panels::funnel::render(self, body, buf),
            View::Strategies => panels::strategies::render(self, body, buf),
            View::Experiment => panels::experiment::render(self, body, buf),
            View::Log => panels::log::render(self, body, buf),
        }
        render_status(self, status, buf);
        match &self.overlay {
            Some(Overlay::Help) => panels::help::render(self, area, buf),
            Some(Overlay::Picker(p)) => panels::picker::render(self, p, area, buf),
            None => {}
        }
    }
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let text = format!(
        "shoplab needs at least {}×{}; this terminal is {}×{}. Enlarge it, or press q to quit.",
        MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
    );
    let y = area.y + area.height.saturating_sub(2) / 2;
    Paragraph::new(Line::styled(text, app.theme.title()))
        .wrap(Wrap { trim: true })
        .centered()
        .render(
            Rect::new(area.x, y, area.width, area.height - (y - area.y)),
            buf,
        );
}

fn render_header(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.scenario;
    let state = if app.finished() {
        "■ done".to_string()
    } else if app.paused {
        "‖ paused".to_string()
    } else {
        format!("▶ {}", app.speed.label())
    };
    let right = Line::styled(format!(" {state} "), app.theme.selected());
    // What the run is, most important first; what does not fit beside a usable progress
    // gauge is left out whole rather than cut.
    let mut left = Line::from(vec![
        Span::styled(
            " shoplab ",
            app.theme.title().add_modifier(Modifier::REVERSED),
        ),
        Span::styled(format!(" {} ", s.name), app.theme.title()),
    ]);
    let room = usize::from(area.width).saturating_sub(right.width() + 24);
    for part in [
        format!("{} · ", s.design_label()),
        format!("seed {} · ", s.seed),
        format!("{} shoppers ", format::count(i64::from(s.shoppers))),
    ] {
        if left.width() + part.chars().count() > room {
            break;
        }
        left.push_span(Span::raw(part));
    }
    let left_width = left.width() as u16;
    let right_width = right.width() as u16;
    let [l, gauge, r] = Layout::horizontal([
        Constraint::Length(left_width),
        Constraint::Min(10),
        Constraint::Length(right_width),
    ])
    .areas(area);
    left.render(l, buf);
    let (day, days) = (app.day(), s.days.max(1));
    LineGauge::default()
        .ratio((f64::from(day) / f64::from(days)).clamp(0.0, 1.0))
        .label(format!("day {day}/{days}"))
        .filled_style(app.theme.arm(0))
        .unfilled_style(app.theme.dim())
        .render(gauge, buf);
    right.render(r, buf);
}

fn render_tabs(app: &App, area: Rect, buf: &mut Buffer) {
    Tabs::new(
        View::ALL
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{} {}", i + 1, v.title())),
    )
    .select(app.view.index())
    .style(app.theme.dim())
    .highlight_style(app.theme.selected())
    .render(area, buf);
}

fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    let fps = app
        .fps
        .map_or(String::new(), |f| format!(" redraw {f:.0}/s "));
    let [left, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(fps.chars().count() as u16),
    ])
    .areas(area);
    // The key hints, as many whole ones as fit (help and quit first).
    let text = app.status.clone().unwrap_or_else(|| {
        const HINTS: [&str; 7] = [
            "? help",
            "q quit",
            "space pause",
            "+/- speed",
            "s step",
            "o open",
            "e export",
        ];
        let room = usize::from(left.width).saturating_sub(2);
        panels::pack(&HINTS, " · ", room)
            .into_iter()
            .next()
            .unwrap_or_default()
    });
    Line::styled(format!(" {text}"), app.theme.status()).render(left, buf);
    buf.set_style(left, app.theme.status());
    Line::styled(fps, app.theme.status()).render(right, buf);
}
