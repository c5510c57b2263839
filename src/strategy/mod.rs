//! Strategies: one small trait per family, one file per strategy.
//!
//! Strategies see the shop as a real shop would (docs/ARCHITECTURE.md §4): the catalog's
//! observable attributes through [`Shop`], a shopper through [`ShopperView`], and their own
//! arm's events in the nightly [`DayLog`]. None of these types can reach a hidden trait.

pub mod email;
mod guests;
pub mod pricing;
pub mod recommender;
pub mod registry;
pub mod retention;

pub use email::EmailTiming;
pub use pricing::Pricing;
pub use recommender::Recommender;
pub use retention::Retention;

use crate::rng::SimRng;
use crate::world::{
    DayLog, Due, EventMask, Loyalty, Message, Offer, Policy, ProductId, ProductInfo, Shop,
    ShopperView,
};

/// One strategy per family: what an arm runs. It answers the world's [`Policy`] by asking
/// the family each decision belongs to.
pub struct Strategies {
    /// Chooses the slate and the cart-page cross-sell.
    pub recommender: Box<dyn Recommender>,
    /// Sets the price each shopper is offered.
    pub pricing: Box<dyn Pricing>,
    /// Makes offers to keep or win back shoppers.
    pub retention: Box<dyn Retention>,
    /// Chooses when (and whether) messages go out.
    pub email: Box<dyn EmailTiming>,
}

impl Strategies {
    /// Nightly batch: every strategy learns from the arm's events of the day. The families
    /// learn independently of each other, so the recommender (usually the heaviest) learns
    /// beside the other three: the nightly batch is the serial part of a day.
    pub fn learn(&mut self, shop: &Shop, log: &DayLog) {
        let Strategies {
            recommender,
            pricing,
            retention,
            email,
        } = self;
        rayon::join(
            || recommender.learn(shop, log),
            || {
                pricing.learn(shop, log);
                retention.learn(shop, log);
                email.learn(shop, log);
            },
        );
    }

    /// After [`Strategies::learn`]: every strategy remembers what it keeps per shopper of
    /// the guests in `log`, shoppers it serves but does not learn from (the in-experiment
    /// truth's shadow population). Call it every night that has guests, even when none of
    /// them did anything observed that day: some per-shopper state is refreshed nightly from
    /// the shared model (`mf` re-fits guests' vectors against the night's product vectors,
    /// the churn model re-scores guests as their days away grow), exactly as a learner's is.
    /// Learners and guests are disjoint: a shopper a strategy has learned from must never
    /// reach it as a guest, nor the other way round.
    pub fn remember(&mut self, shop: &Shop, log: &DayLog) {
        let Strategies {
            recommender,
            pricing,
            retention,
            email,
        } = self;
        rayon::join(
            || recommender.remember(shop, log),
            || {
                pricing.remember(shop, log);
                retention.remember(shop, log);
                email.remember(shop, log);
            },
        );
    }
}

impl Policy for Strategies {
    fn slate(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        self.recommender.recommend(shop, shopper, rng, slate);
    }

    fn cross_sell(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        cart: &[ProductId],
        rng: &mut SimRng,
        out: &mut Vec<ProductId>,
    ) {
        self.recommender.cross_sell(shop, shopper, cart, rng, out);
    }

    fn price(&self, shop: &Shop, shopper: &ShopperView, product: &ProductInfo) -> f64 {
        self.pricing.price(shop, shopper, product)
    }

    fn promo(&self, shop: &Shop, shopper: &ShopperView) -> Option<Offer> {
        self.pricing.promo(shop, shopper)
    }

    fn offer(&self, shop: &Shop, shopper: &ShopperView, rng: &mut SimRng) -> Option<Offer> {
        self.retention.offer(shop, shopper, rng)
    }

    fn loyalty(&self) -> Option<Loyalty> {
        self.retention.loyalty()
    }

    fn schedule(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        due: &[Due],
        rng: &mut SimRng,
        out: &mut Vec<Message>,
    ) {
        self.email.schedule(shop, shopper, due, rng, out);
    }

    /// The recommender's: the slate is its decision.
    fn propensity(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        slate: &[ProductId],
        position: usize,
    ) -> Option<f64> {
        self.recommender.propensity(shop, shopper, slate, position)
    }

    /// The events any of the strategies wants in its nightly batch.
    fn observes(&self) -> EventMask {
        self.recommender
            .observes()
            .with(self.pricing.observes())
            .with(self.retention.observes())
            .with(self.email.observes())
    }
}
