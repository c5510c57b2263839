//! `user-cf`: user-based collaborative filtering. Shoppers are similar when they were
//! interested in the same products; a shopper is shown what their nearest neighbours were
//! interested in.
//!
//! Nightly, every product keeps the last shoppers who touched it (a fixed-size list, so
//! memory grows with the catalog, not with events). For each shopper with new events the
//! candidates are the shoppers on their products' lists; the nearest `neighbours` by cosine
//! of interest weights, damped for very common products, are kept until the shopper is
//! active again. A visit reads those neighbours' remembered products.
//!
//! A guest, a shopper served but never learned from, is remembered as a learner is, and
//! whenever they have new interests their nearest neighbours are found as a learner's are,
//! among the learners: the products' lists of recent shoppers hold learners only, and a
//! visit reads the learners' memories. What differs from a learner with the same events is
//! that a learner is on those lists itself: its own touches take places on them and count in
//! how much a common product is damped, and it is never its own neighbour, while a guest may
//! find a learner who did exactly what it did.

use rayon::prelude::*;

use super::memory::{interest, Memory};
use super::popularity::{Popularity, Scope};
use super::scratch::CHANNELS;
use super::{rank_then_fill, Fill, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, ProductId, Shop, ShopperId, ShopperView};

/// Shoppers remembered per product.
const TOUCHED_BY: usize = 32;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "user-cf",
        learns: true,
        summary: "user-based collaborative filtering: what shoppers with similar interests liked",
        params: &[
            Param::integer(
                "neighbours",
                20.0,
                1.0,
                100.0,
                "similar shoppers kept per shopper",
            ),
            Param::number(
                "popularity_weight",
                0.5,
                0.0,
                10.0,
                "weight of the product's popularity against the neighbours' votes",
            ),
            Param::integer(
                "per_category",
                4.0,
                1.0,
                50.0,
                "most products of one category in a slate",
            ),
        ],
    },
    build: |spec, ctx| Box::new(UserCf::new(spec, ctx)),
};

/// User-based collaborative filtering.
#[derive(Debug, Clone)]
pub struct UserCf {
    k: usize,
    popularity_weight: f32,
    per_category: usize,
    memory: Memory,
    /// Last shoppers to touch each product with their interest in it, oldest first,
    /// `TOUCHED_BY` slots per product.
    touched_by: Vec<(ShopperId, f32)>,
    touched_len: Vec<u8>,
    /// Length of each shopper's interest vector, for the cosine.
    norms: Vec<f32>,
    /// Nearest neighbours per shopper: `k` (id, similarity) slots.
    neighbours: Vec<(ShopperId, f32)>,
    n_neighbours: Vec<u8>,
    popularity: Popularity,
    /// Shoppers with neighbours, for insights.
    covered: usize,
}

impl UserCf {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let k = spec.param("neighbours") as usize;
        let n = ctx.population as usize;
        UserCf {
            k,
            popularity_weight: spec.param("popularity_weight") as f32,
            per_category: spec.param("per_category") as usize,
            memory: Memory::new(ctx.population),
            touched_by: vec![(0, 0.0); ctx.catalog.len() * TOUCHED_BY],
            touched_len: vec![0; ctx.catalog.len()],
            norms: vec![0.0; n],
            neighbours: vec![(0, 0.0); n * k],
            n_neighbours: vec![0; n],
            popularity: Popularity::fallback(ctx, Scope::Category),
            covered: 0,
        }
    }

    fn touched_by(&self, p: ProductId) -> &[(ShopperId, f32)] {
        let base = p as usize * TOUCHED_BY;
        &self.touched_by[base..base + self.touched_len[p as usize] as usize]
    }

    /// Makes `s` the newest shopper to touch `p`, with interest `w`.
    fn remember_toucher(&mut self, p: ProductId, s: ShopperId, w: f32) {
        let base = p as usize * TOUCHED_BY;
        let len = self.touched_len[p as usize] as usize;
        let list = &mut self.touched_by[base..base + TOUCHED_BY];
        let from = match list[..len].iter().position(|t| t.0 == s) {
            Some(i) => i,
            None if len < TOUCHED_BY => {
                self.touched_len[p as usize] += 1;
                len
            }
            None => 0,
        };
        let last = self.touched_len[p as usize] as usize - 1;
        list.copy_within(from + 1..=last, from);
        list[last] = (s, w);
    }

    fn neighbours_of(&self, s: ShopperId) -> &[(ShopperId, f32)] {
        let base = s as usize * self.k;
        match self.n_neighbours.get(s as usize) {
            Some(&n) => &self.neighbours[base..base + n as usize],
            None => &[],
        }
    }

    /// Shoppers with new interests (`active`) find their neighbours again; the others keep
    /// theirs.
    fn find_neighbours(&mut self, mut active: Vec<ShopperId>) {
        // The log is in shopper order, but make the list strictly sorted and unique anyway.
        active.sort_unstable();
        active.dedup();
        for &s in &active {
            let weights = self.memory.of(s).1;
            self.norms[s as usize] = weights.iter().map(|w| w * w).sum::<f32>().sqrt();
        }
        let k = self.k;
        let mut found = vec![(0, 0.0); active.len() * k];
        let mut lens = vec![0u8; active.len()];
        found
            .par_chunks_mut(k)
            .zip(lens.par_iter_mut())
            .zip(active.par_iter())
            .for_each(|((out, len), &s)| *len = self.nearest(s, out) as u8);
        for ((&s, list), &n) in active.iter().zip(found.chunks(k)).zip(&lens) {
            let base = s as usize * k;
            self.neighbours[base..base + k].copy_from_slice(list);
            self.n_neighbours[s as usize] = n;
        }
    }

    /// The shoppers most similar to `s`, best first, written to `out`; returns how many.
    fn nearest(&self, s: ShopperId, out: &mut [(ShopperId, f32)]) -> usize {
        VOTES.with(|cell| {
            let votes = &mut *cell.borrow_mut();
            votes.reset(self.norms.len());
            let (items, weights) = self.memory.of(s);
            for (&p, &w) in items.iter().zip(weights) {
                let others = self.touched_by(p);
                // Sharing a product everyone touches says less than sharing a rare one.
                let damp = 1.0 / (1.0 + others.len() as f32).ln().max(1.0);
                for &(t, wt) in others {
                    if t != s {
                        votes.add(t, w * damp * wt);
                    }
                }
            }
            let norm_s = self.norms[s as usize];
            let before =
                |a: &(ShopperId, f32), b: &(ShopperId, f32)| a.1 > b.1 || (a.1 == b.1 && a.0 < b.0);
            let mut n = 0;
            for &t in &votes.touched {
                let sim = votes.sum[t as usize] / (norm_s * self.norms[t as usize]).max(1e-6);
                let item = (t, sim);
                if n == out.len() {
                    if !before(&item, &out[n - 1]) {
                        continue;
                    }
                    n -= 1;
                }
                let at = out[..n].partition_point(|r| before(r, &item));
                out.copy_within(at..n, at + 1);
                out[at] = item;
                n += 1;
            }
            n
        })
    }
}

/// Votes for neighbours, per thread: a dense sum per shopper reset by a generation stamp.
#[derive(Debug, Default)]
struct Votes {
    sum: Vec<f32>,
    stamp: Vec<u32>,
    generation: u32,
    touched: Vec<ShopperId>,
}

impl Votes {
    fn reset(&mut self, population: usize) {
        if self.stamp.len() < population {
            self.stamp.resize(population, 0);
            self.sum.resize(population, 0.0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.touched.clear();
    }

    #[inline]
    fn add(&mut self, t: ShopperId, v: f32) {
        let i = t as usize;
        if self.stamp[i] != self.generation {
            self.stamp[i] = self.generation;
            self.sum[i] = 0.0;
            self.touched.push(t);
        }
        self.sum[i] += v;
    }
}

thread_local! {
    static VOTES: std::cell::RefCell<Votes> = std::cell::RefCell::new(Votes::default());
}

impl Recommender for UserCf {
    fn name(&self) -> &'static str {
        "user-cf"
    }

    fn recommend(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        let fill = Fill {
            k: shop.slate_size,
            per_category: self.per_category,
            best_sellers: &self.popularity,
        };
        rank_then_fill(shop, shopper, rng, slate, fill, |scores| {
            let neighbours = self.neighbours_of(shopper.id);
            if neighbours.is_empty() {
                return None;
            }
            for &(t, sim) in neighbours {
                let (items, weights) = self.memory.of(t);
                for (&p, &w) in items.iter().zip(weights) {
                    scores.add(p, 0, sim * w.min(4.0));
                }
            }
            let max = scores.channel_max()[0].max(1e-6);
            let (pw, pop) = (self.popularity_weight, &self.popularity);
            Some(move |p, c: &[f32; CHANNELS]| c[0] / max + pw * pop.prior(p))
        });
    }

    fn best_sellers(&self) -> Option<&Popularity> {
        Some(&self.popularity)
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        self.popularity.learn(shop, log);
        let mut active: Vec<ShopperId> = Vec::new();
        for e in log.events() {
            if let Some(w) = interest(e) {
                self.memory.touch(e.shopper, e.product, w);
                // The product is now the newest remembered: its weight is the last one.
                let total = self.memory.of(e.shopper).1.last().copied().unwrap_or(w);
                self.remember_toucher(e.product, e.shopper, total);
                if active.last() != Some(&e.shopper) {
                    active.push(e.shopper);
                }
            }
        }
        self.find_neighbours(active);
        self.covered = (0..self.n_neighbours.len())
            .filter(|&s| self.n_neighbours[s] > 0 && !self.memory.is_guest(s as ShopperId))
            .count();
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        let mut active: Vec<ShopperId> = Vec::new();
        for e in log.events() {
            if let Some(w) = interest(e) {
                self.memory.touch_guest(e.shopper, e.product, w);
                if active.last() != Some(&e.shopper) {
                    active.push(e.shopper);
                }
            }
        }
        self.find_neighbours(active);
    }

    fn insights(&self, _shop: &Shop) -> Vec<String> {
        vec![format!("neighbours for {} shoppers", self.covered)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{Catalog, CatalogParams, Event, EventKind};

    fn clicks(shopper: ShopperId, products: &[ProductId]) -> Vec<Event> {
        products
            .iter()
            .map(|&product| Event {
                shopper,
                product,
                day: 0,
                hour: 12,
                kind: EventKind::Click,
                position: 0,
                quantity: 0,
                value: 10.0,
            })
            .collect()
    }

    /// Learners 0, 2 and 4; guest 1 did exactly what learner 0 did, guest 3 shares a product
    /// with learners 0 and 2 and another with learner 4. Guests find their neighbours among
    /// the learners, and the learners' lists and neighbours are as without guests. Unlike
    /// learner 0, whose own touches sit on its products' lists, guest 1 has learner 0 as its
    /// nearest neighbour: the one way a guest is not served as a learner with its events.
    #[test]
    fn guests_find_neighbours_among_learners_and_move_nothing_shared() {
        let catalog = Catalog::generate(&CatalogParams::default(), 8, 30, 1);
        let ctx = BuildContext {
            catalog: &catalog,
            population: 10,
            days: 30,
            seed: 1,
        };
        let shop = Shop {
            day: 0,
            days: 30,
            catalog: &catalog,
            slate_size: 8,
            cross_sell_size: 2,
            segments: &[],
            population: 10,
        };
        let spec = super::super::defaults(&ENTRY.info);
        let learners = [
            clicks(0, &[1, 2, 3]),
            clicks(2, &[2, 3, 4]),
            clicks(4, &[7, 8]),
        ]
        .concat();
        let guests = [clicks(1, &[1, 2, 3]), clicks(3, &[3, 7])].concat();
        let mut alone = UserCf::new(&spec, &ctx);
        let mut hosting = UserCf::new(&spec, &ctx);
        alone.learn(&shop, &DayLog::new(0, learners.clone()));
        hosting.learn(&shop, &DayLog::new(0, learners));
        hosting.remember(&shop, &DayLog::new(0, guests));

        assert_eq!(alone.touched_by, hosting.touched_by);
        assert_eq!(alone.touched_len, hosting.touched_len);
        assert_eq!(alone.covered, hosting.covered);
        for s in [0, 2, 4] {
            assert_eq!(alone.neighbours_of(s), hosting.neighbours_of(s));
            assert_eq!(alone.norms[s as usize], hosting.norms[s as usize]);
        }
        let ids = |s| -> Vec<ShopperId> { hosting.neighbours_of(s).iter().map(|n| n.0).collect() };
        assert_eq!(ids(0), vec![2]);
        assert_eq!(ids(1), vec![0, 2]);
        assert_eq!(ids(3), vec![4, 0, 2]);
        assert_eq!(hosting.norms[1], hosting.norms[0]);
        assert!(hosting.memory.is_guest(1) && !hosting.memory.is_guest(0));
        assert_eq!(hosting.memory.of(1), hosting.memory.of(0));
        assert!(alone.neighbours_of(1).is_empty());
    }
}
