//! Guests: the shoppers a strategy serves without learning from them (the in-experiment
//! truth's shadow population). A strategy that keeps per-shopper state in arrays it also
//! sums over marks its guests here, so that the sums stay the learners' own.

use crate::world::ShopperId;

/// A set of shoppers of the population, one bit each. Nothing is allocated until the first
/// guest arrives, so a strategy that never meets one pays nothing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Guests {
    population: usize,
    bits: Vec<u64>,
}

impl Guests {
    /// An empty set for a population of `population` shoppers.
    pub fn new(population: u32) -> Self {
        Guests {
            population: population as usize,
            bits: Vec::new(),
        }
    }

    /// Adds a shopper of the population (others are ignored).
    pub fn insert(&mut self, shopper: ShopperId) {
        let s = shopper as usize;
        if s >= self.population {
            return;
        }
        if self.bits.is_empty() {
            self.bits = vec![0; self.population.div_ceil(64)];
        }
        self.bits[s / 64] |= 1 << (s % 64);
    }

    /// Whether `shopper` is a guest.
    #[inline]
    pub fn contains(&self, shopper: ShopperId) -> bool {
        let s = shopper as usize;
        self.bits
            .get(s / 64)
            .is_some_and(|word| word & (1 << (s % 64)) != 0)
    }

    /// The guests, by id.
    pub fn iter(&self) -> impl Iterator<Item = ShopperId> + '_ {
        self.bits.iter().enumerate().flat_map(|(k, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    (k * 64) as ShopperId + bit
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_ids_by_bits_allocated_on_the_first_guest() {
        let mut g = Guests::new(200);
        assert!(g.bits.is_empty() && !g.contains(3) && g.iter().next().is_none());
        for s in [130, 3, 64, 63, 3, 199, 200, 5_000] {
            g.insert(s);
        }
        assert_eq!(g.bits.len(), 4);
        assert_eq!(g.iter().collect::<Vec<_>>(), vec![3, 63, 64, 130, 199]);
        assert!(g.contains(64) && !g.contains(65) && !g.contains(200) && !g.contains(9_999));
    }
}
