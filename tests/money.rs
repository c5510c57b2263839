//! ROI, payback and NPV of a hand-built experiment, every figure worked out by hand: the
//! founding example (2% → 2.6% conversion, $75 → $90 AOV, 1,000,000 visits a year) with a
//! 40% margin, a one-off cost and a licence, each a range.

use shoplab::experiment::{ArmSnapshot, Snapshot};
use shoplab::metrics::{Metrics, ShopperMoments};
use shoplab::roi::analyze;
use shoplab::world::{Counts, History};
use shoplab::Scenario;

/// 100 shoppers of 50 visits each, `orders[k]` orders worth `aov` each for shopper group
/// `k`, margin 40% of revenue.
fn arm(name: &str, groups: &[(u32, u32)], aov: f64) -> ArmSnapshot {
    let (mut counts, mut moments) = (Counts::default(), ShopperMoments::default());
    for &(shoppers, orders) in groups {
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
    ArmSnapshot {
        name: name.into(),
        strategies: Default::default(),
        traffic: 0.5,
        baseline: 0,
        counts,
        moments,
        metrics: Metrics::from(&counts, &moments),
        daily: Vec::new(),
        insights: Vec::new(),
        truth: None,
        rollout: None,
        replicas: Vec::new(),
        looks: Vec::new(),
        churn_model_auc: None,
        clv: None,
    }
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

fn snapshot() -> Snapshot {
    Snapshot {
        scenario: "money".into(),
        day: 30,
        days: 30,
        // Control: 2% of 5,000 visits buy, at $75. Treatment: 2.6%, at $90.
        arms: vec![
            arm("control", &[(100, 1)], 75.0),
            arm("treatment", &[(30, 2), (70, 1)], 90.0),
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
    assert_eq!(
        [one_off.low, one_off.mid, one_off.high],
        [30_000.0, 60_000.0, 90_000.0]
    );
    assert_eq!(
        [recurring.low, recurring.mid, recurring.high],
        [30_000.0, 40_000.0, 50_000.0]
    );
    assert_eq!(
        [r.annual_cost.low, r.annual_cost.mid, r.annual_cost.high],
        [40_000.0, 60_000.0, 80_000.0]
    );
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
