//! Recommenders: choose the slate a shopper sees and the cross-sell on the cart page.
//!
//! | name | what it does |
//! |---|---|
//! | `random` | uniformly random products: the floor |
//! | `popularity` | recency-decayed best sellers, overall or of the shopper's categories |
//! | `item-cf` | neighbours of the shopper's recent products by co-occurrence; bought-together cross-sell |
//! | `user-cf` | what the shopper's most similar shoppers liked |
//! | `content` | products whose category, brand, tags and price band match the shopper's history |
//! | `mf` | implicit-feedback matrix factorization (ALS), retrained nightly |
//! | `hybrid` | a blend of the above with explicit cold start for new shoppers and products |
//! | `bandit` | categories as arms: epsilon-greedy, Thompson sampling or LinUCB |
//!
//! Learning recommenders learn only in the nightly batch, from their own arm's events. They
//! remember a fixed number of interests per shopper (`memory`), precompute what a visit
//! needs (neighbour lists, vectors, ranked lists), and score a visit's candidates in
//! per-thread scratch space (`scratch`), so serving a slate reads arrays and allocates
//! nothing. When they know too little they fall back to best sellers.
//!
//! # The observation boundary
//!
//! A recommender sees a shopper through [`ShopperView`] and the shop through [`Shop`]: what a
//! real shop sees.
//!
//! ```
//! use shoplab::world::Shop;
//! use shoplab::world::ShopperView;
//!
//! fn seen(shop: &Shop, view: &ShopperView) -> (u32, f64) {
//!     (view.history.visits, shop.catalog.product(0).list_price)
//! }
//! ```
//!
//! Hidden traits are not reachable from there: none of these compiles.
//!
//! ```compile_fail
//! use shoplab::world::ShopperView;
//!
//! fn peek(view: &ShopperView) -> f32 {
//!     view.price_sensitivity
//! }
//! ```
//!
//! ```compile_fail
//! use shoplab::world::Shop;
//!
//! fn peek(shop: &Shop) -> f64 {
//!     shop.catalog.quality(0)
//! }
//! ```
//!
//! ```compile_fail
//! use shoplab::world::Shop;
//!
//! fn peek(shop: &Shop) -> f32 {
//!     shop.catalog.latent(0)[0]
//! }
//! ```
//!
//! ```compile_fail
//! use shoplab::world::World;
//!
//! fn peek(world: &World) -> f32 {
//!     world.population().traits(0).price_sensitivity
//! }
//! ```

mod bandit;
mod content;
mod hybrid;
mod item_cf;
mod linalg;
mod memory;
mod mf;
mod popularity;
mod random;
mod scratch;
mod user_cf;

pub use bandit::Bandit;
pub use content::Content;
pub use hybrid::Hybrid;
pub use item_cf::ItemCf;
pub use mf::Mf;
pub use popularity::{Popularity, Scope};
pub use random::RandomRecommender;
pub use user_cf::UserCf;

use super::registry::{Entry, StrategyInfo, StrategySpec};
use crate::rng::SimRng;
use crate::world::{DayLog, EventMask, ProductId, Shop, ShopperView};
use scratch::{with_scores, Scores, CHANNELS};

/// Chooses products to show.
///
/// ```
/// use shoplab::strategy::Recommender;
/// use shoplab::world::Shop;
/// use shoplab::world::{ProductId, ShopperView};
/// use shoplab::rng::SimRng;
///
/// /// Always shows the cheapest products: a strategy needs only a name and a slate.
/// struct Cheapest;
/// impl Recommender for Cheapest {
///     fn name(&self) -> &'static str { "cheapest" }
///     fn recommend(&self, shop: &Shop, _: &ShopperView, _: &mut SimRng, slate: &mut Vec<ProductId>) {
///         let mut ids: Vec<ProductId> = (0..shop.catalog.len() as ProductId).collect();
///         ids.sort_by(|a, b| shop.catalog.product(*a).list_price.total_cmp(&shop.catalog.product(*b).list_price));
///         slate.extend(ids.into_iter().take(shop.slate_size));
///     }
/// }
/// ```
pub trait Recommender: Send + Sync {
    /// Registered name.
    fn name(&self) -> &'static str;

    /// Fills `slate` (empty on entry) with up to `shop.slate_size` distinct products on sale.
    fn recommend(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    );

    /// The best sellers this recommender falls back on, if it keeps any. The default
    /// cross-sell offers their complements.
    fn best_sellers(&self) -> Option<&Popularity> {
        None
    }

    /// Fills `out` (empty on entry) with up to `shop.cross_sell_size` products to offer beside
    /// the `cart`. By default, the best sellers of the cart's complementary categories (none
    /// without best sellers).
    fn cross_sell(
        &self,
        shop: &Shop,
        _shopper: &ShopperView,
        cart: &[ProductId],
        _rng: &mut SimRng,
        out: &mut Vec<ProductId>,
    ) {
        if let Some(best) = self.best_sellers() {
            best.complements(shop, cart, shop.cross_sell_size, out);
        }
    }

    /// Which events the nightly batch should carry for this strategy.
    fn observes(&self) -> EventMask {
        EventMask::NO_IMPRESSIONS
    }

    /// The probability that [`Recommender::recommend`] puts `slate[position]` at
    /// `position` for this shopper: the position-level marginal over the strategy's
    /// randomness (see `world::Policy::propensity`). `None`, the default, where it has no
    /// closed form.
    fn propensity(
        &self,
        _shop: &Shop,
        _shopper: &ShopperView,
        _slate: &[ProductId],
        _position: usize,
    ) -> Option<f64> {
        None
    }

    /// Learns from the arm's events of the day.
    fn learn(&mut self, _shop: &Shop, _log: &DayLog) {}

    /// Serves shoppers it does not learn from (the guests of the in-experiment truth, see
    /// docs/ARCHITECTURE.md): updates only the state kept per shopper for serving (memories,
    /// caps, clocks, balances) from `log`, which holds only such shoppers' events, and never
    /// anything shared across shoppers. The default does nothing, right for a strategy that
    /// keeps no per-shopper state.
    fn remember(&mut self, _shop: &Shop, _log: &DayLog) {}

    /// A few lines on what the strategy has learned, for dashboards and reports.
    fn insights(&self, _shop: &Shop) -> Vec<String> {
        Vec::new()
    }
}

/// Every recommender.
pub static REGISTRY: &[Entry<dyn Recommender>] = &[
    popularity::ENTRY,
    random::ENTRY,
    item_cf::ENTRY,
    mf::ENTRY,
    content::ENTRY,
    user_cf::ENTRY,
    hybrid::ENTRY,
    bandit::ENTRY,
];

/// How a learning recommender's slate is filled: its size, the most products of one category,
/// and the best sellers that fill what its ranking leaves empty.
struct Fill<'a> {
    /// Products in the slate.
    k: usize,
    /// Most products of one category among the ranked ones.
    per_category: usize,
    /// Fill the rest of the slate, and the whole of it for a shopper the model cannot place.
    best_sellers: &'a Popularity,
}

/// Serves a slate the way every learning recommender does. `rank` scores the visit's
/// candidates into this thread's scratch and returns how to value a candidate from its
/// channels (`None`: the model knows nothing of this shopper yet); the best are taken in
/// rank order as [`take_ranked`] does, up to `k`, and best sellers fill the rest.
fn rank_then_fill<V>(
    shop: &Shop,
    shopper: &ShopperView,
    rng: &mut SimRng,
    slate: &mut Vec<ProductId>,
    fill: Fill,
    rank: impl FnOnce(&mut Scores) -> Option<V>,
) where
    V: FnMut(ProductId, &[f32; CHANNELS]) -> f32,
{
    let Fill {
        k,
        per_category,
        best_sellers,
    } = fill;
    with_scores(shop.catalog.len(), |scores| {
        if let Some(value) = rank(scores) {
            // Four slates' worth: room to skip what is not on sale, in the cart or over the
            // category cap.
            scores.rank(4 * shop.slate_size, value);
            take_ranked(shop, shopper, &scores.ranked, k, per_category, slate);
        }
    });
    best_sellers.fill(shop, shopper, rng, k, slate);
}

/// Appends ranked products to `out` until it holds `k`, best first, skipping products not on
/// sale, already in `out` or in the shopper's cart, and any beyond `per_category` of one
/// category.
pub(crate) fn take_ranked(
    shop: &Shop,
    shopper: &ShopperView,
    ranked: &[(f32, ProductId)],
    k: usize,
    per_category: usize,
    out: &mut Vec<ProductId>,
) {
    for &(_, p) in ranked {
        if out.len() >= k {
            return;
        }
        if !shop.on_sale(p)
            || out.contains(&p)
            || shopper.history.cart.iter().any(|l| l.product == p)
        {
            continue;
        }
        let category = shop.catalog.product(p).category;
        let same = out
            .iter()
            .filter(|&&q| shop.catalog.product(q).category == category)
            .count();
        if same < per_category {
            out.push(p);
        }
    }
}

/// Fills `out` up to `k` with distinct random products on sale, skipping those already in
/// `out`. Used for exploration and cold start.
pub(crate) fn fill_random(shop: &Shop, k: usize, rng: &mut SimRng, out: &mut Vec<ProductId>) {
    use rand::Rng;
    let n = shop.catalog.len() as ProductId;
    let target = k.min(n as usize);
    let mut tries = 0;
    while out.len() < target && tries < 20 * k + 20 {
        tries += 1;
        let p = rng.random_range(0..n);
        if shop.on_sale(p) && !out.contains(&p) {
            out.push(p);
        }
    }
}

/// A strategy's registered defaults, for recommenders that build on another's model.
pub(crate) fn defaults(info: &StrategyInfo) -> StrategySpec {
    StrategySpec {
        family: info.family,
        name: info.name,
        params: info.params.iter().map(|p| (p.name, p.default)).collect(),
    }
}
