//! Events: what an arm's shop observes, delivered to its strategies in the nightly batch.

use super::catalog::ProductId;
use super::shopper::ShopperId;

/// Which message campaign a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Campaign {
    /// The regular newsletter.
    Newsletter = 0,
    /// A reminder of an abandoned cart.
    CartReminder = 1,
    /// A win-back or retention offer.
    Offer = 2,
}

/// The channel a message goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Channel {
    /// Email.
    Email = 0,
    /// SMS.
    Sms = 1,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventKind {
    /// A visit started (`product` is [`NO_PRODUCT`]).
    Visit,
    /// A product was shown in the slate (`position` is its rank).
    Impression,
    /// A product was seen through search.
    OrganicView,
    /// A product was clicked.
    Click,
    /// A product was added to the cart.
    AddToCart,
    /// A product was bought (`value` is the unit price paid, `quantity` the units).
    Purchase,
    /// A checkout was abandoned (`value` is the cart total).
    Abandon,
    /// A message was sent (`position` is the campaign, `quantity` the channel).
    MessageSent,
    /// A message was opened.
    MessageOpened,
    /// A message was clicked.
    MessageClicked,
    /// The shopper unsubscribed.
    Unsubscribe,
}

impl EventKind {
    /// This kind as a one-bit mask.
    pub const fn bit(self) -> EventMask {
        EventMask(1 << self as u16)
    }
}

/// A set of event kinds a strategy wants to observe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventMask(pub u16);

impl EventMask {
    /// No events.
    pub const NONE: EventMask = EventMask(0);
    /// Every kind, impressions included (they are the most numerous).
    pub const ALL: EventMask = EventMask(u16::MAX);
    /// Every kind but impressions.
    pub const NO_IMPRESSIONS: EventMask = EventMask(!(1 << EventKind::Impression as u16));

    /// Union of two masks.
    pub const fn with(self, other: EventMask) -> EventMask {
        EventMask(self.0 | other.0)
    }

    /// Whether `kind` is in the mask.
    pub const fn has(self, kind: EventKind) -> bool {
        self.0 & (1 << kind as u16) != 0
    }
}

/// Marks events that concern no product.
pub const NO_PRODUCT: ProductId = ProductId::MAX;

/// One observed event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Who.
    pub shopper: ShopperId,
    /// Which product, or [`NO_PRODUCT`].
    pub product: ProductId,
    /// Day.
    pub day: u32,
    /// Hour of day.
    pub hour: u8,
    /// What happened.
    pub kind: EventKind,
    /// Slate rank for impressions, campaign for messages.
    pub position: u8,
    /// Units for purchases, channel for messages.
    pub quantity: u16,
    /// Unit price for purchases, cart total for abandonments.
    pub value: f32,
}

/// The events of one arm on one day, in a fixed order (by shopper, then time).
///
/// The log is kept in parts, each the events of a run of whole shoppers, as the engine's
/// parallel chunks recorded them: the nightly batch reads them where they were written
/// instead of copying every event into one vector first.
#[derive(Debug, Clone, Default)]
pub struct DayLog {
    /// Day.
    pub day: u32,
    parts: Vec<Vec<Event>>,
}

impl DayLog {
    /// A log of one part.
    pub fn new(day: u32, events: Vec<Event>) -> Self {
        DayLog {
            day,
            parts: vec![events],
        }
    }

    /// A log from parts in order; each part holds whole shoppers.
    pub fn from_parts(day: u32, parts: Vec<Vec<Event>>) -> Self {
        DayLog { day, parts }
    }

    /// The parts back, to reuse their buffers.
    pub fn into_parts(self) -> Vec<Vec<Event>> {
        self.parts
    }

    /// Every event, in order.
    pub fn events(&self) -> impl Iterator<Item = &Event> + Clone {
        self.parts.iter().flatten()
    }
}
