//! The experiment engine's statistics, checked by replication: A/A false-positive rates,
//! interval coverage of the true effect, and the cost of peeking every day.

use rayon::prelude::*;
use shoplab::experiment::analysis::compare_all;
use shoplab::report::{Format, Report};
use shoplab::world::{CatalogParams, SegmentParams, WorldParams};
use shoplab::{Engine, Scenario, Snapshot};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
}

const AA: &str = "shoppers = 4000\ndays = 14\n[[arms]]\nname = \"a\"\nrecommender = \"random\"\n[[arms]]\nname = \"b\"\nrecommender = \"random\"\n[experiment]\ntrue_effect = false\n";

/// The scenario with the `classroom` world's constants (keeping its own arrivals, catalog
/// size and segments), where best sellers beat random slates by far more than in the
/// calibrated default world, whose recommender effects are as small as field experiments
/// report: too small for these tests' sizes.
fn in_classroom(s: Scenario) -> Scenario {
    let classroom = Scenario::load("classroom").unwrap();
    let old = &classroom.segments[0];
    let segments = s
        .segments
        .iter()
        .map(|seg| SegmentParams {
            churn_hazard: old.churn_hazard,
            email_responsiveness: old.email_responsiveness,
            ..seg.clone()
        })
        .collect();
    Scenario {
        world: WorldParams {
            new_shopper_share: s.world.new_shopper_share,
            ..classroom.world
        },
        catalog: CatalogParams {
            price_median: classroom.catalog.price_median,
            price_spread: classroom.catalog.price_spread,
            ..s.catalog.clone()
        },
        segments,
        ..s
    }
}

fn run(mut s: Scenario, seed: u64) -> Snapshot {
    s.seed = seed;
    let mut engine = Engine::new(s);
    engine.run(|_| {});
    engine.snapshot()
}

/// 99.9% two-sided binomial bounds on a rate, by the normal approximation.
fn bounds(p: f64, n: usize) -> (f64, f64) {
    let sd = (p * (1.0 - p) / n as f64).sqrt();
    (p - 3.3 * sd, p + 3.3 * sd)
}

const METRICS: [&str; 3] = ["conversion_rate", "buyer_rate", "revenue_per_shopper"];

/// How often A/A replications reject at α = 0.05.
struct AaRates {
    /// Per metric of [`METRICS`], the final fixed-horizon test.
    fixed: Vec<f64>,
    /// Conversion, naive p-value looked at every day.
    naive_peeking: f64,
    /// Conversion, always-valid p-value looked at every day.
    sequential_peeking: f64,
}

/// One replication: rejections per metric, ever significant peeking naively, sequentially.
type Replication = (Vec<bool>, bool, bool);

fn replicate(base: &Scenario, r: usize) -> AaRates {
    let results: Vec<Replication> = (0..r as u64)
        .into_par_iter()
        .map(|seed| {
            let snap = run(base.clone(), 1000 + seed);
            let cmp = compare_all(&snap, 0.05);
            let vs = cmp[1].as_ref().unwrap();
            let rejected = METRICS
                .iter()
                .map(|m| vs[m].p_value.is_some_and(|p| p < 0.05))
                .collect();
            let looks = &snap.arms[1].looks;
            let naive = looks.iter().any(|l| l.naive_p.is_some_and(|p| p < 0.05));
            let sequential = looks
                .iter()
                .any(|l| l.sequential_p.is_some_and(|p| p < 0.05));
            (rejected, naive, sequential)
        })
        .collect();
    let share = |f: &dyn Fn(&Replication) -> bool| {
        results.iter().filter(|x| f(x)).count() as f64 / r as f64
    };
    AaRates {
        fixed: (0..METRICS.len()).map(|k| share(&|x| x.0[k])).collect(),
        naive_peeking: share(&|x| x.1),
        sequential_peeking: share(&|x| x.2),
    }
}

fn assert_valid(rates: &AaRates, r: usize) {
    let (lo, hi) = bounds(0.05, r);
    for (metric, rate) in METRICS.iter().zip(&rates.fixed) {
        println!("A/A false-positive rate, {metric}: {rate:.3}");
        assert!(
            *rate >= lo.max(0.0) && *rate <= hi,
            "{metric}: {rate} outside [{lo:.3}, {hi:.3}]"
        );
    }
    let (naive, sequential) = (rates.naive_peeking, rates.sequential_peeking);
    println!("daily peeking over 14 days: naive {naive:.3}, sequential {sequential:.3}");
    assert!(
        naive > hi,
        "peeking at the naive p-value should inflate false positives: {naive}"
    );
    assert!(
        sequential <= hi,
        "the always-valid p-value must stay at or below α: {sequential}"
    );
}

/// The A/A arms do not learn: arms that learn (popularity) drift apart by chance, which
/// adds arm-level variance that no per-shopper test sees (the ignored test below measures it).
#[test]
fn aa_false_positive_rate_and_peeking() {
    assert_valid(&replicate(&scenario(AA), 300), 300);
}

/// Ten times the replications, and the learning case: `cargo test -- --ignored`.
#[test]
#[ignore]
fn aa_false_positive_rate_large() {
    assert_valid(&replicate(&scenario(AA), 3000), 3000);
    let learning = replicate(&scenario(&AA.replace("\"random\"", "\"popularity\"")), 1000);
    for (metric, rate) in METRICS.iter().zip(&learning.fixed) {
        println!("A/A with learning arms (popularity), {metric}: {rate:.3}");
    }
}

#[test]
fn intervals_cover_the_true_effect() {
    const R: usize = 120;
    let text = "shoppers = 4000\ndays = 14\n[[arms]]\nname = \"best\"\n[[arms]]\nname = \"random\"\nrecommender = \"random\"\n[experiment]\ntrue_effect = true\n";
    let base = scenario(text);
    let covered: Vec<[bool; 3]> = (0..R as u64)
        .into_par_iter()
        .map(|seed| {
            let snap = run(base.clone(), 2000 + seed);
            let cmp = compare_all(&snap, 0.05);
            let vs = cmp[1].as_ref().unwrap();
            ["conversion_rate", "buyer_rate", "revenue_per_shopper"]
                .map(|m| vs[m].covered.unwrap_or(false))
        })
        .collect();
    for (k, metric) in ["conversion_rate", "buyer_rate", "revenue_per_shopper"]
        .iter()
        .enumerate()
    {
        let rate = covered.iter().filter(|c| c[k]).count() as f64 / R as f64;
        println!("coverage of the true lift, {metric}: {rate:.3}");
        let (lo, _) = bounds(0.95, R);
        assert!(rate >= lo, "{metric}: coverage {rate} below {lo:.3}");
    }
}

#[test]
fn identical_arms_have_a_rollout_lift_of_exactly_zero_and_a_true_lift_now_only_if_they_learn() {
    // Deployed to everyone, identical strategies live identical days: the rollout truth
    // is exactly zero. In the experiment each copy learns from its own half, so learning
    // arms really differ ("true now" is not zero) while non-learning ones do not.
    for (recommender, learns) in [("random", false), ("popularity", true)] {
        let s = scenario(&format!(
            "shoppers = 3000\ndays = 7\n[[arms]]\nname = \"a\"\nrecommender = \"{recommender}\"\n[[arms]]\nname = \"b\"\nrecommender = \"{recommender}\"\n[experiment]\ntrue_effect = true\n"
        ));
        let snap = run(s, 9);
        let cmp = compare_all(&snap, 0.05);
        for (metric, c) in cmp[1].as_ref().unwrap() {
            assert_eq!(c.rollout_lift, Some(0.0), "{recommender} {metric}");
            let now = c.true_lift.unwrap();
            if !learns {
                // The same outcomes summed in another order: zero up to rounding.
                assert!(now.abs() < 1e-12, "{recommender} {metric}: {now}");
            }
        }
        let conversion = cmp[1].as_ref().unwrap()["conversion_rate"]
            .true_lift
            .unwrap();
        assert_eq!(
            conversion.abs() > 1e-6,
            learns,
            "{recommender}: {conversion}"
        );
    }
}

#[test]
fn thompson_allocation_shifts_traffic_to_the_winner() {
    let text = "shoppers = 12000\ndays = 30\n[world]\nnew_shopper_share = 0.9\n[[arms]]\nname = \"best\"\n[[arms]]\nname = \"random\"\nrecommender = \"random\"\n[experiment]\nallocation = \"thompson\"\ntrue_effect = true\n";
    // By the end every seed sends nearly all newcomers to the better arm. Early on, with few
    // visits, Thompson sampling can favour the worse arm by chance for a while (that is
    // exploration, not a defect), so the totals favour the winner on most seeds, not all.
    let mut winner_larger = 0;
    let mut regret_lower = 0;
    for seed in [1, 2, 3, 4, 5] {
        let s = in_classroom(scenario(text));
        let snap = run(s.clone(), seed);
        let last = snap.allocation.last().unwrap();
        assert!(last[0] > 0.8, "seed {seed}: final shares {last:?}");
        winner_larger += usize::from(snap.arms[0].moments.assigned > snap.arms[1].moments.assigned);
        let report = Report::new(&s, &snap);
        let a = &report.experiment.allocation;
        regret_lower += usize::from(a.regret < a.regret_even_split);
        assert!(report.experiment.srm.is_none());
    }
    assert!(
        winner_larger >= 4,
        "the winner got more shoppers on {winner_larger} of 5 seeds"
    );
    assert!(
        regret_lower >= 4,
        "regret beat an even split on {regret_lower} of 5 seeds"
    );
}

#[test]
fn factorial_design_reports_main_effects_and_interactions() {
    let text = r#"
shoppers = 20000
days = 21
[experiment]
true_effect = false
[[experiment.factors]]
family = "recommender"
levels = ["popularity", "random"]
[[experiment.factors]]
family = "email"
levels = [{ kind = "fixed-hour", hour = 10 }, { kind = "fixed-hour", hour = 19 }]
"#;
    let s = in_classroom(scenario(text));
    assert_eq!(s.arms.len(), 4);
    assert_eq!(s.arms[0].name, "popularity + fixed-hour");
    let snap = run(s.clone(), 4);
    let report = Report::new(&s, &snap);
    let f = report.experiment.factorial.as_ref().unwrap();
    let names: Vec<&str> = f
        .effects
        .iter()
        .filter(|e| e.metric == "conversion_rate")
        .map(|e| e.effect.as_str())
        .collect();
    assert_eq!(names, ["recommender", "email", "recommender × email"]);
    let rec = &f.effects[0];
    assert!(
        rec.estimate < 0.0 && rec.ci_high < 0.0,
        "random recommendations lower conversion: {rec:?}"
    );
    assert!(f.independence.is_some());
    let json: serde_json::Value = serde_json::from_str(&report.render(Format::Json)).unwrap();
    assert_eq!(json["experiment"]["design"], "factorial");
}

#[test]
fn edge_cases_give_numbers_or_not_enough_data() {
    for text in [
        "shoppers = 1\ndays = 2\n[[arms]]\nname = \"a\"\n[[arms]]\nname = \"b\"\n",
        "shoppers = 200\ndays = 1\n[[arms]]\nname = \"a\"\n[[arms]]\nname = \"b\"\n",
        // An arm whose tiny share met nobody (a share of 0 is refused).
        "shoppers = 500\ndays = 3\n[[arms]]\nname = \"a\"\ntraffic = 0.999999999\n[[arms]]\nname = \"empty\"\ntraffic = 0.000000001\n",
        "shoppers = 500\ndays = 3\n[[arms]]\nname = \"only\"\n",
    ] {
        let s = scenario(text);
        let snap = run(s.clone(), 3);
        let report = Report::new(&s, &snap);
        for format in [Format::Json, Format::Table, Format::Csv, Format::Markdown] {
            let out = report.render(format);
            assert!(!out.contains("NaN") && !out.contains("inf"), "{text}\n{out}");
        }
    }
}
