//! The record of one finished run: one JSON line of a part file.
//!
//! A record carries everything a summary needs (the plan's identity and shape, the run's
//! place and seed, the exact overrides, every comparison and the daily-peeking outcome), so
//! `shoplab merge` summarises a folder of parts without the plan. Its comparisons are rows
//! of (arm, baseline, metric), ready to become a table of a columnar export.

use serde::{Deserialize, Serialize};

use super::plan::{Plan, Run};
use crate::experiment::analysis::MetricComparison;
use crate::report::Report;

/// One scenario key and the value a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// The key, dotted (`world.preference_strength`).
    pub key: String,
    /// The value.
    pub value: serde_json::Value,
}

/// One metric of one arm against its baseline in one run, as the run's report gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRecord {
    /// The arm.
    pub arm: String,
    /// The arm it is compared with.
    pub baseline: String,
    /// The metric (`conversion_rate`, …).
    pub metric: String,
    /// Relative lift; `null` when the baseline's value is 0.
    pub lift: Option<f64>,
    /// The lift with its small-sample ratio bias divided out (the report's
    /// `lift_corrected`), the figure to average across runs; `null` without a test.
    pub lift_corrected: Option<f64>,
    /// Lower end of the lift's interval: `null` without a test (`p_value` is `null` too) or
    /// when the interval is unbounded below, as in `shoplab run --format json`.
    pub ci_low: Option<f64>,
    /// Upper end of the lift's interval; `null` likewise.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// Holm-adjusted across the run's arms × metrics.
    pub p_value_holm: Option<f64>,
    /// Benjamini–Hochberg-adjusted across the run's arms × metrics.
    pub p_value_bh: Option<f64>,
    /// The report's mark: Holm-adjusted p below α.
    pub significant: bool,
    /// Posterior probability that the arm beats its baseline.
    pub chance_to_beat: Option<f64>,
    /// The in-experiment truth (the report's `true_lift`).
    pub true_lift: Option<f64>,
    /// Whether the interval holds `true_lift`.
    pub covered: Option<bool>,
    /// The rollout truth (the report's `rollout_lift`).
    pub rollout_lift: Option<f64>,
}

impl ComparisonRecord {
    /// The interval as numbers (an unbounded end infinite), where a test was run.
    pub fn interval(&self) -> Option<(f64, f64)> {
        self.p_value?;
        Some((
            self.ci_low.unwrap_or(f64::NEG_INFINITY),
            self.ci_high.unwrap_or(f64::INFINITY),
        ))
    }
}

/// Daily peeking at conversion per visit for one arm against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeekRecord {
    /// The arm.
    pub arm: String,
    /// The arm it is compared with.
    pub baseline: String,
    /// Fixed-horizon p-value on the last day.
    pub naive_p: Option<f64>,
    /// Always-valid p-value on the last day.
    pub sequential_p: Option<f64>,
    /// First day a daily look at the naive p-value was below α.
    pub naive_first_significant_day: Option<u32>,
    /// First day the always-valid p-value was below α.
    pub sequential_first_significant_day: Option<u32>,
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The shoplab version that ran it.
    pub shoplab: String,
    /// The plan's name.
    pub plan: String,
    /// The plan's base scenario, as the plan names it.
    pub scenario: String,
    /// The plan's fingerprint: records of one sweep share it.
    pub fingerprint: String,
    /// The plan's seed, which the run seeds are derived from.
    pub plan_seed: u64,
    /// Runs in the plan.
    pub runs: u64,
    /// Grid points in the plan.
    pub points: u32,
    /// Runs per grid point.
    pub replications: u32,
    /// This run's index: point × replications + replication.
    pub run: u64,
    /// Its grid point.
    pub point: u32,
    /// Its replication within the point.
    pub replication: u32,
    /// Its scenario seed.
    pub seed: u64,
    /// The plan's fixed overrides of the base scenario (command line included).
    pub set: Vec<Setting>,
    /// The grid point's values.
    pub grid: Vec<Setting>,
    /// Significance level of the run's tests.
    pub alpha: f64,
    /// Every metric of every arm against its baseline, in report order.
    pub comparisons: Vec<ComparisonRecord>,
    /// Daily peeking, per arm against its baseline.
    pub peeking: Vec<PeekRecord>,
}

fn settings<'a>(pairs: impl Iterator<Item = (&'a super::Key, &'a toml::Value)>) -> Vec<Setting> {
    pairs
        .map(|(k, v)| Setting {
            key: k.to_string(),
            value: serde_json::to_value(v).expect("a TOML value is JSON"),
        })
        .collect()
}

fn comparison(arm: &str, baseline: &str, metric: &str, c: &MetricComparison) -> ComparisonRecord {
    let finite = |x: Option<f64>| x.filter(|x| x.is_finite());
    ComparisonRecord {
        arm: arm.into(),
        baseline: baseline.into(),
        metric: metric.into(),
        lift: c.lift,
        lift_corrected: c.lift_corrected,
        ci_low: finite(c.ci_low),
        ci_high: finite(c.ci_high),
        p_value: c.p_value,
        p_value_holm: c.p_value_holm,
        p_value_bh: c.p_value_bh,
        significant: c.significant,
        chance_to_beat: c.chance_to_beat,
        true_lift: c.true_lift,
        covered: c.covered,
        rollout_lift: c.rollout_lift,
    }
}

impl RunRecord {
    /// The record of `run` of `plan`, from its report.
    pub fn new(plan: &Plan, run: &Run, report: &Report) -> Self {
        let comparisons = report
            .arms
            .iter()
            .flat_map(|arm| {
                crate::experiment::analysis::COMPARED
                    .iter()
                    .filter_map(move |&m| {
                        let c = arm.vs_control.as_ref()?.get(m)?;
                        Some(comparison(&arm.name, arm.baseline.as_deref()?, m, c))
                    })
            })
            .collect();
        let peeking = report
            .experiment
            .sequential
            .iter()
            .filter_map(|s| {
                let arm = &report.arms[s.arm];
                Some((arm, arm.baseline.as_deref()?, s))
            })
            .map(|(arm, baseline, s)| PeekRecord {
                arm: arm.name.clone(),
                baseline: baseline.into(),
                naive_p: s.naive_p,
                sequential_p: s.sequential_p,
                naive_first_significant_day: s.naive_first_significant_day,
                sequential_first_significant_day: s.sequential_first_significant_day,
            })
            .collect();
        let point = &plan.points[run.point as usize];
        RunRecord {
            shoplab: env!("CARGO_PKG_VERSION").into(),
            plan: plan.name.clone(),
            scenario: plan.scenario.clone(),
            fingerprint: plan.fingerprint.clone(),
            plan_seed: plan.seed,
            runs: plan.runs(),
            points: plan.points.len() as u32,
            replications: plan.replications,
            run: run.index,
            point: run.point,
            replication: run.replication,
            seed: run.seed,
            set: settings(plan.set.iter().map(|(k, v)| (k, v))),
            grid: settings(point.grid.iter().map(|(k, v)| (k, v))),
            alpha: report.experiment.alpha,
            comparisons,
            peeking,
        }
    }
}
