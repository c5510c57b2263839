//! Retention: offers that keep shoppers or win them back.

mod none;

pub use none::NoRetention;

use super::registry::Entry;
use super::Shop;
use crate::rng::SimRng;
use crate::world::{DayLog, EventMask, Offer, ShopperView};

/// Decides, once a day per shopper, whether to send an offer.
pub trait Retention: Send + Sync {
    /// Registered name.
    fn name(&self) -> &'static str;

    /// An offer to send `shopper` today, if any. It goes out as a message whose hour the
    /// email-timing strategy picks, and applies once the shopper opens it.
    fn offer(&self, shop: &Shop, shopper: &ShopperView, rng: &mut SimRng) -> Option<Offer>;

    /// Which events the nightly batch should carry for this strategy.
    fn observes(&self) -> EventMask {
        EventMask::NONE
    }

    /// Learns from the arm's events of the day.
    fn learn(&mut self, _shop: &Shop, _log: &DayLog) {}

    /// A few lines on what the strategy has learned.
    fn insights(&self, _shop: &Shop) -> Vec<String> {
        Vec::new()
    }
}

/// Every retention strategy.
pub static REGISTRY: &[Entry<dyn Retention>] = &[none::ENTRY];
