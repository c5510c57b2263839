//! Replications of the built-in `aa-audit` plan (20,000 shoppers × 21 days, every arm's
//! truth on) per second, as criterion's elements/s; × 60 is replications a minute, and
//! 1,000 ÷ that is the minutes of a 1,000-replication audit (issue 16's target: under 5 on
//! this 2-core machine).
//!
//! `runs_side_by_side` is how `shoplab sweep` runs them: one run per thread, each on a
//! one-thread pool. `one_run_at_a_time` is the alternative it was measured against: the
//! runs in turn, each on every thread (the engine's arms and chunks in parallel).
//!
//! Run with `cargo bench --bench sweep`.
//!
//! Measured (issue 16), with aa-test's 4 arms (two A/A pairs) and both truths: 0.45 s of
//! CPU a replication on one thread and 0.42 s with two side by side (1,000 replications:
//! 453 s of CPU), so about 3.8 minutes for 1,000 replications on 2 free cores, under the
//! 5-minute target. Wall-clock figures here move with whatever else shares the cores; the
//! CPU time does not. A profile of a replication (perf, 4 runs): ~47% the in-experiment
//! truth (each arm's copy serving the shoppers of the other arms), ~29% the rollout passes
//! (one per arm), ~14% the arms' own shoppers, ~8% nightly learning within those, ~5%
//! building the world; allocation does not show.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shoplab::sweep::{execute, run_one, Overrides, Plan, Run};

/// Replications per measured iteration: two per thread at two threads.
const RUNS: u64 = 4;

fn aa_audit(c: &mut Criterion) {
    let overrides = Overrides {
        replications: Some(RUNS as u32),
        ..Overrides::default()
    };
    let plan = Plan::load("aa-audit", &overrides).expect("the built-in plan is valid");
    let runs: Vec<Run> = (0..RUNS).filter_map(|i| plan.run(i)).collect();
    let mut group = c.benchmark_group("aa_audit_replications");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(RUNS));
    for threads in [1, 2] {
        group.bench_function(format!("runs_side_by_side/{threads}_threads"), |b| {
            b.iter(|| {
                let mut records = Vec::with_capacity(runs.len());
                execute(&plan, &runs, threads, |r| {
                    records.push(r);
                    Ok(())
                })
                .expect("the runs run");
                records
            })
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("two threads start");
    group.bench_function("one_run_at_a_time/2_threads", |b| {
        b.iter(|| pool.install(|| runs.iter().map(|r| run_one(&plan, r)).collect::<Vec<_>>()))
    });
    group.finish();
}

criterion_group!(benches, aa_audit);
criterion_main!(benches);
