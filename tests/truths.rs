//! The two truths, checked against what they claim: the in-experiment truth leaves the
//! experiment untouched and is covered by the intervals at their nominal rate; identical
//! arms that learn nothing give about α false positives; replicated copies of learning
//! arms make their A/A tests honest.
//!
//! The slow versions (hundreds of seeds) are `#[ignore]`d: run them with
//! `cargo test --release --test truths -- --ignored --nocapture`.

use rayon::prelude::*;
use serde_json::Value;
use shoplab::experiment::analysis::compare_all;
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

/// Every arm's own results, without the truths: what must not depend on them.
fn own_results(snapshot: &Snapshot) -> Value {
    let mut v = serde_json::to_value(&snapshot.arms).unwrap();
    for arm in v.as_array_mut().unwrap() {
        let arm = arm.as_object_mut().unwrap();
        arm.remove("truth");
        arm.remove("rollout");
    }
    v
}

/// A scenario with every strategy that keeps something per shopper, in arms of two or
/// three families each.
const EVERY_STRATEGY: &str = r#"
shoppers = 2500
days = 10
[[arms]]
name = "control"
[[arms]]
name = "item-cf"
recommender = "item-cf"
email = { kind = "send-time", cap = 1 }
[[arms]]
name = "mf"
recommender = "mf"
retention = "churn-model"
[[arms]]
name = "user-cf"
recommender = "user-cf"
email = "cart-reminder"
pricing = "promo"
[[arms]]
name = "content"
recommender = "content"
retention = "loyalty"
pricing = "bandit-price"
[[arms]]
name = "hybrid"
recommender = "hybrid"
retention = { kind = "winback", after_days = 3 }
pricing = "demand"
[[arms]]
name = "bandit"
recommender = { kind = "bandit", policy = "thompson" }
email = { kind = "fixed-hour", cap = 1 }
"#;

#[test]
fn the_truths_leave_the_experiment_untouched() {
    // Guests are served by each arm's strategies but must teach them nothing: every arm's
    // own results are the same, to the bit, whether the truths are computed or not.
    for replicates in [1, 3] {
        let text = format!("{EVERY_STRATEGY}[experiment]\nreplicates = {replicates}\n");
        let mut on = scenario(&text);
        on.experiment.true_effect = Some(true);
        let mut off = on.clone();
        off.experiment.true_effect = Some(false);
        let (on, off) = (run(on, 4), run(off, 4));
        assert!(on
            .arms
            .iter()
            .all(|a| a.truth.is_some() && a.rollout.is_some()));
        assert!(off.arms.iter().all(|a| a.truth.is_none()));
        assert_eq!(
            own_results(&on),
            own_results(&off),
            "replicates {replicates}"
        );
    }
}

#[test]
fn the_in_experiment_truth_is_the_arm_plus_its_guests() {
    // An arm's truth covers every shopper once: its own and its guests.
    let s = scenario(&format!(
        "{EVERY_STRATEGY}[experiment]\ntrue_effect = true\n"
    ));
    let n = u64::from(s.shoppers);
    let snap = run(s, 8);
    for arm in &snap.arms {
        let t = arm.truth.as_ref().unwrap();
        assert_eq!(t.moments.assigned, n, "{}", arm.name);
        assert!(t.counts.visits >= arm.counts.visits);
        assert_eq!(arm.rollout.as_ref().unwrap().moments.assigned, n);
    }
}

/// Share of `runs` where `hit`, with its 99% binomial band around `p` (normal
/// approximation, for a check across seeds).
fn band(p: f64, runs: usize) -> (f64, f64) {
    let half = 2.576 * (p * (1.0 - p) / runs as f64).sqrt();
    (p - half, p + half)
}

/// Over `seeds`, the share of runs whose interval covers the in-experiment truth and
/// whose p-value is below α, per metric, for arm 1 against its baseline.
fn rates(text: &str, seeds: std::ops::Range<u64>, metrics: &[&str]) -> (Vec<f64>, Vec<f64>) {
    let s = scenario(text);
    let results: Vec<Vec<(bool, bool)>> = seeds
        .clone()
        .into_par_iter()
        .map(|seed| {
            let snap = run(s.clone(), seed);
            let cmp = compare_all(&snap, s.experiment.alpha);
            let vs = cmp[1].as_ref().unwrap();
            metrics
                .iter()
                .map(|m| {
                    let c = &vs[m];
                    let covered = c
                        .covered
                        .unwrap_or_else(|| panic!("seed {seed} {m}: {c:?}"));
                    (covered, c.p_value.is_some_and(|p| p < s.experiment.alpha))
                })
                .collect()
        })
        .collect();
    let n = results.len() as f64;
    let share = |k: usize, pick: fn(&(bool, bool)) -> bool| {
        results.iter().filter(|r| pick(&r[k])).count() as f64 / n
    };
    (
        (0..metrics.len()).map(|k| share(k, |r| r.0)).collect(),
        (0..metrics.len()).map(|k| share(k, |r| r.1)).collect(),
    )
}

const COVERED: [&str; 3] = ["conversion_rate", "buyer_rate", "revenue_per_shopper"];

/// Best sellers against item-to-item recommendations, both learning from their own half.
fn learning_pair(shoppers: u32, days: u32) -> String {
    format!(
        "shoppers = {shoppers}\ndays = {days}\n[[arms]]\nname = \"popularity\"\n[[arms]]\nname = \"item-cf\"\nrecommender = \"item-cf\"\n[experiment]\ntrue_effect = true\n"
    )
}

fn check_coverage(seeds: std::ops::Range<u64>, shoppers: u32, days: u32) {
    let runs = seeds.clone().count();
    let (covered, _) = rates(&learning_pair(shoppers, days), seeds, &COVERED);
    let (lo, hi) = band(0.95, runs);
    for (m, c) in COVERED.iter().zip(&covered) {
        println!("coverage of the in-experiment truth, {m}: {c:.3} over {runs} seeds");
        assert!((lo..=hi).contains(c), "{m}: {c} outside [{lo:.3}, {hi:.3}]");
    }
}

#[test]
fn intervals_cover_the_in_experiment_truth() {
    check_coverage(1..41, 3000, 14);
}

#[test]
#[ignore = "slow: 200 seeds"]
fn intervals_cover_the_in_experiment_truth_over_200_seeds() {
    check_coverage(1000..1200, 4000, 21);
}
