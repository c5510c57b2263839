//! Data out: a run's results as Parquet tables for pandas, polars, DuckDB or Spark, each
//! column documented in docs/DATA.md.
//!
//! | table | a row per |
//! |---|---|
//! | `arms` | arm × compared metric: value, lift, interval, p-values, truths (the tidy CSV) |
//! | `days` | arm × day: the day's counts, cumulative metrics, the lift and p-value paths |
//! | `segments` | observable segment × arm × compared metric (dimension slicing) |
//! | `shoppers` | shopper: arm, segment, sign-up, visits, orders, money, lapsed or not |
//! | `products` | product: category, brand, list price, unit cost, launch day |
//! | `transactions` | order: shopper, arm, day, value, margin |
//! | `events` | impression (with [`Options::events`]): outcome, propensity, true click probability |
//!
//! The transaction and event logs stream to disk while the run goes, a row group at a time;
//! the other tables are written at the end. Every table is written under a temporary name
//! and renamed into place when the run has succeeded. [`Export::run`] does a whole run;
//! [`Export::step`] and [`Export::finish`] let a caller drive the days itself.
//!
//! ```no_run
//! use shoplab::export::{Export, Options};
//! use shoplab::{Engine, Scenario};
//!
//! let scenario = Scenario::load("default").unwrap();
//! let export = Export::create("out".as_ref(), &scenario, Options { events: true })?;
//! let mut engine = Engine::new(scenario);
//! let (snapshot, tables) = export.run(&mut engine, |_| {})?;
//! assert_eq!(tables.len(), 7);
//! # Ok::<(), shoplab::export::ExportError>(())
//! ```

mod days;
mod log;
mod parquet;
mod segments;
mod shoppers;

use std::io;
use std::path::{Path, PathBuf};

use ::parquet::errors::ParquetError;

use crate::experiment::daily::DayRecord;
use crate::experiment::{Engine, Snapshot};
use crate::output::{self, OutputError};
use crate::report::tidy::{arm_rows, ArmRow};
use crate::report::Report;
use crate::scenario::Scenario;

pub use log::{EventRow, TransactionRow};
pub use segments::{SegmentKey, SegmentRow};
pub use shoppers::{ProductRow, ShopperRow};

use self::parquet::Table;

/// What to export beyond the tables every export writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also write `events`: every impression of the run (large: about ten rows a visit).
    pub events: bool,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The folder is not one (a file), or cannot be created or written to: bad input,
    /// found before the run.
    #[error(transparent)]
    Refused(#[from] OutputError),
    /// A table's file cannot be created in the folder.
    #[error("{path}: cannot write tables there: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Writing a table failed (a full disk, say).
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The table's file.
        path: String,
        /// Why.
        source: ParquetError,
    },
}

impl ExportError {
    /// Whether the fault is in what the user asked for (exit status 2) rather than in
    /// writing (exit status 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            ExportError::Refused(e) => e.is_bad_input(),
            ExportError::Folder { .. } => true,
            ExportError::Write { .. } => false,
        }
    }

    fn folder(path: &Path, source: io::Error) -> Self {
        ExportError::Folder {
            path: path.display().to_string(),
            source,
        }
    }

    fn write(path: &Path, source: ParquetError) -> Self {
        ExportError::Write {
            path: path.display().to_string(),
            source,
        }
    }
}

/// An export in progress: the logs streaming to disk and the days recorded so far.
pub struct Export {
    dir: PathBuf,
    alpha: f64,
    metadata: Vec<(&'static str, String)>,
    log: log::Log,
    days: Vec<DayRecord>,
}

impl Export {
    /// Creates the folder `dir` if need be and opens the transaction (and event) logs of a
    /// run of `scenario`. Fails before any simulation if the folder cannot take the tables.
    pub fn create(dir: &Path, scenario: &Scenario, options: Options) -> Result<Self, ExportError> {
        output::prepare_folder(dir)?;
        let metadata = vec![
            ("shoplab.version", env!("CARGO_PKG_VERSION").to_string()),
            ("shoplab.scenario", scenario.name.clone()),
            ("shoplab.seed", scenario.seed.to_string()),
            ("shoplab.shoppers", scenario.shoppers.to_string()),
            ("shoplab.days", scenario.days.to_string()),
        ];
        let arms = scenario
            .arms
            .iter()
            .map(|a| a.name.as_str().into())
            .collect();
        let log = log::Log::create(dir, arms, options, &metadata)?;
        Ok(Export {
            dir: dir.to_path_buf(),
            alpha: scenario.experiment.alpha,
            metadata,
            log,
            days: Vec::new(),
        })
    }

    /// Simulates one day of `engine`, writing its orders (and impressions) to the logs and
    /// recording every arm's metrics and comparison after the day.
    pub fn step(&mut self, engine: &mut Engine) -> Result<(), ExportError> {
        if engine.finished() {
            return Ok(());
        }
        engine.step_recording(&mut self.log);
        self.log.end_of_day()?;
        self.days
            .push(DayRecord::of(&engine.snapshot(), self.alpha));
        Ok(())
    }

    /// Runs `engine` to the end of its horizon, calling `on_day` after each day, then
    /// writes every table: the whole export of a run in one call (as a sweep makes one per
    /// run). Returns the last snapshot and the tables' paths.
    pub fn run(
        mut self,
        engine: &mut Engine,
        mut on_day: impl FnMut(&Engine),
    ) -> Result<(Snapshot, Vec<PathBuf>), ExportError> {
        while !engine.finished() {
            self.step(engine)?;
            on_day(engine);
        }
        let snapshot = engine.snapshot();
        let tables = self.finish(engine, &snapshot)?;
        Ok((snapshot, tables))
    }

    /// Writes the tables of the finished run (`snapshot` is its last) and moves every
    /// table into place; returns their paths.
    pub fn finish(self, engine: &Engine, snapshot: &Snapshot) -> Result<Vec<PathBuf>, ExportError> {
        let Export {
            dir,
            alpha,
            metadata,
            log,
            days,
        } = self;
        let report = Report::new(engine.scenario(), snapshot);
        let mut arms = Table::of::<ArmRow>(&dir, "arms", &metadata)?;
        for row in arm_rows(&report) {
            arms.push(&row)?;
        }
        let mut tables = vec![
            arms,
            days::write(&dir, &metadata, engine.scenario(), &days)?,
            segments::write(&dir, &metadata, engine, snapshot, alpha)?,
            shoppers::write(&dir, &metadata, engine)?,
            shoppers::write_products(&dir, &metadata, engine)?,
        ];
        tables.extend(log.into_tables());
        tables.into_iter().map(Table::finish).collect()
    }
}
