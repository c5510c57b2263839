//! Shoppers: hidden traits drawn from segments, observable profiles and histories.

use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma, StandardNormal};
use rayon::prelude::*;

use super::catalog::{pick, Catalog, ProductId};
use super::params::SegmentParams;
use crate::rng::{stream, Purpose, SimRng};

/// Index of a shopper in the population.
pub type ShopperId = u32;

/// Most favourite categories a taste can mix.
const MAX_FAVOURITES: usize = 8;
/// Largest taste dimension a scenario may ask for (`world.latent_dim`).
pub const MAX_LATENT_DIM: usize = 64;
/// Products remembered in a shopper's recent history.
pub const RECENT_ITEMS: usize = 8;

/// What the shop knows about who a shopper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Shopper id.
    pub id: ShopperId,
    /// Day the shopper signed up.
    pub signup_day: u32,
    /// Segment index; shown to strategies only where the segment is observable.
    pub segment: u16,
}

/// Hidden traits: never visible to strategies (docs/ARCHITECTURE.md §4).
#[derive(Debug, Clone)]
pub(in crate::world) struct Traits {
    pub price_sensitivity: f32,
    pub visit_rate: f32,
    pub active_hour: f32,
    pub email_responsiveness: f32,
    pub basket_size: f32,
    pub budget: f32,
    pub churn_hazard: f32,
    pub favourites: [u16; MAX_FAVOURITES],
    pub favourite_weights: [f32; MAX_FAVOURITES],
    pub n_favourites: u8,
}

/// What every shopper-day reads, whether or not the shopper visits: a small record kept
/// apart from the wide `Traits`, so the daily pass over an arm's shoppers streams through
/// 12 bytes a shopper instead of missing the cache on a profile and an 80-byte trait row.
#[derive(Debug, Clone, Copy)]
pub(in crate::world) struct DailyTraits {
    pub signup_day: u32,
    pub visit_rate: f32,
    pub churn_hazard: f32,
}

impl Traits {
    /// A favourite category, drawn by taste weight with a uniform `u` in [0, 1).
    pub fn favourite(&self, u: f64) -> u16 {
        let n = self.n_favourites as usize;
        let total: f32 = self.favourite_weights[..n].iter().sum();
        let mut target = u as f32 * total;
        for m in 0..n {
            if target < self.favourite_weights[m] {
                return self.favourites[m];
            }
            target -= self.favourite_weights[m];
        }
        self.favourites[n - 1]
    }
}

/// When shoppers sign up: most before the horizon, a share during it.
#[derive(Debug, Clone, Copy)]
pub struct Arrivals {
    /// Share of shoppers who sign up during the horizon.
    pub new_share: f64,
    /// Days in the horizon.
    pub days: u32,
}

impl Arrivals {
    fn signup_day(self, rng: &mut SimRng) -> u32 {
        if self.days > 1 && rng.random::<f64>() < self.new_share {
            rng.random_range(1..self.days)
        } else {
            0
        }
    }
}

/// The population: profiles are public, traits and tastes are private to the world.
#[derive(Debug, Clone)]
pub struct Population {
    profiles: Vec<Profile>,
    traits: Vec<Traits>,
    /// Copies of the fields of `profiles` and `traits` that every shopper-day reads.
    daily: Vec<DailyTraits>,
    /// Taste vectors `u_i`, `dim` floats per shopper.
    taste: Vec<f32>,
    dim: usize,
    segment_names: Vec<String>,
    segment_observable: Vec<bool>,
}

fn normal(rng: &mut SimRng) -> f64 {
    StandardNormal.sample(rng)
}

impl Population {
    /// Draws `n` shoppers from the segments. Each shopper's traits come from its own stream,
    /// so the population does not depend on the thread count.
    pub fn generate(
        n: u32,
        segments: &[SegmentParams],
        catalog: &Catalog,
        arrivals: Arrivals,
        seed: u64,
    ) -> Self {
        let dim = catalog.dim();
        let shares: Vec<f64> = segments.iter().map(|s| s.share).collect();
        let total_share: f64 = shares.iter().sum();
        let cat_weights = catalog.category_weights();
        let cat_total: f64 = cat_weights.iter().sum();
        // Every shopper writes its taste in place: no allocation per shopper.
        let mut taste = vec![0f32; n as usize * dim];
        let mut profiles = Vec::with_capacity(n as usize);
        let mut traits = Vec::with_capacity(n as usize);
        (0..n)
            .into_par_iter()
            .zip(taste.par_chunks_mut(dim))
            .map(|(id, taste)| {
                let mut rng = stream(seed, u64::from(id), 0, Purpose::Traits, 0);
                let s = pick(&shares, total_share, rng.random::<f64>());
                let seg = &segments[s];
                let traits = draw_traits(seg, catalog, cat_weights, cat_total, &mut rng, taste);
                let profile = Profile {
                    id,
                    signup_day: arrivals.signup_day(&mut rng),
                    segment: s as u16,
                };
                (profile, traits)
            })
            .unzip_into_vecs(&mut profiles, &mut traits);
        let daily = profiles
            .iter()
            .zip(&traits)
            .map(|(p, t)| DailyTraits {
                signup_day: p.signup_day,
                visit_rate: t.visit_rate,
                churn_hazard: t.churn_hazard,
            })
            .collect();
        Population {
            profiles,
            traits,
            daily,
            taste,
            dim,
            segment_names: segments.iter().map(|s| s.name.clone()).collect(),
            segment_observable: segments.iter().map(|s| s.observable).collect(),
        }
    }

    /// Number of shoppers.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Whether there are no shoppers.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Observable profile of a shopper.
    pub fn profile(&self, id: ShopperId) -> &Profile {
        &self.profiles[id as usize]
    }

    /// Segment names, indexed by segment.
    pub fn segment_names(&self) -> &[String] {
        &self.segment_names
    }

    /// Whether the scenario lets the shop see segment `segment`.
    pub fn is_observable(&self, segment: u16) -> bool {
        self.segment_observable
            .get(usize::from(segment))
            .copied()
            .unwrap_or(false)
    }

    /// The segment a strategy may see: `None` where the scenario keeps it hidden.
    pub fn observable_segment(&self, id: ShopperId) -> Option<u16> {
        let s = self.profiles[id as usize].segment;
        self.segment_observable[s as usize].then_some(s)
    }

    pub(in crate::world) fn traits(&self, id: ShopperId) -> &Traits {
        &self.traits[id as usize]
    }

    pub(in crate::world) fn daily(&self, id: ShopperId) -> DailyTraits {
        self.daily[id as usize]
    }

    pub(in crate::world) fn taste(&self, id: ShopperId) -> &[f32] {
        &self.taste[id as usize * self.dim..(id as usize + 1) * self.dim]
    }
}

fn draw_traits(
    seg: &SegmentParams,
    catalog: &Catalog,
    cat_weights: &[f64],
    cat_total: f64,
    rng: &mut SimRng,
    taste_out: &mut [f32],
) -> Traits {
    let dim = catalog.dim();
    let n_fav = (seg.favourite_categories as usize)
        .min(MAX_FAVOURITES)
        .min(cat_weights.len());
    let mut favourites = [0u16; MAX_FAVOURITES];
    let mut favourite_weights = [0f32; MAX_FAVOURITES];
    let mut sums = [0f64; MAX_LATENT_DIM];
    let taste = &mut sums[..dim];
    let mut weight_sum = 0.0;
    for m in 0..n_fav {
        let k = pick(cat_weights, cat_total, rng.random::<f64>());
        let w: f64 = rng.random_range(0.2..1.0);
        favourites[m] = k as u16;
        favourite_weights[m] = w as f32;
        weight_sum += w;
        for (t, c) in taste.iter_mut().zip(catalog.centroid(k)) {
            *t += w * f64::from(*c);
        }
    }
    let noise = seg.taste_noise / (dim as f64).sqrt();
    for t in taste.iter_mut() {
        *t = *t / weight_sum + noise * normal(rng);
    }
    let norm = taste.iter().map(|t| t * t).sum::<f64>().sqrt().max(1e-9);
    for (out, t) in taste_out.iter_mut().zip(taste.iter()) {
        *out = (t / norm) as f32;
    }

    let gamma = |shape: f64, mean: f64, rng: &mut SimRng| -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        Gamma::new(shape, mean / shape)
            .map(|g| g.sample(rng))
            .unwrap_or(mean)
    };
    let lognormal =
        |median: f64, sigma: f64, rng: &mut SimRng| median * (sigma * normal(rng)).exp();
    let resp = seg.email_responsiveness.clamp(1e-3, 1.0 - 1e-3);
    let email_responsiveness = Beta::new(6.0 * resp, 6.0 * (1.0 - resp))
        .map(|b| b.sample(rng))
        .unwrap_or(resp);
    Traits {
        // Log-normal around the segment mean (the −σ²/2 keeps the mean where the file says).
        price_sensitivity: lognormal(seg.price_sensitivity, 0.35, rng) as f32
            * (-0.35f32 * 0.35 / 2.0).exp(),
        visit_rate: gamma(seg.visit_dispersion, seg.visit_rate, rng) as f32,
        active_hour: (seg.active_hour + seg.active_hour_spread * normal(rng)).rem_euclid(24.0)
            as f32,
        email_responsiveness: email_responsiveness as f32,
        basket_size: gamma(2.0, seg.basket_size, rng) as f32,
        budget: lognormal(seg.budget, 0.5, rng) as f32,
        churn_hazard: (lognormal(seg.churn_hazard, 0.5, rng) * (-0.125f64).exp()).min(1.0) as f32,
        favourites,
        favourite_weights,
        n_favourites: n_fav as u8,
    }
}

/// One line of a cart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CartLine {
    /// Product.
    pub product: ProductId,
    /// Units.
    pub quantity: u16,
    /// Unit price offered when it was added.
    pub price: f64,
}

/// A discount code: a retention offer delivered by a message, or a promo code a pricing
/// strategy shows on site. While valid it lowers every price the shopper sees, and the next
/// order applies it to the whole cart (lines added before it arrived included), once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer {
    /// Fraction off the offered price (0.1 = 10% off).
    pub discount: f64,
    /// Days the offer stays valid after delivery.
    pub valid_days: u32,
}

/// The terms of a loyalty programme a retention strategy runs. Every shopper of the arm is a
/// member: orders earn points on what they pay, and an order placed with at least
/// `reward_points` in the balance redeems them for `reward_points × point_value` off its
/// total. Shoppers respond to it through the ordinary price terms of the model: prices feel
/// lower by the value the points give back, and an unredeemed balance is a stake they lose
/// by lapsing (see the world's churn draw). The margin pays for points when they are
/// earned, at their full value, as a liability is booked; a reward redeemed later is counted
/// as a discount but costs nothing more.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loyalty {
    /// Points earned per unit of currency paid.
    pub points_per_dollar: f64,
    /// Currency value of one point when redeemed.
    pub point_value: f64,
    /// Points redeemed at once, for a reward of `reward_points × point_value`.
    pub reward_points: f64,
}

impl Loyalty {
    /// The share of a price that comes back as points (0.02 = 2% back).
    pub fn cashback(&self) -> f64 {
        (self.points_per_dollar * self.point_value).clamp(0.0, 0.5)
    }

    /// The reward one redemption is worth.
    pub fn reward_value(&self) -> f64 {
        self.reward_points * self.point_value
    }
}

/// What the shop has seen a shopper do. Everything here is observable.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Visits so far.
    pub visits: u32,
    /// Orders so far.
    pub orders: u32,
    /// Revenue so far.
    pub revenue: f64,
    /// Gross margin so far, after discounts and message costs.
    pub margin: f64,
    /// Gross margin of the orders so far, after discounts: `margin` before message costs.
    pub order_margin: f64,
    /// Last day with a visit.
    pub last_visit_day: Option<u32>,
    /// First day with an order.
    pub first_order_day: Option<u32>,
    /// Last day with an order.
    pub last_order_day: Option<u32>,
    /// Days with at least one order: purchase occasions, as the CLV models count them
    /// (several orders on one day are one).
    pub order_days: u32,
    /// Revenue of the orders placed after the first order day (the repeat purchases).
    pub repeat_revenue: f64,
    /// Most recent products clicked, carted or bought (newest last).
    pub recent: Recent,
    /// Current cart; it persists after an abandoned checkout.
    pub cart: Vec<CartLine>,
    /// Day the cart was last abandoned, while it waits.
    pub cart_abandoned_day: Option<u32>,
    /// Carts abandoned so far.
    pub abandoned_carts: u32,
    /// Whether the shopper still accepts messages.
    pub subscribed: bool,
    /// Messages received so far.
    pub messages: u32,
    /// Messages opened so far.
    pub opens: u32,
    /// Messages clicked so far.
    pub message_clicks: u32,
    /// A delivered offer and the last day it is valid.
    pub offer: Option<(Offer, u32)>,
    /// Orders that used an offer.
    pub offers_redeemed: u32,
    /// Loyalty points held, where the arm runs a loyalty programme.
    pub points: f64,
}

impl Default for History {
    fn default() -> Self {
        History {
            visits: 0,
            orders: 0,
            revenue: 0.0,
            margin: 0.0,
            order_margin: 0.0,
            last_visit_day: None,
            first_order_day: None,
            last_order_day: None,
            order_days: 0,
            repeat_revenue: 0.0,
            recent: Recent::default(),
            cart: Vec::new(),
            cart_abandoned_day: None,
            abandoned_carts: 0,
            subscribed: true,
            messages: 0,
            opens: 0,
            message_clicks: 0,
            offer: None,
            offers_redeemed: 0,
            points: 0.0,
        }
    }
}

impl History {
    /// Remembers a product the shopper interacted with.
    pub(in crate::world) fn remember(&mut self, product: ProductId) {
        self.recent.remember(product);
    }
}

/// The last [`RECENT_ITEMS`] distinct products a shopper interacted with, newest last. Kept
/// inline in the history: no allocation per shopper, and no pointer to chase on a visit.
/// Reads as a slice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recent {
    items: [ProductId; RECENT_ITEMS],
    len: u8,
}

impl Recent {
    /// Moves `product` to the newest place, dropping the oldest product when full.
    pub fn remember(&mut self, product: ProductId) {
        let len = usize::from(self.len);
        if let Some(pos) = self.items[..len].iter().position(|&p| p == product) {
            self.items.copy_within(pos + 1..len, pos);
            self.items[len - 1] = product;
        } else if len == RECENT_ITEMS {
            self.items.copy_within(1.., 0);
            self.items[len - 1] = product;
        } else {
            self.items[len] = product;
            self.len += 1;
        }
    }
}

impl std::ops::Deref for Recent {
    type Target = [ProductId];

    fn deref(&self) -> &[ProductId] {
        &self.items[..usize::from(self.len)]
    }
}

impl<'a> IntoIterator for &'a Recent {
    type Item = &'a ProductId;
    type IntoIter = std::slice::Iter<'a, ProductId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl FromIterator<ProductId> for Recent {
    /// Remembers the products in order: the last [`RECENT_ITEMS`] distinct ones are kept.
    fn from_iter<I: IntoIterator<Item = ProductId>>(products: I) -> Self {
        let mut recent = Recent::default();
        products.into_iter().for_each(|p| recent.remember(p));
        recent
    }
}

/// A shopper's state in one arm: the observable history and the hidden dynamics.
#[derive(Debug, Clone, Default)]
pub struct ShopperState {
    /// What the shop has seen.
    pub history: History,
    pub(in crate::world) hidden: HiddenState,
}

/// Hidden dynamic state: how the shopper feels about the shop.
#[derive(Debug, Clone)]
pub(in crate::world) struct HiddenState {
    /// Still shopping here (not lapsed).
    pub active: bool,
    /// Recent experience in [0, 1]: relevant slates and fair prices raise it.
    pub satisfaction: f32,
    /// Recent message load, decaying by a quarter a day (about a week's messages).
    pub message_load: f32,
}

impl Default for HiddenState {
    fn default() -> Self {
        HiddenState {
            active: true,
            satisfaction: 0.5,
            message_load: 0.0,
        }
    }
}

impl ShopperState {
    /// Whether the shopper is still active (not lapsed). Ground truth for reports only:
    /// strategies never receive it.
    pub fn is_active(&self) -> bool {
        self.hidden.active
    }
}

/// What a strategy sees of a shopper: identity, observable segment and history, and
/// nothing else. There is no path from here to hidden traits.
#[derive(Debug, Clone, Copy)]
pub struct ShopperView<'a> {
    /// Shopper id.
    pub id: ShopperId,
    /// Day the shopper signed up.
    pub signup_day: u32,
    /// Segment, where the scenario marks it observable.
    pub segment: Option<u16>,
    /// Everything the shopper did here.
    pub history: &'a History,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The inline list behaves as the obvious vector: a repeat moves to the newest
        /// place, a new product drops the oldest when full.
        #[test]
        fn recent_keeps_the_last_distinct_products(products in prop::collection::vec(0u32..12, 0..40)) {
            let mut recent = Recent::default();
            let mut model: Vec<ProductId> = Vec::new();
            for p in products {
                recent.remember(p);
                if let Some(pos) = model.iter().position(|&q| q == p) {
                    model.remove(pos);
                } else if model.len() == RECENT_ITEMS {
                    model.remove(0);
                }
                model.push(p);
                prop_assert_eq!(&recent[..], &model[..]);
            }
        }
    }
}
