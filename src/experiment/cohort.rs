//! The groups of shoppers an arm simulates: a [`Cohort`] of shoppers and their states, a
//! [`Replica`] (one copy of the arm's strategies with the shoppers it learns from and the
//! guests it serves without learning from them), and an [`ArmRun`] (an arm's copies and
//! tallies).
//!
//! Guests make the in-experiment truth (docs/ARCHITECTURE.md §6): every shopper who is not
//! in the arm is served by the arm's strategies as they were trained in the experiment,
//! with the same random streams, while the strategies only remember what they keep per
//! shopper for them. The arm's own shoppers need no second pass: as guests they would live
//! exactly the same days, so the truth is the arm's shoppers plus its guests.

use rayon::prelude::*;

use crate::metrics::ShopperMoments;
use crate::rng::mix64;
use crate::scenario::ArmSpec;
use crate::strategy::registry::{self, BuildContext};
use crate::strategy::Strategies;
use crate::world::{
    Counts, DayContext, DayLog, DayOutput, History, Recording, Shop, ShopperId, ShopperState, World,
};

/// Shoppers per parallel work item. Fixed, so merge order never depends on threads.
pub(super) const CHUNK: usize = 1024;

/// Whether a day's pass also takes the shoppers' moments.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Moments {
    Track,
    Skip,
}

/// Shoppers served by one copy of an arm's strategies: ids, states, CUPED covariates and
/// the day's output buffers.
#[derive(Default)]
pub(super) struct Cohort {
    pub ids: Vec<ShopperId>,
    pub states: Vec<ShopperState>,
    /// Pre-period visits of each shopper in `ids` (the CUPED covariate).
    pub covariate: Vec<f64>,
    /// Output buffers of the day's chunks, reused every day.
    outputs: Vec<DayOutput>,
}

impl Cohort {
    pub fn reserve(&mut self, shoppers: usize) {
        self.ids.reserve(shoppers);
        self.states.reserve(shoppers);
        self.covariate.reserve(shoppers);
    }

    pub fn enrol(&mut self, id: ShopperId, covariate: f64) {
        self.ids.push(id);
        self.states.push(ShopperState::default());
        self.covariate.push(covariate);
    }

    /// Each shopper's history, by id.
    pub fn histories(&self) -> impl Iterator<Item = (ShopperId, &History)> {
        self.ids
            .iter()
            .copied()
            .zip(self.states.iter().map(|s| &s.history))
    }

    /// Removes the shoppers in `gone` (sorted, all present; `ids` sorted too).
    pub fn remove_sorted(&mut self, gone: &[ShopperId]) {
        let mut g = gone.iter().peekable();
        let keep: Vec<bool> = self
            .ids
            .iter()
            .map(|id| {
                if g.peek() == Some(&id) {
                    g.next();
                    false
                } else {
                    true
                }
            })
            .collect();
        let mut k = keep.iter();
        self.ids.retain(|_| *k.next().unwrap_or(&true));
        let mut k = keep.iter();
        self.states.retain(|_| *k.next().unwrap_or(&true));
        let mut k = keep.iter();
        self.covariate.retain(|_| *k.next().unwrap_or(&true));
    }

    /// Simulates one day of every shopper under `policy`, leaving the observed events (and
    /// the records `recording` asks for) in the output buffers. Returns the day's counts
    /// and, when tracked, the shoppers' moments after the day.
    fn day(
        &mut self,
        world: &World,
        shop: Shop,
        policy: &Strategies,
        moments: Moments,
        recording: Recording,
    ) -> (Counts, ShopperMoments) {
        let chunks = self.states.len().div_ceil(CHUNK);
        // Each chunk's output buffers are reused from day to day: growing fresh event and
        // slate vectors every day was a visible share of a run.
        self.outputs.resize_with(chunks, DayOutput::default);
        let ctx = DayContext::new(world, shop, policy).recording(recording);
        let chunk_moments: Vec<ShopperMoments> = self
            .states
            .par_chunks_mut(CHUNK)
            .zip(self.ids.par_chunks(CHUNK))
            .zip(self.covariate.par_chunks(CHUNK))
            .zip(self.outputs.par_iter_mut())
            .map(|(((states, ids), covariate), out)| {
                out.clear();
                let mut m = ShopperMoments::default();
                for ((state, &id), &x) in states.iter_mut().zip(ids).zip(covariate) {
                    world.shopper_day(&ctx, id, state, out);
                    if moments == Moments::Track {
                        m.add(&state.history, state.is_active(), x);
                    }
                }
                m
            })
            .collect();
        let mut counts = Counts::default();
        self.outputs
            .iter()
            .for_each(|out| counts.merge(&out.counts));
        (counts, merged(&chunk_moments))
    }

    /// The last day's outputs, chunk by chunk in shopper order.
    pub fn outputs(&self) -> &[DayOutput] {
        &self.outputs
    }

    /// The day's events as the night's log, as they are; [`Cohort::give_back`] returns the
    /// buffers.
    fn take_log(&mut self, day: u32) -> DayLog {
        let parts = self
            .outputs
            .iter_mut()
            .map(|o| std::mem::take(&mut o.events));
        DayLog::from_parts(day, parts.collect())
    }

    fn give_back(&mut self, log: DayLog) {
        for (out, events) in self.outputs.iter_mut().zip(log.into_parts()) {
            out.events = events;
        }
    }

    /// The shoppers' moments now.
    pub fn moments(&self) -> ShopperMoments {
        let parts: Vec<ShopperMoments> = self
            .states
            .par_chunks(CHUNK)
            .zip(self.covariate.par_chunks(CHUNK))
            .map(|(chunk, pre)| {
                let mut m = ShopperMoments::default();
                for (s, &x) in chunk.iter().zip(pre) {
                    m.add(&s.history, s.is_active(), x);
                }
                m
            })
            .collect();
        merged(&parts)
    }
}

/// One copy of an arm's strategies, the shoppers it learns from and (for the in-experiment
/// truth) the guests it serves without learning from them.
pub(super) struct Replica {
    pub strategies: Strategies,
    pub learners: Cohort,
    pub guests: Option<Cohort>,
    /// The learners' totals so far.
    pub total: Counts,
    /// The learners' moments after the last day (tracked for the experiment's arms only).
    pub moments: ShopperMoments,
    /// The guests' totals so far.
    pub guest_total: Counts,
}

impl Replica {
    fn new(spec: &ArmSpec, ctx: &BuildContext, guests: bool) -> Self {
        Replica {
            strategies: registry::build(
                &spec.recommender,
                &spec.pricing,
                &spec.retention,
                &spec.email,
                ctx,
            ),
            learners: Cohort::default(),
            guests: guests.then(Cohort::default),
            total: Counts::default(),
            moments: ShopperMoments::default(),
            guest_total: Counts::default(),
        }
    }

    /// One day: the learners' and the guests' passes (side by side: both only read the
    /// strategies), then the night: learning from the learners, remembering the guests.
    fn step(
        &mut self,
        world: &World,
        shop: Shop,
        moments: Moments,
        recording: Recording,
    ) -> Counts {
        let Replica {
            strategies,
            learners,
            guests,
            ..
        } = self;
        let policy = &*strategies;
        let ((counts, m), guest_counts) = rayon::join(
            || learners.day(world, shop, policy, moments, recording),
            || {
                guests
                    .as_mut()
                    .map(|g| g.day(world, shop, policy, Moments::Skip, Recording::NONE).0)
            },
        );
        self.learn(shop);
        if let Some(g) = &mut self.guests {
            let log = g.take_log(shop.day);
            self.strategies.remember(&shop, &log);
            g.give_back(log);
        }
        self.total.merge(&counts);
        if let Some(c) = guest_counts {
            self.guest_total.merge(&c);
        }
        if moments == Moments::Track {
            self.moments = m;
        }
        counts
    }

    /// The night: the strategies learn from their own shoppers' day.
    fn learn(&mut self, shop: Shop) {
        let log = self.learners.take_log(shop.day);
        self.strategies.learn(&shop, &log);
        self.learners.give_back(log);
    }

    /// A day past the horizon (`Engine::live_on`): the learners' pass and the night.
    fn live_on(&mut self, world: &World, shop: Shop) {
        self.learners.day(
            world,
            shop,
            &self.strategies,
            Moments::Skip,
            Recording::NONE,
        );
        self.learn(shop);
    }
}

/// One arm: its copies of the strategies (one unless `experiment.replicates` says more),
/// and the tallies of its shoppers.
pub(super) struct ArmRun {
    pub spec: ArmSpec,
    pub replicas: Vec<Replica>,
    pub total: Counts,
    pub daily: Vec<Counts>,
    /// Per-shopper moments after the last day (tracked for the experiment's arms only).
    pub moments: ShopperMoments,
}

impl ArmRun {
    /// An arm with `replicates` copies of its strategies, each with a guest cohort when
    /// `guests`. Copy 0 draws from the scenario's seed; the others from seeds of their own,
    /// so copies explore independently.
    pub fn new(spec: &ArmSpec, ctx: &BuildContext, replicates: u32, guests: bool) -> Self {
        let replicas = (0..u64::from(replicates.max(1)))
            .map(|r| {
                let seed = if r == 0 {
                    ctx.seed
                } else {
                    mix64(ctx.seed ^ mix64(r))
                };
                Replica::new(spec, &BuildContext { seed, ..*ctx }, guests)
            })
            .collect();
        ArmRun {
            spec: spec.clone(),
            replicas,
            total: Counts::default(),
            daily: Vec::new(),
            moments: ShopperMoments::default(),
        }
    }

    /// The arm deployed to every shopper, one copy learning from all of them (the rollout
    /// truth, and the CUPED pre-period).
    pub fn everyone(spec: &ArmSpec, ctx: &BuildContext, covariates: &[f64]) -> Self {
        let mut run = ArmRun::new(spec, ctx, 1, false);
        let cohort = &mut run.replicas[0].learners;
        cohort.reserve(covariates.len());
        for (id, &x) in covariates.iter().enumerate() {
            cohort.enrol(id as ShopperId, x);
        }
        run
    }

    /// Simulates one day in every copy and merges the tallies in copy order. The world keeps
    /// the records `recording` asks for of the arm's own shoppers (never of its guests).
    pub fn step(&mut self, world: &World, shop: Shop, moments: Moments, recording: Recording) {
        let counts: Vec<Counts> = self
            .replicas
            .par_iter_mut()
            .map(|r| r.step(world, shop, moments, recording))
            .collect();
        let mut today = Counts::default();
        counts.iter().for_each(|c| today.merge(c));
        if moments == Moments::Track {
            let parts: Vec<ShopperMoments> = self.replicas.iter().map(|r| r.moments).collect();
            self.moments = merged(&parts);
        }
        self.total.merge(&today);
        self.daily.push(today);
    }

    /// A day past the horizon in every copy, for its own shoppers only: the guests and the
    /// tallies stay as the experiment left them (`Engine::live_on`).
    pub fn live_on(&mut self, world: &World, shop: Shop) {
        self.replicas
            .par_iter_mut()
            .for_each(|r| r.live_on(world, shop));
    }

    /// The in-experiment truth: the arm's shoppers and its guests, when guests are served.
    pub fn truth_now(&self) -> Option<(Counts, ShopperMoments)> {
        let mut counts = Counts::default();
        let mut parts = Vec::with_capacity(2 * self.replicas.len());
        for r in &self.replicas {
            let guests = r.guests.as_ref()?;
            counts.merge(&r.total);
            counts.merge(&r.guest_total);
            parts.push(r.learners.moments());
            parts.push(guests.moments());
        }
        Some((counts, merged(&parts)))
    }
}

/// Moments merged in the order given (the order keeps float sums deterministic).
pub(super) fn merged(parts: &[ShopperMoments]) -> ShopperMoments {
    parts.iter().fold(ShopperMoments::default(), |mut acc, m| {
        acc.merge(m);
        acc
    })
}
