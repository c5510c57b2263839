//! The statistics behind every report: cost per call of each test at realistic sizes.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use shoplab::stats::{
    benjamini_hochberg, beta_binomial_chance_to_beat, holm, ratio_comparison, replicate_comparison,
    sample_size_proportions, two_proportion_z_test, welch_t_test_moments, MeanMoments,
    RatioMoments,
};

fn stats(c: &mut Criterion) {
    let mut group = c.benchmark_group("statistics");
    let (mut rc, mut rt) = (RatioMoments::default(), RatioMoments::default());
    let (mut mc, mut mt) = (MeanMoments::default(), MeanMoments::default());
    for i in 0..10_000u32 {
        let visits = f64::from(i % 7);
        rc.add(f64::from(i % 41 == 0), visits);
        rt.add(f64::from(i % 37 == 0), visits);
        mc.add(f64::from(i % 13));
        mt.add(f64::from(i % 11));
    }
    group.bench_function("two_proportion_z_test", |b| {
        b.iter(|| two_proportion_z_test(black_box(200), 10_000, black_box(240), 10_000, 0.05))
    });
    group.bench_function("welch_t_test", |b| {
        b.iter(|| welch_t_test_moments(black_box(&mc), black_box(&mt), 0.05))
    });
    group.bench_function("delta_method_ratio", |b| {
        b.iter(|| ratio_comparison(black_box(&rc), black_box(&rt), 0.05))
    });
    // Eight copies per arm, (orders, visits) totals.
    let copies = |base: u32| -> Vec<(f64, f64)> {
        (0..8u32)
            .map(|c| (f64::from(base + 7 * c % 23), f64::from(2_000 + 13 * c)))
            .collect()
    };
    let (cc, ct) = (copies(100), copies(112));
    group.bench_function("replicate_comparison_8_copies", |b| {
        b.iter(|| replicate_comparison(black_box(&cc), black_box(&ct), 0.05))
    });
    group.bench_function("beta_binomial_chance_to_beat_1e5", |b| {
        b.iter(|| {
            beta_binomial_chance_to_beat(black_box(2_000), 100_000, black_box(2_150), 100_000)
        })
    });
    let p: Vec<f64> = (1..=60).map(|i| f64::from(i) / 61.0).collect();
    group.bench_function("holm_and_bh_60", |b| {
        b.iter(|| (holm(black_box(&p)), benjamini_hochberg(black_box(&p))))
    });
    group.bench_function("sample_size_proportions", |b| {
        b.iter(|| sample_size_proportions(black_box(0.02), 0.1, 0.05, 0.8, 2))
    });
    group.finish();
}

criterion_group!(benches, stats);
criterion_main!(benches);
