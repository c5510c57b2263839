//! The command line (docs/ARCHITECTURE.md §8): argument types and mode dispatch.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use shoplab::experiment::clv;
use shoplab::export::{Export, ExportError, Options};
use shoplab::output::{self, Output, OutputError};
use shoplab::report::{Format, Report};
use shoplab::scenario::{Scenario, BUILT_INS};
use shoplab::strategy::registry::{self, Family};
use shoplab::{Engine, Snapshot};

use crate::calculator::CalcError;
use crate::sweep_cli::{MergeArgs, SweepArgs};

/// A terminal lab for e-commerce personalization experiments on synthetic shoppers.
#[derive(Debug, Parser)]
#[command(name = "shoplab", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without a command, opens the dashboard on the built-in `default` scenario.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the live dashboard on a scenario (default: the built-in `default`).
    #[cfg_attr(
        not(feature = "tui"),
        command(
            about = "Open the live dashboard (not in this build: built without the `tui` feature)"
        )
    )]
    Tui {
        /// A TOML file or the name of a built-in scenario.
        #[arg(default_value = "default")]
        scenario: String,
        /// Where `e` writes its JSON and markdown exports (created if missing).
        #[arg(long, value_name = "DIR", default_value = ".")]
        export_dir: PathBuf,
    },
    /// Run a scenario headless and print its results.
    Run(RunArgs),
    /// Check a scenario file and report every problem.
    Validate {
        /// A TOML file or the name of a built-in scenario.
        scenario: String,
    },
    /// List the built-in scenarios.
    Scenarios,
    /// List the strategies and their parameters.
    Strategies,
    /// Test a difference you already measured: proportions or means.
    Stats {
        /// Which test.
        #[command(subcommand)]
        test: StatsTest,
    },
    /// Sample size per arm to detect a relative change.
    Power(PowerArgs),
    /// Run a plan's many runs (replications, a grid) and summarise them: false-positive
    /// rates, power, coverage, bias.
    Sweep(SweepArgs),
    /// Summarise a folder of a (sharded) sweep's parts.
    Merge(MergeArgs),
    /// List the built-in sweep plans.
    Plans,
    /// Print a shell completion script, e.g. `shoplab completions bash >
    /// ~/.local/share/bash-completion/completions/shoplab`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `shoplab man > ~/.local/share/man/man1/shoplab.1`.
    Man,
}

/// `shoplab stats` tests.
#[derive(Debug, Subcommand)]
pub enum StatsTest {
    /// Two-proportion z-test, e.g. --control 200/10000 --treatment 240/10000.
    Proportions {
        /// Control: SUCCESSES/TRIALS.
        #[arg(long)]
        control: String,
        /// Treatment: SUCCESSES/TRIALS.
        #[arg(long)]
        treatment: String,
        /// Significance level.
        #[arg(long, default_value_t = 0.05, value_parser = probability)]
        alpha: f64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Welch t-test from summaries, e.g. --control 4.2,11.5,10000 --treatment 4.6,12.1,10000.
    Means {
        /// Control: MEAN,SD,N.
        #[arg(long)]
        control: String,
        /// Treatment: MEAN,SD,N.
        #[arg(long)]
        treatment: String,
        /// Significance level.
        #[arg(long, default_value_t = 0.05, value_parser = probability)]
        alpha: f64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `shoplab power`.
#[derive(Debug, Clone, clap::Args)]
pub struct PowerArgs {
    /// Baseline conversion rate (a fraction), or the baseline mean with --sd.
    #[arg(long)]
    pub baseline: f64,
    /// Standard deviation of the metric, for a test of means.
    #[arg(long)]
    pub sd: Option<f64>,
    /// Minimum detectable effect, relative to the baseline (0.10 = +10%).
    #[arg(long)]
    pub mde: f64,
    /// Significance level.
    #[arg(long, default_value_t = 0.05, value_parser = probability)]
    pub alpha: f64,
    /// Power.
    #[arg(long, default_value_t = 0.8, value_parser = probability)]
    pub power: f64,
    /// Arms including the control.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..=1000))]
    pub arms: u16,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// A number strictly between 0 and 1.
fn probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "'{text}' must be a number between 0 and 1 (exclusive)"
        )),
    }
}

/// Arguments of `shoplab run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// A TOML file or the name of a built-in scenario.
    pub scenario: String,
    /// Override the scenario's seed (0 to 9223372036854775807, as a scenario file allows).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Override the number of shoppers.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50_000_000))]
    pub shoppers: Option<u32>,
    /// Override the number of days.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Also compute both truths: every shopper served by each arm as trained in the
    /// experiment ("true now") and each arm deployed to everyone ("at rollout") (default: on
    /// while the population is small).
    #[arg(long, value_enum)]
    pub true_effect: Option<Switch>,
    /// Days of pre-period for CUPED (overrides the scenario; 0 turns it off).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub cuped_days: Option<u32>,
    /// Check each arm's projected CLV against the world: after the horizon the same shoppers
    /// live on under the same strategies for business.clv_months, and what their orders
    /// really earn is reported beside the projection (as experiment.clv_check = true).
    #[arg(long)]
    pub clv_check: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the output to this file instead of standard output: a file is replaced
    /// atomically (a link's target, keeping its permissions), a device or FIFO is written in
    /// place, `-` is standard output; a missing folder is created.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write charts (SVG) into this folder: conversion per arm over the days and, with
    /// costs, cumulative incremental margin against cost with the payback month.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// Also write the run's data as Parquet tables into this folder: arms, days, segments,
    /// shoppers, products and transactions (see docs/DATA.md).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// With --export, also write every impression (`events.parquet`): outcomes,
    /// propensities and the true click probabilities, for off-policy evaluation.
    #[arg(long, requires = "export")]
    pub events: bool,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// Output format names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned plain-text table.
    Table,
    /// One JSON object.
    Json,
    /// The tidy table: one row per arm × compared metric.
    Csv,
    /// A markdown document.
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// A failure, sorted by exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit 2.
    BadInput(String),
    /// Anything else: exit 1.
    Other(String),
}

impl From<CalcError> for Failure {
    /// A calculation fails only on the numbers it was given.
    fn from(e: CalcError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

/// Runs `shoplab run`.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let mut scenario =
        Scenario::load(&args.scenario).map_err(|e| Failure::BadInput(e.to_string()))?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(n) = args.shoppers {
        scenario.shoppers = n;
    }
    if let Some(d) = args.days {
        scenario.days = d;
    }
    if let Some(t) = args.true_effect {
        scenario.experiment.true_effect = Some(t == Switch::On);
    }
    if let Some(d) = args.cuped_days {
        scenario.experiment.cuped_days = d;
    }
    if args.clv_check {
        scenario.experiment.clv_check = true;
    }
    // Every output path is checked, and its temporary file made, before the world is built:
    // a typo in --out must not cost a whole simulation.
    let out = match &args.out {
        Some(path) => Output::prepare(path).map_err(Failure::from)?,
        None => Output::stdout(),
    };
    if let Some(dir) = &args.plots {
        output::prepare_folder(dir)?;
    }
    // Refused before anything is built: an allocation failure would abort after minutes.
    shoplab::footprint::check(&scenario)
        .map_err(|e| Failure::BadInput(format!("{}: {e}", args.scenario)))?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        pool = pool.num_threads(threads(usize::from(t)));
    }
    let pool = pool
        .build()
        .map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))?;

    let clv_days = if scenario.experiment.clv_check {
        clv::projection_days(scenario.business.clv_months as u32)
    } else {
        0
    };
    let started = Instant::now();
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(u64::from(scenario.days + clv_days));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:30}] day {pos}/{len} · {elapsed} elapsed · about {eta} left",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar.set_prefix(scenario.name.clone());
        bar
    });
    let export = args
        .export
        .as_deref()
        .map(|dir| {
            let options = Options {
                events: args.events,
            };
            Export::create(dir, &scenario, options).map_err(export_failure)
        })
        .transpose()?;
    let outcome = pool.install(|| -> Result<_, Failure> {
        let mut engine = Engine::new(scenario.clone());
        let built = started.elapsed().as_secs_f64();
        let show = |e: &Engine| {
            if let Some(bar) = &progress {
                bar.set_position(u64::from(e.day()));
            }
        };
        let (mut snapshot, tables) = match export {
            Some(export) => {
                let (snapshot, tables) = export.run(&mut engine, show).map_err(export_failure)?;
                (snapshot, Some(tables))
            }
            None => {
                engine.run(show);
                (engine.snapshot(), None)
            }
        };
        if scenario.experiment.clv_check {
            clv::check(&mut engine, &mut snapshot, show);
        }
        Ok((snapshot, built, tables))
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let (snapshot, built, tables) = outcome?;
    if let Some(tables) = tables {
        eprintln!("{}", exported(&tables, args.events));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut report = Report::new(&scenario, &snapshot);
    if let Some(dir) = &args.plots {
        let report_dir = args
            .out
            .as_deref()
            .filter(|p| *p != Path::new("-"))
            .map(|p| p.parent().unwrap_or(Path::new("")));
        report.charts = write_plots(&report, dir, report_dir)?;
    }
    out.write(&report.render(args.format.into()))?;
    eprintln!("{}", throughput(&scenario, &snapshot, built, elapsed));
    Ok(())
}

/// An export's failure: a folder that cannot take the tables is bad input.
fn export_failure(e: ExportError) -> Failure {
    if e.is_bad_input() {
        Failure::BadInput(e.to_string())
    } else {
        Failure::Other(e.to_string())
    }
}

/// What an export wrote, for stderr; and a word on an event log left from an earlier run,
/// which this one did not replace.
fn exported(tables: &[PathBuf], events: bool) -> String {
    let mut line = format!("wrote {} Parquet tables:", tables.len());
    for t in tables {
        line += &format!(" {}", t.display());
    }
    let stale = tables
        .first()
        .and_then(|t| t.parent())
        .map(|dir| dir.join("events.parquet"))
        .filter(|e| !events && e.exists());
    if let Some(stale) = stale {
        line += &format!(
            "\nnote: {} is from an earlier run (this one ran without --events)",
            stale.display()
        );
    }
    line
}

/// The worker threads for `--threads asked`: more than the cores only add switching (1,024
/// threads ran 100 times slower), so they are capped at the core count, with a note.
pub(crate) fn threads(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if asked > cores {
        eprintln!(
            "note: --threads {asked} is more than the {cores} cores here; using {cores} (results do not depend on it)"
        );
        cores
    } else {
        asked
    }
}

/// The run's own throughput, for stderr: the world's build time apart from the simulation,
/// whose rates count the experiment arms' visits and impressions (true-effect runs and a
/// pre-period add work that is not counted).
fn throughput(scenario: &Scenario, snapshot: &Snapshot, built: f64, elapsed: f64) -> String {
    let visits: u64 = snapshot.arms.iter().map(|a| a.counts.visits).sum();
    let impressions: u64 = snapshot.arms.iter().map(|a| a.counts.impressions).sum();
    let simulated = (elapsed - built).max(1e-9);
    let mut line = format!(
        "built the world ({} shoppers) in {built:.2} s; simulated {visits} visits and {impressions} impressions in {simulated:.2} s ({:.0} visits/s, {:.0} impressions/s); {elapsed:.2} s in all",
        scenario.shoppers,
        visits as f64 / simulated,
        impressions as f64 / simulated,
    );
    if scenario.true_effect() {
        line.push_str(" (the true-effect runs are simulated too, not counted)");
    }
    line
}

/// Writes the charts of a report into `dir`; returns (title, path) of each, the path
/// relative to `report_dir` (the folder of `--out`) so the report's links work wherever the
/// pair is moved, or as given when the report goes to standard output.
fn write_plots(
    report: &Report,
    dir: &Path,
    report_dir: Option<&Path>,
) -> Result<Vec<(String, String)>, Failure> {
    use shoplab::report::forest::{self, effects_forest, lift_forest};
    use shoplab::report::plot::{self, conversion_chart, payback_chart};
    let chart = |c: plot::Chart| (c.title.clone(), plot::svg(&c));
    let mut charts = vec![("conversion.svg", chart(conversion_chart(report)))];
    // A factorial's cells are read through its effects, not one by one against the control.
    if let Some(f) = effects_forest(report) {
        charts.push(("effects.svg", (f.title.clone(), forest::svg(&f))));
    } else {
        let lifts = lift_forest(report);
        if !lifts.rows.is_empty() {
            charts.push(("lift.svg", (lifts.title.clone(), forest::svg(&lifts))));
        }
    }
    if report
        .arms
        .iter()
        .any(|a| a.roi.as_ref().is_some_and(|x| x.costs.any()))
    {
        let months = report.scenario.projection_months;
        charts.push(("payback.svg", chart(payback_chart(report, months))));
    }
    let mut written = Vec::new();
    for (file, (title, svg)) in charts {
        let path = dir.join(file);
        output::write_file(&path, &svg)?;
        let link = report_dir
            .and_then(|from| relative(from, &path))
            .unwrap_or(path);
        written.push((title, link.display().to_string()));
    }
    Ok(written)
}

/// `to` as seen from the folder `from`, both resolved first (`../plots/a.svg`); `None` when
/// either cannot be resolved.
fn relative(from: &Path, to: &Path) -> Option<PathBuf> {
    let from = std::fs::canonicalize(if from.as_os_str().is_empty() {
        Path::new(".")
    } else {
        from
    })
    .ok()?;
    let to = std::fs::canonicalize(to).ok()?;
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(common) {
        out.push("..");
    }
    out.extend(to.components().skip(common));
    Some(out)
}

/// Runs `shoplab tui`: the scenario is checked before the terminal is touched, so a bad one
/// exits 2 with its message on a normal screen.
#[cfg(feature = "tui")]
pub fn tui(name: &str, export_dir: &Path) -> Result<(), Failure> {
    let scenario = Scenario::load(name).map_err(|e| Failure::BadInput(e.to_string()))?;
    shoplab::footprint::check(&scenario).map_err(|e| Failure::BadInput(format!("{name}: {e}")))?;
    shoplab::tui::run(scenario, export_dir.to_path_buf()).map_err(|e| match e {
        shoplab::tui::TuiError::NotATerminal => Failure::BadInput(e.to_string()),
        _ => Failure::Other(e.to_string()),
    })
}

/// `shoplab tui` in a build without the dashboard: the scenario is still checked, then the
/// person learns why nothing opens and what to use instead.
#[cfg(not(feature = "tui"))]
pub fn tui(scenario: &str, _export_dir: &Path) -> Result<(), Failure> {
    Scenario::load(scenario).map_err(|e| Failure::BadInput(e.to_string()))?;
    Err(Failure::Other(
        "this shoplab was built without the dashboard (cargo feature `tui`); rebuild with \
         default features to open it, or use `shoplab run SCENARIO` for reports"
            .into(),
    ))
}

/// Runs `shoplab completions SHELL`: the script for the whole command line.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "shoplab", &mut script);
    print_stdout(&String::from_utf8_lossy(&script))
}

/// Runs `shoplab man`: the man page of `shoplab` and its commands, in roff.
pub fn man() -> Result<(), Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::Other(format!("cannot render the man page: {e}")))?;
    print_stdout(&String::from_utf8_lossy(&page))
}

/// Runs `shoplab validate`.
pub fn validate(scenario: &str) -> Result<(), Failure> {
    let s = Scenario::load(scenario).map_err(|e| Failure::BadInput(e.to_string()))?;
    print_stdout(&format!(
        "{scenario}: valid — '{}', {} shoppers × {} days, {} arm{}, about {} of memory\n",
        s.name,
        s.shoppers,
        s.days,
        s.arms.len(),
        if s.arms.len() == 1 { "" } else { "s" },
        shoplab::footprint::bytes(shoplab::footprint::estimate(&s).total())
    ))
}

/// Runs `shoplab scenarios`.
pub fn scenarios() -> Result<(), Failure> {
    let mut out = String::new();
    let width = BUILT_INS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, _) in BUILT_INS {
        let s = Scenario::load(name)
            .map_err(|e| Failure::Other(format!("built-in scenario is broken: {e}")))?;
        out += &format!("{name:<width$}  {}\n", s.description);
    }
    print_stdout(&out)
}

/// Runs `shoplab strategies`.
pub fn strategies() -> Result<(), Failure> {
    let mut out = String::new();
    for family in Family::ALL {
        out += &format!("{family}:\n");
        for info in registry::infos(family) {
            out += &format!("  {:<14} {}\n", info.name, info.summary);
            for p in info.params {
                let range = if p.choices.is_empty() {
                    format!("[{} – {}]", p.min, p.max)
                } else {
                    format!("one of {}", p.choices.join(", "))
                };
                out += &format!(
                    "      {:<18} default {:<10} {range}  {}\n",
                    p.name,
                    p.show(p.default),
                    p.help
                );
            }
        }
    }
    print_stdout(&out)
}

/// Runs `shoplab stats`.
pub fn stats(test: &StatsTest) -> Result<(), Failure> {
    let text = match test {
        StatsTest::Proportions {
            control,
            treatment,
            alpha,
            json,
        } => crate::calculator::proportions(control, treatment, *alpha, *json)?,
        StatsTest::Means {
            control,
            treatment,
            alpha,
            json,
        } => crate::calculator::means(control, treatment, *alpha, *json)?,
    };
    print_stdout(&text)
}

/// Runs `shoplab power`.
pub fn power(a: &PowerArgs) -> Result<(), Failure> {
    let q = crate::calculator::PowerQuestion {
        baseline: a.baseline,
        sd: a.sd,
        mde: a.mde,
        alpha: a.alpha,
        power: a.power,
        arms: usize::from(a.arms),
    };
    print_stdout(&crate::calculator::power(q, a.json)?)
}

/// Prints to stdout; a closed pipe (`shoplab run … | head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> Result<(), Failure> {
    Ok(Output::stdout().write(text)?)
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Self {
        if e.is_bad_input() {
            Failure::BadInput(e.to_string())
        } else {
            Failure::Other(e.to_string())
        }
    }
}
