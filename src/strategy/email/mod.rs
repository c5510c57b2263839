//! Email and SMS timing: when, through which channel, and whether messages go out.

mod cart_reminder;
mod fixed_hour;
mod send_time;

pub use cart_reminder::CartReminder;
pub use fixed_hour::FixedHour;
pub use send_time::SendTime;

use rayon::prelude::*;

use super::registry::{Entry, Param, StrategySpec};
use crate::rng::SimRng;
use crate::world::{
    Campaign, Channel, DayLog, Due, EventKind, EventMask, Message, Shop, ShopperId, ShopperView,
};

/// Schedules messages.
pub trait EmailTiming: Send + Sync {
    /// Registered name.
    fn name(&self) -> &'static str;

    /// Schedules today's messages for `shopper` (subscribed) from the campaigns `due`, pushing
    /// them into `out`; a due message left out is not sent. A strategy may also start a
    /// [`Campaign::CartReminder`] of its own for a shopper whose cart waits: the shopper who
    /// clicks it lands on that cart, with the recommender's cross-sell beside it.
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

/// Every email-timing strategy.
pub static REGISTRY: &[Entry<dyn EmailTiming>] =
    &[fixed_hour::ENTRY, send_time::ENTRY, cart_reminder::ENTRY];

/// Days of the rolling window of the frequency cap.
pub const CAP_WINDOW_DAYS: u32 = 7;

/// The frequency-cap parameter every email strategy takes.
pub(crate) const CAP: Param = Param::integer(
    "cap",
    3.0,
    0.0,
    14.0,
    "most messages to one shopper in any 7 days, counting today's (0: no cap)",
);

/// The channel parameter every email strategy takes.
pub(crate) const CHANNEL: Param = Param::choice(
    "channel",
    0,
    &["email", "sms", "mixed"],
    "email, SMS, or mixed: SMS for cart reminders and offers, email for newsletters",
);

/// Which channel a campaign goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRule {
    /// Everything by email.
    Email,
    /// Everything by SMS.
    Sms,
    /// Urgent messages (cart reminders, offers) by SMS, newsletters by email.
    Mixed,
}

impl ChannelRule {
    /// The rule chosen in a spec's `channel` parameter.
    pub fn from_spec(spec: &StrategySpec) -> Self {
        match spec.choice("channel") {
            "sms" => ChannelRule::Sms,
            "mixed" => ChannelRule::Mixed,
            _ => ChannelRule::Email,
        }
    }

    /// The channel of a campaign.
    pub fn channel(self, campaign: Campaign) -> Channel {
        match (self, campaign) {
            (ChannelRule::Email, _) | (ChannelRule::Mixed, Campaign::Newsletter) => Channel::Email,
            _ => Channel::Sms,
        }
    }
}

/// A frequency cap: at most `cap` messages to a shopper in any [`CAP_WINDOW_DAYS`] days.
/// It remembers the days of each shopper's last `cap` messages, from the arm's
/// `MessageSent` events, so it counts every campaign whichever strategy started it. It keeps
/// nothing across shoppers, so learners and guests (shoppers served but not learned from)
/// alike are capped by [`FrequencyCap::learn`] from their own messages.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyCap {
    cap: usize,
    /// Per shopper, the days of the last `cap` messages plus one (0: none), newest first.
    recent: Vec<u32>,
}

impl FrequencyCap {
    /// A cap of `cap` messages per window for a population (0: no cap).
    pub fn new(cap: usize, population: u32) -> Self {
        FrequencyCap {
            cap,
            recent: vec![0; cap * population as usize],
        }
    }

    /// The cap chosen in a spec's `cap` parameter.
    pub fn from_spec(spec: &StrategySpec, population: u32) -> Self {
        Self::new(spec.param("cap") as usize, population)
    }

    /// The events the cap needs.
    pub fn observes(&self) -> EventMask {
        if self.cap == 0 {
            EventMask::NONE
        } else {
            EventKind::MessageSent.bit()
        }
    }

    /// Messages `shopper` may still receive on `day`.
    pub fn room(&self, shopper: ShopperId, day: u32) -> usize {
        if self.cap == 0 {
            return usize::MAX;
        }
        let start = shopper as usize * self.cap;
        let Some(days) = self.recent.get(start..start + self.cap) else {
            return self.cap;
        };
        let in_window = days
            .iter()
            .filter(|&&d| d > 0 && d - 1 + CAP_WINDOW_DAYS > day)
            .count();
        self.cap - in_window
    }

    /// Records the day's messages, of learners or of guests. A newsletter night brings one message per subscribed
    /// shopper, so the shoppers are split into contiguous ranges, one per thread; each task
    /// scans the log and updates its own range. A shopper's days are updated by one task in
    /// log order, so the result does not depend on the number of threads.
    pub fn learn(&mut self, log: &DayLog) {
        if self.cap == 0 || self.recent.is_empty() {
            return;
        }
        let cap = self.cap;
        let shoppers = self.recent.len() / cap;
        let per_task = shoppers.div_ceil(rayon::current_num_threads()).max(1);
        self.recent
            .par_chunks_mut(per_task * cap)
            .enumerate()
            .for_each(|(task, recent)| {
                let first = task * per_task;
                let messages = log.events().filter(|e| e.kind == EventKind::MessageSent);
                for e in messages {
                    let Some(s) = (e.shopper as usize).checked_sub(first) else {
                        continue;
                    };
                    if let Some(days) = recent.get_mut(s * cap..(s + 1) * cap) {
                        // Newest first: shift the others one place and drop the oldest.
                        days.copy_within(..cap - 1, 1);
                        days[0] = e.day + 1;
                    }
                }
            });
    }

    /// Keeps, of the messages in `out` from index `from` on, the most urgent ones that fit
    /// the shopper's room today (cart reminders, then offers, then newsletters), in their
    /// original order.
    pub fn apply(&self, shopper: ShopperId, day: u32, out: &mut Vec<Message>, from: usize) {
        let new = out.len().saturating_sub(from);
        if new == 0 || self.cap == 0 {
            return;
        }
        let room = self.room(shopper, day);
        if new <= room {
            return;
        }
        let mut order: Vec<usize> = (from..out.len()).collect();
        order.sort_by_key(|&i| (urgency(out[i].campaign), i));
        let mut keep = vec![false; out.len()];
        for &i in order.iter().take(room) {
            keep[i] = true;
        }
        let mut i = 0;
        out.retain(|_| {
            let k = i < from || keep[i];
            i += 1;
            k
        });
    }
}

/// Lower is more urgent.
fn urgency(campaign: Campaign) -> u8 {
    match campaign {
        Campaign::CartReminder => 0,
        Campaign::Offer => 1,
        Campaign::Newsletter => 2,
    }
}
