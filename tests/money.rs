//! ROI, payback and NPV of a hand-built experiment, every figure worked out by hand: the
//! founding example (2% → 2.6% conversion, $75 → $90 AOV, 1,000,000 visits a year) with a
//! 40% margin, a one-off cost and a licence, each a range.

use shoplab::experiment::{ArmSnapshot, Snapshot};
use shoplab::metrics::ShopperMoments;
use shoplab::roi::{analyze, payback_month, Range};
use shoplab::stats::{sample_size_means, sample_size_proportions};
use shoplab::world::{Counts, History};
use shoplab::Scenario;

/// Groups of (shoppers, orders each, order value), 50 visits per shopper, margin 40% of
/// revenue.
fn arm(name: &str, groups: &[(u32, u32, f64)]) -> ArmSnapshot {
    let (mut counts, mut moments) = (Counts::default(), ShopperMoments::default());
    for &(shoppers, orders, aov) in groups {
        for _ in 0..shoppers {
            let revenue = f64::from(orders) * aov;
            let h = History {
                visits: 50,
                orders,
                revenue,
                margin: 0.4 * revenue,
                ..History::default()
            };
            moments.add(&h, true, 0.0);
            counts.visits += 50;
            counts.orders += u64::from(orders);
            counts.revenue += revenue;
            counts.gross_margin += 0.4 * revenue;
        }
    }
    ArmSnapshot::from_totals(name.into(), 0.5, 0, counts, moments)
}

const SCENARIO: &str = r#"
shoppers = 200
days = 30
[[arms]]
name = "control"
[[arms]]
name = "treatment"
recommender = "item-cf"
[business]
annual_visitors = 1000000
projection_months = 36
discount_rate = 0.08
[costs.arms.treatment]
development = [30000, 90000]
licence_annual = [30000, 50000]
"#;

/// A range's low, mid and high, to compare with figures worked out by hand.
fn ends(r: Range) -> [f64; 3] {
    [r.low, r.mid, r.high]
}

fn snapshot() -> Snapshot {
    Snapshot {
        scenario: "money".into(),
        day: 30,
        days: 30,
        // Control: 2% of 5,000 visits buy, at $75 on average ($60 or $90). Treatment: 2.6%,
        // at $90.
        arms: vec![
            arm("control", &[(50, 1, 60.0), (50, 1, 90.0)]),
            arm("treatment", &[(30, 2, 90.0), (70, 1, 90.0)]),
        ],
        allocation: Vec::new(),
    }
}

#[test]
fn roi_payback_and_npv_of_a_hand_built_experiment() {
    let scenario = Scenario::parse(SCENARIO, "money.toml", "money").unwrap();
    let snap = snapshot();
    assert!((snap.arms[0].metrics.conversion_rate - 0.02).abs() < 1e-12);
    assert!((snap.arms[1].metrics.conversion_rate - 0.026).abs() < 1e-12);
    let rois = analyze(&scenario, &snap);
    assert!(rois[0].is_none(), "the control has no ROI against itself");
    let r = rois[1].expect("enough data");
    let close = |x: f64, y: f64| (x - y).abs() < 1e-6 * y.abs().max(1.0);
    // Revenue per visit $1.50 → $2.34: +$840,000 a year; margin 40% of it: +$336,000.
    assert!(
        close(r.incremental_revenue.mid, 840_000.0),
        "{:?}",
        r.incremental_revenue
    );
    assert!(
        close(r.incremental_margin.mid, 336_000.0),
        "{:?}",
        r.incremental_margin
    );
    assert!(r.incremental_margin.low < 336_000.0 && 336_000.0 < r.incremental_margin.high);
    // One-off $30–90k over 36 months, licence $30–50k a year: $40k, $60k, $80k a year.
    let (one_off, recurring) = (r.costs.one_off, r.costs.recurring);
    assert_eq!(ends(one_off), [30_000.0, 60_000.0, 90_000.0]);
    assert_eq!(ends(recurring), [30_000.0, 40_000.0, 50_000.0]);
    assert_eq!(ends(r.annual_cost), [40_000.0, 60_000.0, 80_000.0]);
    // ROI = (336,000 − cost) ÷ cost.
    let roi = |x: Option<f64>| x.expect("the treatment costs money");
    assert!(close(roi(r.roi.mid), 4.6), "{:?}", r.roi);
    assert!(close(roi(r.roi.cost_low), 7.4), "{:?}", r.roi);
    assert!(close(roi(r.roi.cost_high), 3.2), "{:?}", r.roi);
    assert!(
        roi(r.roi.margin_low) < 4.6 && 4.6 < roi(r.roi.margin_high),
        "{:?}",
        r.roi
    );
    // Payback: net (336,000 − licence) ÷ 12 a month against the one-off: 24,667 a month
    // repays 60,000 in month 3; 25,500 repays 30,000 in month 2; 23,833 repays 90,000 in
    // month 4.
    assert_eq!(r.payback_month.mid, Some(3));
    assert_eq!(r.payback_month.cost_low, Some(2));
    assert_eq!(r.payback_month.cost_high, Some(4));
    // NPV: Σ over months m = 1…36 of net ÷ 1.08^(m/12), less the one-off (numpy).
    assert!(
        (r.npv.mid - 730_402.174_255_043_6).abs() < 1e-4,
        "{:?}",
        r.npv
    );
    assert!(
        (r.npv.cost_low - 787_104.950_412_308_6).abs() < 1e-4,
        "{:?}",
        r.npv
    );
    assert!(
        (r.npv.cost_high - 673_699.398_097_778_6).abs() < 1e-4,
        "{:?}",
        r.npv
    );
    // Break-even: $60,000 a year against the control's $0.60 of margin per visit on
    // 1,000,000 visits is a 10% lift of conversion (or of AOV).
    let b = r.break_even.expect("the arm costs money");
    assert!(
        close(b.conversion_lift, 0.1) && close(b.aov_lift, 0.1),
        "{b:?}"
    );
    // Detecting +10% on 2% conversion takes about (1.96 + 0.84)² × (0.02·0.98 + 0.022·0.978)
    // ÷ 0.002² ≈ 80,600 visits an arm (the power formula, tested against statsmodels in
    // `stats`), two arms of 1,000,000 ÷ 365 visits a day: about 59 days.
    let visits = b.conversion_visits_per_arm.unwrap();
    let expected = sample_size_proportions(0.02, 0.1, 0.05, 0.8, 2).unwrap();
    assert!(
        close(visits, expected) && (80_000.0..81_200.0).contains(&visits),
        "{b:?}"
    );
    assert!(
        close(b.conversion_days.unwrap(), 2.0 * visits * 365.0 / 1e6),
        "{b:?}"
    );
    // +10% of a $75 AOV whose orders are worth $60 or $90 (sd 15, times √(100/99) for the
    // sample): 2 × 2.8² × (15.08/7.5)² ≈ 63.4 orders an arm, at 2% conversion ≈ 3,200 visits.
    let orders_sd = (225.0f64 * 100.0 / 99.0).sqrt();
    let aov_visits = b.aov_visits_per_arm.unwrap();
    let expected = sample_size_means(orders_sd, 7.5, 0.05, 0.8, 2).unwrap() / 0.02;
    assert!(
        close(aov_visits, expected) && (3_100.0..3_300.0).contains(&aov_visits),
        "{b:?}"
    );
    assert!(
        close(b.aov_days.unwrap(), 2.0 * aov_visits * 365.0 / 1e6),
        "{b:?}"
    );
}

#[test]
fn costs_are_counted_beyond_the_controls() {
    // The control already pays $10,000 a year in licences and once paid $12,000 to set up:
    // the treatment's extra costs are what it pays beyond that.
    let text = SCENARIO.to_string()
        + "[costs.arms.control]\nlicence_annual = 10000\nintegration = 12000\n";
    let scenario = Scenario::parse(&text, "money.toml", "money").unwrap();
    let r = analyze(&scenario, &snapshot())[1].unwrap();
    let (one_off, recurring) = (r.costs.one_off, r.costs.recurring);
    assert_eq!(ends(one_off), [18_000.0, 48_000.0, 78_000.0]);
    assert_eq!(ends(recurring), [20_000.0, 30_000.0, 40_000.0]);
    // 30,000 + 48,000 × 12/36 = 46,000 a year.
    assert_eq!(r.annual_cost.mid, 46_000.0);
    assert!((r.roi.mid.unwrap() - (336_000.0 - 46_000.0) / 46_000.0).abs() < 1e-9);
}

#[test]
fn payback_on_the_month_the_costs_are_covered() {
    // Net 20,000 a month against 60,000: covered at the end of month 3 exactly, not month 4.
    assert_eq!(payback_month(300_000.0, 60_000.0, 60_000.0, 36), Some(3));
    assert_eq!(payback_month(300_000.0, 60_000.0, 60_000.0, 2), None);
    assert_eq!(payback_month(300_000.0, 60_001.0, 60_000.0, 36), Some(4));
}

#[test]
fn no_break_even_without_a_control_that_sells_at_a_margin() {
    let scenario = Scenario::parse(SCENARIO, "money.toml", "money").unwrap();
    // A control with a single order is too little to size anything from.
    let mut snap = snapshot();
    snap.arms[0] = arm("control", &[(1, 1, 75.0), (99, 0, 0.0)]);
    assert!(analyze(&scenario, &snap)[1].unwrap().break_even.is_none());
    // Nor is one whose orders earn nothing.
    let mut snap = snapshot();
    snap.arms[0].counts.gross_margin = 0.0;
    assert!(analyze(&scenario, &snap)[1].unwrap().break_even.is_none());
    // With a margin and two orders there is one.
    let mut snap = snapshot();
    snap.arms[0] = arm("control", &[(2, 1, 75.0), (98, 0, 0.0)]);
    assert!(analyze(&scenario, &snap)[1].unwrap().break_even.is_some());
}

#[test]
fn an_arm_that_costs_nothing_more_has_no_roi_but_its_money() {
    let scenario = Scenario::parse(SCENARIO, "money.toml", "money").unwrap();
    let mut snap = snapshot();
    snap.arms[1].name = "free".into();
    let r = analyze(&scenario, &snap)[1].expect("enough data");
    assert!(
        (r.incremental_margin.mid - 336_000.0).abs() < 1e-6,
        "{:?}",
        r.incremental_margin
    );
    assert_eq!(r.roi.mid, None, "ROI is not defined without a cost");
    assert_eq!(r.payback_month.mid, Some(0), "nothing to pay back");
    // NPV of 28,000 a month over 36 months at 8%.
    let by_hand: f64 = (1..=36)
        .map(|m| 28_000.0 / 1.08f64.powf(f64::from(m) / 12.0))
        .sum();
    assert!(
        (r.npv.mid - by_hand).abs() < 1e-6,
        "{} vs {by_hand}",
        r.npv.mid
    );
    assert!(r.break_even.is_none());
}
