//! The README tells the truth: its screenshots are drawn by the dashboard's own code (and
//! redrawn with `SHOPLAB_UPDATE_README=1`), its key table is the dashboard's, and every
//! `shoplab` command it shows names a command and options the binary has.

use std::collections::BTreeSet;
use std::fs;

use assert_cmd::Command;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use shoplab::tui::{App, EngineEvent, Theme, View};
use shoplab::{Engine, Scenario};

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");

/// The dashboard on `scenario` after `days` days, paused, as a person would see it.
fn screen(scenario: Scenario, days: u32, view: View, width: u16, height: u16) -> String {
    let mut app = App::new(scenario.clone(), Theme::MONO);
    let mut engine = Engine::new(scenario);
    app.apply(EngineEvent::Update {
        run: 0,
        snapshot: Box::new(engine.snapshot()),
    });
    for _ in 0..days {
        engine.step();
        app.apply(EngineEvent::Update {
            run: 0,
            snapshot: Box::new(engine.snapshot()),
        });
    }
    app.paused = true;
    app.view = view;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let line: String = (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn screenshots() -> Vec<(&'static str, String)> {
    let default = Scenario::load("default").unwrap();
    let mut factorial = Scenario::load("multivariate").unwrap();
    factorial.shoppers = 8_000;
    vec![
        ("overview", screen(default, 15, View::Overview, 80, 24)),
        ("factorial", screen(factorial, 14, View::Experiment, 80, 24)),
    ]
}

/// The README with each screenshot block filled with `shots`.
fn with_screenshots(readme: &str, shots: &[(&str, String)]) -> String {
    let mut out = readme.to_string();
    for (name, shot) in shots {
        let open = format!("<!-- screenshot: {name} -->\n");
        let close = "<!-- end screenshot -->";
        let start = out.find(&open).expect("a marker per screenshot") + open.len();
        let end = start + out[start..].find(close).expect("an end marker");
        out.replace_range(start..end, &format!("```text\n{shot}\n```\n"));
    }
    out
}

#[test]
fn screenshots_are_what_the_dashboard_draws() {
    let readme = fs::read_to_string(README).unwrap();
    let expected = with_screenshots(&readme, &screenshots());
    if std::env::var_os("SHOPLAB_UPDATE_README").is_some() {
        fs::write(README, &expected).unwrap();
        return;
    }
    assert!(
        readme == expected,
        "README screenshots drifted; run SHOPLAB_UPDATE_README=1 cargo test --test readme"
    );
}

#[test]
fn the_key_table_is_the_dashboards() {
    let readme = fs::read_to_string(README).unwrap();
    let rows: Vec<(String, String)> = readme
        .lines()
        .skip_while(|l| *l != "| key | does |")
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].trim_matches('`').to_string(), cells[1].to_string())
        })
        .collect();
    let keys: Vec<(String, String)> = shoplab::tui::action::KEYS
        .iter()
        .map(|(k, d)| (k.to_string(), d.to_string()))
        .collect();
    assert_eq!(rows, keys);
}

/// Every `shoplab …` line of the README's shell blocks, up to a pipe, redirect or comment.
fn commands(readme: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            l if in_sh && l.starts_with("shoplab") => out.push(
                l.split_whitespace()
                    .take_while(|t| !["|", ">", "#"].contains(t))
                    .map(|t| t.trim_matches(|c| c == '[' || c == ']').to_string())
                    .collect(),
            ),
            _ => {}
        }
    }
    out
}

#[test]
fn every_command_in_the_readme_exists_with_its_options() {
    let readme = fs::read_to_string(README).unwrap();
    let commands = commands(&readme);
    assert!(commands.len() > 20, "found {}", commands.len());
    let mut checked = BTreeSet::new();
    for tokens in commands {
        // The subcommand path: `run`, `stats proportions`, or none (the dashboard).
        let path: Vec<&str> = tokens[1..]
            .iter()
            .take_while(|t| !t.starts_with('-'))
            .take(if tokens.get(1).is_some_and(|t| t == "stats") {
                2
            } else {
                1
            })
            .map(String::as_str)
            .collect();
        let flags: Vec<&str> = tokens
            .iter()
            .filter(|t| t.starts_with("--"))
            .map(|t| t.split('=').next().unwrap())
            .collect();
        let help = Command::cargo_bin("shoplab")
            .unwrap()
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(help.status.success(), "{tokens:?}: no such command");
        let help = String::from_utf8(help.stdout).unwrap();
        for flag in flags {
            assert!(help.contains(flag), "{tokens:?}: {flag} is not an option");
        }
        checked.insert(path.join(" "));
    }
    for command in ["run", "tui", "validate", "completions", "man", "power"] {
        assert!(
            checked.contains(command),
            "the README never shows {command}"
        );
    }
}
