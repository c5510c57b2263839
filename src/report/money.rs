//! The money side of a report: the bottom line a manager reads first, the ROI table of the
//! arms that cost something, and what breaking even would take.

use super::{ArmReport, Report};
use crate::format::{whole, whole_money};
use crate::roi::ArmRoi;

/// ` (a – b)` when a range is one, nothing when both ends are the same.
fn range(low: &str, high: &str) -> String {
    if low == high {
        String::new()
    } else {
        format!(" ({low} – {high})")
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/d".to_string(), |v| format!("{:+.0}%", 100.0 * v))
}

fn month(m: Option<u32>) -> String {
    m.map_or("never".to_string(), |m| format!("month {m}"))
}

/// The arms whose ROI is defined: they cost something beyond their baseline.
fn costed(r: &Report) -> impl Iterator<Item = (&ArmReport, &ArmRoi)> {
    r.arms
        .iter()
        .filter_map(|a| a.roi.as_ref().filter(|x| x.costs.any()).map(|x| (a, x)))
}

/// Profit a year (incremental margin minus the annual cost, at mid costs): low, mid, high.
fn profit(x: &ArmRoi) -> [f64; 3] {
    let c = x.annual_cost.mid;
    [
        x.incremental_margin.low - c,
        x.incremental_margin.mid - c,
        x.incremental_margin.high - c,
    ]
}

/// The bottom line, one paragraph per arm that has a money answer: the decision, profit a
/// year with its interval, ROI and payback where the arm has costs, then what it assumes.
/// Empty when no arm has one (too little data, or a single arm).
pub(crate) fn summary(r: &Report) -> Vec<String> {
    let s = &r.scenario;
    let money = |x: f64| whole_money(x, &s.currency);
    let level = 100.0 * (1.0 - r.experiment.alpha);
    let mut out = Vec::new();
    for a in &r.arms {
        let Some(x) = &a.roi else { continue };
        let [lo, mid, hi] = profit(x);
        let versus = a.baseline.as_deref().unwrap_or("the control");
        let decision = if lo > 0.0 {
            format!("Roll out {}: it earns more than it costs even at the low end of the {level:.0}% interval.", a.name)
        } else if hi < 0.0 {
            format!("Do not roll out {}: it loses money even at the high end of the {level:.0}% interval.", a.name)
        } else {
            format!("No clear answer for {} yet: its profit interval spans zero; a longer or larger test would narrow it.", a.name)
        };
        let mut line = format!(
            "{decision} Profit a year against {versus}: {} [{} to {}].",
            money(mid),
            money(lo),
            money(hi)
        );
        if x.costs.any() {
            line += &format!(
                " ROI {} [{}, {}]; payback {}{}.",
                pct(x.roi.mid),
                pct(x.roi.margin_low),
                pct(x.roi.margin_high),
                month(x.payback_month.mid),
                range(
                    &month(x.payback_month.margin_high),
                    &month(x.payback_month.margin_low)
                )
            );
        }
        out.push(line);
    }
    if !out.is_empty() {
        let costs = if costed(r).next().is_some() {
            format!(
                "costs at the middle of their ranges, one-off costs spread over {} months",
                s.projection_months
            )
        } else {
            "no costs beyond the control (the scenario has no [costs.arms] for these arms)"
                .to_string()
        };
        out.push(format!(
            "This assumes {} visitors a year, the margin difference measured here holding after rollout, {costs}, and a yearly discount rate of {:.0}% for NPV.",
            whole(s.annual_visitors),
            100.0 * s.discount_rate
        ));
    }
    out
}

/// The ROI table (header first) of the arms with costs, or nothing when none has any.
pub(crate) fn roi_rows(r: &Report) -> Vec<Vec<String>> {
    let currency = &r.scenario.currency;
    let money = |x: f64| whole_money(x, currency);
    let mut rows = vec![[
        "arm",
        "revenue/yr",
        "margin/yr [interval]",
        "cost/yr (range)",
        "ROI [interval] (cost range)",
        "payback",
        "NPV [interval]",
    ]
    .map(String::from)
    .to_vec()];
    for (a, x) in costed(r) {
        let roi = match x.roi.mid {
            None => "not defined".to_string(),
            Some(_) => {
                // With a negative margin, ROI rises with cost; show the range low to high.
                let (p, q) = (
                    x.roi.cost_high.unwrap_or(0.0),
                    x.roi.cost_low.unwrap_or(0.0),
                );
                format!(
                    "{} [{}, {}]{}",
                    pct(x.roi.mid),
                    pct(x.roi.margin_low),
                    pct(x.roi.margin_high),
                    range(&pct(Some(p.min(q))), &pct(Some(p.max(q))))
                )
            }
        };
        rows.push(vec![
            a.name.clone(),
            money(x.incremental_revenue.mid),
            format!(
                "{} [{} – {}]",
                money(x.incremental_margin.mid),
                money(x.incremental_margin.low),
                money(x.incremental_margin.high)
            ),
            format!(
                "{}{}",
                money(x.annual_cost.mid),
                range(&money(x.annual_cost.low), &money(x.annual_cost.high))
            ),
            roi,
            format!(
                "{}{}",
                month(x.payback_month.mid),
                range(
                    &month(x.payback_month.margin_high),
                    &month(x.payback_month.margin_low)
                )
            ),
            format!(
                "{} [{} – {}]",
                money(x.npv.mid),
                money(x.npv.margin_low),
                money(x.npv.margin_high)
            ),
        ]);
    }
    if rows.len() == 1 {
        rows.clear();
    }
    rows
}

/// One sentence per arm with costs on the lift needed to break even and what detecting it
/// takes.
pub(crate) fn break_even_notes(r: &Report) -> Vec<String> {
    let days = |d: Option<f64>| d.map_or("n/a".to_string(), |d| format!("{:.0} days", d.ceil()));
    let visits = |v: Option<f64>| v.map_or("n/a".to_string(), |v| whole(v.ceil()));
    costed(r)
        .filter_map(|(a, x)| {
            let b = x.break_even?;
            Some(format!(
                "{} breaks even at {:+.1}% conversion (AOV unchanged) or {:+.1}% AOV (conversion unchanged); detecting that takes {} visits per arm ({} of traffic) for conversion, {} per arm ({}) for AOV",
                a.name,
                100.0 * b.conversion_lift,
                100.0 * b.aov_lift,
                visits(b.conversion_visits_per_arm),
                days(b.conversion_days),
                visits(b.aov_visits_per_arm),
                days(b.aov_days)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_printed_only_when_it_is_one() {
        assert_eq!(range("month 3", "month 3"), "");
        assert_eq!(range("month 2", "month 5"), " (month 2 – month 5)");
    }
}
