//! `mf`: implicit-feedback matrix factorization by alternating least squares (Hu, Koren and
//! Volinsky 2008), retrained every night from a warm start.
//!
//! Shoppers and products get `factors`-dimensional vectors so that `x_u · y_j` predicts
//! whether shopper `u` is interested in product `j`. The observations are each shopper's
//! remembered interests (search views, clicks, carts, purchases, weighted by strength); an
//! observation's confidence is `1 + confidence · weight`, and every unobserved pair counts as
//! a weak "not interested". Each night runs `iterations` sweeps (shoppers, then products)
//! starting from yesterday's vectors, so the model keeps up with the shop.
//!
//! A visit folds the shopper's newest interests (today's clicks) into their vector with one
//! small solve, picks the categories whose products the vector likes, and ranks those
//! categories' best sellers and the overall best sellers by predicted interest.
//!
//! A guest, a shopper served but never learned from, is folded in as a deployed model folds
//! in a shopper it did not train on: their interests are remembered as a learner's are, and
//! each night, after training, their vector is the same least-squares shopper step a
//! learner's is, against the same product vectors. A guest is therefore served exactly as a
//! learner with the same events would be; only the product vectors, which guests never move,
//! were fitted without them.

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::linalg::{add_row, cholesky_solve, gramian, with_dim, Dim, Solver, MAX_DIM};
use super::memory::Memory;
use super::popularity::{Popularity, Scope};
use super::scratch::CHANNELS;
use super::{rank_then_fill, Fill, Recommender};
use crate::rng::{stream, Purpose, SimRng};
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{CategoryId, DayLog, ProductId, Shop, ShopperView, RECENT_ITEMS};

/// Largest number of factors (sizes the stack buffers of a visit's fold-in).
pub(super) const MAX_FACTORS: usize = MAX_DIM;
/// Seed of the initial product vectors: fixed, so every run starts from the same model.
const INIT_SEED: u64 = 0x6d66_5f69_6e69_7421;
/// Categories whose best sellers a visit ranks.
const CATEGORIES: usize = 3;
/// Best sellers of a category that a visit ranks.
const CATEGORY_POOL: usize = 16;
/// Best sellers overall that a visit ranks.
const GLOBAL_POOL: usize = 16;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "mf",
        learns: true,
        summary:
            "implicit-feedback matrix factorization (ALS), retrained nightly from a warm start",
        params: &[
            Param::integer(
                "factors",
                8.0,
                2.0,
                MAX_FACTORS as f64,
                "dimension of shopper and product vectors",
            ),
            Param::number(
                "regularization",
                1.0,
                0.0001,
                1000.0,
                "L2 penalty on the vectors (lambda)",
            ),
            Param::number(
                "confidence",
                10.0,
                0.0,
                1000.0,
                "confidence gained per unit of observed interest (alpha)",
            ),
            Param::integer("iterations", 1.0, 1.0, 20.0, "ALS sweeps per night"),
            Param::integer(
                "per_category",
                4.0,
                1.0,
                50.0,
                "most products of one category in a slate",
            ),
        ],
    },
    build: |spec, ctx| Box::new(Mf::new(spec, ctx)),
};

/// The factor model: shopper and product vectors and what a visit needs to use them.
#[derive(Debug, Clone)]
pub(super) struct Factors {
    pub f: usize,
    lambda: f64,
    confidence: f64,
    iterations: usize,
    /// Shopper vectors by the memory's dense index.
    users: Vec<f32>,
    items: Vec<f32>,
    /// Yᵀ Y, for folding a shopper in during a visit.
    gram: Vec<f64>,
    /// Mean vector of each category's best sellers, to pick categories.
    category: Vec<f32>,
    /// Space for the products' normal equations in the item step, kept across nights.
    normal: Vec<f64>,
    /// The product vectors, and their Gramian, that tonight's last shopper step solved
    /// against: guests are folded in against them, as the learners were.
    step_items: Vec<f32>,
    step_gram: Vec<f64>,
}

impl Factors {
    pub fn new(
        f: usize,
        lambda: f64,
        confidence: f64,
        iterations: usize,
        ctx: &BuildContext,
    ) -> Self {
        let mut rng = stream(INIT_SEED, 0, 0, Purpose::Nightly, 0);
        let scale = 0.1 / (f as f64).sqrt();
        let items = (0..ctx.catalog.len() * f)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                (scale * z) as f32
            })
            .collect();
        Factors {
            f,
            lambda,
            confidence,
            iterations,
            users: Vec::new(),
            items,
            gram: vec![0.0; f * f],
            category: vec![0.0; ctx.catalog.categories().len() * f],
            normal: Vec::new(),
            step_items: Vec::new(),
            step_gram: Vec::new(),
        }
    }

    /// A product's vector.
    #[inline]
    pub fn item(&self, p: ProductId) -> &[f32] {
        &self.items[p as usize * self.f..(p as usize + 1) * self.f]
    }

    /// The vector as of last night of the shopper under the memory's dense index `i`.
    #[inline]
    fn user(&self, i: usize) -> &[f32] {
        &self.users[i * self.f..(i + 1) * self.f]
    }

    /// Predicted interest of a shopper vector in a product.
    #[inline]
    pub fn score(&self, x: &[f32], p: ProductId) -> f32 {
        dot(x, self.item(p))
    }

    /// Trains on the shoppers' memories, warm-started from the current vectors.
    pub fn train(&mut self, memory: &Memory, popularity: &Popularity, categories: usize) {
        with_dim!(self.f, d => self.sweeps(d, memory));
        let f = self.f;
        for k in 0..categories {
            let pool = popularity.top_of(k as CategoryId);
            let pool = &pool[..pool.len().min(CATEGORY_POOL)];
            let c = &mut self.category[k * f..(k + 1) * f];
            c.iter_mut().for_each(|v| *v = 0.0);
            for &p in pool {
                for (v, y) in c.iter_mut().zip(&self.items[p as usize * f..]) {
                    *v += y / pool.len() as f32;
                }
            }
        }
    }

    /// The ALS sweeps of a night, in dimension `d` (the factor count).
    fn sweeps<D: Dim>(&mut self, d: D, memory: &Memory) {
        let f = d.get();
        // Shoppers met since last night start from zeros.
        self.users.resize(memory.met() * f, 0.0);
        for sweep in 0..self.iterations {
            let gram = gramian(d, self.items.chunks(f));
            if sweep + 1 == self.iterations {
                self.step_items.clone_from(&self.items);
                self.step_gram.clone_from(&gram);
            }
            let (lambda, confidence) = (self.lambda, self.confidence);
            user_step(
                d,
                &mut self.users,
                &self.items,
                &gram,
                (lambda, confidence),
                memory,
                false,
            );
            let users = memory.by_shopper().map(|(_, i)| self.user(i));
            let gram = gramian(d, users);
            self.item_step(d, memory, &gram);
        }
        self.gram = gramian(d, self.items.chunks(f));
    }

    /// Folds every remembered guest in: their vectors become tonight's last shopper step for
    /// them, against the product vectors the learners' step used. Call after
    /// [`Factors::train`], once the guests' events of the day are in `memory`.
    pub fn fold_in_guests(&mut self, memory: &Memory) {
        let f = self.f;
        self.users.resize(memory.met() * f, 0.0);
        let (lambda, confidence) = (self.lambda, self.confidence);
        with_dim!(f, d => user_step(
            d,
            &mut self.users,
            &self.step_items,
            &self.step_gram,
            (lambda, confidence),
            memory,
            true,
        ));
    }

    /// The item half of an ALS sweep. Rather than gathering each product's shoppers from a
    /// column index (a random read of a shopper vector per observation, a cache miss each at a
    /// large population), each task streams through the shoppers in order and adds their
    /// observations of its block of products to those products' equations. Every product still
    /// sums its rows in shopper order, as `Solver::solve` would, so the result is the same to
    /// the bit for any block size and thread count.
    fn item_step<D: Dim>(&mut self, d: D, memory: &Memory, gram: &[f64]) {
        let f = d.get();
        let (lambda, confidence) = (self.lambda, self.confidence);
        let (items, users, normal) = (&mut self.items, &self.users, &mut self.normal);
        // Each task streams through every shopper's memory once, so one task per thread; the
        // result does not depend on the count.
        let block = (items.len() / f)
            .div_ceil(rayon::current_num_threads())
            .max(1);
        normal.resize(items.len() / f * (f * f + f), 0.0);
        items
            .par_chunks_mut(block * f)
            .zip(normal.par_chunks_mut(block * (f * f + f)))
            .enumerate()
            .for_each(|(k, (ys, normal))| {
                let first = k * block;
                let n = ys.len() / f;
                let (a, b) = normal.split_at_mut(n * f * f);
                b.fill(0.0);
                for aj in a.chunks_mut(f * f) {
                    aj.copy_from_slice(gram);
                    for i in 0..f {
                        aj[i * f + i] += lambda;
                    }
                }
                for (_, i) in memory.by_shopper() {
                    let x = &users[i * f..(i + 1) * f];
                    let (ps, ws) = memory.at(i);
                    for (&p, &w) in ps.iter().zip(ws) {
                        let j = (p as usize).wrapping_sub(first);
                        if j >= n {
                            continue;
                        }
                        add_row(
                            d,
                            &mut a[j * f * f..(j + 1) * f * f],
                            &mut b[j * f..(j + 1) * f],
                            confidence,
                            x,
                            w,
                        );
                    }
                }
                for ((y, aj), bj) in ys
                    .chunks_mut(f)
                    .zip(a.chunks_mut(f * f))
                    .zip(b.chunks_mut(f))
                {
                    cholesky_solve(d, aj, bj, y);
                }
            });
    }

    /// The shopper's vector with their newest interests folded in, written to `x`: last
    /// night's vector when nothing happened since, a least-squares solve against the fixed
    /// product vectors otherwise. Returns false when nothing is known of the shopper.
    pub fn shopper_vector(&self, memory: &Memory, shopper: &ShopperView, x: &mut [f32]) -> bool {
        let (items, weights) = memory.of(shopper.id);
        let recent = &shopper.history.recent;
        let fresh = recent.iter().any(|p| !items.contains(p));
        if !fresh {
            match memory.index(shopper.id) {
                Some(i) => x.copy_from_slice(self.user(i)),
                None => x.fill(0.0),
            }
            return !items.is_empty();
        }
        // Today's clicks count as clicks (weight 1) on top of the remembered interests.
        let mut extra = [(0 as ProductId, 0f32); RECENT_ITEMS];
        let mut n = 0;
        for &p in recent {
            if !items.contains(&p) && n < extra.len() {
                extra[n] = (p, 1.0);
                n += 1;
            }
        }
        let f = self.f;
        let rows = items
            .iter()
            .zip(weights)
            .map(|(&p, &w)| (p, w))
            .chain(extra[..n].iter().copied())
            .map(|(p, w)| (&self.items[p as usize * f..(p as usize + 1) * f], w));
        // The solver's space is large enough for any factor count: reuse this thread's.
        SOLVER.with(|s| {
            let mut solver = s.borrow_mut();
            with_dim!(f, d => solver.solve(d, &self.gram, self.lambda, self.confidence, rows, x));
        });
        true
    }

    /// Ranks categories by the shopper's predicted interest in their best sellers; writes the
    /// best `CATEGORIES` to `out` and returns how many there are.
    pub fn top_categories(&self, x: &[f32], out: &mut [CategoryId; CATEGORIES]) -> usize {
        let f = self.f;
        let mut best = [(f32::NEG_INFINITY, 0 as CategoryId); CATEGORIES];
        for (k, c) in self.category.chunks(f).enumerate() {
            let s = dot(x, c);
            if s > best[CATEGORIES - 1].0 {
                let mut i = CATEGORIES - 1;
                while i > 0 && best[i - 1].0 < s {
                    best[i] = best[i - 1];
                    i -= 1;
                }
                best[i] = (s, k as CategoryId);
            }
        }
        let mut n = 0;
        for (s, k) in best {
            if s.is_finite() {
                out[n] = k;
                n += 1;
            }
        }
        n
    }
}

/// The shopper half of an ALS sweep: the vector of every learner (or, with `guests`, of
/// every guest) under the memory's dense indices becomes the least-squares fit of their
/// remembered interests against the product vectors `items`, whose Gramian is `gram`; the
/// others' vectors are left alone. Each vector depends only on that shopper's memory, so
/// learners and guests with the same memory get the same vector, to the bit.
fn user_step<D: Dim>(
    d: D,
    users: &mut [f32],
    items: &[f32],
    gram: &[f64],
    (lambda, confidence): (f64, f64),
    memory: &Memory,
    guests: bool,
) {
    let f = d.get();
    users
        .par_chunks_mut(f)
        .enumerate()
        .filter(|(i, _)| memory.guest_at(*i) == guests)
        .for_each_init(Solver::default, |solver, (i, x)| {
            let (ps, ws) = memory.at(i);
            let rows = ps
                .iter()
                .zip(ws)
                .map(|(&p, &w)| (&items[p as usize * f..(p as usize + 1) * f], w));
            solver.solve(d, gram, lambda, confidence, rows, x);
        });
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

thread_local! {
    static SOLVER: std::cell::RefCell<Solver> = std::cell::RefCell::new(Solver::default());
}

/// Matrix factorization.
#[derive(Debug, Clone)]
pub struct Mf {
    per_category: usize,
    memory: Memory,
    factors: Factors,
    popularity: Popularity,
    categories: usize,
    trained: bool,
}

impl Mf {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        Mf {
            per_category: spec.param("per_category") as usize,
            memory: Memory::new(ctx.population),
            factors: Factors::new(
                spec.param("factors") as usize,
                spec.param("regularization"),
                spec.param("confidence"),
                spec.param("iterations") as usize,
                ctx,
            ),
            popularity: Popularity::fallback(ctx, Scope::Category),
            categories: ctx.catalog.categories().len(),
            trained: false,
        }
    }
}

/// Scores candidates by a shopper vector's predicted interest into `channel`: the best
/// sellers of the categories the vector likes most, and the overall best sellers. Shared
/// with the hybrid.
pub(super) fn score_factors(
    factors: &Factors,
    x: &[f32],
    popularity: &Popularity,
    scores: &mut super::scratch::Scores,
    channel: usize,
) {
    let mut cats = [0 as CategoryId; CATEGORIES];
    let n = factors.top_categories(x, &mut cats);
    for &k in &cats[..n] {
        let pool = popularity.top_of(k);
        for &p in &pool[..pool.len().min(CATEGORY_POOL)] {
            if !scores.contains(p) {
                scores.add(p, channel, factors.score(x, p));
            }
        }
    }
    let top = popularity.top();
    for &p in &top[..top.len().min(GLOBAL_POOL)] {
        if !scores.contains(p) {
            scores.add(p, channel, factors.score(x, p));
        }
    }
}

impl Recommender for Mf {
    fn name(&self) -> &'static str {
        "mf"
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
            let mut x = [0f32; MAX_FACTORS];
            let x = &mut x[..self.factors.f];
            if !(self.trained && self.factors.shopper_vector(&self.memory, shopper, x)) {
                return None;
            }
            score_factors(&self.factors, x, &self.popularity, scores, 0);
            Some(|_, c: &[f32; CHANNELS]| c[0])
        });
    }

    fn best_sellers(&self) -> Option<&Popularity> {
        Some(&self.popularity)
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        // Independent until training, which reads both: update them side by side.
        rayon::join(
            || self.popularity.learn(shop, log),
            || self.memory.learn(log),
        );
        self.factors
            .train(&self.memory, &self.popularity, self.categories);
        self.trained = true;
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.memory.remember(log);
        if self.trained {
            self.factors.fold_in_guests(&self.memory);
        }
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        vec![format!(
            "{} factors for {} shoppers and {} products",
            self.factors.f,
            self.memory.known(),
            shop.catalog.len()
        )]
    }
}
