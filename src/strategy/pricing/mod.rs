//! Pricing and promotions: the price each shopper is offered.

mod bandit;
mod demand;
mod list;
mod promo;
mod segment;

pub use bandit::BanditPrice;
pub use demand::DemandPrice;
pub use list::ListPrice;
pub use promo::Promo;
pub use segment::SegmentPrice;

use super::registry::Entry;
use crate::world::{DayLog, EventMask, Offer, ProductInfo, Shop, ShopperView};

/// Sets prices. A price below list is paid out of margin.
pub trait Pricing: Send + Sync {
    /// Registered name.
    fn name(&self) -> &'static str;

    /// The unit price offered to `shopper` for `product` today.
    fn price(&self, shop: &Shop, shopper: &ShopperView, product: &ProductInfo) -> f64;

    /// A personal discount code to show `shopper` as a visit starts (a banner, a pop-up), when
    /// they hold no other offer. The world stores it like a delivered [`Offer`]: it lowers the
    /// prices they see while valid and applies to their cart at the next order, once. None by
    /// default. The discount is paid out of margin.
    fn promo(&self, _shop: &Shop, _shopper: &ShopperView) -> Option<Offer> {
        None
    }

    /// Which events the nightly batch should carry for this strategy.
    fn observes(&self) -> EventMask {
        EventMask::NONE
    }

    /// Learns from the arm's events of the day.
    fn learn(&mut self, _shop: &Shop, _log: &DayLog) {}

    /// Serves shoppers it does not learn from (the guests of the in-experiment truth, see
    /// docs/ARCHITECTURE.md): updates only the state kept per shopper for serving (memories,
    /// caps, clocks, balances) from `log`, which holds only such shoppers' events, and never
    /// anything shared across shoppers. The default does nothing, right for a strategy that
    /// keeps no per-shopper state.
    fn remember(&mut self, _shop: &Shop, _log: &DayLog) {}

    /// A few lines on what the strategy has learned.
    fn insights(&self, _shop: &Shop) -> Vec<String> {
        Vec::new()
    }
}

/// Every pricing strategy.
pub static REGISTRY: &[Entry<dyn Pricing>] = &[
    list::ENTRY,
    segment::ENTRY,
    demand::ENTRY,
    bandit::ENTRY,
    promo::ENTRY,
];
