//! The analysis of an experiment: every arm's headline metrics against the control (with
//! intervals, raw and adjusted p-values, chance to beat control and the true lift), and
//! the experiment-level checks (sample-ratio mismatch, sequential status, factorial
//! effects, CUPED, adaptive-allocation regret).

use std::collections::BTreeMap;

use serde::Serialize;

use super::allocation::regret;
use super::snapshot::{ArmSnapshot, Snapshot};
use crate::metrics::{Metrics, ShopperMoments};
use crate::scenario::{Allocation, Scenario};
use crate::stats::{
    benjamini_hochberg, beta_binomial_chance_to_beat, chi_square_independence, cuped_comparison,
    factorial_effects, holm, normal_chance_to_beat, ratio_comparison, srm_check,
    two_proportion_z_test, welch_t_test_moments, z_critical, BayesResult, Comparison,
    FactorialCell, StatsResult,
};

/// One metric of one arm against the control.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MetricComparison {
    /// Relative lift (0.15 = +15%); `None` when the control's value is 0.
    pub lift: Option<f64>,
    /// Lower end of the interval of the relative lift.
    pub ci_low: Option<f64>,
    /// Upper end of the interval of the relative lift.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// p-value adjusted by Holm across all arms × metrics (family-wise error).
    pub p_value_holm: Option<f64>,
    /// p-value adjusted by Benjamini–Hochberg across all arms × metrics (false discovery).
    pub p_value_bh: Option<f64>,
    /// Whether the Holm-adjusted p-value is below α.
    pub significant: bool,
    /// Posterior probability that the arm is better than the control (lower is better for
    /// cart abandonment).
    pub chance_to_beat: Option<f64>,
    /// Expected loss, in the metric's units, of choosing the arm over the control.
    pub expected_loss: Option<f64>,
    /// The true lift: the same comparison with both arms run on the whole population.
    pub true_lift: Option<f64>,
    /// Whether the interval contains the true lift.
    pub covered: Option<bool>,
}

/// The metrics compared against the control, in report order.
pub const COMPARED: [&str; 6] = [
    "conversion_rate",
    "buyer_rate",
    "aov",
    "revenue_per_shopper",
    "margin_per_shopper",
    "cart_abandonment_rate",
];

/// A metric's value in a set of metrics.
pub fn value(m: &Metrics, metric: &str) -> f64 {
    match metric {
        "conversion_rate" => m.conversion_rate,
        "buyer_rate" => m.buyer_rate,
        "aov" => m.aov,
        "revenue_per_shopper" => m.revenue_per_shopper,
        "margin_per_shopper" => m.margin_per_shopper,
        "cart_abandonment_rate" => m.cart_abandonment_rate,
        _ => unreachable!("unknown compared metric {metric}"),
    }
}

/// The test each metric is analysed with (docs/ARCHITECTURE.md §5): delta method for ratio
/// metrics clustered by shopper, Welch for means per shopper, two-proportion z for
/// proportions.
fn test(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    metric: &str,
    alpha: f64,
) -> StatsResult<Comparison> {
    let (c, t) = (&control.moments, &arm.moments);
    match metric {
        "conversion_rate" => ratio_comparison(&c.conversion, &t.conversion, alpha),
        "aov" => ratio_comparison(&c.aov, &t.aov, alpha),
        "buyer_rate" => two_proportion_z_test(c.buyers, c.assigned, t.buyers, t.assigned, alpha),
        "revenue_per_shopper" => welch_t_test_moments(&c.revenue, &t.revenue, alpha),
        "margin_per_shopper" => welch_t_test_moments(&c.margin, &t.margin, alpha),
        "cart_abandonment_rate" => {
            let (cc, tc) = (&control.counts, &arm.counts);
            two_proportion_z_test(cc.abandoned, cc.carts, tc.abandoned, tc.carts, alpha)
        }
        _ => unreachable!("unknown compared metric {metric}"),
    }
}

/// Chance to beat control: Beta-Binomial for proportions, a normal posterior otherwise.
fn bayes(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    metric: &str,
    test: &Comparison,
    alpha: f64,
) -> StatsResult<BayesResult> {
    let (c, t) = (&control.moments, &arm.moments);
    let result = match metric {
        "buyer_rate" => beta_binomial_chance_to_beat(c.buyers, c.assigned, t.buyers, t.assigned)?,
        "cart_abandonment_rate" => {
            let (cc, tc) = (&control.counts, &arm.counts);
            beta_binomial_chance_to_beat(cc.abandoned, cc.carts, tc.abandoned, tc.carts)?
        }
        _ => normal_chance_to_beat(
            test.diff,
            (test.diff_ci.1 - test.diff_ci.0) / (2.0 * z_critical(alpha)),
        )?,
    };
    Ok(if metric == "cart_abandonment_rate" {
        // Fewer abandoned carts is better: flip the direction.
        BayesResult {
            prob_treatment_better: 1.0 - result.prob_treatment_better,
            expected_loss_treatment: result.expected_loss_control,
            expected_loss_control: result.expected_loss_treatment,
        }
    } else {
        result
    })
}

fn compare_metric(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    metric: &str,
    alpha: f64,
) -> MetricComparison {
    let true_lift = match (&control.truth, &arm.truth) {
        (Some(c), Some(t)) => {
            let (c, t) = (value(&c.metrics, metric), value(&t.metrics, metric));
            (c != 0.0).then(|| t / c - 1.0)
        }
        _ => None,
    };
    // An arm (or control) that met nobody has no value to compare: no lift, rather than
    // −100% against an empty arm.
    if control.moments.assigned == 0 || arm.moments.assigned == 0 {
        return MetricComparison {
            true_lift,
            ..MetricComparison::default()
        };
    }
    match test(control, arm, metric, alpha) {
        Ok(t) => {
            let b = bayes(control, arm, metric, &t, alpha).ok();
            MetricComparison {
                lift: Some(t.lift),
                ci_low: Some(t.ci_low),
                ci_high: Some(t.ci_high),
                p_value: Some(t.p_value),
                chance_to_beat: b.map(|b| b.prob_treatment_better),
                expected_loss: b.map(|b| b.expected_loss_treatment),
                true_lift,
                covered: true_lift.map(|l| t.ci_low <= l && l <= t.ci_high),
                ..MetricComparison::default()
            }
        }
        Err(_) => {
            let (c, t) = (value(&control.metrics, metric), value(&arm.metrics, metric));
            MetricComparison {
                lift: (c != 0.0).then(|| t / c - 1.0),
                true_lift,
                ..MetricComparison::default()
            }
        }
    }
}

/// Compares every arm but the control with the control on every metric of [`COMPARED`],
/// and adjusts the p-values across all arms × metrics (Holm and Benjamini–Hochberg).
/// Where a test has not enough data, the interval and p-values are `None`.
pub fn compare_all(
    snapshot: &Snapshot,
    alpha: f64,
) -> Vec<Option<BTreeMap<&'static str, MetricComparison>>> {
    let Some(control) = snapshot.arms.first() else {
        return Vec::new();
    };
    let mut all: Vec<Option<BTreeMap<&'static str, MetricComparison>>> = snapshot
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            (i > 0).then(|| {
                COMPARED
                    .iter()
                    .map(|&m| (m, compare_metric(control, arm, m, alpha)))
                    .collect()
            })
        })
        .collect();
    let raw: Vec<f64> = all
        .iter()
        .flatten()
        .flat_map(|m| m.values().filter_map(|c| c.p_value))
        .collect();
    let (holm, bh) = (
        holm(&raw).unwrap_or_else(|_| raw.clone()),
        benjamini_hochberg(&raw).unwrap_or_else(|_| raw.clone()),
    );
    let mut k = 0;
    for comparison in all.iter_mut().flatten().flat_map(|m| m.values_mut()) {
        if comparison.p_value.is_some() {
            comparison.p_value_holm = Some(holm[k]);
            comparison.p_value_bh = Some(bh[k]);
            comparison.significant = holm[k] < alpha;
            k += 1;
        }
    }
    all
}

/// Sample-ratio mismatch: were shoppers split as planned?
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Srm {
    /// Chi-square statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: u64,
    /// p-value.
    pub p_value: f64,
    /// Flagged at p < 0.001: the assignment or the logging is broken.
    pub flagged: bool,
}

/// The SRM check against the planned shares (not applicable under adaptive allocation,
/// whose shares change by design).
pub fn srm(snapshot: &Snapshot) -> Option<Srm> {
    if !snapshot.allocation.is_empty() {
        return None;
    }
    let arms: Vec<&ArmSnapshot> = snapshot.arms.iter().filter(|a| a.traffic > 0.0).collect();
    let observed: Vec<u64> = arms.iter().map(|a| a.moments.assigned).collect();
    let weights: Vec<f64> = arms.iter().map(|a| a.traffic).collect();
    srm_check(&observed, &weights).ok().map(|r| Srm {
        statistic: r.statistic,
        df: r.df,
        p_value: r.p_value,
        flagged: r.flagged,
    })
}

/// The sequential view of one arm's primary metric (conversion per visit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sequential {
    /// Arm.
    pub arm: usize,
    /// Latest fixed-horizon p-value.
    pub naive_p: Option<f64>,
    /// Latest always-valid p-value.
    pub sequential_p: Option<f64>,
    /// First day a daily peek at the naive p-value would have declared significance.
    pub naive_first_significant_day: Option<u32>,
    /// First day the always-valid p-value fell below α (a safe day to stop).
    pub sequential_first_significant_day: Option<u32>,
}

/// Sequential status of every arm but the control.
pub fn sequential(snapshot: &Snapshot, alpha: f64) -> Vec<Sequential> {
    snapshot
        .arms
        .iter()
        .enumerate()
        .skip(1)
        .map(|(arm, a)| {
            let last = a.looks.last();
            let first = |p: fn(&super::monitor::Look) -> Option<f64>| {
                a.looks
                    .iter()
                    .find(|l| p(l).is_some_and(|p| p < alpha))
                    .map(|l| l.day)
            };
            Sequential {
                arm,
                naive_p: last.and_then(|l| l.naive_p),
                sequential_p: last.and_then(|l| l.sequential_p),
                naive_first_significant_day: first(|l| l.naive_p),
                sequential_first_significant_day: first(|l| l.sequential_p),
            }
        })
        .collect()
}

/// One factorial effect on one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The metric.
    pub metric: &'static str,
    /// `recommender` for a main effect, `recommender × pricing` for an interaction.
    pub effect: String,
    /// Average of the high level minus average of the low level (absolute units).
    pub estimate: f64,
    /// Lower end of the interval.
    pub ci_low: f64,
    /// Upper end of the interval.
    pub ci_high: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// The factorial analysis: main effects and two-way interactions, and the chi-square test
/// of independence of buying across cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorialAnalysis {
    /// Effects on conversion per visit and revenue per shopper (2-level factors only).
    pub effects: Vec<Effect>,
    /// Chi-square test of buyers versus non-buyers across cells: statistic, df, p-value.
    pub independence: Option<(f64, u64, f64)>,
}

/// Factorial effects, when the scenario's arms come from factors.
pub fn factorial(
    scenario: &Scenario,
    snapshot: &Snapshot,
    alpha: f64,
) -> Option<FactorialAnalysis> {
    let design = scenario.experiment.factorial.as_ref()?;
    let names: Vec<&str> = design.factors.iter().map(|f| f.family.key()).collect();
    let two_level = design.factors.iter().all(|f| f.levels.len() == 2);
    let mut effects = Vec::new();
    type Cell = fn(&ShopperMoments) -> Option<(f64, f64)>;
    let metrics: [(&'static str, Cell); 2] = [
        ("conversion_rate", |m| {
            Some((
                m.conversion.ratio().ok()?,
                m.conversion.ratio_variance().ok()?,
            ))
        }),
        ("revenue_per_shopper", |m| {
            Some((
                m.revenue.mean().ok()?,
                m.revenue.variance().ok()? / m.revenue.n as f64,
            ))
        }),
    ];
    for (metric, cell) in metrics.iter().filter(|_| two_level) {
        let cells: Option<Vec<FactorialCell>> = design
            .cells
            .iter()
            .zip(&snapshot.arms)
            .map(|(levels, arm)| {
                cell(&arm.moments).map(|(mean, var_of_mean)| FactorialCell {
                    levels: levels.clone(),
                    mean,
                    var_of_mean,
                })
            })
            .collect();
        let Some(Ok(found)) = cells.map(|c| factorial_effects(&c, alpha)) else {
            continue;
        };
        effects.extend(found.into_iter().map(|e| {
            Effect {
                metric,
                effect: e
                    .factors
                    .iter()
                    .map(|&f| names[f])
                    .collect::<Vec<_>>()
                    .join(" × "),
                estimate: e.estimate,
                ci_low: e.ci.0,
                ci_high: e.ci.1,
                p_value: e.p_value,
            }
        }));
    }
    let table: Vec<[u64; 2]> = snapshot
        .arms
        .iter()
        .map(|a| [a.moments.buyers, a.moments.assigned - a.moments.buyers])
        .collect();
    let independence = chi_square_independence(&table)
        .ok()
        .map(|r| (r.statistic, r.df, r.p_value));
    Some(FactorialAnalysis {
        effects,
        independence,
    })
}

/// CUPED on revenue per shopper, with the pre-period visits as covariate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cuped {
    /// Arm.
    pub arm: usize,
    /// Share of the variance removed (ρ² in the control).
    pub variance_reduction: f64,
    /// Adjusted relative lift.
    pub lift: f64,
    /// Lower end of the adjusted interval.
    pub ci_low: f64,
    /// Upper end of the adjusted interval.
    pub ci_high: f64,
    /// Adjusted p-value.
    pub p_value: f64,
}

/// CUPED comparisons, when the scenario has a pre-period.
pub fn cuped(scenario: &Scenario, snapshot: &Snapshot, alpha: f64) -> Vec<Cuped> {
    if scenario.experiment.cuped_days == 0 {
        return Vec::new();
    }
    let Some(control) = snapshot.arms.first() else {
        return Vec::new();
    };
    let reduction = control.moments.cuped.variance_reduction().unwrap_or(0.0);
    snapshot
        .arms
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(arm, a)| {
            let c = cuped_comparison(&control.moments.cuped, &a.moments.cuped, alpha).ok()?;
            Some(Cuped {
                arm,
                variance_reduction: reduction,
                lift: c.lift,
                ci_low: c.ci_low,
                ci_high: c.ci_high,
                p_value: c.p_value,
            })
        })
        .collect()
}

/// What adaptive allocation did and cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationReport {
    /// `fixed` or `thompson`.
    pub mode: Allocation,
    /// Shares used on each day.
    pub daily_weights: Vec<Vec<f64>>,
    /// Shoppers per arm.
    pub shoppers: Vec<u64>,
    /// Revenue lost against sending everyone to the best arm.
    pub regret: f64,
    /// What an even split would have lost.
    pub regret_even_split: f64,
    /// Whether regret uses the true revenue per shopper (`true effect`) or the estimates.
    pub basis: &'static str,
}

/// Regret of the allocation, in money.
pub fn allocation(scenario: &Scenario, snapshot: &Snapshot) -> AllocationReport {
    let shoppers: Vec<u64> = snapshot.arms.iter().map(|a| a.moments.assigned).collect();
    let truth: Option<Vec<f64>> = snapshot
        .arms
        .iter()
        .map(|a| a.truth.as_ref().map(|t| t.metrics.revenue_per_shopper))
        .collect();
    let (rpv, basis) = match truth {
        Some(t) => (t, "true effect"),
        None => (
            snapshot
                .arms
                .iter()
                .map(|a| a.metrics.revenue_per_shopper)
                .collect(),
            "estimates",
        ),
    };
    let total: u64 = shoppers.iter().sum();
    let even = vec![total / shoppers.len().max(1) as u64; shoppers.len()];
    AllocationReport {
        mode: scenario.experiment.allocation,
        daily_weights: snapshot.allocation.clone(),
        regret: regret(&shoppers, &rpv),
        regret_even_split: regret(&even, &rpv),
        shoppers,
        basis,
    }
}
