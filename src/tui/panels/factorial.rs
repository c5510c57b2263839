//! The factorial part of Experiment, for multivariate scenarios: the factors and their
//! levels, every main effect and interaction (up to the design's order) on conversion and
//! revenue per shopper with intervals and marks, and a cell × metric grid.
//!
//! Factors are lettered A, B, C… and cells named in Yates' notation (`(1)` all first levels,
//! `ab` factors A and B at their second level), so an 80-column screen needs no cut words;
//! a wide one adds the full names.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Widget};

use super::pack;
use crate::experiment::analysis::{self, Effect};
use crate::experiment::Snapshot;
use crate::scenario::Factorial;
use crate::tui::app::App;
use crate::tui::format;

/// Width from which cells and effects carry their full names beside the letters.
const WIDE: u16 = 120;

/// `A`, `B`, … for factor `i`.
pub fn letter(i: usize) -> char {
    char::from(b'A' + (i % 26) as u8)
}

/// A cell in Yates' notation: the lower-case letters of the factors at their second level,
/// `(1)` when every factor is at its first.
pub fn yates(levels: &[u8]) -> String {
    let name: String = levels
        .iter()
        .enumerate()
        .filter(|(_, &l)| l > 0)
        .map(|(i, _)| letter(i).to_ascii_lowercase())
        .collect();
    if name.is_empty() {
        "(1)".into()
    } else {
        name
    }
}

/// The factors' key, `A recommender: popularity → item-cf`, packed into lines of `width`.
pub fn key_lines(design: &Factorial, width: usize) -> Vec<String> {
    let items: Vec<String> = design
        .factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let levels: Vec<&str> = f.levels.iter().map(|l| l.name).collect();
            format!("{} {}: {}", letter(i), f.family.key(), levels.join(" → "))
        })
        .collect();
    pack(&items, " · ", width)
}

/// Renders the effects table and the cell grid into `area` (the cell grid scrolls to keep
/// the selected arm in view, with a hint when cells are hidden).
pub fn render(app: &App, snapshot: &Snapshot, design: &Factorial, area: Rect, buf: &mut Buffer) {
    let alpha = app.scenario.experiment.alpha;
    let effects = analysis::factorial(&app.scenario, snapshot, alpha)
        .map(|f| f.effects)
        .unwrap_or_default();
    let terms = terms(&effects);
    // Title, header, the terms and the legend.
    let truth = Columns::fit(app, &effects, &terms, area.width).truth;
    let legend = legend(app, truth, area.width).len() as u16;
    let effects_height = (terms.len() as u16 + 2 + legend).min(area.height);
    let top = Rect {
        height: effects_height,
        ..area
    };
    let rest = Rect {
        y: area.y + effects_height,
        height: area.height - effects_height,
        ..area
    };
    effects_table(app, &effects, &terms, top, buf);
    if rest.height >= 3 {
        cell_grid(app, snapshot, design, rest, buf);
    }
}

/// The effect names in analysis order (main effects first, the highest interaction last).
fn terms(effects: &[Effect]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in effects {
        if !out.contains(&e.effect) {
            out.push(e.effect.clone());
        }
    }
    out
}

/// `A×B` for `recommender × pricing`, by the factors' order in the design.
fn short_term(app: &App, term: &str) -> String {
    let Some(design) = &app.scenario.experiment.factorial else {
        return term.into();
    };
    term.split(" × ")
        .map(|name| {
            design
                .factors
                .iter()
                .position(|f| f.family.key() == name)
                .map_or('?', letter)
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("×")
}

fn section(title: String, app: &App) -> Block<'static> {
    Block::new()
        .borders(Borders::TOP)
        .title(Line::styled(title, app.theme.title()))
        .border_style(app.theme.dim())
}

/// The mark of an effect: `▲ sig`, `▼ sig` when its interval excludes 0, else `n.s.`.
fn mark(e: &Effect) -> &'static str {
    if e.ci_low > 0.0 {
        "▲ sig"
    } else if e.ci_high < 0.0 {
        "▼ sig"
    } else {
        "n.s."
    }
}

fn mark_style(app: &App, e: &Effect) -> Style {
    match mark(e) {
        "▲ sig" => app.theme.good(),
        "▼ sig" => app.theme.bad(),
        _ => Style::new(),
    }
}

/// `+0.12pp [-0.05, +0.29]` for conversion, `+$0.41 [-0.10, +0.92]` for money.
fn estimate(metric: &str, currency: &str, x: f64) -> String {
    // What rounds to zero reads +0.00, not -0.00.
    let x = if (100.0 * x).abs() < 0.005 { 0.0 } else { x };
    if metric == "conversion_rate" {
        format!("{:+.2}pp", 100.0 * x)
    } else {
        let m = format::money(x, currency);
        if x >= 0.0 {
            format!("+{m}")
        } else {
            m
        }
    }
}

fn interval(metric: &str, lo: f64, hi: f64) -> String {
    let scale = if metric == "conversion_rate" {
        100.0
    } else {
        1.0
    };
    let end = |x: f64| {
        let x = scale * x;
        format!("{:+.2}", if x.abs() < 0.005 { 0.0 } else { x })
    };
    format!("[{}, {}]", end(lo), end(hi))
}

const ESTIMATE: u16 = 32;
const TRUTH: u16 = 10;

/// The effects table's columns at a width: the letters and the estimates with intervals and
/// marks always, then the true effects, then the factors' names, as room allows.
#[derive(Clone, Copy)]
struct Columns {
    letters: u16,
    named: u16,
    truth: bool,
    names: bool,
}

impl Columns {
    fn fit(app: &App, effects: &[Effect], terms: &[String], width: u16) -> Self {
        let letters = terms
            .iter()
            .map(|t| short_term(app, t).chars().count() as u16)
            .max()
            .unwrap_or(0)
            .max(6);
        let named = terms
            .iter()
            .map(|t| letters + 1 + t.chars().count() as u16)
            .max()
            .unwrap_or(0);
        let base = letters + 2 * (ESTIMATE + 1);
        let truth =
            effects.iter().any(|e| e.true_estimate.is_some()) && base + 2 * (TRUTH + 1) <= width;
        let names =
            base + named.saturating_sub(letters) + if truth { 2 * (TRUTH + 1) } else { 0 } <= width;
        Columns {
            letters,
            named,
            truth,
            names,
        }
    }
}

/// What the marks and columns mean, packed into lines of `width`.
fn legend(app: &App, truth: bool, width: u16) -> Vec<String> {
    let mut legend = vec![
        "high − low level".to_string(),
        format!(
            "[{:.0}% interval]",
            100.0 * (1.0 - app.scenario.experiment.alpha)
        ),
        "▲/▼ sig: excludes 0".into(),
        "n.s.: not significant".into(),
    ];
    if truth {
        legend.push("true now: the same effect, every shopper served".into());
    }
    pack(&legend, " · ", usize::from(width))
}

fn effects_table(app: &App, effects: &[Effect], terms: &[String], area: Rect, buf: &mut Buffer) {
    let currency = &app.scenario.business.currency;
    let metrics = ["conversion_rate", "revenue_per_shopper"];
    let cols = Columns::fit(app, effects, terms, area.width);
    let Columns {
        letters,
        named,
        truth,
        names,
    } = cols;
    let mut header = vec!["effect".to_string()];
    for m in metrics {
        header.push(if m == "conversion_rate" {
            "conversion (pp)".to_string()
        } else {
            format!("revenue/shopper ({currency})")
        });
        if truth {
            header.push("true now".into());
        }
    }
    let rows = terms.iter().map(|term| {
        let short = short_term(app, term);
        let mut cells: Vec<Line> = vec![Line::raw(if names {
            format!("{short:<w$} {term}", w = usize::from(letters))
        } else {
            short
        })];
        for m in metrics {
            let e = effects.iter().find(|e| &e.effect == term && e.metric == m);
            cells.push(match e {
                Some(e) => Line::from(vec![
                    Span::raw(format!(
                        "{} {} ",
                        estimate(m, currency, e.estimate),
                        interval(m, e.ci_low, e.ci_high)
                    )),
                    Span::styled(mark(e), mark_style(app, e)),
                ]),
                None => Line::styled("waiting for data", app.theme.dim()),
            });
            if truth {
                let t = e.and_then(|e| e.true_estimate);
                cells.push(Line::styled(
                    t.map_or(String::new(), |t| estimate(m, currency, t)),
                    app.theme.dim(),
                ));
            }
        }
        Row::new(cells)
    });
    let mut widths = vec![Constraint::Length(if names { named } else { letters })];
    for _ in metrics {
        widths.push(Constraint::Length(ESTIMATE));
        if truth {
            widths.push(Constraint::Length(TRUTH));
        }
    }
    let legend = legend(app, truth, area.width);
    let block = section(format!(" factorial effects ({} terms) ", terms.len()), app);
    let inner = block.inner(area);
    block.render(area, buf);
    if terms.is_empty() {
        Line::styled("effects appear once every cell has orders", app.theme.dim())
            .render(inner, buf);
        return;
    }
    let legend_height = (legend.len() as u16).min(inner.height);
    let [table_area, legend_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(legend_height)]).areas(inner);
    Table::new(rows, widths)
        .header(Row::new(header).style(app.theme.title()))
        .column_spacing(1)
        .render(table_area, buf);
    Paragraph::new(
        legend
            .into_iter()
            .map(|l| Line::styled(l, app.theme.dim()))
            .collect::<Vec<_>>(),
    )
    .render(legend_area, buf);
}

fn cell_grid(app: &App, snapshot: &Snapshot, design: &Factorial, area: Rect, buf: &mut Buffer) {
    let currency = &app.scenario.business.currency;
    let wide = area.width >= WIDE;
    let n = design.cells.len().min(snapshot.arms.len());
    // Title and header take two rows; the rest shows cells, scrolled to the selected one.
    let room = usize::from(area.height.saturating_sub(2)).max(1);
    let first = app
        .selected_arm
        .saturating_sub(room - 1)
        .min(n.saturating_sub(room));
    let last = (first + room).min(n);
    let hidden = n - (last - first);
    let mut title = if hidden > 0 {
        format!(
            " cells {}–{} of {n} · ↑/↓ shows {hidden} more ",
            first + 1,
            last
        )
    } else {
        format!(" cells × metrics ({n} cells) ")
    };
    let naming = "· ab: A and B at their 2nd level ";
    if title.chars().count() + naming.chars().count() + 4 <= usize::from(area.width) {
        title += naming;
    }
    let block = section(title, app);
    let inner = block.inner(area);
    block.render(area, buf);
    let header = Row::new([
        "cell",
        "shoppers",
        "conversion",
        "AOV",
        "rev/shopper",
        "margin/shopper",
    ])
    .style(app.theme.title());
    let rows = (first..last).map(|i| {
        let arm = &snapshot.arms[i];
        let m = &arm.metrics;
        let name = yates(&design.cells[i]);
        let label = if wide {
            format!("{name:<5} {}", arm.name)
        } else {
            name
        };
        Row::new([
            label,
            format::count_u(arm.moments.assigned),
            format::percent(m.conversion_rate),
            format::money(m.aov, currency),
            format::money(m.revenue_per_shopper, currency),
            format::money(m.margin_per_shopper, currency),
        ])
        .style(super::row_style(app, i))
    });
    let label_width = if wide {
        6 + snapshot.arms[..n]
            .iter()
            .map(|a| a.name.chars().count() as u16)
            .max()
            .unwrap_or(0)
    } else {
        design.factors.len().max(3) as u16 + 1
    };
    Table::new(
        rows,
        [
            Constraint::Length(label_width),
            Constraint::Length(9),
            Constraint::Length(11),
            Constraint::Length(9),
            Constraint::Length(12),
            Constraint::Length(14),
        ],
    )
    .header(header)
    .render(inner, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_in_yates_notation() {
        assert_eq!(yates(&[0, 0, 0]), "(1)");
        assert_eq!(yates(&[1, 0, 0]), "a");
        assert_eq!(yates(&[1, 1, 0]), "ab");
        assert_eq!(yates(&[1, 0, 1]), "ac");
        assert_eq!(yates(&[1, 1, 1]), "abc");
    }
}
