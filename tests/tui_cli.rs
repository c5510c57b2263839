//! The dashboard's command line: what happens before any terminal is touched.

use assert_cmd::Command;
use predicates::prelude::*;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

#[test]
fn a_bad_scenario_exits_2_with_its_message_and_no_escape_codes() {
    shoplab()
        .args(["tui", "no-such-scenario"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no-such-scenario: no such file"));
    shoplab()
        .args(["tui", "tests/scenarios/tui/broken.toml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("tests/scenarios/tui/broken.toml")
                .and(predicate::str::contains("shoppers"))
                .and(predicate::str::contains("\x1b[").not()),
        );
}

#[test]
fn without_a_terminal_the_dashboard_points_to_run() {
    // assert_cmd pipes standard output, as a script would.
    for args in [&[][..], &["tui"][..], &["tui", "fashion"][..]] {
        shoplab().args(args).assert().code(2).stdout("").stderr(
            predicate::str::contains("needs a terminal")
                .and(predicate::str::contains("shoplab run")),
        );
    }
}

#[test]
fn help_lists_the_tui_command() {
    shoplab()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("tui").and(predicate::str::contains("dashboard")));
}
