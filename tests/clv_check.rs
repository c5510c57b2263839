//! The projected CLV of each arm and its check against the world (issue 13): living on past
//! the horizon continues the experiment exactly and changes none of its results; the
//! projection is labelled, with its interval, or says why there is none; and what the check
//! finds on the default world.

use assert_cmd::Command;
use serde_json::Value;
use shoplab::experiment::clv::{self, ArmClv};
use shoplab::{Engine, Scenario};

/// The default world with a third arm whose strategies keep state per shopper (learned send
/// times, a churn model), so that living on exercises every kind of nightly learning.
fn world(shoppers: u32, days: u32, seed: u64) -> Scenario {
    let mut text = String::from(include_str!("../scenarios/default.toml"));
    text = text.replace("traffic = 0.5", "traffic = 0.3");
    text += r#"
[[arms]]
name = "learners"
traffic = 0.4
recommender = "mf"
retention = "churn-model"
email = "send-time"
"#;
    let mut s = Scenario::parse(&text, "clv test", "clv").unwrap();
    s.shoppers = shoppers;
    s.days = days;
    s.seed = seed;
    s
}

#[test]
fn living_on_is_the_experiment_running_longer() {
    // A run of 20 days that lives on for 15 more, and a run of 35 days without truths: the
    // experiment's shoppers live the same days (the world does not depend on the horizon when
    // nobody signs up and nothing launches later, as in the default world).
    let mut short = Engine::new(world(3000, 20, 5));
    short.run(|_| {});
    let mut days = Vec::new();
    short.live_on(15, |e| days.push(e.day()));
    assert_eq!(days, (21..=35).collect::<Vec<_>>());
    let mut long_scenario = world(3000, 35, 5);
    long_scenario.experiment.true_effect = Some(false);
    let mut long = Engine::new(long_scenario);
    long.run(|_| {});
    for arm in 0..3 {
        let a: Vec<_> = short.histories(arm).collect();
        let b: Vec<_> = long.histories(arm).collect();
        assert_eq!(a.len(), b.len());
        assert!(
            a.iter().any(|(_, h)| h.order_days > 1),
            "arm {arm}: no repeat buyer"
        );
        for ((id, x), (id2, y)) in a.iter().zip(&b) {
            assert_eq!(id, id2);
            assert_eq!(x, y, "arm {arm}, shopper {id}");
        }
    }
}

fn run_json(extra: &[&str]) -> Value {
    let out = Command::cargo_bin("shoplab")
        .unwrap()
        .args(["run", "default", "--shoppers", "3000", "--days", "20"])
        .args(["--format", "json", "--threads", "2"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn the_check_adds_the_realised_value_and_changes_nothing_else() {
    let plain = run_json(&[]);
    let mut checked = run_json(&["--clv-check"]);
    for (a, b) in plain["arms"]
        .as_array()
        .unwrap()
        .iter()
        .zip(checked["arms"].as_array_mut().unwrap())
    {
        assert!(a["clv"]["realised"].is_null() && a["clv"]["covered"].is_null());
        let clv = b["clv"].as_object_mut().unwrap();
        let realised = clv.insert("realised".into(), Value::Null).unwrap();
        // A year of the customers' orders, per assigned shopper: positive, and far below
        // what an order brings (only a few shoppers buy in 20 days).
        let realised = realised.as_f64().unwrap();
        assert!(realised > 0.0 && realised < 20.0, "{realised}");
        clv.insert("covered".into(), Value::Null);
    }
    assert_eq!(
        plain, checked,
        "the check changed a result of the experiment"
    );
}

/// Every arm's CLV as the JSON gives it.
fn clvs(v: &Value) -> Vec<&Value> {
    v["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["clv"])
        .collect()
}

#[test]
fn twenty_days_are_too_few_to_project_and_the_report_says_so() {
    let v = run_json(&[]);
    for clv in clvs(&v) {
        assert!(clv["projected"].is_null(), "{clv}");
        let reason = clv["reason"].as_str().unwrap();
        assert!(
            reason.contains("with a repeat order day) after 20 days"),
            "{reason}"
        );
    }
    let table = Command::cargo_bin("shoplab")
        .unwrap()
        .args(["run", "default", "--shoppers", "3000", "--days", "20"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    let heading = lines
        .iter()
        .position(|l| l.starts_with("projected CLV (USD)"))
        .expect("a CLV heading");
    assert!(lines[heading].contains("a projection, not an observation"));
    for (line, arm) in lines[heading + 2..heading + 4]
        .iter()
        .zip(["popularity", "item-cf"])
    {
        assert!(line.starts_with(arm) && line.contains("none: "), "{line}");
    }
}

/// A projection from half a year, with its interval and how it was made.
#[test]
fn half_a_year_gives_a_labelled_projection_with_its_interval() {
    let mut s = Scenario::load("default").unwrap();
    (s.shoppers, s.days, s.seed) = (12_000, 180, 3);
    s.experiment.true_effect = Some(false);
    let mut engine = Engine::new(s);
    engine.run(|_| {});
    let snapshot = engine.snapshot();
    for arm in &snapshot.arms {
        let clv: &ArmClv = arm.clv.as_ref().unwrap();
        let p = clv.projected.as_ref().unwrap_or_else(|| panic!("{clv:?}"));
        assert!(p.low < p.estimate && p.estimate < p.high, "{p:?}");
        assert_eq!(
            (p.months, p.days, p.method.as_str()),
            (12, 365, "delta method")
        );
        assert_eq!(p.customers, arm.moments.buyers, "customers are the buyers");
        // The margin rate is the arm's: gross margin of its orders over their revenue.
        let rate = arm.counts.gross_margin / arm.counts.revenue;
        assert!((p.margin_rate - rate).abs() < 1e-12);
        assert!(clv.realised.is_none() && clv.reason.is_none());
        assert!(
            (p.spend == "Gamma-Gamma") == p.gamma_gamma.is_some()
                && p.gamma_gamma.is_some() != p.spend_note.is_some(),
            "{p:?}"
        );
    }
    // Past the horizon no snapshot projects: its histories hold the future.
    engine.live_on(1, |_| {});
    assert!(engine.snapshot().arms.iter().all(|a| a.clv.is_none()));
}

#[test]
fn clv_check_is_a_scenario_key_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.toml");
    let text = include_str!("../scenarios/default.toml").replace(
        "days = 30\n",
        "days = 20\n\n[experiment]\nclv_check = true\n\n[business]\nclv_months = 2\n",
    );
    std::fs::write(&path, text).unwrap();
    let out = Command::cargo_bin("shoplab")
        .unwrap()
        .args(["run", path.to_str().unwrap(), "--shoppers", "2000"])
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    for clv in clvs(&v) {
        assert!(clv["realised"].as_f64().unwrap() >= 0.0, "{clv}");
    }
    assert_eq!(clv::projection_days(2), 61);
}

/// The projection against the world on the default scenario run for half a year, 10 seeds:
/// what docs/CALIBRATION.md reports. BG/NBD over-states the year's margin in every fit (its
/// customers drop out only just after a purchase; this world's shoppers lapse in time,
/// bought or not), so its interval holds the realised value in only 6 of 19 fits; it ranks
/// the arms as the world does. About 90 s in release.
#[test]
#[ignore = "10 runs of 20,000 shoppers for 180 + 365 days; run with --release -- --ignored"]
fn projection_against_the_world_on_the_default_scenario() {
    let (mut fits, mut covered, mut failed) = (0, 0, 0);
    for seed in 1..=10 {
        let mut s = Scenario::load("default").unwrap();
        (s.seed, s.days, s.experiment.true_effect) = (seed, 180, Some(false));
        let mut engine = Engine::new(s);
        engine.run(|_| {});
        let mut snapshot = engine.snapshot();
        clv::check(&mut engine, &mut snapshot, |_| {});
        let mut both = Vec::new();
        for arm in &snapshot.arms {
            let clv = arm.clv.as_ref().unwrap();
            let realised = clv.realised.unwrap();
            let Some(p) = &clv.projected else {
                failed += 1;
                println!(
                    "seed {seed} {}: none ({:?}), realised {realised:.2}",
                    arm.name, clv.reason
                );
                continue;
            };
            println!(
                "seed {seed} {}: {:.2} [{:.2}, {:.2}] ({}), realised {realised:.2}",
                arm.name, p.estimate, p.low, p.high, p.spend
            );
            fits += 1;
            covered += usize::from(clv.covered.unwrap());
            assert!(realised < p.estimate, "seed {seed} {}", arm.name);
            assert!(realised > 0.4 * p.estimate, "seed {seed} {}", arm.name);
            both.push((p.estimate, realised));
        }
        if let [(p0, r0), (p1, r1)] = both[..] {
            assert_eq!(
                p1 > p0,
                r1 > r0,
                "seed {seed}: the projection ranks the arms wrongly"
            );
        }
    }
    println!("covered {covered} of {fits} fits; {failed} without a fit");
    assert!(failed <= 2, "{failed} arms without a fit");
}
