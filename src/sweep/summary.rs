//! What a sweep's records say about its design, per grid point, comparison and metric:
//! how often the test rejects (a false-positive rate where the truth is 0, the power where
//! it is not), how often the intervals hold each truth, the estimate's bias against each
//! truth, and whether the intervals are as wide as the lift's real spread across runs.
//!
//! Every figure is computed from the records alone, in run order, so `shoplab merge` of a
//! sharded sweep and the sweep on one machine print the same bytes.

use serde::Serialize;

use super::record::{ComparisonRecord, PeekRecord, RunRecord, Setting};
use crate::stats::{clopper_pearson, z_critical};

/// Confidence level of every rate's Clopper–Pearson interval.
pub const LEVEL: f64 = 0.95;

/// A truth this small counts as 0: identical arms give exactly 0, a rounding error at most.
const ZERO: f64 = 1e-12;

/// A count of runs out of some, with its exact interval at [`LEVEL`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Runs where it happened.
    pub k: u64,
    /// Runs counted.
    pub n: u64,
    /// k / n.
    pub rate: f64,
    /// Lower end of the Clopper–Pearson interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

impl Rate {
    /// The rate of `k` in `n`; `None` without runs.
    fn new(k: u64, n: u64) -> Option<Self> {
        let (ci_low, ci_high) = clopper_pearson(k, n, LEVEL).ok()?;
        Some(Rate {
            k,
            n,
            rate: k as f64 / n as f64,
            ci_low,
            ci_high,
        })
    }

    /// The rate of the items for which `hit` holds.
    fn of<T>(items: &[T], hit: impl Fn(&T) -> bool) -> Option<Self> {
        Rate::new(
            items.iter().filter(|i| hit(i)).count() as u64,
            items.len() as u64,
        )
    }
}

/// A mean over runs with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mean {
    /// The mean.
    pub mean: f64,
    /// Its standard error, sd/√n (`None` below 2 runs).
    pub se: Option<f64>,
    /// Runs.
    pub n: u64,
}

impl Mean {
    fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        Some(Mean {
            mean,
            se: sd(values).map(|s| s / (n as f64).sqrt()),
            n: n as u64,
        })
    }
}

/// The sample standard deviation (n − 1), from 2 values on.
fn sd(values: &[f64]) -> Option<f64> {
    let n = values.len();
    (n >= 2).then(|| {
        let mean = values.iter().sum::<f64>() / n as f64;
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    })
}

/// What the truth says across a comparison's runs, which names its rejection rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Truth {
    /// 0 in every run: rejections are false positives.
    Zero,
    /// Not 0 in any run: rejections are the power.
    NonZero,
    /// 0 in some runs only.
    Mixed,
    /// Not computed.
    Unknown,
}

impl Truth {
    /// What a rejection rate is under this truth.
    pub fn label(self) -> &'static str {
        match self {
            Truth::Zero => "false-positive rate",
            Truth::NonZero => "power",
            Truth::Mixed | Truth::Unknown => "rejection rate",
        }
    }
}

/// One metric of one arm against its baseline, over a grid point's runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonSummary {
    /// The arm.
    pub arm: String,
    /// The arm it is compared with.
    pub baseline: String,
    /// The metric.
    pub metric: String,
    /// Runs with a test of it (the rates' n).
    pub runs: u64,
    /// Runs where it could not be tested (too little data).
    pub untested: u64,
    /// What the truth says: the rollout truth where every run has it, else the
    /// in-experiment truth.
    pub truth: Truth,
    /// Which truth `truth` read: `rollout`, `in-experiment`, or `none`.
    pub truth_from: &'static str,
    /// What `reject` is: a false-positive rate, the power, or a rejection rate.
    pub label: &'static str,
    /// Runs with p < α.
    pub reject: Option<Rate>,
    /// Runs with Holm-adjusted p < α (across each run's arms × metrics).
    pub reject_holm: Option<Rate>,
    /// Runs whose interval holds the in-experiment truth (`true_lift`).
    pub coverage: Option<Rate>,
    /// Runs whose interval holds the rollout truth (`rollout_lift`).
    pub coverage_rollout: Option<Rate>,
    /// Mean of lift − in-experiment truth, in lift (0.01 = 1 point).
    pub bias: Option<Mean>,
    /// Mean of lift − rollout truth.
    pub bias_rollout: Option<Mean>,
    /// Mean lift.
    pub lift_mean: Option<f64>,
    /// Standard deviation of the lift across the runs.
    pub lift_sd: Option<f64>,
    /// Mean of the standard errors the runs reported, each (high − low)/(2·z_{1−α/2}) of
    /// its interval; runs with an unbounded interval are left out. (With
    /// `experiment.replicates` above 1 the intervals take a Student t quantile, larger than
    /// z, so this overstates their se.)
    pub mean_se: Option<f64>,
    /// `lift_sd / mean_se`: about 1 when the intervals are as wide as the real spread.
    pub sd_to_se: Option<f64>,
}

/// Daily peeking at conversion per visit, for one arm against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeekSummary {
    /// The arm.
    pub arm: String,
    /// The arm it is compared with.
    pub baseline: String,
    /// What the rates are (from conversion's truth).
    pub label: &'static str,
    /// Runs where a daily look at the naive p-value fell below α on some day.
    pub naive: Option<Rate>,
    /// Runs where the always-valid p-value fell below α on some day.
    pub always_valid: Option<Rate>,
}

/// One grid point's runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointSummary {
    /// Its index.
    pub point: u32,
    /// Its grid values.
    pub grid: Vec<Setting>,
    /// Runs.
    pub runs: u64,
    /// Significance level of its runs' tests.
    pub alpha: f64,
    /// Per arm against its baseline and metric.
    pub comparisons: Vec<ComparisonSummary>,
    /// Daily peeking per arm.
    pub peeking: Vec<PeekSummary>,
}

/// A sweep's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The plan's name.
    pub plan: String,
    /// Its base scenario.
    pub scenario: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// The shoplab version of the runs.
    pub shoplab: String,
    /// The plan's seed.
    pub seed: u64,
    /// Runs.
    pub runs: u64,
    /// Runs per grid point.
    pub replications: u32,
    /// The plan's fixed overrides.
    pub set: Vec<Setting>,
    /// Confidence level of the rates' intervals.
    pub level: f64,
    /// Per grid point.
    pub points: Vec<PointSummary>,
}

impl Summary {
    /// The summary of a sweep's records: one plan's, complete, in run order (as
    /// [`merge`](super::merge) returns them).
    pub fn new(records: &[RunRecord]) -> Self {
        let first = records.first();
        let mut points: Vec<PointSummary> = Vec::new();
        for group in records.chunk_by(|a, b| a.point == b.point) {
            points.push(point_summary(group));
        }
        Summary {
            plan: first.map_or_else(String::new, |r| r.plan.clone()),
            scenario: first.map_or_else(String::new, |r| r.scenario.clone()),
            fingerprint: first.map_or_else(String::new, |r| r.fingerprint.clone()),
            shoplab: first.map_or_else(String::new, |r| r.shoplab.clone()),
            seed: first.map_or(0, |r| r.plan_seed),
            runs: records.len() as u64,
            replications: first.map_or(0, |r| r.replications),
            set: first.map_or_else(Vec::new, |r| r.set.clone()),
            level: LEVEL,
            points,
        }
    }
}

fn point_summary(records: &[RunRecord]) -> PointSummary {
    let first = &records[0];
    let alpha = first.alpha;
    // Comparisons in the first run's order (report order); every run has the same ones.
    let comparisons: Vec<ComparisonSummary> = first
        .comparisons
        .iter()
        .map(|c| {
            let rows: Vec<&ComparisonRecord> = records
                .iter()
                .filter_map(|r| {
                    r.comparisons.iter().find(|x| {
                        x.arm == c.arm && x.baseline == c.baseline && x.metric == c.metric
                    })
                })
                .collect();
            comparison_summary(&rows, alpha)
        })
        .collect();
    let peeking = first
        .peeking
        .iter()
        .map(|p| {
            let rows: Vec<&PeekRecord> = records
                .iter()
                .filter_map(|r| {
                    r.peeking
                        .iter()
                        .find(|x| x.arm == p.arm && x.baseline == p.baseline)
                })
                .collect();
            let label = comparisons
                .iter()
                .find(|c| {
                    c.arm == p.arm && c.baseline == p.baseline && c.metric == "conversion_rate"
                })
                .map_or(Truth::Unknown.label(), |c| c.label);
            PeekSummary {
                arm: p.arm.clone(),
                baseline: p.baseline.clone(),
                label,
                naive: Rate::of(&rows, |r| r.naive_first_significant_day.is_some()),
                always_valid: Rate::of(&rows, |r| r.sequential_first_significant_day.is_some()),
            }
        })
        .collect();
    PointSummary {
        point: first.point,
        grid: first.grid.clone(),
        runs: records.len() as u64,
        alpha,
        comparisons,
        peeking,
    }
}

/// The truth a set of truths says, if every run has one.
fn truth_of(values: &[Option<f64>]) -> Option<Truth> {
    let all: Option<Vec<f64>> = values.iter().copied().collect();
    let all = all.filter(|v| !v.is_empty())?;
    let zeros = all.iter().filter(|t| t.abs() <= ZERO).count();
    Some(match zeros {
        0 => Truth::NonZero,
        z if z == all.len() => Truth::Zero,
        _ => Truth::Mixed,
    })
}

fn comparison_summary(rows: &[&ComparisonRecord], alpha: f64) -> ComparisonSummary {
    let c = rows[0];
    let tested: Vec<(&ComparisonRecord, (f64, f64))> = rows
        .iter()
        .filter_map(|r| r.interval().map(|i| (*r, i)))
        .collect();
    let rollout: Vec<Option<f64>> = tested.iter().map(|(r, _)| r.rollout_lift).collect();
    let now: Vec<Option<f64>> = tested.iter().map(|(r, _)| r.true_lift).collect();
    let (truth, truth_from) = match (truth_of(&rollout), truth_of(&now)) {
        (Some(t), _) => (t, "rollout"),
        (None, Some(t)) => (t, "in-experiment"),
        (None, None) => (Truth::Unknown, "none"),
    };
    let below = |p: Option<f64>| p.is_some_and(|p| p < alpha);
    let covers = |truth: fn(&ComparisonRecord) -> Option<f64>| {
        let held: Vec<bool> = tested
            .iter()
            .filter_map(|(r, (lo, hi))| truth(r).map(|t| *lo <= t && t <= *hi))
            .collect();
        Rate::of(&held, |h| *h)
    };
    let bias = |truth: fn(&ComparisonRecord) -> Option<f64>| {
        let errors: Vec<f64> = tested
            .iter()
            .filter_map(|(r, _)| Some(r.lift? - truth(r)?))
            .collect();
        Mean::of(&errors)
    };
    let lifts: Vec<f64> = tested.iter().filter_map(|(r, _)| r.lift).collect();
    let z = z_critical(alpha);
    let ses: Vec<f64> = tested
        .iter()
        .filter(|(_, (lo, hi))| lo.is_finite() && hi.is_finite())
        .map(|(_, (lo, hi))| (hi - lo) / (2.0 * z))
        .collect();
    let lift_sd = sd(&lifts);
    let mean_se = Mean::of(&ses).map(|m| m.mean);
    ComparisonSummary {
        arm: c.arm.clone(),
        baseline: c.baseline.clone(),
        metric: c.metric.clone(),
        runs: tested.len() as u64,
        untested: (rows.len() - tested.len()) as u64,
        truth,
        truth_from,
        label: truth.label(),
        reject: Rate::of(&tested, |(r, _)| below(r.p_value)),
        reject_holm: Rate::of(&tested, |(r, _)| below(r.p_value_holm)),
        coverage: covers(|r| r.true_lift),
        coverage_rollout: covers(|r| r.rollout_lift),
        bias: bias(|r| r.true_lift),
        bias_rollout: bias(|r| r.rollout_lift),
        lift_mean: Mean::of(&lifts).map(|m| m.mean),
        lift_sd,
        mean_se,
        sd_to_se: match (lift_sd, mean_se) {
            (Some(s), Some(e)) if e > 0.0 => Some(s / e),
            _ => None,
        },
    }
}
