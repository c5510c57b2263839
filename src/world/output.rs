//! What a chunk of shopper-days produces: the day's counts, the events the arm's strategies
//! observe, and buffers reused from visit to visit.

use super::catalog::ProductId;
use super::counts::Counts;
use super::events::{Event, EventKind, EventMask, NO_PRODUCT};
use super::policy::{Due, Message};
use super::record::{Recording, Records};
use super::shopper::ShopperId;

/// Slate position of a product shown on the cart page (cross-sell) rather than in a slate.
pub(in crate::world) const CROSS_SELL_POSITION: u8 = u8::MAX;

/// What a chunk of shopper-days produces: counts, observed events and reusable buffers.
#[derive(Debug, Default)]
pub struct DayOutput {
    /// Counts of the day.
    pub counts: Counts,
    /// Observed events, in shopper order.
    pub events: Vec<Event>,
    /// Orders and impressions, where the day's context asks for them.
    pub records: Records,
    /// The shopper-day being recorded.
    stamp: Stamp,
    pub(in crate::world) slate: Vec<ProductId>,
    pub(in crate::world) extra: Vec<ProductId>,
    pub(in crate::world) cart_ids: Vec<ProductId>,
    pub(in crate::world) due: Vec<Due>,
    pub(in crate::world) messages: Vec<Message>,
}

/// Who and which day the events being recorded belong to, and which kinds are kept.
#[derive(Debug, Clone, Copy, Default)]
struct Stamp {
    observes: EventMask,
    shopper: ShopperId,
    day: u32,
}

impl DayOutput {
    /// Empties the output for another day, keeping its buffers.
    pub fn clear(&mut self) {
        self.counts = Counts::default();
        self.events.clear();
        self.records.clear();
    }

    /// Starts recording the day of `shopper`: the events that follow are theirs, on `day`,
    /// only the kinds in `observes` are kept, and the records `recording` asks for.
    pub(in crate::world) fn start(
        &mut self,
        observes: EventMask,
        recording: Recording,
        shopper: ShopperId,
        day: u32,
    ) {
        self.stamp = Stamp {
            observes,
            shopper,
            day,
        };
        self.records.recording = recording;
    }

    /// A visit started.
    pub(in crate::world) fn visit(&mut self, hour: u8) {
        self.record(EventKind::Visit, hour, NO_PRODUCT, 0, 0, 0.0);
    }

    /// A product was shown at `position` of the slate (or at [`CROSS_SELL_POSITION`]).
    pub(in crate::world) fn impression(&mut self, hour: u8, product: ProductId, position: u8) {
        self.record(EventKind::Impression, hour, product, position, 0, 0.0);
    }

    /// A product was seen through search.
    pub(in crate::world) fn organic_view(&mut self, hour: u8, product: ProductId) {
        self.record(EventKind::OrganicView, hour, product, 0, 0, 0.0);
    }

    /// A product offered at `price` was clicked.
    pub(in crate::world) fn click(&mut self, hour: u8, product: ProductId, price: f64) {
        self.record(EventKind::Click, hour, product, 0, 0, price);
    }

    /// `quantity` units offered at `price` went into the cart.
    pub(in crate::world) fn add_to_cart(
        &mut self,
        hour: u8,
        product: ProductId,
        quantity: u16,
        price: f64,
    ) {
        self.record(EventKind::AddToCart, hour, product, 0, quantity, price);
    }

    /// `quantity` units were bought at `paid` each.
    pub(in crate::world) fn purchase(
        &mut self,
        hour: u8,
        product: ProductId,
        quantity: u16,
        paid: f64,
    ) {
        self.record(EventKind::Purchase, hour, product, 0, quantity, paid);
    }

    /// A checkout of `lines` cart lines worth `total` was abandoned.
    pub(in crate::world) fn abandon(&mut self, hour: u8, lines: u16, total: f64) {
        self.record(EventKind::Abandon, hour, NO_PRODUCT, 0, lines, total);
    }

    /// Something happened to a message (sent, opened, clicked, an unsubscribe); `value` is
    /// the cost of a message sent.
    pub(in crate::world) fn message(&mut self, kind: EventKind, hour: u8, m: &Message, value: f64) {
        let (campaign, channel) = (m.campaign as u8, m.channel as u16);
        self.record(kind, hour, NO_PRODUCT, campaign, channel, value);
    }

    /// Records an event of the current shopper-day if the arm's strategies observe its kind.
    fn record(
        &mut self,
        kind: EventKind,
        hour: u8,
        product: ProductId,
        position: u8,
        quantity: u16,
        value: f64,
    ) {
        let Stamp {
            observes,
            shopper,
            day,
        } = self.stamp;
        if observes.has(kind) {
            self.events.push(Event {
                shopper,
                product,
                day,
                hour,
                kind,
                position,
                quantity,
                value: value as f32,
            });
        }
    }
}
