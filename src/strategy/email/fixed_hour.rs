//! `fixed-hour`: every message by email at one hour of the day.

use super::{Due, EmailTiming, Message};
use crate::rng::SimRng;
use crate::strategy::registry::{Entry, Family, Param, StrategyInfo};
use crate::strategy::Shop;
use crate::world::{Channel, ShopperView};

pub(super) const ENTRY: Entry<dyn EmailTiming> = Entry {
    info: StrategyInfo {
        family: Family::Email,
        name: "fixed-hour",
        summary: "every message by email at one fixed hour",
        params: &[Param::integer(
            "hour",
            10.0,
            0.0,
            23.0,
            "hour of day messages go out",
        )],
    },
    build: |spec, _| {
        Box::new(FixedHour {
            hour: spec.param("hour") as u8,
        })
    },
};

/// Sends everything due at one hour.
#[derive(Debug, Clone, Copy)]
pub struct FixedHour {
    /// Hour of day.
    pub hour: u8,
}

impl EmailTiming for FixedHour {
    fn name(&self) -> &'static str {
        "fixed-hour"
    }

    fn schedule(
        &self,
        _: &Shop,
        _: &ShopperView,
        due: &[Due],
        _: &mut SimRng,
        out: &mut Vec<Message>,
    ) {
        out.extend(due.iter().map(|d| Message {
            campaign: d.campaign,
            channel: Channel::Email,
            hour: self.hour,
            offer: d.offer,
        }));
    }
}
