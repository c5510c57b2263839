//! The world's port to the shop's decisions: what a visit and the message pass ask of the
//! arm's strategies, and the view of the shop they answer from.
//!
//! The world defines this port and calls nothing else of the layer above it;
//! `strategy::Strategies` implements it by asking its four family strategies. Everything
//! that crosses it is observable (docs/ARCHITECTURE.md §4): [`Shop`] holds the catalog's
//! observable attributes, [`ShopperView`] a shopper's observable profile and history.

use super::catalog::{Catalog, ProductId, ProductInfo};
use super::events::{Campaign, Channel, EventMask};
use super::shopper::{Loyalty, Offer, ShopperView};
use crate::rng::SimRng;

/// The observable shop on a given day, as strategies see it.
#[derive(Debug, Clone, Copy)]
pub struct Shop<'a> {
    /// Today.
    pub day: u32,
    /// Days in the horizon.
    pub days: u32,
    /// The catalog (observable attributes only).
    pub catalog: &'a Catalog,
    /// Products in a recommendation slate.
    pub slate_size: usize,
    /// Products offered on the cart page.
    pub cross_sell_size: usize,
    /// Names of the observable segments, indexed by segment.
    pub segments: &'a [String],
    /// Shoppers in the population; shopper ids are below this.
    pub population: u32,
}

impl Shop<'_> {
    /// Whether a product is on sale today.
    pub fn on_sale(&self, product: ProductId) -> bool {
        self.catalog.product(product).launch_day <= self.day
    }
}

/// A message due today, before timing: its campaign and any offer it carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due {
    /// Campaign.
    pub campaign: Campaign,
    /// Offer carried, for retention messages.
    pub offer: Option<Offer>,
}

/// A message scheduled for today.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message {
    /// Campaign.
    pub campaign: Campaign,
    /// Channel.
    pub channel: Channel,
    /// Hour of day (0–23) it is sent.
    pub hour: u8,
    /// Offer carried.
    pub offer: Option<Offer>,
}

/// What the shop decides for a shopper during a day. The world asks for these decisions
/// and turns them into shopper behaviour; it never learns how they were made.
///
/// Read-only during the day (the shoppers of a day are simulated in parallel); learning
/// happens between days, outside the world.
pub trait Policy: Sync {
    /// Fills `slate` (empty on entry) with products to show, best first; the world shows
    /// the first `shop.slate_size`.
    fn slate(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        rng: &mut SimRng,
        slate: &mut Vec<ProductId>,
    );

    /// Fills `out` (empty on entry) with products to offer on the cart page beside `cart`;
    /// the world shows the first `shop.cross_sell_size`.
    fn cross_sell(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        cart: &[ProductId],
        rng: &mut SimRng,
        out: &mut Vec<ProductId>,
    );

    /// The unit price offered to `shopper` for `product` today.
    fn price(&self, shop: &Shop, shopper: &ShopperView, product: &ProductInfo) -> f64;

    /// A discount code shown to `shopper` as a visit starts, when they hold no other offer.
    fn promo(&self, shop: &Shop, shopper: &ShopperView) -> Option<Offer>;

    /// A retention offer to send `shopper` today, if any.
    fn offer(&self, shop: &Shop, shopper: &ShopperView, rng: &mut SimRng) -> Option<Offer>;

    /// The loyalty programme the shop runs, if any: a constant of the policy.
    fn loyalty(&self) -> Option<Loyalty>;

    /// Schedules today's messages for a subscribed `shopper` from the campaigns `due`,
    /// pushing them into `out`; a due message left out is not sent.
    fn schedule(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        due: &[Due],
        rng: &mut SimRng,
        out: &mut Vec<Message>,
    );

    /// The events the shop records for its nightly learning; others are not kept.
    fn observes(&self) -> EventMask;

    /// The probability that the policy, serving `shopper`, puts `slate[position]` at
    /// `position` of a slate: the position-level marginal over the policy's randomness,
    /// not the probability of the whole slate. `None` where the policy cannot say (a
    /// deterministic ranking, or a draw whose probability has no closed form). Asked only
    /// when an export records impressions (the propensities of an off-policy log).
    fn propensity(
        &self,
        _shop: &Shop,
        _shopper: &ShopperView,
        _slate: &[ProductId],
        _position: usize,
    ) -> Option<f64> {
        None
    }
}
