//! `fixed-hour`: every message at one hour of the day.

use super::{ChannelRule, EmailTiming, FrequencyCap, CAP, CHANNEL};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, Due, EventMask, Message, Shop, ShopperView};

pub(super) const ENTRY: Entry<dyn EmailTiming> = Entry {
    info: StrategyInfo {
        family: Family::Email,
        name: "fixed-hour",
        learns: false,
        summary: "every message at one fixed hour",
        params: &[
            Param::integer("hour", 10.0, 0.0, 23.0, "hour of day messages go out"),
            CAP,
            CHANNEL,
        ],
    },
    build: |spec, ctx| Box::new(FixedHour::new(spec, ctx)),
};

/// Sends everything due at one hour. A guest, a shopper served but never learned from, gets
/// a frequency cap as a learner does, so is messaged exactly as a learner would be.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedHour {
    /// Hour of day.
    pub hour: u8,
    channel: ChannelRule,
    cap: FrequencyCap,
}

impl FixedHour {
    /// Builds the strategy from checked parameters.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        FixedHour {
            hour: spec.param("hour") as u8,
            channel: ChannelRule::from_spec(spec),
            cap: FrequencyCap::from_spec(spec, ctx.population),
        }
    }
}

impl EmailTiming for FixedHour {
    fn name(&self) -> &'static str {
        "fixed-hour"
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
        out.extend(due.iter().map(|d| Message {
            campaign: d.campaign,
            channel: self.channel.channel(d.campaign),
            hour: self.hour,
            offer: d.offer,
        }));
        self.cap.apply(shopper.id, shop.day, out, from);
    }

    fn observes(&self) -> EventMask {
        self.cap.observes()
    }

    fn learn(&mut self, _: &Shop, log: &DayLog) {
        self.cap.learn(log);
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.cap.learn(log);
    }
}
