//! The command line, run as a user runs it.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

/// Every invalid fixture names the key it breaks on its first line (`# expect: KEY`); the
/// binary must exit 2 and name the file and that key.
#[test]
fn invalid_scenarios_exit_2_naming_file_and_key() {
    let dir = Path::new("tests/scenarios/invalid");
    let mut checked = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .expect("fixture names its key");
        let file = path.to_str().unwrap();
        for command in ["validate", "run"] {
            shoplab()
                .args([command, file])
                .assert()
                .code(2)
                .stdout("")
                .stderr(predicate::str::contains(file).and(predicate::str::contains(expected)));
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} invalid fixtures");
}

#[test]
fn every_problem_in_a_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.toml");
    fs::write(
        &path,
        "shoppers = 0\ndays = 0\n[[arms]]\nname = \"a\"\ntraffic = 2.0\nrecommender = \"nope\"\n",
    )
    .unwrap();
    shoplab()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("5 problems")
                .and(predicate::str::contains("shoppers: (0)"))
                .and(predicate::str::contains("days: (0)"))
                .and(
                    predicate::str::contains("arms[0].traffic (2)")
                        .or(predicate::str::contains("arms[0].traffic: (2)")),
                )
                .and(predicate::str::contains("arms[0].recommender")),
        );
}

#[test]
fn missing_scenario_is_bad_input() {
    shoplab()
        .args(["run", "no-such-scenario"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-scenario"));
}

#[test]
fn bad_flag_values_are_bad_input() {
    shoplab()
        .args(["run", "default", "--shoppers", "0"])
        .assert()
        .code(2);
    shoplab()
        .args(["run", "default", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn valid_fixture_validates_and_runs() {
    shoplab()
        .args(["validate", "tests/scenarios/valid/minimal.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
    shoplab()
        .args([
            "run",
            "tests/scenarios/valid/minimal.toml",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("scenario,seed,arm,baseline,metric,value,lift,").and(
                predicate::str::contains("\nminimal,42,control,,conversion_rate,"),
            ),
        );
}

#[test]
fn lists_scenarios_and_strategies() {
    let out = shoplab()
        .arg("scenarios")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for name in ["default", "fashion", "electronics", "roi-card"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.len() > name.len() + 10),
            "{name} missing: {text}"
        );
    }
    shoplab().arg("strategies").assert().success().stdout(
        predicate::str::contains("recommender:")
            .and(predicate::str::contains("popularity"))
            .and(predicate::str::contains("half_life_days"))
            .and(predicate::str::contains("email:"))
            .and(predicate::str::contains("fixed-hour")),
    );
}

#[test]
fn help_and_version() {
    shoplab().arg("--help").assert().success().stdout(
        predicate::str::contains("run")
            .and(predicate::str::contains("validate"))
            .and(predicate::str::contains("strategies")),
    );
    shoplab()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

fn run_json(threads: &str) -> String {
    let out = shoplab()
        .args([
            "run",
            "default",
            "--shoppers",
            "4000",
            "--days",
            "10",
            "--format",
            "json",
            "--threads",
            threads,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn json_is_identical_for_any_thread_count() {
    let one = run_json("1");
    let two = run_json("2");
    let three = run_json("3");
    assert!(
        one == two && two == three,
        "JSON differs between thread counts"
    );
}

#[test]
fn json_has_the_design_keys() {
    let v: serde_json::Value = serde_json::from_str(&run_json("2")).unwrap();
    let arms = v["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    for arm in arms {
        for key in [
            "name",
            "shoppers",
            "visits",
            "orders",
            "revenue",
            "conversion_rate",
            "aov",
            "revenue_per_shopper",
            "margin_per_shopper",
            "clv",
            "cart_abandonment_rate",
        ] {
            assert!(arm.get(key).is_some(), "missing {key}");
        }
        let rate = arm["conversion_rate"].as_f64().unwrap();
        assert!((0.0..0.2).contains(&rate), "rates are fractions: {rate}");
    }
    assert!(arms[0]["vs_control"].is_null());
    for metric in [
        "conversion_rate",
        "aov",
        "revenue_per_shopper",
        "margin_per_shopper",
    ] {
        let cmp = &arms[1]["vs_control"][metric];
        for key in ["lift", "ci_low", "ci_high", "p_value", "true_lift"] {
            assert!(cmp.get(key).is_some(), "vs_control.{metric}.{key} missing");
        }
    }
}

#[test]
fn out_writes_the_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.md");
    shoplab()
        .args([
            "run",
            "tests/scenarios/valid/minimal.toml",
            "--format",
            "markdown",
            "--out",
            path.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# shoplab report: minimal") && text.contains("## Results"),
        "{text}"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[test]
fn out_into_a_folder_that_cannot_be_made_is_bad_input() {
    // A missing folder is created (see tests/file_safety.rs); one below a file cannot be.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("file"), "x").unwrap();
    let out = dir.path().join("file/sub/r.json");
    shoplab()
        .args(["run", "tests/scenarios/valid/minimal.toml", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(out.to_str().unwrap())
                .and(predicate::str::contains("is a file, not a folder")),
        );
}

#[test]
fn stats_and_power_give_textbook_answers() {
    // Two-proportion z-test, 200/10000 vs 240/10000: z = 1.9283, p = 0.0538 (statsmodels).
    let out = shoplab()
        .args([
            "stats",
            "proportions",
            "--control",
            "200/10000",
            "--treatment",
            "240/10000",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!((v["statistic"].as_f64().unwrap() - 1.928253932283215).abs() < 1e-9);
    assert!((v["p_value"].as_f64().unwrap() - 0.053823548844750255).abs() < 1e-9);
    // Welch: (10, 2, 30) vs (11, 2.5, 40): t = 1.8583, df = 67.68, p = 0.0675 (scipy).
    let out = shoplab()
        .args([
            "stats",
            "means",
            "--control",
            "10,2,30",
            "--treatment",
            "11,2.5,40",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!((v["p_value"].as_f64().unwrap() - 0.06747743814669364).abs() < 1e-9);
    assert!((v["df"].as_f64().unwrap() - 67.6808581808721).abs() < 1e-9);
    // Sample size for 2% baseline, +10% relative, α 0.05, power 0.8: 80,681.4 → 80,682 per arm.
    shoplab()
        .args(["power", "--baseline", "0.02", "--mde", "0.10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("80682 per arm"));
    shoplab()
        .args([
            "stats",
            "proportions",
            "--control",
            "5/2",
            "--treatment",
            "1/2",
        ])
        .assert()
        .code(2);
    shoplab()
        .args([
            "power",
            "--baseline",
            "0.02",
            "--mde",
            "0.1",
            "--alpha",
            "2",
        ])
        .assert()
        .code(2);
}

/// A build without the dashboard still checks the scenario, then says why nothing opens.
#[cfg(not(feature = "tui"))]
#[test]
fn without_the_tui_feature_the_dashboard_says_it_is_not_built_in() {
    shoplab()
        .args(["tui", "no-such-scenario"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-scenario: no such file"));
    for args in [&[][..], &["tui"][..], &["tui", "fashion"][..]] {
        shoplab().args(args).assert().code(1).stdout("").stderr(
            predicate::str::contains("built without the dashboard")
                .and(predicate::str::contains("shoplab run")),
        );
    }
    shoplab()
        .args(["tui", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("not in this build"));
}
