//! ROI sizing end to end: the report a manager forwards, its charts, and the JSON behind it.

use std::fs;

use assert_cmd::Command;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

#[test]
fn roi_card_report_has_every_section_and_its_charts() {
    let dir = tempfile::tempdir().unwrap();
    let (report, plots) = (dir.path().join("r.md"), dir.path().join("plots"));
    shoplab()
        .args([
            "run",
            "roi-card",
            "--shoppers",
            "8000",
            "--days",
            "14",
            "--format",
            "markdown",
        ])
        .args([
            "--out",
            report.to_str().unwrap(),
            "--plots",
            plots.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    let text = fs::read_to_string(&report).unwrap();
    for section in [
        "# shoplab report: roi-card",
        "## The scenario",
        "## Arms",
        "## Results",
        "## Against the control",
        "## Return on investment",
        "## Break-even",
        "## Charts",
        "## Experiment checks",
    ] {
        assert!(text.contains(section), "missing {section}:\n{text}");
    }
    for chart in ["conversion.svg", "payback.svg"] {
        let svg = fs::read_to_string(plots.join(chart)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<polyline") && svg.len() > 1000,
            "{chart}"
        );
        assert!(text.contains(chart), "the report links {chart}");
    }
}

#[test]
fn json_carries_roi_payback_npv_and_break_even() {
    let out = shoplab()
        .args([
            "run",
            "roi-card",
            "--shoppers",
            "8000",
            "--days",
            "14",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(
        v["arms"][0]["roi"].is_null(),
        "the control has no ROI against itself"
    );
    let roi = &v["arms"][1]["roi"];
    for key in [
        "incremental_revenue",
        "incremental_margin",
        "annual_cost",
        "roi",
        "payback_month",
        "npv",
        "break_even",
    ] {
        assert!(!roi[key].is_null(), "missing {key}: {roi}");
    }
    // Numbers, not nulls: `None <= None` would pass any ordering below.
    let f = |v: &serde_json::Value, k: &str| {
        v[k].as_f64()
            .unwrap_or_else(|| panic!("{k} is not a number: {v}"))
    };
    let cost = &roi["annual_cost"];
    assert!(
        f(cost, "low") > 0.0 && f(cost, "low") < f(cost, "mid") && f(cost, "mid") < f(cost, "high")
    );
    // NPV falls as costs rise whatever the margin (ROI does not when the margin is negative).
    let npv = &roi["npv"];
    assert!(f(npv, "cost_high") < f(npv, "mid") && f(npv, "mid") < f(npv, "cost_low"));
    let r = &roi["roi"];
    assert!(f(r, "margin_low") < f(r, "mid") && f(r, "mid") < f(r, "margin_high"));
    assert!(roi["break_even"]["conversion_lift"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_arm_that_costs_nothing_has_no_roi() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("free.toml");
    fs::write(
        &path,
        "shoppers = 2000\ndays = 7\n[[arms]]\nname = \"a\"\n[[arms]]\nname = \"b\"\n",
    )
    .unwrap();
    let out = shoplab()
        .args(["run", path.to_str().unwrap(), "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let roi = &v["arms"][1]["roi"];
    assert!(
        roi["roi"]["mid"].is_null(),
        "ROI must be 'not defined', not infinity: {roi}"
    );
    assert!(roi["break_even"].is_null());
    let table = shoplab()
        .args(["run", path.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(table).unwrap().contains("not defined"));
}
