//! Headless reports: one [`Report`] built from a snapshot, rendered as a table, JSON, CSV or
//! markdown.

mod csv;
mod markdown;
mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::experiment::analysis::{compare, MetricComparison};
use crate::experiment::{ArmSnapshot, Snapshot};
use crate::metrics::{Counts, Metrics};
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
    /// What the strategies learned.
    pub insights: Vec<String>,
    /// AUC of the retention strategy's risk scores against the shoppers who actually
    /// lapsed, where it scores risk (a churn model).
    pub churn_model_auc: Option<f64>,
    /// Per-day counts.
    pub daily: Vec<DailyRow>,
}

/// The results of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Arms, control first.
    pub arms: Vec<ArmReport>,
}

impl Report {
    /// Builds the report of a snapshot.
    pub fn new(scenario: &Scenario, snapshot: &Snapshot) -> Self {
        let control = snapshot.arms.first();
        let arms = snapshot
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                arm_report(
                    arm,
                    if i > 0 { control } else { None },
                    scenario.experiment.alpha,
                )
            })
            .collect();
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
            },
            arms,
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

fn arm_report(arm: &ArmSnapshot, control: Option<&ArmSnapshot>, alpha: f64) -> ArmReport {
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
        vs_control: control.map(|c| compare(c, arm, alpha)),
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

/// `+12.3% [+5.1, +19.4] *` — lift, interval and a star when the interval excludes zero.
pub(crate) fn lift_cell(c: Option<&MetricComparison>) -> String {
    let Some(c) = c else { return "n/a".into() };
    match (c.ci_low, c.ci_high) {
        (Some(lo), Some(hi)) => {
            let star = if lo > 0.0 || hi < 0.0 { " *" } else { "" };
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
