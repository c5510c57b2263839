//! The projected CLV of each arm in the text formats (table and markdown): a heading that
//! says what is projected and how, and one row per arm.

use super::Report;
use crate::format::count_u;

/// The sentence that heads the CLV rows, or `None` when no arm has a CLV (a snapshot taken
/// before the horizon).
pub(crate) fn clv_heading(r: &Report) -> Option<String> {
    let p = r
        .arms
        .iter()
        .filter_map(|a| a.clv.as_ref()?.projected.as_ref())
        .next();
    let clv = r.arms.iter().find_map(|a| a.clv.as_ref())?;
    let how = match p {
        Some(p) => format!(
            "over the next {} months ({} days), BG/NBD fitted to each arm's customers and their value per purchase day by Gamma-Gamma (or their observed means where it has no maximum), {:.0}% interval by the {}",
            p.months,
            p.days,
            100.0 * (1.0 - p.alpha),
            p.method
        ),
        None => "BG/NBD and Gamma-Gamma fitted to each arm's customers".to_string(),
    };
    let mut text = format!(
        "projected CLV ({}): margin per shopper from the repeat orders of the arm's customers so far, {how}; a projection, not an observation",
        r.scenario.currency
    );
    if clv.realised.is_some() {
        text += "; realised: what the same customers' orders really earned over those days, the shoppers living on under the same strategies";
    }
    Some(text)
}

/// The CLV rows (header first), or nothing when no arm has a CLV.
pub(crate) fn clv_rows(r: &Report) -> Vec<Vec<String>> {
    if r.arms.iter().all(|a| a.clv.is_none()) {
        return Vec::new();
    }
    let checked = r
        .arms
        .iter()
        .any(|a| a.clv.as_ref().is_some_and(|c| c.realised.is_some()));
    let mut header = vec![
        "arm".to_string(),
        "customers".to_string(),
        "projected margin/shopper [interval]".to_string(),
        "value per purchase day".to_string(),
    ];
    if checked {
        header.push("realised".to_string());
    }
    let mut rows = vec![header];
    for a in &r.arms {
        let Some(clv) = &a.clv else { continue };
        let mut row = vec![a.name.clone()];
        match &clv.projected {
            Some(p) => {
                row.push(count_u(p.customers));
                row.push(format!("{:.2} [{:.2}, {:.2}]", p.estimate, p.low, p.high));
                row.push(p.spend.to_string());
            }
            None => {
                row.push("–".into());
                row.push(format!(
                    "none: {}",
                    clv.reason.as_deref().unwrap_or("not fitted")
                ));
                row.push("–".into());
            }
        }
        if checked {
            row.push(match (clv.realised, clv.covered) {
                (Some(x), Some(true)) => format!("{x:.2} inside"),
                (Some(x), Some(false)) => format!("{x:.2} outside"),
                (Some(x), None) => format!("{x:.2}"),
                (None, _) => "n/a".into(),
            });
        }
        rows.push(row);
    }
    rows
}
