//! The world model (docs/ARCHITECTURE.md §3): catalog, shoppers, visits, messages, churn.
//!
//! Hidden traits (taste vectors, quality, price sensitivity, active hour, churn hazard…)
//! are private to this module: their accessors are `pub(in crate::world)`, so strategies,
//! which live outside it, cannot name them. The world asks the shop's decisions through
//! the [`Policy`] port it defines, answered from a [`Shop`] and a [`ShopperView`]; the
//! strategies learn from the [`DayLog`] of their own arm.

mod catalog;
mod churn;
mod counts;
mod day;
mod events;
mod messages;
mod output;
mod params;
mod policy;
mod record;
mod shopper;
mod visit;

pub use catalog::{Catalog, CategoryId, CategoryInfo, ProductId, ProductInfo};
pub use counts::Counts;
pub use day::DayContext;
pub use events::{Campaign, Channel, DayLog, Event, EventKind, EventMask, NO_PRODUCT};
pub use output::DayOutput;
pub use params::{CatalogParams, Seasonality, SegmentParams, WorldParams, WorldSetup};
pub use policy::{Due, Message, Policy, Shop};
pub use record::{ImpressionRecord, OrderRecord, Recorder, Recording, Records};
pub use shopper::{
    Arrivals, CartLine, History, Loyalty, Offer, Population, Profile, Recent, ShopperId,
    ShopperState, ShopperView, MAX_LATENT_DIM, RECENT_ITEMS,
};

use crate::rng::StreamRoot;

/// The simulated world of a scenario: catalog, population and behaviour constants. It is
/// shared read-only by every arm; each arm keeps its own [`ShopperState`]s.
#[derive(Debug, Clone)]
pub struct World {
    params: WorldParams,
    catalog: Catalog,
    population: Population,
    /// Root of the shopper-day streams.
    streams: StreamRoot,
    per_email: f64,
    per_sms: f64,
    /// Ceiling of the churn hazard's mood factor, for the cheap nightly test.
    mood_ceiling: f64,
}

impl World {
    /// Builds a world: its catalog, then its population, from the setup's seed.
    pub fn new(setup: WorldSetup) -> Self {
        let behaviour = setup.behaviour;
        let catalog =
            Catalog::generate(setup.catalog, behaviour.latent_dim, setup.days, setup.seed);
        let arrivals = Arrivals {
            new_share: behaviour.new_shopper_share,
            days: setup.days,
        };
        let population = Population::generate(
            setup.shoppers,
            setup.segments,
            &catalog,
            arrivals,
            setup.seed,
        );
        World {
            params: behaviour.clone(),
            catalog,
            population,
            streams: StreamRoot::new(setup.seed),
            per_email: setup.per_email,
            per_sms: setup.per_sms,
            mood_ceiling: churn::mood_ceiling(behaviour.churn_satisfaction_weight),
        }
    }

    /// The same world with other luck: every random stream derives from `seed` instead.
    /// Used for a pre-period that must not reuse the experiment's draws.
    pub fn with_stream_seed(&self, seed: u64) -> World {
        World {
            streams: StreamRoot::new(seed),
            ..self.clone()
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The population.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// The behaviour constants.
    pub fn params(&self) -> &WorldParams {
        &self.params
    }

    /// What a strategy may see of shopper `id` in a given state.
    pub fn view<'a>(&self, id: ShopperId, state: &'a ShopperState) -> ShopperView<'a> {
        ShopperView {
            id,
            signup_day: self.population.profile(id).signup_day,
            segment: self.population.observable_segment(id),
            history: &state.history,
        }
    }

    /// Whether the shop sends its newsletter on `day`.
    pub fn newsletter_day(&self, day: u32) -> bool {
        let every = self.params.newsletter_every_days;
        every > 0 && day % every == 0
    }
}

/// Logistic function.
pub(in crate::world) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
