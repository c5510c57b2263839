//! `random`: products drawn uniformly from the catalog; the floor every recommender must beat.
//! It keeps no state, so it serves guests (shoppers it does not learn from) as anyone else.

use super::{fill_random, Recommender};
use crate::rng::SimRng;
use crate::strategy::registry::{Entry, Family, StrategyInfo};
use crate::world::{ProductId, Shop, ShopperView};
use rand::Rng;

pub(super) const ENTRY: Entry<dyn Recommender> = Entry {
    info: StrategyInfo {
        family: Family::Recommender,
        name: "random",
        learns: false,
        summary: "uniformly random products on sale; random complements for cross-sell",
        params: &[],
    },
    build: |_, _| Box::new(RandomRecommender),
};

/// Uniformly random products.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomRecommender;

impl Recommender for RandomRecommender {
    fn name(&self) -> &'static str {
        "random"
    }

    fn recommend(
        &self,
        shop: &Shop,
        _: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    ) {
        fill_random(shop, shop.slate_size, rng, slate);
    }

    /// `fill_random` draws uniformly, with rejection, from the products on sale until the
    /// slate holds `k` distinct ones: a uniform sample without replacement, so every
    /// product on sale is at any given position with probability 1 / (products on sale).
    /// Exact while the draw's cap of 20k + 20 tries is not reached, which needs fewer than
    /// about a twentieth of the catalog on sale.
    fn propensity(
        &self,
        shop: &Shop,
        _: &ShopperView,
        slate: &[ProductId],
        position: usize,
    ) -> Option<f64> {
        let on_sale = shop.catalog.on_sale_count(shop.day);
        (position < slate.len() && on_sale > 0).then(|| 1.0 / on_sale as f64)
    }

    fn cross_sell(
        &self,
        shop: &Shop,
        _: &ShopperView,
        cart: &[ProductId],
        rng: &mut SimRng,
        out: &mut Vec<ProductId>,
    ) {
        let Some(&first) = cart.first() else { return };
        let category = &shop.catalog.categories()[shop.catalog.product(first).category as usize];
        for &c in category.complements.iter().take(shop.cross_sell_size) {
            let products = &shop.catalog.categories()[c as usize].products;
            let p = products[rng.random_range(0..products.len())];
            if shop.on_sale(p) && !out.contains(&p) && !cart.contains(&p) {
                out.push(p);
            }
        }
    }
}
