//! `o`: the scenario picker's state. Every entry is loaded (parsed and checked) when the
//! picker opens, so a broken file shows its problems in the popup before anyone picks it.

use std::path::Path;

use crate::scenario::{escape_controls, Scenario, BUILT_INS};

/// One scenario on offer.
#[derive(Debug, Clone)]
pub struct PickerEntry {
    /// What the list shows: `default` or `my-store.toml`.
    pub label: String,
    /// `built-in` or `file`.
    pub source: &'static str,
    /// The checked scenario, or why it cannot be used.
    pub loaded: Result<Box<Scenario>, String>,
}

/// The open picker.
#[derive(Debug, Clone)]
pub struct Picker {
    /// Built-ins first, then files by name.
    pub entries: Vec<PickerEntry>,
    /// Highlighted entry.
    pub selected: usize,
    /// Why the folder could not be listed, if it could not.
    pub folder_note: Option<String>,
}

/// Whether `path` is `NAME.toml` with exactly the text of the built-in `NAME`.
fn is_built_in_copy(path: &Path) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    BUILT_INS
        .iter()
        .find(|(name, _)| *name == stem)
        .is_some_and(|(_, text)| std::fs::read_to_string(path).is_ok_and(|t| t == *text))
}

impl Picker {
    /// Lists the built-ins and the `*.toml` files in `dir`, highlighting `current` if found.
    pub fn open(dir: &Path, current: &str) -> Picker {
        let mut entries: Vec<PickerEntry> = BUILT_INS
            .iter()
            .map(|(name, _)| PickerEntry {
                label: (*name).into(),
                source: "built-in",
                loaded: Scenario::load(name)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            })
            .collect();
        let mut folder_note = None;
        match std::fs::read_dir(dir) {
            Ok(read) => {
                let mut files: Vec<_> = read
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                    // From the repository's root `scenarios/` holds the built-ins' own files:
                    // list each scenario once (an edited copy is a different scenario).
                    .filter(|p| !is_built_in_copy(p))
                    .collect();
                files.sort();
                entries.extend(files.into_iter().map(|p| {
                    PickerEntry {
                        // The file name fits the list; the errors and the detail name the path.
                        label: p
                            .file_name()
                            .map_or_else(String::new, |n| escape_controls(&n.to_string_lossy())),
                        loaded: Scenario::load(&p.display().to_string())
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                        source: "file",
                    }
                }));
            }
            Err(e) => folder_note = Some(format!("{}: {e}", dir.display())),
        }
        let selected = entries
            .iter()
            .position(|e| e.source == "built-in" && e.label == current)
            .unwrap_or(0);
        Picker {
            entries,
            selected,
            folder_note,
        }
    }

    /// Moves the highlight by `delta`, wrapping around.
    pub fn move_by(&mut self, delta: isize) {
        let n = self.entries.len() as isize;
        if n > 0 {
            self.selected = (self.selected as isize + delta).rem_euclid(n) as usize;
        }
    }

    /// The highlighted entry.
    pub fn current(&self) -> Option<&PickerEntry> {
        self.entries.get(self.selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_folder_lists_each_built_in_once() {
        // Tests run from the crate root, whose scenarios/ holds the built-ins' files.
        let picker = Picker::open(Path::new("scenarios"), "default");
        let labels: Vec<&str> = picker.entries.iter().map(|e| e.label.as_str()).collect();
        let names: Vec<&str> = BUILT_INS.iter().map(|(n, _)| *n).collect();
        assert_eq!(labels, names);
        assert_eq!(picker.current().unwrap().label, "default");
    }
}
