//! Engine throughput, quoted as impressions per second and as shopper-visits per second
//! (criterion's elements/s), one group per workload: a recommender (`popularity`,
//! `item-cf`, `mf`) on 1,000 and on 10,000 products, and the `default` scenario end to end.
//!
//! Run with `cargo bench --bench engine`; each group simulates a fixed world (seeded), so
//! the element count is exact and the same on every run.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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
    engine.snapshot().arms.iter().fold((0, 0), |(i, v), a| {
        (i + a.counts.impressions, v + a.counts.visits)
    })
}

/// The same run measured twice, so criterion quotes it in both units.
fn bench_workload(c: &mut Criterion, name: &str, scenario: Scenario) {
    let (impressions, visits) = run(&scenario);
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(impressions));
    group.bench_function("impressions", |b| b.iter(|| run(&scenario)));
    group.throughput(Throughput::Elements(visits));
    group.bench_function("visits", |b| b.iter(|| run(&scenario)));
    group.finish();
}

fn recommenders(c: &mut Criterion) {
    for recommender in ["popularity", "item-cf", "mf"] {
        for products in [1_000, 10_000] {
            bench_workload(
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
    bench_workload(c, "default_end_to_end", scenario);
}

criterion_group!(benches, recommenders, default_scenario);
criterion_main!(benches);
