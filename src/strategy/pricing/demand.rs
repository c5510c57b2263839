//! `demand`: category prices that follow observed demand, inside guardrails.

use super::Pricing;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, EventKind, EventMask, ProductInfo, Shop, ShopperView, NO_PRODUCT};

pub(super) const ENTRY: Entry<dyn Pricing> = Entry {
    info: StrategyInfo {
        family: Family::Pricing,
        name: "demand",
        learns: true,
        summary: "category prices rise where add-to-cart per view beats the store's and fall where it lags, within a floor, a ceiling and a daily step",
        params: &[
            Param::number("floor", 0.85, 0.1, 1.0, "lowest price, as a multiple of list"),
            Param::number("ceiling", 1.25, 1.0, 5.0, "highest price, as a multiple of list"),
            Param::number("max_daily_change", 0.04, 0.0, 1.0, "largest change of a price from one day to the next (0.04 = 4%)"),
            Param::number("response", 1.0, 0.0, 5.0, "how strongly prices follow demand: target = (category demand ÷ store demand)^response"),
            Param::number("half_life_days", 7.0, 0.5, 365.0, "days for an observation's weight to halve"),
            Param::number("prior_views", 300.0, 0.0, 1e6, "views of store-average demand every category starts with (shrinkage)"),
        ],
    },
    build: |spec, ctx| Box::new(DemandPrice::new(spec, ctx)),
};

/// Prices per category that follow demand: each night the strategy compares a category's
/// add-to-cart rate per view (recency-weighted, shrunk toward the store's) with the store's,
/// and moves the category's multiplier toward `(ratio)^response`, by at most
/// `max_daily_change`, never below `floor` nor above `ceiling` times list price.
///
/// Hot categories get dearer and slow ones cheaper, until a higher price has cooled the
/// demand it answered; a seasonal peak raises its categories' prices while it lasts.
///
/// Prices are the same for every shopper and nothing is kept per shopper, so a guest (a
/// shopper served but not learned from) pays what a learner pays and moves no price.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandPrice {
    floor: f64,
    ceiling: f64,
    max_change: f64,
    response: f64,
    decay: f64,
    prior_views: f64,
    /// Today's multiplier of list price, per category.
    multiplier: Vec<f64>,
    /// Recency-weighted views and adds to cart, per category.
    views: Vec<f64>,
    carts: Vec<f64>,
}

impl DemandPrice {
    /// Builds the strategy with every price at list.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let n = ctx.catalog.categories().len();
        DemandPrice {
            floor: spec.param("floor"),
            ceiling: spec.param("ceiling"),
            max_change: spec.param("max_daily_change"),
            response: spec.param("response"),
            decay: 0.5f64.powf(1.0 / spec.param("half_life_days")),
            prior_views: spec.param("prior_views"),
            multiplier: vec![1.0; n],
            views: vec![0.0; n],
            carts: vec![0.0; n],
        }
    }

    /// Today's multiplier of list price for a category.
    pub fn multiplier(&self, category: usize) -> f64 {
        self.multiplier[category]
    }
}

impl Pricing for DemandPrice {
    fn name(&self) -> &'static str {
        "demand"
    }

    fn price(&self, _: &Shop, _: &ShopperView, product: &ProductInfo) -> f64 {
        product.list_price * self.multiplier[product.category as usize]
    }

    fn observes(&self) -> EventMask {
        EventMask::ALL
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        for v in self.views.iter_mut().chain(self.carts.iter_mut()) {
            *v *= self.decay;
        }
        for e in log.events() {
            if e.product == NO_PRODUCT {
                continue;
            }
            let c = shop.catalog.product(e.product).category as usize;
            match e.kind {
                EventKind::Impression | EventKind::OrganicView => self.views[c] += 1.0,
                EventKind::AddToCart => self.carts[c] += 1.0,
                _ => {}
            }
        }
        let (views, carts): (f64, f64) = (self.views.iter().sum(), self.carts.iter().sum());
        if views <= 0.0 || carts <= 0.0 {
            return;
        }
        let store = carts / views;
        let (lo, hi) = (1.0 - self.max_change, 1.0 + self.max_change);
        for (c, m) in self.multiplier.iter_mut().enumerate() {
            let rate =
                (self.carts[c] + self.prior_views * store) / (self.views[c] + self.prior_views);
            let target = (rate / store).powf(self.response);
            let step = (target / *m).clamp(lo, hi);
            // The old multiplier is inside the guardrails, so clamping the new one can only
            // shorten the step, never lengthen it.
            *m = (*m * step).clamp(self.floor, self.ceiling);
        }
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        let n = self.multiplier.len();
        if n == 0 {
            return Vec::new();
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            self.multiplier[b]
                .total_cmp(&self.multiplier[a])
                .then(a.cmp(&b))
        });
        let show = |c: usize| {
            format!(
                "{} ×{:.2}",
                shop.catalog.categories()[c].name,
                self.multiplier[c]
            )
        };
        let mean = self.multiplier.iter().sum::<f64>() / n as f64;
        vec![
            format!("mean price ×{mean:.3} of list"),
            format!(
                "dearest: {}",
                order
                    .iter()
                    .take(3)
                    .map(|&c| show(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "cheapest: {}",
                order
                    .iter()
                    .rev()
                    .take(3)
                    .map(|&c| show(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ]
    }
}
