//! The plain-text table printed by `shoplab run`.

use crate::format::whole;

use super::{
    break_even_notes, clv_heading, clv_rows, comparison_rows, experiment_notes, factorial_rows,
    results_rows, roi_rows, summary, Report,
};

/// Renders the table.
pub fn render(r: &Report) -> String {
    let s = &r.scenario;
    let mut out = format!(
        "{} — {} shoppers × {} days, seed {}, {} products ({})\n\n",
        s.name,
        whole(f64::from(s.shoppers)),
        s.days_simulated,
        s.seed,
        whole(s.products as f64),
        s.currency
    );
    for line in summary(r) {
        out += &format!("{line}\n");
    }
    if !out.ends_with("\n\n") {
        out += "\n";
    }
    let rows = results_rows(r);
    out += &align(&rows);
    if r.arms.len() > 1 {
        out += &format!(
            "\nagainst each arm's baseline, \"vs\" (lift [{:.0}% interval], * = significant after Holm):\n",
            100.0 * (1.0 - r.experiment.alpha)
        );
        let rows = comparison_rows(r);
        out += &align(&rows);
    }
    let roi = roi_rows(r);
    if !roi.is_empty() {
        let s = &r.scenario;
        out += &format!(
            "\nmoney at {} visitors a year ({}), {}-month projection, margin after discounts and messages:\n",
            whole(s.annual_visitors),
            s.currency,
            s.projection_months
        );
        out += &align(&roi);
        for note in break_even_notes(r) {
            out += &format!("{note}\n");
        }
    }
    let effects = factorial_rows(r);
    if !effects.is_empty() {
        out += "\nfactorial effects (high level − low level; * = interval excludes 0):\n";
        out += &align(&effects);
    }
    if let Some(heading) = clv_heading(r) {
        out += &format!("\n{heading}:\n");
        out += &align(&clv_rows(r));
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
    align_left(rows, 1)
}

/// Left-aligns the first `left` columns (names) and right-aligns the others (numbers).
pub(crate) fn align_left(rows: &[Vec<String>], left: usize) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                // Padded by hand: a width in a format string is limited to u16, and a long
                // name must not make the report panic.
                let pad = " ".repeat(widths[c] - cell.chars().count());
                if c < left {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        out += cells.join("  ").trim_end();
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_of_any_width() {
        let rows = vec![
            vec!["arm".to_string(), "visits".to_string()],
            vec!["é".repeat(70_000), "7".to_string()],
        ];
        let text = align(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], format!("arm{}  visits", " ".repeat(70_000 - 3)));
        assert_eq!(lines[1], format!("{}       7", "é".repeat(70_000)));
    }
}
