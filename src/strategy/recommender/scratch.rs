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
        // A bounded insertion sort: after the first `keep` candidates most are turned away by
        // one comparison with the worst kept, cheaper than sorting every candidate.
        let ranked = &mut self.ranked;
        ranked.clear();
        if keep == 0 {
            return;
        }
        let before =
            |a: &(f32, ProductId), b: &(f32, ProductId)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
        for &p in &self.touched {
            let v = value(p, &self.score[p as usize]);
            if !v.is_finite() {
                continue;
            }
            let item = (v, p);
            if ranked.len() == keep {
                if !before(&item, &ranked[keep - 1]) {
                    continue;
                }
                ranked.pop();
            }
            let at = ranked.partition_point(|r| before(r, &item));
            ranked.insert(at, item);
        }
    }
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
}
