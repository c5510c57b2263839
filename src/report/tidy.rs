//! The tidy (long) table of a report: one row per arm × compared metric, the control
//! included with its value and empty comparison columns. The CSV renders it and the
//! `arms` Parquet table holds it, from the same rows; the `segments` table puts the same
//! comparison columns beside a segment's key.

use crate::columns::record;
use crate::experiment::analysis::{value, MetricComparison, COMPARED};

use super::Report;

record! {
    /// Which arm and metric a row is about, and the arm's value of it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ArmKey {
        /// Scenario name.
        pub scenario: String,
        /// Scenario seed.
        pub seed: u64,
        /// Arm name.
        pub arm: String,
        /// The arm it is compared with; empty for the first arm, which has none.
        pub baseline: Option<String>,
        /// Metric name, as in the JSON report.
        pub metric: String,
        /// The arm's value of the metric (a fraction for rates, money for money).
        pub value: f64,
    }
}

record! {
    /// A metric of an arm against its baseline: every column empty for the control.
    #[derive(Debug, Clone, Copy, Default, PartialEq)]
    pub struct Compared {
        /// Relative lift over the baseline (0.15 = +15%).
        pub lift: Option<f64>,
        /// The lift with its small-sample bias removed: the figure to average across runs.
        pub lift_corrected: Option<f64>,
        /// Lower end of the lift's interval.
        pub ci_low: Option<f64>,
        /// Upper end of the lift's interval.
        pub ci_high: Option<f64>,
        /// Two-sided p-value.
        pub p_value: Option<f64>,
        /// p-value adjusted by Holm across the table's comparisons.
        pub p_value_holm: Option<f64>,
        /// p-value adjusted by Benjamini–Hochberg across the table's comparisons.
        pub p_value_bh: Option<f64>,
        /// Whether the Holm-adjusted p-value is below α.
        pub significant: Option<bool>,
        /// Posterior probability that the arm beats the baseline.
        pub chance_to_beat: Option<f64>,
        /// Expected loss of choosing the arm, in the metric's units.
        pub expected_loss: Option<f64>,
        /// The lift the simulator knows to be true in the experiment.
        pub true_lift: Option<f64>,
        /// Whether the interval contains the true lift.
        pub covered: Option<bool>,
        /// The lift at a full rollout: each arm deployed to every shopper, learning from all.
        pub rollout_lift: Option<f64>,
    }
}

impl From<&MetricComparison> for Compared {
    fn from(c: &MetricComparison) -> Self {
        Compared {
            lift: c.lift,
            lift_corrected: c.lift_corrected,
            ci_low: bounded(c.ci_low),
            ci_high: bounded(c.ci_high),
            p_value: c.p_value,
            p_value_holm: c.p_value_holm,
            p_value_bh: c.p_value_bh,
            significant: Some(c.significant),
            chance_to_beat: c.chance_to_beat,
            expected_loss: c.expected_loss,
            true_lift: c.true_lift,
            covered: c.covered,
            rollout_lift: c.rollout_lift,
        }
    }
}

/// An interval's end, empty where the interval is unbounded (a baseline near zero), as
/// JSON writes it `null`.
pub fn bounded(end: Option<f64>) -> Option<f64> {
    end.filter(|x| x.is_finite())
}

/// A row of the tidy table: the arm and metric, then the comparison.
pub type ArmRow = (ArmKey, Compared);

/// Every arm × compared metric of a report, in the report's order of arms (the first has no
/// baseline) and of metrics.
pub fn arm_rows(r: &Report) -> Vec<ArmRow> {
    r.arms
        .iter()
        .flat_map(|a| {
            COMPARED.iter().map(move |&metric| {
                let compared = a
                    .vs_control
                    .as_ref()
                    .map(|v| Compared::from(&v.get(metric).copied().unwrap_or_default()));
                let key = ArmKey {
                    scenario: r.scenario.name.clone(),
                    seed: r.scenario.seed,
                    arm: a.name.clone(),
                    baseline: a.baseline.clone(),
                    metric: metric.to_string(),
                    value: value(&a.metrics, metric),
                };
                (key, compared.unwrap_or_default())
            })
        })
        .collect()
}
