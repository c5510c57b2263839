//! Markdown: a report a manager can read and forward.

use crate::format::{percent, whole};

use super::{
    break_even_notes, clv_heading, clv_rows, comparison_rows, experiment_notes, factorial_rows,
    results_rows, roi_rows, summary, Report,
};

/// A markdown table; the columns `numeric` says are numbers are right-aligned.
pub(crate) fn table(rows: &[Vec<String>], numeric: impl Fn(usize) -> bool) -> String {
    let Some(header) = rows.first() else {
        return String::new();
    };
    let mut out = format!("| {} |\n|", header.join(" | "));
    for c in 0..header.len() {
        out += if numeric(c) { "---:|" } else { "---|" };
    }
    out.push('\n');
    for row in &rows[1..] {
        out += &format!("| {} |\n", row.join(" | "));
    }
    out
}

/// Renders the markdown document.
pub fn render(r: &Report) -> String {
    let s = &r.scenario;
    let mut out = format!("# shoplab report: {}\n\n", s.name);
    if !s.description.is_empty() {
        out += &format!("{}\n\n", s.description);
    }
    let bottom = summary(r);
    if !bottom.is_empty() {
        out += "## Bottom line\n\n";
        for line in bottom {
            out += &format!("{line}\n\n");
        }
    }
    out += "## The scenario\n\n";
    out += &format!(
        "We simulated {} shoppers over {} days in a store of {} products (seed {}). Each shopper was assigned at random to one of {} arms; the first arm is the control, the shop as it is. Shoppers behave according to hidden tastes, price sensitivity and habits; no arm is told how well it should do, so every difference below comes from how shoppers respond to what the arm shows them. Money is in {} and scaled to {} visitors a year over a {}-month projection (NPV at {:.1}% a year).\n\n",
        whole(f64::from(s.shoppers)),
        s.days_simulated,
        whole(s.products as f64),
        s.seed,
        r.arms.len(),
        s.currency,
        whole(s.annual_visitors),
        s.projection_months,
        100.0 * s.discount_rate
    );
    out += "## Arms\n\n";
    let mut rows = vec![[
        "arm",
        "traffic",
        "recommender",
        "pricing",
        "retention",
        "email",
    ]
    .map(String::from)
    .to_vec()];
    for a in &r.arms {
        let st = &a.strategies;
        rows.push(vec![
            a.name.clone(),
            percent(a.traffic),
            st.recommender.clone(),
            st.pricing.clone(),
            st.retention.clone(),
            st.email.clone(),
        ]);
    }
    out += &table(&rows, |c| c == 1);
    out += "\n## Results\n\n";
    let rows = results_rows(r);
    out += &table(&rows, |c| c > 0);
    if r.arms.len() > 1 {
        out += &format!(
            "\n## Against the control\n\nRelative lift of each arm over its baseline (the control unless the arm names another) with its {:.0}% interval; * marks significance after the Holm adjustment across all arms and metrics. Two truths stand beside each estimate, both from the same shoppers with the same luck: *true now*, every shopper served by each arm's strategies as trained in this experiment (what the interval estimates), and *at rollout*, each arm deployed to every shopper and learning from all of them.\n\n",
            100.0 * (1.0 - r.experiment.alpha)
        );
        let rows = comparison_rows(r);
        out += &table(&rows, |c| c > 2);
    }
    let roi = roi_rows(r);
    if !roi.is_empty() {
        out += "\n## Return on investment\n\nArms with costs only. Incremental revenue and margin a year against the control, scaled from the experiment to the annual traffic; margin is after discounts and message costs. Intervals carry the experiment's statistical uncertainty (at mid costs); ranges in parentheses carry the cost ranges (at the mid margin). The annual cost spreads one-off costs over the projection. Payback is the first month whose cumulative margin covers the costs so far.\n\n";
        out += &table(&roi, |c| c > 0);
        let notes = break_even_notes(r);
        if !notes.is_empty() {
            out += "\n## Break-even\n\n";
            for note in notes {
                out += &format!("- {note}\n");
            }
        }
    }
    let effects = factorial_rows(r);
    if !effects.is_empty() {
        out += &format!(
            "\n## Factorial effects\n\nEach factor's main effect (the average of the cells at its second level minus those at its first) and every interaction up to the design's order, on conversion (percentage points) and revenue per shopper ({}); * marks an interval that excludes zero (not adjusted for the number of effects). *True now* is the same contrast over every shopper served by each cell's strategies.\n\n",
            s.currency
        );
        out += &table(&effects, |c| c > 1);
    }
    if let Some(heading) = clv_heading(r) {
        out += &format!("\n## Customer lifetime value (projected)\n\nThe {heading}.\n\n");
        out += &table(&clv_rows(r), |c| c != 0 && c != 3);
    }
    if !r.charts.is_empty() {
        out += "\n## Charts\n\n";
        for (title, path) in &r.charts {
            out += &format!("![{title}]({path})\n\n");
        }
    }
    out += "\n## Experiment checks\n\n";
    for note in experiment_notes(r) {
        out += &format!("- {note}\n");
    }
    out
}
