//! Running a sweep's runs on the local cores.
//!
//! Runs are independent, so the cores are shared out by run: each worker thread takes the
//! next run, simulates it alone on its own one-thread pool, and hands the record to the
//! caller's thread, which writes it at once. One run per core beats one run at a time on
//! every core (measured in `benches/sweep.rs`): a run's days are sequential, each day ends
//! in a nightly batch that one thread does alone, and a small run's chunks are too few to
//! keep two threads busy. With fewer runs than threads, the spare threads go to the runs.
//! Results do not depend on any of this: a run's record is the same on any thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::plan::{Plan, Run};
use super::record::RunRecord;
use super::SweepError;
use crate::report::Report;
use crate::Engine;

/// Simulates one run of `plan` on the current thread pool and returns its record.
pub fn run_one(plan: &Plan, run: &Run) -> RunRecord {
    let scenario = plan.scenario(run);
    let mut engine = Engine::new(scenario);
    engine.run(|_| {});
    let snapshot = engine.snapshot();
    let report = Report::new(engine.scenario(), &snapshot);
    RunRecord::new(plan, run, &report)
}

/// Runs `runs` of `plan` on `threads` threads, handing each record to `sink` on the calling
/// thread as soon as its run ends (in the order runs end). Stops at the first error of
/// `sink`, after the runs under way.
pub fn execute(
    plan: &Plan,
    runs: &[Run],
    threads: usize,
    mut sink: impl FnMut(RunRecord) -> Result<(), SweepError>,
) -> Result<(), SweepError> {
    if runs.is_empty() {
        return Ok(());
    }
    let workers = threads.clamp(1, runs.len());
    let inner = (threads / workers).max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<Result<RunRecord, SweepError>>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                let pool = match rayon::ThreadPoolBuilder::new().num_threads(inner).build() {
                    Ok(pool) => pool,
                    Err(e) => {
                        let _ = tx.send(Err(SweepError::Threads(e.to_string())));
                        return;
                    }
                };
                while !stop.load(Ordering::Relaxed) {
                    let Some(run) = runs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let record = pool.install(|| run_one(plan, run));
                    if tx.send(Ok(record)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for outcome in rx {
            if let Err(e) = outcome.and_then(&mut sink) {
                stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    })
}
