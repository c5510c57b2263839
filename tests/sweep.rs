//! `shoplab sweep`, `merge` and `plans`, run as a user runs them, on the tiny plan of
//! `tests/plans/tiny.toml` (10 runs).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const TINY: &str = "tests/plans/tiny.toml";
const FORMATS: [&str; 3] = ["table", "json", "markdown"];

/// The binary, with no shard index inherited from a scheduler the tests might run under.
fn shoplab() -> Command {
    let mut c = Command::cargo_bin("shoplab").unwrap();
    for var in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
        "SHOPLAB_SHARD_COUNT",
    ] {
        c.env_remove(var);
    }
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sweep(out: &Path, extra: &[&str]) -> String {
    let mut c = shoplab();
    c.args(["sweep", TINY, "--out", out.to_str().unwrap()])
        .args(extra);
    stdout(&mut c)
}

fn merge(dir: &Path, format: &str) -> String {
    stdout(shoplab().args(["merge", dir.to_str().unwrap(), "--format", format]))
}

/// Every line of every part in `dir`.
fn lines(dir: &Path) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for entry in fs::read_dir(dir).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap();
        all.extend(text.lines().map(String::from));
    }
    all
}

#[test]
fn a_sharded_sweep_merges_to_the_single_machine_summary_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, shards) = (tmp.path().join("whole"), tmp.path().join("shards"));
    let local = sweep(&whole, &["--threads", "1", "--format", "json"]);
    for i in 0..3 {
        let printed = sweep(
            &shards,
            &[
                "--shard-index",
                &i.to_string(),
                "--shard-count",
                "3",
                "--threads",
                "2",
            ],
        );
        assert_eq!(printed, "", "a shard prints no summary");
    }
    let names: BTreeSet<String> = fs::read_dir(&shards)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        ["part-0.jsonl", "part-1.jsonl", "part-2.jsonl"]
            .map(String::from)
            .into()
    );
    // Shard 1 of 3 ran runs 1, 4, 7.
    let runs: Vec<u64> = fs::read_to_string(shards.join("part-1.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["run"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        runs.iter().collect::<BTreeSet<_>>(),
        [1, 4, 7].iter().collect()
    );
    // The records themselves do not depend on the shard or the threads.
    assert_eq!(lines(&whole), lines(&shards));
    assert_eq!(lines(&whole).len(), 10);
    assert_eq!(merge(&shards, "json"), local);
    for format in FORMATS {
        assert_eq!(merge(&shards, format), merge(&whole, format), "{format}");
    }
}

#[test]
fn resume_keeps_the_finished_runs_and_drops_a_cut_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    let full = sweep(&whole, &[]);
    // A sweep killed while writing its fifth record.
    let text = fs::read_to_string(whole.join("part-0.jsonl")).unwrap();
    let cut: usize = text.match_indices('\n').nth(3).unwrap().0 + 1 + 40;
    fs::create_dir(&killed).unwrap();
    fs::write(killed.join("part-0.jsonl"), &text[..cut]).unwrap();
    let dir = killed.to_str().unwrap();
    shoplab()
        .args(["sweep", TINY, "--out", dir])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "already holds 4 runs of this sweep: add --resume",
        ));
    shoplab().args(["merge", dir]).assert().code(2).stderr(
        predicate::str::contains("part-0.jsonl: line 5 is cut short")
            .and(predicate::str::contains("6 of 10 runs are missing")),
    );
    let out = shoplab()
        .args(["sweep", TINY, "--out", dir, "--resume"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("dropped line 5 of"), "{err}");
    assert!(err.contains("6 runs to do, 4 kept from before"), "{err}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), full);
    assert_eq!(lines(&killed), lines(&whole));
    // Resuming a finished sweep runs nothing and prints the summary again.
    assert_eq!(sweep(&killed, &["--resume"]), full);
}

#[test]
fn merge_refuses_missing_repeated_and_foreign_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("parts");
    let shown = dir.to_str().unwrap();
    shoplab()
        .args(["merge", shown])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(shown).and(predicate::str::contains("no parts")));
    sweep(&dir, &["--shard-index", "0", "--shard-count", "3"]);
    shoplab()
        .args(["merge", shown])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(shown).and(predicate::str::contains(
                "6 of 10 runs are missing: 1, 2, 4, 5, 7, 8",
            )),
        );
    fs::copy(dir.join("part-0.jsonl"), dir.join("part-1.jsonl")).unwrap();
    shoplab().args(["merge", shown]).assert().code(2).stderr(
        predicate::str::contains("4 runs are recorded more than once: 0 (part-0.jsonl line")
            .and(predicate::str::contains("part-1.jsonl line")),
    );
    fs::remove_file(dir.join("part-1.jsonl")).unwrap();
    // Another plan's parts (other replications) in the same folder.
    let other = tmp.path().join("other");
    sweep(&other, &["--replications", "4"]);
    fs::copy(other.join("part-0.jsonl"), dir.join("part-1.jsonl")).unwrap();
    shoplab()
        .args(["merge", shown])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "holds runs of 2 plans: 'tiny' (fingerprint",
        ));
    shoplab()
        .args([
            "sweep",
            TINY,
            "--out",
            shown,
            "--shard-index",
            "2",
            "--shard-count",
            "3",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "holds runs of another plan or of other settings",
        ));
    fs::write(dir.join("part-1.jsonl"), "{\"not\": \"a record\"}\n").unwrap();
    shoplab()
        .args(["merge", shown])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "part-1.jsonl: line 1 is not a run record",
        ));
}

#[test]
fn invalid_plans_and_shards_exit_2_with_every_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    fs::write(
        &path,
        "scenario = \"aa-test\"\nreplications = 2\n[grid]\nworld.preference_strength = [1.0, -3.0]\ndays = [7, 0]\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    shoplab()
        .args(["sweep", file])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains(format!("{file}: 2 problems"))
                .and(predicate::str::contains(
                    "grid.world.preference_strength[1] → world.preference_strength: (-3) must be between",
                ))
                .and(predicate::str::contains("grid.days[1] → days: (0) must be a whole number")),
        );
    shoplab()
        .args(["sweep", "no-such-plan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no-such-plan: no such file, and no built-in plan",
        ));
    shoplab()
        .args(["sweep", TINY, "--shard-index", "3", "--shard-count", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--shard-index 3 is not a shard of --shard-count 3",
        ));
    shoplab()
        .args(["sweep", TINY, "--show-run", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("plan 'tiny' has runs 0 to 9"));
    shoplab()
        .env("JOB_COMPLETION_INDEX", "1")
        .args([
            "sweep",
            TINY,
            "--out",
            tmp.path().join("k").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "JOB_COMPLETION_INDEX=1 names a shard but not how many",
        ));
}

#[test]
fn a_shown_run_reproduces_its_record_with_shoplab_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("parts");
    sweep(&dir, &[]);
    let record: Value = lines(&dir)
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["run"] == 7)
        .unwrap();
    let scenario = stdout(shoplab().args(["sweep", TINY, "--show-run", "7"]));
    assert!(scenario.starts_with("# Run 7 of plan 'tiny': grid point 1, replication 2 "));
    assert!(scenario.contains(&format!("seed = {}\n", record["seed"])));
    let file = tmp.path().join("run7.toml");
    fs::write(&file, &scenario).unwrap();
    let report: Value = serde_json::from_str(&stdout(shoplab().args([
        "run",
        file.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    let arms = report["arms"].as_array().unwrap();
    let mut compared = 0;
    for c in record["comparisons"].as_array().unwrap() {
        let arm = arms.iter().find(|a| a["name"] == c["arm"]).unwrap();
        assert_eq!(c["baseline"], arm["baseline"]);
        let reported = &arm["vs_control"][c["metric"].as_str().unwrap()];
        for key in [
            "lift",
            "lift_corrected",
            "ci_low",
            "ci_high",
            "p_value",
            "p_value_holm",
            "p_value_bh",
            "significant",
            "chance_to_beat",
            "true_lift",
            "covered",
            "rollout_lift",
        ] {
            assert_eq!(c[key], reported[key], "{key} of {}", c["metric"]);
        }
        compared += 1;
    }
    // aa-test: random-copy and popularity against random, popularity-copy against
    // popularity, 6 metrics each.
    assert_eq!(compared, 18);
    let sequential = report["experiment"]["sequential"].as_array().unwrap();
    let peeks = record["peeking"].as_array().unwrap();
    assert_eq!(peeks.len(), sequential.len());
    for (peek, reported) in peeks.iter().zip(sequential) {
        assert_eq!(
            peek["arm"],
            arms[reported["arm"].as_u64().unwrap() as usize]["name"]
        );
        for key in [
            "naive_p",
            "sequential_p",
            "naive_first_significant_day",
            "sequential_first_significant_day",
        ] {
            assert_eq!(peek[key], reported[key], "{key} of {}", peek["arm"]);
        }
    }
}

#[test]
fn plans_lists_the_built_ins() {
    let out = stdout(shoplab().arg("plans"));
    let names: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names, ["aa-audit", "power-default"]);
    assert!(out.contains("aa-audit       200 runs: A/A pairs"), "{out}");
}

/// The exact interval the summary must show for k of n.
fn clopper_pearson(k: u64, n: u64) -> (f64, f64) {
    shoplab::stats::clopper_pearson(k, n, 0.95).unwrap()
}

/// Checks a summary rate against k of n.
fn check_rate(rate: &Value, k: u64, n: u64, what: &str) {
    let (lo, hi) = clopper_pearson(k, n);
    assert_eq!(rate["k"], k, "{what}");
    assert_eq!(rate["n"], n, "{what}");
    assert!(
        (rate["rate"].as_f64().unwrap() - k as f64 / n as f64).abs() < 1e-15,
        "{what}"
    );
    assert!(
        (rate["ci_low"].as_f64().unwrap() - lo).abs() < 1e-15,
        "{what}"
    );
    assert!(
        (rate["ci_high"].as_f64().unwrap() - hi).abs() < 1e-15,
        "{what}"
    );
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd)
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a.as_f64().unwrap_or_else(|| panic!("{what}: {a}"));
    assert!(
        (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
        "{what}: {a} vs {b}"
    );
}

/// The JSON summary, recomputed here from the records in the parts, every point and row.
#[test]
fn the_summary_is_what_the_records_say() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("parts");
    let summary: Value = serde_json::from_str(&sweep(&dir, &["--format", "json"])).unwrap();
    let mut records: Vec<Value> = lines(&dir)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    records.sort_by_key(|r| r["run"].as_u64().unwrap());
    assert_eq!(summary["plan"], "tiny");
    assert_eq!(summary["runs"], 10);
    assert_eq!(summary["replications"], 5);
    assert_eq!(summary["seed"], 3);
    let points = summary["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    let z = 1.959963984540054;
    for (p, point) in points.iter().enumerate() {
        let runs: Vec<&Value> = records.iter().filter(|r| r["point"] == p).collect();
        assert_eq!(point["runs"], runs.len());
        assert_eq!(point["grid"], runs[0]["grid"]);
        let comparisons = point["comparisons"].as_array().unwrap();
        assert_eq!(
            comparisons.len(),
            18,
            "three arms against their baselines × 6 metrics"
        );
        for (m, c) in comparisons.iter().enumerate() {
            let what = format!(
                "point {p} {} vs {} {}",
                c["arm"], c["baseline"], c["metric"]
            );
            let rows: Vec<&Value> = runs.iter().map(|r| &r["comparisons"][m]).collect();
            assert!(rows.iter().all(|r| r["metric"] == c["metric"]
                && r["arm"] == c["arm"]
                && r["baseline"] == c["baseline"]));
            let tested: Vec<&&Value> = rows.iter().filter(|r| !r["p_value"].is_null()).collect();
            let n = tested.len() as u64;
            assert_eq!(c["runs"], n, "{what}");
            let below = |key: &str| {
                tested
                    .iter()
                    .filter(|r| r[key].as_f64().unwrap() < 0.05)
                    .count() as u64
            };
            check_rate(&c["reject"], below("p_value"), n, &what);
            check_rate(&c["reject_holm"], below("p_value_holm"), n, &what);
            // The rate is named by the rollout truth, which every run has; the summary
            // counts a truth within 1e-12 of 0 as 0.
            let zeros = tested
                .iter()
                .filter(|r| r["rollout_lift"].as_f64().unwrap().abs() <= 1e-12)
                .count();
            let (truth, label) = match zeros {
                0 => ("non-zero", "power"),
                z if z == tested.len() => ("zero", "false-positive rate"),
                _ => ("mixed", "rejection rate"),
            };
            assert_eq!(c["truth"], truth, "{what}");
            assert_eq!(c["truth_from"], "rollout", "{what}");
            assert_eq!(c["label"], label, "{what}");
            // The A/A pairs: deployed to everyone, identical strategies do the same, so the
            // rollout truth is exactly 0 and a rejection a false positive. The random pair
            // learns nothing, so its in-experiment truth is 0 as well; each popularity arm
            // learned from its own shoppers, so theirs is what that made of them.
            if c["arm"] == "random-copy" || c["arm"] == "popularity-copy" {
                assert_eq!(truth, "zero", "{what}");
            }
            // (0 up to rounding: a truth sums its shoppers in another order than the arm.)
            if c["arm"] == "random-copy" {
                assert!(
                    tested
                        .iter()
                        .all(|r| r["true_lift"].as_f64().unwrap().abs() <= 1e-12),
                    "{what}"
                );
            }
            let end = |r: &Value, key: &str, unbounded: f64| r[key].as_f64().unwrap_or(unbounded);
            let lifts: Vec<f64> = tested.iter().map(|r| r["lift"].as_f64().unwrap()).collect();
            for (truth, coverage, bias) in [
                ("true_lift", "coverage", "bias"),
                ("rollout_lift", "coverage_rollout", "bias_rollout"),
            ] {
                let what = format!("{what} {truth}");
                let truths: Vec<f64> = tested.iter().map(|r| r[truth].as_f64().unwrap()).collect();
                let covered = tested
                    .iter()
                    .zip(&truths)
                    .filter(|(r, &t)| {
                        end(r, "ci_low", f64::NEG_INFINITY) <= t
                            && t <= end(r, "ci_high", f64::INFINITY)
                    })
                    .count() as u64;
                check_rate(&c[coverage], covered, n, &what);
                let errors: Vec<f64> = lifts.iter().zip(&truths).map(|(l, t)| l - t).collect();
                let (mean, sd) = mean_sd(&errors);
                close(&c[bias]["mean"], mean, &what);
                close(&c[bias]["se"], sd / (n as f64).sqrt(), &what);
            }
            let (mean, sd) = mean_sd(&lifts);
            close(&c["lift_mean"], mean, &what);
            close(&c["lift_sd"], sd, &what);
            let ses: Vec<f64> = tested
                .iter()
                .filter_map(|r| Some((r["ci_high"].as_f64()? - r["ci_low"].as_f64()?) / (2.0 * z)))
                .collect();
            if ses.is_empty() {
                // Every interval unbounded (the baseline within its margin of 0).
                assert!(c["mean_se"].is_null() && c["sd_to_se"].is_null(), "{what}");
            } else {
                let mean_se = ses.iter().sum::<f64>() / ses.len() as f64;
                close(&c["mean_se"], mean_se, &what);
                close(&c["sd_to_se"], sd / mean_se, &what);
            }
        }
        let peeks = point["peeking"].as_array().unwrap();
        assert_eq!(peeks.len(), 3);
        for (i, peek) in peeks.iter().enumerate() {
            assert!(runs.iter().all(|r| r["peeking"][i]["arm"] == peek["arm"]
                && r["peeking"][i]["baseline"] == peek["baseline"]));
            let first_days = |key: &str| {
                runs.iter()
                    .filter(|r| !r["peeking"][i][key].is_null())
                    .count() as u64
            };
            let n = runs.len() as u64;
            check_rate(
                &peek["naive"],
                first_days("naive_first_significant_day"),
                n,
                "naive",
            );
            check_rate(
                &peek["always_valid"],
                first_days("sequential_first_significant_day"),
                n,
                "always valid",
            );
            let conversion = comparisons
                .iter()
                .find(|c| c["arm"] == peek["arm"] && c["metric"] == "conversion_rate")
                .unwrap();
            assert_eq!(peek["label"], conversion["label"]);
        }
    }
}

/// The table, read whole: every row of every section shows the JSON summary's figures.
#[test]
fn the_table_shows_the_json_figures_row_by_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("parts");
    let table = sweep(&dir, &[]);
    let json: Value = serde_json::from_str(&merge(&dir, "json")).unwrap();
    let pct = |r: &Value| {
        format!(
            "{:.1}% [{:.1}, {:.1}]",
            100.0 * r["rate"].as_f64().unwrap(),
            100.0 * r["ci_low"].as_f64().unwrap(),
            100.0 * r["ci_high"].as_f64().unwrap()
        )
    };
    let mut lines = table.lines();
    let title = lines.next().unwrap();
    assert_eq!(
        title,
        "tiny: 10 runs of aa-test (2 grid points × 5 replications, plan seed 3)"
    );
    assert!(lines
        .next()
        .unwrap()
        .starts_with("Fixed: shoppers = 500, days = 5, experiment.cuped_days = 0."));
    let labels = [
        "conversion",
        "buyer rate",
        "AOV",
        "revenue/shopper",
        "margin/shopper",
        "cart abandonment",
    ];
    let pair = |c: &Value| {
        format!(
            "{} vs {}",
            c["arm"].as_str().unwrap(),
            c["baseline"].as_str().unwrap()
        )
    };
    for point in json["points"].as_array().unwrap() {
        assert_eq!(lines.next(), Some(""));
        let heading = lines.next().unwrap();
        assert_eq!(
            heading,
            format!(
                "Point {}: world.preference_strength = {} — 5 runs, α = 0.05",
                point["point"], point["grid"][0]["value"]
            )
        );
        assert_eq!(lines.next(), Some(""));
        assert_eq!(
            lines.next(),
            Some("Rejections (Holm across each run's arms × metrics)")
        );
        assert!(lines.next().unwrap().starts_with("arm vs baseline"));
        for (c, label) in point["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .zip(labels.iter().cycle())
        {
            let row = lines.next().unwrap();
            let cells: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(
                cells,
                [
                    pair(c),
                    label.to_string(),
                    c["label"].as_str().unwrap().into(),
                    c["runs"].to_string(),
                    pct(&c["reject"]),
                    pct(&c["reject_holm"]),
                ]
            );
        }
        assert_eq!(lines.next(), Some(""));
        assert!(lines.next().unwrap().starts_with("Intervals and estimates"));
        assert!(lines.next().unwrap().starts_with("arm vs baseline"));
        for (c, label) in point["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .zip(labels.iter().cycle())
        {
            let row = lines.next().unwrap();
            let cells: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let bias = |b: &Value| {
                format!(
                    "{:+.2} ± {:.2}",
                    100.0 * b["mean"].as_f64().unwrap(),
                    100.0 * b["se"].as_f64().unwrap()
                )
            };
            assert_eq!(
                cells,
                [
                    pair(c),
                    label.to_string(),
                    pct(&c["coverage"]),
                    pct(&c["coverage_rollout"]),
                    bias(&c["bias"]),
                    bias(&c["bias_rollout"]),
                    format!("{:.2}", 100.0 * c["lift_sd"].as_f64().unwrap()),
                    c["mean_se"]
                        .as_f64()
                        .map_or("n/a".into(), |x| format!("{:.2}", 100.0 * x)),
                    c["sd_to_se"]
                        .as_f64()
                        .map_or("n/a".into(), |x| format!("{x:.2}")),
                ]
            );
        }
        assert_eq!(lines.next(), Some(""));
        assert!(lines
            .next()
            .unwrap()
            .starts_with("Daily peeking at conversion"));
        assert!(lines.next().unwrap().starts_with("arm vs baseline"));
        for peek in point["peeking"].as_array().unwrap() {
            let row = lines.next().unwrap();
            let cells: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(
                cells,
                [
                    pair(peek),
                    peek["label"].as_str().unwrap().into(),
                    "5".into(),
                    pct(&peek["naive"]),
                    pct(&peek["always_valid"]),
                ]
            );
        }
    }
    assert_eq!(lines.next(), Some(""));
    let notes: Vec<&str> = lines.collect();
    assert_eq!(notes.len(), 5);
    assert!(
        notes[0].starts_with("Rates are counts of runs with their 95% Clopper–Pearson intervals.")
    );
}

#[test]
fn a_plan_whose_runs_do_not_fit_in_memory_is_refused_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 4000000 && exec {} sweep aa-audit --shoppers 50000000 --replications 1 --out {}",
            env!("CARGO_BIN_EXE_shoplab"),
            tmp.path().join("big").display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for fragment in [
        "aa-audit: a run needs about ",
        " GB of memory, but ",
        "available under the address-space limit (ulimit -v)",
        "shrink experiment.true_effect = false, or shoppers (or --shoppers)",
    ] {
        assert!(stderr.contains(fragment), "no {fragment:?} in {stderr}");
    }
    assert!(
        !stderr.contains("--true-effect"),
        "not a flag of sweep: {stderr}"
    );
    assert!(!tmp.path().join("big").exists(), "nothing is written");
}
