//! What the world records of a day when asked, beyond its counts and the events a shop
//! observes: every order, and every impression with what became of it and the ground truth
//! behind it (the probability of a look and of a click). Exports ask for these; a run that
//! does not ask pays one branch per impression and per order.

use super::catalog::ProductId;
use super::output::DayOutput;
use super::shopper::ShopperId;

/// Which records a day keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recording {
    /// Every order.
    pub orders: bool,
    /// Every impression (slate and cross-sell).
    pub impressions: bool,
}

impl Recording {
    /// Nothing beyond counts and observed events.
    pub const NONE: Recording = Recording {
        orders: false,
        impressions: false,
    };
}

/// An order, as the shop books it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderRecord {
    /// Who ordered.
    pub shopper: ShopperId,
    /// Day.
    pub day: u32,
    /// Hour of day.
    pub hour: u8,
    /// What the shopper paid: after codes and loyalty rewards.
    pub revenue: f64,
    /// What the order earned: revenue less unit costs and the loyalty points it earned
    /// (message costs are the shopper's, not an order's).
    pub margin: f64,
    /// Units bought.
    pub units: u32,
    /// Distinct products bought.
    pub lines: u16,
}

/// A product shown to a shopper, what came of it, and the world's probabilities behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpressionRecord {
    /// Who saw it.
    pub shopper: ShopperId,
    /// Day.
    pub day: u32,
    /// Hour of day.
    pub hour: u8,
    /// The visit's number that day (0 for the first): a slate is (day, shopper, visit).
    pub visit: u32,
    /// Rank in its list, 0 for the first.
    pub position: u8,
    /// Shown on the cart page (cross-sell) rather than in the slate.
    pub cross_sell: bool,
    /// The product.
    pub product: ProductId,
    /// The unit price the shop offered this shopper.
    pub price: f64,
    /// The shopper looked at it.
    pub examined: bool,
    /// The shopper clicked it.
    pub clicked: bool,
    /// The shopper put it in the cart from this impression.
    pub carted: bool,
    /// Put in the cart from this impression and bought at this visit's checkout.
    pub bought: bool,
    /// The probability that the policy showed this product at this position, where it can
    /// say (see `Policy::propensity`).
    pub propensity: Option<f64>,
    /// The probability that the shopper looks at this position.
    pub examine_probability: f64,
    /// The probability that the shopper clicks the product once looking at it.
    pub click_probability: f64,
}

/// A day's records of a run of shoppers, in shopper order, then time.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Which kinds are kept today.
    pub(in crate::world) recording: Recording,
    /// Orders.
    pub orders: Vec<OrderRecord>,
    /// Impressions.
    pub impressions: Vec<ImpressionRecord>,
    /// The propensities of the slate being shown, asked once per visit.
    pub(in crate::world) propensities: Vec<Option<f64>>,
}

impl Records {
    /// Empties the records for another day, keeping their buffers.
    pub fn clear(&mut self) {
        self.orders.clear();
        self.impressions.clear();
    }

    /// Whether impressions are being recorded.
    pub(in crate::world) fn impressions_on(&self) -> bool {
        self.recording.impressions
    }

    /// A visit's checkout bought its cart: the visit's impressions (those from `first` on)
    /// that put a product in the cart were bought.
    pub(in crate::world) fn bought(&mut self, first: usize) {
        for r in &mut self.impressions[first..] {
            r.bought = r.carted;
        }
    }
}

/// Takes what the world recorded of each arm's day: the engine asks it which records to
/// keep, simulates the day, and hands it every arm's outputs (an export writes them out).
pub trait Recorder {
    /// Which records the world keeps.
    fn recording(&self) -> Recording;

    /// The outputs of arm `arm` (its index in the scenario) after a day, chunk by chunk in
    /// shopper order; their `records` hold what [`Recorder::recording`] asked for.
    fn record(&mut self, arm: usize, parts: &[DayOutput]);
}
