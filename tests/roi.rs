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
    // No costs, no ROI section: the bottom line gives the margin a year and says why there
    // is no ROI, once.
    let table = String::from_utf8(table).unwrap();
    assert!(
        !table.contains("not defined") && !table.contains("payback"),
        "{table}"
    );
    assert!(table.contains("no costs beyond the control"), "{table}");
}

/// Reads the report's markdown links to images.
fn image_links(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix("![")?.split_once("](")?.1.strip_suffix(')'))
        .map(String::from)
        .collect()
}

#[test]
fn the_report_reads_as_a_forwardable_document_from_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    shoplab()
        .current_dir(dir.path())
        .args(["run", "roi-card", "--shoppers", "8000", "--days", "14"])
        .args(["--format", "markdown", "--out", "deliver/report.md"])
        .args(["--plots", "deliver/plots"])
        .assert()
        .success();
    let text = fs::read_to_string(dir.path().join("deliver/report.md")).unwrap();
    // The bottom line comes first, before any detail.
    let sections: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(sections[0], "## Bottom line", "{text}");
    let bottom = text
        .split("## Bottom line\n\n")
        .nth(1)
        .and_then(|t| t.split("\n## ").next())
        .unwrap();
    let paragraphs: Vec<&str> = bottom
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(
        paragraphs.len(),
        2,
        "a decision and its assumptions:\n{bottom}"
    );
    let decision = paragraphs[0];
    assert!(
        [
            "Roll out personalized",
            "Do not roll out personalized",
            "No clear answer for personalized"
        ]
        .iter()
        .any(|d| decision.starts_with(d)),
        "{decision}"
    );
    for part in ["Profit a year against control: ", " ROI ", "payback "] {
        assert!(decision.contains(part), "{part} missing: {decision}");
    }
    // Money carries its symbol; the profit's interval has both ends in dollars.
    let profit = decision
        .split("Profit a year against control: ")
        .nth(1)
        .unwrap();
    assert!(profit.matches('$').count() >= 3, "{profit}");
    // The assumptions name the scenario's own traffic.
    assert!(
        paragraphs[1].starts_with("This assumes 3,000,000 visitors a year"),
        "{}",
        paragraphs[1]
    );
    // No range whose ends are the same.
    for line in text.lines() {
        for (a, b) in line
            .split('(')
            .skip(1)
            .filter_map(|p| p.split(')').next()?.split_once(" – "))
        {
            assert_ne!(a, b, "a range of one value: {line}");
        }
    }
    // The links resolve from the report's own folder, whoever reads it from wherever.
    let links = image_links(&text);
    assert_eq!(
        links,
        [
            "plots/conversion.svg",
            "plots/lift.svg",
            "plots/payback.svg"
        ],
        "{text}"
    );
    // The charts show the uncertainty the text talks about: a band around the margin, a
    // bar per lift.
    let payback = fs::read_to_string(dir.path().join("deliver/plots/payback.svg")).unwrap();
    assert_eq!(payback.matches("<polygon").count(), 1, "one band, one arm");
    let lift = fs::read_to_string(dir.path().join("deliver/plots/lift.svg")).unwrap();
    // Four headline metrics of one arm, each a dot (plus the key's).
    assert_eq!(lift.matches("<circle").count(), 4 + 1);
    for link in links {
        assert!(dir.path().join("deliver").join(&link).is_file(), "{link}");
    }
}

#[test]
fn links_climb_out_of_the_report_folder_when_the_plots_are_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    shoplab()
        .current_dir(dir.path())
        .args(["run", "roi-card", "--shoppers", "4000", "--days", "7"])
        .args(["--format", "markdown", "--out", "a/b/report.md"])
        .args(["--plots", "charts"])
        .assert()
        .success();
    let text = fs::read_to_string(dir.path().join("a/b/report.md")).unwrap();
    let links = image_links(&text);
    assert_eq!(
        links,
        [
            "../../charts/conversion.svg",
            "../../charts/lift.svg",
            "../../charts/payback.svg"
        ]
    );
}
