//! `bandit-price`: Thompson sampling over a grid of prices per category, for margin.

use std::collections::HashMap;

use rand_distr::{Distribution, Gamma};

use super::Pricing;
use crate::rng::{mix64, stream, Purpose, SimRng};
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{
    DayLog, EventKind, EventMask, ProductId, ProductInfo, Shop, ShopperId, ShopperView, NO_PRODUCT,
};

pub(super) const ENTRY: Entry<dyn Pricing> = Entry {
    info: StrategyInfo {
        family: Family::Pricing,
        name: "bandit-price",
        learns: true,
        summary: "Thompson sampling over a price grid per category, maximizing margin per product view",
        params: &[
            Param::number("low", 0.8, 0.1, 1.0, "lowest price of the grid, as a multiple of list"),
            Param::number("high", 1.3, 1.0, 5.0, "highest price of the grid, as a multiple of list"),
            Param::integer("steps", 6.0, 2.0, 16.0, "prices in the grid, evenly spaced from low to high"),
            Param::integer("slots", 16.0, 1.0, 256.0, "posterior draws per category per day; each shopper gets one, so several prices are tried a day"),
            Param::number("prior_views", 400.0, 1.0, 1e6, "weight, in product views, of the prior each price starts from"),
            Param::number("half_life_days", 60.0, 1.0, 3650.0, "days for an observation's weight to halve (for drifting demand)"),
        ],
    },
    build: |spec, ctx| Box::new(BanditPrice::new(spec, ctx)),
};

/// Days a product in a cart keeps the price it was added at (the world's carts wait at most
/// a week; a little slack costs nothing).
const CART_DAYS: u32 = 14;

/// Thompson sampling over a grid of price multipliers, one bandit per category.
///
/// A price's value is the margin it earns per product view: units bought per view (a
/// Poisson rate with a Gamma posterior) times the margin a unit leaves at that price (list
/// price and cost are observable). The prior of a category's price borrows from the rest of
/// the shop: the category's own rate, scaled by how that price has fared store-wide.
///
/// Prices are fixed for a day. Each night the strategy draws `slots` samples from every
/// category's posterior and keeps the best price of each; a shopper sees the slot their id
/// hashes to that day, so several prices are in play at once. A purchase is credited to the
/// price its product was added to the cart at, whatever day it is bought.
///
/// A guest (a shopper served but not learned from) gets the price of their slot like any
/// shopper; the carts it tracks only credit the learners' purchases, so there is nothing to
/// remember of a guest.
#[derive(Debug, Clone, PartialEq)]
pub struct BanditPrice {
    grid: Vec<f64>,
    slots: usize,
    prior_views: f64,
    decay: f64,
    seed: u64,
    /// Mean list price and unit cost of each category's products.
    list: Vec<f64>,
    cost: Vec<f64>,
    /// Recency-weighted views and units bought, per category × grid price.
    views: Vec<f64>,
    units: Vec<f64>,
    /// Grid index per category × slot, for today.
    choice: Vec<u8>,
    /// The grid price and day of each (shopper, product) added to a cart. Only looked up,
    /// never iterated in an order that matters.
    carted: HashMap<(ShopperId, ProductId), (u8, u32)>,
}

impl BanditPrice {
    /// Builds the strategy; day 0's prices are drawn from the prior.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let (low, high) = (spec.param("low"), spec.param("high"));
        let steps = spec.param("steps") as usize;
        let grid = (0..steps)
            .map(|i| low + (high - low) * i as f64 / (steps - 1) as f64)
            .collect();
        let categories = ctx.catalog.categories();
        let mean = |f: &dyn Fn(&ProductInfo) -> f64, ids: &[u32]| {
            ids.iter().map(|&p| f(ctx.catalog.product(p))).sum::<f64>() / ids.len().max(1) as f64
        };
        let list = categories
            .iter()
            .map(|c| mean(&|p| p.list_price, &c.products))
            .collect();
        let cost = categories
            .iter()
            .map(|c| mean(&|p| p.unit_cost, &c.products))
            .collect();
        let cells = categories.len() * steps;
        let slots = spec.param("slots") as usize;
        let mut bandit = BanditPrice {
            grid,
            slots,
            prior_views: spec.param("prior_views"),
            decay: 0.5f64.powf(1.0 / spec.param("half_life_days")),
            seed: ctx.seed,
            list,
            cost,
            views: vec![0.0; cells],
            units: vec![0.0; cells],
            choice: vec![0; categories.len() * slots],
            carted: HashMap::new(),
        };
        bandit.draw(0);
        bandit
    }

    fn slot(&self, shopper: ShopperId, day: u32) -> usize {
        (mix64((u64::from(day) << 32) | u64::from(shopper)) % self.slots as u64) as usize
    }

    /// Units bought per view that a category's price is believed to earn: (shape, rate) of
    /// its Gamma posterior.
    fn posterior(&self, category: usize, g: usize, store: &[(f64, f64)]) -> (f64, f64) {
        let steps = self.grid.len();
        let row = category * steps..(category + 1) * steps;
        let (cv, cu) = (
            self.views[row.clone()].iter().sum::<f64>(),
            self.units[row].iter().sum::<f64>(),
        );
        let (sv, su) = store.iter().fold((0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1));
        // The store's rate (with a vague floor before any sale), the category's relative to
        // it, and the price's relative effect store-wide; each shrunk toward no difference.
        let base = (su + 1.0) / (sv + 1000.0);
        let k = self.prior_views;
        let category_rate = (cu + k * base) / (cv + k);
        let price_effect = ((store[g].1 + k * base) / (store[g].0 + k)) / base;
        let prior_mean = category_rate * price_effect;
        let i = category * steps + g;
        (k * prior_mean + self.units[i], k + self.views[i])
    }

    /// Draws each category's prices for `day` from the posterior.
    fn draw(&mut self, day: u32) {
        let steps = self.grid.len();
        let n_cat = self.list.len();
        let store: Vec<(f64, f64)> = (0..steps)
            .map(|g| {
                (0..n_cat).fold((0.0, 0.0), |a, c| {
                    (
                        a.0 + self.views[c * steps + g],
                        a.1 + self.units[c * steps + g],
                    )
                })
            })
            .collect();
        let mut choice = std::mem::take(&mut self.choice);
        for c in 0..n_cat {
            let mut rng: SimRng = stream(self.seed, c as u64, day, Purpose::Nightly, 0);
            let params: Vec<(f64, f64)> =
                (0..steps).map(|g| self.posterior(c, g, &store)).collect();
            for s in 0..self.slots {
                let mut best = (f64::NEG_INFINITY, 0);
                for (g, &(shape, rate)) in params.iter().enumerate() {
                    let unit_margin = self.grid[g] * self.list[c] - self.cost[c];
                    let theta =
                        Gamma::new(shape, 1.0 / rate).map_or(shape / rate, |d| d.sample(&mut rng));
                    let value = theta * unit_margin;
                    if value > best.0 {
                        best = (value, g);
                    }
                }
                choice[c * self.slots + s] = best.1 as u8;
            }
        }
        self.choice = choice;
    }

    fn grid_index(&self, category: usize, shopper: ShopperId, day: u32) -> usize {
        self.choice[category * self.slots + self.slot(shopper, day)] as usize
    }
}

impl Pricing for BanditPrice {
    fn name(&self) -> &'static str {
        "bandit-price"
    }

    fn price(&self, shop: &Shop, shopper: &ShopperView, product: &ProductInfo) -> f64 {
        let g = self.grid_index(product.category as usize, shopper.id, shop.day);
        product.list_price * self.grid[g]
    }

    fn observes(&self) -> EventMask {
        EventMask::ALL
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        for v in self.views.iter_mut().chain(self.units.iter_mut()) {
            *v *= self.decay;
        }
        let steps = self.grid.len();
        for e in log.events() {
            if e.product == NO_PRODUCT {
                continue;
            }
            let info = shop.catalog.product(e.product);
            let c = info.category as usize;
            match e.kind {
                EventKind::Impression | EventKind::OrganicView => {
                    let g = self.grid_index(c, e.shopper, e.day);
                    self.views[c * steps + g] += 1.0;
                }
                EventKind::AddToCart => {
                    let g = self.grid_index(c, e.shopper, e.day) as u8;
                    self.carted.insert((e.shopper, e.product), (g, e.day));
                }
                EventKind::Purchase => {
                    if let Some((g, _)) = self.carted.remove(&(e.shopper, e.product)) {
                        self.units[c * steps + g as usize] += f64::from(e.quantity);
                    }
                }
                _ => {}
            }
        }
        let day = shop.day;
        self.carted.retain(|_, (_, d)| *d + CART_DAYS > day);
        self.draw(day + 1);
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        let steps = self.grid.len();
        let n_cat = self.list.len();
        let mut share = vec![0usize; steps];
        for &g in &self.choice {
            share[g as usize] += 1;
        }
        let total = self.choice.len().max(1) as f64;
        let mix = self
            .grid
            .iter()
            .zip(&share)
            .map(|(m, &n)| format!("×{m:.2} {:.0}%", 100.0 * n as f64 / total))
            .collect::<Vec<_>>()
            .join(", ");
        let views: f64 = self.views.iter().sum();
        let units: f64 = self.units.iter().sum();
        vec![
            format!("prices in play over {n_cat} categories: {mix}"),
            format!("rewards from {views:.0} views and {units:.0} units (recency-weighted)"),
        ]
    }
}
