//! `promo`: list prices, and personal discount codes for shoppers whose history says they
//! are price-sensitive.

use super::Pricing;
use crate::strategy::registry::{Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, EventKind, EventMask, History, Offer, ProductInfo, Shop, ShopperView};

pub(super) const ENTRY: Entry<dyn Pricing> = Entry {
    info: StrategyInfo {
        family: Family::Pricing,
        name: "promo",
        learns: false,
        summary: "list prices; a personal code on site for shoppers who abandon carts or use coupons more than they buy",
        params: &[
            Param::number("discount", 0.1, 0.01, 0.9, "the code's share off (0.1 = 10%)"),
            Param::integer("valid_days", 3.0, 0.0, 90.0, "days a code stays valid after it is shown"),
            Param::integer("min_signals", 1.0, 1.0, 100.0, "abandoned carts plus codes redeemed before a shopper qualifies"),
            Param::number("min_share", 0.5, 0.0, 1.0, "signals ÷ (signals + orders at full price) needed to qualify"),
        ],
    },
    build: |spec, _| Box::new(Promo::new(spec)),
};

/// List prices for everyone, and a personal code, shown as a visit starts, for shoppers the
/// shop predicts are price-sensitive from what they did: carts they walked away from and
/// codes they used, against orders they placed at full price. A code costs nothing until an
/// order redeems it; then its discount is paid out of margin, also by shoppers who would
/// have bought anyway.
///
/// The targeting reads the shopper's history, so a guest (a shopper served but not learned
/// from) is targeted exactly as a learner is; the counts of codes redeemed are the learners'.
#[derive(Debug, Clone, PartialEq)]
pub struct Promo {
    offer: Offer,
    min_signals: u32,
    min_share: f64,
    /// Orders bought with a code, and the discount they were given, so far.
    redeemed: u64,
    given: f64,
}

impl Promo {
    /// Builds the strategy from checked parameters.
    pub fn new(spec: &StrategySpec) -> Self {
        Promo {
            offer: Offer {
                discount: spec.param("discount"),
                valid_days: spec.param("valid_days") as u32,
            },
            min_signals: spec.param("min_signals") as u32,
            min_share: spec.param("min_share"),
            redeemed: 0,
            given: 0.0,
        }
    }

    /// Whether a history marks a shopper as price-sensitive.
    pub fn targets(&self, h: &History) -> bool {
        let signals = h.abandoned_carts + h.offers_redeemed;
        let full_price = h.orders.saturating_sub(h.offers_redeemed);
        signals >= self.min_signals
            && f64::from(signals) >= self.min_share * f64::from(signals + full_price)
    }
}

impl Pricing for Promo {
    fn name(&self) -> &'static str {
        "promo"
    }

    fn price(&self, _: &Shop, _: &ShopperView, product: &ProductInfo) -> f64 {
        product.list_price
    }

    fn promo(&self, _: &Shop, shopper: &ShopperView) -> Option<Offer> {
        self.targets(shopper.history).then_some(self.offer)
    }

    fn observes(&self) -> EventMask {
        EventKind::Purchase.bit()
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        // Lines of one order share the shopper, the day and the hour.
        let mut last = None;
        for e in log.events().filter(|e| e.kind == EventKind::Purchase) {
            let list = shop.catalog.product(e.product).list_price;
            let paid = f64::from(e.value);
            if paid < list * 0.999 {
                self.given += (list - paid) * f64::from(e.quantity);
                let order = (e.shopper, e.day, e.hour);
                if last != Some(order) {
                    self.redeemed += 1;
                    last = Some(order);
                }
            }
        }
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        vec![
            format!(
                "codes of {:.0}% off once abandoned carts and codes used reach {} and {:.0}% of a shopper's record",
                100.0 * self.offer.discount,
                self.min_signals,
                100.0 * self.min_share
            ),
            format!(
                "{} orders bought with a code so far, {:.0} given in discounts",
                self.redeemed, self.given
            ),
        ]
    }
}
