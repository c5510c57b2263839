//! `cart-reminder`: reminders of abandoned carts, and everything else at a fixed hour.

use super::{ChannelRule, EmailTiming, FrequencyCap, CAP, CHANNEL};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{
    Campaign, DayLog, Due, EventKind, EventMask, Message, Shop, ShopperId, ShopperView,
};

pub(super) const ENTRY: Entry<dyn EmailTiming> = Entry {
    info: StrategyInfo {
        family: Family::Email,
        name: "cart-reminder",
        learns: false,
        summary: "a reminder of an abandoned cart after a delay, at the hour it was abandoned; other messages at a fixed hour",
        params: &[
            Param::integer("delay_days", 1.0, 1.0, 30.0, "days after the abandonment the first reminder goes out"),
            Param::integer("reminders", 1.0, 1.0, 5.0, "reminders per abandoned cart, delay_days apart, while it waits"),
            Param::integer("hour", 10.0, 0.0, 23.0, "hour of newsletters and offers (and of reminders whose abandonment hour is unknown)"),
            CAP,
            CHANNEL,
        ],
    },
    build: |spec, ctx| Box::new(CartReminder::new(spec, ctx)),
};

/// Unknown hour.
const UNKNOWN: u8 = u8::MAX;

/// Reminds shoppers of the cart they left: `delay_days` after the abandonment, and again
/// every `delay_days` up to `reminders` times while the cart waits, at the hour of day they
/// abandoned it (they were shopping then). A shopper who clicks lands on the cart, where the
/// arm's recommender offers complementary products. Newsletters and offers go at `hour`.
/// The cap counts reminders first.
///
/// A guest, a shopper served but never learned from, gets a frequency cap and an
/// abandonment hour as a learner does, so their reminders go out exactly as a learner's with
/// the same events would; the reminders sent to guests are not counted in the insights.
#[derive(Debug, Clone, PartialEq)]
pub struct CartReminder {
    delay: u32,
    reminders: u32,
    hour: u8,
    channel: ChannelRule,
    cap: FrequencyCap,
    /// Hour of each shopper's last abandoned checkout.
    abandon_hour: Vec<u8>,
    sent: u64,
}

impl CartReminder {
    /// Builds the strategy from checked parameters.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        CartReminder {
            delay: spec.param("delay_days") as u32,
            reminders: spec.param("reminders") as u32,
            hour: spec.param("hour") as u8,
            channel: ChannelRule::from_spec(spec),
            cap: FrequencyCap::from_spec(spec, ctx.population),
            abandon_hour: vec![UNKNOWN; ctx.population as usize],
            sent: 0,
        }
    }

    /// Remembers the hour of a shopper's abandoned checkout.
    fn abandoned(&mut self, shopper: ShopperId, hour: u8) {
        if let Some(h) = self.abandon_hour.get_mut(shopper as usize) {
            *h = hour;
        }
    }

    /// Whether a reminder of `shopper`'s cart is due on `day`.
    pub fn reminder_due(&self, day: u32, shopper: &ShopperView) -> bool {
        let h = shopper.history;
        let Some(abandoned) = h.cart_abandoned_day else {
            return false;
        };
        let since = day.saturating_sub(abandoned);
        !h.cart.is_empty()
            && since >= self.delay
            && since % self.delay == 0
            && since / self.delay <= self.reminders
    }
}

impl EmailTiming for CartReminder {
    fn name(&self) -> &'static str {
        "cart-reminder"
    }

    fn schedule(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        due: &[Due],
        _: &mut SimRng,
        out: &mut Vec<Message>,
    ) {
        let from = out.len();
        if self.reminder_due(shop.day, shopper) {
            let hour = match self.abandon_hour.get(shopper.id as usize) {
                Some(&h) if h != UNKNOWN => h,
                _ => self.hour,
            };
            out.push(Message {
                campaign: Campaign::CartReminder,
                channel: self.channel.channel(Campaign::CartReminder),
                hour,
                offer: None,
            });
        }
        out.extend(due.iter().map(|d| Message {
            campaign: d.campaign,
            channel: self.channel.channel(d.campaign),
            hour: self.hour,
            offer: d.offer,
        }));
        self.cap.apply(shopper.id, shop.day, out, from);
    }

    fn observes(&self) -> EventMask {
        EventKind::Abandon
            .bit()
            .with(EventKind::MessageSent.bit())
            .with(self.cap.observes())
    }

    fn learn(&mut self, _: &Shop, log: &DayLog) {
        self.cap.learn(log);
        for e in log.events() {
            match e.kind {
                EventKind::Abandon => self.abandoned(e.shopper, e.hour),
                EventKind::MessageSent if e.position == Campaign::CartReminder as u8 => {
                    self.sent += 1;
                }
                _ => {}
            }
        }
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.cap.learn(log);
        for e in log.events().filter(|e| e.kind == EventKind::Abandon) {
            self.abandoned(e.shopper, e.hour);
        }
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        vec![format!(
            "{} reminders sent, {} day(s) after an abandonment, up to {} per cart",
            self.sent, self.delay, self.reminders
        )]
    }
}
