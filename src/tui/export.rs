//! `e`: the current results as JSON and markdown, through `report::Report`, so an export
//! matches `shoplab run --format json|markdown` at the same day.

use std::path::{Path, PathBuf};

use crate::experiment::Snapshot;
use crate::output::{write_file, OutputError};
use crate::report::{Format, Report};
use crate::scenario::Scenario;

/// `shoplab-<scenario>-seed<N>-day<D>`: no timestamp, so the same state always lands in the
/// same file and a second export overwrites rather than piles up.
pub fn file_stem(scenario: &str, seed: u64, day: u32) -> String {
    let safe: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("shoplab-{safe}-seed{seed}-day{day}")
}

/// Writes `<stem>.json` and `<stem>.md` into `dir`; returns their paths.
pub fn export(
    dir: &Path,
    scenario: &Scenario,
    snapshot: &Snapshot,
) -> Result<[PathBuf; 2], OutputError> {
    let report = Report::new(scenario, snapshot);
    let stem = file_stem(&scenario.name, scenario.seed, snapshot.day);
    let json = dir.join(format!("{stem}.json"));
    let md = dir.join(format!("{stem}.md"));
    write_file(&json, &report.render(Format::Json))?;
    write_file(&md, &report.render(Format::Markdown))?;
    Ok([json, md])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_and_safe() {
        assert_eq!(
            file_stem("roi-card", 2024, 30),
            "shoplab-roi-card-seed2024-day30"
        );
        assert_eq!(
            file_stem("my store/x", 1, 0),
            "shoplab-my-store-x-seed1-day0"
        );
    }
}
