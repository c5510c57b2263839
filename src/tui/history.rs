//! What the dashboard remembers of a run: the library's record of every day
//! (`experiment::daily`), kept as the days arrive, and the reading of a comparison as a
//! significance mark.

use crate::experiment::analysis::MetricComparison;
use crate::experiment::daily::{ArmDay, DayRecord};
use crate::experiment::Snapshot;

use super::kpi::Kpi;

/// The comparison of one KPI of an arm with the control, if there is one.
pub fn comparison(arm: &ArmDay, kpi: Kpi) -> Option<&MetricComparison> {
    arm.comparison(kpi.metric()?)
}

/// The days of the current run so far.
#[derive(Debug, Clone, Default)]
pub struct History {
    days: Vec<DayRecord>,
}

impl History {
    /// Forgets everything (a restart).
    pub fn clear(&mut self) {
        self.days.clear();
    }

    /// Records a snapshot; day 0 (nothing simulated) and repeats are skipped. Returns the new
    /// record, if any.
    pub fn record(&mut self, snapshot: &Snapshot, alpha: f64) -> Option<&DayRecord> {
        let last = self.days.last().map_or(0, |d| d.day);
        if snapshot.day == 0 || snapshot.day <= last {
            return None;
        }
        self.days.push(DayRecord::of(snapshot, alpha));
        self.days.last()
    }

    /// Every recorded day, in order.
    pub fn days(&self) -> &[DayRecord] {
        &self.days
    }

    /// The latest record.
    pub fn last(&self) -> Option<&DayRecord> {
        self.days.last()
    }

    /// (day, cumulative value) of one KPI of one arm.
    pub fn path(&self, arm: usize, kpi: Kpi) -> Vec<(f64, f64)> {
        self.days
            .iter()
            .filter_map(|d| Some((f64::from(d.day), kpi.value(&d.arms.get(arm)?.metrics)?)))
            .collect()
    }

    /// (day, comparison with the control) of one KPI of one arm.
    pub fn comparisons(&self, arm: usize, kpi: Kpi) -> Vec<(f64, MetricComparison)> {
        self.days
            .iter()
            .filter_map(|d| Some((f64::from(d.day), *comparison(d.arms.get(arm)?, kpi)?)))
            .collect()
    }
}

/// Whether an arm differs from its baseline at level α, by the test's p-value (Holm-adjusted,
/// as in the reports); the direction is the lift's sign. The interval decides only when
/// there is no p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Significance {
    /// Significantly above the control.
    Better,
    /// Significantly below the control.
    Worse,
    /// Not significant.
    Unclear,
    /// No test yet (too little data).
    Unknown,
}

impl Significance {
    /// Reads a comparison at level `alpha`: by its Holm-adjusted p-value across arms and
    /// metrics (as the reports do), else its raw p-value, else its interval.
    pub fn of(c: Option<&MetricComparison>, alpha: f64) -> Self {
        let Some(c) = c else {
            return Significance::Unknown;
        };
        let direction = |up: bool| {
            if up {
                Significance::Better
            } else {
                Significance::Worse
            }
        };
        match (
            c.p_value_holm.or(c.p_value),
            c.lift,
            c.ci_low.zip(c.ci_high),
        ) {
            (Some(p), Some(lift), _) if p < alpha => direction(lift > 0.0),
            (Some(_), _, _) => Significance::Unclear,
            (None, _, Some((lo, hi))) if lo > 0.0 || hi < 0.0 => direction(lo > 0.0),
            (None, _, Some(_)) => Significance::Unclear,
            (None, _, None) => Significance::Unknown,
        }
    }

    /// Whether the interval excludes zero.
    pub fn is_significant(self) -> bool {
        matches!(self, Significance::Better | Significance::Worse)
    }

    /// The mark beside a lift: `▲ sig`, `▼ sig`, `n.s.`, or nothing.
    pub fn mark(self) -> &'static str {
        match self {
            Significance::Better => "▲ sig",
            Significance::Worse => "▼ sig",
            Significance::Unclear => "n.s.",
            Significance::Unknown => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(lift: f64, lo: f64, hi: f64, p: Option<f64>) -> MetricComparison {
        MetricComparison {
            lift: Some(lift),
            ci_low: Some(lo),
            ci_high: Some(hi),
            p_value: p,
            ..MetricComparison::default()
        }
    }

    #[test]
    fn the_test_decides_and_the_interval_only_without_one() {
        let of = |c: MetricComparison| Significance::of(Some(&c), 0.05);
        assert_eq!(of(cmp(0.2, 0.1, 0.3, Some(0.01))), Significance::Better);
        assert_eq!(of(cmp(-0.2, -0.3, -0.1, Some(0.01))), Significance::Worse);
        // A Wald interval excluding zero with p above α: not significant.
        assert_eq!(of(cmp(-0.7, -1.3, -0.1, Some(0.19))), Significance::Unclear);
        assert_eq!(of(cmp(0.2, 0.1, 0.3, None)), Significance::Better);
        assert_eq!(of(cmp(0.2, -0.1, 0.3, None)), Significance::Unclear);
        assert_eq!(Significance::of(None, 0.05), Significance::Unknown);
    }
}
