//! Retention: offers that keep shoppers or win them back.

mod churn_model;
mod loyalty;
mod none;
mod winback;

pub use churn_model::ChurnModel;
pub use loyalty::LoyaltyProgramme;
pub use none::NoRetention;
pub use winback::Winback;

use super::registry::Entry;
use crate::rng::SimRng;
use crate::world::{DayLog, EventMask, Loyalty, Offer, Shop, ShopperView};

/// Decides, once a day per shopper, whether to send an offer.
pub trait Retention: Send + Sync {
    /// Registered name.
    fn name(&self) -> &'static str;

    /// An offer to send `shopper` today, if any. It goes out as a message whose hour the
    /// email-timing strategy picks, and applies once the shopper opens it.
    fn offer(&self, shop: &Shop, shopper: &ShopperView, rng: &mut SimRng) -> Option<Offer>;

    /// The loyalty programme the arm runs, if any. The world asks for it whenever a price is
    /// seen or an order placed, so it should be a constant of the strategy.
    fn loyalty(&self) -> Option<Loyalty> {
        None
    }

    /// The strategy's predicted risk that `shopper` has lapsed or is about to, where it has a
    /// model; higher is riskier. Reports score it against the shoppers who actually lapsed
    /// (which the strategy cannot see). `shop.day` is the last day simulated.
    fn risk(&self, _shop: &Shop, _shopper: &ShopperView) -> Option<f64> {
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

/// Every retention strategy.
pub static REGISTRY: &[Entry<dyn Retention>] = &[
    none::ENTRY,
    winback::ENTRY,
    churn_model::ENTRY,
    loyalty::ENTRY,
];
