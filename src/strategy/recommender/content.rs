//! `content`: matches products' observable attributes (category, brand, tags, price band)
//! to the attributes of what a shopper interacted with.
//!
//! A visit builds the shopper's attribute profile from the nightly memory and today's
//! clicks, then scores the best sellers and the new arrivals of the shopper's categories
//! and the overall best sellers: attribute match first, with a small popularity prior.
//! Because it needs no interactions with a product itself, it can recommend a product the
//! day it launches, which is why the hybrid uses it for new products.
//!
//! A guest (a shopper served but not learned from) is remembered as a learner is, so their
//! profile, and their slate, is exactly a learner's with the same events; their events never
//! reach the best sellers.

use super::memory::Memory;
use super::popularity::{Popularity, Scope};
use super::scratch::{Scores, CHANNELS};
use super::{rank_then_fill, Fill, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{
    Catalog, CategoryId, DayLog, ProductId, ProductInfo, Shop, ShopperId, ShopperView,
};

/// Price bands: log price against the category's reference price, cut at these points.
const BAND_CUTS: [f64; 4] = [-0.45, -0.15, 0.15, 0.45];
/// Number of price bands.
const BANDS: usize = BAND_CUTS.len() + 1;
/// Distinct categories and brands a profile keeps (a memory holds at most this many items
/// plus today's clicks).
const PROFILE: usize = 24;
/// Observable tags (a `u16` bit set).
const TAGS: usize = u16::BITS as usize;
/// Categories of a profile whose products a visit scores.
const CATEGORIES: usize = 3;
/// Best sellers of a category that a visit scores.
const CATEGORY_POOL: usize = 16;
/// Best sellers overall that a visit scores.
const GLOBAL_POOL: usize = 16;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "content",
        learns: true,
        summary:
            "content-based: category, brand, tags and price band matched to the shopper's history",
        params: &[
            Param::number(
                "category_weight",
                1.0,
                0.0,
                10.0,
                "weight of a category match",
            ),
            Param::number("brand_weight", 0.5, 0.0, 10.0, "weight of a brand match"),
            Param::number("tag_weight", 0.5, 0.0, 10.0, "weight of shared tags"),
            Param::number(
                "price_weight",
                0.3,
                0.0,
                10.0,
                "weight of a price-band match",
            ),
            Param::number(
                "popularity_weight",
                1.0,
                0.0,
                10.0,
                "weight of the product's popularity",
            ),
            Param::integer(
                "new_days",
                14.0,
                0.0,
                365.0,
                "products launched this recently are scored even before anyone touched them",
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
    build: |spec, ctx| Box::new(Content::new(spec, ctx)),
};

/// The price band of a product within its category.
fn price_band(catalog: &Catalog, info: &ProductInfo) -> usize {
    let reference = catalog.categories()[info.category as usize].reference_price;
    let x = (info.list_price / reference).ln();
    BAND_CUTS.iter().take_while(|&&cut| x > cut).count()
}

/// A product's observable attributes in the compact form profiles match against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Attr {
    pub category: CategoryId,
    pub brand: u16,
    pub tags: u16,
    pub band: u8,
}

/// Every product's [`Attr`], computed once: the catalog's attributes never change.
#[derive(Debug, Clone)]
pub(super) struct Attributes(Vec<Attr>);

impl Attributes {
    pub fn new(catalog: &Catalog) -> Self {
        Attributes(
            catalog
                .products()
                .iter()
                .map(|info| Attr {
                    category: info.category,
                    brand: info.brand,
                    tags: info.tags,
                    band: price_band(catalog, info) as u8,
                })
                .collect(),
        )
    }

    #[inline]
    pub fn of(&self, p: ProductId) -> Attr {
        self.0[p as usize]
    }
}

/// How much each attribute match counts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Weights {
    pub category: f32,
    pub brand: f32,
    pub tag: f32,
    pub price: f32,
    pub popularity: f32,
}

/// A shopper's attribute profile: interest shares per category, brand, tag and price band.
#[derive(Debug, Clone)]
pub(super) struct Profile {
    categories: [(CategoryId, f32); PROFILE],
    n_categories: usize,
    brands: [(u16, f32); PROFILE],
    n_brands: usize,
    tags: [f32; TAGS],
    bands: [f32; BANDS],
}

impl Profile {
    /// The profile of the shopper's remembered interests and today's clicks, or `None` when
    /// nothing is known of them.
    pub fn of(attrs: &Attributes, memory: &Memory, shopper: &ShopperView) -> Option<Profile> {
        Profile::with(attrs, memory, shopper.id, &shopper.history.recent)
    }

    /// The profile of a shopper's remembered interests and of `recent` products (counted as
    /// clicks where the memory lacks them).
    pub fn with(
        attrs: &Attributes,
        memory: &Memory,
        shopper: ShopperId,
        recent: &[ProductId],
    ) -> Option<Profile> {
        let mut p = Profile {
            categories: [(0, 0.0); PROFILE],
            n_categories: 0,
            brands: [(0, 0.0); PROFILE],
            n_brands: 0,
            tags: [0.0; TAGS],
            bands: [0.0; BANDS],
        };
        let (items, weights) = memory.of(shopper);
        let fresh = recent
            .iter()
            .filter(|p| !items.contains(p))
            .map(|&p| (p, 1.0));
        let mut total = 0.0;
        for (item, w) in items
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .chain(fresh)
        {
            let a = attrs.of(item);
            total += w;
            p.add_category(a.category, w);
            p.add_brand(a.brand, w);
            let share = w / a.tags.count_ones().max(1) as f32;
            let mut tags = a.tags;
            while tags != 0 {
                p.tags[tags.trailing_zeros() as usize] += share;
                tags &= tags - 1;
            }
            p.bands[a.band as usize] += w;
        }
        if total <= 0.0 {
            return None;
        }
        for c in &mut p.categories[..p.n_categories] {
            c.1 /= total;
        }
        for b in &mut p.brands[..p.n_brands] {
            b.1 /= total;
        }
        p.tags.iter_mut().for_each(|t| *t /= total);
        p.bands.iter_mut().for_each(|b| *b /= total);
        // Strongest categories first, ties by id.
        p.categories[..p.n_categories]
            .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Some(p)
    }

    fn add_category(&mut self, c: CategoryId, w: f32) {
        match self.categories[..self.n_categories]
            .iter_mut()
            .find(|e| e.0 == c)
        {
            Some(e) => e.1 += w,
            None if self.n_categories < PROFILE => {
                self.categories[self.n_categories] = (c, w);
                self.n_categories += 1;
            }
            None => {}
        }
    }

    fn add_brand(&mut self, b: u16, w: f32) {
        match self.brands[..self.n_brands].iter_mut().find(|e| e.0 == b) {
            Some(e) => e.1 += w,
            None if self.n_brands < PROFILE => {
                self.brands[self.n_brands] = (b, w);
                self.n_brands += 1;
            }
            None => {}
        }
    }

    /// A category's rank in the profile (0 = strongest) and its share of the interest.
    pub fn category_rank(&self, c: CategoryId) -> Option<(usize, f32)> {
        self.categories[..self.n_categories]
            .iter()
            .position(|e| e.0 == c)
            .map(|i| (i, self.categories[i].1))
    }

    /// The profile's categories, strongest first.
    pub fn categories(&self) -> impl Iterator<Item = CategoryId> + '_ {
        self.categories[..self.n_categories].iter().map(|c| c.0)
    }

    /// How well a product's attributes match the profile, without popularity.
    #[inline]
    pub fn match_score(&self, weights: &Weights, a: Attr) -> f32 {
        let category = self.categories[..self.n_categories]
            .iter()
            .find(|c| c.0 == a.category)
            .map_or(0.0, |c| c.1);
        let brand = self.brands[..self.n_brands]
            .iter()
            .find(|b| b.0 == a.brand)
            .map_or(0.0, |b| b.1);
        let mut tags = 0.0;
        let mut bits = a.tags;
        while bits != 0 {
            tags += self.tags[bits.trailing_zeros() as usize];
            bits &= bits - 1;
        }
        let tags = tags / a.tags.count_ones().max(1) as f32;
        let band = self.bands[a.band as usize];
        weights.category * category
            + weights.brand * brand
            + weights.tag * tags
            + weights.price * band
    }
}

/// Products launched recently, per category, newest first: the ones collaborative methods
/// cannot see yet.
#[derive(Debug, Clone, Default)]
pub(super) struct NewArrivals {
    by_category: Vec<Vec<ProductId>>,
}

impl NewArrivals {
    /// Products on sale on `day` that launched within the last `days` days.
    pub fn update(&mut self, catalog: &Catalog, day: u32, days: u32) {
        self.by_category
            .resize(catalog.categories().len(), Vec::new());
        for (k, list) in self.by_category.iter_mut().enumerate() {
            list.clear();
            if days == 0 {
                continue;
            }
            list.extend(
                catalog.categories()[k]
                    .products
                    .iter()
                    .copied()
                    .filter(|&p| {
                        let launch = catalog.product(p).launch_day;
                        launch > 0 && launch <= day && launch + days > day
                    }),
            );
            list.sort_by_key(|&p| (std::cmp::Reverse(catalog.product(p).launch_day), p));
        }
    }

    /// New products of a category, newest first.
    pub fn of(&self, category: CategoryId) -> &[ProductId] {
        self.by_category
            .get(category as usize)
            .map_or(&[], |v| v.as_slice())
    }
}

/// Scores the candidates of a profile into `channel`: best sellers and new arrivals of the
/// profile's strongest categories, and the overall best sellers. Shared with the hybrid.
pub(super) fn score_content(
    attrs: &Attributes,
    profile: &Profile,
    weights: &Weights,
    popularity: &Popularity,
    arrivals: &NewArrivals,
    scores: &mut Scores,
    channel: usize,
) {
    let score = |scores: &mut Scores, p: ProductId| {
        if !scores.contains(p) {
            let s = profile.match_score(weights, attrs.of(p))
                + weights.popularity * popularity.prior(p);
            scores.add(p, channel, s);
        }
    };
    for k in profile.categories().take(CATEGORIES) {
        for &p in arrivals.of(k) {
            score(scores, p);
        }
        let pool = popularity.top_of(k);
        for &p in &pool[..pool.len().min(CATEGORY_POOL)] {
            score(scores, p);
        }
    }
    let top = popularity.top();
    for &p in &top[..top.len().min(GLOBAL_POOL)] {
        score(scores, p);
    }
}

/// Content-based recommendations.
#[derive(Debug, Clone)]
pub struct Content {
    weights: Weights,
    new_days: u32,
    per_category: usize,
    attrs: Attributes,
    memory: Memory,
    popularity: Popularity,
    arrivals: NewArrivals,
}

impl Content {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let mut arrivals = NewArrivals::default();
        let new_days = spec.param("new_days") as u32;
        arrivals.update(ctx.catalog, 0, new_days);
        Content {
            weights: Weights {
                category: spec.param("category_weight") as f32,
                brand: spec.param("brand_weight") as f32,
                tag: spec.param("tag_weight") as f32,
                price: spec.param("price_weight") as f32,
                popularity: spec.param("popularity_weight") as f32,
            },
            new_days,
            per_category: spec.param("per_category") as usize,
            attrs: Attributes::new(ctx.catalog),
            memory: Memory::new(ctx.population),
            popularity: Popularity::fallback(ctx, Scope::Category),
            arrivals,
        }
    }
}

impl Recommender for Content {
    fn name(&self) -> &'static str {
        "content"
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
            let profile = Profile::of(&self.attrs, &self.memory, shopper)?;
            score_content(
                &self.attrs,
                &profile,
                &self.weights,
                &self.popularity,
                &self.arrivals,
                scores,
                0,
            );
            Some(|_, c: &[f32; CHANNELS]| c[0])
        });
    }

    fn best_sellers(&self) -> Option<&Popularity> {
        Some(&self.popularity)
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        self.popularity.learn(shop, log);
        self.memory.learn(log);
        self.arrivals
            .update(shop.catalog, shop.day + 1, self.new_days);
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.memory.remember(log);
    }

    fn insights(&self, shop: &Shop) -> Vec<String> {
        let new: usize = (0..shop.catalog.categories().len())
            .map(|k| self.arrivals.of(k as CategoryId).len())
            .sum();
        vec![format!("{new} new products in the running")]
    }
}
