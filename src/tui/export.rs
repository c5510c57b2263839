//! `e`: the current results as JSON and markdown, through `report::Report`, so an export
//! matches `shoplab run --format json|markdown` at the same day.

use std::io;
use std::path::{Path, PathBuf};

use crate::experiment::Snapshot;
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
pub fn export(dir: &Path, scenario: &Scenario, snapshot: &Snapshot) -> io::Result<[PathBuf; 2]> {
    let report = Report::new(scenario, snapshot);
    let stem = file_stem(&scenario.name, scenario.seed, snapshot.day);
    let json = dir.join(format!("{stem}.json"));
    let md = dir.join(format!("{stem}.md"));
    write_atomically(&json, &report.render(Format::Json))?;
    write_atomically(&md, &report.render(Format::Markdown))?;
    Ok([json, md])
}

/// A temporary file in the same folder, then a rename: a reader never sees half a file.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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
