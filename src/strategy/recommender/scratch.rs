//! Per-thread scratch space for scoring candidates during a visit.
//!
//! Recommenders are shared read-only by the threads that simulate visits, so they cannot own
//! mutable buffers; each thread keeps one [`Scores`] instead, allocated once and reused by
//! every visit, so serving a slate allocates nothing. Scores are reset in O(1) with a
//! generation stamp, and candidates are remembered in the order they were first scored, so
//! the result never depends on the thread that computed it.

use std::cell::RefCell;

use crate::world::ProductId;

/// Score channels per product: a hybrid blends up to this many component scores.
pub(super) const CHANNELS: usize = 4;

/// Candidate products and their scores for one visit.
#[derive(Debug, Default)]
pub(super) struct Scores {
    stamp: Vec<u32>,
    generation: u32,
    score: Vec<[f32; CHANNELS]>,
    touched: Vec<ProductId>,
    /// Candidates ranked by [`Scores::rank`], best first.
    pub ranked: Vec<(f32, ProductId)>,
    /// [`Scores::rank`]'s working list, as keys.
    keys: Vec<u64>,
    /// Free space for a strategy's own (value, id) pairs, such as categories to rank.
    pub pairs: Vec<(f32, u32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scores> = RefCell::new(Scores::default());
}

/// Runs `f` with this thread's scratch, emptied and sized for a catalog of `n` products.
pub(super) fn with_scores<R>(n: usize, f: impl FnOnce(&mut Scores) -> R) -> R {
    SCRATCH.with(|cell| {
        let mut scores = cell.borrow_mut();
        scores.reset(n);
        f(&mut scores)
    })
}

impl Scores {
    fn reset(&mut self, n: usize) {
        if self.stamp.len() < n {
            self.stamp.resize(n, 0);
            self.score.resize(n, [0.0; CHANNELS]);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.touched.clear();
        self.ranked.clear();
        self.pairs.clear();
    }

    /// Adds `s` to channel `channel` of product `p`, making it a candidate.
    #[inline]
    pub fn add(&mut self, p: ProductId, channel: usize, s: f32) {
        let i = p as usize;
        if self.stamp[i] != self.generation {
            self.stamp[i] = self.generation;
            self.score[i] = [0.0; CHANNELS];
            self.touched.push(p);
        }
        self.score[i][channel] += s;
    }

    /// Lets `f` rewrite the channels of every candidate, in candidate order.
    pub fn update(&mut self, mut f: impl FnMut(ProductId, &mut [f32; CHANNELS])) {
        for &p in &self.touched {
            f(p, &mut self.score[p as usize]);
        }
    }

    /// Whether `p` is a candidate.
    #[inline]
    pub fn contains(&self, p: ProductId) -> bool {
        self.stamp[p as usize] == self.generation
    }

    /// Candidates in the order they were first scored.
    #[cfg(test)]
    pub fn candidates(&self) -> &[ProductId] {
        &self.touched
    }

    /// Largest value of each channel over the candidates (0 when all are below 0).
    pub fn channel_max(&self) -> [f32; CHANNELS] {
        let mut max = [0.0f32; CHANNELS];
        for &p in &self.touched {
            for (m, s) in max.iter_mut().zip(self.score[p as usize]) {
                *m = m.max(s);
            }
        }
        max
    }

    /// Ranks the candidates by `value(product, channels)`, best first, ties by id, keeping
    /// the `keep` best of those with a finite value; the result is in [`Scores::ranked`].
    pub fn rank(&mut self, keep: usize, mut value: impl FnMut(ProductId, &[f32; CHANNELS]) -> f32) {
        // Each candidate becomes one integer key (see `rank_key`), so that selecting the
        // `keep` best and sorting only those compares integers, without branching on floats.
        let keys = &mut self.keys;
        keys.clear();
        for &p in &self.touched {
            let v = value(p, &self.score[p as usize]);
            if v.is_finite() {
                keys.push(rank_key(v, p));
            }
        }
        if keys.len() > keep {
            keys.select_nth_unstable_by(keep, |a, b| b.cmp(a));
            keys.truncate(keep);
        }
        keys.sort_unstable_by(|a, b| b.cmp(a));
        self.ranked.clear();
        self.ranked.extend(keys.iter().map(|&k| unrank_key(k)));
    }
}

/// A key whose integer order is the ranking order: a higher value first and, among equal
/// values, the lower id. The value's bits are mapped so that unsigned order is float order,
/// with −0 taken as +0 (they compare equal as floats), and sit above the id's complement.
#[inline]
pub(super) fn rank_key(v: f32, p: ProductId) -> u64 {
    let bits = (v + 0.0).to_bits();
    let ordered = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    (u64::from(ordered) << 32) | u64::from(!p)
}

/// The value and id of a [`rank_key`].
#[inline]
pub(super) fn unrank_key(key: u64) -> (f32, ProductId) {
    let ordered = (key >> 32) as u32;
    let bits = if ordered >> 31 == 1 {
        ordered & !(1 << 31)
    } else {
        !ordered
    };
    (f32::from_bits(bits), !(key as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_accumulate_reset_and_rank() {
        with_scores(10, |s| {
            s.add(3, 0, 1.0);
            s.add(5, 0, 2.0);
            s.add(3, 0, 1.5);
            s.add(7, 1, 9.0);
            s.add(2, 0, 0.0);
            assert_eq!(s.candidates(), &[3, 5, 7, 2]);
            assert_eq!(s.channel_max()[..2], [2.5, 9.0]);
            s.rank(10, |_, c| c[0]);
            let ids: Vec<_> = s.ranked.iter().map(|r| r.1).collect();
            assert_eq!(ids, vec![3, 5, 2, 7]);
        });
        with_scores(10, |s| {
            assert!(s.candidates().is_empty());
            assert!(!s.contains(3));
            s.add(4, 2, 1.0);
            s.update(|p, c| c[3] = p as f32);
            s.rank(1, |_, c| c[3] + c[2]);
            assert_eq!(s.ranked, vec![(5.0, 4)]);
        });
    }

    #[test]
    fn rank_keys_order_as_values_then_ids() {
        let values = [-3.5f32, -0.0, 0.0, 1e-30, 2.0, f32::MAX, -f32::MAX];
        let mut items: Vec<(f32, ProductId)> = Vec::new();
        for (i, &v) in values.iter().enumerate() {
            items.push((v, i as ProductId));
            items.push((v, 100 - i as ProductId));
        }
        let before =
            |a: &(f32, ProductId), b: &(f32, ProductId)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
        for a in &items {
            assert_eq!(unrank_key(rank_key(a.0, a.1)), (a.0 + 0.0, a.1));
            for b in &items {
                assert_eq!(rank_key(a.0, a.1) > rank_key(b.0, b.1), before(a, b));
            }
        }
    }
}
