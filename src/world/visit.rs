//! A visit: slate with position bias, organic search, clicks, cart, cross-sell, checkout.

use rand::Rng;

use super::day::{poisson, DayContext};
use super::output::{DayOutput, CROSS_SELL_POSITION};
use super::policy::Policy;
use super::record::{ImpressionRecord, OrderRecord};
use super::shopper::{CartLine, ShopperId, ShopperState, Traits};
use super::{sigmoid, ProductId, World};
use crate::rng::{Purpose, SimRng, SubjectKey};

/// Running sums of a visit's experience: how appealing the products shown were.
#[derive(Default, Clone, Copy)]
struct Experience {
    sum: f64,
    n: u32,
}

/// The visit's own luck and what the shopper has made of it so far.
struct Funnel {
    rng: SimRng,
    experience: Experience,
}

/// How a visit starts.
pub(in crate::world) struct Visit {
    /// Hour of the day.
    pub hour: u8,
    /// Raised click and cart utility (a visit from a message click).
    pub intent: f64,
    /// Straight back to a waiting cart (a reminder).
    pub to_cart: bool,
    /// The visit's number that day: its streams' index.
    pub index: u32,
}

/// What every product a shopper weighs during one visit shares, looked up once a visit.
struct Visitor<'a> {
    id: ShopperId,
    traits: &'a Traits,
    taste: &'a [f32],
    intent: f64,
    hour: u8,
    /// Price multiplier of a code the shopper holds (constant until checkout takes it).
    code: Option<f64>,
    /// Price multiplier of what a loyalty programme gives back.
    cashback: Option<f64>,
    /// The visit's number that day.
    index: u32,
    /// Where the visit's impressions start in the day's records.
    first_impression: usize,
}

/// What became of a product the shopper looked at.
#[derive(Clone, Copy)]
struct Considered {
    clicked: bool,
    carted: bool,
    price: f64,
    click_probability: f64,
}

/// A product on show and how likely it was to be looked at, for the record.
struct Shown {
    product: ProductId,
    position: usize,
    cross_sell: bool,
    examine_probability: f64,
    propensity: Option<f64>,
}

impl World {
    /// Simulates one visit; `key` is the shopper's stream key.
    pub(in crate::world) fn visit<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        id: ShopperId,
        key: SubjectKey,
        state: &mut ShopperState,
        visit: Visit,
        out: &mut DayOutput,
    ) {
        let Visit {
            hour,
            intent,
            to_cart,
            index,
        } = visit;
        let day = ctx.shop.day;
        let p = &self.params;
        let mut funnel = Funnel {
            rng: key.stream(day, Purpose::Visit, index),
            experience: Experience::default(),
        };
        let mut srng = key.stream(day, Purpose::Strategy, index);
        let traits = self.population.traits(id);
        out.counts.visits += 1;
        out.counts.message_visits += u64::from(intent > 0.0);
        out.visit(hour);
        state.history.visits += 1;
        state.history.last_visit_day = Some(day);
        if state.history.offer.is_none() {
            let code = ctx.policy.promo(&ctx.shop, &self.view(id, state));
            if let Some(code) = code {
                state.history.offer = Some((code, day + code.valid_days));
                out.counts.offers_delivered += 1;
            }
        }

        let who = Visitor {
            id,
            traits,
            taste: self.population.taste(id),
            intent,
            hour,
            code: state
                .history
                .offer
                .map(|(offer, _)| 1.0 - offer.discount.clamp(0.0, 0.95)),
            cashback: ctx.policy.loyalty().map(|l| 1.0 - l.cashback()),
            index,
            first_impression: out.records.impressions.len(),
        };
        let waiting_cart =
            state.history.cart_abandoned_day.is_some() && !state.history.cart.is_empty();
        let returns_to_cart =
            waiting_cart && (to_cart || funnel.rng.random::<f64>() < p.cart_return_rate);
        let mut added = false;

        let mut slate = std::mem::take(&mut out.slate);
        slate.clear();
        ctx.policy
            .slate(&ctx.shop, &self.view(id, state), &mut srng, &mut slate);
        slate.truncate(ctx.shop.slate_size);
        let recording = out.records.impressions_on();
        if recording {
            // Asked before the shopper acts on the slate: the view the slate was served to.
            let view = self.view(id, state);
            let mut propensities = std::mem::take(&mut out.records.propensities);
            propensities.clear();
            propensities.extend(
                (0..slate.len()).map(|r| ctx.policy.propensity(&ctx.shop, &view, &slate, r)),
            );
            out.records.propensities = propensities;
        }
        let mut examine = p.examination_top;
        for (rank, &product) in slate.iter().enumerate() {
            out.counts.impressions += 1;
            out.impression(hour, product, rank as u8);
            let examined = funnel.rng.random::<f64>() < examine;
            let considered =
                examined.then(|| self.consider(ctx, &who, state, product, &mut funnel, out));
            added |= considered.is_some_and(|c| c.carted);
            if recording {
                let shown = Shown {
                    product,
                    position: rank,
                    cross_sell: false,
                    examine_probability: examine,
                    propensity: out.records.propensities[rank],
                };
                self.record_impression(ctx, &who, state, shown, considered, out);
            }
            examine *= p.examination_decay;
        }
        out.slate = slate;

        if traits.n_favourites > 0 && funnel.rng.random::<f64>() < p.organic_rate {
            let products = &self.catalog.categories()
                [traits.favourite(funnel.rng.random::<f64>()) as usize]
                .products;
            for _ in 0..p.organic_views {
                let product = products[funnel.rng.random_range(0..products.len())];
                if !ctx.shop.on_sale(product) {
                    continue;
                }
                out.counts.organic_views += 1;
                out.organic_view(hour, product);
                added |= self
                    .consider(ctx, &who, state, product, &mut funnel, out)
                    .carted;
            }
        }

        if !state.history.cart.is_empty() && (added || returns_to_cart) {
            self.cross_sell(ctx, &who, state, &mut funnel, &mut srng, out);
            let rng = &mut funnel.rng;
            self.checkout(ctx, &who, state, waiting_cart, rng, out);
        }

        let experience = funnel.experience;
        if experience.n > 0 {
            let s = &mut state.hidden.satisfaction;
            *s = 0.8 * *s + 0.2 * (experience.sum / f64::from(experience.n)) as f32;
        }
    }

    /// The price the shop offers `who` for `product`, and the product's appeal to them at
    /// that price. Draws nothing: asking it again changes no stream.
    fn appeal<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        who: &Visitor,
        state: &ShopperState,
        product: ProductId,
    ) -> (f64, f64) {
        let info = self.catalog.product(product);
        let price = ctx
            .policy
            .price(&ctx.shop, &self.view(who.id, state), info)
            .max(0.01);
        // The price as the shopper weighs it: less a code they hold, less what a loyalty
        // programme gives back. The cart keeps the shop's price; the code applies at checkout.
        let mut seen = price;
        if let Some(code) = who.code {
            seen *= code;
        }
        if let Some(cashback) = who.cashback {
            seen *= cashback;
        }
        let seen = seen.max(0.01);
        let taste: f64 = who
            .taste
            .iter()
            .zip(self.catalog.latent(product))
            .map(|(u, v)| f64::from(u * v))
            .sum();
        let appeal = self.params.preference_strength * taste + self.catalog.quality(product)
            - f64::from(who.traits.price_sensitivity) * self.catalog.log_price_ratio(product, seen)
            + self.catalog.season_utility(info.category, &ctx.season);
        (price, appeal)
    }

    /// The probability that `who` clicks a product of this appeal once looking at it.
    fn click_probability(&self, who: &Visitor, appeal: f64) -> f64 {
        sigmoid(appeal + who.intent + self.params.click_intercept)
    }

    /// An examined product: maybe a click, maybe an add to cart.
    fn consider<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        who: &Visitor,
        state: &mut ShopperState,
        product: ProductId,
        funnel: &mut Funnel,
        out: &mut DayOutput,
    ) -> Considered {
        let Visitor {
            traits,
            intent,
            hour,
            ..
        } = *who;
        let p = &self.params;
        let Funnel { rng, experience } = funnel;
        let (price, appeal) = self.appeal(ctx, who, state, product);
        let click_probability = self.click_probability(who, appeal);
        let mut considered = Considered {
            clicked: false,
            carted: false,
            price,
            click_probability,
        };
        experience.sum += sigmoid(appeal);
        experience.n += 1;
        if rng.random::<f64>() >= click_probability {
            return considered;
        }
        considered.clicked = true;
        out.counts.clicks += 1;
        out.click(hour, product, price);
        state.history.remember(product);
        if rng.random::<f64>() >= sigmoid(p.cart_appeal_weight * appeal + intent + p.cart_intercept)
        {
            return considered;
        }
        if state.history.cart.iter().any(|l| l.product == product) {
            return considered;
        }
        let quantity = 1 + poisson(rng, f64::from(traits.basket_size)).min(20) as u16;
        state.history.cart.push(CartLine {
            product,
            quantity,
            price,
        });
        out.add_to_cart(hour, product, quantity, price);
        considered.carted = true;
        considered
    }

    /// Records an impression and what came of it; for one not looked at, what would have:
    /// the price offered and the probability of a click had the shopper looked.
    fn record_impression<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        who: &Visitor,
        state: &ShopperState,
        shown: Shown,
        considered: Option<Considered>,
        out: &mut DayOutput,
    ) {
        let c = considered.unwrap_or_else(|| {
            let (price, appeal) = self.appeal(ctx, who, state, shown.product);
            Considered {
                clicked: false,
                carted: false,
                price,
                click_probability: self.click_probability(who, appeal),
            }
        });
        out.records.impressions.push(ImpressionRecord {
            shopper: who.id,
            day: ctx.shop.day,
            hour: who.hour,
            visit: who.index,
            position: shown.position.min(usize::from(u8::MAX)) as u8,
            cross_sell: shown.cross_sell,
            product: shown.product,
            price: c.price,
            examined: considered.is_some(),
            clicked: c.clicked,
            carted: c.carted,
            bought: false,
            propensity: shown.propensity,
            examine_probability: shown.examine_probability,
            click_probability: c.click_probability,
        });
    }

    /// The cart page: complementary products from the recommender, examined like a slate.
    fn cross_sell<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        who: &Visitor,
        state: &mut ShopperState,
        funnel: &mut Funnel,
        srng: &mut SimRng,
        out: &mut DayOutput,
    ) {
        let (id, hour) = (who.id, who.hour);
        if ctx.shop.cross_sell_size == 0 {
            return;
        }
        let mut cart_ids = std::mem::take(&mut out.cart_ids);
        let mut extra = std::mem::take(&mut out.extra);
        cart_ids.clear();
        cart_ids.extend(state.history.cart.iter().map(|l| l.product));
        extra.clear();
        ctx.policy.cross_sell(
            &ctx.shop,
            &self.view(id, state),
            &cart_ids,
            srng,
            &mut extra,
        );
        extra.truncate(ctx.shop.cross_sell_size);
        let examine = self.params.cross_sell_examination;
        for (rank, &product) in extra.iter().enumerate() {
            out.counts.impressions += 1;
            out.impression(hour, product, CROSS_SELL_POSITION);
            let examined = funnel.rng.random::<f64>() < examine;
            let considered = examined.then(|| self.consider(ctx, who, state, product, funnel, out));
            if out.records.impressions_on() {
                let shown = Shown {
                    product,
                    position: rank,
                    cross_sell: true,
                    examine_probability: examine,
                    propensity: None,
                };
                self.record_impression(ctx, who, state, shown, considered, out);
            }
        }
        out.cart_ids = cart_ids;
        out.extra = extra;
    }

    /// Checkout: buy the cart, or abandon it (more likely as its total passes the budget).
    fn checkout<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        who: &Visitor,
        state: &mut ShopperState,
        waiting_cart: bool,
        rng: &mut SimRng,
        out: &mut DayOutput,
    ) {
        let Visitor { traits, hour, .. } = *who;
        let day = ctx.shop.day;
        let h = &mut state.history;
        let mut total: f64 = h.cart.iter().map(|l| l.price * f64::from(l.quantity)).sum();
        // A code takes its share off every line; a loyalty reward, a fixed amount off the
        // order. Both lower the total the shopper weighs against their budget.
        let code = h.offer.map_or(0.0, |(o, _)| o.discount.clamp(0.0, 0.95));
        if code > 0.0 {
            total *= 1.0 - code;
        }
        let loyalty = ctx.policy.loyalty();
        let reward = loyalty
            .filter(|l| l.reward_points > 0.0 && h.points >= l.reward_points)
            .map_or(0.0, |l| l.reward_value().min(total));
        total -= reward;
        let stretch = total / f64::from(traits.budget);
        let p_buy = self.params.checkout_rate / (1.0 + stretch.powf(self.params.budget_elasticity));
        out.counts.carts += 1;
        if rng.random::<f64>() >= p_buy {
            out.counts.abandoned += 1;
            h.abandoned_carts += 1;
            h.cart_abandoned_day = Some(day);
            out.abandon(hour, h.cart.len() as u16, total);
            return;
        }
        // A reward is a discount now, but its cost was booked when its points were earned.
        let mut margin = 0.0;
        let mut units = 0;
        out.counts.discounts += reward;
        for line in &h.cart {
            let info = self.catalog.product(line.product);
            let q = f64::from(line.quantity);
            let paid = if code > 0.0 {
                line.price * (1.0 - code)
            } else {
                line.price
            };
            margin += (paid - info.unit_cost) * q;
            out.counts.discounts += (info.list_price - paid).max(0.0) * q;
            units += u64::from(line.quantity);
            out.purchase(hour, line.product, line.quantity, paid);
        }
        for i in 0..h.cart.len() {
            let product = h.cart[i].product;
            h.remember(product);
        }
        if let Some(l) = loyalty {
            if reward > 0.0 {
                h.points -= l.reward_points;
            }
            // Points are a liability from the moment they are earned (as accounts book
            // them), so the margin pays their full value now, not when they are redeemed.
            let earned = total * l.points_per_dollar;
            h.points += earned;
            margin -= earned * l.point_value;
        }
        out.counts.orders += 1;
        out.counts.units += units;
        out.counts.revenue += total;
        out.counts.gross_margin += margin;
        if out.records.recording.orders {
            out.records.orders.push(OrderRecord {
                shopper: who.id,
                day,
                hour,
                revenue: total,
                margin,
                units: units as u32,
                lines: h.cart.len() as u16,
            });
        }
        if out.records.impressions_on() {
            out.records.bought(who.first_impression);
        }
        out.counts.recovered_carts += u64::from(waiting_cart);
        if h.offer.take().is_some() {
            out.counts.offers_redeemed += 1;
            h.offers_redeemed += 1;
        }
        h.orders += 1;
        h.revenue += total;
        h.margin += margin;
        h.order_margin += margin;
        if h.last_order_day != Some(day) {
            h.order_days += 1;
        }
        if *h.first_order_day.get_or_insert(day) != day {
            h.repeat_revenue += total;
        }
        h.last_order_day = Some(day);
        h.cart.clear();
        h.cart_abandoned_day = None;
    }
}

#[cfg(test)]
#[path = "visit_tests.rs"]
mod tests;
