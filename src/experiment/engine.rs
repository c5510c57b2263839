//! The engine: every arm in parallel, each arm's shoppers in parallel chunks per day, with
//! strategies read-only during the day and learning in a nightly batch.
//!
//! Determinism: chunks have a fixed size whatever the thread count and their outputs are
//! merged in chunk order, and every random draw comes from a per-shopper stream; so the
//! results are byte-identical for any number of threads.
//!
//! Beside the experiment's arms, the engine computes the two truths (docs/ARCHITECTURE.md
//! §6) with the same streams: the *in-experiment* truth, every shopper served by each arm's
//! strategies as trained in the experiment (the guests of [`cohort`](super::cohort)), and
//! the *rollout* truth, each arm deployed to the whole population and learning from all of
//! it. It also runs a pre-period under the control strategies (CUPED covariates) and
//! Thompson-sampling allocation of shoppers as they arrive.

use rayon::prelude::*;

use super::allocation::thompson_weights;
use super::assignment::{assign, replica};
use super::clv;
use super::cohort::{ArmRun, Cohort, Moments, CHUNK};
use super::monitor::ArmMonitor;
use super::snapshot::{ArmSnapshot, ArmTruth, ReplicaSnapshot, Snapshot};
use crate::metrics::{Metrics, ShopperMoments};
use crate::rng::mix64;
use crate::scenario::{Allocation, ArmSpec, Scenario};
use crate::stats::{ratio_comparison, replicate_comparison, Comparison};
use crate::strategy::registry::BuildContext;
use crate::strategy::Strategies;
use crate::world::{History, Recorder, Recording, Shop, ShopperId, ShopperState, World};

/// Mixed into the seed of the pre-period so it never reuses the experiment's draws.
const PRE_PERIOD_SALT: u64 = 0x5052_4550_4552_494f;

/// Runs a scenario day by day.
pub struct Engine {
    scenario: Scenario,
    world: World,
    arms: Vec<ArmRun>,
    /// The rollout runs, one per distinct bundle of strategies (identical arms share one).
    rollout: Vec<ArmRun>,
    /// Per arm, its rollout run.
    rollout_of: Vec<usize>,
    monitors: Vec<ArmMonitor>,
    /// Shoppers not yet assigned (adaptive allocation assigns them on arrival), by
    /// sign-up day then id.
    pending: Vec<ShopperId>,
    covariates: Vec<f64>,
    allocation: Vec<Vec<f64>>,
    salt: String,
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
        let truth = scenario.true_effect();
        let replicates = scenario.experiment.replicates;
        let mut arms: Vec<ArmRun> = scenario
            .arms
            .iter()
            .map(|spec| ArmRun::new(spec, &ctx, replicates, truth))
            .collect();
        let traffic: Vec<f64> = scenario.arms.iter().map(|a| a.traffic).collect();
        let adaptive = scenario.experiment.allocation == Allocation::Thompson;
        let salt = scenario.salt();
        // Each shopper's arm (None: assigned on arrival) and copy.
        let placed: Vec<(Option<usize>, usize)> = (0..scenario.shoppers)
            .map(|id| {
                let arm = (!adaptive || world.population().profile(id).signup_day == 0)
                    .then(|| assign(&salt, id, &traffic));
                (arm, replica(&salt, id, replicates))
            })
            .collect();
        // Sized up front: growing the state vectors one shopper at a time copied them over
        // and over.
        let mut sizes = vec![vec![0usize; replicates as usize]; arms.len()];
        placed.iter().for_each(|&(arm, r)| {
            if let Some(a) = arm {
                sizes[a][r] += 1;
            }
        });
        let mut per_replica = vec![0usize; replicates as usize];
        placed.iter().for_each(|&(_, r)| per_replica[r] += 1);
        for (arm, sizes) in arms.iter_mut().zip(&sizes) {
            for ((r, &n), &all) in arm.replicas.iter_mut().zip(sizes).zip(&per_replica) {
                r.learners.reserve(n);
                if let Some(g) = &mut r.guests {
                    g.reserve(all - n);
                }
            }
        }
        let mut pending = Vec::new();
        for (id, &(arm, r)) in (0..scenario.shoppers).zip(&placed) {
            let x = covariates[id as usize];
            match arm {
                Some(a) => arms[a].replicas[r].learners.enrol(id, x),
                None => pending.push(id),
            }
            // A shopper is a guest of every arm it is not in; one still to arrive is a
            // guest of every arm until then (nothing happens to it before it arrives).
            for (b, run) in arms.iter_mut().enumerate() {
                if arm != Some(b) {
                    if let Some(g) = &mut run.replicas[r].guests {
                        g.enrol(id, x);
                    }
                }
            }
        }
        pending.sort_by_key(|&id| (world.population().profile(id).signup_day, id));
        let (rollout, rollout_of) = if truth {
            rollout_runs(&scenario.arms, &ctx, &covariates)
        } else {
            (Vec::new(), Vec::new())
        };
        let monitors = vec![ArmMonitor::default(); arms.len()];
        let allocation = if adaptive { vec![traffic] } else { Vec::new() };
        Engine {
            scenario,
            world,
            arms,
            rollout,
            rollout_of,
            monitors,
            pending,
            covariates,
            allocation,
            salt,
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
        self.arms[arm]
            .replicas
            .iter()
            .flat_map(|r| r.learners.histories())
    }

    /// What every shopper of the in-experiment truth did under arm `arm`'s strategies as
    /// trained in the experiment: the arm's own shoppers and its guests (none when the
    /// truths are off). With the same for another arm, these are each shopper's two
    /// potential outcomes, which the coverage checks read to compute the exact
    /// finite-population variance of a difference.
    pub fn truth_histories(&self, arm: usize) -> impl Iterator<Item = (ShopperId, &History)> {
        self.arms[arm]
            .replicas
            .iter()
            .filter_map(|r| Some((&r.learners, r.guests.as_ref()?)))
            .flat_map(|(learners, guests)| learners.histories().chain(guests.histories()))
    }

    /// Whether the horizon is reached.
    pub fn finished(&self) -> bool {
        self.day >= self.scenario.days
    }

    /// Simulates one day in every arm. Does nothing once the horizon is reached.
    pub fn step(&mut self) {
        self.step_with(None);
    }

    /// Simulates one day as [`Engine::step`] does, with the world keeping, for the shoppers
    /// of the experiment's arms, the records `recorder` asks for (orders, impressions), and
    /// hands each arm's day to it, copy by copy. The truths (guests and rollout runs) and
    /// the pre-period record nothing.
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
        let shop = shop(world, scenario, day);
        // The experiment arms' moments feed today's looks and tomorrow's allocation, so
        // they are taken during the day's pass while each shopper is in cache; the truth
        // runs' are needed only for a snapshot, which computes them itself.
        let recording = recorder.as_ref().map_or(Recording::NONE, |r| r.recording());
        self.arms
            .par_iter_mut()
            .map(|arm| (arm, Moments::Track, recording))
            .chain(
                self.rollout
                    .par_iter_mut()
                    .map(|arm| (arm, Moments::Skip, Recording::NONE)),
            )
            .for_each(|(arm, moments, recording)| arm.step(world, shop, moments, recording));
        if let Some(recorder) = recorder {
            for (i, arm) in self.arms.iter().enumerate() {
                for r in &arm.replicas {
                    recorder.record(i, r.learners.outputs());
                }
            }
        }
        let (alpha, mde) = (
            scenario.experiment.alpha,
            scenario.experiment.sequential_mde,
        );
        for (i, monitor) in self.monitors.iter_mut().enumerate() {
            let baseline = self.arms[i].spec.baseline;
            if baseline != i {
                let look = conversion_comparison(&self.arms[baseline], &self.arms[i], alpha);
                monitor.look(day, look.as_ref(), alpha, mde);
            }
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
        let replicates = self.scenario.experiment.replicates;
        // Per arm and copy, the arrivals that stop being its guests (in id order).
        let mut arrived = vec![vec![Vec::new(); replicates as usize]; self.arms.len()];
        for id in self.pending.drain(..arriving) {
            let (a, r) = (
                assign(&self.salt, id, &weights),
                replica(&self.salt, id, replicates),
            );
            self.arms[a].replicas[r]
                .learners
                .enrol(id, self.covariates[id as usize]);
            arrived[a][r].push(id);
        }
        for (arm, arrived) in self.arms.iter_mut().zip(&mut arrived) {
            for (r, ids) in arm.replicas.iter_mut().zip(arrived) {
                if let Some(g) = &mut r.guests {
                    ids.sort_unstable();
                    g.remove_sorted(ids);
                }
            }
        }
        self.allocation.push(weights);
    }

    /// Visits every shopper of the experiment's arms: its arm (index in the scenario), id
    /// and state, arm by arm, copy by copy, each in the order of enrolment.
    pub fn for_each_shopper(&self, mut visit: impl FnMut(usize, ShopperId, &ShopperState)) {
        for (i, arm) in self.arms.iter().enumerate() {
            for r in &arm.replicas {
                let c = &r.learners;
                for (&id, state) in c.ids.iter().zip(&c.states) {
                    visit(i, id, state);
                }
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

    /// Lives the experiment's shoppers `days` more days past the horizon (running to the
    /// horizon first if it is not reached), calling `on_day` after each: each arm's shoppers
    /// under its strategies, which go on learning from them nightly, as a shop that kept the
    /// experiment's arms running would. Nothing else lives on: no truth runs, no daily
    /// looks, no arrivals, and the arms' tallies stay the experiment's; only the shoppers'
    /// histories ([`Engine::histories`]) grow. It gives the world's future to check a
    /// projection made at the horizon against ([`clv::check`]), and changes nothing of what
    /// came before. Take the experiment's snapshot first: one taken afterwards mixes the
    /// horizon's tallies with later histories.
    pub fn live_on(&mut self, days: u32, mut on_day: impl FnMut(&Engine)) {
        while !self.finished() {
            self.step();
        }
        for _ in 0..days {
            let (world, scenario) = (&self.world, &self.scenario);
            let shop = shop(world, scenario, self.day);
            self.arms
                .par_iter_mut()
                .for_each(|arm| arm.live_on(world, shop));
            self.day += 1;
            on_day(self);
        }
    }

    /// The state of every arm now.
    pub fn snapshot(&self) -> Snapshot {
        let shop = shop(&self.world, &self.scenario, self.day.saturating_sub(1));
        // The CLV is projected from the experiment's end, and only there: past it (after
        // `live_on`) the histories hold the future the projection is checked against.
        let at_horizon = self.day == self.scenario.days;
        let arms = self
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                let truth = arm.truth_now().map(|(counts, moments)| ArmTruth {
                    metrics: Metrics::from(&counts, &moments),
                    counts,
                    moments,
                });
                let rollout = self.rollout_of.get(i).map(|&r| {
                    let run = &self.rollout[r];
                    let moments = run.replicas[0].learners.moments();
                    ArmTruth {
                        counts: run.total,
                        metrics: Metrics::from(&run.total, &moments),
                        moments,
                    }
                });
                let replicas = if arm.replicas.len() > 1 {
                    arm.replicas
                        .iter()
                        .map(|r| ReplicaSnapshot {
                            counts: r.total,
                            moments: r.moments,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                ArmSnapshot {
                    name: arm.spec.name.clone(),
                    strategies: [
                        arm.spec.recommender.label(),
                        arm.spec.pricing.label(),
                        arm.spec.retention.label(),
                        arm.spec.email.label(),
                    ],
                    traffic: arm.spec.traffic,
                    baseline: arm.spec.baseline,
                    counts: arm.total,
                    metrics: Metrics::from(&arm.total, &arm.moments),
                    moments: arm.moments,
                    daily: arm.daily.clone(),
                    insights: insights(&arm.replicas[0].strategies, &shop, arm.replicas.len()),
                    truth,
                    rollout,
                    replicas,
                    looks: self.monitors[i].looks().to_vec(),
                    churn_model_auc: churn_model_auc(&self.world, &shop, arm),
                    clv: at_horizon.then(|| {
                        clv::project(
                            self.histories(i),
                            &arm.total,
                            self.day,
                            self.scenario.business.clv_months as u32,
                            self.scenario.experiment.alpha,
                        )
                    }),
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

/// The rollout runs: each arm deployed to every shopper, learning from all of them. Arms
/// with the same strategies would run identical rollouts (same world, same streams, same
/// seeds), so they share one. Returns the runs and, per arm, its run.
fn rollout_runs(
    specs: &[ArmSpec],
    ctx: &BuildContext,
    covariates: &[f64],
) -> (Vec<ArmRun>, Vec<usize>) {
    let same = |a: &ArmSpec, b: &ArmSpec| {
        (&a.recommender, &a.pricing, &a.retention, &a.email)
            == (&b.recommender, &b.pricing, &b.retention, &b.email)
    };
    let mut runs: Vec<ArmRun> = Vec::new();
    let of = specs
        .iter()
        .map(|spec| match runs.iter().position(|r| same(&r.spec, spec)) {
            Some(r) => r,
            None => {
                runs.push(ArmRun::everyone(spec, ctx, covariates));
                runs.len() - 1
            }
        })
        .collect();
    (runs, of)
}

/// The arm's conversion per visit against its baseline's, as the daily look tests it: per
/// shopper (delta method) with one copy of the strategies, per copy with several.
fn conversion_comparison(control: &ArmRun, arm: &ArmRun, alpha: f64) -> Option<Comparison> {
    if arm.replicas.len() > 1 {
        let pairs = |a: &ArmRun| -> Vec<(f64, f64)> {
            a.replicas
                .iter()
                .map(|r| (r.total.orders as f64, r.total.visits as f64))
                .collect()
        };
        replicate_comparison(&pairs(control), &pairs(arm), alpha).ok()
    } else {
        ratio_comparison(&control.moments.conversion, &arm.moments.conversion, alpha).ok()
    }
}

/// What the strategies have learned, a few lines per family (of the first copy, when the
/// arm has several).
fn insights(s: &Strategies, shop: &Shop, copies: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if copies > 1 {
        lines.push(format!("copy 1 of {copies} of the arm's strategies:"));
    }
    for (family, found) in [
        ("recommender", s.recommender.insights(shop)),
        ("pricing", s.pricing.insights(shop)),
        ("retention", s.retention.insights(shop)),
        ("email", s.email.insights(shop)),
    ] {
        lines.extend(found.into_iter().map(|l| format!("{family}: {l}")));
    }
    lines
}

/// The CUPED covariate of every shopper: visits in a pre-period run under the control
/// strategies, with luck of its own. Zeros when the scenario has no pre-period. Visits
/// rather than revenue: purchases are rare, so pre-period revenue is mostly zeros and
/// predicts little, while visit habits carry over.
fn pre_period(world: &World, scenario: &Scenario, ctx: &BuildContext) -> Vec<f64> {
    let zeros = vec![0.0; scenario.shoppers as usize];
    let days = scenario.experiment.cuped_days;
    if days == 0 {
        return zeros;
    }
    let pre_world = world.with_stream_seed(mix64(scenario.seed ^ PRE_PERIOD_SALT));
    let mut run = ArmRun::everyone(&scenario.arms[0], ctx, &zeros);
    for day in 0..days {
        run.step(
            &pre_world,
            shop(&pre_world, scenario, day),
            Moments::Skip,
            Recording::NONE,
        );
    }
    run.replicas[0]
        .learners
        .states
        .iter()
        .map(|s| f64::from(s.history.visits))
        .collect()
}

/// How well the arm's retention strategy ranks its shoppers by risk, measured against who
/// actually lapsed (ground truth the strategy never sees): the AUC over the shoppers signed up
/// by `shop.day`, each scored by its own copy of the strategies. `None` when the strategy
/// scores no risk or nobody (or everybody) lapsed.
fn churn_model_auc(world: &World, shop: &Shop, arm: &ArmRun) -> Option<f64> {
    let first = arm.replicas.iter().find(|r| !r.learners.ids.is_empty())?;
    let cohort = &first.learners;
    first
        .strategies
        .retention
        .risk(shop, &world.view(cohort.ids[0], &cohort.states[0]))?;
    let mut pairs = Vec::new();
    for r in &arm.replicas {
        pairs.extend(risks(world, shop, &r.strategies, &r.learners));
    }
    crate::stats::auc(&mut pairs)
}

/// The retention strategy's risk score and the truth (lapsed or not) of each shopper of a
/// cohort signed up by `shop.day`.
fn risks(world: &World, shop: &Shop, s: &Strategies, cohort: &Cohort) -> Vec<(f64, bool)> {
    let parts: Vec<Vec<(f64, bool)>> = cohort
        .states
        .par_chunks(CHUNK)
        .zip(cohort.ids.par_chunks(CHUNK))
        .map(|(states, ids)| {
            states
                .iter()
                .zip(ids)
                .filter(|(_, &id)| world.population().profile(id).signup_day <= shop.day)
                .filter_map(|(state, &id)| {
                    let risk = s.retention.risk(shop, &world.view(id, state))?;
                    Some((risk, !state.is_active()))
                })
                .collect()
        })
        .collect();
    parts.concat()
}
