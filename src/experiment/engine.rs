//! The engine: every arm in parallel, each arm's shoppers in parallel chunks per day, with
//! strategies read-only during the day and learning in a nightly batch.
//!
//! Determinism: chunks have a fixed size whatever the thread count and their outputs are
//! merged in chunk order, and every random draw comes from a per-shopper stream; so the
//! results are byte-identical for any number of threads.
//!
//! Beside the experiment's arms, the engine can run every arm on the whole population with
//! the same streams (the true effect), a pre-period under the control strategies (CUPED
//! covariates), and Thompson-sampling allocation of shoppers as they arrive.

use rayon::prelude::*;

use super::allocation::thompson_weights;
use super::assignment::assign;
use super::monitor::ArmMonitor;
use super::snapshot::{ArmSnapshot, ArmTruth, Snapshot};
use crate::metrics::{Metrics, ShopperMoments};
use crate::rng::mix64;
use crate::scenario::{Allocation, ArmSpec, Scenario};
use crate::strategy::registry::{self, BuildContext};
use crate::strategy::Strategies;
use crate::world::{
    Counts, DayContext, DayLog, DayOutput, History, Recorder, Recording, Shop, ShopperId,
    ShopperState, World,
};

/// Shoppers per parallel work item. Fixed, so merge order never depends on threads.
const CHUNK: usize = 1024;
/// Mixed into the seed of the pre-period so it never reuses the experiment's draws.
const PRE_PERIOD_SALT: u64 = 0x5052_4550_4552_494f;

/// One arm's strategies, shoppers and tallies.
struct ArmRun {
    spec: ArmSpec,
    strategies: Strategies,
    ids: Vec<ShopperId>,
    states: Vec<ShopperState>,
    /// Pre-period visits of each shopper in `ids` (the CUPED covariate).
    covariate: Vec<f64>,
    total: Counts,
    daily: Vec<Counts>,
    /// Per-shopper moments after the last day (kept for the experiment's arms only).
    moments: ShopperMoments,
    /// Output buffers of the day's chunks, reused every day.
    outputs: Vec<DayOutput>,
}

impl ArmRun {
    fn new(spec: &ArmSpec, ctx: &BuildContext) -> Self {
        ArmRun {
            strategies: registry::build(
                &spec.recommender,
                &spec.pricing,
                &spec.retention,
                &spec.email,
                ctx,
            ),
            spec: spec.clone(),
            ids: Vec::new(),
            states: Vec::new(),
            covariate: Vec::new(),
            total: Counts::default(),
            daily: Vec::new(),
            moments: ShopperMoments::default(),
            outputs: Vec::new(),
        }
    }

    fn reserve(&mut self, shoppers: usize) {
        self.ids.reserve(shoppers);
        self.states.reserve(shoppers);
        self.covariate.reserve(shoppers);
    }

    fn enrol(&mut self, id: ShopperId, covariate: f64) {
        self.ids.push(id);
        self.states.push(ShopperState::default());
        self.covariate.push(covariate);
    }
}

/// Runs a scenario day by day.
pub struct Engine {
    scenario: Scenario,
    world: World,
    arms: Vec<ArmRun>,
    truth: Vec<ArmRun>,
    monitors: Vec<ArmMonitor>,
    /// Shoppers not yet assigned (adaptive allocation assigns them on arrival), by
    /// sign-up day then id.
    pending: Vec<ShopperId>,
    covariates: Vec<f64>,
    allocation: Vec<Vec<f64>>,
    day: u32,
}

impl Engine {
    /// Builds the world, runs the pre-period if any, and assigns shoppers to arms.
    pub fn new(scenario: Scenario) -> Self {
        let world = World::new(scenario.world_setup());
        let ctx = BuildContext {
            catalog: world.catalog(),
            population: scenario.shoppers,
            days: scenario.days,
            seed: scenario.seed,
        };
        let covariates = pre_period(&world, &scenario, &ctx);
        let mut arms: Vec<ArmRun> = scenario
            .arms
            .iter()
            .map(|spec| ArmRun::new(spec, &ctx))
            .collect();
        let traffic: Vec<f64> = scenario.arms.iter().map(|a| a.traffic).collect();
        let adaptive = scenario.experiment.allocation == Allocation::Thompson;
        let mut pending = Vec::new();
        let mut placed = Vec::with_capacity(scenario.shoppers as usize);
        let salt = scenario.salt();
        for id in 0..scenario.shoppers {
            if adaptive && world.population().profile(id).signup_day > 0 {
                pending.push(id);
            } else {
                placed.push((id, assign(&salt, id, &traffic)));
            }
        }
        // Sized up front: growing the state vectors one shopper at a time copied them over
        // and over.
        let mut sizes = vec![0; arms.len()];
        placed.iter().for_each(|&(_, arm)| sizes[arm] += 1);
        for (arm, size) in arms.iter_mut().zip(sizes) {
            arm.reserve(size);
        }
        for (id, arm) in placed {
            arms[arm].enrol(id, covariates[id as usize]);
        }
        pending.sort_by_key(|&id| (world.population().profile(id).signup_day, id));
        let truth = if scenario.true_effect() {
            scenario
                .arms
                .iter()
                .map(|spec| {
                    let mut run = ArmRun::new(spec, &ctx);
                    run.reserve(scenario.shoppers as usize);
                    (0..scenario.shoppers).for_each(|id| run.enrol(id, covariates[id as usize]));
                    run
                })
                .collect()
        } else {
            Vec::new()
        };
        let monitors = vec![ArmMonitor::default(); arms.len()];
        let allocation = if adaptive { vec![traffic] } else { Vec::new() };
        Engine {
            scenario,
            world,
            arms,
            truth,
            monitors,
            pending,
            covariates,
            allocation,
            day: 0,
        }
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Days simulated so far.
    pub fn day(&self) -> u32 {
        self.day
    }

    /// What the shop has seen of every shopper of experiment arm `arm` so far, by shopper:
    /// what a transaction table is read from between days (the calibration example's
    /// repeat-purchase check).
    pub fn histories(&self, arm: usize) -> impl Iterator<Item = (ShopperId, &History)> {
        let arm = &self.arms[arm];
        arm.ids
            .iter()
            .copied()
            .zip(arm.states.iter().map(|s| &s.history))
    }

    /// Whether the horizon is reached.
    pub fn finished(&self) -> bool {
        self.day >= self.scenario.days
    }

    /// Simulates one day in every arm. Does nothing once the horizon is reached.
    pub fn step(&mut self) {
        self.step_with(None);
    }

    /// Simulates one day as [`Engine::step`] does, with the world keeping in every
    /// experiment arm the records `recorder` asks for (orders, impressions), and hands each
    /// arm's day to it. The truth runs and the pre-period record nothing.
    pub fn step_recording(&mut self, recorder: &mut dyn Recorder) {
        self.step_with(Some(recorder));
    }

    fn step_with(&mut self, recorder: Option<&mut dyn Recorder>) {
        if self.finished() {
            return;
        }
        let day = self.day;
        if !self.allocation.is_empty() && day > 0 {
            self.allocate_arrivals(day);
        }
        let (world, scenario) = (&self.world, &self.scenario);
        // The experiment arms' moments feed today's looks and tomorrow's allocation, so
        // they are taken during the day's pass while each shopper is in cache; the truth
        // runs' are needed only for a snapshot, which computes them itself.
        let recording = recorder.as_ref().map_or(Recording::NONE, |r| r.recording());
        self.arms
            .par_iter_mut()
            .map(|arm| (arm, Moments::Track, recording))
            .chain(
                self.truth
                    .par_iter_mut()
                    .map(|arm| (arm, Moments::Skip, Recording::NONE)),
            )
            .for_each(|(arm, moments, recording)| {
                step_arm(world, scenario, arm, day, moments, recording)
            });
        if let Some(recorder) = recorder {
            for (i, arm) in self.arms.iter().enumerate() {
                recorder.record(i, &arm.outputs);
            }
        }
        let (alpha, mde) = (
            scenario.experiment.alpha,
            scenario.experiment.sequential_mde,
        );
        let control = self.arms[0].moments;
        for (arm, monitor) in self.arms.iter().zip(&mut self.monitors).skip(1) {
            monitor.look(day, &control, &arm.moments, alpha, mde);
        }
        self.day += 1;
    }

    /// Thompson sampling: today's arrivals go to arms by their chance of being best so far.
    fn allocate_arrivals(&mut self, day: u32) {
        let moments: Vec<ShopperMoments> = self.arms.iter().map(|a| a.moments).collect();
        let prior: Vec<f64> = self.scenario.arms.iter().map(|a| a.traffic).collect();
        let weights = thompson_weights(&moments, &prior, self.scenario.seed, day);
        let arriving = self
            .pending
            .partition_point(|&id| self.world.population().profile(id).signup_day <= day);
        let salt = self.scenario.salt();
        for id in self.pending.drain(..arriving) {
            self.arms[assign(&salt, id, &weights)].enrol(id, self.covariates[id as usize]);
        }
        self.allocation.push(weights);
    }

    /// Visits every shopper of the experiment's arms: its arm (index in the scenario), id
    /// and state, arm by arm, each in the order of enrolment.
    pub fn for_each_shopper(&self, mut visit: impl FnMut(usize, ShopperId, &ShopperState)) {
        for (i, arm) in self.arms.iter().enumerate() {
            for (&id, state) in arm.ids.iter().zip(&arm.states) {
                visit(i, id, state);
            }
        }
    }

    /// Runs to the end of the horizon, calling `on_day` after each day.
    pub fn run(&mut self, mut on_day: impl FnMut(&Engine)) {
        while !self.finished() {
            self.step();
            on_day(self);
        }
    }

    /// The state of every arm now.
    pub fn snapshot(&self) -> Snapshot {
        let shop = shop(&self.world, &self.scenario, self.day.saturating_sub(1));
        let arms = self
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                let s = &arm.strategies;
                let mut insights = Vec::new();
                for (family, lines) in [
                    ("recommender", s.recommender.insights(&shop)),
                    ("pricing", s.pricing.insights(&shop)),
                    ("retention", s.retention.insights(&shop)),
                    ("email", s.email.insights(&shop)),
                ] {
                    insights.extend(lines.into_iter().map(|l| format!("{family}: {l}")));
                }
                let truth = self.truth.get(i).map(|t| {
                    let moments = shopper_moments(&t.states, &t.covariate);
                    ArmTruth {
                        counts: t.total,
                        moments,
                        metrics: Metrics::from(&t.total, &moments),
                    }
                });
                ArmSnapshot {
                    name: arm.spec.name.clone(),
                    strategies: [
                        arm.spec.recommender.label(),
                        arm.spec.pricing.label(),
                        arm.spec.retention.label(),
                        arm.spec.email.label(),
                    ],
                    traffic: arm.spec.traffic,
                    counts: arm.total,
                    metrics: Metrics::from(&arm.total, &arm.moments),
                    moments: arm.moments,
                    daily: arm.daily.clone(),
                    insights,
                    truth,
                    looks: self.monitors[i].looks().to_vec(),
                    churn_model_auc: churn_model_auc(&self.world, &shop, arm),
                }
            })
            .collect();
        Snapshot {
            scenario: self.scenario.name.clone(),
            day: self.day,
            days: self.scenario.days,
            arms,
            allocation: self.allocation.clone(),
        }
    }
}

fn shop<'a>(world: &'a World, scenario: &'a Scenario, day: u32) -> Shop<'a> {
    Shop {
        day,
        days: scenario.days,
        catalog: world.catalog(),
        slate_size: world.params().slate_size,
        cross_sell_size: world.params().cross_sell_size,
        segments: world.population().segment_names(),
        population: scenario.shoppers,
    }
}

/// The CUPED covariate of every shopper: visits in a pre-period run under the control
/// strategies, with luck of its own. Zeros when the scenario has no pre-period. Visits
/// rather than revenue: purchases are rare, so pre-period revenue is mostly zeros and
/// predicts little, while visit habits carry over.
fn pre_period(world: &World, scenario: &Scenario, ctx: &BuildContext) -> Vec<f64> {
    let days = scenario.experiment.cuped_days;
    if days == 0 {
        return vec![0.0; scenario.shoppers as usize];
    }
    let pre_world = world.with_stream_seed(mix64(scenario.seed ^ PRE_PERIOD_SALT));
    let mut run = ArmRun::new(&scenario.arms[0], ctx);
    run.reserve(scenario.shoppers as usize);
    (0..scenario.shoppers).for_each(|id| run.enrol(id, 0.0));
    for day in 0..days {
        step_arm(
            &pre_world,
            scenario,
            &mut run,
            day,
            Moments::Skip,
            Recording::NONE,
        );
    }
    run.states
        .iter()
        .map(|s| f64::from(s.history.visits))
        .collect()
}

/// Whether a day's pass also takes the arm's shopper moments.
#[derive(Clone, Copy, PartialEq)]
enum Moments {
    Track,
    Skip,
}

fn step_arm(
    world: &World,
    scenario: &Scenario,
    arm: &mut ArmRun,
    day: u32,
    moments: Moments,
    recording: Recording,
) {
    let shop = shop(world, scenario, day);
    // Each chunk's output buffers are reused from day to day: growing fresh event and
    // slate vectors every day was a visible share of a run.
    let chunks = arm.states.len().div_ceil(CHUNK);
    arm.outputs.resize_with(chunks, DayOutput::default);
    let chunk_moments: Vec<ShopperMoments> = {
        let ctx = DayContext::new(world, shop, &arm.strategies).recording(recording);
        arm.states
            .par_chunks_mut(CHUNK)
            .zip(arm.ids.par_chunks(CHUNK))
            .zip(arm.covariate.par_chunks(CHUNK))
            .zip(arm.outputs.par_iter_mut())
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
            .collect()
    };
    if moments == Moments::Track {
        arm.moments = merged(&chunk_moments);
    }
    let mut counts = Counts::default();
    arm.outputs.iter().for_each(|out| counts.merge(&out.counts));
    // The chunks' events become the night's log as they are, and their buffers come back.
    let parts = arm
        .outputs
        .iter_mut()
        .map(|o| std::mem::take(&mut o.events));
    let log = DayLog::from_parts(day, parts.collect());
    arm.strategies.learn(&shop, &log);
    for (out, events) in arm.outputs.iter_mut().zip(log.into_parts()) {
        out.events = events;
    }
    arm.total.merge(&counts);
    arm.daily.push(counts);
}

/// How well the arm's retention strategy ranks its shoppers by risk, measured against who
/// actually lapsed (ground truth the strategy never sees): the AUC over the shoppers signed up
/// by `shop.day`. `None` when the strategy scores no risk or nobody (or everybody) lapsed.
fn churn_model_auc(world: &World, shop: &Shop, arm: &ArmRun) -> Option<f64> {
    let retention = &arm.strategies.retention;
    let first = arm.ids.first()?;
    retention.risk(shop, &world.view(*first, &arm.states[0]))?;
    let parts: Vec<Vec<(f64, bool)>> = arm
        .states
        .par_chunks(CHUNK)
        .zip(arm.ids.par_chunks(CHUNK))
        .map(|(states, ids)| {
            states
                .iter()
                .zip(ids)
                .filter(|(_, &id)| world.population().profile(id).signup_day <= shop.day)
                .filter_map(|(state, &id)| {
                    let risk = retention.risk(shop, &world.view(id, state))?;
                    Some((risk, !state.is_active()))
                })
                .collect()
        })
        .collect();
    crate::stats::auc(&mut parts.concat())
}

fn shopper_moments(states: &[ShopperState], covariate: &[f64]) -> ShopperMoments {
    let parts: Vec<ShopperMoments> = states
        .par_chunks(CHUNK)
        .zip(covariate.par_chunks(CHUNK))
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

/// The chunks' moments merged in chunk order (the order keeps float sums deterministic).
fn merged(parts: &[ShopperMoments]) -> ShopperMoments {
    parts.iter().fold(ShopperMoments::default(), |mut acc, m| {
        acc.merge(m);
        acc
    })
}
