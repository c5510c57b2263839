//! Measures a world against the field evidence of `docs/CALIBRATION.md` and prints a
//! markdown table: each target, its band and source, the value per seed, pass or miss.
//!
//! ```text
//! cargo run --release --example calibration -- --seeds 1,2,3,11 --threads 1 \
//!     --python /work/venv/bin/python
//! ```
//!
//! Without `--world` it measures the built-in `default` world (the crate's defaults and
//! `scenarios/default.toml`); `--world scenarios/classroom.toml` measures another. The
//! repeat-purchase check fits BG/NBD with the lab's own fitter and writes a transaction table
//! per seed into `--out`; with `--python` (an interpreter with `lifetimes` and pandas) it
//! also fits BG/NBD to that table with `lifetimes`, a check of the lab's fit.

mod cdnow;
mod measure;
mod table;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::{Parser, ValueEnum};

use measure::Base;
use table::{Fit, Measured};

#[derive(Parser)]
#[command(about = "Measure a world against the calibration bands of docs/CALIBRATION.md")]
struct Args {
    /// Seeds to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2, 3, 11])]
    seeds: Vec<u64>,
    /// A scenario file whose world, catalog and segments are measured instead of the
    /// built-in `default`'s (its arms are replaced by each measurement's own).
    #[arg(long)]
    world: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Measurements to run, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    only: Vec<Part>,
    /// Folder for the transaction tables of the repeat-purchase check.
    #[arg(long, default_value = "target/calibration")]
    out: PathBuf,
    /// A Python with `lifetimes` and pandas: also fits BG/NBD to the transaction tables, to
    /// check the lab's own fit.
    #[arg(long)]
    python: Option<PathBuf>,
}

/// The measurements, each one or a few runs per seed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// The default experiment: the control's founding figures, item-cf over popularity.
    Control,
    /// Every recommender at rollout, against `random`.
    Recommenders,
    /// Send hours, learned send times and cart reminders.
    Email,
    /// Repeat purchases in the CDNOW design (546 days).
    Cdnow,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| format!("cannot start the worker threads: {e}"))?;
    }
    let base = Base::load(args.world.as_deref())?;
    let wants = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let mut measured = Vec::new();
    let mut tables = Vec::new();
    for &seed in &args.seeds {
        let mut m = Measured::default();
        let timed = |what: &str, start: Instant| {
            eprintln!(
                "seed {seed}: {what} in {:.1} s",
                start.elapsed().as_secs_f64()
            );
        };
        if wants(Part::Control) {
            let start = Instant::now();
            m.control = Some(measure::control(&base, seed));
            timed("default experiment", start);
        }
        if wants(Part::Recommenders) {
            let start = Instant::now();
            m.recommenders = Some(measure::recommenders(&base, seed));
            timed("recommenders", start);
        }
        if wants(Part::Email) {
            let start = Instant::now();
            m.email = Some(measure::email(&base, seed));
            timed("email", start);
        }
        if wants(Part::Cdnow) {
            let start = Instant::now();
            let (repeats, path) = cdnow::run(&base, seed, &args.out)?;
            m.repeats = repeats;
            tables.push(path);
            timed("546-day run", start);
        }
        measured.push(m);
    }
    if let Some(python) = &args.python {
        if !tables.is_empty() {
            for fit in fit_bgnbd(python, &tables)? {
                if let Some(i) = args.seeds.iter().position(|&s| s == fit.seed) {
                    measured[i].fits.push(fit);
                }
            }
        }
    }
    print!("{}", table::render(&args.seeds, &measured));
    if !tables.is_empty() && args.python.is_none() {
        println!(
            "\nTo check the BG/NBD fits with Python `lifetimes`, run with `--python` or \
             `python examples/calibration/bgnbd.py --horizon {} --cohort-days {} {}`.",
            cdnow::DAYS,
            cdnow::COHORT_DAYS,
            tables
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}

/// Fits BG/NBD to every transaction table with `bgnbd.py`.
fn fit_bgnbd(python: &Path, tables: &[PathBuf]) -> Result<Vec<Fit>, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calibration/bgnbd.py");
    let output = Command::new(python)
        .arg(&script)
        .args(["--horizon", &cdnow::DAYS.to_string()])
        .args(["--cohort-days", &cdnow::COHORT_DAYS.to_string()])
        .args(tables)
        .output()
        .map_err(|e| format!("{}: cannot run: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).map_err(|e| format!("bgnbd.py said {line}: {e}")))
        .collect()
}
