//! Engine throughput, quoted as impressions per second and as shopper-visits per second
//! (criterion's elements/s), one group per workload: a recommender (`popularity`,
//! `item-cf`, `mf`) on 1,000 and on 10,000 products, and the `default` scenario end to end.
//!
//! The recommender groups time the simulation of a built world (`Engine::run`); building
//! the world (catalog and shoppers' traits) is timed apart, in shoppers per second, and
//! the `default` group times everything from the scenario to the snapshot.
//!
//! Run with `cargo bench --bench engine`; each group simulates a fixed world (seeded), so
//! the element count is exact and the same on every run.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use shoplab::{Engine, Scenario};

/// Shoppers and days of the recommender workloads: enough visits that nightly learning and
/// per-day overheads weigh as they do in real runs.
const SHOPPERS: u32 = 50_000;
const DAYS: u32 = 14;

fn scenario_with(recommender: &str, products: u32) -> Scenario {
    let text = format!(
        "shoppers = {SHOPPERS}\ndays = {DAYS}\n[catalog]\nproducts = {products}\ncategories = 20\n\
         [[arms]]\nname = \"a\"\nrecommender = \"{recommender}\"\n[experiment]\ntrue_effect = false\n"
    );
    Scenario::parse(&text, "bench", "bench").expect("bench scenario is valid")
}

/// Runs the scenario; returns its impressions and visits over all arms.
fn run(scenario: &Scenario) -> (u64, u64) {
    let mut engine = Engine::new(scenario.clone());
    engine.run(|_| {});
    totals(&engine)
}

fn totals(engine: &Engine) -> (u64, u64) {
    engine.snapshot().arms.iter().fold((0, 0), |(i, v), a| {
        (i + a.counts.impressions, v + a.counts.visits)
    })
}

/// The simulation of a built world, measured twice, so criterion quotes it in both units.
fn bench_simulation(c: &mut Criterion, name: &str, scenario: Scenario) {
    let (impressions, visits) = run(&scenario);
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for (unit, count) in [("impressions", impressions), ("visits", visits)] {
        group.throughput(Throughput::Elements(count));
        group.bench_function(unit, |b| {
            b.iter_batched(
                || Engine::new(scenario.clone()),
                |mut engine| {
                    engine.run(|_| {});
                    engine
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// Scenario to snapshot, world building included, in both units.
fn bench_end_to_end(c: &mut Criterion, name: &str, scenario: Scenario) {
    let (impressions, visits) = run(&scenario);
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for (unit, count) in [("impressions", impressions), ("visits", visits)] {
        group.throughput(Throughput::Elements(count));
        group.bench_function(unit, |b| b.iter(|| run(&scenario)));
    }
    group.finish();
}

/// Building the world and assigning its shoppers, in shoppers per second.
fn world(c: &mut Criterion) {
    let scenario = scenario_with("popularity", 1_000);
    let mut group = c.benchmark_group("world_build");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(SHOPPERS)));
    group.bench_function("shoppers", |b| b.iter(|| Engine::new(scenario.clone())));
    group.finish();
}

fn recommenders(c: &mut Criterion) {
    for recommender in ["popularity", "item-cf", "mf"] {
        for products in [1_000, 10_000] {
            bench_simulation(
                c,
                &format!("{recommender}_{products}_products"),
                scenario_with(recommender, products),
            );
        }
    }
}

fn default_scenario(c: &mut Criterion) {
    let mut scenario = Scenario::load("default").expect("built-in");
    scenario.experiment.true_effect = Some(false);
    bench_end_to_end(c, "default_end_to_end", scenario);
}

criterion_group!(benches, recommenders, world, default_scenario);
criterion_main!(benches);
