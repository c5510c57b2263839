//! What a learning recommender remembers of each shopper: the most recent products they
//! interacted with, and how strongly, rebuilt from its own arm's nightly logs.
//!
//! The live [`History::recent`](crate::world::History) holds the last clicks and purchases;
//! this memory is longer, weighs carts and purchases above clicks, and also keeps what a
//! shopper looked at through search (organic views), which tells the shop which categories a
//! shopper browses even before the first click. Its size is fixed per shopper it has met
//! (plus a 4-byte index entry per shopper of the population), so memory grows with the
//! shoppers the arm sees, never with the number of events.
//!
//! It also remembers guests, shoppers the recommender serves without learning from them
//! (the in-experiment truth's shadow population): their interests are kept exactly as a
//! learner's, so a guest is served from what they did, but models that sum over shoppers
//! see the learners only ([`Memory::by_shopper`]).

use crate::world::{DayLog, Event, EventKind, ProductId, ShopperId, NO_PRODUCT};

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
///
/// An arm meets only its own share of the population, and a shopper who never shows
/// interest is never remembered, so the slots are allocated per shopper on their first
/// interest event: the memory grows with the shoppers the arm has seen. Each remembered
/// shopper gets a dense index, in the order first met, which models keep their own
/// per-shopper state by. Learners and guests share the indices; a flag per index tells them
/// apart.
#[derive(Debug, Clone)]
pub(super) struct Memory {
    /// Dense index plus one of each shopper of the population, 0 for one not met yet. Zeroed
    /// at allocation, so the pages of shoppers the arm never meets are never touched.
    index: Vec<u32>,
    items: Vec<ProductId>,
    weights: Vec<f32>,
    len: Vec<u8>,
    /// Whether each dense index is a guest's.
    guest: Vec<bool>,
    guests: usize,
}

impl Memory {
    /// An empty memory for a population of `population` shoppers.
    pub fn new(population: u32) -> Self {
        Memory {
            index: vec![0; population as usize],
            items: Vec::new(),
            weights: Vec::new(),
            len: Vec::new(),
            guest: Vec::new(),
            guests: 0,
        }
    }

    /// The dense index of a remembered shopper.
    #[inline]
    pub fn index(&self, shopper: ShopperId) -> Option<usize> {
        match self.index.get(shopper as usize) {
            Some(&i) if i > 0 => Some(i as usize - 1),
            _ => None,
        }
    }

    /// Products and weights remembered for a shopper, oldest first. Empty for a shopper not
    /// remembered.
    #[inline]
    pub fn of(&self, shopper: ShopperId) -> (&[ProductId], &[f32]) {
        match self.index(shopper) {
            Some(i) => self.at(i),
            None => (&[], &[]),
        }
    }

    /// Products and weights remembered under dense index `i`, oldest first.
    #[inline]
    pub fn at(&self, i: usize) -> (&[ProductId], &[f32]) {
        let range = i * SLOTS..i * SLOTS + self.len[i] as usize;
        (&self.items[range.clone()], &self.weights[range])
    }

    /// Learners remembered.
    pub fn known(&self) -> usize {
        self.len.len() - self.guests
    }

    /// Shoppers remembered, learners and guests: the dense indices run below this.
    pub fn met(&self) -> usize {
        self.len.len()
    }

    /// Whether dense index `i` is a guest's.
    #[inline]
    pub fn guest_at(&self, i: usize) -> bool {
        self.guest[i]
    }

    /// Whether `shopper` is a remembered guest.
    pub fn is_guest(&self, shopper: ShopperId) -> bool {
        self.index(shopper).is_some_and(|i| self.guest[i])
    }

    /// Remembered learners and their dense indices, by shopper id: models that sum over
    /// shoppers do so in this order, so the sums do not depend on when each was first met.
    /// Guests are left out: they teach the models nothing.
    pub fn by_shopper(&self) -> impl Iterator<Item = (ShopperId, usize)> + '_ {
        self.index
            .iter()
            .enumerate()
            .filter(|(_, &i)| i > 0 && !self.guest[i as usize - 1])
            .map(|(s, &i)| (s as ShopperId, i as usize - 1))
    }

    /// Records a learner's interest `w` in `product`: it becomes the newest item, its weight
    /// grows, and the oldest item makes room when the memory is full.
    pub fn touch(&mut self, shopper: ShopperId, product: ProductId, w: f32) {
        self.add(shopper, product, w, false);
    }

    /// As [`Memory::touch`], for a guest.
    pub fn touch_guest(&mut self, shopper: ShopperId, product: ProductId, w: f32) {
        self.add(shopper, product, w, true);
    }

    fn add(&mut self, shopper: ShopperId, product: ProductId, w: f32, guest: bool) {
        let s = shopper as usize;
        let Some(&i) = self.index.get(s) else {
            return;
        };
        let i = if i > 0 {
            i as usize - 1
        } else {
            let i = self.len.len();
            self.index[s] = i as u32 + 1;
            self.items.resize((i + 1) * SLOTS, NO_PRODUCT);
            self.weights.resize((i + 1) * SLOTS, 0.0);
            self.len.push(0);
            self.guest.push(guest);
            self.guests += usize::from(guest);
            i
        };
        // Learners and guests are disjoint: a shopper is one or the other in a strategy.
        debug_assert_eq!(self.guest[i], guest, "shopper {shopper} changed role");
        let range = i * SLOTS..(i + 1) * SLOTS;
        remember(
            &mut self.items[range.clone()],
            &mut self.weights[range],
            &mut self.len[i],
            product,
            w,
        );
    }

    /// Adds every interest event of a learners' log, in the log's order.
    pub fn learn(&mut self, log: &DayLog) {
        for e in log.events() {
            if let Some(w) = interest(e) {
                self.touch(e.shopper, e.product, w);
            }
        }
    }

    /// Adds every interest event of a guests' log, in the log's order.
    pub fn remember(&mut self, log: &DayLog) {
        for e in log.events() {
            if let Some(w) = interest(e) {
                self.touch_guest(e.shopper, e.product, w);
            }
        }
    }
}

/// One shopper's memory outside a [`Memory`], for replaying a day's events against a copy.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShopperMemory {
    items: [ProductId; SLOTS],
    weights: [f32; SLOTS],
    len: u8,
}

impl ShopperMemory {
    /// A copy of what `memory` remembers of `shopper`.
    pub fn of(memory: &Memory, shopper: ShopperId) -> Self {
        let (items, weights) = memory.of(shopper);
        let mut recent = ShopperMemory {
            items: [NO_PRODUCT; SLOTS],
            weights: [0.0; SLOTS],
            len: items.len() as u8,
        };
        recent.items[..items.len()].copy_from_slice(items);
        recent.weights[..weights.len()].copy_from_slice(weights);
        recent
    }

    /// Products and weights, oldest first.
    #[inline]
    pub fn get(&self) -> (&[ProductId], &[f32]) {
        let len = self.len as usize;
        (&self.items[..len], &self.weights[..len])
    }

    /// As [`Memory::touch`].
    #[inline]
    pub fn touch(&mut self, product: ProductId, w: f32) {
        remember(
            &mut self.items,
            &mut self.weights,
            &mut self.len,
            product,
            w,
        );
    }
}

/// Records interest `w` in `product` in one shopper's `SLOTS` slots, of which `len` are used.
#[inline]
fn remember(
    items: &mut [ProductId],
    weights: &mut [f32],
    len: &mut u8,
    product: ProductId,
    w: f32,
) {
    let n = *len as usize;
    let (from, weight) = match items[..n].iter().position(|&p| p == product) {
        Some(j) => (j, weights[j] + w),
        None if n < SLOTS => {
            *len += 1;
            (n, w)
        }
        None => (0, w),
    };
    let last = *len as usize - 1;
    items.copy_within(from + 1..=last, from);
    weights.copy_within(from + 1..=last, from);
    items[last] = product;
    weights[last] = weight;
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
        assert!(m.of(0).0.is_empty());
        assert!(m.of(7).0.is_empty());
        m.touch(7, 1, 1.0);
        assert_eq!(m.known(), 1);
    }

    #[test]
    fn only_shoppers_met_are_stored_and_listed_by_id() {
        let mut m = Memory::new(1000);
        m.touch(900, 1, 1.0);
        m.touch(5, 2, 1.0);
        m.touch(900, 3, 0.3);
        assert_eq!(m.known(), 2);
        assert_eq!(m.index(900), Some(0));
        assert_eq!(m.index(5), Some(1));
        assert_eq!(m.index(6), None);
        assert_eq!(m.at(0), (&[1, 3][..], &[1.0, 0.3][..]));
        assert_eq!(m.by_shopper().collect::<Vec<_>>(), vec![(5, 1), (900, 0)]);
    }

    #[test]
    fn guests_are_remembered_as_learners_but_never_listed_or_counted() {
        let events = |shopper| {
            [(10, EventKind::Click), (11, EventKind::Purchase)].map(|(product, kind)| Event {
                shopper,
                product,
                day: 0,
                hour: 9,
                kind,
                position: 0,
                quantity: 1,
                value: 5.0,
            })
        };
        let mut m = Memory::new(10);
        m.learn(&DayLog::new(0, events(4).to_vec()));
        m.remember(&DayLog::new(0, events(2).to_vec()));
        m.touch(7, 12, 1.0);
        assert_eq!(m.of(2), m.of(4));
        assert_eq!(m.of(2), (&[10, 11][..], &[1.0, 2.0][..]));
        assert!(m.is_guest(2) && !m.is_guest(4) && !m.is_guest(7) && !m.is_guest(3));
        assert_eq!((m.known(), m.met()), (2, 3));
        assert_eq!(m.by_shopper().collect::<Vec<_>>(), vec![(4, 0), (7, 2)]);
        assert!(m.guest_at(1) && !m.guest_at(0) && !m.guest_at(2));
    }
}
