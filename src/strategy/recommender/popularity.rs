//! `popularity`: the most-bought products, recency-decayed, overall or in the categories a
//! shopper has been looking at, and the same per category for cross-sell.
//!
//! Learning recommenders also use it as their fallback for shoppers and products they know
//! nothing about yet, so it exposes its ranked lists to them.
//!
//! It keeps nothing per shopper (the category scope reads the shopper's live history), so a
//! guest, a shopper served but not learned from, is served as any learner is and needs no
//! remembering.

use super::{fill_random, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{CategoryId, DayLog, EventKind, ProductId, Shop, ShopperView};
use rand::Rng;

/// Products kept in each ranked list.
const TOP: usize = 64;
/// Products kept in each category's ranked list.
const CATEGORY_TOP: usize = 32;
/// In the `category` scope, share of the slate drawn from the shopper's categories; the rest
/// stays with the overall best sellers so a shopper still discovers other categories.
const PERSONAL_SHARE: f64 = 0.75;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "popularity",
        learns: true,
        summary: "best sellers (clicks, carts, purchases, recency-decayed), overall or of the shopper's categories; per category for cross-sell",
        params: &[
            Param::number("half_life_days", 7.0, 0.5, 365.0, "days for an interaction's weight to halve"),
            Param::number("purchase_weight", 10.0, 0.0, 1000.0, "weight of a purchase against a click (1)"),
            Param::integer("per_category", 2.0, 1.0, 50.0, "most products of one category in a slate (diversity)"),
            Param::integer("pool", 40.0, 1.0, 1000.0, "slates are drawn from this many best sellers"),
            Param::choice("scope", 0, &["global", "category"], "global: one shelf for all; category: mostly best sellers of the categories in the shopper's recent history"),
            Param::integer("category_pool", 8.0, 1.0, 32.0, "category scope: draw from this many best sellers of a category"),
        ],
    },
    build: |spec, ctx| Box::new(Popularity::new(spec, ctx)),
};

/// Where the slate's best sellers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The store's best sellers, the same shelf for everyone.
    Global,
    /// Mostly the best sellers of the categories the shopper recently interacted with.
    Category,
}

/// Best sellers, recency-decayed.
#[derive(Debug, Clone)]
pub struct Popularity {
    decay: f64,
    purchase_weight: f64,
    pool: usize,
    per_category: usize,
    scope: Scope,
    category_pool: usize,
    score: Vec<f64>,
    prior: Vec<f32>,
    top: Vec<ProductId>,
    top_by_category: Vec<Vec<ProductId>>,
}

impl Popularity {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let scope = match spec.choice("scope") {
            "category" => Scope::Category,
            _ => Scope::Global,
        };
        Popularity {
            decay: 0.5f64.powf(1.0 / spec.param("half_life_days")),
            purchase_weight: spec.param("purchase_weight"),
            pool: spec.param("pool") as usize,
            per_category: spec.param("per_category") as usize,
            scope,
            category_pool: spec.param("category_pool") as usize,
            score: vec![0.0; ctx.catalog.len()],
            prior: vec![0.0; ctx.catalog.len()],
            top: Vec::new(),
            top_by_category: vec![Vec::new(); ctx.catalog.categories().len()],
        }
    }

    /// The registered defaults in a given scope: the fallback of learning recommenders.
    pub fn fallback(ctx: &BuildContext, scope: Scope) -> Self {
        let mut p = Popularity::new(&super::defaults(&ENTRY.info), ctx);
        p.scope = scope;
        p
    }

    /// Recency-decayed popularity of a product (0 for one nobody has touched).
    pub fn score(&self, p: ProductId) -> f64 {
        self.score[p as usize]
    }

    /// Popularity in [0, 1], log-scaled against the best seller: a prior other recommenders
    /// blend in.
    #[inline]
    pub fn prior(&self, p: ProductId) -> f32 {
        self.prior[p as usize]
    }

    /// The best sellers overall, best first.
    pub fn top(&self) -> &[ProductId] {
        &self.top
    }

    /// The best sellers of a category, best first.
    pub fn top_of(&self, category: CategoryId) -> &[ProductId] {
        &self.top_by_category[category as usize]
    }

    /// Fills the slate up to `k` with best sellers (in this strategy's scope), then random
    /// products on sale when too little is known.
    pub fn fill(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        k: usize,
        slate: &mut Vec<ProductId>,
    ) {
        let recent = &shopper.history.recent;
        if self.scope == Scope::Category && !recent.is_empty() {
            // A category in proportion to how often it appears in the recent history, then a
            // uniform draw from its best sellers: a personal shelf that still rotates.
            let personal = slate
                .len()
                .max((k as f64 * PERSONAL_SHARE).round() as usize)
                .min(k);
            let mut tries = 0;
            while slate.len() < personal && tries < 8 * k {
                tries += 1;
                let item = recent[rng.random_range(0..recent.len())];
                let top = self.top_of(shop.catalog.product(item).category);
                let pool = &top[..top.len().min(self.category_pool)];
                if pool.is_empty() {
                    continue;
                }
                let p = pool[rng.random_range(0..pool.len())];
                if shop.on_sale(p) && !slate.contains(&p) {
                    slate.push(p);
                }
            }
        }
        // A uniform draw from the best sellers with at most `per_category` products of one
        // category, as a shop rotates a diverse "trending" shelf: the slate is not the same
        // few products for everyone.
        let pool = &self.top[..self.top.len().min(self.pool)];
        let mut tries = 0;
        while !pool.is_empty() && slate.len() < k && tries < 8 * k + pool.len() {
            tries += 1;
            let p = pool[rng.random_range(0..pool.len())];
            // Cheapest test first: a repeat draw needs no catalog lookups.
            if slate.contains(&p) || !shop.on_sale(p) {
                continue;
            }
            let category = shop.catalog.product(p).category;
            let same = slate
                .iter()
                .filter(|&&q| shop.catalog.product(q).category == category)
                .count();
            if same < self.per_category {
                slate.push(p);
            }
        }
        // Cold start (day 0, or too little history): fill with random products on sale.
        fill_random(shop, k, rng, slate);
    }

    /// Best sellers of the complementary categories of the cart's products.
    pub fn complements(&self, shop: &Shop, cart: &[ProductId], k: usize, out: &mut Vec<ProductId>) {
        for &item in cart {
            let category = &shop.catalog.categories()[shop.catalog.product(item).category as usize];
            for &c in &category.complements {
                if out.len() >= k {
                    return;
                }
                // The first few best sellers only: the calibrated control has always offered
                // one of its category's top eight.
                if let Some(&p) = self.top_by_category[c as usize]
                    .iter()
                    .take(8)
                    .find(|&&p| shop.on_sale(p) && !out.contains(&p) && !cart.contains(&p))
                {
                    out.push(p);
                }
            }
        }
    }

    fn ranked(&self, candidates: impl Iterator<Item = ProductId>, keep: usize) -> Vec<ProductId> {
        let mut ids: Vec<ProductId> = candidates
            .filter(|&p| self.score[p as usize] > 0.0)
            .collect();
        // Ties broken by id: a total order, so the ranking is deterministic and selecting the
        // best before sorting them gives the same list as sorting everything.
        let by_rank = |a: &ProductId, b: &ProductId| {
            self.score[*b as usize]
                .total_cmp(&self.score[*a as usize])
                .then(a.cmp(b))
        };
        if ids.len() > keep {
            ids.select_nth_unstable_by(keep, by_rank);
            ids.truncate(keep);
        }
        ids.sort_unstable_by(by_rank);
        ids
    }
}

impl Recommender for Popularity {
    fn name(&self) -> &'static str {
        "popularity"
    }

    fn recommend(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        self.fill(shop, shopper, rng, shop.slate_size, slate);
    }

    fn best_sellers(&self) -> Option<&Popularity> {
        Some(self)
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        for s in &mut self.score {
            *s *= self.decay;
        }
        for e in log.events() {
            let w = match e.kind {
                EventKind::Click => 1.0,
                EventKind::AddToCart => 3.0,
                EventKind::Purchase => self.purchase_weight * f64::from(e.quantity),
                _ => continue,
            };
            self.score[e.product as usize] += w;
        }
        self.top = self.ranked(0..self.score.len() as ProductId, self.pool.max(TOP));
        let best = self.top.first().map_or(0.0, |&b| self.score[b as usize]);
        let scale = if best > 0.0 {
            1.0 / (1.0 + best).ln()
        } else {
            0.0
        };
        for (prior, s) in self.prior.iter_mut().zip(&self.score) {
            *prior = ((1.0 + s).ln() * scale) as f32;
        }
        for (c, category) in shop.catalog.categories().iter().enumerate() {
            self.top_by_category[c] = self.ranked(category.products.iter().copied(), CATEGORY_TOP);
        }
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        self.top
            .iter()
            .take(5)
            .map(|&p| {
                let info = shop.catalog.product(p);
                let category = &shop.catalog.categories()[info.category as usize].name;
                format!(
                    "#{p} {category} {:.2} (score {:.1})",
                    info.list_price, self.score[p as usize]
                )
            })
            .collect()
    }
}
