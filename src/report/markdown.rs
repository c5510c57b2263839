//! Markdown: a document to paste into a wiki or forward.

use super::{lift_cell, money, percent, Report};

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
        out += "\n## Against the control\n\nRelative lift of each arm over the first arm, with its interval; * marks an interval that excludes zero.\n\n| arm | conversion | AOV | revenue / visitor | CLV |\n|---|---:|---:|---:|---:|\n";
        for a in r.arms.iter().skip(1) {
            let lift = |m: &str| lift_cell(a.vs_control.as_ref().and_then(|v| v.get(m)));
            out += &format!(
                "| {} | {} | {} | {} | {} |\n",
                a.name,
                lift("conversion_rate"),
                lift("aov"),
                lift("revenue_per_visitor"),
                lift("clv")
            );
        }
    }
    out
}
