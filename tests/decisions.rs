//! The decisions a report states, checked where the answer is known: the sample-ratio
//! check flags a planted mismatch and not a planned uneven split; CUPED narrows the
//! interval of revenue per shopper by about what its covariate explains, end to end through
//! `shoplab run`; the allocation's regret is the money a hand computation gives.
//! (The always-valid p-value's power and level are in `tests/experiment.rs`, beside the
//! replications they share.)

use assert_cmd::Command;
use serde_json::Value;
use shoplab::report::{Format, Report};
use shoplab::{Engine, Scenario, Snapshot};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
}

fn run(mut s: Scenario, seed: u64) -> Snapshot {
    s.seed = seed;
    let mut engine = Engine::new(s);
    engine.run(|_| {});
    engine.snapshot()
}

fn json(args: &[&str]) -> Value {
    let out = Command::cargo_bin("shoplab")
        .unwrap()
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// A planned 70/30 split: uneven on purpose, which is no mismatch.
const UNEVEN: &str = "shoppers = 4000\ndays = 3\n[[arms]]\nname = \"a\"\ntraffic = 0.7\n[[arms]]\nname = \"b\"\ntraffic = 0.3\nrecommender = \"random\"\n[experiment]\ntrue_effect = false\n";

#[test]
fn srm_passes_a_planned_uneven_split_and_flags_a_planted_loss() {
    let s = scenario(UNEVEN);
    for seed in 1..=8 {
        let mut snap = run(s.clone(), seed);
        let report = Report::new(&s, &snap);
        let srm = report.experiment.srm.expect("two arms with traffic");
        assert!(
            !srm.flagged,
            "seed {seed}: a 70/30 plan split 70/30 is flagged: {srm:?}"
        );
        assert!(srm.p_value > 0.001);
        for format in [Format::Table, Format::Markdown] {
            assert!(!report.render(format).contains("SAMPLE RATIO MISMATCH"));
        }
        // Plant a logging loss: a quarter of arm b's shoppers never reach the analysis.
        let n = snap.arms[1].moments.assigned;
        snap.arms[1].moments.assigned = n - n / 4;
        let report = Report::new(&s, &snap);
        let srm = report.experiment.srm.unwrap();
        // χ² by hand on the counts the report now holds, against the 70/30 plan.
        let (a, b) = (
            snap.arms[0].moments.assigned as f64,
            snap.arms[1].moments.assigned as f64,
        );
        let total = a + b;
        let chi2 =
            (a - 0.7 * total).powi(2) / (0.7 * total) + (b - 0.3 * total).powi(2) / (0.3 * total);
        assert!(
            (srm.statistic - chi2).abs() < 1e-9 * chi2,
            "seed {seed}: {srm:?} vs {chi2}"
        );
        assert!(
            chi2 > 20.0,
            "seed {seed}: the planted loss is too small to test: χ² {chi2}"
        );
        assert!(
            srm.flagged,
            "seed {seed}: a planted loss of {} shoppers is not flagged: {srm:?}",
            n / 4
        );
        let json: Value = serde_json::from_str(&report.render(Format::Json)).unwrap();
        assert_eq!(json["experiment"]["srm"]["flagged"], true);
        for format in [Format::Table, Format::Markdown] {
            assert!(
                report.render(format).contains("SAMPLE RATIO MISMATCH"),
                "seed {seed}: the {format:?} report does not warn"
            );
        }
    }
}

/// Shoppers whose visit rates differ widely (Gamma shape 0.4): the pre-period's visits
/// predict the period's revenue, which is what CUPED's covariate needs.
const CUPED: &str = r#"
shoppers = 8000
days = 21
[[segments]]
name = "everyone"
visit_rate = 0.25
visit_dispersion = 0.4
[[arms]]
name = "control"
[[arms]]
name = "random"
recommender = "random"
[experiment]
true_effect = false
"#;

#[test]
fn cuped_narrows_the_revenue_interval_by_what_its_covariate_explains() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cuped.toml");
    std::fs::write(&path, CUPED).unwrap();
    let path = path.to_str().unwrap();
    let without = json(&["run", path, "--cuped-days", "0"]);
    assert_eq!(without["experiment"]["cuped"], Value::Array(Vec::new()));
    for seed in ["1", "2", "3"] {
        let v = json(&["run", path, "--cuped-days", "14", "--seed", seed]);
        let c = &v["experiment"]["cuped"][0];
        let plain = &v["arms"][1]["vs_control"]["revenue_per_shopper"];
        let f = |x: &Value, k: &str| x[k].as_f64().unwrap();
        let rho2 = f(c, "variance_reduction");
        assert!(
            rho2 > 0.15 && rho2 < 1.0,
            "seed {seed}: variance reduction {rho2}"
        );
        // The interval's width scales with the standard error: about √(1 − ρ²) of the plain
        // one, ρ² being the control's (the treatment's differs by sampling, and the relative
        // lift divides by adjusted means).
        let ratio = (f(c, "ci_high") - f(c, "ci_low")) / (f(plain, "ci_high") - f(plain, "ci_low"));
        let expected = (1.0 - rho2).sqrt();
        assert!(
            ratio < 0.95 && (ratio - expected).abs() < 0.12,
            "seed {seed}: CUPED interval {ratio:.3} of the plain one, expected about {expected:.3}"
        );
        // The same effect, estimated more precisely.
        assert!(
            f(plain, "ci_low") <= f(c, "lift") && f(c, "lift") <= f(plain, "ci_high"),
            "seed {seed}: {c} outside {plain}"
        );
        assert_eq!(c["arm"], 1);
    }
}

#[test]
fn allocation_regret_is_the_money_a_hand_computation_gives() {
    // Thompson sampling on the estimates (no truth computed): regret is what the shoppers
    // sent to each arm lost against the best arm's revenue per shopper.
    let v = json(&[
        "run",
        "bandit-allocation",
        "--shoppers",
        "6000",
        "--days",
        "20",
        "--true-effect",
        "off",
    ]);
    let a = &v["experiment"]["allocation"];
    assert_eq!(a["mode"], "thompson");
    assert_eq!(a["basis"], "estimates");
    let arms = v["arms"].as_array().unwrap();
    let (mut sent, mut rpv) = (Vec::new(), Vec::new());
    for arm in arms {
        sent.push(arm["shoppers"].as_f64().unwrap());
        rpv.push(arm["revenue"].as_f64().unwrap() / arm["shoppers"].as_f64().unwrap());
    }
    let best = rpv.iter().copied().fold(f64::MIN, f64::max);
    let mut regret = 0.0;
    for (n, r) in sent.iter().zip(&rpv) {
        regret += n * (best - r);
    }
    let total: f64 = sent.iter().sum();
    let even = (total / 3.0).floor();
    let regret_even: f64 = rpv.iter().map(|r| even * (best - r)).sum();
    let got = |k: &str| a[k].as_f64().unwrap();
    assert!(
        (got("regret") - regret).abs() < 1e-6,
        "{} vs {regret}",
        got("regret")
    );
    assert!((got("regret_even_split") - regret_even).abs() < 1e-6);
    assert!(regret > 0.0, "some shoppers met a worse arm");
    // Daily shares are probabilities that moved: every day sums to 1, and the last day is
    // not the first.
    let days = a["daily_weights"].as_array().unwrap();
    assert_eq!(days.len(), 20);
    for d in days {
        let s: f64 = d
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_f64().unwrap())
            .sum();
        assert!((s - 1.0).abs() < 1e-9);
    }
    assert_ne!(days[0], days[19]);
}
