//! `popularity`: the most-bought products, recency-decayed, and the same per category for
//! cross-sell.

use super::{fill_random, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::strategy::Shop;
use crate::world::{DayLog, EventKind, ProductId, ShopperView};
use rand::Rng;

/// Products kept in each ranked list.
const TOP: usize = 64;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "popularity",
        summary: "best sellers: clicks, carts and purchases, recency-decayed; per category for cross-sell",
        params: &[
            Param::number("half_life_days", 7.0, 0.5, 365.0, "days for an interaction's weight to halve"),
            Param::number("purchase_weight", 10.0, 0.0, 1000.0, "weight of a purchase against a click (1)"),
            Param::integer("per_category", 2.0, 1.0, 50.0, "most products of one category in a slate (diversity)"),
            Param::integer("pool", 40.0, 1.0, 1000.0, "slates are drawn from this many best sellers"),
        ],
    },
    build: |spec, ctx| Box::new(Popularity::new(spec, ctx)),
};

/// Best sellers, recency-decayed.
#[derive(Debug, Clone)]
pub struct Popularity {
    decay: f64,
    purchase_weight: f64,
    pool: usize,
    per_category: usize,
    score: Vec<f64>,
    top: Vec<ProductId>,
    top_by_category: Vec<Vec<ProductId>>,
}

impl Popularity {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        Popularity {
            decay: 0.5f64.powf(1.0 / spec.param("half_life_days")),
            purchase_weight: spec.param("purchase_weight"),
            pool: spec.param("pool") as usize,
            per_category: spec.param("per_category") as usize,
            score: vec![0.0; ctx.catalog.len()],
            top: Vec::new(),
            top_by_category: vec![Vec::new(); ctx.catalog.categories().len()],
        }
    }

    fn ranked(&self, candidates: impl Iterator<Item = ProductId>) -> Vec<ProductId> {
        let mut ids: Vec<ProductId> = candidates
            .filter(|&p| self.score[p as usize] > 0.0)
            .collect();
        // Ties broken by id keep the ranking deterministic.
        ids.sort_by(|&a, &b| {
            self.score[b as usize]
                .total_cmp(&self.score[a as usize])
                .then(a.cmp(&b))
        });
        ids.truncate(self.pool.max(TOP));
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
        _shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        // A uniform draw from the best sellers with at most `per_category` products of one
        // category, as a shop rotates a diverse "trending" shelf: the slate is not the same
        // few products for everyone.
        let pool = &self.top[..self.top.len().min(self.pool)];
        let k = shop.slate_size;
        let mut tries = 0;
        while !pool.is_empty() && slate.len() < k && tries < 8 * k + pool.len() {
            tries += 1;
            let p = pool[rng.random_range(0..pool.len())];
            let category = shop.catalog.product(p).category;
            let same = slate
                .iter()
                .filter(|&&q| shop.catalog.product(q).category == category)
                .count();
            if shop.on_sale(p) && !slate.contains(&p) && same < self.per_category {
                slate.push(p);
            }
        }
        // Cold start (day 0, or too little history): fill with random products on sale.
        fill_random(shop, shop.slate_size, rng, slate);
    }

    fn cross_sell(
        &self,
        shop: &Shop,
        _: &ShopperView,
        cart: &[ProductId],
        _: &mut SimRng,
        out: &mut Vec<ProductId>,
    ) {
        for &item in cart {
            let category = &shop.catalog.categories()[shop.catalog.product(item).category as usize];
            for &c in &category.complements {
                if let Some(&p) = self.top_by_category[c as usize]
                    .iter()
                    .find(|p| !out.contains(p) && !cart.contains(p))
                {
                    out.push(p);
                }
                if out.len() >= shop.cross_sell_size {
                    return;
                }
            }
        }
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        for s in &mut self.score {
            *s *= self.decay;
        }
        for e in &log.events {
            let w = match e.kind {
                EventKind::Click => 1.0,
                EventKind::AddToCart => 3.0,
                EventKind::Purchase => self.purchase_weight * f64::from(e.quantity),
                _ => continue,
            };
            self.score[e.product as usize] += w;
        }
        self.top = self.ranked(0..self.score.len() as ProductId);
        for (c, top) in self.top_by_category.iter_mut().enumerate() {
            let products = &shop.catalog.categories()[c].products;
            let mut ids: Vec<ProductId> = products
                .iter()
                .copied()
                .filter(|&p| self.score[p as usize] > 0.0)
                .collect();
            ids.sort_by(|&a, &b| {
                self.score[b as usize]
                    .total_cmp(&self.score[a as usize])
                    .then(a.cmp(&b))
            });
            ids.truncate(8);
            *top = ids;
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
