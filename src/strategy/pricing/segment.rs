//! `segment`: a price multiplier per observable segment.

use super::Pricing;
use crate::strategy::registry::{Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{ProductInfo, Shop, ShopperView};

/// Segments that can carry their own multiplier, in the scenario's `[[segments]]` order.
const SEGMENTS: usize = 6;

const fn multiplier(name: &'static str, help: &'static str) -> Param {
    Param::number(name, 1.0, 0.5, 2.0, help)
}

pub(super) const ENTRY: Entry<dyn Pricing> = Entry {
    info: StrategyInfo {
        family: Family::Pricing,
        name: "segment",
        learns: false,
        summary: "list price times a multiplier per observable segment",
        params: &[
            multiplier("segment_0", "multiplier of the first [[segments]] entry"),
            multiplier("segment_1", "multiplier of the second segment"),
            multiplier("segment_2", "multiplier of the third segment"),
            multiplier("segment_3", "multiplier of the fourth segment"),
            multiplier("segment_4", "multiplier of the fifth segment"),
            multiplier("segment_5", "multiplier of the sixth segment"),
            multiplier(
                "unknown",
                "multiplier where the segment is hidden or has no entry",
            ),
        ],
    },
    build: |spec, _| Box::new(SegmentPrice::new(spec)),
};

/// List price times a multiplier chosen per observable segment: the shop's guess of who
/// pays more, set by hand (a premium tier, a student discount). It keeps nothing per shopper,
/// so a guest (a shopper served but not learned from) is priced as a learner is.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentPrice {
    multipliers: [f64; SEGMENTS],
    unknown: f64,
}

impl SegmentPrice {
    /// Builds the strategy from checked parameters.
    pub fn new(spec: &StrategySpec) -> Self {
        let mut multipliers = [1.0; SEGMENTS];
        for (i, m) in multipliers.iter_mut().enumerate() {
            *m = spec.param(&format!("segment_{i}"));
        }
        SegmentPrice {
            multipliers,
            unknown: spec.param("unknown"),
        }
    }

    fn multiplier(&self, segment: Option<u16>) -> f64 {
        segment
            .and_then(|s| self.multipliers.get(s as usize))
            .copied()
            .unwrap_or(self.unknown)
    }
}

impl Pricing for SegmentPrice {
    fn name(&self) -> &'static str {
        "segment"
    }

    fn price(&self, _: &Shop, shopper: &ShopperView, product: &ProductInfo) -> f64 {
        product.list_price * self.multiplier(shopper.segment)
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        let parts: Vec<String> = shop
            .segments
            .iter()
            .zip(self.multipliers)
            .map(|(name, m)| format!("{name} ×{m:.2}"))
            .collect();
        vec![format!(
            "prices where the segment is visible: {}; otherwise ×{:.2}",
            parts.join(", "),
            self.unknown
        )]
    }
}
