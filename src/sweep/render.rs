//! A sweep's summary for people (an aligned table, markdown) and for programs (JSON).

use super::record::Setting;
use super::summary::{Mean, PeekSummary, PointSummary, Rate, Summary};
use crate::format::count_u;
use crate::report::{align_left, markdown_table, metric_label};

/// Output formats of a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    /// Aligned plain-text tables.
    Table,
    /// One JSON object.
    Json,
    /// A markdown document.
    Markdown,
}

impl Summary {
    /// The summary in `format`, ending in a newline.
    pub fn render(&self, format: SummaryFormat) -> String {
        match format {
            SummaryFormat::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("a summary serialises");
                s.push('\n');
                s
            }
            SummaryFormat::Table => text(self, false),
            SummaryFormat::Markdown => text(self, true),
        }
    }
}

/// `5.0% [2.4, 9.0]`: a rate with its interval, in percent.
fn rate(r: Option<Rate>) -> String {
    r.map_or_else(
        || "n/a".into(),
        |r| {
            format!(
                "{:.1}% [{:.1}, {:.1}]",
                100.0 * r.rate,
                100.0 * r.ci_low,
                100.0 * r.ci_high
            )
        },
    )
}

/// `+0.12 ± 0.08`: a mean in points of lift with its standard error.
fn bias(m: Option<Mean>) -> String {
    match m {
        Some(Mean {
            mean, se: Some(se), ..
        }) => format!("{:+.2} ± {:.2}", 100.0 * mean, 100.0 * se),
        Some(Mean { mean, se: None, .. }) => format!("{:+.2}", 100.0 * mean),
        None => "n/a".into(),
    }
}

/// Points of lift, `3.21`.
fn points(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |x| format!("{:.2}", 100.0 * x))
}

fn settings(s: &[Setting]) -> String {
    let parts: Vec<String> = s
        .iter()
        .map(|s| format!("{} = {}", s.key, s.value))
        .collect();
    parts.join(", ")
}

fn pair(arm: &str, baseline: &str) -> String {
    format!("{arm} vs {baseline}")
}

fn rejection_rows(p: &PointSummary) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "arm vs baseline",
        "metric",
        "what the rate is",
        "runs",
        "p < α",
        "Holm p < α",
    ]
    .map(String::from)
    .to_vec()];
    for c in &p.comparisons {
        rows.push(vec![
            pair(&c.arm, &c.baseline),
            metric_label(&c.metric).into(),
            c.label.into(),
            c.runs.to_string(),
            rate(c.reject),
            rate(c.reject_holm),
        ]);
    }
    rows
}

fn estimate_rows(p: &PointSummary) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "arm vs baseline",
        "metric",
        "covers true now",
        "covers at rollout",
        "bias vs now",
        "bias vs rollout",
        "sd of lift",
        "mean se",
        "sd/se",
    ]
    .map(String::from)
    .to_vec()];
    for c in &p.comparisons {
        rows.push(vec![
            pair(&c.arm, &c.baseline),
            metric_label(&c.metric).into(),
            rate(c.coverage),
            rate(c.coverage_rollout),
            bias(c.bias),
            bias(c.bias_rollout),
            points(c.lift_sd),
            points(c.mean_se),
            c.sd_to_se
                .map_or_else(|| "n/a".into(), |r| format!("{r:.2}")),
        ]);
    }
    rows
}

fn peeking_rows(peeks: &[PeekSummary]) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "arm vs baseline",
        "what the rate is",
        "runs",
        "naive p",
        "always-valid p",
    ]
    .map(String::from)
    .to_vec()];
    for p in peeks {
        rows.push(vec![
            pair(&p.arm, &p.baseline),
            p.label.into(),
            p.naive.map_or(0, |r| r.n).to_string(),
            rate(p.naive),
            rate(p.always_valid),
        ]);
    }
    rows
}

/// The notes that say how to read the tables.
fn notes(s: &Summary) -> Vec<String> {
    vec![
        format!(
            "Rates are counts of runs with their {:.0}% Clopper–Pearson intervals. A rejection \
             rate is a false-positive rate where the truth is 0 in every run and the power where \
             it is never 0; the truth read is the rollout truth where the runs have it, else the \
             in-experiment truth.",
            100.0 * s.level
        ),
        "\"true now\" is the in-experiment truth (every shopper served by the arm's strategies \
         as trained in the experiment); \"at rollout\" the arm deployed to everyone and learning \
         from all of them."
            .into(),
        "Bias is the mean of (lift − truth) over the runs, in points of lift (1 = one percentage \
         point of relative lift), ± its standard error."
            .into(),
        "sd/se is the standard deviation of the lift across the runs over the mean standard \
         error the runs reported, each read from its interval as (high − low)/(2·z₁₋α/₂) \
         (unbounded intervals left out): about 1 when a run's interval is as wide as the lift \
         really varies; above 1 when something a per-shopper test cannot see varies between \
         runs, such as what learning arms learned. With experiment.replicates above 1 the \
         runs' intervals take a Student t quantile, so this reads their se somewhat too high."
            .into(),
        "Peeking: the share of runs in which a daily look would have found p < α on some day, \
         with the naive fixed-horizon p-value and with the always-valid one."
            .into(),
    ]
}

/// The table (plain) or markdown document.
fn text(s: &Summary, markdown: bool) -> String {
    // The first `left` columns are names, aligned left; numbers are aligned right.
    let grid = |rows: &[Vec<String>], left: usize| {
        if markdown {
            markdown_table(rows, |c| c >= left)
        } else {
            align_left(rows, left)
        }
    };
    let heading = |level: usize, t: &str| {
        if markdown {
            format!("{} {t}\n\n", "#".repeat(level))
        } else {
            format!("{t}\n")
        }
    };
    let mut out = String::new();
    let title = format!(
        "{}: {} runs of {} ({} grid point{} × {} replications, plan seed {})",
        s.plan,
        count_u(s.runs),
        s.scenario,
        s.points.len(),
        if s.points.len() == 1 { "" } else { "s" },
        count_u(u64::from(s.replications)),
        s.seed
    );
    out += &heading(1, &title);
    let fixed = if s.set.is_empty() {
        "none".to_string()
    } else {
        settings(&s.set)
    };
    out += &format!(
        "Fixed: {fixed}. shoplab {}, fingerprint {}.\n",
        s.shoplab, s.fingerprint
    );
    for p in &s.points {
        out += "\n";
        let grid_label = if p.grid.is_empty() {
            "no grid".to_string()
        } else {
            settings(&p.grid)
        };
        out += &heading(
            2,
            &format!(
                "Point {}: {grid_label} — {} runs, α = {}",
                p.point,
                count_u(p.runs),
                p.alpha
            ),
        );
        if !markdown {
            out += "\n";
        }
        out += &heading(3, "Rejections (Holm across each run's arms × metrics)");
        out += &grid(&rejection_rows(p), 3);
        out += "\n";
        out += &heading(
            3,
            "Intervals and estimates against the truths (lifts in points)",
        );
        out += &grid(&estimate_rows(p), 2);
        if !p.peeking.is_empty() {
            out += "\n";
            out += &heading(3, "Daily peeking at conversion (p < α on some day)");
            out += &grid(&peeking_rows(&p.peeking), 2);
        }
    }
    out += "\n";
    for note in notes(s) {
        out += &if markdown {
            format!("- {note}\n")
        } else {
            format!("{note}\n")
        };
    }
    out
}
