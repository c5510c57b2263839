//! Treatment-versus-control comparisons of every arm's headline metrics.

use std::collections::BTreeMap;

use serde::Serialize;

use super::snapshot::ArmSnapshot;
use crate::stats::{
    ratio_comparison, two_proportion_z_test, welch_t_test_moments, Comparison, StatsResult,
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
    /// The true lift, where the true effect was computed.
    pub true_lift: Option<f64>,
}

/// The metrics compared against the control, in report order.
pub const COMPARED: [&str; 6] = [
    "conversion_rate",
    "buyer_rate",
    "aov",
    "revenue_per_visitor",
    "clv",
    "cart_abandonment_rate",
];

fn value(arm: &ArmSnapshot, metric: &str) -> f64 {
    let m = &arm.metrics;
    match metric {
        "conversion_rate" => m.conversion_rate,
        "buyer_rate" => m.buyer_rate,
        "aov" => m.aov,
        "revenue_per_visitor" => m.revenue_per_visitor,
        "clv" => m.clv,
        "cart_abandonment_rate" => m.cart_abandonment_rate,
        _ => unreachable!("unknown compared metric {metric}"),
    }
}

/// The test DESIGN §4 prescribes for each metric: delta method for ratio metrics clustered
/// by shopper, Welch for means per shopper, two-proportion z for proportions.
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
        "revenue_per_visitor" => welch_t_test_moments(&c.revenue, &t.revenue, alpha),
        "clv" => welch_t_test_moments(&c.clv, &t.clv, alpha),
        "cart_abandonment_rate" => {
            let (cc, tc) = (&control.counts, &arm.counts);
            two_proportion_z_test(cc.abandoned, cc.carts, tc.abandoned, tc.carts, alpha)
        }
        _ => unreachable!("unknown compared metric {metric}"),
    }
}

/// Compares `arm` with `control` on every metric of [`COMPARED`]. Where a test has not
/// enough data (no orders yet, a control value of 0), the interval and p-value are `None`.
pub fn compare(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    alpha: f64,
) -> BTreeMap<&'static str, MetricComparison> {
    COMPARED
        .iter()
        .map(|&metric| {
            let comparison = match test(control, arm, metric, alpha) {
                Ok(t) => MetricComparison {
                    lift: Some(t.lift),
                    ci_low: Some(t.ci_low),
                    ci_high: Some(t.ci_high),
                    p_value: Some(t.p_value),
                    true_lift: None,
                },
                Err(_) => {
                    let (c, t) = (value(control, metric), value(arm, metric));
                    MetricComparison {
                        lift: (c != 0.0).then(|| t / c - 1.0),
                        ..MetricComparison::default()
                    }
                }
            };
            (metric, comparison)
        })
        .collect()
}
