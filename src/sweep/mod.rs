//! Sweeps: many runs of a scenario (replications, and a grid over its keys), run on the
//! local cores or split into shards across a cluster, and summarised as a design audit.
//!
//! - A [`Plan`] (TOML, built-in or a file) names a base scenario, replications, a seed,
//!   fixed overrides and a grid; run `i` is grid point `i / replications`, replication
//!   `i % replications`, with the seed [`run_seed`]`(plan seed, i)`.
//! - [`prepare`] checks an output folder and lists the runs a shard still has to do;
//!   [`execute`] runs them in parallel and hands each [`RunRecord`] over as it ends, to be
//!   appended to the shard's part (`part-I.jsonl`, one JSON line per run).
//! - [`merge`] reads a folder's parts back, complete and of one plan, and [`Summary`]
//!   turns the records into rejection rates, coverage, bias and spread per grid point,
//!   comparison and metric.
//!
//! The summary is computed from the records alone, so a sweep split N ways and merged
//! prints the same bytes as the sweep on one machine.

mod execute;
mod keys;
mod overrides;
mod parts;
mod plan;
mod record;
mod render;
mod summary;

use std::path::Path;

pub use execute::{execute, run_one};
pub use keys::Key;
pub use parts::{part_path, read_parts, Part, PartWriter, PartsError};
pub use plan::{run_seed, Overrides, Plan, PlanError, Point, Run, MAX_POINTS, MAX_RUNS, PLANS};
pub use record::{ComparisonRecord, PeekRecord, RunRecord, Setting};
pub use render::SummaryFormat;
pub use summary::{
    ComparisonSummary, Mean, PeekSummary, PointSummary, Rate, Summary, Truth, LEVEL,
};

/// Why a sweep or a merge stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The plan is invalid.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The output folder or its parts do not fit the sweep.
    #[error(transparent)]
    Parts(#[from] PartsError),
    /// A part could not be written.
    #[error("{path}: cannot write: {reason}")]
    Write {
        /// The part.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

/// Which runs one process does: those whose index is ≡ `index` (mod `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl Shard {
    /// The whole sweep in one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Whether run `index` belongs to this shard.
    pub fn holds(&self, run: u64) -> bool {
        run % self.count == self.index
    }
}

/// A shard's work in an output folder.
#[derive(Debug)]
pub struct Prepared {
    /// Runs still to do, by index.
    pub todo: Vec<Run>,
    /// Runs of the shard the folder already holds (kept by `--resume`).
    pub kept: u64,
    /// The line of the shard's part that was cut off by a kill and dropped, if any.
    pub dropped: Option<usize>,
    /// The shard's part, open for appending.
    pub writer: PartWriter,
}

/// Checks `dir` for a sweep of `plan`'s `shard` and opens the shard's part. The folder may
/// hold other shards' parts of the same plan, never another plan's. Without `resume` it
/// may hold none of this shard's runs; with `resume` those runs are kept and skipped, and a
/// line the shard's part was cut off in is dropped.
pub fn prepare(
    plan: &Plan,
    dir: &Path,
    shard: Shard,
    resume: bool,
) -> Result<Prepared, SweepError> {
    let shown = dir.display().to_string();
    let refuse = |problem: String| PartsError {
        dir: shown.clone(),
        problems: vec![problem],
    };
    std::fs::create_dir_all(dir).map_err(|e| refuse(format!("cannot create the folder: {e}")))?;
    let parts = read_parts(dir)?;
    let foreign: Vec<String> = parts::plans(&parts)
        .into_iter()
        .filter(|((_, fp), _)| *fp != plan.fingerprint)
        .map(|((name, fp), files)| format!("'{name}' (fingerprint {fp}) in {}", files.join(", ")))
        .collect();
    if !foreign.is_empty() {
        return Err(refuse(format!(
            "holds runs of another plan or of other settings: {}; this sweep is '{}' \
             (fingerprint {}). Use another --out, or the same plan, --replications, \
             --shoppers, --days, --seed and shoplab version",
            foreign.join("; "),
            plan.name,
            plan.fingerprint
        ))
        .into());
    }
    let own = parts.iter().find(|p| p.shard == shard.index);
    let held = parts::locations(&parts);
    let mine = held.keys().filter(|&&run| shard.holds(run)).count() as u64;
    if !resume {
        let path = part_path(dir, shard.index);
        if let Some(part) = own.filter(|p| !p.records.is_empty() || p.cut.is_some()) {
            return Err(refuse(format!(
                "{} already holds {} run{} of this sweep: add --resume to keep {} and run \
                 the rest, or use an empty folder",
                path.display(),
                part.records.len(),
                if part.records.len() == 1 { "" } else { "s" },
                if part.records.len() == 1 {
                    "it"
                } else {
                    "them"
                },
            ))
            .into());
        }
        if mine > 0 {
            return Err(refuse(format!(
                "other parts already hold {mine} of this shard's runs: add --resume to keep \
                 them, or use an empty folder"
            ))
            .into());
        }
    }
    let todo = (shard.index..plan.runs())
        .step_by(shard.count as usize)
        .filter(|run| !held.contains_key(run))
        .filter_map(|run| plan.run(run))
        .collect();
    let cut = own.and_then(|p| p.cut);
    let path = part_path(dir, shard.index);
    let writer = PartWriter::open(&path, cut.map(|c| c.offset))
        .map_err(|e| refuse(format!("cannot write {}: {e}", path.display())))?;
    Ok(Prepared {
        todo,
        kept: mine,
        dropped: cut.map(|c| c.line),
        writer,
    })
}

/// The records of a folder of parts, in run order, once they are complete: every run of
/// one plan exactly once, and no line cut short. Otherwise every problem at once.
pub fn merge(dir: &Path) -> Result<Vec<RunRecord>, PartsError> {
    let parts = read_parts(dir)?;
    let shown = dir.display().to_string();
    if parts.is_empty() {
        return Err(PartsError {
            dir: shown,
            problems: vec![
                "no parts (part-I.jsonl) here: is this the --out folder of a sweep?".into(),
            ],
        });
    }
    let mut problems = Vec::new();
    for part in &parts {
        if let Some(cut) = part.cut {
            problems.push(format!(
                "{}: line {} is cut short (its shard was stopped while writing); run that \
                 shard again with --resume",
                part.file_name(),
                cut.line
            ));
        }
    }
    let plans = parts::plans(&parts);
    if plans.len() > 1 {
        let list: Vec<String> = plans
            .iter()
            .map(|((name, fp), files)| {
                format!("'{name}' (fingerprint {fp}) in {}", files.join(", "))
            })
            .collect();
        problems.push(format!(
            "holds runs of {} plans: {}",
            plans.len(),
            list.join("; ")
        ));
        return Err(PartsError {
            dir: shown,
            problems,
        });
    }
    let held = parts::locations(&parts);
    let total = parts
        .iter()
        .flat_map(|p| &p.records)
        .map(|(_, r)| r.runs)
        .next()
        .unwrap_or(0);
    let twice: Vec<String> = held
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(run, at)| {
            let places: Vec<String> = at.iter().map(|(f, l)| format!("{f} line {l}")).collect();
            format!("{run} ({})", places.join(", "))
        })
        .collect();
    if !twice.is_empty() {
        problems.push(format!(
            "{} run{} recorded more than once: {}",
            twice.len(),
            if twice.len() == 1 { " is" } else { "s are" },
            abbreviated(&twice)
        ));
    }
    let missing: Vec<String> = (0..total)
        .filter(|run| !held.contains_key(run))
        .map(|run| run.to_string())
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{} of {total} runs are missing: {} (run their shards, with --resume where a part \
             exists)",
            missing.len(),
            abbreviated(&missing)
        ));
    }
    if !problems.is_empty() {
        return Err(PartsError {
            dir: shown,
            problems,
        });
    }
    let mut records: Vec<RunRecord> = parts
        .into_iter()
        .flat_map(|p| p.records.into_iter().map(|(_, r)| r))
        .collect();
    records.sort_by_key(|r| r.run);
    Ok(records)
}

/// The first ten items, then how many more.
fn abbreviated(items: &[String]) -> String {
    let shown = items
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len() {
        n if n > 10 => format!("{shown} and {} more", n - 10),
        _ => shown,
    }
}
