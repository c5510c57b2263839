//! The bands, their sources, and the markdown table of what was measured against them.

use std::fmt::Write;

use serde::Deserialize;

use crate::cdnow::Repeat;
use crate::measure::{Control, Email, Recommenders, LEARNED};

/// Everything measured on one seed (`None` or empty where a part was not run).
#[derive(Default)]
pub struct Measured {
    pub control: Option<Control>,
    pub recommenders: Option<Recommenders>,
    pub email: Option<Email>,
    pub repeats: Vec<Repeat>,
    pub fits: Vec<Fit>,
}

/// A BG/NBD fit of one arm's cohort by Python `lifetimes`, as `bgnbd.py` prints it: a check
/// of the lab's own fit.
#[derive(Deserialize)]
pub struct Fit {
    pub seed: u64,
    pub arm: String,
    pub cohort: usize,
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    pub dropout: f64,
}

const FOUNDING: &str = "founding figures (DESIGN §1)";
const BAYMARD: &str = "Baymard, average of studies (≈70%)";
const TOP_SELLERS: &str = "Jannach & Hegelich 2009 (+3%); Netflix (popularity −12%)";
const NO_RECOMMENDER: &str = "Lee & Hosanagar 2016/2019 (+5.9% conversion, +35% items)";
const SEND_HOUR: &str = "no randomised evidence; vendors claim 10–93% (assume small)";
const KLAVIYO: &str = "Klaviyo 2024 (median 1.7%, top decile 5.7%, attributed)";
const CDNOW: &str = "CDNOW, Fader, Hardie & Lee 2005 (51.1%; a/(a+b) ≈ 0.25)";

/// How a value is shown.
#[derive(Clone, Copy)]
enum Unit {
    /// A rate, as a percentage.
    Share,
    /// A relative change, signed.
    Lift,
    Money,
    Plain,
    /// A yes/no check (1 or 0).
    Check,
}

impl Unit {
    fn show(self, x: f64) -> String {
        match self {
            Unit::Share => format!("{:.1}%", 100.0 * x),
            Unit::Lift => format!("{:+.1}%", 100.0 * x),
            Unit::Money => format!("${x:.2}"),
            Unit::Plain => format!("{x:.3}"),
            Unit::Check => if x > 0.5 { "yes" } else { "no" }.into(),
        }
    }

    fn band(self, (lo, hi): (f64, f64)) -> String {
        match self {
            Unit::Share => format!("{}–{}%", pct(lo), pct(hi)),
            Unit::Lift => format!("{}% to {}%", signed(lo), signed(hi)),
            Unit::Money => format!("${lo:.0}–{hi:.0}"),
            Unit::Plain => format!("{lo:.2}–{hi:.2}"),
            Unit::Check => "yes".into(),
        }
    }
}

/// A percentage without trailing zeros.
fn pct(x: f64) -> String {
    format!("{}", (1000.0 * x).round() / 10.0)
}

/// A signed percentage without trailing zeros.
fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", pct(x))
    } else {
        pct(x)
    }
}

/// How a row reads its figure, or its remark, from one seed's measurements.
type Read<T> = Box<dyn Fn(&Measured) -> Option<T>>;

/// One line of the table: a target and how to read it from a seed's measurements.
struct Row {
    label: String,
    unit: Unit,
    /// `None` for lines shown for context, without a band.
    band: Option<(f64, f64)>,
    source: &'static str,
    value: Read<f64>,
    /// A remark beside the value (e.g. which recommender was best).
    note: Read<String>,
    /// Whether the band applies to the mean over seeds rather than to every seed: for a
    /// figure whose per-seed values carry noise of the order of the band.
    mean: bool,
}

fn row(
    label: impl Into<String>,
    unit: Unit,
    band: Option<(f64, f64)>,
    source: &'static str,
    value: impl Fn(&Measured) -> Option<f64> + 'static,
) -> Row {
    Row {
        label: label.into(),
        unit,
        band,
        source,
        value: Box::new(value),
        note: Box::new(|_| None),
        mean: false,
    }
}

fn rows() -> Vec<Row> {
    let c = |f: fn(&Control) -> f64| move |m: &Measured| m.control.as_ref().map(f);
    let e = |f: fn(&Email) -> f64| move |m: &Measured| m.email.as_ref().map(f);
    let mut rows = vec![
        row(
            "control: conversion per visit",
            Unit::Share,
            Some((0.018, 0.026)),
            FOUNDING,
            c(|c| c.conversion),
        ),
        row(
            "control: AOV",
            Unit::Money,
            Some((60.0, 90.0)),
            FOUNDING,
            c(|c| c.aov),
        ),
        row(
            "control: cart abandonment",
            Unit::Share,
            Some((0.65, 0.80)),
            BAYMARD,
            c(|c| c.abandonment),
        ),
        row(
            "control: open rate",
            Unit::Share,
            Some((0.15, 0.25)),
            FOUNDING,
            c(|c| c.open_rate),
        ),
        row(
            "item-cf over popularity, conversion at rollout",
            Unit::Lift,
            Some((0.02, 0.15)),
            TOP_SELLERS,
            c(|c| c.itemcf_rollout),
        ),
        row(
            "item-cf over popularity, conversion in the experiment",
            Unit::Lift,
            None,
            "(context: half the learning data)",
            c(|c| c.itemcf_experiment),
        ),
        Row {
            note: Box::new(|m| m.recommenders.as_ref().map(|r| r.best_learned().into())),
            ..row(
                "best learned over random, conversion at rollout",
                Unit::Lift,
                Some((0.15, 0.50)),
                NO_RECOMMENDER,
                |m| {
                    let r = m.recommenders.as_ref()?;
                    Some(r.lift(r.best_learned(), "random"))
                },
            )
        },
        row(
            "item-cf > popularity > random at rollout",
            Unit::Check,
            Some((1.0, 1.0)),
            "issue 13: smaller effects, not erased ones",
            |m| {
                let r = m.recommenders.as_ref()?;
                let ordered = r.conversion("item-cf") > r.conversion("popularity")
                    && r.conversion("popularity") > r.conversion("random");
                Some(f64::from(u8::from(ordered)))
            },
        ),
        row(
            "open rate, 19:00 over 10:00",
            Unit::Lift,
            Some((0.0, 0.20)),
            SEND_HOUR,
            e(|e| e.open_7pm),
        ),
        Row {
            mean: true,
            ..row(
                "revenue per shopper, 19:00 over 10:00 (band on the mean)",
                Unit::Lift,
                Some((0.0, 0.05)),
                SEND_HOUR,
                e(|e| e.revenue_7pm),
            )
        },
        row(
            "revenue per shopper, 19:00 over 10:00, random slates",
            Unit::Lift,
            None,
            "(context: no learning, so no learning noise)",
            e(|e| e.revenue_7pm_unlearned),
        ),
        row(
            "open rate, send-time over the better fixed hour",
            Unit::Lift,
            Some((0.0, 0.05)),
            SEND_HOUR,
            e(|e| e.open_send_time),
        ),
        row(
            "cart reminder: orders within 5 days of an open, per reminder",
            Unit::Share,
            Some((0.01, 0.06)),
            KLAVIYO,
            e(|e| e.reminder_attributed),
        ),
        row(
            "cart reminder: carts recovered because of it, per reminder",
            Unit::Share,
            None,
            "(context: incremental, at rollout)",
            e(|e| e.reminder_incremental),
        ),
    ];
    for arm in ["popularity", "item-cf"] {
        rows.push(Row {
            note: Box::new(move |m| cohort(m, arm).map(|r| format!("of {}", r.cohort))),
            ..row(
                format!("one-time buyers, days 0–89 cohort ({arm})"),
                Unit::Share,
                Some((0.40, 0.65)),
                CDNOW,
                move |m| Some(cohort(m, arm)?.one_time),
            )
        });
    }
    for arm in ["popularity", "item-cf"] {
        rows.push(row(
            format!("BG/NBD dropout per purchase a/(a+b) ({arm})"),
            Unit::Plain,
            Some((0.10, 0.30)),
            CDNOW,
            move |m| Some(cohort(m, arm)?.fit.as_ref().ok()?.dropout_per_purchase()),
        ));
    }
    for arm in ["popularity", "item-cf"] {
        rows.push(row(
            format!("the same, fitted by Python `lifetimes` ({arm})"),
            Unit::Plain,
            None,
            "(check of the lab's fitter)",
            move |m| Some(m.fits.iter().find(|f| f.arm == arm)?.dropout),
        ));
    }
    rows
}

/// One arm's repeat-purchase cohort, where measured.
fn cohort<'m>(m: &'m Measured, arm: &str) -> Option<&'m Repeat> {
    m.repeats.iter().find(|r| r.arm == arm)
}

/// With more seeds than this, the tables show each figure's mean and range rather than a
/// column per seed.
const WIDEST: usize = 6;

/// The markdown tables: every band, then the detail behind the recommender and BG/NBD rows.
pub fn render(seeds: &[u64], measured: &[Measured]) -> String {
    let mut out = String::new();
    let compact = seeds.len() > WIDEST;
    let head = if compact {
        "mean | range | seeds in band".to_string()
    } else {
        let head: Vec<String> = seeds.iter().map(|s| format!("seed {s}")).collect();
        head.join(" | ")
    };
    let _ = writeln!(out, "| target | band | source | {head} | result |");
    let columns = if compact { 3 } else { seeds.len() };
    let _ = writeln!(out, "|---|---|---|{}---|", "---|".repeat(columns));
    for row in rows() {
        let values: Vec<Option<f64>> = measured.iter().map(|m| (row.value)(m)).collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        let figures = if compact {
            summary(&row, &values)
        } else {
            let cells: Vec<String> = values
                .iter()
                .zip(measured)
                .map(|(v, m)| match (v, (row.note)(m)) {
                    (None, _) => "–".into(),
                    (Some(x), None) => row.unit.show(*x),
                    (Some(x), Some(note)) => format!("{} ({note})", row.unit.show(*x)),
                })
                .collect();
            cells.join(" | ")
        };
        let (band, result) = match row.band {
            None => ("–".into(), "–".into()),
            Some(band) if row.mean => (row.unit.band(band), mean_verdict(&row, &values, band)),
            Some(band) => (row.unit.band(band), verdict(seeds, &values, band)),
        };
        let _ = writeln!(
            out,
            "| {} | {band} | {} | {figures} | {result} |",
            row.label, row.source
        );
    }
    recommender_detail(&mut out, seeds, measured);
    fit_detail(&mut out, seeds, measured);
    out
}

/// Mean, range and the number of seeds in the band, as three cells.
fn summary(row: &Row, values: &[Option<f64>]) -> String {
    let seen: Vec<f64> = values.iter().flatten().copied().collect();
    let inside = |(lo, hi): (f64, f64)| seen.iter().filter(|x| (lo..=hi).contains(*x)).count();
    let in_band = row.band.map_or("–".into(), |band| {
        format!("{} of {}", inside(band), values.len())
    });
    if let Unit::Check = row.unit {
        return format!("– | – | {in_band}");
    }
    let mean = seen.iter().sum::<f64>() / seen.len() as f64;
    let (lo, hi) = seen
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    format!(
        "{} | {} to {} | {in_band}",
        row.unit.show(mean),
        row.unit.show(lo),
        row.unit.show(hi)
    )
}

/// "pass" when every seed lies in the band, else the seeds that miss.
fn verdict(seeds: &[u64], values: &[Option<f64>], (lo, hi): (f64, f64)) -> String {
    let missed: Vec<String> = seeds
        .iter()
        .zip(values)
        .filter(|(_, v)| v.is_none_or(|x| !(lo..=hi).contains(&x)))
        .map(|(s, _)| s.to_string())
        .collect();
    if missed.is_empty() {
        "pass".into()
    } else {
        format!("**miss** (seed {})", missed.join(", "))
    }
}

/// "pass" or "miss" for the mean over the seeds, which it shows.
fn mean_verdict(row: &Row, values: &[Option<f64>], (lo, hi): (f64, f64)) -> String {
    let seen: Vec<f64> = values.iter().flatten().copied().collect();
    let mean = seen.iter().sum::<f64>() / seen.len() as f64;
    let word = if seen.len() == values.len() && (lo..=hi).contains(&mean) {
        "pass"
    } else {
        "**miss**"
    };
    format!("{word} (mean {})", row.unit.show(mean))
}

fn recommender_detail(out: &mut String, seeds: &[u64], measured: &[Measured]) {
    if measured.iter().all(|m| m.recommenders.is_none()) {
        return;
    }
    let _ = writeln!(
        out,
        "\nConversion at rollout over `random`, every recommender:\n"
    );
    let compact = seeds.len() > WIDEST;
    let head = if compact {
        "mean | range".to_string()
    } else {
        let head: Vec<String> = seeds.iter().map(|s| format!("seed {s}")).collect();
        head.join(" | ")
    };
    let _ = writeln!(out, "| recommender | {head} |");
    let columns = if compact { 2 } else { seeds.len() };
    let _ = writeln!(out, "|---|{}", "---|".repeat(columns));
    for name in std::iter::once("popularity").chain(LEARNED) {
        let lifts: Vec<f64> = measured
            .iter()
            .filter_map(|m| m.recommenders.as_ref())
            .map(|r| r.lift(name, "random"))
            .collect();
        let cells = if compact {
            let mean = lifts.iter().sum::<f64>() / lifts.len() as f64;
            let lo = lifts.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = lifts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!(
                "{} | {} to {}",
                Unit::Lift.show(mean),
                Unit::Lift.show(lo),
                Unit::Lift.show(hi)
            )
        } else {
            let cells: Vec<String> = lifts.iter().map(|&l| Unit::Lift.show(l)).collect();
            cells.join(" | ")
        };
        let _ = writeln!(out, "| {name} | {cells} |");
    }
}

/// One BG/NBD fit for the detail table.
struct FitLine<'a> {
    seed: u64,
    arm: &'a str,
    fitter: &'static str,
    cohort: usize,
    /// r, α, a, b.
    params: [f64; 4],
}

impl FitLine<'_> {
    fn dropout(&self) -> f64 {
        self.params[2] / (self.params[2] + self.params[3])
    }
}

/// Every fit: the lab's, and `lifetimes`' where it ran.
fn fit_lines<'a>(seeds: &[u64], measured: &'a [Measured]) -> Vec<FitLine<'a>> {
    let mut lines = Vec::new();
    for (&seed, m) in seeds.iter().zip(measured) {
        for r in &m.repeats {
            if let Ok(p) = &r.fit {
                lines.push(FitLine {
                    seed,
                    arm: &r.arm,
                    fitter: "shoplab",
                    cohort: r.cohort,
                    params: [p.r(), p.alpha(), p.a(), p.b()],
                });
            }
        }
        for f in &m.fits {
            lines.push(FitLine {
                seed: f.seed,
                arm: &f.arm,
                fitter: "lifetimes",
                cohort: f.cohort,
                params: [f.r, f.alpha, f.a, f.b],
            });
        }
    }
    lines
}

fn fit_detail(out: &mut String, seeds: &[u64], measured: &[Measured]) {
    let fits = fit_lines(seeds, measured);
    if fits.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nBG/NBD fits in weeks (CDNOW: r 0.243, α 4.41, a 0.793, b 2.43):\n"
    );
    if measured.len() > WIDEST {
        // One line per arm and fitter: each parameter's mean and range over the seeds.
        let _ = writeln!(out, "| arm | fitter | fits | r | α | a | b | a/(a+b) |");
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
        let mut groups: Vec<(&str, &str)> = Vec::new();
        for f in &fits {
            if !groups.contains(&(f.arm, f.fitter)) {
                groups.push((f.arm, f.fitter));
            }
        }
        for (arm, fitter) in groups {
            let mine: Vec<&FitLine> = fits
                .iter()
                .filter(|f| (f.arm, f.fitter) == (arm, fitter))
                .collect();
            let spread = |get: &dyn Fn(&FitLine) -> f64| {
                let xs: Vec<f64> = mine.iter().map(|f| get(f)).collect();
                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!("{mean:.3} ({lo:.3}–{hi:.3})")
            };
            let _ = writeln!(
                out,
                "| {arm} | {fitter} | {} | {} | {} | {} | {} | {} |",
                mine.len(),
                spread(&|f| f.params[0]),
                spread(&|f| f.params[1]),
                spread(&|f| f.params[2]),
                spread(&|f| f.params[3]),
                spread(&|f| f.dropout())
            );
        }
        return;
    }
    let _ = writeln!(
        out,
        "| seed | arm | fitter | cohort | r | α | a | b | a/(a+b) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for f in &fits {
        let [r, alpha, a, b] = f.params;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {r:.3} | {alpha:.2} | {a:.3} | {b:.3} | {:.3} |",
            f.seed,
            f.arm,
            f.fitter,
            f.cohort,
            f.dropout()
        );
    }
}
