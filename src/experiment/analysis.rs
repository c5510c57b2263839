//! The analysis of an experiment: every arm's headline metrics against the control (with
//! intervals, raw and adjusted p-values, chance to beat control and the true lift), and
//! the experiment-level checks (sample-ratio mismatch, sequential status, factorial
//! effects, CUPED, adaptive-allocation regret).

use std::collections::BTreeMap;

use serde::Serialize;

use super::allocation::regret;
use super::snapshot::{ArmSnapshot, ArmTruth, ReplicaSnapshot, Snapshot};
use crate::metrics::{Metrics, ShopperMoments};
use crate::scenario::{Allocation, Scenario};
use crate::stats::{
    benjamini_hochberg, beta_binomial_chance_to_beat, chi_square_independence, contrast,
    cuped_comparison, factorial_effects, holm, normal_chance_to_beat, ratio_comparison,
    replicate_comparison, srm_check, two_proportion_z_test, welch_t_test_moments, BayesResult,
    Comparison, FactorialCell, StatsResult,
};

/// One metric of one arm against its baseline (the control unless the arm names another).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MetricComparison {
    /// Relative lift (0.15 = +15%); `None` when the baseline's value is 0.
    pub lift: Option<f64>,
    /// The lift with its small-sample bias removed (second order; see
    /// [`Comparison::lift_corrected`]): the figure to average across runs.
    pub lift_corrected: Option<f64>,
    /// Lower end of the interval of the relative lift; `None` when unbounded below.
    pub ci_low: Option<f64>,
    /// Upper end of the interval of the relative lift; `None` when unbounded above.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// p-value adjusted by Holm across all arms × metrics (family-wise error).
    pub p_value_holm: Option<f64>,
    /// p-value adjusted by Benjamini–Hochberg across all arms × metrics (false discovery).
    pub p_value_bh: Option<f64>,
    /// Whether the Holm-adjusted p-value is below α.
    pub significant: bool,
    /// Posterior probability that the arm is better than its baseline (lower is better
    /// for cart abandonment).
    pub chance_to_beat: Option<f64>,
    /// Expected loss, in the metric's units, of choosing the arm over its baseline.
    pub expected_loss: Option<f64>,
    /// The in-experiment truth ("true now"): the lift with every shopper of the population
    /// served by each arm's strategies as trained in this experiment. What the interval
    /// estimates.
    pub true_lift: Option<f64>,
    /// Whether the interval contains `true_lift`.
    pub covered: Option<bool>,
    /// The rollout truth ("at rollout"): the lift with each arm deployed to every shopper
    /// and learning from all of them. Its difference from `true_lift` is the rollout gap.
    pub rollout_lift: Option<f64>,
}

/// The metrics compared against the baseline, in report order.
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

/// A metric as a ratio of totals (numerator, denominator), for one copy of an arm's
/// strategies: the unit of the replicate analysis.
fn totals(r: &ReplicaSnapshot, metric: &str) -> (f64, f64) {
    let (c, m) = (&r.counts, &r.moments);
    match metric {
        "conversion_rate" => (c.orders as f64, c.visits as f64),
        "buyer_rate" => (m.buyers as f64, m.assigned as f64),
        "aov" => (c.revenue, c.orders as f64),
        "revenue_per_shopper" => (c.revenue, m.assigned as f64),
        "margin_per_shopper" => (c.gross_margin - c.message_cost, m.assigned as f64),
        "cart_abandonment_rate" => (c.abandoned as f64, c.carts as f64),
        _ => unreachable!("unknown compared metric {metric}"),
    }
}

/// Whether the arms are analysed with the copy of their strategies as the unit: every arm
/// of an experiment has the same number of copies, and one copy reports none.
fn by_copy(arm: &ArmSnapshot) -> bool {
    !arm.replicas.is_empty()
}

/// The test docs/ARCHITECTURE.md §5 prescribes for each metric: delta method for ratio
/// metrics clustered by shopper, Welch for means per shopper, the score test for
/// proportions — or, when the arms have several copies of their strategies, the replicate
/// comparison with the copy as the unit.
fn test(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    metric: &str,
    alpha: f64,
) -> StatsResult<Comparison> {
    if by_copy(arm) {
        let pairs = |a: &ArmSnapshot| -> Vec<(f64, f64)> {
            a.replicas.iter().map(|r| totals(r, metric)).collect()
        };
        return replicate_comparison(&pairs(control), &pairs(arm), alpha);
    }
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

/// Revenue (or, with `margin`, net margin) per visit of an arm against its baseline, the
/// basis of ROI: per shopper by the delta method, or per copy of the strategies when the
/// arms have several.
pub fn per_visit(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    margin: bool,
    alpha: f64,
) -> StatsResult<Comparison> {
    if by_copy(arm) {
        let pairs = |a: &ArmSnapshot| -> Vec<(f64, f64)> {
            a.replicas
                .iter()
                .map(|r| {
                    let c = &r.counts;
                    let value = if margin {
                        c.gross_margin - c.message_cost
                    } else {
                        c.revenue
                    };
                    (value, c.visits as f64)
                })
                .collect()
        };
        return replicate_comparison(&pairs(control), &pairs(arm), alpha);
    }
    let pick = |a: &ArmSnapshot| {
        if margin {
            a.moments.visit_margin
        } else {
            a.moments.visit_value
        }
    };
    ratio_comparison(&pick(control), &pick(arm), alpha)
}

/// Chance to beat the baseline: Beta-Binomial for proportions (per shopper), a normal
/// posterior on the difference otherwise.
fn bayes(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    metric: &str,
    test: &Comparison,
) -> StatsResult<BayesResult> {
    let (c, t) = (&control.moments, &arm.moments);
    let per_shopper = !by_copy(arm);
    let result = match metric {
        "buyer_rate" if per_shopper => {
            beta_binomial_chance_to_beat(c.buyers, c.assigned, t.buyers, t.assigned)?
        }
        "cart_abandonment_rate" if per_shopper => {
            let (cc, tc) = (&control.counts, &arm.counts);
            beta_binomial_chance_to_beat(cc.abandoned, cc.carts, tc.abandoned, tc.carts)?
        }
        _ => normal_chance_to_beat(test.diff, test.diff_se)?,
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

/// `t / c − 1` of a metric between two truths, where both exist and `c` is not 0.
fn truth_lift(c: Option<&ArmTruth>, t: Option<&ArmTruth>, metric: &str) -> Option<f64> {
    let (c, t) = (value(&c?.metrics, metric), value(&t?.metrics, metric));
    (c != 0.0).then(|| t / c - 1.0)
}

fn compare_metric(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    metric: &str,
    alpha: f64,
) -> MetricComparison {
    let true_lift = truth_lift(control.truth.as_ref(), arm.truth.as_ref(), metric);
    let rollout_lift = truth_lift(control.rollout.as_ref(), arm.rollout.as_ref(), metric);
    // An arm (or control) that met nobody has no value to compare: no lift, rather than
    // −100% against an empty arm.
    if control.moments.assigned == 0 || arm.moments.assigned == 0 {
        return MetricComparison {
            true_lift,
            rollout_lift,
            ..MetricComparison::default()
        };
    }
    match test(control, arm, metric, alpha) {
        Ok(t) => {
            let b = bayes(control, arm, metric, &t).ok();
            MetricComparison {
                lift: Some(t.lift),
                lift_corrected: Some(t.lift_corrected),
                ci_low: t.ci_low.is_finite().then_some(t.ci_low),
                ci_high: t.ci_high.is_finite().then_some(t.ci_high),
                p_value: Some(t.p_value),
                chance_to_beat: b.map(|b| b.prob_treatment_better),
                expected_loss: b.map(|b| b.expected_loss_treatment),
                true_lift,
                covered: true_lift.map(|l| t.ci_low <= l && l <= t.ci_high),
                rollout_lift,
                ..MetricComparison::default()
            }
        }
        Err(_) => {
            let (c, t) = (value(&control.metrics, metric), value(&arm.metrics, metric));
            MetricComparison {
                lift: (c != 0.0).then(|| t / c - 1.0),
                true_lift,
                rollout_lift,
                ..MetricComparison::default()
            }
        }
    }
}

/// Compares every arm but the control with its baseline on every metric of [`COMPARED`],
/// and adjusts the p-values across all arms × metrics (Holm and Benjamini–Hochberg).
/// Where a test has not enough data, the interval and p-values are `None`.
pub fn compare_all(
    snapshot: &Snapshot,
    alpha: f64,
) -> Vec<Option<BTreeMap<&'static str, MetricComparison>>> {
    let mut all: Vec<Option<BTreeMap<&'static str, MetricComparison>>> = snapshot
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let control = snapshot
                .arms
                .get(arm.baseline)
                .filter(|_| arm.baseline != i)?;
            Some(
                COMPARED
                    .iter()
                    .map(|&m| (m, compare_metric(control, arm, m, alpha)))
                    .collect(),
            )
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

/// Sequential status of every arm compared with a baseline.
pub fn sequential(snapshot: &Snapshot, alpha: f64) -> Vec<Sequential> {
    snapshot
        .arms
        .iter()
        .enumerate()
        .filter(|(i, a)| a.baseline != *i)
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
    /// The same contrast over the cells' in-experiment true values (every shopper served by
    /// each cell's strategies as trained), where the truth was computed: what the interval
    /// estimates.
    pub true_estimate: Option<f64>,
}

/// The factorial analysis: main effects and every interaction, and the chi-square test
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
    type Truth = fn(&Metrics) -> f64;
    let metrics: [(&'static str, Cell, Truth); 2] = [
        (
            "conversion_rate",
            |m| {
                Some((
                    m.conversion.ratio().ok()?,
                    m.conversion.ratio_variance().ok()?,
                ))
            },
            |m| m.conversion_rate,
        ),
        (
            "revenue_per_shopper",
            |m| {
                Some((
                    m.revenue.mean().ok()?,
                    m.revenue.variance().ok()? / m.revenue.n as f64,
                ))
            },
            |m| m.revenue_per_shopper,
        ),
    ];
    for (metric, cell, truth) in metrics.iter().filter(|_| two_level) {
        let truths: Option<Vec<f64>> = snapshot
            .arms
            .iter()
            .map(|a| a.truth.as_ref().map(|t| truth(&t.metrics)))
            .collect();
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
                true_estimate: truths.as_ref().map(|t| {
                    contrast(
                        design.cells.iter().map(|l| &l[..]).zip(t.iter().copied()),
                        &e.factors,
                    )
                }),
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

/// CUPED comparisons against each arm's baseline, when the scenario has a pre-period and
/// one copy of each arm's strategies (CUPED adjusts per shopper; with several copies the
/// copy is the unit, and a covariate per copy would need a pre-period per copy).
pub fn cuped(scenario: &Scenario, snapshot: &Snapshot, alpha: f64) -> Vec<Cuped> {
    if scenario.experiment.cuped_days == 0 || scenario.experiment.replicates > 1 {
        return Vec::new();
    }
    snapshot
        .arms
        .iter()
        .enumerate()
        .filter(|(i, a)| a.baseline != *i)
        .filter_map(|(arm, a)| {
            let control = &snapshot.arms[a.baseline];
            let c = cuped_comparison(&control.moments.cuped, &a.moments.cuped, alpha).ok()?;
            Some(Cuped {
                arm,
                variance_reduction: control.moments.cuped.variance_reduction().unwrap_or(0.0),
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
    /// Whether regret uses the arms' revenue per shopper in the in-experiment truth
    /// (`true effect`) or the estimates.
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

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
