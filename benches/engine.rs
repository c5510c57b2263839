//! Engine throughput: shopper-visits per second on the default world, one group per size.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shoplab::{Engine, Scenario};

fn scenario(shoppers: u32, days: u32) -> Scenario {
    let mut s = Scenario::load("default").expect("built-in");
    s.shoppers = shoppers;
    s.days = days;
    s
}

fn engine(c: &mut Criterion) {
    for (shoppers, days) in [(10_000u32, 10u32), (100_000, 10)] {
        // Visits are a property of the seeded world, so count them once for the throughput.
        let mut probe = Engine::new(scenario(shoppers, days));
        probe.run(|_| {});
        let visits: u64 = probe.snapshot().arms.iter().map(|a| a.counts.visits).sum();
        let mut group = c.benchmark_group(format!("default_{shoppers}_shoppers"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(visits));
        group.bench_function(BenchmarkId::new("visits", days), |b| {
            b.iter(|| {
                let mut e = Engine::new(scenario(shoppers, days));
                e.run(|_| {});
                e.day()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
