//! CSV: one row per arm, headline metrics and lifts against the control.

use crate::experiment::analysis::COMPARED;

use super::Report;

/// Quotes a field when it holds a comma, quote or newline.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A number, or an empty field where there is none; an unbounded interval end is left empty
/// too, as JSON writes it `null`.
fn opt(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map_or_else(String::new, |v| v.to_string())
}

/// Renders the CSV.
pub fn render(r: &Report) -> String {
    let mut header: Vec<String> = [
        "arm",
        "recommender",
        "pricing",
        "retention",
        "email",
        "traffic",
        "shoppers",
        "visits",
        "impressions",
        "clicks",
        "carts",
        "orders",
        "revenue",
        "gross_margin",
        "message_cost",
        "conversion_rate",
        "buyer_rate",
        "aov",
        "revenue_per_shopper",
        "margin_per_shopper",
        "cart_abandonment_rate",
        "open_rate",
        "churn_rate",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for m in COMPARED {
        for part in [
            "lift",
            "ci_low",
            "ci_high",
            "p_value",
            "p_value_holm",
            "p_value_bh",
            "chance_to_beat",
            "true_lift",
        ] {
            header.push(format!("{m}_{part}"));
        }
    }
    let mut out = header.join(",") + "\n";
    for a in &r.arms {
        let (c, m, s) = (&a.counts, &a.metrics, &a.strategies);
        let mut row = vec![
            field(&a.name),
            field(&s.recommender),
            field(&s.pricing),
            field(&s.retention),
            field(&s.email),
            a.traffic.to_string(),
            a.shoppers.to_string(),
            c.visits.to_string(),
            c.impressions.to_string(),
            c.clicks.to_string(),
            c.carts.to_string(),
            c.orders.to_string(),
            c.revenue.to_string(),
            c.gross_margin.to_string(),
            c.message_cost.to_string(),
            m.conversion_rate.to_string(),
            m.buyer_rate.to_string(),
            m.aov.to_string(),
            m.revenue_per_shopper.to_string(),
            m.margin_per_shopper.to_string(),
            m.cart_abandonment_rate.to_string(),
            m.open_rate.to_string(),
            m.churn_rate.to_string(),
        ];
        for metric in COMPARED {
            let cmp = a
                .vs_control
                .as_ref()
                .and_then(|v| v.get(metric))
                .copied()
                .unwrap_or_default();
            row.extend(
                [
                    cmp.lift,
                    cmp.ci_low,
                    cmp.ci_high,
                    cmp.p_value,
                    cmp.true_lift,
                ]
                .map(opt),
            );
        }
        out += &(row.join(",") + "\n");
    }
    out
}
