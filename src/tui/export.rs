//! `e`: the current results as JSON and markdown, through `report::Report`, so an export
//! matches `shoplab run --format json|markdown` at the same day.

use std::path::{Path, PathBuf};

use crate::experiment::Snapshot;
use crate::output::{file_name_part, write_file, OutputError};
use crate::report::{Format, Report};
use crate::scenario::Scenario;

/// `shoplab-<scenario>-seed<N>-day<D>`: no timestamp, so the same state always lands in the
/// same file and a second export overwrites rather than piles up.
pub fn file_stem(scenario: &str, seed: u64, day: u32) -> String {
    let safe = file_name_part(scenario);
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
    use crate::experiment::Engine;
    use std::fs;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

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

    #[test]
    fn an_export_replaces_its_files_atomically() {
        // A second export over the first, with another name linked to the old JSON and the
        // old markdown made private: the link keeps the old bytes, the markdown its mode,
        // and nothing but the two reports is left in the folder.
        let mut scenario = Scenario::load("default").unwrap();
        (scenario.shoppers, scenario.days) = (300, 2);
        let mut engine = Engine::new(scenario.clone());
        engine.run(|_| {});
        let snapshot = engine.snapshot();
        let dir = tempfile::tempdir().unwrap();
        let [json, md] = export(dir.path(), &scenario, &snapshot).unwrap();
        fs::write(&json, "old bytes").unwrap();
        let link = dir.path().join("kept.json");
        fs::hard_link(&json, &link).unwrap();
        fs::set_permissions(&md, fs::Permissions::from_mode(0o600)).unwrap();
        let again = export(dir.path(), &scenario, &snapshot).unwrap();
        assert_eq!(again, [json.clone(), md.clone()]);
        assert!(
            fs::read_to_string(&link).unwrap() == "old bytes",
            "the other name of the old export sees the new bytes: not replaced atomically"
        );
        let text = fs::read_to_string(&json).unwrap();
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["scenario"]["days_simulated"], 2);
        assert_ne!(
            fs::metadata(&json).unwrap().ino(),
            fs::metadata(&link).unwrap().ino()
        );
        assert_eq!(
            fs::metadata(&md).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(fs::read_to_string(&md)
            .unwrap()
            .starts_with("# shoplab report: default"));
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let stem = file_stem("default", scenario.seed, 2);
        assert_eq!(
            names,
            [
                "kept.json".into(),
                format!("{stem}.json"),
                format!("{stem}.md")
            ]
        );
    }
}
