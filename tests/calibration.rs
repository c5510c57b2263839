//! The default world is calibrated to the figures the project was founded on
//! (docs/ARCHITECTURE.md §3): with popularity recommendations, list prices and a weekly
//! newsletter at a fixed hour, conversion per visit 1.8–2.6%, AOV $60–90, cart abandonment
//! 65–80%, open rate 15–25%. Its recommender lifts are checked against field evidence in
//! `tests/recommenders.rs`; every band with its source is measured by
//! `cargo run --release --example calibration` (docs/CALIBRATION.md).

use shoplab::{Engine, Scenario, Snapshot};

fn run(name: &str, seed: u64) -> Snapshot {
    let mut scenario = Scenario::load(name).unwrap();
    scenario.seed = seed;
    simulate(scenario)
}

fn simulate(scenario: Scenario) -> Snapshot {
    let mut engine = Engine::new(scenario);
    engine.run(|_| {});
    engine.snapshot()
}

#[test]
fn default_control_arm_matches_the_founding_figures() {
    // The scenario's own seed and the first two. Worlds differ from seed to seed by about
    // ±15% in conversion (which products and tastes a seed draws), so an occasional seed
    // lands just outside the band; the closing note of the core issue lists nine seeds.
    for seed in [42, 1, 2] {
        let snapshot = run("default", seed);
        let control = &snapshot.arms[0];
        assert_eq!(control.strategies[0], "popularity");
        let m = &control.metrics;
        let report = format!("seed {seed}: {m:?}");
        assert!(
            (0.018..=0.026).contains(&m.conversion_rate),
            "conversion {report}"
        );
        assert!((60.0..=90.0).contains(&m.aov), "AOV {report}");
        assert!(
            (0.65..=0.80).contains(&m.cart_abandonment_rate),
            "abandonment {report}"
        );
        assert!((0.15..=0.25).contains(&m.open_rate), "open rate {report}");
    }
}

#[test]
fn fashion_is_the_founding_case_study() {
    let snapshot = run("fashion", 7);
    let m = &snapshot.arms[0].metrics;
    assert!((0.014..=0.022).contains(&m.conversion_rate), "{m:?}");
    assert!((0.70..=0.80).contains(&m.cart_abandonment_rate), "{m:?}");
}

#[test]
fn classroom_keeps_the_vivid_effects_and_says_so() {
    let mut scenario = Scenario::load("classroom").unwrap();
    assert!(
        scenario
            .description
            .contains("deliberately larger than field results"),
        "{}",
        scenario.description
    );
    scenario.experiment.true_effect = Some(false);
    let snapshot = simulate(scenario);
    let (popularity, item_cf) = (&snapshot.arms[0].metrics, &snapshot.arms[1].metrics);
    assert!(
        item_cf.conversion_rate > 1.4 * popularity.conversion_rate,
        "item-cf {} vs popularity {}",
        item_cf.conversion_rate,
        popularity.conversion_rate
    );
}
