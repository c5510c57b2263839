//! The `segments` table: every compared metric of every arm within each level of an
//! observable dimension (GrowthBook's dimension slicing) — the scenario's observable
//! segments, and the sign-up cohort (customers from the start, or new during the run).
//!
//! Each slice runs the report's own analysis on the slice's shoppers. Slicing multiplies the
//! tests: the Holm and Benjamini–Hochberg columns adjust across every row of the table, and
//! a raw p-value below α in one slice of many is what chance alone produces
//! (docs/DATA.md).

use std::path::Path;

use crate::columns::record;
use crate::experiment::analysis::{compare_all, value, COMPARED};
use crate::experiment::{ArmSnapshot, Engine, Snapshot};
use crate::metrics::ShopperMoments;
use crate::report::tidy::Compared;
use crate::stats::{benjamini_hochberg, holm};
use crate::world::{Counts, ShopperState};

use super::parquet::Table;
use super::ExportError;

record! {
    /// Which slice, arm and metric a row is about, and the arm's value in the slice.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SegmentKey {
        /// Scenario name.
        pub scenario: String,
        /// Scenario seed.
        pub seed: u64,
        /// The dimension sliced: `segment` or `cohort`.
        pub dimension: String,
        /// Its level: a segment's name; `existing` or `new` for the cohort.
        pub level: String,
        /// Arm name.
        pub arm: String,
        /// The arm it is compared with; empty for the control.
        pub baseline: Option<String>,
        /// Metric name.
        pub metric: String,
        /// The arm's shoppers in the slice.
        pub shoppers: u64,
        /// The arm's value of the metric in the slice.
        pub value: f64,
    }
}

/// A row of `segments`: the slice, then the comparison within it.
pub type SegmentRow = (SegmentKey, Compared);

/// What an arm's shoppers in one slice add up to: the counts the compared metrics need,
/// taken from their histories, and their moments.
#[derive(Default, Clone)]
struct Slice {
    counts: Counts,
    moments: ShopperMoments,
}

impl Slice {
    fn add(&mut self, state: &ShopperState) {
        let h = &state.history;
        self.moments.add(h, state.is_active(), 0.0);
        let c = &mut self.counts;
        c.visits += u64::from(h.visits);
        c.orders += u64::from(h.orders);
        c.revenue += h.revenue;
        // The history's margin is net of message costs already.
        c.gross_margin += h.margin;
        // Every checkout either buys or abandons.
        c.carts += u64::from(h.orders + h.abandoned_carts);
        c.abandoned += u64::from(h.abandoned_carts);
    }
}

/// Every row of the table: levels in order (segments, then cohorts), arms, metrics.
pub(super) fn rows(engine: &Engine, snapshot: &Snapshot, alpha: f64) -> Vec<SegmentRow> {
    let population = engine.world().population();
    let names = population.segment_names();
    let observable: Vec<bool> = (0..names.len())
        .map(|s| population.is_observable(s as u16))
        .collect();
    let mut levels: Vec<(&str, &str)> = names
        .iter()
        .zip(&observable)
        .filter(|(_, &seen)| seen)
        .map(|(n, _)| ("segment", n.as_str()))
        .collect();
    let cohorts = levels.len();
    levels.extend([("cohort", "existing"), ("cohort", "new")]);
    // A segment's row among the levels: its rank among the observable segments.
    let segment_level: Vec<usize> = observable
        .iter()
        .scan(0, |next, &seen| {
            let level = *next;
            *next += usize::from(seen);
            Some(level)
        })
        .collect();
    let arms = snapshot.arms.len();
    let mut slices = vec![vec![Slice::default(); arms]; levels.len()];
    engine.for_each_shopper(|arm, id, state| {
        if let Some(s) = population.observable_segment(id) {
            slices[segment_level[usize::from(s)]][arm].add(state);
        }
        let new = population.profile(id).signup_day > 0;
        slices[cohorts + usize::from(new)][arm].add(state);
    });

    let mut rows = Vec::new();
    for ((dimension, level), slice) in levels.iter().zip(slices) {
        // A level nobody is in (no new shoppers in a run without arrivals) says nothing.
        if slice.iter().all(|s| s.moments.assigned == 0) {
            continue;
        }
        let sliced = Snapshot {
            arms: snapshot
                .arms
                .iter()
                .zip(slice)
                .map(|(arm, s)| ArmSnapshot {
                    strategies: arm.strategies.clone(),
                    clv: arm.clv.clone(),
                    // Per shopper within a slice, even where the arm has several copies
                    // of its strategies: a slice holds a handful of each copy's shoppers.
                    ..ArmSnapshot::from_totals(
                        arm.name.clone(),
                        arm.traffic,
                        arm.baseline,
                        s.counts,
                        s.moments,
                    )
                })
                .collect(),
            allocation: Vec::new(),
            ..snapshot.clone()
        };
        for (arm, vs) in sliced.arms.iter().zip(compare_all(&sliced, alpha)) {
            for metric in COMPARED {
                let compared = vs
                    .as_ref()
                    .map(|v| Compared::from(&v.get(metric).copied().unwrap_or_default()));
                let key = SegmentKey {
                    scenario: snapshot.scenario.clone(),
                    seed: engine.scenario().seed,
                    dimension: dimension.to_string(),
                    level: level.to_string(),
                    arm: arm.name.clone(),
                    baseline: compared.map(|_| snapshot.arms[arm.baseline].name.clone()),
                    metric: metric.to_string(),
                    shoppers: arm.moments.assigned,
                    value: value(&arm.metrics, metric),
                };
                rows.push((key, compared.unwrap_or_default()));
            }
        }
    }
    adjust(&mut rows, alpha);
    rows
}

/// Adjusts the p-values across every comparison of the table (each slice's analysis
/// adjusted only within the slice).
fn adjust(rows: &mut [SegmentRow], alpha: f64) {
    let raw: Vec<f64> = rows.iter().filter_map(|(_, c)| c.p_value).collect();
    let (Ok(holm), Ok(bh)) = (holm(&raw), benjamini_hochberg(&raw)) else {
        return;
    };
    let tested = rows.iter_mut().filter(|(_, c)| c.p_value.is_some());
    for (((_, c), h), b) in tested.zip(holm).zip(bh) {
        c.p_value_holm = Some(h);
        c.p_value_bh = Some(b);
        c.significant = Some(h < alpha);
    }
}

/// Writes the table.
pub(super) fn write(
    dir: &Path,
    metadata: &[(&str, String)],
    engine: &Engine,
    snapshot: &Snapshot,
    alpha: f64,
) -> Result<Table, ExportError> {
    let mut table = Table::of::<SegmentRow>(dir, "segments", metadata)?;
    for row in rows(engine, snapshot, alpha) {
        table.push(&row)?;
    }
    Ok(table)
}
