//! The plain-text table printed by `shoplab run`.

use super::{
    break_even_notes, experiment_notes, lift_cell, metric_label, money, ordered, p_value, percent,
    roi_rows, signed_percent, Report,
};

type Column = (&'static str, fn(&super::ArmReport) -> String);

const COLUMNS: &[Column] = &[
    ("shoppers", |a| a.shoppers.to_string()),
    ("visits", |a| a.counts.visits.to_string()),
    ("orders", |a| a.counts.orders.to_string()),
    ("conversion", |a| percent(a.metrics.conversion_rate)),
    ("AOV", |a| format!("{:.2}", a.metrics.aov)),
    ("rev/visitor", |a| {
        format!("{:.2}", a.metrics.revenue_per_visitor)
    }),
    ("CLV", |a| format!("{:.2}", a.metrics.clv)),
    ("abandon", |a| percent(a.metrics.cart_abandonment_rate)),
    ("open", |a| percent(a.metrics.open_rate)),
    ("churn", |a| percent(a.metrics.churn_rate)),
];

/// Renders the table.
pub fn render(r: &Report) -> String {
    let s = &r.scenario;
    let mut out = format!(
        "{} — {} shoppers × {} days, seed {}, {} products ({})\n\n",
        s.name,
        money(f64::from(s.shoppers)),
        s.days_simulated,
        s.seed,
        money(s.products as f64),
        s.currency
    );
    let mut rows: Vec<Vec<String>> = vec![std::iter::once("arm")
        .chain(COLUMNS.iter().map(|c| c.0))
        .map(String::from)
        .collect()];
    for arm in &r.arms {
        rows.push(
            std::iter::once(arm.name.clone())
                .chain(COLUMNS.iter().map(|c| (c.1)(arm)))
                .collect(),
        );
    }
    out += &align(&rows);
    if r.arms.len() > 1 {
        out += &format!(
            "\nagainst the control (lift [{:.0}% interval], * = significant after Holm):\n",
            100.0 * (1.0 - r.experiment.alpha)
        );
        let mut rows = vec![[
            "arm",
            "metric",
            "lift",
            "p",
            "p Holm",
            "P(beat)",
            "true lift",
        ]
        .map(String::from)
        .to_vec()];
        for arm in r.arms.iter().skip(1) {
            for (metric, c) in ordered(arm.vs_control.as_ref()) {
                let truth = match (c.true_lift, c.covered) {
                    (Some(t), Some(true)) => format!("{} covered", signed_percent(Some(t))),
                    (Some(t), _) => format!("{} missed", signed_percent(Some(t))),
                    (None, _) => "n/a".into(),
                };
                rows.push(vec![
                    arm.name.clone(),
                    metric_label(metric).into(),
                    lift_cell(Some(c)),
                    p_value(c.p_value),
                    p_value(c.p_value_holm),
                    c.chance_to_beat
                        .map_or("n/a".into(), |x| format!("{:.1}%", 100.0 * x)),
                    truth,
                ]);
            }
        }
        out += &align(&rows);
    }
    let roi = roi_rows(r);
    if !roi.is_empty() {
        let s = &r.scenario;
        out += &format!(
            "\nmoney at {} visitors a year ({}), {}-month projection, margin after discounts and messages:\n",
            money(s.annual_visitors),
            s.currency,
            s.projection_months
        );
        out += &align(&roi);
        for note in break_even_notes(r) {
            out += &format!("{note}\n");
        }
    }
    out += "\n";
    for note in experiment_notes(r) {
        out += &format!("{note}\n");
    }
    out += "\nstrategies:\n";
    for arm in &r.arms {
        let st = &arm.strategies;
        out += &format!(
            "  {}: {} · {} · {} · {}\n",
            arm.name, st.recommender, st.pricing, st.retention, st.email
        );
    }
    out
}

/// Left-aligns the first column and right-aligns the others.
pub(super) fn align(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == 0 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect();
        out += cells.join("  ").trim_end();
        out.push('\n');
    }
    out
}
