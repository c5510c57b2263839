//! What a learning recommender remembers of each shopper: the most recent products they
//! interacted with, and how strongly, rebuilt from its own arm's nightly logs.
//!
//! The live [`History::recent`](crate::world::History) holds the last clicks and purchases;
//! this memory is longer, weighs carts and purchases above clicks, and also keeps what a
//! shopper looked at through search (organic views), which tells the shop which categories a
//! shopper browses even before the first click. Its size is fixed per shopper, so memory
//! grows with the population, never with the number of events.

use crate::world::{Event, EventKind, ProductId, ShopperId, NO_PRODUCT};

/// Products remembered per shopper.
pub(super) const SLOTS: usize = 16;

/// How much an event says about a shopper's interest in its product, or `None` for events
/// that concern no product or say nothing about interest.
///
/// A search view is weak evidence (the shopper chose the category, not the product); a click
/// is the unit; a cart and a purchase add to the click that preceded them.
pub(super) fn interest(e: &Event) -> Option<f32> {
    if e.product == NO_PRODUCT {
        return None;
    }
    match e.kind {
        EventKind::OrganicView => Some(0.3),
        EventKind::Click => Some(1.0),
        EventKind::AddToCart => Some(1.0),
        EventKind::Purchase => Some(2.0),
        _ => None,
    }
}

/// Recent products per shopper with interest weights, oldest first.
#[derive(Debug, Clone)]
pub(super) struct Memory {
    items: Vec<ProductId>,
    weights: Vec<f32>,
    len: Vec<u8>,
}

impl Memory {
    /// An empty memory for `population` shoppers.
    pub fn new(population: u32) -> Self {
        let n = population as usize;
        Memory {
            items: vec![NO_PRODUCT; n * SLOTS],
            weights: vec![0.0; n * SLOTS],
            len: vec![0; n],
        }
    }

    /// Products and weights remembered for a shopper, oldest first. Empty for an id outside
    /// the population.
    pub fn of(&self, shopper: ShopperId) -> (&[ProductId], &[f32]) {
        let s = shopper as usize;
        let Some(&len) = self.len.get(s) else {
            return (&[], &[]);
        };
        let range = s * SLOTS..s * SLOTS + len as usize;
        (&self.items[range.clone()], &self.weights[range])
    }

    /// Whether nothing is remembered of a shopper.
    pub fn is_empty(&self, shopper: ShopperId) -> bool {
        self.len.get(shopper as usize).is_none_or(|&l| l == 0)
    }

    /// Records interest `w` in `product`: it becomes the newest item, its weight grows, and
    /// the oldest item makes room when the memory is full.
    pub fn touch(&mut self, shopper: ShopperId, product: ProductId, w: f32) {
        let s = shopper as usize;
        if s >= self.len.len() {
            return;
        }
        let base = s * SLOTS;
        let len = self.len[s] as usize;
        let items = &mut self.items[base..base + SLOTS];
        let weights = &mut self.weights[base..base + SLOTS];
        let (from, weight) = match items[..len].iter().position(|&p| p == product) {
            Some(i) => (i, weights[i] + w),
            None if len < SLOTS => {
                self.len[s] += 1;
                (len, w)
            }
            None => (0, w),
        };
        let last = (self.len[s] as usize) - 1;
        items.copy_within(from + 1..=last, from);
        weights.copy_within(from + 1..=last, from);
        items[last] = product;
        weights[last] = weight;
    }

    /// Adds every interest event of a log, in the log's order.
    pub fn learn(&mut self, events: &[Event]) {
        for e in events {
            if let Some(w) = interest(e) {
                self.touch(e.shopper, e.product, w);
            }
        }
    }

    /// Shoppers in the population.
    pub fn population(&self) -> usize {
        self.len.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_last_weights_accumulate_oldest_evicted() {
        let mut m = Memory::new(2);
        m.touch(1, 10, 1.0);
        m.touch(1, 11, 1.0);
        m.touch(1, 10, 2.0);
        assert_eq!(m.of(1), (&[11, 10][..], &[1.0, 3.0][..]));
        for p in 0..SLOTS as ProductId {
            m.touch(1, 100 + p, 1.0);
        }
        let (items, _) = m.of(1);
        assert_eq!(items.len(), SLOTS);
        assert_eq!(items[0], 100);
        assert_eq!(items[SLOTS - 1], 100 + SLOTS as ProductId - 1);
        assert!(m.is_empty(0));
        assert!(m.of(7).0.is_empty());
        m.touch(7, 1, 1.0);
    }
}
