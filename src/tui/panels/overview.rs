//! Overview: a card per arm with conversion, AOV, margin per shopper and ROI, each with its lift against
//! the control, the interval, a significance mark and a sparkline of its daily values; below
//! the cards, when there is room, the secondary metrics of every arm.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

use super::{card_block, placeholder, spark, CardGrid};
use crate::experiment::Snapshot;
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::history::{comparison, Significance};
use crate::tui::kpi::Kpi;

const CARD_MIN_WIDTH: u16 = 38;

/// The KPIs on the cards: ROI only when some arm has costs (the note below the cards says
/// once what it needs, rather than every card saying it).
fn kpis(app: &App) -> &'static [Kpi] {
    if app.scenario.costs.arms.is_empty() {
        &Kpi::CARDS[..3]
    } else {
        &Kpi::CARDS
    }
}

/// Renders the Overview.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(snapshot) = &app.snapshot else {
        placeholder(area, buf, "building the world…", app);
        return;
    };
    let n = snapshot.arms.len();
    let rows = kpis(app).len() as u16;
    // Border, a summary line and two lines per KPI; one line per KPI when that is too tall.
    let (full, compact_height) = (2 + 1 + 2 * rows, 2 + 1 + rows);
    let mut grid = CardGrid::new(area, n, app.selected_arm, CARD_MIN_WIDTH, full);
    let compact = grid.paged;
    if compact {
        grid = CardGrid::new(area, n, app.selected_arm, CARD_MIN_WIDTH, compact_height);
    }
    for &(i, rect) in &grid.cards {
        card(app, snapshot, i, rect, compact, buf);
    }
    let mut rest = grid.rest(area);
    if app.scenario.costs.arms.is_empty() && rest.height > 0 {
        Line::styled(
            "ROI and payback: add a [costs] section (see the roi-card scenario)",
            app.theme.dim(),
        )
        .render(Rect { height: 1, ..rest }, buf);
        rest.y += 1;
        rest.height -= 1;
    }
    if grid.paged && rest.height > 0 {
        Line::styled(
            format!(
                "arm {} of {} — ←/→ shows the others",
                app.selected_arm + 1,
                snapshot.arms.len()
            ),
            app.theme.dim(),
        )
        .render(Rect { height: 1, ..rest }, buf);
    } else if rest.height as usize >= snapshot.arms.len() + 3 {
        let height = (snapshot.arms.len() as u16 + 3).min(rest.height);
        secondary(app, snapshot, Rect { height, ..rest }, buf);
    }
}

fn card(app: &App, snapshot: &Snapshot, i: usize, area: Rect, compact: bool, buf: &mut Buffer) {
    let arm = &snapshot.arms[i];
    let role = match arm.baseline {
        b if b == i => "control".to_string(),
        0 => "treatment".to_string(),
        b => format!("vs {}", snapshot.arms[b].name),
    };
    // Whole parts only: the role and share go first when the name needs the room.
    let room = usize::from(area.width.saturating_sub(2));
    let name = format!(" {} ", arm.name);
    let mut title = Line::from(Span::styled(
        name,
        app.theme.arm(i).patch(title_style(app, i)),
    ));
    for part in [
        format!("· {role} "),
        format!("· {} ", format::share(arm.traffic)),
    ] {
        if title.width() + part.chars().count() > room {
            break;
        }
        title.push_span(Span::styled(part, app.theme.dim()));
    }
    let block = card_block(app, i, title);
    let inner = block.inner(area);
    block.render(area, buf);
    let (shoppers, visits, orders) = (
        format::count_u(arm.moments.assigned),
        format::count_u(arm.counts.visits),
        format::count_u(arm.counts.orders),
    );
    // The shopper count goes first when room is short (Experiment shows it too).
    let full = format!("{visits} visits · {orders} orders · {shoppers} shoppers");
    let summary = if full.chars().count() <= usize::from(inner.width) {
        full
    } else {
        format!("{visits} visits · {orders} orders")
    };
    let mut lines = vec![Line::styled(summary, app.theme.dim())];
    for &kpi in kpis(app) {
        if compact {
            lines.push(compact_line(app, snapshot, i, kpi));
        } else {
            lines.extend(kpi_lines(app, snapshot, i, kpi, inner.width));
        }
    }
    Paragraph::new(lines).render(inner, buf);
}

fn title_style(app: &App, i: usize) -> Style {
    if i == app.selected_arm {
        app.theme.selected()
    } else {
        app.theme.title()
    }
}

/// Two lines: the KPI's value and sparkline; its comparison with the control.
fn kpi_lines(app: &App, snapshot: &Snapshot, i: usize, kpi: Kpi, width: u16) -> [Line<'static>; 2] {
    let arm = &snapshot.arms[i];
    let currency = &app.scenario.business.currency;
    let Some(value) = kpi.value(&arm.metrics) else {
        return roi_lines(app, snapshot, i);
    };
    let head = format!("{:<10} {:>9}  ", kpi.label(), kpi.show(value, currency));
    let daily: Vec<f64> = arm
        .daily
        .iter()
        .filter_map(|c| kpi.daily(c, arm.moments.assigned))
        .collect();
    let room = usize::from(width).saturating_sub(head.chars().count());
    let first = Line::from(vec![
        Span::raw(head),
        Span::styled(spark(&daily, room), app.theme.arm(i)),
    ]);
    if i == 0 {
        return [
            first,
            Line::styled("  control: the baseline", app.theme.dim()),
        ];
    }
    let c = app
        .history
        .last()
        .and_then(|d| comparison(d.arms.get(i)?, kpi));
    let sig = Significance::of(c, app.scenario.experiment.alpha);
    let text = match c {
        Some(c) => {
            let mut t = format!("  {}", c.lift.map_or("n/a".into(), format::signed_percent));
            if let (Some(lo), Some(hi)) = (c.ci_low, c.ci_high) {
                t += &format!(" {}", format::interval(lo, hi));
            }
            // The p-value that decides the mark: Holm-adjusted across arms and metrics,
            // as in the reports (the raw one while there is no adjustment yet).
            if let Some(p) = c.p_value_holm.or(c.p_value) {
                t += &format!(" {}", format::p_value(p));
            }
            t
        }
        None => "  lift: waiting for data".into(),
    };
    let style = match sig {
        Significance::Better => app.theme.good(),
        Significance::Worse => app.theme.bad(),
        _ => Style::new(),
    };
    // The effects the simulator knows to be true, where the card has room: "now" (what the
    // interval estimates), then "at rollout" if there is room for both.
    let used = text.chars().count() + 1 + sig.mark().chars().count();
    let now = c
        .and_then(|c| c.true_lift)
        .map(|t| format!(" now {}", format::signed_percent(t)));
    let rollout = c
        .and_then(|c| c.rollout_lift)
        .map(|t| format!(" rollout {}", format::signed_percent(t)));
    let room = usize::from(width).saturating_sub(used);
    let truth = match (now, rollout) {
        (Some(n), Some(r)) if n.chars().count() + r.chars().count() <= room => n + &r,
        (Some(n), _) if n.chars().count() <= room => n,
        _ => String::new(),
    };
    [
        first,
        Line::from(vec![
            Span::styled(text, style),
            Span::raw(" "),
            Span::styled(sig.mark(), style),
            Span::styled(truth, app.theme.dim()),
        ]),
    ]
}

/// One line per KPI: value, lift, interval and a one-glyph mark; no p-value, no sparkline.
fn compact_line(app: &App, snapshot: &Snapshot, i: usize, kpi: Kpi) -> Line<'static> {
    let arm = &snapshot.arms[i];
    let label = match kpi {
        Kpi::Conversion => "Conv",
        Kpi::Margin => "Marg",
        other => other.label(),
    };
    let Some(value) = kpi.value(&arm.metrics) else {
        let why = if i == 0 {
            ""
        } else if app.scenario.costs.arms.contains_key(&arm.name) {
            " not computed yet"
        } else {
            " needs [costs]"
        };
        return Line::from(vec![
            Span::raw(format!("{label:<4} {:>8}", "n/a")),
            Span::styled(why, app.theme.dim()),
        ]);
    };
    let head = format!(
        "{label:<4} {:>8} ",
        kpi.show(value, &app.scenario.business.currency)
    );
    if i == 0 {
        return Line::from(vec![
            Span::raw(head),
            Span::styled("control", app.theme.dim()),
        ]);
    }
    let c = app
        .history
        .last()
        .and_then(|d| comparison(d.arms.get(i)?, kpi));
    let sig = Significance::of(c, app.scenario.experiment.alpha);
    let mut text = c
        .and_then(|c| c.lift)
        .map_or("…".into(), format::signed_percent);
    if let Some((lo, hi)) = c.and_then(|c| c.ci_low.zip(c.ci_high)) {
        text += &format!(" {}", format::interval(lo, hi));
    }
    let (mark, style) = match sig {
        Significance::Better => (" ▲", app.theme.good()),
        Significance::Worse => (" ▼", app.theme.bad()),
        _ => ("", Style::new()),
    };
    Line::from(vec![Span::raw(head), Span::styled(text + mark, style)])
}

/// ROI against the control at the scenario's annual traffic, with its interval from the
/// margin's uncertainty; what is missing when there is none.
fn roi_lines(app: &App, snapshot: &Snapshot, i: usize) -> [Line<'static>; 2] {
    let arm = &snapshot.arms[i];
    let roi = (i > 0)
        .then(|| {
            crate::roi::analyze(&app.scenario, snapshot)
                .into_iter()
                .nth(i)
                .flatten()
        })
        .flatten();
    let pct = |x: f64| format!("{:+.0}%", 100.0 * x);
    match roi.map(|r| (r.roi, r.payback_month.mid)) {
        Some((f, payback)) if f.mid.is_some() => {
            let value = f.mid.map_or("n/a".into(), pct);
            let label = format!("{:<10} {:>9}", Kpi::Roi.label(), value);
            let interval = match (f.margin_low, f.margin_high) {
                (Some(lo), Some(hi)) => format!("  [{}, {}]", pct(lo), pct(hi)),
                _ => String::new(),
            };
            let payback = payback.map_or("no payback in projection".to_string(), |m| {
                format!("payback month {m}")
            });
            [
                Line::raw(label),
                Line::styled(format!("{interval} {payback}"), app.theme.dim()),
            ]
        }
        _ => {
            let label = format!("{:<10} {:>9}", Kpi::Roi.label(), "n/a");
            let why = if i == 0 {
                "  control: the baseline"
            } else if app.scenario.costs.arms.contains_key(&arm.name) {
                "  not enough data yet"
            } else {
                "  needs [costs] for this arm"
            };
            [Line::raw(label), Line::styled(why, app.theme.dim())]
        }
    }
}

/// Buyer rate, revenue per shopper, cart abandonment, open rate and churn of every arm.
fn secondary(app: &App, snapshot: &Snapshot, area: Rect, buf: &mut Buffer) {
    let currency = &app.scenario.business.currency;
    let header = Row::new([
        "arm",
        "buyer rate",
        "rev/shopper",
        "abandonment",
        "open rate",
        "churn",
    ])
    .style(app.theme.title());
    let rows = snapshot.arms.iter().enumerate().map(|(i, a)| {
        let m = &a.metrics;
        Row::new([
            a.name.clone(),
            format::percent(m.buyer_rate),
            format::money(m.revenue_per_shopper, currency),
            format::percent(m.cart_abandonment_rate),
            format::percent(m.open_rate),
            format::percent(m.churn_rate),
        ])
        .style(super::row_style(app, i))
    });
    Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Length(11),
            Constraint::Length(12),
            Constraint::Length(12),
            Constraint::Length(10),
            Constraint::Min(8),
        ],
    )
    .header(header)
    .block(
        Block::bordered()
            .title(" more metrics ")
            .border_style(app.theme.dim()),
    )
    .render(area, buf);
}
