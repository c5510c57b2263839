//! `bandit`: a contextual bandit over categories. Each slate is built from a few categories
//! (the arms), filled with the best sellers of each; the bandit learns nightly, from its own
//! impressions and clicks, which categories pay off for which kind of shopper, and keeps
//! trying the others.
//!
//! The context is observable: where the category ranks in the shopper's interest profile
//! (remembered interests and today's clicks), its share of that interest, and whether the
//! shopper has any history at all. Policies (`policy`):
//! - `epsilon-greedy`: the best arms by click rate in the shopper's context, each replaced by
//!   a random category with probability `epsilon`;
//! - `thompson`: arms ranked by a draw from each arm's posterior click rate in the context;
//! - `linucb`: a linear click model per arm on the context features, ranked by its upper
//!   confidence bound (`alpha` standard deviations).
//!
//! Lower slate positions are looked at less, so an impression there is a weaker trial; the
//! bandit estimates that position effect from its own click rates by position.
//!
//! A guest (a shopper served but not learned from) is remembered as a learner is, so their
//! context, and the arms drawn for them, are exactly a learner's with the same events; their
//! impressions and clicks never reach the arms' statistics, the position effect or the best
//! sellers.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::content::{Attributes, Profile};
use super::memory::Memory;
use super::popularity::{Popularity, Scope};
use super::scratch::with_scores;
use super::Recommender;
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{CategoryId, DayLog, EventKind, EventMask, ProductId, Shop, ShopperView};

/// Context buckets: no history; the shopper's top category; second or third; further down;
/// not in the profile.
const BUCKETS: usize = 5;
/// LinUCB features: bias, share of interest, is the top category, no history.
const D: usize = 4;
/// Categories kept on each bucket's nightly shortlist of promising arms.
const SHORTLIST: usize = 12;
/// Beta(1, 20) prior: a category is assumed to be clicked rarely until shown otherwise.
const PRIOR_CLICKS: f32 = 1.0;
const PRIOR_TRIALS: f32 = 21.0;
/// Most slate positions whose looking-at rate is estimated.
const POSITIONS: usize = 64;
/// Ridge of the LinUCB models.
const RIDGE: f32 = 1.0;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "bandit",
        learns: true,
        summary: "contextual bandit over categories (epsilon-greedy, Thompson sampling or LinUCB) filled with their best sellers",
        params: &[
            Param::choice("policy", 1, &["epsilon-greedy", "thompson", "linucb"], "how arms are explored"),
            Param::number("epsilon", 0.1, 0.0, 1.0, "epsilon-greedy: share of arms replaced by a random category"),
            Param::number("alpha", 1.0, 0.0, 10.0, "linucb: width of the confidence bound"),
            Param::number("half_life_days", 14.0, 1.0, 3650.0, "days for an observation's weight to halve"),
            Param::integer("per_category", 4.0, 1.0, 50.0, "products of one arm (category) in a slate"),
            Param::integer("category_pool", 8.0, 1.0, 32.0, "an arm's products are drawn from this many of its best sellers"),
        ],
    },
    build: |spec, ctx| Box::new(Bandit::new(spec, ctx)),
};

/// How arms are explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    EpsilonGreedy,
    Thompson,
    LinUcb,
}

/// The shopper-and-category context of an arm.
#[derive(Debug, Clone, Copy)]
struct Context {
    bucket: usize,
    x: [f32; D],
}

fn context(profile: Option<&Profile>, k: CategoryId) -> Context {
    let Some(profile) = profile else {
        return Context {
            bucket: 0,
            x: [1.0, 0.0, 0.0, 1.0],
        };
    };
    match profile.category_rank(k) {
        Some((rank, share)) => Context {
            bucket: match rank {
                0 => 1,
                1 | 2 => 2,
                _ => 3,
            },
            x: [1.0, share, if rank == 0 { 1.0 } else { 0.0 }, 0.0],
        },
        None => Context {
            bucket: 4,
            x: [1.0, 0.0, 0.0, 0.0],
        },
    }
}

/// A linear model per arm: `A = ridge·I + Σ w x xᵀ`, `b = Σ r x`, and their solution.
#[derive(Debug, Clone, Copy)]
struct Linear {
    a: [f32; D * D],
    b: [f32; D],
    inverse: [f32; D * D],
    theta: [f32; D],
}

impl Default for Linear {
    fn default() -> Self {
        let mut inverse = [0.0; D * D];
        for i in 0..D {
            inverse[i * D + i] = 1.0 / RIDGE;
        }
        Linear {
            a: [0.0; D * D],
            b: [0.0; D],
            inverse,
            theta: [0.0; D],
        }
    }
}

impl Linear {
    fn decay(&mut self, factor: f32) {
        self.a.iter_mut().for_each(|v| *v *= factor);
        self.b.iter_mut().for_each(|v| *v *= factor);
    }

    fn observe(&mut self, x: &[f32; D], weight: f32, reward: f32) {
        for i in 0..D {
            self.b[i] += reward * x[i];
            for j in 0..D {
                self.a[i * D + j] += weight * x[i] * x[j];
            }
        }
    }

    /// Recomputes the inverse and the coefficients (Gauss–Jordan on a small SPD matrix).
    fn solve(&mut self) {
        let mut m = [[0f64; 2 * D]; D];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().take(D).enumerate() {
                *v = f64::from(self.a[i * D + j]) + if i == j { f64::from(RIDGE) } else { 0.0 };
            }
            row[D + i] = 1.0;
        }
        for col in 0..D {
            let pivot = m[col][col];
            for v in m[col].iter_mut() {
                *v /= pivot;
            }
            for r in 0..D {
                if r != col {
                    let f = m[r][col];
                    let pivot_row = m[col];
                    for (v, p) in m[r].iter_mut().zip(pivot_row) {
                        *v -= f * p;
                    }
                }
            }
        }
        for (i, row) in m.iter().enumerate() {
            for j in 0..D {
                self.inverse[i * D + j] = row[D + j] as f32;
            }
        }
        for i in 0..D {
            self.theta[i] = (0..D).map(|j| self.inverse[i * D + j] * self.b[j]).sum();
        }
    }

    fn upper_bound(&self, x: &[f32; D], alpha: f32) -> f32 {
        let mean: f32 = (0..D).map(|i| self.theta[i] * x[i]).sum();
        let mut var = 0.0;
        for i in 0..D {
            for j in 0..D {
                var += x[i] * self.inverse[i * D + j] * x[j];
            }
        }
        mean + alpha * var.max(0.0).sqrt()
    }
}

/// The contextual bandit.
#[derive(Debug, Clone)]
pub struct Bandit {
    policy: Policy,
    epsilon: f64,
    alpha: f32,
    decay: f32,
    per_category: usize,
    category_pool: usize,
    categories: usize,
    /// First day any product of each category is on sale.
    opens: Vec<u32>,
    attrs: Attributes,
    memory: Memory,
    popularity: Popularity,
    /// (clicks, trials) per bucket and category.
    stats: Vec<[f32; 2]>,
    linear: Vec<Linear>,
    /// (clicks, impressions) per slate position, for the looking-at estimate.
    positions: Vec<[f32; 2]>,
    /// Weight of an impression at each position, relative to the top one.
    looked_at: Vec<f32>,
    /// Promising arms per bucket, best first.
    shortlist: Vec<Vec<CategoryId>>,
}

impl Bandit {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let categories = ctx.catalog.categories().len();
        let opens = ctx
            .catalog
            .categories()
            .iter()
            .map(|c| {
                c.products
                    .iter()
                    .map(|&p| ctx.catalog.product(p).launch_day)
                    .min()
                    .unwrap_or(u32::MAX)
            })
            .collect();
        let mut bandit = Bandit {
            policy: match spec.choice("policy") {
                "epsilon-greedy" => Policy::EpsilonGreedy,
                "linucb" => Policy::LinUcb,
                _ => Policy::Thompson,
            },
            epsilon: spec.param("epsilon"),
            alpha: spec.param("alpha") as f32,
            decay: 0.5f32.powf(1.0 / spec.param("half_life_days") as f32),
            per_category: spec.param("per_category") as usize,
            category_pool: spec.param("category_pool") as usize,
            categories,
            opens,
            attrs: Attributes::new(ctx.catalog),
            memory: Memory::new(ctx.population),
            popularity: Popularity::fallback(ctx, Scope::Global),
            stats: vec![[0.0; 2]; BUCKETS * categories],
            linear: vec![Linear::default(); categories],
            positions: vec![[0.0; 2]; POSITIONS],
            looked_at: vec![1.0; POSITIONS],
            shortlist: vec![Vec::new(); BUCKETS],
        };
        bandit.update_shortlists(0);
        bandit
    }

    fn posterior(&self, c: &Context, k: CategoryId) -> (f32, f32) {
        let [clicks, trials] = self.stats[c.bucket * self.categories + k as usize];
        let a = clicks + PRIOR_CLICKS;
        let n = trials + PRIOR_TRIALS;
        let mean = (a / n).min(1.0);
        (mean, (mean * (1.0 - mean) / (n + 1.0)).sqrt())
    }

    /// The value of an arm in a context under the policy, with exploration where it draws.
    fn value(&self, c: &Context, k: CategoryId, rng: &mut SimRng) -> f32 {
        match self.policy {
            Policy::EpsilonGreedy => self.posterior(c, k).0,
            Policy::Thompson => {
                let (mean, sd) = self.posterior(c, k);
                let z: f32 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Policy::LinUcb => self.linear[k as usize].upper_bound(&c.x, self.alpha),
        }
    }

    /// Nightly: the arms with the best optimistic value in each bucket, open on `day`.
    fn update_shortlists(&mut self, day: u32) {
        for bucket in 0..BUCKETS {
            let x = match bucket {
                0 => [1.0, 0.0, 0.0, 1.0],
                _ => [1.0, 0.0, 0.0, 0.0],
            };
            let c = Context { bucket, x };
            let mut arms: Vec<(f32, CategoryId)> = (0..self.categories as CategoryId)
                .filter(|&k| self.opens[k as usize] <= day)
                .map(|k| {
                    let v = match self.policy {
                        Policy::LinUcb => self.linear[k as usize].upper_bound(&x, self.alpha),
                        _ => {
                            let (mean, sd) = self.posterior(&c, k);
                            mean + 2.0 * sd
                        }
                    };
                    (v, k)
                })
                .collect();
            arms.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            self.shortlist[bucket] = arms.iter().take(SHORTLIST).map(|a| a.1).collect();
        }
    }

    /// Adds up to `n` products of category `k` to the slate: its best sellers, or any of its
    /// products on sale while it has none.
    fn fill_arm(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        k: CategoryId,
        n: usize,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        let top = self.popularity.top_of(k);
        let pool = if top.is_empty() {
            &shop.catalog.categories()[k as usize].products[..]
        } else {
            &top[..top.len().min(self.category_pool)]
        };
        let target = (slate.len() + n).min(shop.slate_size);
        let mut tries = 0;
        while !pool.is_empty() && slate.len() < target && tries < 4 * n + 4 {
            tries += 1;
            let p = pool[rng.random_range(0..pool.len())];
            if shop.on_sale(p)
                && !slate.contains(&p)
                && !shopper.history.cart.iter().any(|l| l.product == p)
            {
                slate.push(p);
            }
        }
    }
}

impl Recommender for Bandit {
    fn name(&self) -> &'static str {
        "bandit"
    }

    fn recommend(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        let k = shop.slate_size;
        let profile = Profile::of(&self.attrs, &self.memory, shopper);
        with_scores(shop.catalog.len(), |scores| {
            let arms = &mut scores.pairs;
            let general = if profile.is_some() { 4 } else { 0 };
            let candidates = profile
                .iter()
                .flat_map(|p| p.categories())
                .chain(self.shortlist[general].iter().copied());
            for c in candidates {
                if self.opens[c as usize] > shop.day || arms.iter().any(|a| a.1 == u32::from(c)) {
                    continue;
                }
                let v = self.value(&context(profile.as_ref(), c), c, rng);
                arms.push((v, u32::from(c)));
            }
            arms.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let needed = k.div_ceil(self.per_category);
            if self.policy == Policy::EpsilonGreedy {
                for arm in arms.iter_mut().take(needed) {
                    if rng.random::<f64>() < self.epsilon {
                        let c = rng.random_range(0..self.categories) as u32;
                        if self.opens[c as usize] <= shop.day {
                            arm.1 = c;
                        }
                    }
                }
            }
            for &(_, c) in arms.iter() {
                if slate.len() >= k {
                    break;
                }
                self.fill_arm(
                    shop,
                    shopper,
                    c as CategoryId,
                    self.per_category,
                    rng,
                    slate,
                );
            }
        });
        self.popularity.fill(shop, shopper, rng, k, slate);
    }

    fn best_sellers(&self) -> Option<&Popularity> {
        Some(&self.popularity)
    }

    fn observes(&self) -> EventMask {
        EventMask::ALL
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        self.popularity.learn(shop, log);
        for s in &mut self.stats {
            s[0] *= self.decay;
            s[1] *= self.decay;
        }
        for l in &mut self.linear {
            l.decay(self.decay);
        }
        for p in &mut self.positions {
            p[0] *= self.decay;
            p[1] *= self.decay;
        }
        // Replay the day: each visit's context is what the shopper's profile was when it
        // started (last night's memory and the clicks earlier today).
        let mut today: Vec<ProductId> = Vec::new();
        let mut shopper = None;
        let mut profile: Option<Profile> = None;
        let mut events = log.events().peekable();
        while let Some(e) = events.next() {
            if shopper != Some(e.shopper) {
                shopper = Some(e.shopper);
                today.clear();
            }
            match e.kind {
                EventKind::Visit => {
                    profile = Profile::with(&self.attrs, &self.memory, e.shopper, &today);
                }
                EventKind::Impression if (e.position as usize) < POSITIONS => {
                    let clicked = events.peek().is_some_and(|n| {
                        n.kind == EventKind::Click
                            && n.shopper == e.shopper
                            && n.product == e.product
                    });
                    let r = if clicked { 1.0 } else { 0.0 };
                    let pos = e.position as usize;
                    self.positions[pos][0] += r;
                    self.positions[pos][1] += 1.0;
                    let k = shop.catalog.product(e.product).category;
                    let c = context(profile.as_ref(), k);
                    let w = self.looked_at[pos];
                    let s = &mut self.stats[c.bucket * self.categories + k as usize];
                    s[0] += r;
                    s[1] += w;
                    self.linear[k as usize].observe(&c.x, w, r);
                }
                EventKind::Click | EventKind::Purchase if !today.contains(&e.product) => {
                    today.push(e.product);
                }
                _ => {}
            }
        }
        self.memory.learn(log);
        let rate = |p: &[f32; 2]| (p[0] + 0.1) / (p[1] + 5.0);
        let top = rate(&self.positions[0]);
        for (l, p) in self.looked_at.iter_mut().zip(&self.positions) {
            *l = (rate(p) / top).clamp(0.05, 1.0);
        }
        for l in &mut self.linear {
            l.solve();
        }
        self.update_shortlists(shop.day + 1);
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.memory.remember(log);
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        let names: Vec<&str> = self.shortlist[4]
            .iter()
            .take(3)
            .map(|&k| shop.catalog.categories()[k as usize].name.as_str())
            .collect();
        let looked: Vec<String> = self
            .looked_at
            .iter()
            .take(shop.slate_size.min(4))
            .map(|l| format!("{l:.2}"))
            .collect();
        vec![
            format!(
                "promising categories beyond a shopper's own: {}",
                names.join(", ")
            ),
            format!(
                "estimated looking-at rate by position: {}",
                looked.join(", ")
            ),
        ]
    }
}
