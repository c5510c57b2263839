//! The event log: what changed that a person would want to know about, stamped with the
//! simulated day (never the wall clock, so a run's log is reproducible).

use crate::experiment::analysis::Srm;
use crate::experiment::daily::DayRecord;
use crate::experiment::Snapshot;

use super::format;
use super::history::{comparison, Significance};
use super::kpi::Kpi;

/// How an entry should catch the eye.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// Something happened.
    Info,
    /// An arm beats the control.
    Good,
    /// Something needs attention: an arm loses, a mismatch, a failed export.
    Warn,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Simulated day it refers to, if any.
    pub day: Option<u32>,
    /// How it should look.
    pub kind: LogKind,
    /// What happened.
    pub text: String,
}

/// The log of the session and the state it needs to notice changes.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    entries: Vec<LogEntry>,
    /// Last seen significance per arm and charted KPI, to log only changes.
    significance: Vec<[Significance; 3]>,
    srm_alerted: bool,
    finished: bool,
}

impl EventLog {
    /// Every entry, oldest first.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// Adds an entry.
    pub fn push(&mut self, day: Option<u32>, kind: LogKind, text: impl Into<String>) {
        self.entries.push(LogEntry {
            day,
            kind,
            text: text.into(),
        });
    }

    /// Starts watching a new run (after a start or restart); earlier entries stay.
    pub fn new_run(&mut self) {
        self.significance.clear();
        self.srm_alerted = false;
        self.finished = false;
    }

    /// Notices what changed with the day just recorded: milestones, arms becoming (or
    /// ceasing to be) significant on a headline KPI, a sample-ratio mismatch, the end.
    pub fn observe(
        &mut self,
        snapshot: &Snapshot,
        record: &DayRecord,
        srm: Option<&Srm>,
        alpha: f64,
    ) {
        let day = record.day;
        if milestone(day, snapshot.days) {
            self.push(
                Some(day),
                LogKind::Info,
                format!("day {day} of {} simulated", snapshot.days),
            );
        }
        self.significance
            .resize(record.arms.len(), [Significance::Unknown; 3]);
        for (i, arm) in record.arms.iter().enumerate().skip(1) {
            for (k, kpi) in Kpi::CHARTED.into_iter().enumerate() {
                let c = comparison(arm, kpi);
                let now = Significance::of(c, alpha);
                let before = std::mem::replace(&mut self.significance[i][k], now);
                if now.is_significant() == before.is_significant() {
                    continue;
                }
                let name = &snapshot.arms[i].name;
                let (kind, text) = match (now, c) {
                    (Significance::Better | Significance::Worse, Some(c)) => (
                        if now == Significance::Better {
                            LogKind::Good
                        } else {
                            LogKind::Warn
                        },
                        format!(
                            "{name} became significant on {}: {} {} {}",
                            kpi.label(),
                            c.lift.map_or("n/a".into(), format::signed_percent),
                            format::interval(c.ci_low.unwrap_or(0.0), c.ci_high.unwrap_or(0.0)),
                            c.p_value.map_or(String::new(), format::p_value),
                        ),
                    ),
                    _ => (
                        LogKind::Info,
                        format!("{name} is no longer significant on {}", kpi.label()),
                    ),
                };
                self.push(Some(day), kind, text);
            }
        }
        if let Some(srm) = srm.filter(|s| s.flagged && !self.srm_alerted) {
            self.srm_alerted = true;
            self.push(
                Some(day),
                LogKind::Warn,
                format!(
                    "SRM alert: shoppers per arm do not match the traffic shares (p={:.1e}); do not trust the results",
                    srm.p_value
                ),
            );
        }
        if snapshot.finished() && !self.finished {
            self.finished = true;
            self.push(
                Some(day),
                LogKind::Info,
                "horizon reached: final results (e exports them)",
            );
        }
    }
}

/// Quarter marks of the horizon, so any horizon gets three milestones at most.
fn milestone(day: u32, days: u32) -> bool {
    days >= 4 && day < days && (1..4).any(|q| day == (days * q).div_ceil(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_are_the_quarters() {
        let marks: Vec<u32> = (1..=30).filter(|&d| milestone(d, 30)).collect();
        assert_eq!(marks, [8, 15, 23]);
        assert!((1..=3).all(|d| !milestone(d, 3)));
    }
}
