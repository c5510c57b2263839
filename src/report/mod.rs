//! Headless reports: one [`Report`] built from a snapshot, rendered as a table, JSON, CSV or
//! markdown.

mod csv;
mod markdown;
pub mod plot;
mod table;
mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::experiment::analysis::{
    self, compare_all, AllocationReport, Cuped, FactorialAnalysis, MetricComparison, Sequential,
    Srm,
};
use crate::experiment::{ArmSnapshot, Snapshot};
use crate::metrics::Metrics;
use crate::roi::{analyze as analyze_roi, ArmRoi};
use crate::scenario::Scenario;
use crate::world::Counts;
pub(crate) use markdown::table as markdown_table;
pub(crate) use table::align_left;
pub(crate) use text::{
    break_even_notes, comparison_rows, experiment_notes, metric_label, results_rows, roi_rows,
};

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
    /// CUPED-adjusted revenue per shopper, with a pre-period.
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
