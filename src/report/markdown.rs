//! Markdown: a document to paste into a wiki or forward.

use super::{
    experiment_notes, lift_cell, metric_label, money, ordered, p_value, percent, signed_percent,
    Report,
};

/// Renders the markdown document.
pub fn render(r: &Report) -> String {
    let s = &r.scenario;
    let mut out = format!("# shoplab: {}\n\n", s.name);
    if !s.description.is_empty() {
        out += &format!("{}\n\n", s.description);
    }
    out += &format!(
        "{} shoppers over {} days (seed {}), a catalog of {} products; money in {}.\n\n",
        money(f64::from(s.shoppers)),
        s.days_simulated,
        s.seed,
        money(s.products as f64),
        s.currency
    );
    out += "## Arms\n\n| arm | traffic | recommender | pricing | retention | email |\n|---|---:|---|---|---|---|\n";
    for a in &r.arms {
        let st = &a.strategies;
        out += &format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            a.name,
            percent(a.traffic),
            st.recommender,
            st.pricing,
            st.retention,
            st.email
        );
    }
    out += "\n## Results\n\n| arm | shoppers | visits | orders | conversion | AOV | revenue / visitor | CLV | cart abandonment | open rate | churn |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for a in &r.arms {
        let m = &a.metrics;
        out += &format!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {} | {} | {} |\n",
            a.name,
            a.shoppers,
            a.counts.visits,
            a.counts.orders,
            percent(m.conversion_rate),
            m.aov,
            m.revenue_per_visitor,
            m.clv,
            percent(m.cart_abandonment_rate),
            percent(m.open_rate),
            percent(m.churn_rate)
        );
    }
    if r.arms.len() > 1 {
        out += &format!(
            "\n## Against the control\n\nRelative lift of each arm over the first arm with its {:.0}% interval; * marks significance after the Holm adjustment across all arms and metrics. The true lift is the same comparison with both arms run on the whole population.\n\n| arm | metric | lift | p | p (Holm) | p (BH) | chance to beat | true lift |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
            100.0 * (1.0 - r.experiment.alpha)
        );
        for a in r.arms.iter().skip(1) {
            for (metric, c) in ordered(a.vs_control.as_ref()) {
                out += &format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    a.name,
                    metric_label(metric),
                    lift_cell(Some(c)),
                    p_value(c.p_value),
                    p_value(c.p_value_holm),
                    p_value(c.p_value_bh),
                    c.chance_to_beat
                        .map_or("n/a".into(), |x| format!("{:.1}%", 100.0 * x)),
                    signed_percent(c.true_lift)
                );
            }
        }
    }
    out += "\n## Experiment checks\n\n";
    for note in experiment_notes(r) {
        out += &format!("- {note}\n");
    }
    out
}
