//! Treatment-versus-control comparisons of every arm's headline metrics.

use std::collections::BTreeMap;

use serde::Serialize;

use super::snapshot::ArmSnapshot;

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

/// Compares `arm` with `control` on every metric of [`COMPARED`].
pub fn compare(
    control: &ArmSnapshot,
    arm: &ArmSnapshot,
    _alpha: f64,
) -> BTreeMap<&'static str, MetricComparison> {
    COMPARED
        .iter()
        .map(|&metric| {
            let (c, t) = (value(control, metric), value(arm, metric));
            let lift = (c != 0.0).then(|| t / c - 1.0);
            (
                metric,
                MetricComparison {
                    lift,
                    ..MetricComparison::default()
                },
            )
        })
        .collect()
}
