//! How much memory a run needs, estimated from the checked scenario before anything is built,
//! against how much this process may use: a run that cannot fit is refused with both figures
//! and the keys to shrink, instead of aborting on an allocation after minutes of work.
//!
//! [`estimate`] is a sum of named terms, one per component of a run. The sizes per shopper,
//! per product and per arm are calibrated against the peak resident size of real runs
//! (`/usr/bin/time -v`, release build; the figures are in the comments and the README) and
//! rounded up, so the estimate errs on the large side by 4–55% (the README lists the runs).
//! A change to what a run keeps needs a term here.

use std::fmt;

use crate::scenario::Scenario;
pub use crate::scenario::{MAX_ARMS, MAX_CATALOG_CELLS};
use crate::strategy::registry::StrategySpec;

/// Bytes of one shopper's hidden traits, profile and daily record, beside the taste vector
/// (104 bytes of fields, measured with the population of 1M shoppers: 394 MB for one
/// popularity arm over one day, of which about 136 MB is the population at 8 dimensions).
const POPULATION_BYTES: u64 = 110;
/// Bytes of an experiment arm's state per shopper in it: the shopper state, id, covariate,
/// the assignment while it is made, and a share of the day's events (1M shoppers, 10 days:
/// 394 MB less the population and the program), and the purchase-day history the CLV
/// projection reads (first order day, order days, repeat revenue, order margin), measured at
/// 24–32 bytes: 468 → 492 MB on that run, 551 → 583 MB on `benches/million.toml`.
const ARM_STATE_BYTES: u64 = 292;
/// Bytes per product of the catalog beside its hidden vector: attributes, price ratios,
/// quality, the category's list (1M products: 112 MB at 8 dimensions with two popularity
/// arms, 336 MB at 64).
const PRODUCT_BYTES: u64 = 50;
/// Bytes a run needs whatever its size: the program, thread stacks, the report.
const BASELINE_BYTES: u64 = 24_000_000;
/// Bytes of one arm whatever its size: its strategies' fixed tables, day buffers, monitors
/// (1,000 popularity arms of 500 shoppers and 2,000 products: 55 MB).
const ARM_FIXED_BYTES: u64 = 8_000;

/// A run's estimated memory, by component, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Every shopper's hidden traits, profile and taste vector.
    pub population: u64,
    /// The products: attributes and hidden vectors.
    pub catalog: u64,
    /// The experiment arms' shopper states (each shopper is in one arm).
    pub arm_states: u64,
    /// What the experiment arms' strategies remember and learn (every copy of them, with
    /// `experiment.replicates`).
    pub strategies: u64,
    /// The in-experiment truth: every arm serves the shoppers outside it as guests, with
    /// their states and what its strategies remember of them.
    pub guests: u64,
    /// The rollout truth: each distinct arm again on the whole population, with its
    /// strategies.
    pub truth_runs: u64,
    /// The CUPED pre-period: a copy of the world and the control arm on everyone.
    pub pre_period: u64,
    /// The program, its threads and buffers.
    pub baseline: u64,
}

impl Footprint {
    /// The estimated peak, in bytes. The pre-period runs, and is freed, before the arms are
    /// built: the peak is the larger of the two phases.
    pub fn total(&self) -> u64 {
        let experiment = self.arm_states + self.strategies + self.guests + self.truth_runs;
        self.population + self.catalog + self.baseline + experiment.max(self.pre_period)
    }

    /// The scenario keys that shrink the largest terms, largest first.
    pub fn keys_to_shrink(&self) -> Vec<&'static str> {
        let mut terms = [
            (
                self.population + self.arm_states,
                "shoppers (or --shoppers)",
            ),
            (self.catalog, "catalog.products or world.latent_dim"),
            (
                self.strategies,
                "the number of arms or catalog.products (learning recommenders keep tables per product)",
            ),
            (
                self.guests + self.truth_runs,
                "experiment.true_effect = false (or --true-effect off)",
            ),
            (self.pre_period, "experiment.cuped_days (or --cuped-days 0)"),
        ];
        terms.sort_by_key(|t| std::cmp::Reverse(t.0));
        terms
            .iter()
            .filter(|(bytes, _)| *bytes > 0)
            .take(3)
            .map(|(_, key)| *key)
            .collect()
    }
}

/// Estimates the peak memory of running `s` as it stands (overrides applied).
pub fn estimate(s: &Scenario) -> Footprint {
    let shoppers = u64::from(s.shoppers);
    let products = s.catalog.products.max(0) as u64;
    let dim = s.world.latent_dim as u64;
    let arms = s.arms.len() as u64;
    let population = shoppers * (POPULATION_BYTES + 4 * dim);
    let catalog = products * (PRODUCT_BYTES + 4 * dim);
    let arm_states = shoppers * ARM_STATE_BYTES + arms * ARM_FIXED_BYTES;
    // Each experiment arm meets its share of the population, split between its copies of
    // the strategies; each copy keeps its own tables per shopper of the population and per
    // product.
    let copies = u64::from(s.experiment.replicates.max(1));
    let met = |a: &crate::scenario::ArmSpec| (a.traffic * shoppers as f64).ceil() as u64;
    let strategies: u64 = s
        .arms
        .iter()
        .map(|a| copies * arm_strategies(a, shoppers, met(a).div_ceil(copies), products))
        .sum();
    let (guests, truth_runs) = if s.true_effect() {
        // Guests: everyone outside the arm, with a state and a memory of their own.
        let guests = s
            .arms
            .iter()
            .map(|a| {
                let outside = shoppers.saturating_sub(met(a));
                outside * ARM_STATE_BYTES + guest_memory(a) * outside
            })
            .sum();
        // Rollout: one run per distinct bundle of strategies (identical arms share one).
        let mut distinct: Vec<&crate::scenario::ArmSpec> = Vec::new();
        for a in &s.arms {
            let same = |b: &&crate::scenario::ArmSpec| {
                (&a.recommender, &a.pricing, &a.retention, &a.email)
                    == (&b.recommender, &b.pricing, &b.retention, &b.email)
            };
            if !distinct.iter().any(same) {
                distinct.push(a);
            }
        }
        let rollout = distinct
            .iter()
            .map(|a| {
                shoppers * ARM_STATE_BYTES
                    + ARM_FIXED_BYTES
                    + arm_strategies(a, shoppers, shoppers, products)
            })
            .sum();
        (guests, rollout)
    } else {
        (0, 0)
    };
    let pre_period = match (s.experiment.cuped_days, s.arms.first()) {
        (0, _) | (_, None) => 0,
        (_, Some(control)) => {
            population
                + catalog
                + shoppers * ARM_STATE_BYTES
                + arm_strategies(control, shoppers, shoppers, products)
        }
    };
    Footprint {
        population,
        catalog,
        arm_states,
        strategies,
        guests,
        truth_runs,
        pre_period,
        baseline: BASELINE_BYTES,
    }
}

/// Bytes a strategy bundle remembers per guest: what it keeps per shopper it meets.
fn guest_memory(arm: &crate::scenario::ArmSpec) -> u64 {
    [&arm.recommender, &arm.pricing, &arm.retention, &arm.email]
        .into_iter()
        .map(|spec| strategy_memory(spec).unwrap_or(UNKNOWN_STRATEGY).per_met)
        .sum()
}

fn arm_strategies(arm: &crate::scenario::ArmSpec, population: u64, met: u64, products: u64) -> u64 {
    [&arm.recommender, &arm.pricing, &arm.retention, &arm.email]
        .into_iter()
        .map(|spec| {
            let m = strategy_memory(spec).unwrap_or(UNKNOWN_STRATEGY);
            m.per_population * population + m.per_met * met + m.per_product * products
        })
        .sum()
}

/// What a strategy keeps, in bytes: per shopper of the population (tables indexed by
/// shopper), per shopper it meets (its memory of them), and per product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StrategyMemory {
    /// Bytes per shopper of the population.
    pub per_population: u64,
    /// Bytes per shopper the arm meets.
    pub per_met: u64,
    /// Bytes per product of the catalog.
    pub per_product: u64,
}

/// What a strategy without an entry below is assumed to keep: as much as the largest.
const UNKNOWN_STRATEGY: StrategyMemory = StrategyMemory {
    per_population: 200,
    per_met: 400,
    per_product: 1_500,
};

/// The memory of a strategy, from its name and parameters: measured per strategy on
/// 300,000 shoppers over 10 days and on 500 arms of 2,000 products, against the `random`
/// recommender, and rounded up. Every registered strategy has an entry (a test checks).
pub fn strategy_memory(spec: &StrategySpec) -> Option<StrategyMemory> {
    let m = |per_population, per_met, per_product| StrategyMemory {
        per_population,
        per_met,
        per_product,
    };
    // The shopper memory of a learning recommender: an index per shopper of the population
    // and 16 remembered products with weights per shopper met.
    const MEMORY: (u64, u64) = (4, 130);
    let neighbours = |name| (spec.param(name) as u64) * 8;
    Some(match spec.name {
        "random" => m(0, 0, 8),
        "popularity" => m(0, 0, 20),
        // Co-occurrence rows and `neighbours` (id, similarity) pairs per product.
        "item-cf" => m(MEMORY.0, MEMORY.1, 270 + neighbours("neighbours")),
        "user-cf" => m(MEMORY.0 + 16 + neighbours("neighbours"), MEMORY.1, 300),
        "content" => m(MEMORY.0, MEMORY.1 + 40, 120),
        // Shopper and product vectors, and a product's f × f normal equations (640 bytes a
        // product at 8 factors, measured).
        "mf" => {
            let f = spec.param("factors") as u64;
            m(MEMORY.0, MEMORY.1 + 8 * f, 64 + 8 * f + 8 * f * f)
        }
        // item-cf, mf and content together, at their defaults (1,050 bytes a product,
        // measured).
        "hybrid" => m(3 * MEMORY.0, MEMORY.1 + 200, 1_200),
        "bandit" => m(MEMORY.0, MEMORY.1 + 20, 40),
        "list" | "segment" | "demand" | "bandit-price" | "promo" => m(0, 0, 0),
        "none" | "winback" => m(0, 0, 0),
        "churn-model" => m(40, 0, 0),
        "loyalty" => m(8, 0, 0),
        // Every email strategy caps messages: the days of the last `cap` messages per shopper.
        "fixed-hour" => m(4 * spec.param("cap") as u64, 0, 0),
        "send-time" => m(16 + 4 * spec.param("cap") as u64, 0, 0),
        "cart-reminder" => m(1 + 4 * spec.param("cap") as u64, 0, 0),
        _ => return None,
    })
}

/// The most memory this process may use, and what sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// What sets it: `ulimit -v`, the container's memory limit, or the machine's memory.
    pub source: &'static str,
}

/// The smallest of: what is left under the cgroup's memory limit (v2 `memory.max` or v1
/// `memory.limit_in_bytes`), the address space left under `RLIMIT_AS` (`ulimit -v`), and
/// the machine's available memory and free swap. `None` where none can be read.
pub fn limit() -> Option<Limit> {
    [cgroup_room(), address_space_room(), physical_room()]
        .into_iter()
        .flatten()
        .min_by_key(|l| l.bytes)
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn cgroup_room() -> Option<Limit> {
    let membership = read("/proc/self/cgroup").unwrap_or_default();
    let mut rooms = Vec::new();
    for line in membership.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next()?, parts.next()?);
        // Inside a container the group's own path may not be mounted; its root then is.
        let dirs = |base: &str| [format!("{base}{path}"), base.to_string()];
        let (files, limit_file, usage_file) = if controllers.is_empty() {
            (dirs("/sys/fs/cgroup"), "memory.max", "memory.current")
        } else if controllers.split(',').any(|c| c == "memory") {
            (
                dirs("/sys/fs/cgroup/memory"),
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
            )
        } else {
            continue;
        };
        for dir in files {
            let Some(limit) =
                read(&format!("{dir}/{limit_file}")).and_then(|t| t.trim().parse::<u64>().ok())
            else {
                continue;
            };
            let used = read(&format!("{dir}/{usage_file}"))
                .and_then(|t| t.trim().parse::<u64>().ok())
                .unwrap_or(0);
            // v1 writes "no limit" as a number near 2^63.
            if limit < 1 << 60 {
                rooms.push(limit.saturating_sub(used));
            }
            break;
        }
    }
    rooms.into_iter().min().map(|bytes| Limit {
        bytes,
        source: "the container's memory limit (cgroup)",
    })
}

fn address_space_room() -> Option<Limit> {
    let limits = read("/proc/self/limits")?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft: u64 = line
        .trim_start_matches("Max address space")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // Address space, not memory: what is mapped already counts, and each worker thread may
    // reserve a malloc arena (64 MiB) and a stack.
    let mapped = status_kib("VmSize").unwrap_or(0) * 1024;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let reserved = threads * (64 << 20) + (16 << 20);
    Some(Limit {
        bytes: soft.saturating_sub(mapped + reserved),
        source: "the address-space limit (ulimit -v)",
    })
}

fn status_kib(field: &str) -> Option<u64> {
    let status = read("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn physical_room() -> Option<Limit> {
    let meminfo = read("/proc/meminfo")?;
    let kib = |field: &str| -> Option<u64> {
        let line = meminfo.lines().find(|l| l.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let bytes = (kib("MemAvailable:")? + kib("SwapFree:").unwrap_or(0)) * 1024;
    Some(Limit {
        bytes,
        source: "the machine's available memory",
    })
}

/// A run that would not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooBig {
    /// The estimate.
    pub footprint: Footprint,
    /// The limit it exceeds.
    pub limit: Limit,
}

impl fmt::Display for TooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "this run needs about {} of memory, but {} is available under {}; shrink {}",
            bytes(self.footprint.total()),
            bytes(self.limit.bytes),
            self.limit.source,
            self.footprint.keys_to_shrink().join(", or ")
        )
    }
}

impl std::error::Error for TooBig {}

/// Refuses a scenario whose estimated memory exceeds what this process may use.
pub fn check(s: &Scenario) -> Result<Footprint, TooBig> {
    let footprint = estimate(s);
    match limit() {
        Some(limit) if footprint.total() > limit.bytes => Err(TooBig { footprint, limit }),
        _ => Ok(footprint),
    }
}

/// `1.2 GB`, `340 MB`: decimal units, as memory is sold.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.1} GB", n / 1e9)
    } else {
        format!("{:.0} MB", (n / 1e6).max(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::registry::{self, Family};

    #[test]
    fn every_strategy_has_a_memory() {
        for family in Family::ALL {
            for info in registry::infos(family) {
                let raw = crate::scenario::RawStrategy::Name(info.name.to_string());
                let spec = crate::scenario::check_strategy(family, Some(&raw), "k").unwrap();
                assert!(
                    strategy_memory(&spec).is_some(),
                    "no memory estimate for {family} '{}'",
                    info.name
                );
            }
        }
    }

    #[test]
    fn terms_grow_with_what_they_count() {
        let mut s = Scenario::load("default").unwrap();
        s.experiment.true_effect = Some(false);
        let small = estimate(&s);
        s.shoppers *= 10;
        let large = estimate(&s);
        assert_eq!(large.population, 10 * small.population);
        assert!(large.arm_states > 9 * small.arm_states);
        assert_eq!(large.catalog, small.catalog);
        s.experiment.true_effect = Some(true);
        assert!(estimate(&s).truth_runs > large.arm_states);
        assert_eq!(large.truth_runs, 0);
    }

    #[test]
    fn a_refusal_names_the_figures_and_the_keys() {
        let mut s = Scenario::load("default").unwrap();
        s.shoppers = 50_000_000;
        s.experiment.true_effect = Some(false);
        let e = TooBig {
            footprint: estimate(&s),
            limit: Limit {
                bytes: 4_000_000_000,
                source: "the address-space limit (ulimit -v)",
            },
        };
        let text = e.to_string();
        assert!(text.starts_with("this run needs about 2"), "{text}");
        assert!(
            text.contains("but 4.0 GB is available under the address-space limit (ulimit -v)"),
            "{text}"
        );
        assert!(text.contains("shrink shoppers (or --shoppers)"), "{text}");
        assert_eq!(bytes(340_000_000), "340 MB");
    }
}
