//! The analysis's wiring on hand-built arms: which totals each metric's replicate test
//! takes, which test and which posterior each metric gets per shopper, and the direction of
//! the chance to beat. The statistics themselves are checked against scipy/statsmodels in
//! `crate::stats`; here the expected figures come from calling them on numbers picked by
//! hand, so a swapped numerator or a wrong branch shows.

use super::*;
use crate::stats::{ratio_comparison, welch_t_test_moments};
use crate::world::{Counts, History};

/// One copy of an arm's strategies, its totals chosen by hand. Every field differs from the
/// others so that taking the wrong one changes the answer.
#[derive(Clone, Copy)]
struct Copy {
    visits: u64,
    orders: u64,
    assigned: u64,
    buyers: u64,
    revenue: f64,
    gross_margin: f64,
    message_cost: f64,
    carts: u64,
    abandoned: u64,
}

impl Copy {
    /// `assigned` shoppers, the first `buyers` of them buying, the orders, visits, revenue
    /// and margin spread over them so the totals are the copy's.
    fn replica(&self) -> ReplicaSnapshot {
        let mut moments = ShopperMoments::default();
        for i in 0..self.assigned {
            let share = |total: f64| total / self.assigned as f64 * (0.5 + (i % 3) as f64 / 2.0);
            let orders = if i < self.buyers {
                (self.orders / self.buyers + u64::from(i < self.orders % self.buyers)) as u32
            } else {
                0
            };
            let h = History {
                visits: (self.visits / self.assigned) as u32 + u32::from(i % 2 == 0),
                orders,
                revenue: if orders > 0 { share(self.revenue) } else { 0.0 },
                margin: share(self.gross_margin - self.message_cost),
                ..History::default()
            };
            moments.add(&h, true, 0.0);
        }
        let counts = Counts {
            visits: self.visits,
            orders: self.orders,
            revenue: self.revenue,
            gross_margin: self.gross_margin,
            message_cost: self.message_cost,
            carts: self.carts,
            abandoned: self.abandoned,
            ..Counts::default()
        };
        ReplicaSnapshot { counts, moments }
    }
}

/// An arm from its copies: the totals and moments are the copies' merged; with one copy the
/// arm has no replicas, as the engine reports it.
fn arm(baseline: usize, copies: &[Copy]) -> ArmSnapshot {
    let replicas: Vec<ReplicaSnapshot> = copies.iter().map(Copy::replica).collect();
    let (mut counts, mut moments) = (Counts::default(), ShopperMoments::default());
    for r in &replicas {
        counts.merge(&r.counts);
        moments.merge(&r.moments);
    }
    ArmSnapshot {
        replicas: if replicas.len() > 1 {
            replicas
        } else {
            Vec::new()
        },
        ..ArmSnapshot::from_totals(format!("arm {baseline}"), 0.5, baseline, counts, moments)
    }
}

fn snapshot(control: &[Copy], treatment: &[Copy]) -> Snapshot {
    Snapshot {
        scenario: "hand-built".into(),
        day: 10,
        days: 10,
        arms: vec![arm(0, control), arm(0, treatment)],
        allocation: Vec::new(),
    }
}

fn copy(k: u64) -> Copy {
    let f = k as f64;
    Copy {
        visits: 900 + 37 * k,
        orders: 40 + 3 * k,
        assigned: 300 + 11 * k,
        buyers: 31 + 2 * k,
        revenue: 2_900.0 + 170.0 * f,
        gross_margin: 1_050.0 + 61.0 * f,
        message_cost: 45.0 + 13.0 * f,
        carts: 95 + 4 * k,
        abandoned: 52 + 5 * k,
    }
}

const ALPHA: f64 = 0.05;

/// The (numerator, denominator) a metric's copy-level analysis should take from a copy.
fn expected_totals(c: &Copy, metric: &str) -> (f64, f64) {
    match metric {
        "conversion_rate" => (c.orders as f64, c.visits as f64),
        "buyer_rate" => (c.buyers as f64, c.assigned as f64),
        "aov" => (c.revenue, c.orders as f64),
        "revenue_per_shopper" => (c.revenue, c.assigned as f64),
        "margin_per_shopper" => (c.gross_margin - c.message_cost, c.assigned as f64),
        "cart_abandonment_rate" => (c.abandoned as f64, c.carts as f64),
        _ => unreachable!(),
    }
}

fn same(a: Option<f64>, b: f64, what: &str) {
    let a = a.unwrap_or_else(|| panic!("{what}: missing"));
    assert!(
        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
        "{what}: {a} vs {b}"
    );
}

#[test]
fn with_copies_each_metric_compares_the_copies_own_totals() {
    let control = [copy(0), copy(3), copy(5)];
    let treatment = [copy(1), copy(7), copy(2), copy(6)];
    let all = compare_all(&snapshot(&control, &treatment), ALPHA);
    assert!(all[0].is_none(), "the control is compared with nothing");
    let arm = all[1].as_ref().expect("the treatment is compared");
    for metric in COMPARED {
        let pairs = |copies: &[Copy]| -> Vec<(f64, f64)> {
            copies.iter().map(|c| expected_totals(c, metric)).collect()
        };
        let want = replicate_comparison(&pairs(&control), &pairs(&treatment), ALPHA).unwrap();
        let got = &arm[metric];
        same(got.lift, want.lift, metric);
        same(got.ci_low, want.ci_low, metric);
        same(got.ci_high, want.ci_high, metric);
        same(got.p_value, want.p_value, metric);
        // The copies are the unit for the posterior too: a normal posterior on the copies'
        // difference, turned round for abandonment (fewer is better).
        let b = normal_chance_to_beat(want.diff, want.diff_se).unwrap();
        let better = if metric == "cart_abandonment_rate" {
            1.0 - b.prob_treatment_better
        } else {
            b.prob_treatment_better
        };
        same(got.chance_to_beat, better, metric);
    }
}

#[test]
fn with_copies_revenue_and_margin_per_visit_compare_the_copies() {
    let control = [copy(0), copy(4)];
    let treatment = [copy(2), copy(9), copy(1)];
    let s = snapshot(&control, &treatment);
    for (margin, value) in [
        (false, (|c: &Copy| c.revenue) as fn(&Copy) -> f64),
        (true, |c: &Copy| c.gross_margin - c.message_cost),
    ] {
        let pairs = |copies: &[Copy]| -> Vec<(f64, f64)> {
            copies.iter().map(|c| (value(c), c.visits as f64)).collect()
        };
        let want = replicate_comparison(&pairs(&control), &pairs(&treatment), ALPHA).unwrap();
        let got = per_visit(&s.arms[0], &s.arms[1], margin, ALPHA).unwrap();
        assert_eq!(got, want, "margin {margin}");
    }
}

#[test]
fn per_shopper_each_metric_gets_its_own_test_and_posterior() {
    let s = snapshot(&[copy(0)], &[copy(3)]);
    let (c, t) = (&s.arms[0], &s.arms[1]);
    let all = compare_all(&s, ALPHA);
    let arm = all[1].as_ref().unwrap();
    let (cm, tm) = (&c.moments, &t.moments);
    let tests = [
        (
            "conversion_rate",
            ratio_comparison(&cm.conversion, &tm.conversion, ALPHA),
        ),
        ("aov", ratio_comparison(&cm.aov, &tm.aov, ALPHA)),
        (
            "buyer_rate",
            two_proportion_z_test(cm.buyers, cm.assigned, tm.buyers, tm.assigned, ALPHA),
        ),
        (
            "revenue_per_shopper",
            welch_t_test_moments(&cm.revenue, &tm.revenue, ALPHA),
        ),
        (
            "margin_per_shopper",
            welch_t_test_moments(&cm.margin, &tm.margin, ALPHA),
        ),
        (
            "cart_abandonment_rate",
            two_proportion_z_test(
                c.counts.abandoned,
                c.counts.carts,
                t.counts.abandoned,
                t.counts.carts,
                ALPHA,
            ),
        ),
    ];
    for (metric, want) in tests {
        let want = want.unwrap();
        let got = &arm[metric];
        same(got.lift, want.lift, metric);
        same(got.p_value, want.p_value, metric);
        same(got.ci_low, want.ci_low, metric);
        // Proportions per shopper get the Beta-Binomial posterior; the rest a normal one.
        let b = match metric {
            "buyer_rate" => {
                beta_binomial_chance_to_beat(cm.buyers, cm.assigned, tm.buyers, tm.assigned)
            }
            "cart_abandonment_rate" => beta_binomial_chance_to_beat(
                c.counts.abandoned,
                c.counts.carts,
                t.counts.abandoned,
                t.counts.carts,
            ),
            _ => normal_chance_to_beat(want.diff, want.diff_se),
        }
        .unwrap();
        let (better, loss) = if metric == "cart_abandonment_rate" {
            (1.0 - b.prob_treatment_better, b.expected_loss_control)
        } else {
            (b.prob_treatment_better, b.expected_loss_treatment)
        };
        same(got.chance_to_beat, better, metric);
        same(got.expected_loss, loss, metric);
    }
    // Per shopper, revenue per visit is the delta-method ratio of the shoppers' totals.
    for (margin, pick) in [
        (
            false,
            (|m: &ShopperMoments| m.visit_value) as fn(&ShopperMoments) -> _,
        ),
        (true, |m: &ShopperMoments| m.visit_margin),
    ] {
        let want = ratio_comparison(&pick(cm), &pick(tm), ALPHA).unwrap();
        assert_eq!(per_visit(c, t, margin, ALPHA).unwrap(), want);
    }
}

#[test]
fn an_arm_without_shoppers_has_no_lift_but_keeps_its_truths() {
    let mut s = snapshot(&[copy(0)], &[copy(3)]);
    let empty = Copy {
        visits: 0,
        orders: 0,
        assigned: 0,
        buyers: 0,
        revenue: 0.0,
        gross_margin: 0.0,
        message_cost: 0.0,
        carts: 0,
        abandoned: 0,
    };
    s.arms[1] = arm(0, &[empty]);
    let truth = |rate: f64| ArmTruth {
        counts: Counts::default(),
        moments: ShopperMoments::default(),
        metrics: Metrics {
            conversion_rate: rate,
            ..Metrics::default()
        },
    };
    s.arms[0].truth = Some(truth(0.04));
    s.arms[1].truth = Some(truth(0.05));
    s.arms[0].rollout = Some(truth(0.04));
    s.arms[1].rollout = Some(truth(0.03));
    let all = compare_all(&s, ALPHA);
    let conversion = all[1].as_ref().unwrap()["conversion_rate"];
    assert_eq!(conversion.lift, None);
    assert_eq!(conversion.p_value, None);
    assert!(!conversion.significant);
    same(conversion.true_lift, 0.25, "true lift");
    same(conversion.rollout_lift, -0.25, "rollout lift");
}

#[test]
fn where_no_test_can_run_the_lift_is_still_the_plain_ratio() {
    // One shopper an arm: no variance, so no interval or p-value, but the arms' values
    // still compare.
    let one = |visits: u64, revenue: f64| Copy {
        visits,
        orders: 1,
        assigned: 1,
        buyers: 1,
        revenue,
        gross_margin: revenue / 3.0,
        message_cost: 0.0,
        carts: 1,
        abandoned: 0,
    };
    let s = snapshot(&[one(4, 50.0)], &[one(5, 80.0)]);
    let all = compare_all(&s, ALPHA);
    let revenue = all[1].as_ref().unwrap()["revenue_per_shopper"];
    assert_eq!(revenue.p_value, None);
    assert_eq!(revenue.ci_low, None);
    same(revenue.lift, 80.0 / 50.0 - 1.0, "revenue per shopper");
}

#[test]
fn factorial_cells_are_the_arms_means_and_the_variances_of_those_means() {
    let text = "shoppers = 100\ndays = 10\n\
        [[experiment.factors]]\nfamily = \"recommender\"\nlevels = [\"popularity\", \"random\"]\n\
        [[experiment.factors]]\nfamily = \"pricing\"\nlevels = [\"list\", \"demand\"]\n";
    let scenario = Scenario::parse(text, "test.toml", "test").unwrap();
    let design = scenario.experiment.factorial.as_ref().unwrap();
    let s = Snapshot {
        arms: (0..4).map(|k| arm(0, &[copy(2 * k)])).collect(),
        ..snapshot(&[copy(0)], &[copy(1)])
    };
    let analysis = factorial(&scenario, &s, ALPHA).unwrap();
    let cells = |metric: &str| -> Vec<FactorialCell> {
        design
            .cells
            .iter()
            .zip(&s.arms)
            .map(|(levels, a)| {
                let m = &a.moments;
                let (mean, var_of_mean) = match metric {
                    "conversion_rate" => (
                        m.conversion.ratio().unwrap(),
                        m.conversion.ratio_variance().unwrap(),
                    ),
                    _ => (
                        m.revenue.mean().unwrap(),
                        m.revenue.variance().unwrap() / m.revenue.n as f64,
                    ),
                };
                FactorialCell {
                    levels: levels.clone(),
                    mean,
                    var_of_mean,
                }
            })
            .collect()
    };
    for metric in ["conversion_rate", "revenue_per_shopper"] {
        let want = factorial_effects(&cells(metric), ALPHA).unwrap();
        let got: Vec<&Effect> = analysis
            .effects
            .iter()
            .filter(|e| e.metric == metric)
            .collect();
        assert_eq!(got.len(), want.len(), "{metric}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                (g.estimate, g.ci_low, g.ci_high),
                (w.estimate, w.ci.0, w.ci.1)
            );
            assert_eq!(g.p_value, w.p_value, "{metric} {}", g.effect);
        }
    }
    let names: Vec<&str> = analysis.effects[..3]
        .iter()
        .map(|e| e.effect.as_str())
        .collect();
    assert_eq!(names, ["recommender", "pricing", "recommender × pricing"]);
    // Buying is tested for independence of the cell on buyers and non-buyers.
    let table: Vec<[u64; 2]> = s
        .arms
        .iter()
        .map(|a| [a.moments.buyers, a.moments.assigned - a.moments.buyers])
        .collect();
    let chi = chi_square_independence(&table).unwrap();
    assert_eq!(
        analysis.independence,
        Some((chi.statistic, chi.df, chi.p_value))
    );
}
