//! ROI sizing: what an arm would earn and cost at the scenario's annual traffic, with the
//! statistical uncertainty of the experiment and the uncertainty of the cost ranges.
//!
//! Definitions (docs/ARCHITECTURE.md §5):
//! - Incremental annual revenue and margin = annual visits × (arm − control) per visit.
//!   Margin is after discounts and message costs. Per-visit differences come from the
//!   delta method clustered by shopper, so their intervals carry into every money figure.
//! - Annual cost of an arm = its recurring costs (licence, 12 × monthly hosting, API and
//!   maintenance, training) plus its one-off costs spread over the projection, minus the
//!   control's costs (what the shop pays already).
//! - ROI = (incremental annual margin − annual cost) ÷ annual cost; not defined when the arm
//!   costs nothing more than the control.
//! - Payback month = first month whose cumulative incremental margin covers the one-off
//!   costs and the recurring costs so far; NPV discounts monthly net flows at the yearly
//!   rate over the projection.

use serde::Serialize;

use crate::experiment::analysis::per_visit;
use crate::experiment::{ArmSnapshot, Snapshot};
use crate::scenario::{ArmCosts, Scenario};
use crate::stats::{sample_size_means, sample_size_proportions};

/// A money or ratio figure under low, mid and high assumptions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Range {
    /// Low.
    pub low: f64,
    /// Mid.
    pub mid: f64,
    /// High.
    pub high: f64,
}

/// A figure at the mid estimate, across the interval of the incremental margin (at mid
/// costs), and across the cost range (at the mid margin).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figure<T> {
    /// Mid margin, mid costs.
    pub mid: T,
    /// Lower end of the margin's interval, mid costs.
    pub margin_low: T,
    /// Upper end of the margin's interval, mid costs.
    pub margin_high: T,
    /// Mid margin, low costs.
    pub cost_low: T,
    /// Mid margin, high costs.
    pub cost_high: T,
}

/// One arm's costs, as (one-off, annual recurring) ranges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CostModel {
    /// One-off: development, data infrastructure, integration and testing.
    pub one_off: Range,
    /// Recurring per year: licence, hosting, API usage, maintenance, training.
    pub recurring: Range,
}

impl CostModel {
    /// Whether the arm costs anything beyond the control (at the top of its ranges): only
    /// then are ROI and payback defined, and worth a section in a report.
    pub fn any(&self) -> bool {
        self.one_off.high > 0.0 || self.recurring.high > 0.0
    }

    /// The cost model of an arm's cost table.
    pub fn of(c: &ArmCosts) -> Self {
        let sum = |items: &[(crate::scenario::Money, f64)]| {
            items.iter().fold(Range::default(), |acc, (m, times)| {
                let (l, mi, h) = m.low_mid_high();
                Range {
                    low: acc.low + l * times,
                    mid: acc.mid + mi * times,
                    high: acc.high + h * times,
                }
            })
        };
        CostModel {
            one_off: sum(&[
                (c.development, 1.0),
                (c.data_infrastructure, 1.0),
                (c.integration, 1.0),
            ]),
            recurring: sum(&[
                (c.licence_annual, 1.0),
                (c.hosting_monthly, 12.0),
                (c.api_monthly, 12.0),
                (c.maintenance_monthly, 12.0),
                (c.training_annual, 1.0),
            ]),
        }
    }

    /// This arm's costs beyond another's.
    pub fn minus(self, other: CostModel) -> CostModel {
        let d = |a: Range, b: Range| Range {
            low: a.low - b.low,
            mid: a.mid - b.mid,
            high: a.high - b.high,
        };
        CostModel {
            one_off: d(self.one_off, other.one_off),
            recurring: d(self.recurring, other.recurring),
        }
    }
}

/// Annual cost: recurring plus one-off spread over the projection.
pub fn annual_cost(one_off: f64, recurring: f64, months: u32) -> f64 {
    recurring + one_off * 12.0 / f64::from(months.max(1))
}

/// ROI; `None` ("not defined") when the arm costs nothing more than the control.
pub fn roi(annual_margin: f64, one_off: f64, recurring: f64, months: u32) -> Option<f64> {
    let cost = annual_cost(one_off, recurring, months);
    (cost > 1e-9).then(|| (annual_margin - cost) / cost)
}

/// The first month (1-based) whose cumulative net covers the one-off costs; `None` when
/// that does not happen within the projection. Month 0 when there is nothing to pay back.
pub fn payback_month(annual_margin: f64, one_off: f64, recurring: f64, months: u32) -> Option<u32> {
    let monthly = (annual_margin - recurring) / 12.0;
    if one_off <= 0.0 && monthly >= 0.0 {
        return Some(0);
    }
    if monthly <= 0.0 {
        return None;
    }
    let month = (one_off / monthly - 1e-9).ceil().max(1.0);
    (month <= f64::from(months)).then_some(month as u32)
}

/// Net present value over the projection: monthly net flows discounted at the yearly rate,
/// minus the one-off costs paid at the start.
pub fn npv(annual_margin: f64, one_off: f64, recurring: f64, months: u32, rate: f64) -> f64 {
    let monthly = (annual_margin - recurring) / 12.0;
    (1..=months)
        .map(|m| monthly / (1.0 + rate).powf(f64::from(m) / 12.0))
        .sum::<f64>()
        - one_off
}

/// The smallest lifts at which ROI reaches zero, and what detecting them would take.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BreakEven {
    /// Relative conversion lift (AOV unchanged) at which the margin pays the annual cost.
    pub conversion_lift: f64,
    /// Relative AOV lift (conversion unchanged) at which the margin pays the annual cost.
    pub aov_lift: f64,
    /// Visits per arm to detect the conversion lift (α, 80% power, two arms).
    pub conversion_visits_per_arm: Option<f64>,
    /// Days of the scenario's traffic that takes, split evenly over two arms.
    pub conversion_days: Option<f64>,
    /// Visits per arm to detect the AOV lift.
    pub aov_visits_per_arm: Option<f64>,
    /// Days of traffic that takes.
    pub aov_days: Option<f64>,
}

/// Money results of one arm against the control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmRoi {
    /// Incremental annual revenue: mid and interval.
    pub incremental_revenue: Range,
    /// Incremental annual margin (after discounts and message costs): mid and interval.
    pub incremental_margin: Range,
    /// Costs beyond the control's.
    pub costs: CostModel,
    /// Annual cost (recurring plus one-off spread over the projection).
    pub annual_cost: Range,
    /// ROI (`None`: not defined).
    pub roi: Figure<Option<f64>>,
    /// Payback month (`None`: not within the projection).
    pub payback_month: Figure<Option<u32>>,
    /// Net present value over the projection.
    pub npv: Figure<f64>,
    /// Break-even lifts; `None` when the arm costs nothing more or the control sells nothing.
    pub break_even: Option<BreakEven>,
}

fn figure<T>(margin: Range, costs: CostModel, f: impl Fn(f64, f64, f64) -> T) -> Figure<T> {
    let (o, r) = (costs.one_off, costs.recurring);
    Figure {
        mid: f(margin.mid, o.mid, r.mid),
        margin_low: f(margin.low, o.mid, r.mid),
        margin_high: f(margin.high, o.mid, r.mid),
        cost_low: f(margin.mid, o.low, r.low),
        cost_high: f(margin.mid, o.high, r.high),
    }
}

/// The ROI of every arm against its baseline (`None` for the control and where the
/// per-visit comparison has not enough data).
pub fn analyze(scenario: &Scenario, snapshot: &Snapshot) -> Vec<Option<ArmRoi>> {
    let costs_of = |name: &str| {
        scenario
            .costs
            .arms
            .get(name)
            .map(CostModel::of)
            .unwrap_or_default()
    };
    snapshot
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let control = snapshot
                .arms
                .get(arm.baseline)
                .filter(|_| arm.baseline != i)?;
            let costs = costs_of(&arm.name).minus(costs_of(&control.name));
            arm_roi(scenario, control, arm, costs)
        })
        .collect()
}

fn arm_roi(
    scenario: &Scenario,
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    costs: CostModel,
) -> Option<ArmRoi> {
    let b = &scenario.business;
    let (alpha, months, visits) = (
        scenario.experiment.alpha,
        b.projection_months as u32,
        b.annual_visitors,
    );
    let scale = |c: crate::stats::Comparison| Range {
        low: visits * c.diff_ci.0,
        mid: visits * c.diff,
        high: visits * c.diff_ci.1,
    };
    let revenue = scale(per_visit(control, arm, false, alpha).ok()?);
    let margin = scale(per_visit(control, arm, true, alpha).ok()?);
    let annual = |o: f64, r: f64| annual_cost(o, r, months);
    Some(ArmRoi {
        incremental_revenue: revenue,
        incremental_margin: margin,
        costs,
        annual_cost: Range {
            low: annual(costs.one_off.low, costs.recurring.low),
            mid: annual(costs.one_off.mid, costs.recurring.mid),
            high: annual(costs.one_off.high, costs.recurring.high),
        },
        roi: figure(margin, costs, |m, o, r| roi(m, o, r, months)),
        payback_month: figure(margin, costs, |m, o, r| payback_month(m, o, r, months)),
        npv: figure(margin, costs, |m, o, r| {
            npv(m, o, r, months, b.discount_rate)
        }),
        break_even: break_even(
            scenario,
            control,
            annual(costs.one_off.mid, costs.recurring.mid),
        ),
    })
}

/// Break-even lifts for an annual cost, from the control's figures. Margin per visit is
/// conversion × AOV × margin rate, so either lift alone raises it in proportion.
fn break_even(scenario: &Scenario, control: &ArmSnapshot, annual_cost: f64) -> Option<BreakEven> {
    let c = &control.counts;
    let (visits, orders) = (c.visits as f64, c.orders as f64);
    let gross_per_visit = c.gross_margin / visits;
    if annual_cost <= 0.0 || gross_per_visit.is_nan() || gross_per_visit <= 0.0 || orders < 2.0 {
        return None;
    }
    let b = &scenario.business;
    let alpha = scenario.experiment.alpha;
    let lift = annual_cost / (b.annual_visitors * gross_per_visit);
    let daily_visits = b.annual_visitors / 365.0;
    let days = |per_arm: f64| (daily_visits > 0.0).then(|| 2.0 * per_arm / daily_visits);
    let conversion = orders / visits;
    let conversion_visits = sample_size_proportions(conversion, lift, alpha, 0.8, 2).ok();
    // The spread of one order's value, from the clustered variance of the AOV estimate.
    let aov = c.revenue / orders;
    let order_sd = (control.moments.aov.ratio_variance().unwrap_or(0.0) * orders).sqrt();
    let aov_visits = sample_size_means(order_sd, lift * aov, alpha, 0.8, 2)
        .ok()
        .map(|o| o / conversion);
    Some(BreakEven {
        conversion_lift: lift,
        aov_lift: lift,
        conversion_visits_per_arm: conversion_visits,
        conversion_days: conversion_visits.and_then(days),
        aov_visits_per_arm: aov_visits,
        aov_days: aov_visits.and_then(days),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Money;

    #[test]
    fn roi_payback_and_npv_by_hand() {
        // Margin +$120,000 a year; $60,000 one-off over 36 months (+$20,000/yr) and $40,000 a
        // year recurring: annual cost $60,000, ROI = (120,000 − 60,000)/60,000 = 1.0.
        assert!((roi(120_000.0, 60_000.0, 40_000.0, 36).unwrap() - 1.0).abs() < 1e-12);
        // Net $80,000/yr = $6,666.67 a month; $60,000 one-off is paid back in month 9.
        assert_eq!(payback_month(120_000.0, 60_000.0, 40_000.0, 36), Some(9));
        assert_eq!(payback_month(120_000.0, 60_000.0, 40_000.0, 6), None);
        assert_eq!(payback_month(30_000.0, 60_000.0, 40_000.0, 36), None);
        // NPV at 0%: 36 × 6,666.67 − 60,000 = 180,000.
        assert!((npv(120_000.0, 60_000.0, 40_000.0, 36, 0.0) - 180_000.0).abs() < 1e-6);
        // At 12% a year, month m is discounted by 1.12^(m/12).
        let by_hand: f64 = (1..=12)
            .map(|m| (80_000.0 / 12.0) / 1.12f64.powf(m as f64 / 12.0))
            .sum::<f64>()
            - 60_000.0;
        assert!((npv(120_000.0, 60_000.0, 40_000.0, 12, 0.12) - by_hand).abs() < 1e-6);
    }

    #[test]
    fn free_and_unchanged_arm_has_no_roi() {
        assert_eq!(roi(0.0, 0.0, 0.0, 36), None);
        assert_eq!(payback_month(0.0, 0.0, 0.0, 36), Some(0));
        assert_eq!(npv(0.0, 0.0, 0.0, 36, 0.08), 0.0);
    }

    #[test]
    fn cost_ranges_propagate_in_order() {
        let costs = ArmCosts {
            development: Money::Range([30_000.0, 150_000.0]),
            licence_annual: Money::Range([5_000.0, 25_000.0]),
            hosting_monthly: Money::Range([300.0, 1_500.0]),
            training_annual: Money::Fixed(3_000.0),
            ..ArmCosts::default()
        };
        let m = CostModel::of(&costs);
        assert_eq!(
            m.one_off,
            Range {
                low: 30_000.0,
                mid: 90_000.0,
                high: 150_000.0
            }
        );
        assert_eq!(m.recurring.low, 5_000.0 + 12.0 * 300.0 + 3_000.0);
        assert!(m.recurring.low <= m.recurring.mid && m.recurring.mid <= m.recurring.high);
        let f = figure(
            Range {
                low: 50_000.0,
                mid: 100_000.0,
                high: 150_000.0,
            },
            m,
            |g, o, r| roi(g, o, r, 36).unwrap(),
        );
        assert!(f.cost_high <= f.mid && f.mid <= f.cost_low, "{f:?}");
        assert!(f.margin_low <= f.mid && f.mid <= f.margin_high, "{f:?}");
        let p = figure(
            Range {
                low: 50_000.0,
                mid: 100_000.0,
                high: 150_000.0,
            },
            m,
            |g, o, r| npv(g, o, r, 36, 0.08),
        );
        assert!(p.cost_high <= p.mid && p.mid <= p.cost_low);
    }
}
