//! The statistics behind every report: cost per call of each test at realistic sizes.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use shoplab::stats::clv::{
    fit_bg_nbd, fit_gamma_gamma, project_clv, simulate_customers, BgNbdParams, CustomerSummary,
    GammaGammaParams, ProjectionOptions,
};
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

/// The CLV fits run once per arm: 10,000 customers drawn from a CDNOW-like process, in days
/// (first purchases spread over 84 days, observed for 546), so that most histories are
/// distinct and grouping does not help.
fn clv(c: &mut Criterion) {
    let mut group = c.benchmark_group("clv");
    group.sample_size(10);
    let transactions = BgNbdParams::new(0.243, 4.414 * 7.0, 0.793, 2.426).unwrap();
    let spend = GammaGammaParams::new(6.25, 3.74, 15.45).unwrap();
    let n = 10_000usize;
    let ages: Vec<f64> = (0..n).map(|i| 462.0 + (i % 85) as f64).collect();
    let customers: Vec<CustomerSummary> = simulate_customers(&transactions, &spend, &ages, 1)
        .unwrap()
        .iter()
        .map(|s| s.summary)
        .collect();
    group.bench_with_input(BenchmarkId::new("fit_bg_nbd", n), &customers, |b, c| {
        b.iter(|| fit_bg_nbd(black_box(c)).unwrap())
    });
    group.bench_with_input(
        BenchmarkId::new("fit_gamma_gamma", n),
        &customers,
        |b, c| b.iter(|| fit_gamma_gamma(black_box(c)).unwrap()),
    );
    let options = ProjectionOptions::new(365.0);
    group.bench_with_input(
        BenchmarkId::new("project_clv_delta", n),
        &customers,
        |b, c| b.iter(|| project_clv(black_box(c), &options).unwrap()),
    );
    group.finish();
}

criterion_group!(benches, stats, clv);
criterion_main!(benches);
