//! Headless reports: one [`Report`] built from a snapshot, rendered as a table, JSON, CSV or
//! markdown.

mod clv;
mod csv;
pub mod forest;
mod markdown;
mod money;
pub mod plot;
mod table;
mod text;
pub mod tidy;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::experiment::analysis::{
    self, compare_all, AllocationReport, Cuped, FactorialAnalysis, MetricComparison, Sequential,
    Srm,
};
use crate::experiment::clv::ArmClv;
use crate::experiment::{ArmSnapshot, Snapshot};
use crate::metrics::Metrics;
use crate::roi::{analyze as analyze_roi, ArmRoi};
use crate::scenario::Scenario;
use crate::world::Counts;
pub(crate) use clv::{clv_heading, clv_rows};
pub(crate) use markdown::table as markdown_table;
pub(crate) use money::{break_even_notes, roi_rows, summary};
pub(crate) use table::align_left;
pub use text::TRUTHS_EXPLAINED;
pub(crate) use text::{
    comparison_rows, experiment_notes, factorial_rows, metric_label, results_rows,
};

/// Output formats of `shoplab run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain-text table.
    Table,
    /// One JSON object.
    Json,
    /// The tidy table: one row per arm × compared metric.
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
    /// The arm it is compared with in `vs_control` (`None` for the control).
    pub baseline: Option<String>,
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
    /// The in-experiment truth ("true now"): the arm's metrics with every shopper served by
    /// its strategies as trained in this experiment (where computed).
    pub true_metrics: Option<Metrics>,
    /// The rollout truth ("at rollout"): the arm's metrics deployed to every shopper and
    /// learning from all of them (where computed).
    pub rollout_metrics: Option<Metrics>,
    /// Money against the control at the scenario's annual traffic; `None` for the control.
    pub roi: Option<ArmRoi>,
    /// What the strategies learned.
    pub insights: Vec<String>,
    /// AUC of the retention strategy's risk scores against the shoppers who actually
    /// lapsed, where it scores risk (a churn model).
    pub churn_model_auc: Option<f64>,
    /// The projected customer lifetime value and, where the run checks it, the realised one
    /// (`None` for a run stopped before its horizon).
    pub clv: Option<ArmClv>,
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
    /// Whether the two truths were computed (true lifts "now" and "at rollout").
    pub true_effect: bool,
    /// Copies of each arm's strategies; above 1 the copy is the unit of analysis.
    pub replicates: u32,
    /// Arms with a strategy that learns a shared model from the arm's traffic: their
    /// intervals (with one copy) are conditional on what each arm learned in this run.
    pub learning_arms: Vec<String>,
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
            .map(|((arm, vs), roi)| {
                let baseline = vs
                    .as_ref()
                    .map(|_| snapshot.arms[arm.baseline].name.clone());
                arm_report(arm, baseline, vs, roi)
            })
            .collect();
        let experiment = ExperimentReport {
            design: if scenario.experiment.factorial.is_some() {
                "factorial"
            } else {
                "ab"
            },
            alpha,
            true_effect: snapshot.arms.iter().all(|a| a.truth.is_some()),
            replicates: scenario.experiment.replicates,
            learning_arms: scenario
                .arms
                .iter()
                .filter(|a| a.learns())
                .map(|a| a.name.clone())
                .collect(),
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
    baseline: Option<String>,
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
        baseline,
        shoppers: arm.moments.assigned,
        counts: arm.counts,
        metrics: arm.metrics,
        vs_control,
        true_metrics: arm.truth.as_ref().map(|t| t.metrics),
        rollout_metrics: arm.rollout.as_ref().map(|t| t.metrics),
        roi,
        insights: arm.insights.clone(),
        churn_model_auc: arm.churn_model_auc,
        clv: arm.clv.clone(),
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
