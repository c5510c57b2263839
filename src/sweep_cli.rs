//! `shoplab sweep`, `shoplab merge` and `shoplab plans`: arguments, the shard's source, the
//! progress bar and exit codes around [`shoplab::sweep`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum;

use shoplab::sweep::{
    execute, merge, prepare, Overrides, Plan, Shard, Summary, SummaryFormat, SweepError, PLANS,
};

use shoplab::output::file_name_part;
use shoplab::{footprint, signals};

use crate::cli::{print_stdout, Failure};

/// Arguments of `shoplab sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// A plan file (TOML) or the name of a built-in plan (`shoplab plans`).
    pub plan: String,
    /// Runs per grid point (overrides the plan's `replications`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub replications: Option<u32>,
    /// Override the plan's seed, from which every run's seed is derived.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Shoppers in every run (replaces a grid over `shoppers`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50_000_000))]
    pub shoppers: Option<u32>,
    /// Days of every run (replaces a grid over `days`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
    /// Runs side by side (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Folder for the runs' records, `part-I.jsonl` per shard (default:
    /// `sweep-PLAN-FINGERPRINT` in the current folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Keep the runs the folder already holds and run only the others.
    #[arg(long)]
    pub resume: bool,
    /// Run only the runs whose index is ≡ I (mod the shard count), into DIR/part-I.jsonl
    /// (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX).
    #[arg(long, value_name = "I")]
    pub shard_index: Option<u64>,
    /// How many shards the sweep is split into (default: SHOPLAB_SHARD_COUNT, else
    /// SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shard_count: Option<u64>,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = SummaryFormatArg::Table)]
    pub format: SummaryFormatArg,
    /// Print the scenario of run I as a file `shoplab run` reproduces it from, and run
    /// nothing.
    #[arg(long, value_name = "I")]
    pub show_run: Option<u64>,
}

/// Arguments of `shoplab merge`.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// The folder of a sweep's parts.
    pub dir: PathBuf,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = SummaryFormatArg::Table)]
    pub format: SummaryFormatArg,
}

/// Summary format names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormatArg {
    /// Aligned plain-text tables.
    Table,
    /// One JSON object.
    Json,
    /// A markdown document.
    Markdown,
}

impl From<SummaryFormatArg> for SummaryFormat {
    fn from(f: SummaryFormatArg) -> Self {
        match f {
            SummaryFormatArg::Table => SummaryFormat::Table,
            SummaryFormatArg::Json => SummaryFormat::Json,
            SummaryFormatArg::Markdown => SummaryFormat::Markdown,
        }
    }
}

impl From<SweepError> for Failure {
    fn from(e: SweepError) -> Self {
        match e {
            SweepError::Plan(_) | SweepError::Parts(_) => Failure::BadInput(e.to_string()),
            SweepError::Write { .. } | SweepError::Threads(_) => Failure::Other(e.to_string()),
        }
    }
}

/// Runs `shoplab sweep`.
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let overrides = Overrides {
        replications: args.replications,
        seed: args.seed,
        shoppers: args.shoppers,
        days: args.days,
    };
    let plan = Plan::load(&args.plan, &overrides).map_err(SweepError::from)?;
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    if let Some(i) = args.show_run {
        let run = plan.run(i).ok_or_else(|| {
            Failure::BadInput(format!(
                "--show-run {i}: plan '{}' has runs 0 to {}",
                plan.name,
                plan.runs() - 1
            ))
        })?;
        return print_stdout(&plan.scenario_toml(&run));
    }
    let (shard, source) = shard(args, |name| std::env::var(name).ok())?;
    let dir = match &args.out {
        Some(dir) => dir.clone(),
        None => {
            let dir = default_dir(&plan);
            eprintln!("parts go to {} (choose with --out)", dir.display());
            dir
        }
    };
    // Refused before anything is written: an allocation failure would abort mid-sweep.
    let threads = runs_at_once(&plan, args.threads)?;
    let mut prepared = prepare(&plan, &dir, shard, args.resume)?;
    if let Some(line) = prepared.dropped {
        eprintln!(
            "dropped line {line} of {}: it was cut short when the sweep stopped",
            prepared.writer.path().display()
        );
    }
    let whose = match &source {
        Some(source) => format!("shard {} of {} ({source}): ", shard.index, shard.count),
        None if shard.count > 1 => format!("shard {} of {}: ", shard.index, shard.count),
        None => String::new(),
    };
    let todo = prepared.todo.len();
    eprintln!(
        "{whose}{todo} run{} to do{}, {} thread{}",
        if todo == 1 { "" } else { "s" },
        if prepared.kept > 0 {
            format!(", {} kept from before", prepared.kept)
        } else {
            String::new()
        },
        threads,
        if threads == 1 { "" } else { "s" }
    );
    // A stopped sweep keeps what it finished; say how to go on.
    signals::on_signal(|| {
        eprintln!(
            "shoplab: every finished run is in its part; the same command with --resume continues"
        )
    });
    signals::install().map_err(|e| Failure::Other(format!("cannot watch for signals: {e}")))?;
    let started = Instant::now();
    let bar = progress(&plan.name, todo as u64);
    let writer = &mut prepared.writer;
    execute(&plan, &prepared.todo, threads, |record| {
        writer.append(&record).map_err(|e| SweepError::Write {
            path: writer.path().display().to_string(),
            reason: e.to_string(),
        })?;
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        Ok(())
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    if todo > 0 {
        eprintln!(
            "{whose}ran {todo} run{} in {seconds:.1} s ({:.1} runs a minute) into {}",
            if todo == 1 { "" } else { "s" },
            60.0 * todo as f64 / seconds.max(1e-9),
            prepared.writer.path().display()
        );
    }
    if shard.count > 1 {
        eprintln!(
            "{whose}done; once every shard is, `shoplab merge {}` prints the summary",
            dir.display()
        );
        return Ok(());
    }
    summarise(&dir, args.format)
}

/// Runs `shoplab merge`.
pub fn merge_parts(args: &MergeArgs) -> Result<(), Failure> {
    summarise(&args.dir, args.format)
}

fn summarise(dir: &Path, format: SummaryFormatArg) -> Result<(), Failure> {
    let records = merge(dir).map_err(SweepError::from)?;
    print_stdout(&Summary::new(&records).render(format.into()))
}

/// Runs `shoplab plans`.
pub fn plans() -> Result<(), Failure> {
    let width = PLANS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, _) in PLANS {
        let plan = Plan::load(name, &Overrides::default())
            .map_err(|e| Failure::Other(format!("built-in plan is broken: {e}")))?;
        out += &format!(
            "{name:<width$}  {} runs: {}\n",
            plan.runs(),
            plan.description
        );
    }
    print_stdout(&out)
}

/// How many runs go side by side: `--threads` (capped at the cores) or every core, fewer
/// where memory holds fewer of the plan's largest runs at once, none (exit 2) where it
/// holds not even one.
fn runs_at_once(plan: &Plan, asked: Option<u16>) -> Result<usize, Failure> {
    let threads = match asked {
        Some(t) => crate::cli::threads(usize::from(t)),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let Some(limit) = footprint::limit() else {
        return Ok(threads);
    };
    let (point, need) = plan.largest_run();
    // The program's own share is paid once; each run side by side adds the rest.
    let each = need.total().saturating_sub(need.baseline).max(1);
    let fit = limit.bytes.saturating_sub(need.baseline) / each;
    if fit == 0 {
        let which = if plan.grid.is_empty() {
            String::new()
        } else {
            format!(" of grid point {point} ({})", plan.label(point))
        };
        return Err(Failure::BadInput(format!(
            "{}: a run{which} needs about {} of memory, but {} is available under {}; \
             shrink {}",
            plan.name,
            footprint::bytes(need.total()),
            footprint::bytes(limit.bytes),
            limit.source,
            shrink(&need)
        )));
    }
    if (fit as usize) < threads {
        eprintln!(
            "note: {fit} run{} at a time, not {threads}: each needs about {} and {} is \
             available under {}",
            if fit == 1 { "" } else { "s" },
            footprint::bytes(need.total()),
            footprint::bytes(limit.bytes),
            limit.source
        );
        return Ok(fit as usize);
    }
    Ok(threads)
}

/// The keys that shrink a run, as a plan sets them: `run`'s flags for them are not `sweep`'s
/// (only --shoppers is).
fn shrink(need: &footprint::Footprint) -> String {
    let keys: Vec<String> = need
        .keys_to_shrink()
        .iter()
        .map(|k| {
            k.replace(" (or --true-effect off)", "")
                .replace(" (or --cuped-days 0)", "")
        })
        .collect();
    keys.join(", or ")
}

/// `sweep-aa-audit-1a2b3c4d`: the plan's name (made safe for a folder) and the start of its
/// fingerprint, so other settings get another folder.
fn default_dir(plan: &Plan) -> PathBuf {
    let name = file_name_part(&plan.name);
    PathBuf::from(format!("sweep-{name}-{}", &plan.fingerprint[..8]))
}

/// The shard this process runs and where it came from (`None`: the flags or the whole
/// sweep): the flags, else Slurm's array variables, else a Kubernetes Indexed Job's index
/// with SHOPLAB_SHARD_COUNT. SHOPLAB_SHARD_COUNT also overrides Slurm's count, for
/// reruns of some shards.
fn shard(
    args: &SweepArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Shard, Option<String>), Failure> {
    let number = |name: &str| -> Result<Option<u64>, Failure> {
        env(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| Failure::BadInput(format!("{name}='{v}' must be a whole number")))
            })
            .transpose()
    };
    let (index, from) = match args.shard_index {
        Some(i) => (Some(i), None),
        None => match number("SLURM_ARRAY_TASK_ID")? {
            Some(i) => (Some(i), Some("SLURM_ARRAY_TASK_ID")),
            None => match number("JOB_COMPLETION_INDEX")? {
                Some(i) => (Some(i), Some("JOB_COMPLETION_INDEX")),
                None => (None, None),
            },
        },
    };
    let Some(index) = index else {
        if args.shard_count.is_some() {
            return Err(Failure::BadInput(
                "--shard-count needs --shard-index (or SLURM_ARRAY_TASK_ID, or \
                 JOB_COMPLETION_INDEX)"
                    .into(),
            ));
        }
        return Ok((Shard::WHOLE, None));
    };
    let (count, count_from) = match args.shard_count {
        Some(n) => (Some(n), None),
        None => match number("SHOPLAB_SHARD_COUNT")? {
            Some(n) => (Some(n), Some("SHOPLAB_SHARD_COUNT")),
            None if from == Some("SLURM_ARRAY_TASK_ID") => (
                number("SLURM_ARRAY_TASK_COUNT")?,
                Some("SLURM_ARRAY_TASK_COUNT"),
            ),
            None => (None, None),
        },
    };
    let index_shown = from.map_or_else(
        || format!("--shard-index {index}"),
        |f| format!("{f}={index}"),
    );
    let Some(count) = count else {
        return Err(Failure::BadInput(format!(
            "{index_shown} names a shard but not how many there are: give --shard-count N or \
             SHOPLAB_SHARD_COUNT"
        )));
    };
    let count_shown = count_from.map_or_else(
        || format!("--shard-count {count}"),
        |f| format!("{f}={count}"),
    );
    if count == 0 || index >= count {
        return Err(Failure::BadInput(format!(
            "{index_shown} is not a shard of {count_shown}: the index must be below the count"
        )));
    }
    let source = match (from, count_from) {
        (None, None) => None,
        _ => Some(format!("{index_shown}, {count_shown}")),
    };
    Ok((Shard { index, count }, source))
}

/// A progress bar with the rate and time left, on a terminal only.
fn progress(name: &str, runs: u64) -> Option<indicatif::ProgressBar> {
    (std::io::stderr().is_terminal() && runs > 0).then(|| {
        let bar = indicatif::ProgressBar::new(runs);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} so far, about {eta} to go",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_string());
        bar
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> SweepArgs {
        let mut argv = vec!["shoplab", "sweep", "aa-audit"];
        argv.extend(extra);
        match crate::cli::Cli::parse_from(argv).command {
            Some(crate::cli::Command::Sweep(a)) => a,
            _ => unreachable!(),
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_come_from_flags_then_slurm_then_kubernetes() {
        let whole = shard(&args(&[]), env(&[])).unwrap();
        assert_eq!(whole, (Shard::WHOLE, None));
        let flags = shard(
            &args(&["--shard-index", "2", "--shard-count", "3"]),
            env(&[("SLURM_ARRAY_TASK_ID", "5")]),
        );
        assert_eq!(flags.unwrap().0, Shard { index: 2, count: 3 });
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]);
        let (s, from) = shard(&args(&[]), slurm).unwrap();
        assert_eq!(s, Shard { index: 5, count: 8 });
        assert_eq!(
            from.unwrap(),
            "SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_COUNT=8"
        );
        let rerun = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            ("SHOPLAB_SHARD_COUNT", "32"),
        ]);
        assert_eq!(
            shard(&args(&[]), rerun).unwrap().0,
            Shard {
                index: 5,
                count: 32
            }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "3"), ("SHOPLAB_SHARD_COUNT", "4")]);
        assert_eq!(
            shard(&args(&[]), k8s).unwrap().0,
            Shard { index: 3, count: 4 }
        );
    }

    #[test]
    fn a_shard_without_a_count_or_outside_it_is_refused() {
        let message = |r: Result<(Shard, Option<String>), Failure>| match r {
            Err(Failure::BadInput(m)) => m,
            other => panic!("{other:?}"),
        };
        let m = message(shard(&args(&[]), env(&[("JOB_COMPLETION_INDEX", "3")])));
        assert!(
            m.contains("JOB_COMPLETION_INDEX=3") && m.contains("SHOPLAB_SHARD_COUNT"),
            "{m}"
        );
        let m = message(shard(
            &args(&["--shard-index", "4", "--shard-count", "4"]),
            env(&[]),
        ));
        assert!(
            m.contains("--shard-index 4 is not a shard of --shard-count 4"),
            "{m}"
        );
        let m = message(shard(&args(&["--shard-count", "4"]), env(&[])));
        assert!(m.contains("--shard-count needs --shard-index"), "{m}");
        let m = message(shard(&args(&[]), env(&[("SLURM_ARRAY_TASK_ID", "x")])));
        assert!(m.contains("SLURM_ARRAY_TASK_ID='x'"), "{m}");
    }
}
