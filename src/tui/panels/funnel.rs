//! Funnel: visits → clicks → carts → orders per arm, each step as a bar and as a share of
//! the step before, with cart abandonment underneath.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{card_block, placeholder, CardGrid};
use crate::experiment::ArmSnapshot;
use crate::metrics::ratio;
use crate::tui::app::App;
use crate::tui::format;

const CARD_HEIGHT: u16 = 2 + 7;
const CARD_MIN_WIDTH: u16 = 38;

/// Renders the Funnel.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(snapshot) = &app.snapshot else {
        placeholder(area, buf, "building the world…", app);
        return;
    };
    let grid = CardGrid::new(
        area,
        snapshot.arms.len(),
        app.selected_arm,
        CARD_MIN_WIDTH,
        CARD_HEIGHT,
    );
    for &(i, rect) in &grid.cards {
        card(app, &snapshot.arms[i], i, rect, buf);
    }
    let rest = grid.rest(area);
    if rest.height > 0 {
        let note = if grid.paged {
            format!(
                "arm {} of {} — ←/→ shows the others",
                app.selected_arm + 1,
                snapshot.arms.len()
            )
        } else {
            "each step as a share of the one before; a visit may click several products".into()
        };
        Line::styled(note, app.theme.dim()).render(Rect { height: 1, ..rest }, buf);
    }
}

fn card(app: &App, arm: &ArmSnapshot, i: usize, area: Rect, buf: &mut Buffer) {
    let block = card_block(
        app,
        i,
        Line::styled(format!(" {} ", arm.name), app.theme.arm(i)),
    );
    let inner = block.inner(area);
    block.render(area, buf);
    let c = &arm.counts;
    let stages = [
        ("visits", c.visits, None),
        (
            "clicks",
            c.clicks,
            Some(ratio(c.clicks as f64, c.visits as f64)),
        ),
        (
            "carts",
            c.carts,
            Some(ratio(c.carts as f64, c.clicks as f64)),
        ),
        (
            "orders",
            c.orders,
            Some(ratio(c.orders as f64, c.carts as f64)),
        ),
    ];
    let widest = stages.iter().map(|s| s.1).max().unwrap_or(0);
    // label 7, counts 8, share 8: the bar takes what is left.
    let bar_room = usize::from(inner.width).saturating_sub(7 + 8 + 8).max(1);
    let mut lines: Vec<Line> = stages
        .iter()
        .map(|&(label, n, share)| {
            let filled = (ratio(n as f64, widest as f64) * bar_room as f64).round() as usize;
            let filled = if n > 0 { filled.max(1) } else { 0 };
            Line::from(vec![
                Span::raw(format!("{label:<7}")),
                Span::styled("█".repeat(filled), app.theme.arm(i)),
                Span::raw(" ".repeat(bar_room - filled.min(bar_room))),
                Span::raw(format!("{:>8}", format::count_u(n))),
                Span::styled(
                    share.map_or(String::new(), |s| format!("{:>8}", format::percent(s))),
                    app.theme.dim(),
                ),
            ])
        })
        .collect();
    lines.push(Line::raw(format!(
        "abandoned {}/{} carts ({})",
        format::count_u(c.abandoned),
        format::count_u(c.carts),
        format::percent(arm.metrics.cart_abandonment_rate)
    )));
    lines.push(Line::styled(
        format!(
            "recovered {} · conversion {}",
            format::count_u(c.recovered_carts),
            format::percent(arm.metrics.conversion_rate)
        ),
        app.theme.dim(),
    ));
    Paragraph::new(lines).render(inner, buf);
}
