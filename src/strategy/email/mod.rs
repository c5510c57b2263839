//! Email and SMS timing: when, through which channel, and whether messages go out.

mod fixed_hour;

pub use fixed_hour::FixedHour;

use super::registry::Entry;
use super::Shop;
use crate::rng::SimRng;
use crate::world::{Campaign, Channel, DayLog, EventMask, Offer, ShopperView};

/// A message due today, before timing: its campaign and any offer it carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due {
    /// Campaign.
    pub campaign: Campaign,
    /// Offer carried, for retention messages.
    pub offer: Option<Offer>,
}

/// A message scheduled for today.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message {
    /// Campaign.
    pub campaign: Campaign,
    /// Channel.
    pub channel: Channel,
    /// Hour of day (0–23) it is sent.
    pub hour: u8,
    /// Offer carried.
    pub offer: Option<Offer>,
}

/// Schedules messages.
pub trait EmailTiming: Send + Sync {
    /// Registered name.
    fn name(&self) -> &'static str;

    /// Schedules today's messages for `shopper` (subscribed) from the campaigns `due`, pushing
    /// them into `out`; a due message left out is not sent.
    fn schedule(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        due: &[Due],
        rng: &mut SimRng,
        out: &mut Vec<Message>,
    );

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

/// Every email-timing strategy.
pub static REGISTRY: &[Entry<dyn EmailTiming>] = &[fixed_hour::ENTRY];
