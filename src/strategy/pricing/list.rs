//! `list`: everyone pays the list price.

use super::Pricing;
use crate::strategy::registry::{Entry, Family, StrategyInfo};
use crate::world::{ProductInfo, Shop, ShopperView};

pub(super) const ENTRY: Entry<dyn Pricing> = Entry {
    info: StrategyInfo {
        family: Family::Pricing,
        name: "list",
        learns: false,
        summary: "the list price for everyone",
        params: &[],
    },
    build: |_, _| Box::new(ListPrice),
};

/// The list price for everyone, guests (shoppers served but not learned from) included.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListPrice;

impl Pricing for ListPrice {
    fn name(&self) -> &'static str {
        "list"
    }

    fn price(&self, _: &Shop, _: &ShopperView, product: &ProductInfo) -> f64 {
        product.list_price
    }
}
