//! The `days` table: one row per arm × day, with that day's counts, the metrics so far, the
//! day's own metrics and, against the arm's baseline, the cumulative lift with its interval and
//! the naive and always-valid p-values — the numbers of the dashboard's Charts view, from
//! the same [`DayRecord`]s.
//!
//! Its columns follow `Counts` and `Metrics`, so a count or metric added there appears here
//! without a change.

use std::path::Path;

use serde::Serialize;
use serde_json::{Number, Value};

use crate::columns::{Cell, Field, Kind};
use crate::experiment::analysis::{MetricComparison, COMPARED};
use crate::experiment::daily::{day_value, DayRecord, DAY_METRICS};
use crate::metrics::Metrics;
use crate::report::tidy::bounded;
use crate::scenario::Scenario;
use crate::world::Counts;

use super::parquet::Table;
use super::ExportError;

/// The comparison columns of every compared metric, as `{metric}_{part}`.
const PARTS: [&str; 6] = [
    "lift",
    "ci_low",
    "ci_high",
    "p_value",
    "true_lift",
    "rollout_lift",
];

/// One part of a comparison.
fn part(c: &MetricComparison, part: &str) -> Option<f64> {
    match part {
        "lift" => c.lift,
        "ci_low" => bounded(c.ci_low),
        "ci_high" => bounded(c.ci_high),
        "p_value" => c.p_value,
        "true_lift" => c.true_lift,
        "rollout_lift" => c.rollout_lift,
        _ => None,
    }
}

/// The fields of a struct of numbers, in declaration order, with their values.
fn numbers<T: Serialize>(value: &T) -> Vec<(String, Number)> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::Number(n) => Some((k, n)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A number as a cell: a whole count stays whole.
fn cell(n: &Number) -> Cell<'static> {
    match n.as_u64() {
        Some(x) => Cell::U64(x),
        None => Cell::F64(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// The columns of the table.
pub(super) fn fields() -> Vec<Field> {
    let number = |(name, n): (String, Number)| Field {
        name,
        kind: if n.is_u64() { Kind::U64 } else { Kind::F64 },
        nullable: false,
    };
    let mut fields = vec![
        Field::of::<String>("scenario"),
        Field::of::<u64>("seed"),
        Field::of::<String>("arm"),
        Field::of::<Option<String>>("baseline"),
        Field::of::<u32>("day"),
        Field::of::<u64>("shoppers"),
    ];
    fields.extend(numbers(&Counts::default()).into_iter().map(number));
    fields.extend(numbers(&Metrics::default()).into_iter().map(number));
    for m in DAY_METRICS {
        fields.push(Field::of::<Option<f64>>(&format!("{m}_day")));
    }
    for m in COMPARED {
        for part in PARTS {
            fields.push(Field::of::<Option<f64>>(&format!("{m}_{part}")));
        }
    }
    fields.push(Field::of::<Option<f64>>(
        "conversion_rate_p_value_sequential",
    ));
    fields
}

/// Writes a row per arm and recorded day.
pub(super) fn write(
    dir: &Path,
    metadata: &[(&str, String)],
    scenario: &Scenario,
    days: &[DayRecord],
) -> Result<Table, ExportError> {
    let mut table = Table::create(dir, "days", fields(), metadata)?;
    for record in days {
        for (i, (arm, spec)) in record.arms.iter().zip(&scenario.arms).enumerate() {
            let counts = numbers(&arm.counts);
            let metrics = numbers(&arm.metrics);
            let mut cells = vec![
                Cell::Text(&scenario.name),
                Cell::U64(scenario.seed),
                Cell::Text(&spec.name),
                match spec.baseline {
                    b if b == i => Cell::Null,
                    b => Cell::Text(&scenario.arms[b].name),
                },
                Cell::U64(u64::from(record.day.saturating_sub(1))),
                Cell::U64(arm.shoppers),
            ];
            cells.extend(counts.iter().chain(&metrics).map(|(_, n)| cell(n)));
            let optional = |x: Option<f64>| x.map_or(Cell::Null, Cell::F64);
            for m in DAY_METRICS {
                cells.push(optional(day_value(m, &arm.counts, arm.shoppers)));
            }
            for m in COMPARED {
                let c = arm.comparison(m);
                cells.extend(PARTS.map(|p| optional(c.and_then(|c| part(c, p)))));
            }
            cells.push(optional(arm.sequential_p));
            table.push_cells(cells)?;
        }
    }
    Ok(table)
}
