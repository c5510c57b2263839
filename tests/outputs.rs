//! Every output of `shoplab run` checked against the results, whole, for every built-in
//! scenario (at a small size): the JSON's figures recomputed from the JSON's own counts
//! (rates, lifts, adjusted p-values, significance, coverage, chance-to-beat directions, the
//! sample-ratio check, allocation regret, and every ROI figure by hand from the scenario's
//! costs), then the table and the markdown read back row by row and held to the JSON's
//! values for every arm and metric.
//!
//! The text checks look for each arm's row (a row whose cells include the arm's name and,
//! for comparisons, the metric's label) and require the cells the JSON implies, in order,
//! among its cells: new columns or sections do not break them, a wrong or missing value does.
//! The CSV has its own whole-file tests.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use assert_cmd::Command;
use serde_json::Value;
use shoplab::scenario::{ArmCosts, BUILT_INS};
use shoplab::Scenario;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Small enough to run every built-in in every format in seconds, large enough that most
/// comparisons have data.
const SIZE: [&str; 4] = ["--shoppers", "4000", "--days", "14"];

/// The compared metrics, their labels in the text formats, and whether lower is better.
const METRICS: [(&str, &str, bool); 6] = [
    ("conversion_rate", "conversion", false),
    ("buyer_rate", "buyer rate", false),
    ("aov", "AOV", false),
    ("revenue_per_shopper", "revenue/shopper", false),
    ("margin_per_shopper", "margin/shopper", false),
    ("cart_abandonment_rate", "cart abandonment", true),
];

fn run(name: &str, format: &str) -> String {
    let out = Command::cargo_bin("shoplab")
        .unwrap()
        .args(["run", name, "--format", format])
        .args(SIZE)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Every built-in's JSON report, computed once for all the tests of this file.
fn reports() -> &'static [(String, Value)] {
    static REPORTS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        BUILT_INS
            .iter()
            .map(|(name, _)| {
                let v = serde_json::from_str(&run(name, "json")).unwrap();
                (name.to_string(), v)
            })
            .collect()
    })
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

/// Equal up to the rounding of sums taken in another order.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn arm_by_name<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no arm {name}"))
}

/// Each compared arm with its baseline.
fn pairs(report: &Value) -> Vec<(&Value, &Value)> {
    report["arms"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| {
            let baseline = a["baseline"].as_str()?;
            Some((a, arm_by_name(report, baseline)))
        })
        .collect()
}

// --- The JSON against its own counts -------------------------------------------------

fn check_rates(name: &str, arm: &Value, days: u64) {
    let c = |k: &str| num(arm, k);
    let who = format!("{name}/{}", arm["name"]);
    let expected = [
        ("conversion_rate", ratio(c("orders"), c("visits"))),
        ("aov", ratio(c("revenue"), c("orders"))),
        ("revenue_per_shopper", ratio(c("revenue"), c("shoppers"))),
        (
            "margin_per_shopper",
            ratio(c("gross_margin") - c("message_cost"), c("shoppers")),
        ),
        ("cart_abandonment_rate", ratio(c("abandoned"), c("carts"))),
        (
            "click_through_rate",
            ratio(c("clicks"), c("impressions") + c("organic_views")),
        ),
        ("open_rate", ratio(c("opens"), c("messages"))),
        (
            "message_click_rate",
            ratio(c("message_clicks"), c("messages")),
        ),
        ("unsubscribe_rate", ratio(c("unsubscribes"), c("messages"))),
    ];
    for (metric, value) in expected {
        assert!(
            close(c(metric), value),
            "{who} {metric}: {} ≠ {value}",
            c(metric)
        );
    }
    assert_eq!(c("messages"), c("emails") + c("sms"), "{who}");
    // Buyers and lapsed shoppers are not in the JSON, but they are whole shoppers: at most
    // one buyer per order, and nobody lapsed at the end who never lapsed.
    let buyers = c("buyer_rate") * c("shoppers");
    assert!(
        close(buyers, buyers.round()) && buyers <= c("orders") + 1e-9,
        "{who}"
    );
    let lapsed = c("churn_rate") * c("shoppers");
    assert!(
        close(lapsed, lapsed.round()) && lapsed <= c("lapses") + 1e-9,
        "{who}"
    );
    // The days add up to the totals, every counter of them.
    let daily = arm["daily"].as_array().unwrap();
    assert_eq!(daily.len() as u64, days, "{who}");
    for (key, total) in daily[0].as_object().unwrap() {
        if key == "day" {
            continue;
        }
        let sum: f64 = daily.iter().map(|d| num(d, key)).sum();
        assert!(
            close(sum, num(arm, key)),
            "{who} {key}: days add to {sum}, total {total}"
        );
    }
}

fn check_comparisons(name: &str, report: &Value) {
    for (arm, baseline) in pairs(report) {
        let vs = &arm["vs_control"];
        for (metric, _, lower_is_better) in METRICS {
            let c = &vs[metric];
            let who = format!("{name}/{}/{metric}", arm["name"]);
            let (t, b) = (num(arm, metric), num(baseline, metric));
            // Relative lift against the baseline's own reported value.
            match c["lift"].as_f64() {
                Some(lift) => assert!(close(lift, t / b - 1.0), "{who}: lift {lift}"),
                None => assert!(b == 0.0 || num(arm, "shoppers") == 0.0, "{who}: no lift"),
            }
            let (lo, hi) = (c["ci_low"].as_f64(), c["ci_high"].as_f64());
            if let (Some(lo), Some(hi), Some(lift)) = (lo, hi, c["lift"].as_f64()) {
                assert!(
                    lo <= lift && lift <= hi,
                    "{who}: {lift} outside [{lo}, {hi}]"
                );
            }
            // The two truths, from the arms' own true and rollout metrics.
            for (lift, metrics) in [
                ("true_lift", "true_metrics"),
                ("rollout_lift", "rollout_metrics"),
            ] {
                let (t, b) = (&arm[metrics][metric], &baseline[metrics][metric]);
                match (t.as_f64(), b.as_f64()) {
                    (Some(t), Some(b)) if b != 0.0 => {
                        let got = c[lift]
                            .as_f64()
                            .unwrap_or_else(|| panic!("{who}: no {lift}"));
                        assert!(
                            close(got, t / b - 1.0),
                            "{who}: {lift} {got} vs {t}/{b} − 1"
                        );
                    }
                    _ => assert!(c[lift].is_null(), "{who}: {lift} without {metrics}"),
                }
            }
            // Covered, from the interval and the truth (an unbounded end holds anything).
            let expected = match (c["true_lift"].as_f64(), c["p_value"].as_f64()) {
                (Some(truth), Some(_)) => Value::Bool(
                    lo.unwrap_or(f64::NEG_INFINITY) <= truth
                        && truth <= hi.unwrap_or(f64::INFINITY),
                ),
                _ => Value::Null,
            };
            assert_eq!(c["covered"], expected, "{who}: covered");
            // Chance to beat points the way the data do, lower being better for abandonment.
            if let (Some(beat), Some(lift), Some(p)) = (
                c["chance_to_beat"].as_f64(),
                c["lift"].as_f64(),
                c["p_value"].as_f64(),
            ) {
                assert!((0.0..=1.0).contains(&beat), "{who}: {beat}");
                if p < 0.2 {
                    let better = (lift > 0.0) != lower_is_better;
                    assert_eq!(
                        beat > 0.5,
                        better,
                        "{who}: chance {beat}, lift {lift}, p {p}"
                    );
                }
            }
        }
    }
}

/// Holm (family-wise) and Benjamini–Hochberg (false discovery) adjustments of `p`, by
/// their textbook definitions, in the order given.
fn holm_and_bh(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut holm, mut bh) = (vec![0.0; m], vec![0.0; m]);
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        holm[i] = running;
    }
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min((m as f64 / (rank + 1) as f64 * p[i]).min(1.0));
        bh[i] = running;
    }
    (holm, bh)
}

fn check_adjustments(name: &str, report: &Value) {
    let alpha = num(&report["experiment"], "alpha");
    let cells: Vec<&Value> = pairs(report)
        .into_iter()
        .flat_map(|(arm, _)| METRICS.map(|(m, _, _)| &arm["vs_control"][m]))
        .collect();
    let tested: Vec<&Value> = cells
        .iter()
        .copied()
        .filter(|c| c["p_value"].is_number())
        .collect();
    let raw: Vec<f64> = tested.iter().map(|c| num(c, "p_value")).collect();
    let (holm, bh) = holm_and_bh(&raw);
    for (k, c) in tested.iter().enumerate() {
        assert!((0.0..=1.0).contains(&raw[k]), "{name}: {c}");
        assert!(
            close(num(c, "p_value_holm"), holm[k]),
            "{name}: Holm {c} ≠ {}",
            holm[k]
        );
        assert!(
            close(num(c, "p_value_bh"), bh[k]),
            "{name}: BH {c} ≠ {}",
            bh[k]
        );
        assert_eq!(c["significant"], holm[k] < alpha, "{name}: significant {c}");
    }
    for c in cells.iter().filter(|c| !c["p_value"].is_number()) {
        assert!(
            c["p_value_holm"].is_null() && c["p_value_bh"].is_null(),
            "{name}: {c}"
        );
        assert_eq!(c["significant"], false, "{name}: {c}");
    }
}

/// The sequential view lists every arm that has a baseline, in order; its last peek is the
/// horizon's test of conversion per visit, so its naive p is the report's conversion p.
fn check_sequential(name: &str, report: &Value) {
    let arms = report["arms"].as_array().unwrap();
    let compared: Vec<usize> = (0..arms.len())
        .filter(|&i| arms[i]["vs_control"].is_object())
        .collect();
    let sequential = report["experiment"]["sequential"].as_array().unwrap();
    let listed: Vec<usize> = sequential
        .iter()
        .map(|s| s["arm"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(listed, compared, "{name}: the arms of the sequential view");
    for s in sequential {
        let arm = &arms[s["arm"].as_u64().unwrap() as usize];
        let p = &arm["vs_control"]["conversion_rate"]["p_value"];
        assert_eq!(&s["naive_p"], p, "{name}/{}: last peek {s}", arm["name"]);
        if let Some(seq) = s["sequential_p"].as_f64() {
            assert!((0.0..=1.0).contains(&seq), "{name}: {s}");
        }
    }
}

fn check_srm(name: &str, report: &Value) {
    let e = &report["experiment"];
    if e["allocation"]["mode"] == "thompson" {
        assert!(
            e["srm"].is_null(),
            "{name}: an adaptive split is not an SRM"
        );
        return;
    }
    let arms: Vec<&Value> = report["arms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| num(a, "traffic") > 0.0)
        .collect();
    let total: f64 = arms.iter().map(|a| num(a, "shoppers")).sum();
    let weights: f64 = arms.iter().map(|a| num(a, "traffic")).sum();
    let statistic: f64 = arms
        .iter()
        .map(|a| {
            let expected = total * num(a, "traffic") / weights;
            (num(a, "shoppers") - expected).powi(2) / expected
        })
        .sum();
    let df = arms.len() - 1;
    let p = 1.0 - ChiSquared::new(df as f64).unwrap().cdf(statistic);
    let srm = &e["srm"];
    assert!(
        close(num(srm, "statistic"), statistic),
        "{name}: {srm} vs χ² {statistic}"
    );
    assert_eq!(srm["df"], df, "{name}");
    assert!(
        (num(srm, "p_value") - p).abs() < 1e-9,
        "{name}: {srm} vs p {p}"
    );
    assert_eq!(srm["flagged"], p < 0.001, "{name}: {srm}");
}

fn check_allocation(name: &str, report: &Value) {
    let a = &report["experiment"]["allocation"];
    let arms = report["arms"].as_array().unwrap();
    let shoppers: Vec<f64> = arms.iter().map(|a| num(a, "shoppers")).collect();
    let listed: Vec<f64> = a["shoppers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    assert_eq!(listed, shoppers, "{name}");
    let truth = arms.iter().all(|a| a["true_metrics"].is_object());
    assert_eq!(
        a["basis"],
        if truth { "true effect" } else { "estimates" },
        "{name}"
    );
    let rps: Vec<f64> = arms
        .iter()
        .map(|arm| {
            let m = if truth { &arm["true_metrics"] } else { arm };
            num(m, "revenue_per_shopper")
        })
        .collect();
    let best = rps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let regret = |n: &[f64]| -> f64 { n.iter().zip(&rps).map(|(n, r)| n * (best - r)).sum() };
    let even = vec![(shoppers.iter().sum::<f64>() / shoppers.len() as f64).floor(); shoppers.len()];
    assert!(
        close(num(a, "regret"), regret(&shoppers)),
        "{name}: regret {a}"
    );
    assert!(
        close(num(a, "regret_even_split"), regret(&even)),
        "{name}: even split {a}"
    );
}

/// (one-off, recurring a year) of an arm's costs at low, mid and high, summed by hand.
fn costs_by_hand(c: Option<&ArmCosts>) -> [(f64, f64); 3] {
    let Some(c) = c else { return [(0.0, 0.0); 3] };
    let at = |k: usize| {
        let pick = |m: shoplab::scenario::Money| {
            let (l, mid, h) = m.low_mid_high();
            [l, mid, h][k]
        };
        (
            pick(c.development) + pick(c.data_infrastructure) + pick(c.integration),
            pick(c.licence_annual)
                + 12.0
                    * (pick(c.hosting_monthly) + pick(c.api_monthly) + pick(c.maintenance_monthly))
                + pick(c.training_annual),
        )
    };
    [at(0), at(1), at(2)]
}

/// ROI, payback and NPV of one (annual margin, one-off, recurring), by hand: the payback
/// month by accumulating the months, the NPV by discounting each.
fn money_by_hand(
    margin: f64,
    one_off: f64,
    recurring: f64,
    months: u32,
    rate: f64,
) -> (Option<f64>, Option<u32>, f64) {
    let cost = recurring + one_off * 12.0 / f64::from(months);
    let roi = (cost > 1e-9).then(|| (margin - cost) / cost);
    let monthly = (margin - recurring) / 12.0;
    let payback = if one_off <= 0.0 && monthly >= 0.0 {
        Some(0)
    } else {
        (1..=months).find(|&m| f64::from(m) * monthly >= one_off - 1e-6 && monthly > 0.0)
    };
    let npv = (1..=months)
        .map(|m| monthly / (1.0 + rate).powf(f64::from(m) / 12.0))
        .sum::<f64>()
        - one_off;
    (roi, payback, npv)
}

fn check_roi(name: &str, report: &Value) {
    let scenario = Scenario::load(name).unwrap();
    let s = &report["scenario"];
    let visitors = num(s, "annual_visitors");
    let months = num(s, "projection_months") as u32;
    let rate = num(s, "discount_rate");
    let per_visit = |a: &Value, margin: bool| {
        let value = if margin {
            num(a, "gross_margin") - num(a, "message_cost")
        } else {
            num(a, "revenue")
        };
        value / num(a, "visits")
    };
    for (arm, control) in pairs(report) {
        let who = format!("{name}/{}", arm["name"]);
        let roi = &arm["roi"];
        if roi.is_null() {
            assert!(
                num(arm, "visits") == 0.0 || num(control, "visits") == 0.0,
                "{who}: no ROI"
            );
            continue;
        }
        let money_close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * visitors.max(a.abs());
        let revenue = visitors * (per_visit(arm, false) - per_visit(control, false));
        let margin = visitors * (per_visit(arm, true) - per_visit(control, true));
        let r = &roi["incremental_revenue"];
        let m = &roi["incremental_margin"];
        assert!(
            money_close(num(r, "mid"), revenue),
            "{who}: revenue {r} vs {revenue}"
        );
        assert!(
            money_close(num(m, "mid"), margin),
            "{who}: margin {m} vs {margin}"
        );
        for x in [r, m] {
            assert!(
                num(x, "low") <= num(x, "mid") && num(x, "mid") <= num(x, "high"),
                "{who}: {x}"
            );
        }
        // Costs beyond the control's, from the scenario file.
        let name_of = |a: &Value| a["name"].as_str().unwrap().to_string();
        let (own, base) = (
            costs_by_hand(scenario.costs.arms.get(&name_of(arm))),
            costs_by_hand(scenario.costs.arms.get(&name_of(control))),
        );
        let extra: Vec<(f64, f64)> = own
            .iter()
            .zip(&base)
            .map(|(a, b)| (a.0 - b.0, a.1 - b.1))
            .collect();
        for (k, level) in ["low", "mid", "high"].iter().enumerate() {
            let (one_off, recurring) = extra[k];
            let annual = recurring + one_off * 12.0 / f64::from(months);
            assert!(
                money_close(num(&roi["annual_cost"], level), annual),
                "{who}: cost {level}"
            );
            assert!(
                money_close(num(&roi["costs"]["one_off"], level), one_off),
                "{who}"
            );
            assert!(
                money_close(num(&roi["costs"]["recurring"], level), recurring),
                "{who}"
            );
        }
        // Each figure at (margin, costs): mid/mid, the margin's ends at mid costs, the cost
        // range's ends at the mid margin.
        let (m_mid, m_low, m_high) = (num(m, "mid"), num(m, "low"), num(m, "high"));
        let cases = [
            ("mid", m_mid, extra[1]),
            ("margin_low", m_low, extra[1]),
            ("margin_high", m_high, extra[1]),
            ("cost_low", m_mid, extra[0]),
            ("cost_high", m_mid, extra[2]),
        ];
        for (key, margin, (one_off, recurring)) in cases {
            let (roi_h, payback_h, npv_h) = money_by_hand(margin, one_off, recurring, months, rate);
            let got = roi["roi"][key].as_f64();
            match (got, roi_h) {
                (Some(a), Some(b)) => assert!(close(a, b), "{who}: ROI {key} {a} ≠ {b}"),
                (a, b) => assert_eq!(a, b, "{who}: ROI {key}"),
            }
            assert_eq!(
                roi["payback_month"][key].as_u64().map(|m| m as u32),
                payback_h,
                "{who}: payback {key}"
            );
            assert!(
                money_close(num(&roi["npv"], key), npv_h),
                "{who}: NPV {key}"
            );
        }
        // Break-even: the lift of the control's gross margin per visit that pays the cost.
        let annual_mid = extra[1].1 + extra[1].0 * 12.0 / f64::from(months);
        let gross_per_visit = num(control, "gross_margin") / num(control, "visits");
        match roi["break_even"].as_object() {
            Some(b) => {
                let lift = annual_mid / (visitors * gross_per_visit);
                assert!(
                    close(b["conversion_lift"].as_f64().unwrap(), lift),
                    "{who}: break-even"
                );
                assert_eq!(b["conversion_lift"], b["aov_lift"], "{who}");
            }
            None => assert!(
                annual_mid <= 0.0 || gross_per_visit <= 0.0 || num(control, "orders") < 2.0,
                "{who}: no break-even"
            ),
        }
    }
}

#[test]
fn json_figures_follow_from_the_jsons_own_counts() {
    for (name, report) in reports() {
        let days = report["scenario"]["days_simulated"].as_u64().unwrap();
        for arm in report["arms"].as_array().unwrap() {
            check_rates(name, arm, days);
        }
        check_comparisons(name, report);
        check_adjustments(name, report);
        check_srm(name, report);
        check_sequential(name, report);
        check_allocation(name, report);
        check_roi(name, report);
    }
}

// --- The text formats against the JSON ----------------------------------------------

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn signed(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| format!("{:+.1}%", 100.0 * x))
}

fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "<0.001".into(),
        Some(p) => format!("{p:.3}"),
        None => "n/a".into(),
    }
}

/// `1,234,567`: whole units with thousands separators, never `-0`.
fn whole(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if x < 0.0 && digits != "0" {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// The cells a report must show for each arm: its results row, and a row per compared
/// metric and an ROI row where it has them. Each list starts with the cells that identify
/// the row.
fn expected_rows(report: &Value) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for a in report["arms"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap().to_string();
        let f = |k: &str| num(a, k);
        rows.push(vec![
            name.clone(),
            f("shoppers").to_string(),
            f("visits").to_string(),
            f("orders").to_string(),
            pct(f("conversion_rate")),
            format!("{:.2}", f("aov")),
            format!("{:.2}", f("revenue_per_shopper")),
            format!("{:.2}", f("margin_per_shopper")),
            pct(f("cart_abandonment_rate")),
            pct(f("open_rate")),
            pct(f("churn_rate")),
        ]);
        let Some(baseline) = a["baseline"].as_str() else {
            continue;
        };
        for (metric, label, _) in METRICS {
            let c = &a["vs_control"][metric];
            let g = |k: &str| c[k].as_f64();
            let lift = match (g("ci_low"), g("ci_high")) {
                (Some(lo), Some(hi)) => format!(
                    "{} [{:+.1}, {:+.1}]{}",
                    signed(g("lift")),
                    100.0 * lo,
                    100.0 * hi,
                    if c["significant"] == true { " *" } else { "" }
                ),
                _ => signed(g("lift")),
            };
            let now = match (g("true_lift"), c["covered"].as_bool()) {
                (Some(t), Some(true)) => format!("{} covered", signed(Some(t))),
                (Some(t), Some(false)) => format!("{} missed", signed(Some(t))),
                (t, _) => signed(t),
            };
            rows.push(vec![
                name.clone(),
                baseline.to_string(),
                label.to_string(),
                lift,
                p_text(g("p_value")),
                p_text(g("p_value_holm")),
                p_text(g("p_value_bh")),
                g("chance_to_beat").map_or("n/a".into(), |x| format!("{:.1}%", 100.0 * x)),
                now,
                signed(g("rollout_lift")),
            ]);
        }
        let roi = &a["roi"];
        // ROI has a row only for arms that cost something beyond the control.
        let costs = &roi["costs"];
        if roi.is_null()
            || (num(&costs["one_off"], "high") <= 0.0 && num(&costs["recurring"], "high") <= 0.0)
        {
            continue;
        }
        // Every built-in is in US dollars.
        assert_eq!(report["scenario"]["currency"], "USD");
        let money = |x: f64| {
            let digits = whole(x.abs());
            let sign = if x < 0.0 && digits != "0" { "-" } else { "" };
            format!("{sign}${digits}")
        };
        // A range in parentheses only when its ends differ.
        let range = |low: String, high: String| {
            if low == high {
                String::new()
            } else {
                format!(" ({low} – {high})")
            }
        };
        let interval = |v: &Value, low: &str, high: &str| {
            format!(
                "{} [{} – {}]",
                money(num(v, "mid")),
                money(num(v, low)),
                money(num(v, high))
            )
        };
        let r = &roi["roi"];
        let share = |k: &str| {
            r[k].as_f64()
                .map_or("n/d".into(), |v| format!("{:+.0}%", 100.0 * v))
        };
        let roi_cell = if r["mid"].is_null() {
            "not defined".to_string()
        } else {
            let (a, b) = (num(r, "cost_high"), num(r, "cost_low"));
            let pc = |v: f64| format!("{:+.0}%", 100.0 * v);
            format!(
                "{} [{}, {}]{}",
                share("mid"),
                share("margin_low"),
                share("margin_high"),
                range(pc(a.min(b)), pc(a.max(b)))
            )
        };
        let month = |k: &str| {
            roi["payback_month"][k]
                .as_u64()
                .map_or("never".into(), |m| format!("month {m}"))
        };
        let cost = &roi["annual_cost"];
        rows.push(vec![
            name.clone(),
            money(num(&roi["incremental_revenue"], "mid")),
            interval(&roi["incremental_margin"], "low", "high"),
            format!(
                "{}{}",
                money(num(cost, "mid")),
                range(money(num(cost, "low")), money(num(cost, "high")))
            ),
            roi_cell,
            format!(
                "{}{}",
                month("mid"),
                range(month("margin_high"), month("margin_low"))
            ),
            interval(&roi["npv"], "margin_low", "margin_high"),
        ]);
    }
    rows
}

/// Whether `expected` appears in `cells` in order (other cells may come between).
fn in_order(cells: &[String], expected: &[String]) -> bool {
    let mut rest = cells.iter();
    expected.iter().all(|e| rest.any(|c| c == e))
}

/// Checks that every expected row is in `rows`; `what` names the format.
fn check_text(name: &str, what: &str, rows: &[Vec<String>], report: &Value) {
    for expected in expected_rows(report) {
        // The identifying cells: the arm's name, and for a comparison the baseline and
        // the metric's label.
        let key = if expected.len() == 10 { 3 } else { 1 };
        let candidates: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| in_order(r, &expected[..key]))
            .collect();
        assert!(
            candidates.iter().any(|r| in_order(r, &expected)),
            "{name} {what}: no row shows {expected:?}; rows for it:\n{candidates:#?}"
        );
    }
}

/// The text's lines as cells: a table's columns are two or more spaces apart.
fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .collect()
}

/// A markdown document's table rows as cells.
fn markdown_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// The experiment-level figures every text format states: the SRM verdict, the
/// sequential p-values and the allocation's regret.
fn check_notes(name: &str, what: &str, text: &str, report: &Value) {
    let e = &report["experiment"];
    let arm_name = |i: &Value| {
        report["arms"][i.as_u64().unwrap() as usize]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    match e["srm"].as_object() {
        Some(s) if s["flagged"] == true => {
            assert!(
                text.contains("SAMPLE RATIO MISMATCH"),
                "{name} {what}: SRM not shown"
            )
        }
        Some(s) => {
            assert!(!text.contains("SAMPLE RATIO MISMATCH"), "{name} {what}");
            let p = p_text(s["p_value"].as_f64());
            assert!(
                text.lines()
                    .any(|l| l.contains("sample ratio") && l.contains(&format!("p = {p}"))),
                "{name} {what}: the SRM p-value {p}"
            );
        }
        None => assert!(!text.contains("SAMPLE RATIO MISMATCH"), "{name} {what}"),
    }
    for s in e["sequential"].as_array().unwrap() {
        let arm = arm_name(&s["arm"]);
        let (seq, naive) = (
            p_text(s["sequential_p"].as_f64()),
            p_text(s["naive_p"].as_f64()),
        );
        assert!(
            text.lines().any(|l| l.contains("sequential")
                && l.contains(&format!("({arm},"))
                && l.contains(&format!("always-valid p = {seq}"))
                && l.contains(&format!("peeking p = {naive}"))),
            "{name} {what}: sequential {s}"
        );
    }
    let a = &e["allocation"];
    if !a["daily_weights"].as_array().unwrap().is_empty() {
        let regret = whole(num(a, "regret"));
        assert!(
            text.lines()
                .any(|l| l.contains("regret") && l.contains(&regret)),
            "{name} {what}: regret {regret}"
        );
    }
}

#[test]
fn the_table_says_what_the_json_says() {
    for (name, report) in reports() {
        let text = run(name, "table");
        check_text(name, "table", &table_rows(&text), report);
        check_notes(name, "table", &text, report);
    }
}

#[test]
fn the_markdown_says_what_the_json_says() {
    for (name, report) in reports() {
        let text = run(name, "markdown");
        check_text(name, "markdown", &markdown_rows(&text), report);
        check_notes(name, "markdown", &text, report);
        check_markdown_layout(name, &text, report);
    }
}

/// The markdown a reader forwards: the scenario's description under the title, no empty
/// paragraphs, and in every table the figures right-aligned and the names left-aligned.
fn check_markdown_layout(name: &str, text: &str, report: &Value) {
    let description = report["scenario"]["description"].as_str().unwrap();
    assert!(
        !description.is_empty(),
        "{name}: built-ins describe themselves"
    );
    let title = format!("# shoplab report: {name}\n\n{description}\n\n");
    assert!(text.starts_with(&title), "{name}: {}", &text[..200]);
    assert!(!text.contains("\n\n\n\n"), "{name}: an empty paragraph");
    // The bottom line speaks of money for every arm with an ROI, and says what it assumes.
    let with_roi = report["arms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["roi"].is_object());
    let assumes = format!(
        "This assumes {} visitors a year",
        whole(num(&report["scenario"], "annual_visitors"))
    );
    assert_eq!(text.contains("## Bottom line"), with_roi, "{name}");
    assert_eq!(text.contains(&assumes), with_roi, "{name}: {assumes}");
    let lines: Vec<&str> = text.lines().collect();
    let cells = |l: &str| -> Vec<String> {
        l.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let is_figure =
        |c: &str| c.starts_with(|ch: char| ch.is_ascii_digit() || "+-−$€£<>".contains(ch));
    for (i, l) in lines.iter().enumerate() {
        if !(l.starts_with("|---") || l.starts_with("|--")) {
            continue;
        }
        let header = cells(lines[i - 1]);
        let right: Vec<bool> = cells(l).iter().map(|c| c.ends_with(':')).collect();
        assert_eq!(right.len(), header.len(), "{name}: {l}");
        let body: Vec<Vec<String>> = lines[i + 1..]
            .iter()
            .take_while(|b| b.starts_with('|'))
            .map(|b| cells(b))
            .collect();
        for (c, &aligned) in right.iter().enumerate() {
            let column: Vec<&str> = body.iter().map(|r| r[c].as_str()).collect();
            // A figure column may hold a placeholder or say why it has no figure.
            let placeholder = |c: &str| {
                ["", "–", "—"].contains(&c)
                    || c.starts_with("none")
                    || c.starts_with("never")
                    || c == "n/a"
            };
            let ok = if aligned {
                column.iter().all(|c| is_figure(c) || placeholder(c))
            } else {
                !column.iter().any(|c| is_figure(c))
            };
            assert!(
                ok,
                "{name}: column '{}' of the table under line {i} is aligned {}: {column:?}",
                header[c],
                if aligned { "right" } else { "left" }
            );
        }
    }
}

#[test]
fn the_checks_above_see_every_kind_of_figure() {
    // The built-ins at this size give each check something to hold: significant and
    // non-significant comparisons, covered and missed truths, both directions of chance to
    // beat, an arm with costs and a Thompson allocation. A check over nothing proves nothing.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, report) in reports() {
        for (arm, _) in pairs(report) {
            for (metric, _, _) in METRICS {
                let c = &arm["vs_control"][metric];
                *seen
                    .entry(if c["significant"] == true {
                        "significant"
                    } else {
                        "not significant"
                    })
                    .or_default() += 1;
                if c["rollout_lift"].is_number() {
                    *seen.entry("rollout").or_default() += 1;
                }
                match c["covered"].as_bool() {
                    Some(true) => *seen.entry("covered").or_default() += 1,
                    Some(false) => *seen.entry("missed").or_default() += 1,
                    None => {}
                }
                if let Some(b) = c["chance_to_beat"].as_f64() {
                    *seen
                        .entry(if b > 0.5 {
                            "likely better"
                        } else {
                            "likely worse"
                        })
                        .or_default() += 1;
                }
            }
            if arm["roi"]["roi"]["mid"].is_number() {
                *seen.entry("ROI").or_default() += 1;
            }
        }
        if report["experiment"]["allocation"]["mode"] == "thompson" {
            *seen.entry("thompson").or_default() += 1;
        }
    }
    for kind in [
        "significant",
        "not significant",
        "covered",
        "missed",
        "likely better",
        "likely worse",
        "ROI",
        "thompson",
        "rollout",
    ] {
        assert!(
            seen.get(kind).is_some_and(|&n| n > 0),
            "nothing {kind}: {seen:?}"
        );
    }
}
