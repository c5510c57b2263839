//! The layers of docs/ARCHITECTURE.md §1, checked on the source: each library module names
//! only modules of its own layer or lower ones, so imports run one way; no module below the
//! dashboard names a terminal crate, and none names the binary's argument parser.

use std::fs;
use std::path::Path;

/// The library's top-level modules, lowest layer first.
const LAYERS: &[&[&str]] = &[
    &["rng", "stats", "format", "columns", "signals", "output"],
    &["world"],
    &["metrics"],
    &["strategy"],
    &["scenario"],
    &["experiment", "footprint"],
    &["roi"],
    &["report"],
    &["export", "tui"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`, as (path, top-level module, source without comments).
fn sources(dir: &Path, out: &mut Vec<(String, String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix("src").unwrap();
            let top = rel.components().next().unwrap().as_os_str();
            let top = top.to_str().unwrap().trim_end_matches(".rs").to_string();
            let code: String = fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            out.push((path.display().to_string(), top, code));
        }
    }
}

/// The modules a source names as `crate::NAME`.
fn named(code: &str) -> Vec<&str> {
    code.match_indices("crate::")
        // `$crate::` in a macro names the crate, not a module.
        .filter(|(i, _)| !code[..*i].ends_with('$'))
        .map(|(i, m)| {
            let rest = &code[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn imports_run_from_higher_layers_to_lower_ones() {
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    let mut wrong = Vec::new();
    for (path, top, code) in &files {
        let Some(own) = layer(top) else { continue };
        for module in named(code) {
            if layer(module).is_some_and(|l| l > own) {
                wrong.push(format!("{path} uses crate::{module}"));
            }
        }
    }
    assert!(files.len() > 50, "read {} files", files.len());
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn ui_and_argument_crates_stay_at_the_edges() {
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    let mut wrong = Vec::new();
    for (path, top, code) in &files {
        let library = layer(top).is_some();
        for krate in ["ratatui", "crossterm"] {
            if library && top != "tui" && code.contains(&format!("{krate}::")) {
                wrong.push(format!("{path} uses {krate}"));
            }
        }
        for krate in ["clap", "indicatif"] {
            if library && code.contains(&format!("{krate}::")) {
                wrong.push(format!("{path} uses {krate}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
