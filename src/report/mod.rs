//! Headless reports: one [`Report`] built from a snapshot, rendered as a table, JSON, CSV or
//! markdown.

mod csv;
mod markdown;
pub mod plot;
mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::experiment::analysis::{
    self, compare_all, AllocationReport, Cuped, FactorialAnalysis, MetricComparison, Sequential,
    Srm,
};
use crate::experiment::{ArmSnapshot, Snapshot};
use crate::metrics::{Counts, Metrics};
use crate::roi::{analyze as analyze_roi, ArmRoi};
use crate::scenario::Scenario;

/// Output formats of `shoplab run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain-text table.
    Table,
    /// One JSON object.
    Json,
    /// One row per arm.
    Csv,
    /// A markdown document.
    Markdown,
}

/// What a run is about.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    /// Name.
    pub name: String,
    /// One-line story.
    pub description: String,
    /// Seed.
    pub seed: u64,
    /// Shoppers simulated.
    pub shoppers: u32,
    /// Days in the horizon.
    pub days: u32,
    /// Days simulated.
    pub days_simulated: u32,
    /// Products in the catalog.
    pub products: i64,
    /// Currency of money figures.
    pub currency: String,
    /// Visitors a year that money figures are scaled to.
    pub annual_visitors: f64,
    /// Months of the ROI projection.
    pub projection_months: u32,
    /// Yearly discount rate of the NPV.
    pub discount_rate: f64,
}

/// Strategy labels of an arm.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyLabels {
    /// Recommender.
    pub recommender: String,
    /// Pricing.
    pub pricing: String,
    /// Retention.
    pub retention: String,
    /// Email timing.
    pub email: String,
}

/// One simulated day of an arm.
#[derive(Debug, Clone, Serialize)]
pub struct DailyRow {
    /// Day.
    pub day: u32,
    /// Counts of that day.
    #[serde(flatten)]
    pub counts: Counts,
}

/// One arm's results.
#[derive(Debug, Clone, Serialize)]
pub struct ArmReport {
    /// Name.
    pub name: String,
    /// Strategies.
    pub strategies: StrategyLabels,
    /// Traffic share.
    pub traffic: f64,
    /// Shoppers assigned.
    pub shoppers: u64,
    /// Totals.
    #[serde(flatten)]
    pub counts: Counts,
    /// Headline metrics.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Comparison with the control, per metric; `None` for the control itself.
    pub vs_control: Option<BTreeMap<&'static str, MetricComparison>>,
    /// The arm's metrics when run on the whole population (where computed).
    pub true_metrics: Option<Metrics>,
    /// Money against the control at the scenario's annual traffic; `None` for the control.
    pub roi: Option<ArmRoi>,
    /// What the strategies learned.
    pub insights: Vec<String>,
    /// AUC of the retention strategy's risk scores against the shoppers who actually
    /// lapsed, where it scores risk (a churn model).
    pub churn_model_auc: Option<f64>,
    /// Per-day counts.
    pub daily: Vec<DailyRow>,
}

/// The experiment-level results.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentReport {
    /// `ab` (A/B/n arms) or `factorial` (arms are the cells of factors).
    pub design: &'static str,
    /// Significance level.
    pub alpha: f64,
    /// Whether every arm was also run on the whole population (true lifts).
    pub true_effect: bool,
    /// Sample-ratio mismatch check (`None` under adaptive allocation).
    pub srm: Option<Srm>,
    /// Daily-peeking view of conversion per visit: naive and always-valid p-values.
    pub sequential: Vec<Sequential>,
    /// Main effects and interactions, for factorial designs.
    pub factorial: Option<FactorialAnalysis>,
    /// CUPED-adjusted revenue per visitor, with a pre-period.
    pub cuped: Vec<Cuped>,
    /// Allocation and its regret in money.
    pub allocation: AllocationReport,
}

/// The results of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The experiment-level analysis.
    pub experiment: ExperimentReport,
    /// Arms, control first.
    pub arms: Vec<ArmReport>,
    /// Charts written beside the report, as (title, path), for the markdown to link.
    #[serde(skip)]
    pub charts: Vec<(String, String)>,
}

impl Report {
    /// Builds the report of a snapshot.
    pub fn new(scenario: &Scenario, snapshot: &Snapshot) -> Self {
        let alpha = scenario.experiment.alpha;
        let comparisons = compare_all(snapshot, alpha);
        let rois = analyze_roi(scenario, snapshot);
        let arms = snapshot
            .arms
            .iter()
            .zip(comparisons)
            .zip(rois)
            .map(|((arm, vs), roi)| arm_report(arm, vs, roi))
            .collect();
        let experiment = ExperimentReport {
            design: if scenario.experiment.factorial.is_some() {
                "factorial"
            } else {
                "ab"
            },
            alpha,
            true_effect: snapshot.arms.iter().all(|a| a.truth.is_some()),
            srm: analysis::srm(snapshot),
            sequential: analysis::sequential(snapshot, alpha),
            factorial: analysis::factorial(scenario, snapshot, alpha),
            cuped: analysis::cuped(scenario, snapshot, alpha),
            allocation: analysis::allocation(scenario, snapshot),
        };
        Report {
            scenario: ScenarioInfo {
                name: scenario.name.clone(),
                description: scenario.description.clone(),
                seed: scenario.seed,
                shoppers: scenario.shoppers,
                days: scenario.days,
                days_simulated: snapshot.day,
                products: scenario.catalog.products,
                currency: scenario.business.currency.clone(),
                annual_visitors: scenario.business.annual_visitors,
                projection_months: scenario.business.projection_months as u32,
                discount_rate: scenario.business.discount_rate,
            },
            experiment,
            arms,
            charts: Vec::new(),
        }
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => table::render(self),
            Format::Json => {
                serde_json::to_string_pretty(self)
                    .expect("reports hold only finite numbers and strings")
                    + "\n"
            }
            Format::Csv => csv::render(self),
            Format::Markdown => markdown::render(self),
        }
    }
}

fn arm_report(
    arm: &ArmSnapshot,
    vs_control: Option<BTreeMap<&'static str, MetricComparison>>,
    roi: Option<ArmRoi>,
) -> ArmReport {
    let [recommender, pricing, retention, email] = arm.strategies.clone();
    ArmReport {
        name: arm.name.clone(),
        strategies: StrategyLabels {
            recommender,
            pricing,
            retention,
            email,
        },
        traffic: arm.traffic,
        shoppers: arm.moments.assigned,
        counts: arm.counts,
        metrics: arm.metrics,
        vs_control,
        true_metrics: arm.truth.as_ref().map(|t| t.metrics),
        roi,
        insights: arm.insights.clone(),
        churn_model_auc: arm.churn_model_auc,
        daily: arm
            .daily
            .iter()
            .enumerate()
            .map(|(day, c)| DailyRow {
                day: day as u32,
                counts: *c,
            })
            .collect(),
    }
}

/// `12.3%` for a fraction.
pub(crate) fn percent(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// `+12.3%` for a relative lift, `n/a` when undefined.
pub(crate) fn signed_percent(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{:+.1}%", 100.0 * v))
}

/// `+12.3% [+5.1, +19.4] *` — lift, interval and a star when significant after the Holm
/// adjustment.
pub(crate) fn lift_cell(c: Option<&MetricComparison>) -> String {
    let Some(c) = c else { return "n/a".into() };
    match (c.ci_low, c.ci_high) {
        (Some(lo), Some(hi)) => {
            let star = if c.significant { " *" } else { "" };
            format!(
                "{} [{:+.1}, {:+.1}]{star}",
                signed_percent(c.lift),
                100.0 * lo,
                100.0 * hi
            )
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
        "revenue_per_visitor" => "revenue/visitor",
        "clv" => "CLV",
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
        "rev/visitor",
        "CLV",
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
            format!("{:.2}", m.revenue_per_visitor),
            format!("{:.2}", m.clv),
            percent(m.cart_abandonment_rate),
            percent(m.open_rate),
            percent(m.churn_rate),
        ]);
    }
    rows
}

/// The comparisons with the control (header first): per arm and metric, the lift with its
/// interval and significance, raw and adjusted p-values, chance to beat and the true lift.
pub(crate) fn comparison_rows(r: &Report) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "arm",
        "metric",
        "lift",
        "p",
        "p Holm",
        "p BH",
        "P(beat)",
        "true lift",
    ]
    .map(String::from)
    .to_vec()];
    for a in r.arms.iter().skip(1) {
        for (metric, c) in ordered(a.vs_control.as_ref()) {
            let truth = match (c.true_lift, c.covered) {
                (Some(t), Some(true)) => format!("{} covered", signed_percent(Some(t))),
                (Some(t), _) => format!("{} missed", signed_percent(Some(t))),
                (None, _) => "n/a".into(),
            };
            rows.push(vec![
                a.name.clone(),
                metric_label(metric).into(),
                lift_cell(Some(c)),
                p_value(c.p_value),
                p_value(c.p_value_holm),
                p_value(c.p_value_bh),
                c.chance_to_beat
                    .map_or("n/a".into(), |x| format!("{:.1}%", 100.0 * x)),
                truth,
            ]);
        }
    }
    rows
}

/// The ROI table (header first), or nothing when no arm has ROI figures.
pub(crate) fn roi_rows(r: &Report) -> Vec<Vec<String>> {
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
    let pct = |x: Option<f64>| x.map_or("n/d".to_string(), |v| format!("{:+.0}%", 100.0 * v));
    let month = |m: Option<u32>| m.map_or("never".to_string(), |m| format!("month {m}"));
    for a in &r.arms {
        let Some(x) = &a.roi else { continue };
        let roi = match x.roi.mid {
            None => "not defined (no extra cost)".to_string(),
            Some(_) => {
                // With a negative margin, ROI rises with cost; show the range low to high.
                let (a, b) = (
                    x.roi.cost_high.unwrap_or(0.0),
                    x.roi.cost_low.unwrap_or(0.0),
                );
                format!(
                    "{} [{}, {}] ({} … {})",
                    pct(x.roi.mid),
                    pct(x.roi.margin_low),
                    pct(x.roi.margin_high),
                    pct(Some(a.min(b))),
                    pct(Some(a.max(b)))
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
                "{} ({} – {})",
                money(x.annual_cost.mid),
                money(x.annual_cost.low),
                money(x.annual_cost.high)
            ),
            roi,
            format!(
                "{} ({} – {})",
                month(x.payback_month.mid),
                month(x.payback_month.margin_high),
                month(x.payback_month.margin_low)
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

/// One sentence per arm on the lift needed to break even and what detecting it takes.
pub(crate) fn break_even_notes(r: &Report) -> Vec<String> {
    let days = |d: Option<f64>| d.map_or("n/a".to_string(), |d| format!("{:.0} days", d.ceil()));
    let visits = |v: Option<f64>| v.map_or("n/a".to_string(), |v| money(v.ceil()));
    r.arms
        .iter()
        .filter_map(|a| {
            let b = a.roi.as_ref()?.break_even?;
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
        None => notes.push("sample ratio: not checked (adaptive allocation changes the split by design)".into()),
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
            "CUPED ({}, revenue/visitor, pre-period visits as covariate): {} [{:+.1}, {:+.1}], p = {}, variance −{:.1}%",
            name(c.arm),
            signed_percent(Some(c.lift)),
            100.0 * c.ci_low,
            100.0 * c.ci_high,
            p_value(Some(c.p_value)),
            100.0 * c.variance_reduction
        ));
    }
    if let Some(f) = &e.factorial {
        for x in &f.effects {
            notes.push(format!(
                "effect of {} on {}: {:+.4} [{:+.4}, {:+.4}], p = {}",
                x.effect,
                metric_label(x.metric),
                x.estimate,
                x.ci_low,
                x.ci_high,
                p_value(Some(x.p_value))
            ));
        }
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
            money(e.allocation.regret),
            money(e.allocation.regret_even_split),
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
    if !e.true_effect {
        notes.push("true effect: not computed (large population; pass --true-effect on)".into());
    }
    notes
}

/// A money amount with thousands separators.
pub(crate) fn money(x: f64) -> String {
    let whole = x.abs().round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 && whole > 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_helpers() {
        assert_eq!(percent(0.0213), "2.13%");
        assert_eq!(signed_percent(Some(0.153)), "+15.3%");
        assert_eq!(signed_percent(None), "n/a");
        assert_eq!(money(1234567.4), "1,234,567");
        assert_eq!(money(-999.6), "-1,000");
    }
}
