//! `item-cf`: item-item collaborative filtering. Products are similar when the same shoppers
//! look at, cart and buy them close together; a shopper is shown the nearest neighbours of
//! what they recently interacted with, and the cart page offers what is frequently carted
//! and bought together with the cart.
//!
//! Nightly, each interest event is paired with the products already in that shopper's
//! memory (co-views, co-carts, co-purchases), the pair weights decay with a half-life, and
//! every product's top neighbours by shrunk cosine similarity are precomputed, so a visit only
//! reads short lists.
//!
//! A guest (a shopper served but not learned from) is remembered as a learner is, and served
//! the neighbours of what they did exactly as a learner with the same events would be; their
//! events never enter the co-occurrences, the neighbour lists or the best sellers.

use rayon::prelude::*;

use super::memory::{interest, Memory, ShopperMemory};
use super::popularity::{Popularity, Scope};
use super::scratch::{rank_key, unrank_key, with_scores, CHANNELS};
use super::{rank_then_fill, take_ranked, Fill, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, EventKind, ProductId, Shop, ShopperId, ShopperView};

/// Most co-occurring partners kept per product (the weakest make room for new ones).
const ROW_CAP: usize = 256;
/// Pair weights below this are forgotten.
const FORGET: f32 = 1e-3;
/// Weight of each step back in a shopper's history: the newest interest counts most.
const RECENCY: f32 = 0.85;
/// Memory weight from which an item counts as carted or bought (a click is 1, a cart adds 1).
const CARTED: f32 = 2.0;
/// Consecutive products whose rows go to the same task when counting in parallel: enough
/// that two tasks seldom write to the same cache line of the row table.
const GROUP: usize = 16;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "item-cf",
        learns: true,
        summary: "item-item collaborative filtering on co-views, co-carts and co-purchases; frequently bought together for cross-sell",
        params: &[
            Param::integer("neighbours", 20.0, 1.0, 100.0, "neighbours kept per product"),
            Param::number("half_life_days", 30.0, 1.0, 3650.0, "days for a co-occurrence's weight to halve"),
            Param::number("shrink", 2.0, 0.0, 100.0, "shrinks similarities resting on few co-occurrences"),
            Param::number("alpha", 0.0, 0.0, 1.0, "asymmetric cosine: 0.5 is the cosine; lower favours neighbours many shoppers like"),
            Param::integer("per_category", 4.0, 1.0, 50.0, "most products of one category in a slate"),
        ],
    },
    build: |spec, ctx| Box::new(ItemCf::new(spec, ctx)),
};

/// Symmetric co-occurrence weights between products.
#[derive(Debug, Clone)]
pub(super) struct Cooccurrence {
    rows: Vec<Row>,
}

/// One product's co-occurrences.
#[derive(Debug, Clone, Default)]
struct Row {
    /// Partners and pair weights, sorted by partner id.
    partners: Vec<(ProductId, f32)>,
    /// The product's own interest weight.
    mass: f32,
}

impl Cooccurrence {
    pub fn new(products: usize) -> Self {
        Cooccurrence {
            rows: vec![Row::default(); products],
        }
    }

    /// Writes every product's `n` most similar partners to `out`, then multiplies every
    /// weight by `decay`, forgetting the negligible ones, ready for the next day's additions.
    /// Both in one pass over the rows, while each is in cache; `out` keeps its space from
    /// night to night.
    ///
    /// Similarity is the asymmetric cosine of co-occurrence, shrunk towards 0 when it rests
    /// on little evidence: sim(a → b) = c / (m_a^(1−α) · m_b^α) · c / (c + shrink). With
    /// α = ½ this is the cosine; with α = 0 it is the share of a's co-occurrences that
    /// involve b, which favours partners many shoppers like.
    pub fn neighbours_then_decay(
        &mut self,
        out: &mut Neighbours,
        n: usize,
        shrink: f32,
        alpha: f32,
        decay: f32,
    ) {
        let n = n.min(u8::MAX as usize);
        let products = self.rows.len();
        let source: Vec<f32> = self.rows.iter().map(|r| r.mass.powf(1.0 - alpha)).collect();
        let target: Vec<f32> = self.rows.iter().map(|r| r.mass.powf(alpha)).collect();
        out.n = n;
        out.ids.resize(products * n, 0);
        out.sims.resize(products * n, 0.0);
        out.len.resize(products, 0);
        self.rows
            .par_iter_mut()
            .zip(out.ids.par_chunks_mut(n.max(1)))
            .zip(out.sims.par_chunks_mut(n.max(1)))
            .zip(out.len.par_iter_mut())
            .enumerate()
            .for_each_init(Vec::new, |list, (a, (((row, ids), sims), len))| {
                // Most similar first, ties by id, as integer keys: the weights and masses
                // are positive, so every similarity is a positive finite float.
                list.clear();
                if row.mass > 0.0 {
                    list.extend(row.partners.iter().filter_map(|&(b, c)| {
                        let mb = target[b as usize];
                        (mb > 0.0).then(|| rank_key(c / (source[a] * mb) * c / (c + shrink), b))
                    }));
                }
                if list.len() > n {
                    list.select_nth_unstable_by(n, |x, y| y.cmp(x));
                    list.truncate(n);
                }
                list.sort_unstable_by(|x, y| y.cmp(x));
                for (k, &key) in list.iter().enumerate() {
                    (sims[k], ids[k]) = unrank_key(key);
                }
                *len = list.len() as u8;

                row.partners.retain_mut(|(_, w)| {
                    *w *= decay;
                    *w >= FORGET
                });
                // Room for the next day's new partners: a row keeps its strongest half once
                // it is nearly full.
                if row.partners.len() > ROW_CAP * 3 / 4 {
                    prune(&mut row.partners, ROW_CAP / 2);
                }
                row.mass *= decay;
            });
    }
}

/// Adds a day's interest events to the co-occurrences: each event is paired with the
/// products already in its shopper's memory (co-views into `cooc`, and co-carts and
/// co-purchases also into `together`), and adds to its product's own weight.
///
/// The additions to different rows are independent, so each task owns every `tasks`-th
/// group of [`GROUP`] consecutive products' rows and replays the whole log against a copy of
/// each shopper's memory, applying only the additions to its own rows. Every row still
/// receives its additions in log order, exactly as one pass would give them, so the result
/// does not depend on the number of tasks. The replay relies on the log being grouped by
/// shopper: a shopper's memory copy is taken once, before their first event of the day.
fn count(cooc: &mut Cooccurrence, together: &mut Cooccurrence, log: &DayLog, memory: &Memory) {
    // A power of two, so that finding a row's task is a mask and a shift.
    let tasks = rayon::current_num_threads().next_power_of_two();
    let shift = tasks.trailing_zeros();
    let owner = |p: usize| (p / GROUP) & (tasks - 1);
    let mut parts: Vec<Vec<(&mut Row, &mut Row)>> = (0..tasks).map(|_| Vec::new()).collect();
    for (p, rows) in cooc.rows.iter_mut().zip(&mut together.rows).enumerate() {
        parts[owner(p)].push(rows);
    }
    parts
        .into_par_iter()
        .enumerate()
        .for_each(|(task, mut own)| {
            let mine = |p: ProductId| {
                let p = p as usize;
                (owner(p) == task).then_some(((p / GROUP) >> shift) * GROUP + p % GROUP)
            };
            let mut recent: Option<(ShopperId, ShopperMemory)> = None;
            for e in log.events() {
                let Some(w) = interest(e) else { continue };
                let (_, recent) = match &mut recent {
                    Some(r) if r.0 == e.shopper => r,
                    r => r.insert((e.shopper, ShopperMemory::of(memory, e.shopper))),
                };
                let p = e.product;
                let p_row = mine(p);
                let carted = matches!(e.kind, EventKind::AddToCart | EventKind::Purchase);
                let (items, weights) = recent.get();
                for (&i, &wi) in items.iter().zip(weights) {
                    if i == p {
                        continue;
                    }
                    let bought = carted && wi >= CARTED;
                    let wc = w * wi.min(CARTED);
                    for (row, partner) in [(mine(i), p), (p_row, i)] {
                        if let Some(r) = row {
                            let (c, t) = &mut own[r];
                            add_to_row(&mut c.partners, partner, wc);
                            if bought {
                                add_to_row(&mut t.partners, partner, w);
                            }
                        }
                    }
                }
                if let Some(r) = p_row {
                    let (c, t) = &mut own[r];
                    c.mass += w;
                    if carted {
                        t.mass += w;
                    }
                }
                recent.touch(p, w);
            }
        });
}

fn add_to_row(row: &mut Vec<(ProductId, f32)>, b: ProductId, w: f32) {
    match row.binary_search_by_key(&b, |e| e.0) {
        Ok(i) => row[i].1 += w,
        // A full row takes no newcomer until the nightly pruning makes room.
        Err(i) if row.len() < ROW_CAP => row.insert(i, (b, w)),
        Err(_) => {}
    }
}

/// Keeps the `keep` heaviest partners of a row (ties by id), sorted by id again.
fn prune(row: &mut Vec<(ProductId, f32)>, keep: usize) {
    if row.len() > keep {
        row.select_nth_unstable_by(keep, |x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        row.truncate(keep);
        row.sort_unstable_by_key(|e| e.0);
    }
}

/// Each product's nearest neighbours, best first, in flat arrays.
#[derive(Debug, Clone, Default)]
pub(super) struct Neighbours {
    n: usize,
    ids: Vec<ProductId>,
    sims: Vec<f32>,
    len: Vec<u8>,
}

impl Neighbours {
    /// Neighbours of `p` and their similarities, most similar first.
    #[inline]
    pub fn of(&self, p: ProductId) -> (&[ProductId], &[f32]) {
        let a = p as usize;
        match self.len.get(a) {
            Some(&len) => {
                let r = a * self.n..a * self.n + len as usize;
                (&self.ids[r.clone()], &self.sims[r])
            }
            None => (&[], &[]),
        }
    }

    /// Products that have at least one neighbour.
    pub fn covered(&self) -> usize {
        self.len.iter().filter(|&&l| l > 0).count()
    }
}

/// The item-item model: co-occurrences and the neighbour lists computed from them.
#[derive(Debug, Clone)]
pub(super) struct ItemModel {
    n_neighbours: usize,
    decay: f32,
    shrink: f32,
    alpha: f32,
    cooc: Cooccurrence,
    /// Co-carts and co-purchases only: "frequently bought together".
    together: Cooccurrence,
    pub neighbours: Neighbours,
    bought_with: Neighbours,
}

impl ItemModel {
    /// An empty model with the registered parameters of `item-cf`.
    pub fn new(spec: &StrategySpec, products: usize) -> Self {
        ItemModel {
            n_neighbours: spec.param("neighbours") as usize,
            decay: 0.5f32.powf(1.0 / spec.param("half_life_days") as f32),
            shrink: spec.param("shrink") as f32,
            alpha: spec.param("alpha") as f32,
            cooc: Cooccurrence::new(products),
            together: Cooccurrence::new(products),
            neighbours: Neighbours::default(),
            bought_with: Neighbours::default(),
        }
    }

    /// The registered defaults of `item-cf`.
    pub fn with_defaults(products: usize) -> Self {
        ItemModel::new(&super::defaults(&ENTRY.info), products)
    }

    /// Pairs each interest event with what its shopper remembers (co-views, co-carts,
    /// co-purchases), adds it to the memory, and recomputes the neighbour lists. The weights
    /// are decayed once the lists are computed, so each night adds to weights already
    /// decayed by a day.
    pub fn learn(&mut self, log: &DayLog, memory: &mut Memory) {
        count(&mut self.cooc, &mut self.together, log, memory);
        let (n, shrink, alpha, decay) = (self.n_neighbours, self.shrink, self.alpha, self.decay);
        // The memory is no longer read tonight: update it beside the neighbour lists rather
        // than before them on one thread.
        rayon::join(
            || memory.learn(log),
            || {
                self.cooc
                    .neighbours_then_decay(&mut self.neighbours, n, shrink, alpha, decay);
                self.together
                    .neighbours_then_decay(&mut self.bought_with, n, shrink, alpha, decay);
            },
        );
    }

    /// Scores what is frequently bought together with the cart, backed up by what is often
    /// looked at together, and takes the best `k` into `out`.
    pub fn cross_sell(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        cart: &[ProductId],
        k: usize,
        out: &mut Vec<ProductId>,
    ) {
        with_scores(shop.catalog.len(), |scores| {
            for &i in cart {
                let (ids, sims) = self.bought_with.of(i);
                for (&j, &s) in ids.iter().zip(sims) {
                    scores.add(j, 0, s);
                }
                let (ids, sims) = self.neighbours.of(i);
                for (&j, &s) in ids.iter().zip(sims) {
                    scores.add(j, 1, s);
                }
            }
            scores.rank(4 * k, |_, c| c[0] + 0.5 * c[1]);
            take_ranked(shop, shopper, &scores.ranked, k, k, out);
        });
    }
}

/// Scores the neighbours of a shopper's recent products into channel `channel`: the live
/// history (today's clicks included) and the longer nightly memory, newer products weighing
/// more. Shared with the hybrid.
pub(super) fn score_neighbours(
    neighbours: &Neighbours,
    memory: &Memory,
    shopper: &ShopperView,
    scores: &mut super::scratch::Scores,
    channel: usize,
) {
    let recent = &shopper.history.recent;
    let (items, weights) = memory.of(shopper.id);
    let mut w_age = 1.0;
    for &i in recent.iter().rev() {
        if items.contains(&i) {
            continue;
        }
        let (ids, sims) = neighbours.of(i);
        for (&j, &s) in ids.iter().zip(sims) {
            scores.add(j, channel, w_age * s);
        }
        w_age *= RECENCY;
    }
    for (&i, &w) in items.iter().zip(weights).rev() {
        let (ids, sims) = neighbours.of(i);
        let w = w_age * w.min(4.0);
        for (&j, &s) in ids.iter().zip(sims) {
            scores.add(j, channel, w * s);
        }
        w_age *= RECENCY;
    }
}

/// Item-item collaborative filtering.
#[derive(Debug, Clone)]
pub struct ItemCf {
    per_category: usize,
    memory: Memory,
    model: ItemModel,
    popularity: Popularity,
}

impl ItemCf {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        ItemCf {
            per_category: spec.param("per_category") as usize,
            memory: Memory::new(ctx.population),
            model: ItemModel::new(spec, ctx.catalog.len()),
            popularity: Popularity::fallback(ctx, Scope::Category),
        }
    }
}

impl Recommender for ItemCf {
    fn name(&self) -> &'static str {
        "item-cf"
    }

    fn recommend(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        // Empty or thin history: best sellers of the shopper's categories, then overall.
        let fill = Fill {
            k: shop.slate_size,
            per_category: self.per_category,
            best_sellers: &self.popularity,
        };
        rank_then_fill(shop, shopper, rng, slate, fill, |scores| {
            score_neighbours(&self.model.neighbours, &self.memory, shopper, scores, 0);
            Some(|_, c: &[f32; CHANNELS]| c[0])
        });
    }

    fn cross_sell(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        cart: &[ProductId],
        _rng: &mut SimRng,
        out: &mut Vec<ProductId>,
    ) {
        let k = shop.cross_sell_size;
        self.model.cross_sell(shop, shopper, cart, k, out);
        self.popularity.complements(shop, cart, k, out);
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        // Independent models: learn them side by side.
        rayon::join(
            || self.popularity.learn(shop, log),
            || self.model.learn(log, &mut self.memory),
        );
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.memory.remember(log);
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        let neighbours = &self.model.neighbours;
        let mut lines = vec![format!(
            "neighbours for {} of {} products",
            neighbours.covered(),
            shop.catalog.len()
        )];
        if let Some(&p) = self.popularity.top().first() {
            let (ids, sims) = neighbours.of(p);
            let shown: Vec<String> = ids
                .iter()
                .zip(sims)
                .take(3)
                .map(|(j, s)| format!("#{j} ({s:.2})"))
                .collect();
            lines.push(format!("best seller #{p} is near {}", shown.join(", ")));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Event;

    fn event(shopper: ShopperId, product: ProductId, kind: EventKind) -> Event {
        Event {
            shopper,
            product,
            day: 0,
            hour: 9,
            kind,
            position: 0,
            quantity: 1,
            value: 10.0,
        }
    }

    /// Neighbours of `p` as (product, similarity), best first.
    fn of(model: &ItemModel, p: ProductId) -> Vec<(ProductId, f32)> {
        let (ids, sims) = model.neighbours.of(p);
        ids.iter().copied().zip(sims.iter().copied()).collect()
    }

    fn assert_neighbours(got: &[(ProductId, f32)], want: &[(ProductId, f64)]) {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (&(p, s), &(q, t)) in got.iter().zip(want) {
            assert!(
                p == q && (f64::from(s) - t).abs() < 1e-6,
                "{got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn nightly_neighbours_of_a_hand_built_log_with_decay() {
        // The defaults' asymmetric cosine (α = 0, shrink 2): sim(a → b) = c/m_a · c/(c + 2),
        // with c the pair's weight and m_a the product's own; a half-life of one day halves
        // every weight each night.
        let mut model = ItemModel::with_defaults(5);
        model.decay = 0.5;
        let mut memory = Memory::new(3);
        // Night 0: shopper 0 clicks 1 then 2, shopper 1 clicks 1 then 3. Each click pairs
        // with what the shopper clicked before it: c(1,2) = c(1,3) = 1; m = 2, 1, 1.
        let night0 = [
            event(0, 1, EventKind::Click),
            event(0, 2, EventKind::Click),
            event(1, 1, EventKind::Click),
            event(1, 3, EventKind::Click),
        ];
        model.learn(&DayLog::new(0, night0.to_vec()), &mut memory);
        assert_neighbours(&of(&model, 1), &[(2, 1.0 / 6.0), (3, 1.0 / 6.0)]);
        assert_neighbours(&of(&model, 2), &[(1, 1.0 / 3.0)]);
        assert_neighbours(&of(&model, 3), &[(1, 1.0 / 3.0)]);
        // Night 1, after the halving: shopper 0 buys 3 (weight 2, paired with 1 and 2 from
        // their memory at their weight 1 each: +2 to each pair), and a new shopper clicks 2.
        // c(1,2) = 0.5, c(1,3) = 0.5 + 2, c(2,3) = 2; m₁ = 1, m₂ = 0.5 + 1, m₃ = 0.5 + 2.
        let night1 = [
            event(0, 3, EventKind::Purchase),
            event(2, 2, EventKind::Click),
        ];
        model.learn(&DayLog::new(1, night1.to_vec()), &mut memory);
        let sim = |c: f64, m: f64| c / m * c / (c + 2.0);
        assert_neighbours(&of(&model, 1), &[(3, sim(2.5, 1.0)), (2, sim(0.5, 1.0))]);
        assert_neighbours(&of(&model, 2), &[(3, sim(2.0, 1.5)), (1, sim(0.5, 1.5))]);
        assert_neighbours(&of(&model, 3), &[(1, sim(2.5, 2.5)), (2, sim(2.0, 2.5))]);
        assert!(of(&model, 0).is_empty() && of(&model, 4).is_empty());
        // A purchase paired with products only clicked is not "bought together".
        assert_eq!(model.bought_with.covered(), 0);
    }
}
