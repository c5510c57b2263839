//! One shopper's day: messages, visits, then the end-of-day churn draw.

use rand::Rng;

use super::catalog::Season;
use super::events::EventMask;
use super::output::DayOutput;
use super::policy::{Policy, Shop};
use super::record::Recording;
use super::shopper::{ShopperId, ShopperState};
use super::visit::Visit;
use super::World;
use crate::rng::{Purpose, SimRng};

/// Everything a shopper-day needs that is the same for every shopper of an arm that day.
///
/// Generic over the policy so that the world calls the arm's decisions without a second
/// indirection (`P` is `strategy::Strategies` in a run).
pub struct DayContext<'a, P: Policy + ?Sized> {
    /// The world.
    pub world: &'a World,
    /// The shop as strategies see it today.
    pub shop: Shop<'a>,
    /// The arm's decisions, read-only during the day.
    pub policy: &'a P,
    /// Events to record for the nightly batch.
    pub observes: EventMask,
    /// Orders and impressions to record beside them (none unless an export asks).
    pub recording: Recording,
    pub(in crate::world) season: Season,
}

impl<'a, P: Policy + ?Sized> DayContext<'a, P> {
    /// The context of `shop.day` for an arm deciding by `policy`.
    pub fn new(world: &'a World, shop: Shop<'a>, policy: &'a P) -> Self {
        DayContext {
            world,
            season: world.catalog.season(shop.day),
            shop,
            policy,
            observes: policy.observes(),
            recording: Recording::NONE,
        }
    }

    /// The same context, recording what `recording` asks for.
    pub fn recording(self, recording: Recording) -> Self {
        DayContext { recording, ..self }
    }
}

impl World {
    /// Simulates one day of shopper `id` in an arm, updating its state and `out`.
    pub fn shopper_day<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        id: ShopperId,
        state: &mut ShopperState,
        out: &mut DayOutput,
    ) {
        let day = ctx.shop.day;
        let daily = self.population.daily(id);
        if daily.signup_day > day {
            // Not a customer yet: nothing happens and nothing is observed.
            return;
        }
        out.start(ctx.observes, ctx.recording, id, day);
        let h = &mut state.history;
        if h.offer.is_some_and(|(_, until)| until < day) {
            h.offer = None;
        }
        if h.cart_abandoned_day
            .is_some_and(|d| d + self.params.cart_persist_days < day)
        {
            h.cart.clear();
            h.cart_abandoned_day = None;
        }

        // Every stream of this shopper-day derives from one key.
        let key = self.streams.subject(u64::from(id));
        let mut visit_index = 0;
        if state.history.subscribed {
            visit_index = self.send_messages(ctx, id, key, state, out);
        }

        if state.hidden.active {
            let rate = f64::from(daily.visit_rate)
                * self.params.weekday_rhythm[(day % 7) as usize]
                * ctx.season.traffic;
            // Most days have no visit, and `poisson` tells that from the stream's first
            // uniform alone (no visit when it is at most e^−rate): skip seeding the stream.
            // e^−rate ≥ 1 − rate decides most of them without the exponential; the margin
            // covers the exponential's rounding.
            let none = rate <= 0.0
                || (rate <= POISSON_INVERSION_MAX && {
                    let u = key.first_uniform(day, Purpose::Visits, 0);
                    u <= 1.0 - rate - 1e-12 || u <= (-rate).exp()
                });
            if !none {
                let mut rng = key.stream(day, Purpose::Visits, 0);
                let n = poisson(&mut rng, rate);
                if n > 0 {
                    // The wide trait row is read only on the rare days with a visit.
                    let active_hour = self.population.traits(id).active_hour;
                    for _ in 0..n {
                        let hour = visit_hour(&mut rng, active_hour);
                        let visit = Visit {
                            hour,
                            intent: 0.0,
                            to_cart: false,
                            index: visit_index,
                        };
                        self.visit(ctx, id, key, state, visit, out);
                        visit_index += 1;
                    }
                }
            }
        }

        self.end_of_day(ctx, id, key, state, daily.churn_hazard, out);
    }
}

/// Hour of an organic visit: around the shopper's active hour.
fn visit_hour(rng: &mut SimRng, active_hour: f32) -> u8 {
    let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
    ((f64::from(active_hour) + 2.5 * z).rem_euclid(24.0)) as u8 % 24
}

/// Largest rate `poisson` draws by inversion (from one uniform, then more as needed).
const POISSON_INVERSION_MAX: f64 = 30.0;

/// A Poisson draw by inversion: exact, cheap for the small daily rates of shoppers.
pub(in crate::world) fn poisson(rng: &mut SimRng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > POISSON_INVERSION_MAX {
        let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
        return (lambda + lambda.sqrt() * z).round().max(0.0) as u32;
    }
    let u: f64 = rng.random();
    let mut p = (-lambda).exp();
    let mut cdf = p;
    let mut k = 0;
    while u > cdf && k < 200 {
        k += 1;
        p *= lambda / f64::from(k);
        cdf += p;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut of the visit draw (no visit when u ≤ 1 − rate − 1e-12) never
        /// contradicts the exact test u ≤ e^−rate.
        #[test]
        fn the_linear_bound_never_contradicts_the_exponential(
            rate in prop_oneof![0.0f64..1e-6, 0.0f64..=POISSON_INVERSION_MAX],
            back in 0.0f64..1.0,
        ) {
            let u = (1.0 - rate - 1e-12 - back * 1e-9).max(0.0);
            if u <= 1.0 - rate - 1e-12 {
                prop_assert!(u <= (-rate).exp());
            }
        }
    }
}
