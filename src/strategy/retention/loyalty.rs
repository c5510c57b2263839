//! `loyalty`: a points programme; no offers.

use super::Retention;
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, EventKind, EventMask, Loyalty, Offer, Shop, ShopperId, ShopperView};

pub(super) const ENTRY: Entry<dyn Retention> = Entry {
    info: StrategyInfo {
        family: Family::Retention,
        name: "loyalty",
        learns: false,
        summary: "a points programme: points per dollar paid, a reward off an order once enough are saved",
        params: &[
            Param::number("points_per_dollar", 1.0, 0.0, 100.0, "points earned per unit of currency paid"),
            Param::number("point_value", 0.05, 0.0, 10.0, "currency a point is worth when redeemed (1 point per dollar at 0.05 gives 5% back)"),
            Param::number("reward_points", 100.0, 1.0, 1e6, "points redeemed at once, off the next order once the balance reaches them"),
        ],
    },
    build: |spec, ctx| Box::new(LoyaltyProgramme::new(spec, ctx)),
};

/// Every shopper earns points on what they pay and redeems them as a reward off an order.
/// It makes no offers: the programme acts through the shoppers' own response to it (prices
/// feel lower by the cashback, a balance is a reason to come back) and costs the rewards.
///
/// The shop's ledger is rebuilt nightly from the orders it observes, as a real programme's
/// would be, for the insights. Serving reads only the terms (each shopper's points are in
/// their history), so a guest, a shopper served but never learned from, is served as a
/// learner is with nothing to remember; the ledger stays the learners'.
#[derive(Debug, Clone, PartialEq)]
pub struct LoyaltyProgramme {
    terms: Loyalty,
    balance: Vec<f64>,
    rewards: u64,
    rewards_value: f64,
}

impl LoyaltyProgramme {
    /// Builds the programme with every balance at zero.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        LoyaltyProgramme {
            terms: Loyalty {
                points_per_dollar: spec.param("points_per_dollar"),
                point_value: spec.param("point_value"),
                reward_points: spec.param("reward_points"),
            },
            balance: vec![0.0; ctx.population as usize],
            rewards: 0,
            rewards_value: 0.0,
        }
    }

    fn settle(&mut self, shopper: ShopperId, lines_total: f64) {
        let t = self.terms;
        let Some(balance) = self.balance.get_mut(shopper as usize) else {
            return;
        };
        let mut paid = lines_total;
        if *balance >= t.reward_points {
            let reward = t.reward_value().min(paid);
            paid -= reward;
            *balance -= t.reward_points;
            self.rewards += 1;
            self.rewards_value += reward;
        }
        *balance += paid * t.points_per_dollar;
    }
}

impl Retention for LoyaltyProgramme {
    fn name(&self) -> &'static str {
        "loyalty"
    }

    fn offer(&self, _: &Shop, _: &ShopperView, _: &mut SimRng) -> Option<Offer> {
        None
    }

    fn loyalty(&self) -> Option<Loyalty> {
        Some(self.terms)
    }

    fn observes(&self) -> EventMask {
        EventKind::Purchase.bit()
    }

    fn learn(&mut self, _: &Shop, log: &DayLog) {
        // The lines of one order are consecutive and share the shopper, the day and the hour.
        let mut order: Option<((ShopperId, u32, u8), f64)> = None;
        for e in log.events().filter(|e| e.kind == EventKind::Purchase) {
            let key = (e.shopper, e.day, e.hour);
            let line = f64::from(e.value) * f64::from(e.quantity);
            match &mut order {
                Some((k, total)) if *k == key => *total += line,
                _ => {
                    if let Some((k, total)) = order.take() {
                        self.settle(k.0, total);
                    }
                    order = Some((key, line));
                }
            }
        }
        if let Some((k, total)) = order {
            self.settle(k.0, total);
        }
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        let t = self.terms;
        let members = self.balance.iter().filter(|&&b| b > 0.0).count();
        let owed: f64 = self.balance.iter().sum::<f64>() * t.point_value;
        vec![
            format!(
                "{:.1}% back in points; {:.0} points buy {:.2} off an order",
                100.0 * t.cashback(),
                t.reward_points,
                t.reward_value()
            ),
            format!(
                "{members} shoppers hold points worth {owed:.0}; {} rewards worth {:.0} redeemed",
                self.rewards, self.rewards_value
            ),
        ]
    }
}
