//! Strategies: one small trait per family, one file per strategy.
//!
//! Strategies see the shop as a real shop would (DESIGN §2): the catalog's observable
//! attributes through [`Shop`], a shopper through [`ShopperView`], and their own arm's events
//! in the nightly [`DayLog`]. None of these types can reach a hidden trait.

pub mod email;
pub mod pricing;
pub mod recommender;
pub mod registry;
pub mod retention;

pub use email::EmailTiming;
pub use pricing::Pricing;
pub use recommender::Recommender;
pub use retention::Retention;

use crate::world::{Catalog, EventMask};

/// The observable shop on a given day, as strategies see it.
#[derive(Debug, Clone, Copy)]
pub struct Shop<'a> {
    /// Today.
    pub day: u32,
    /// Days in the horizon.
    pub days: u32,
    /// The catalog (observable attributes only).
    pub catalog: &'a Catalog,
    /// Products in a recommendation slate.
    pub slate_size: usize,
    /// Products offered on the cart page.
    pub cross_sell_size: usize,
    /// Names of the observable segments, indexed by segment.
    pub segments: &'a [String],
    /// Shoppers in the population; shopper ids are below this.
    pub population: u32,
}

impl Shop<'_> {
    /// Whether a product is on sale today.
    pub fn on_sale(&self, product: u32) -> bool {
        self.catalog.product(product).launch_day <= self.day
    }
}

/// One strategy per family: what an arm runs.
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
    /// The events any of the strategies wants in its nightly batch.
    pub fn observes(&self) -> EventMask {
        self.recommender
            .observes()
            .with(self.pricing.observes())
            .with(self.retention.observes())
            .with(self.email.observes())
    }

    /// Nightly batch: every strategy learns from the arm's events of the day. The families
    /// learn independently of each other, so the recommender (usually the heaviest) learns
    /// beside the other three: the nightly batch is the serial part of a day.
    pub fn learn(&mut self, shop: &Shop, log: &crate::world::DayLog) {
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
}
