//! `hybrid`: a weighted blend of item-item neighbours, matrix factorization, content match
//! and popularity, with explicit cold-start handling.
//!
//! Every candidate any component proposes is scored by every component; each component's
//! scores are scaled to its best candidate so the weights compare like with like.
//!
//! Cold start:
//! - a shopper the shop knows nothing about (no remembered interest, no click today) gets
//!   the best sellers, as no personal signal exists yet;
//! - a product launched within `new_days` has no interactions for collaborative methods to
//!   see, so `new_slots` positions of every personal slate go to the new arrivals whose
//!   attributes best match the shopper's profile; once shoppers interact with them, the
//!   collaborative components take over.
//!
//! A guest, a shopper served but never learned from, is remembered as a learner is and
//! folded into the factor model as `mf` folds one in, so they are served exactly as a
//! learner with the same events would be; their events never reach the co-occurrences, the
//! product vectors or the best sellers.

use super::content::{score_content, Attributes, NewArrivals, Profile, Weights};
use super::item_cf::{score_neighbours, ItemModel};
use super::memory::Memory;
use super::mf::{score_factors, Factors, MAX_FACTORS};
use super::popularity::{Popularity, Scope};
use super::scratch::CHANNELS;
use super::{content, mf, rank_then_fill, Fill, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{CategoryId, DayLog, ProductId, Shop, ShopperView};

/// Slate position given to a new arrival: high enough to be seen.
const NEW_POSITION: usize = 2;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "hybrid",
        learns: true,
        summary: "blend of item-cf, mf, content and popularity; best sellers for new shoppers, content-matched slots for new products",
        params: &[
            Param::number("item_cf_weight", 1.0, 0.0, 10.0, "weight of item-item neighbour scores"),
            Param::number("mf_weight", 0.5, 0.0, 10.0, "weight of matrix-factorization scores"),
            Param::number("content_weight", 1.0, 0.0, 10.0, "weight of attribute-match scores"),
            Param::number("popularity_weight", 0.5, 0.0, 10.0, "weight of popularity"),
            Param::integer("new_slots", 1.0, 0.0, 50.0, "slate positions for recently launched products"),
            Param::integer("new_days", 14.0, 0.0, 365.0, "products launched this recently count as new"),
            Param::integer("per_category", 4.0, 1.0, 50.0, "most products of one category in a slate"),
        ],
    },
    build: |spec, ctx| Box::new(Hybrid::new(spec, ctx)),
};

/// The blend.
#[derive(Debug, Clone)]
pub struct Hybrid {
    blend: [f32; 4],
    new_slots: usize,
    new_days: u32,
    per_category: usize,
    content: Weights,
    attrs: Attributes,
    memory: Memory,
    items: ItemModel,
    factors: Factors,
    popularity: Popularity,
    arrivals: NewArrivals,
    categories: usize,
    trained: bool,
}

impl Hybrid {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let m = super::defaults(&mf::ENTRY.info);
        let c = super::defaults(&content::ENTRY.info);
        let new_days = spec.param("new_days") as u32;
        let mut arrivals = NewArrivals::default();
        arrivals.update(ctx.catalog, 0, new_days);
        Hybrid {
            blend: [
                spec.param("item_cf_weight") as f32,
                spec.param("mf_weight") as f32,
                spec.param("content_weight") as f32,
                spec.param("popularity_weight") as f32,
            ],
            new_slots: spec.param("new_slots") as usize,
            new_days,
            per_category: spec.param("per_category") as usize,
            content: Weights {
                category: c.param("category_weight") as f32,
                brand: c.param("brand_weight") as f32,
                tag: c.param("tag_weight") as f32,
                price: c.param("price_weight") as f32,
                // Popularity is a component of its own here.
                popularity: 0.0,
            },
            attrs: Attributes::new(ctx.catalog),
            memory: Memory::new(ctx.population),
            items: ItemModel::with_defaults(ctx.catalog.len()),
            factors: Factors::new(
                m.param("factors") as usize,
                m.param("regularization"),
                m.param("confidence"),
                m.param("iterations") as usize,
                ctx,
            ),
            popularity: Popularity::fallback(ctx, Scope::Category),
            arrivals,
            categories: ctx.catalog.categories().len(),
            trained: false,
        }
    }

    /// The new arrival of the profile's categories that best matches it.
    fn best_new(&self, shop: &Shop, profile: &Profile, slate: &[ProductId]) -> Option<ProductId> {
        let mut best: Option<(f32, ProductId)> = None;
        for k in profile.categories().take(3) {
            for &p in self.arrivals.of(k as CategoryId) {
                if !shop.on_sale(p) || slate.contains(&p) {
                    continue;
                }
                let s = profile.match_score(&self.content, self.attrs.of(p));
                if best.is_none_or(|(b, q)| s > b || (s == b && p < q)) {
                    best = Some((s, p));
                }
            }
        }
        best.map(|(_, p)| p)
    }
}

impl Recommender for Hybrid {
    fn name(&self) -> &'static str {
        "hybrid"
    }

    fn recommend(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        let k = shop.slate_size;
        let Some(profile) = Profile::of(&self.attrs, &self.memory, shopper) else {
            // A new shopper: best sellers until they show an interest.
            self.popularity.fill(shop, shopper, rng, k, slate);
            return;
        };
        let new = if self.new_slots > 0 {
            self.best_new(shop, &profile, slate)
        } else {
            None
        };
        let fill = Fill {
            k: k.saturating_sub(if new.is_some() { self.new_slots } else { 0 }),
            per_category: self.per_category,
            best_sellers: &self.popularity,
        };
        rank_then_fill(shop, shopper, rng, slate, fill, |scores| {
            score_neighbours(&self.items.neighbours, &self.memory, shopper, scores, 0);
            let mut x = [0f32; MAX_FACTORS];
            let x = &mut x[..self.factors.f];
            let known = self.trained && self.factors.shopper_vector(&self.memory, shopper, x);
            if known {
                score_factors(&self.factors, x, &self.popularity, scores, 1);
            }
            score_content(
                &self.attrs,
                &profile,
                &self.content,
                &self.popularity,
                &self.arrivals,
                scores,
                2,
            );
            // Every component scores every candidate.
            scores.update(|p, c| {
                c[1] = if known { self.factors.score(x, p) } else { 0.0 };
                c[2] = profile.match_score(&self.content, self.attrs.of(p));
                c[3] = self.popularity.prior(p);
            });
            let max = scores.channel_max();
            let mut w = [0.0; 4];
            for i in 0..4 {
                w[i] = if max[i] > 0.0 {
                    self.blend[i] / max[i]
                } else {
                    0.0
                };
            }
            Some(move |_, c: &[f32; CHANNELS]| {
                w[0] * c[0] + w[1] * c[1] + w[2] * c[2] + w[3] * c[3]
            })
        });
        if let Some(p) = new {
            if !slate.contains(&p) {
                slate.insert(NEW_POSITION.min(slate.len()), p);
            }
            // Further new slots, if any, go to the next best new arrivals.
            for _ in 1..self.new_slots {
                match self.best_new(shop, &profile, slate) {
                    Some(q) => slate.insert(NEW_POSITION.min(slate.len()), q),
                    None => break,
                }
            }
        }
        self.popularity.fill(shop, shopper, rng, k, slate);
        slate.truncate(k);
    }

    fn cross_sell(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        cart: &[ProductId],
        _: &mut SimRng,
        out: &mut Vec<ProductId>,
    ) {
        let k = shop.cross_sell_size;
        self.items.cross_sell(shop, shopper, cart, k, out);
        self.popularity.complements(shop, cart, k, out);
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        self.popularity.learn(shop, log);
        self.items.learn(log, &mut self.memory);
        self.factors
            .train(&self.memory, &self.popularity, self.categories);
        self.arrivals
            .update(shop.catalog, shop.day + 1, self.new_days);
        self.trained = true;
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.memory.remember(log);
        if self.trained {
            self.factors.fold_in_guests(&self.memory);
        }
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        let new: usize = (0..shop.catalog.categories().len())
            .map(|k| self.arrivals.of(k as CategoryId).len())
            .sum();
        vec![
            format!(
                "blend item-cf {} · mf {} · content {} · popularity {}",
                self.blend[0], self.blend[1], self.blend[2], self.blend[3]
            ),
            format!(
                "{} products with neighbours; {new} new products get {} slot(s)",
                self.items.neighbours.covered(),
                self.new_slots
            ),
        ]
    }
}
