//! `winback`: an offer to shoppers who have not visited for a while.

use super::Retention;
use crate::rng::SimRng;
use crate::strategy::registry::{Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{Offer, Shop, ShopperView};

pub(super) const ENTRY: Entry<dyn Retention> = Entry {
    info: StrategyInfo {
        family: Family::Retention,
        name: "winback",
        learns: false,
        summary: "a discount offer once a shopper has not visited for N days, repeated while they stay away",
        params: &[
            Param::integer("after_days", 14.0, 1.0, 365.0, "days without a visit (or since sign-up) before the first offer"),
            Param::integer("every_days", 14.0, 0.0, 365.0, "days between further offers while the shopper stays away (0: only once)"),
            Param::number("discount", 0.15, 0.0, 0.9, "the offer's share off (0.15 = 15%)"),
            Param::integer("valid_days", 7.0, 0.0, 90.0, "days the offer stays valid once opened"),
        ],
    },
    build: |spec, _| Box::new(Winback::new(spec)),
};

/// Recency rule: a shopper whose last visit (or sign-up, if they never came) is `after_days`
/// old gets an offer, and another every `every_days` while they stay away. It needs no
/// memory: the shopper's history says how long they have been gone, so a guest (a shopper
/// served but never learned from) is served as a learner is.
#[derive(Debug, Clone, PartialEq)]
pub struct Winback {
    after: u32,
    every: u32,
    offer: Offer,
}

impl Winback {
    /// Builds the strategy from checked parameters.
    pub fn new(spec: &StrategySpec) -> Self {
        Winback {
            after: spec.param("after_days") as u32,
            every: spec.param("every_days") as u32,
            offer: Offer {
                discount: spec.param("discount"),
                valid_days: spec.param("valid_days") as u32,
            },
        }
    }
}

/// Days since a shopper last visited, or signed up if they never did.
pub(super) fn days_away(day: u32, shopper: &ShopperView) -> u32 {
    let last = shopper
        .history
        .last_visit_day
        .unwrap_or(shopper.signup_day)
        .max(shopper.signup_day);
    day.saturating_sub(last)
}

impl Retention for Winback {
    fn name(&self) -> &'static str {
        "winback"
    }

    fn offer(&self, shop: &Shop, shopper: &ShopperView, _: &mut SimRng) -> Option<Offer> {
        let away = days_away(shop.day, shopper);
        let due = away == self.after
            || (self.every > 0 && away > self.after && (away - self.after) % self.every == 0);
        due.then_some(self.offer)
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        let repeat = if self.every > 0 {
            format!(", again every {} days away", self.every)
        } else {
            String::new()
        };
        vec![format!(
            "{:.0}% off after {} days without a visit{repeat}",
            100.0 * self.offer.discount,
            self.after
        )]
    }
}
