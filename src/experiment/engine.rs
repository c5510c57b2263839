//! The engine: every arm in parallel, each arm's shoppers in parallel chunks per day, with
//! strategies read-only during the day and learning in a nightly batch.
//!
//! Determinism: chunks have a fixed size whatever the thread count and their outputs are
//! merged in chunk order, and every random draw comes from a per-shopper stream; so the
//! results are byte-identical for any number of threads.

use rayon::prelude::*;

use super::assignment::assign;
use super::snapshot::{ArmSnapshot, Snapshot};
use crate::metrics::{Counts, Metrics, ShopperMoments};
use crate::scenario::{ArmSpec, Scenario};
use crate::strategy::registry::{self, BuildContext};
use crate::strategy::{Shop, Strategies};
use crate::world::{DayContext, DayLog, DayOutput, ShopperId, ShopperState, World};

/// Shoppers per parallel work item. Fixed, so merge order never depends on threads.
const CHUNK: usize = 1024;

/// One arm's strategies, shoppers and tallies.
struct ArmRun {
    spec: ArmSpec,
    strategies: Strategies,
    ids: Vec<ShopperId>,
    states: Vec<ShopperState>,
    total: Counts,
    daily: Vec<Counts>,
}

/// Runs a scenario day by day.
pub struct Engine {
    scenario: Scenario,
    world: World,
    arms: Vec<ArmRun>,
    day: u32,
}

impl Engine {
    /// Builds the world and assigns every shopper to an arm.
    pub fn new(scenario: Scenario) -> Self {
        let world = World::new(&scenario);
        let traffic: Vec<f64> = scenario.arms.iter().map(|a| a.traffic).collect();
        let mut ids: Vec<Vec<ShopperId>> = vec![Vec::new(); scenario.arms.len()];
        for id in 0..scenario.shoppers {
            ids[assign(scenario.salt(), id, &traffic)].push(id);
        }
        let ctx = BuildContext {
            catalog: world.catalog(),
            population: scenario.shoppers,
            days: scenario.days,
            seed: scenario.seed,
        };
        let arms = scenario
            .arms
            .iter()
            .zip(ids)
            .map(|(spec, ids)| ArmRun {
                strategies: registry::build(
                    &spec.recommender,
                    &spec.pricing,
                    &spec.retention,
                    &spec.email,
                    &ctx,
                ),
                states: vec![ShopperState::default(); ids.len()],
                ids,
                spec: spec.clone(),
                total: Counts::default(),
                daily: Vec::new(),
            })
            .collect();
        Engine {
            scenario,
            world,
            arms,
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

    /// Whether the horizon is reached.
    pub fn finished(&self) -> bool {
        self.day >= self.scenario.days
    }

    fn shop(&self, day: u32) -> Shop<'_> {
        shop(&self.world, &self.scenario, day)
    }

    /// Simulates one day in every arm. Does nothing once the horizon is reached.
    pub fn step(&mut self) {
        if self.finished() {
            return;
        }
        let day = self.day;
        let (world, scenario) = (&self.world, &self.scenario);
        self.arms
            .par_iter_mut()
            .for_each(|arm| step_arm(world, scenario, arm, day));
        self.day += 1;
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
        let shop = self.shop(self.day.saturating_sub(1));
        let arms = self
            .arms
            .iter()
            .map(|arm| {
                let moments = shopper_moments(&arm.states);
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
                    metrics: Metrics::from(&arm.total, &moments),
                    moments,
                    daily: arm.daily.clone(),
                    insights,
                    churn_model_auc: churn_model_auc(&self.world, &shop, arm),
                }
            })
            .collect();
        Snapshot {
            scenario: self.scenario.name.clone(),
            day: self.day,
            days: self.scenario.days,
            arms,
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

fn step_arm(world: &World, scenario: &Scenario, arm: &mut ArmRun, day: u32) {
    let shop = shop(world, scenario, day);
    let outputs: Vec<DayOutput> = {
        let ctx = DayContext {
            world,
            shop,
            strategies: &arm.strategies,
            observes: arm.strategies.observes(),
        };
        arm.states
            .par_chunks_mut(CHUNK)
            .zip(arm.ids.par_chunks(CHUNK))
            .map(|(states, ids)| {
                let mut out = DayOutput::default();
                for (state, &id) in states.iter_mut().zip(ids) {
                    world.shopper_day(&ctx, id, state, &mut out);
                }
                out
            })
            .collect()
    };
    let mut counts = Counts::default();
    let mut log = DayLog {
        day,
        events: Vec::with_capacity(outputs.iter().map(|o| o.events.len()).sum()),
    };
    for out in outputs {
        counts.merge(&out.counts);
        log.events.extend_from_slice(&out.events);
    }
    arm.strategies.learn(&shop, &log);
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

fn shopper_moments(states: &[ShopperState]) -> ShopperMoments {
    let parts: Vec<ShopperMoments> = states
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut m = ShopperMoments::default();
            for s in chunk {
                let h = &s.history;
                m.add(
                    h.visits,
                    h.orders,
                    h.revenue,
                    h.margin,
                    s.is_active(),
                    h.subscribed,
                );
            }
            m
        })
        .collect();
    parts.iter().fold(ShopperMoments::default(), |mut acc, m| {
        acc.merge(m);
        acc
    })
}
