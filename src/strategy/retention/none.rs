//! `none`: no retention offers.

use super::Retention;
use crate::rng::SimRng;
use crate::strategy::registry::{Entry, Family, StrategyInfo};
use crate::world::{Offer, Shop, ShopperView};

pub(super) const ENTRY: Entry<dyn Retention> = Entry {
    info: StrategyInfo {
        family: Family::Retention,
        name: "none",
        learns: false,
        summary: "no retention offers",
        params: &[],
    },
    build: |_, _| Box::new(NoRetention),
};

/// Sends no offers, to learners and guests alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetention;

impl Retention for NoRetention {
    fn name(&self) -> &'static str {
        "none"
    }

    fn offer(&self, _: &Shop, _: &ShopperView, _: &mut SimRng) -> Option<Offer> {
        None
    }
}
