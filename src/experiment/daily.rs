//! The experiment day by day: every arm's metrics and its comparison with the control after
//! each day, as the dashboard's Charts view draws them and the `days` export table holds
//! them. Snapshots carry per-day counts but shopper moments only for "now", so the
//! day-by-day intervals and p-values exist only if they are taken as the days arrive.

use std::collections::BTreeMap;

use super::analysis::{compare_all, MetricComparison};
use super::snapshot::Snapshot;
use crate::metrics::Metrics;
use crate::world::Counts;

/// One arm after one day.
#[derive(Debug, Clone)]
pub struct ArmDay {
    /// Shoppers assigned so far.
    pub shoppers: u64,
    /// Counts of this day alone.
    pub counts: Counts,
    /// Metrics so far.
    pub metrics: Metrics,
    /// Comparison with the control so far; `None` for the control.
    pub vs_control: Option<BTreeMap<&'static str, MetricComparison>>,
    /// The always-valid (mSPRT) p-value of conversion after this day; `None` for the
    /// control and before the first look with data.
    pub sequential_p: Option<f64>,
}

impl ArmDay {
    /// The comparison of one metric with the control, if there is one.
    pub fn comparison(&self, metric: &str) -> Option<&MetricComparison> {
        self.vs_control.as_ref()?.get(metric)
    }
}

/// Every arm after one day.
#[derive(Debug, Clone)]
pub struct DayRecord {
    /// Days simulated (1 after the first day).
    pub day: u32,
    /// Arms, control first.
    pub arms: Vec<ArmDay>,
}

impl DayRecord {
    /// The record of a snapshot: each arm's metrics so far and its comparison with the
    /// control at level `alpha` (p-values adjusted across the arms × metrics of that day).
    pub fn of(snapshot: &Snapshot, alpha: f64) -> Self {
        let arms = snapshot
            .arms
            .iter()
            .zip(compare_all(snapshot, alpha))
            .map(|(arm, vs_control)| ArmDay {
                shoppers: arm.moments.assigned,
                counts: snapshot
                    .day
                    .checked_sub(1)
                    .and_then(|d| arm.daily.get(d as usize))
                    .copied()
                    .unwrap_or_default(),
                metrics: arm.metrics,
                vs_control,
                sequential_p: arm
                    .looks
                    .iter()
                    .rev()
                    .find(|l| l.day + 1 == snapshot.day)
                    .and_then(|l| l.sequential_p),
            })
            .collect();
        DayRecord {
            day: snapshot.day,
            arms,
        }
    }
}

/// The compared metrics that one day's counts give on their own: all but the buyer rate,
/// which needs each shopper's whole history.
pub const DAY_METRICS: [&str; 5] = [
    "conversion_rate",
    "aov",
    "revenue_per_shopper",
    "margin_per_shopper",
    "cart_abandonment_rate",
];

/// A compared metric on one day alone, from that day's counts and the `shoppers` assigned
/// by then: that day's conversion, AOV, revenue and net margin per assigned shopper, cart
/// abandonment. `None` for a metric the counts cannot give (see [`DAY_METRICS`]) and where
/// there is nothing to divide.
pub fn day_value(metric: &str, day: &Counts, shoppers: u64) -> Option<f64> {
    let per = |num: f64, den: f64| (den > 0.0).then(|| num / den);
    let n = shoppers as f64;
    match metric {
        "conversion_rate" => per(day.orders as f64, day.visits as f64),
        "aov" => per(day.revenue, day.orders as f64),
        "revenue_per_shopper" => per(day.revenue, n),
        "margin_per_shopper" => per(day.gross_margin - day.message_cost, n),
        "cart_abandonment_rate" => per(day.abandoned as f64, day.carts as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_gives_what_its_counts_can_and_nothing_it_cannot() {
        let day = Counts {
            visits: 200,
            orders: 5,
            revenue: 400.0,
            gross_margin: 120.0,
            message_cost: 20.0,
            carts: 20,
            abandoned: 15,
            ..Counts::default()
        };
        assert_eq!(day_value("conversion_rate", &day, 1000), Some(0.025));
        assert_eq!(day_value("aov", &day, 1000), Some(80.0));
        assert_eq!(day_value("revenue_per_shopper", &day, 1000), Some(0.4));
        assert_eq!(day_value("margin_per_shopper", &day, 1000), Some(0.1));
        assert_eq!(day_value("cart_abandonment_rate", &day, 1000), Some(0.75));
        assert_eq!(day_value("buyer_rate", &day, 1000), None);
        assert_eq!(day_value("aov", &Counts::default(), 1000), None);
    }
}
