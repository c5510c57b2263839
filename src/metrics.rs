//! Mergeable metric accumulators and the derived metrics of docs/ARCHITECTURE.md §5.
//!
//! The world tallies [`Counts`] as it simulates; [`ShopperMoments`] hold the per-shopper
//! sums of squares and cross-products that the statistics need (clustered ratio metrics,
//! means), taken from the shoppers' histories. Both merge by addition, in a fixed order so
//! results do not depend on the thread count.

use serde::Serialize;

use crate::stats::{CupedMoments, MeanMoments, RatioMoments};
use crate::world::{Counts, History};

/// `num / den`, or 0 when there is nothing to divide (no NaN in reports).
pub fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Per-shopper moments of one arm at a point in time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ShopperMoments {
    /// Shoppers assigned.
    pub assigned: u64,
    /// Shoppers with at least one order.
    pub buyers: u64,
    /// Shoppers still active (not lapsed).
    pub active: u64,
    /// Shoppers still subscribed to messages.
    pub subscribed: u64,
    /// Orders (x) over visits (y) per shopper: conversion rate, clustered by shopper.
    pub conversion: RatioMoments,
    /// Revenue (x) over orders (y) per shopper: AOV.
    pub aov: RatioMoments,
    /// Revenue (x) over visits (y) per shopper: the value of a visit.
    pub visit_value: RatioMoments,
    /// Net margin (x) over visits (y) per shopper: what a visit earns, for ROI.
    pub visit_margin: RatioMoments,
    /// Revenue per shopper.
    pub revenue: MeanMoments,
    /// Net margin per shopper (after discounts and message costs) over the horizon.
    pub margin: MeanMoments,
    /// Revenue per shopper (y) with its pre-period visits (x), for CUPED.
    pub cuped: CupedMoments,
}

impl ShopperMoments {
    /// Adds one shopper: its history, whether it is still active (ground truth) and its
    /// CUPED covariate (0 without a pre-period).
    pub fn add(&mut self, h: &History, active: bool, covariate: f64) {
        let (visits, orders, revenue) = (h.visits, h.orders, h.revenue);
        self.assigned += 1;
        self.buyers += u64::from(orders > 0);
        self.active += u64::from(active);
        self.subscribed += u64::from(h.subscribed);
        self.conversion.add(f64::from(orders), f64::from(visits));
        self.aov.add(revenue, f64::from(orders));
        self.visit_value.add(revenue, f64::from(visits));
        self.visit_margin.add(h.margin, f64::from(visits));
        self.revenue.add(revenue);
        self.margin.add(h.margin);
        self.cuped.add(revenue, covariate);
    }

    /// Adds another accumulator into this one.
    pub fn merge(&mut self, o: &ShopperMoments) {
        self.assigned += o.assigned;
        self.buyers += o.buyers;
        self.active += o.active;
        self.subscribed += o.subscribed;
        self.conversion.merge(&o.conversion);
        self.aov.merge(&o.aov);
        self.visit_value.merge(&o.visit_value);
        self.visit_margin.merge(&o.visit_margin);
        self.revenue.merge(&o.revenue);
        self.margin.merge(&o.margin);
        self.cuped.merge(&o.cuped);
    }
}

/// The headline metrics of an arm (docs/ARCHITECTURE.md §5). Rates are fractions; money is
/// in the scenario's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Orders ÷ visits.
    pub conversion_rate: f64,
    /// Shoppers with an order ÷ assigned shoppers.
    pub buyer_rate: f64,
    /// Revenue ÷ orders.
    pub aov: f64,
    /// Revenue ÷ assigned shoppers.
    pub revenue_per_shopper: f64,
    /// Net margin per assigned shopper over the horizon.
    pub margin_per_shopper: f64,
    /// Carts not bought ÷ carts started.
    pub cart_abandonment_rate: f64,
    /// Clicks ÷ impressions and search views.
    pub click_through_rate: f64,
    /// Opens ÷ messages sent.
    pub open_rate: f64,
    /// Message clicks ÷ messages sent.
    pub message_click_rate: f64,
    /// Unsubscribes ÷ messages sent.
    pub unsubscribe_rate: f64,
    /// Lapsed shoppers ÷ assigned shoppers, at the end.
    pub churn_rate: f64,
}

impl Metrics {
    /// Derives the metrics from counts and shopper moments.
    pub fn from(c: &Counts, m: &ShopperMoments) -> Self {
        let n = m.assigned as f64;
        Metrics {
            conversion_rate: ratio(c.orders as f64, c.visits as f64),
            buyer_rate: ratio(m.buyers as f64, n),
            aov: ratio(c.revenue, c.orders as f64),
            revenue_per_shopper: ratio(c.revenue, n),
            margin_per_shopper: ratio(c.gross_margin - c.message_cost, n),
            cart_abandonment_rate: ratio(c.abandoned as f64, c.carts as f64),
            click_through_rate: ratio(c.clicks as f64, (c.impressions + c.organic_views) as f64),
            open_rate: ratio(c.opens as f64, c.messages as f64),
            message_click_rate: ratio(c.message_clicks as f64, c.messages as f64),
            unsubscribe_rate: ratio(c.unsubscribes as f64, c.messages as f64),
            churn_rate: ratio((m.assigned - m.active) as f64, n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(v: u64, o: u64, r: f64) -> Counts {
        Counts {
            visits: v,
            orders: o.min(v),
            carts: o.min(v) * 2,
            abandoned: o.min(v),
            revenue: r,
            ..Counts::default()
        }
    }

    proptest! {
        #[test]
        fn merge_order_does_not_matter(parts in prop::collection::vec((0u64..1000, 0u64..100, 0.0f64..1e4), 1..8)) {
            let cs: Vec<Counts> = parts.iter().map(|&(v, o, r)| counts(v, o, r)).collect();
            let mut forward = Counts::default();
            cs.iter().for_each(|c| forward.merge(c));
            let mut backward = Counts::default();
            cs.iter().rev().for_each(|c| backward.merge(c));
            prop_assert_eq!(forward.visits, backward.visits);
            prop_assert_eq!(forward.orders, backward.orders);
            prop_assert!((forward.revenue - backward.revenue).abs() <= 1e-9 * forward.revenue.max(1.0));
        }

        #[test]
        fn rates_are_fractions_and_never_nan(v in 0u64..1000, o in 0u64..100, r in 0.0f64..1e4, shoppers in 0u32..50) {
            let c = counts(v, o, r);
            let mut m = ShopperMoments::default();
            for i in 0..shoppers { m.add(&History { visits: i % 3, ..History::default() }, i % 2 == 0, 0.0); }
            let x = Metrics::from(&c, &m);
            for rate in [x.conversion_rate, x.buyer_rate, x.cart_abandonment_rate, x.open_rate, x.churn_rate] {
                prop_assert!((0.0..=1.0).contains(&rate), "{rate}");
            }
            for value in [x.aov, x.revenue_per_shopper, x.margin_per_shopper] {
                prop_assert!(value.is_finite());
            }
        }
    }

    #[test]
    fn no_orders_gives_zero_not_nan() {
        let m = Metrics::from(&Counts::default(), &ShopperMoments::default());
        assert_eq!(m.aov, 0.0);
        assert_eq!(m.conversion_rate, 0.0);
    }
}
