//! Input a hostile or careless user gives: every case exits 2 naming the key (and the line),
//! or gives a result that is mathematically right; none panics or reaches the terminal raw.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

/// A scenario file in a fresh folder (kept alive by the returned guard).
fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    fs::write(&path, text).unwrap();
    (dir, path)
}

/// Runs `validate` and `run` on `text`; both must exit 2 with every `expected` fragment in
/// the message, and nothing that acts on a terminal.
fn refused(text: &str, expected: &[&str]) -> String {
    let (_dir, path) = file(text);
    let mut message = String::new();
    for command in ["validate", "run"] {
        let out = shoplab()
            .arg(command)
            .arg(&path)
            .args(if command == "run" {
                &["--shoppers", "200", "--days", "2"][..]
            } else {
                &[][..]
            })
            .assert()
            .code(2)
            .stdout("")
            .get_output()
            .clone();
        message = String::from_utf8(out.stderr).unwrap();
        for fragment in expected {
            assert!(
                message.contains(fragment),
                "{command}: no {fragment:?} in\n{message}"
            );
        }
        assert!(
            !message.contains('\u{1b}') && !message.contains('\u{7}'),
            "{message:?}"
        );
        assert!(!message.contains("panicked"), "{message}");
    }
    message
}

const TWO_ARMS: &str = "shoppers = 300\ndays = 3\n[[arms]]\nname = \"control\"\n[[arms]]\nname = \"b\"\nrecommender = \"item-cf\"\n";

#[test]
fn a_very_long_name_is_refused_not_a_panic() {
    // 65,536 characters or more panicked the table ("Formatting argument out of range").
    let long = "x".repeat(70_000);
    refused(
        &format!("shoppers = 300\ndays = 2\n[[arms]]\nname = \"{long}\"\n"),
        &[
            "arms[0].name",
            "is 70000 characters long; at most 200 are allowed",
            "(line 4)",
        ],
    );
    let description = "d".repeat(2_001);
    refused(
        &format!("description = \"{description}\"\n{TWO_ARMS}"),
        &["description", "2001 characters long; at most 2000"],
    );
    // 200 characters is fine, and the table aligns it.
    let name = "é".repeat(200);
    let out = shoplab()
        .arg("run")
        .arg(
            file(&format!(
                "shoppers = 300\ndays = 2\n[[arms]]\nname = \"{name}\"\n[[arms]]\nname = \"b\"\n"
            ))
            .1,
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let row = text.lines().find(|l| l.starts_with(&name)).unwrap();
    let header = text.lines().find(|l| l.starts_with("arm ")).unwrap();
    assert_eq!(
        row.find("  ").map(|i| row[..i].chars().count()),
        Some(200),
        "{row}"
    );
    assert_eq!(
        header.chars().count(),
        row.chars().count(),
        "aligned columns"
    );
}

#[test]
fn control_characters_are_refused_and_never_echoed() {
    let evil = r#"ctl\u001b[31mRED\u001b]0;pwned\u0007"#;
    let message = refused(
        &format!("shoppers = 300\ndays = 2\n[[arms]]\nname = \"{evil}\"\n[[arms]]\nname = \"b\"\n"),
        &[
            "arms[0].name",
            "contains the control character U+001B",
            r"ctl\u{1b}[31mRED",
            "(line 4)",
        ],
    );
    assert!(message.contains("names and descriptions must be plain text"));
    for (key, text) in [
        ("name", format!("name = \"a\\u0000b\"\n{TWO_ARMS}")),
        (
            "description",
            format!("description = \"line\\nbreak\"\n{TWO_ARMS}"),
        ),
        (
            "segments[0].name",
            format!("{TWO_ARMS}[[segments]]\nname = \"s\\u009b2J\"\n"),
        ),
        (
            "business.currency",
            format!("{TWO_ARMS}[business]\ncurrency = \"\\u001b[2J\"\n"),
        ),
        // A right-to-left override makes text read other than it is.
        (
            "arms[1].name",
            TWO_ARMS.replace("\"b\"", "\"b\\u202Eevil\""),
        ),
    ] {
        refused(&text, &[key, "control character"]);
    }
    // A key is echoed in a message: escaped too.
    refused(
        &format!("{TWO_ARMS}[costs.arms.\"q\\u001b[1m\"]\ndevelopment = 5\n"),
        &[r"costs.arms.q\u{1b}[1m", "is not the name of an arm"],
    );
}

#[test]
fn a_factorial_with_a_repeated_level_is_refused() {
    // It made two cells of one name and silently dropped their [costs].
    refused(
        "shoppers = 300\ndays = 2\n[[experiment.factors]]\nfamily = \"recommender\"\nlevels = [\"popularity\", \"item-cf\", { kind = \"popularity\" }]\n[[experiment.factors]]\nfamily = \"pricing\"\nlevels = [\"list\", \"promo\"]\n",
        &[
            "experiment.factors[0].levels[2]",
            "(popularity) repeats levels[0]; the levels of a factor must differ",
            "(line 5)",
            "1 problem",
        ],
    );
}

#[test]
fn an_arm_without_traffic_is_refused() {
    refused(
        "shoppers = 300\ndays = 2\n[[arms]]\nname = \"a\"\ntraffic = 1.0\n[[arms]]\nname = \"b\"\ntraffic = 0.0\n",
        &["arms[1].traffic", "(0) must be greater than 0", "(line 8)"],
    );
}

#[test]
fn an_arm_that_met_nobody_has_no_lift() {
    // A tiny share of a small population: the arm gets no shopper by chance. Its lifts are
    // undefined, not −100%, and nothing is "missed" against the truth.
    let (_dir, path) = file(
        "shoppers = 300\ndays = 3\n[[arms]]\nname = \"a\"\ntraffic = 0.999999999\n[[arms]]\nname = \"b\"\ntraffic = 0.000000001\n[experiment]\ntrue_effect = true\n",
    );
    let out = shoplab()
        .arg("run")
        .arg(&path)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let b = &v["arms"][1];
    assert_eq!(b["shoppers"], 0);
    let vs = b["vs_control"].as_object().unwrap();
    assert_eq!(vs.len(), 6);
    for (metric, c) in vs {
        for key in ["lift", "ci_low", "ci_high", "p_value", "covered"] {
            assert!(c[key].is_null(), "{metric}.{key} = {}", c[key]);
        }
    }
    let table = shoplab()
        .arg("run")
        .arg(&path)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(
        !table.contains("-100.0%") && !table.contains("missed"),
        "{table}"
    );
    assert!(!table.contains("adaptive allocation"), "{table}");
    assert!(
        table.contains("sample ratio: as planned")
            || table.contains("sample ratio: not checked (it needs"),
        "{table}"
    );
}

#[test]
fn money_and_prices_have_limits() {
    let costs = |amount: &str| format!("{TWO_ARMS}[costs.arms.b]\nlicence_annual = {amount}\n");
    refused(
        &costs("1e19"),
        &[
            "costs.arms.b.licence_annual",
            "(1e19) must be an amount between 0 and 1000000000000",
            "(line 9)",
        ],
    );
    refused(&costs("1e308"), &["costs.arms.b.licence_annual"]);
    refused(
        &costs("[5, 1e300]"),
        &["costs.arms.b.licence_annual", "[5, 1e300]"],
    );
    refused(
        &format!("{TWO_ARMS}[catalog]\nprice_median = 1e308\n"),
        &[
            "catalog.price_median",
            "must be greater than 0 and at most 1000000",
        ],
    );
    refused(
        &format!("{TWO_ARMS}[[segments]]\nname = \"rich\"\nbudget = 1e308\n"),
        &["segments[0].budget", "at most 1000000"],
    );
    // The largest amounts allowed give finite figures, printed without saturating (at a
    // size where both arms sell, so ROI is defined).
    let (_dir, path) = file(&costs("[1e11, 1e12]"));
    let size = ["--shoppers", "3000", "--days", "7"];
    let out = shoplab()
        .arg("run")
        .arg(&path)
        .args(size)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let roi = &v["arms"][1]["roi"];
    assert_eq!(roi["annual_cost"]["high"].as_f64(), Some(1e12));
    assert!(
        roi["roi"]["mid"].as_f64().is_some_and(f64::is_finite),
        "{roi}"
    );
    let table = shoplab()
        .arg("run")
        .arg(&path)
        .args(size)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("1,000,000,000,000"), "{table}");
    assert!(
        !table.contains("18,446,744,073,709,551,615") && !table.contains("NaN"),
        "{table}"
    );
}

#[test]
fn syntax_and_value_errors_name_the_key_and_line() {
    // `seed =` with nothing after it printed "(file):  (line 1)".
    refused(
        "name = \"x\"\nseed = \n[[arms]]\nname = \"a\"\n",
        &["seed: has no value after `=` (line 2)"],
    );
    // A number TOML cannot hold was reported for "(file)".
    refused(
        "seed = 18446744073709551615\n[[arms]]\nname = \"a\"\n",
        &[
            "seed: is larger than a TOML file's largest whole number",
            "(line 1)",
        ],
    );
    refused(
        "[[arms]]\nname = \"a\"\n[[arms]]\nname = \n",
        &["arms[1].name: has no value after `=` (line 4)"],
    );
    // Range errors carry their line, unknown keys their own line (not the one before).
    refused(
        "days = 3\n\n[[arms]]\nname = \"a\"\ntraffic = 1.4\n",
        &["arms[0].traffic: (1.4) must be between 0 and 1 (line 5)"],
    );
    refused(
        "[[arms]]\nname = \"a\"\n\n[world]\nslate = 3\n",
        &[
            "world.slate: unknown key `slate`; did you mean `slate_size`?",
            "(line 5)",
        ],
    );
    refused(
        "shopers = 100\n[[arms]]\nname = \"a\"\n",
        &["did you mean `shoppers`?", "(line 1)"],
    );
}

#[test]
fn the_seed_flag_takes_what_a_file_can_hold() {
    // A file cannot hold 2^64 − 1 (TOML integers are 64-bit signed): neither can --seed.
    shoplab()
        .args([
            "run",
            "default",
            "--days",
            "1",
            "--shoppers",
            "100",
            "--seed",
            "18446744073709551615",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("0..=9223372036854775807"));
    shoplab()
        .args([
            "run",
            "default",
            "--days",
            "1",
            "--shoppers",
            "100",
            "--seed",
            "9223372036854775807",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"seed\": 9223372036854775807"));
}

#[test]
fn unknown_strategies_and_parameters_suggest_the_closest() {
    refused(
        "[[arms]]\nname = \"a\"\n[[arms]]\nname = \"b\"\nrecommender = \"itemcf\"\n",
        &[
            "arms[1].recommender: ('itemcf') is not a recommender strategy; did you mean 'item-cf'?",
            "(line 5)",
        ],
    );
    refused(
        "[[arms]]\nname = \"a\"\nrecommender = { kind = \"item-cf\", neighbors = 5 }\n",
        &["arms[0].recommender.neighbors: is not a parameter of 'item-cf'; did you mean 'neighbours'?"],
    );
}

#[test]
fn power_at_extreme_scales_is_right_or_refused() {
    // The total wrapped past u64, a tiny baseline saturated, and huge numbers gave 0 per arm.
    for (args, fragment) in [
        (
            &["--baseline", "0.5", "--mde", "1e-8", "--arms", "1000"][..],
            "--mde: (1e-8) is too small against the baseline (0.5)",
        ),
        (
            &["--baseline", "1e-300", "--mde", "0.1"][..],
            "needs 1.65e303 units per arm",
        ),
        (
            &["--baseline", "75", "--mde", "5", "--sd", "1e308"][..],
            "no finite sample detects it",
        ),
    ] {
        shoplab().arg("power").args(args).assert().code(2).stderr(
            predicate::str::contains(fragment).and(predicate::str::contains("panicked").not()),
        );
    }
    // σ/δ is all that matters for means: 1e308 and 1e307 give what 1 and 0.1 give, 1,570.
    shoplab()
        .args([
            "power",
            "--baseline",
            "1e308",
            "--sd",
            "1e308",
            "--mde",
            "0.1",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("baseline of 1e308")
                .and(predicate::str::contains("1570 per arm, 3140 in all")),
        );
}
