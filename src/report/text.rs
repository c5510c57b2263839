//! Rows and sentences the text formats (table and markdown) share.

use std::collections::BTreeMap;

use super::Report;
use crate::experiment::analysis::{self, MetricComparison};
use crate::format::{self, interval, percent, whole};
use crate::scenario::Allocation;

/// `+12.3%` for a relative lift, `n/a` when undefined.
pub(crate) fn signed_percent(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), format::signed_percent)
}

/// `+12.3% [+5.1, +19.4] *` — lift, interval and a star when significant after the Holm
/// adjustment.
pub(crate) fn lift_cell(c: Option<&MetricComparison>) -> String {
    let Some(c) = c else { return "n/a".into() };
    match (c.ci_low, c.ci_high) {
        (Some(lo), Some(hi)) => {
            let star = if c.significant { " *" } else { "" };
            format!("{} {}{star}", signed_percent(c.lift), interval(lo, hi))
        }
        _ => signed_percent(c.lift),
    }
}

/// A p-value for people: `<0.001` or three decimals; `n/a` when not computed.
pub(crate) fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "<0.001".into(),
        Some(p) => format!("{p:.3}"),
        None => "n/a".into(),
    }
}

/// An arm's comparisons in report order (the map itself is alphabetical).
pub(crate) fn ordered<'a>(
    vs: Option<&'a BTreeMap<&'static str, MetricComparison>>,
) -> impl Iterator<Item = (&'static str, &'a MetricComparison)> {
    analysis::COMPARED
        .into_iter()
        .filter_map(move |m| vs.and_then(|v| v.get(m)).map(|c| (m, c)))
}

/// Human name of a compared metric.
pub(crate) fn metric_label(metric: &str) -> &'static str {
    match metric {
        "conversion_rate" => "conversion",
        "buyer_rate" => "buyer rate",
        "aov" => "AOV",
        "revenue_per_shopper" => "revenue/shopper",
        "margin_per_shopper" => "margin/shopper",
        "cart_abandonment_rate" => "cart abandonment",
        _ => "metric",
    }
}

/// The results table (header first): one row per arm with its headline metrics.
pub(crate) fn results_rows(r: &Report) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "arm",
        "shoppers",
        "visits",
        "orders",
        "conversion",
        "AOV",
        "rev/shopper",
        "margin/shopper",
        "abandonment",
        "open rate",
        "churn",
    ]
    .map(String::from)
    .to_vec()];
    for a in &r.arms {
        let m = &a.metrics;
        rows.push(vec![
            a.name.clone(),
            a.shoppers.to_string(),
            a.counts.visits.to_string(),
            a.counts.orders.to_string(),
            percent(m.conversion_rate),
            format!("{:.2}", m.aov),
            format!("{:.2}", m.revenue_per_shopper),
            format!("{:.2}", m.margin_per_shopper),
            percent(m.cart_abandonment_rate),
            percent(m.open_rate),
            percent(m.churn_rate),
        ]);
    }
    rows
}

/// The comparisons with each arm's baseline (header first): per arm and metric, the lift
/// with its interval and significance, raw and adjusted p-values, chance to beat, and the
/// two truths.
pub(crate) fn comparison_rows(r: &Report) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "arm",
        "vs",
        "metric",
        "lift",
        "p",
        "p Holm",
        "p BH",
        "P(beat)",
        "true now",
        "at rollout",
    ]
    .map(String::from)
    .to_vec()];
    for a in &r.arms {
        let Some(baseline) = &a.baseline else {
            continue;
        };
        for (metric, c) in ordered(a.vs_control.as_ref()) {
            let now = match (c.true_lift, c.covered) {
                (Some(t), Some(true)) => format!("{} covered", signed_percent(Some(t))),
                (Some(t), Some(false)) => format!("{} missed", signed_percent(Some(t))),
                // No interval to hold it against.
                (Some(t), None) => signed_percent(Some(t)),
                (None, _) => "n/a".into(),
            };
            rows.push(vec![
                a.name.clone(),
                baseline.clone(),
                metric_label(metric).into(),
                lift_cell(Some(c)),
                p_value(c.p_value),
                p_value(c.p_value_holm),
                p_value(c.p_value_bh),
                c.chance_to_beat
                    .map_or("n/a".into(), |x| format!("{:.1}%", 100.0 * x)),
                now,
                signed_percent(c.rollout_lift),
            ]);
        }
    }
    rows
}

/// What the two truths beside an estimate are, in one sentence each.
pub const TRUTHS_EXPLAINED: [&str; 2] = [
    "true now: the lift if every shopper had been served by each arm's strategies as trained in this experiment — what the interval estimates (\"covered\" when it lies inside)",
    "at rollout: the lift if each arm were deployed to every shopper and learned from all of them; its distance from \"true now\" is the rollout gap, how much this test under- or over-states shipping the arm",
];

/// The factorial effects table (header first): every main effect and interaction on each
/// analysed metric, in the metric's own units (conversion in percentage points, money in
/// the scenario's currency), with the interval, p-value, a mark and the true effect.
pub(crate) fn factorial_rows(r: &Report) -> Vec<Vec<String>> {
    let Some(f) = &r.experiment.factorial else {
        return Vec::new();
    };
    let currency = &r.scenario.currency;
    let level = 100.0 * (1.0 - r.experiment.alpha);
    let mut rows = vec![vec![
        "effect".to_string(),
        "metric".into(),
        format!("estimate [{level:.0}% interval]"),
        "p".into(),
        "true now".into(),
    ]];
    for x in &f.effects {
        let show = |v: f64| {
            if x.metric == "conversion_rate" {
                format!("{:+.2}pp", 100.0 * v)
            } else {
                let m = format::money(v, currency);
                if v >= 0.0 {
                    format!("+{m}")
                } else {
                    m
                }
            }
        };
        let mark = if x.ci_low > 0.0 || x.ci_high < 0.0 {
            " *"
        } else {
            ""
        };
        rows.push(vec![
            x.effect.clone(),
            metric_label(x.metric).to_string(),
            format!(
                "{} [{}, {}]{mark}",
                show(x.estimate),
                show(x.ci_low),
                show(x.ci_high)
            ),
            p_value(Some(x.p_value)),
            x.true_estimate.map_or("n/a".into(), show),
        ]);
    }
    if rows.len() == 1 {
        rows.clear();
    }
    rows
}

/// The lines every text format shows about the experiment as a whole.
pub(crate) fn experiment_notes(r: &Report) -> Vec<String> {
    let e = &r.experiment;
    let name = |i: usize| r.arms.get(i).map_or("?", |a| a.name.as_str());
    let mut notes = Vec::new();
    match &e.srm {
        Some(s) if s.flagged => notes.push(format!(
            "SAMPLE RATIO MISMATCH: p = {} — the split differs from the plan; do not trust the comparisons",
            p_value(Some(s.p_value))
        )),
        Some(s) => notes.push(format!("sample ratio: as planned (χ² = {:.2}, p = {})", s.statistic, p_value(Some(s.p_value)))),
        None if e.allocation.mode == Allocation::Thompson => notes.push("sample ratio: not checked (adaptive allocation changes the split by design)".into()),
        None => notes.push("sample ratio: not checked (it needs two arms and some shoppers)".into()),
    }
    for s in &e.sequential {
        let day = |d: Option<u32>| d.map_or("never".to_string(), |d| format!("day {}", d + 1));
        notes.push(format!(
            "sequential ({}, conversion): always-valid p = {} (first below α: {}); naive daily peeking p = {} (first below α: {})",
            name(s.arm),
            p_value(s.sequential_p),
            day(s.sequential_first_significant_day),
            p_value(s.naive_p),
            day(s.naive_first_significant_day)
        ));
    }
    for c in &e.cuped {
        notes.push(format!(
            "CUPED ({}, revenue/shopper, pre-period visits as covariate): {} {}, p = {}, variance −{:.1}%",
            name(c.arm),
            format::signed_percent(c.lift),
            interval(c.ci_low, c.ci_high),
            p_value(Some(c.p_value)),
            100.0 * c.variance_reduction
        ));
    }
    if let Some(f) = &e.factorial {
        if let Some((chi2, df, p)) = f.independence {
            notes.push(format!(
                "buying across cells: χ² = {chi2:.2} on {df} df, p = {}",
                p_value(Some(p))
            ));
        }
    }
    if !e.allocation.daily_weights.is_empty() {
        let last = e.allocation.daily_weights.last().map(|w| {
            w.iter()
                .map(|x| format!("{:.0}%", 100.0 * x))
                .collect::<Vec<_>>()
                .join(" / ")
        });
        notes.push(format!(
            "Thompson allocation: final shares {}; regret {} against the best arm (an even split: {}), from the {}",
            last.unwrap_or_default(),
            whole(e.allocation.regret),
            whole(e.allocation.regret_even_split),
            e.allocation.basis
        ));
    }
    for a in &r.arms {
        if let Some(auc) = a.churn_model_auc {
            notes.push(format!(
                "churn model ({}): AUC {auc:.3} against the shoppers who actually lapsed",
                a.name
            ));
        }
    }
    if e.true_effect {
        notes.extend(TRUTHS_EXPLAINED.iter().map(|t| t.to_string()));
    } else {
        notes.push("true effect: not computed (off by the scenario or by default for large populations; pass --true-effect on)".into());
    }
    if e.replicates > 1 {
        notes.push(format!(
            "replicates: each arm ran {} independent copies of its strategies, each learning only from its own share of the arm's shoppers; intervals and p-values take the copy as the unit (Student t, Welch–Satterthwaite degrees of freedom), so they carry the variance of what was learned",
            e.replicates
        ));
    } else if !e.learning_arms.is_empty() {
        notes.push(format!(
            "arms that learn from their own traffic ({}): the intervals are conditional on the models each arm trained in this run; error rates across re-runs of the whole design come from replications (`shoplab sweep`, or experiment.replicates in one run)",
            e.learning_arms.join(", ")
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factorial_effect_is_starred_when_its_interval_excludes_zero() {
        use crate::experiment::analysis::Effect;
        use crate::experiment::Engine;
        use crate::Scenario;
        let mut scenario = Scenario::load("multivariate").unwrap();
        (scenario.shoppers, scenario.days) = (300, 2);
        let mut engine = Engine::new(scenario.clone());
        engine.run(|_| {});
        let mut report = Report::new(&scenario, &engine.snapshot());
        let effect = |name: &str, ci: (f64, f64)| Effect {
            metric: "conversion_rate",
            effect: name.into(),
            estimate: (ci.0 + ci.1) / 2.0,
            ci_low: ci.0,
            ci_high: ci.1,
            p_value: 0.5,
            true_estimate: None,
        };
        let factorial = report.experiment.factorial.as_mut().unwrap();
        factorial.effects = vec![
            effect("above", (0.001, 0.003)),
            effect("below", (-0.003, -0.001)),
            effect("across", (-0.001, 0.003)),
        ];
        let marked: Vec<bool> = factorial_rows(&report)[1..]
            .iter()
            .map(|row| row[2].ends_with(" *"))
            .collect();
        assert_eq!(marked, [true, true, false]);
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(signed_percent(Some(0.153)), "+15.3%");
        assert_eq!(signed_percent(None), "n/a");
    }
}
