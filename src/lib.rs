//! # shoplab
//!
//! A lab for e-commerce personalization experiments on synthetic shoppers. A world of
//! shoppers with hidden tastes, price sensitivity and habits meets pluggable strategies
//! (recommenders, pricing, retention, email timing); the lab runs them as arms of an
//! experiment and reports conversion, AOV, CLV and more per arm.
//!
//! ```
//! use shoplab::{Engine, Scenario};
//!
//! let mut scenario = Scenario::load("default").unwrap();
//! scenario.shoppers = 2_000;
//! scenario.days = 7;
//! let mut engine = Engine::new(scenario);
//! engine.run(|_| {});
//! let snapshot = engine.snapshot();
//! assert_eq!(snapshot.day, 7);
//! assert!(snapshot.arms[0].counts.visits > 0);
//! ```
//!
//! The modules are layered, each importing only those below it: `rng`, `stats` and
//! `format` at the bottom, then `world`, `metrics`, `strategy`, `scenario`, `experiment`,
//! `roi`, `report` and `tui` (docs/ARCHITECTURE.md §1).
//!
//! Cargo features: `tui` (on by default) adds the live dashboard and its terminal crates;
//! `cli` (on by default) the `shoplab` binary's parser and progress bar. Without both
//! (`--no-default-features`) the crate is the simulation core and its reports.

pub mod columns;
pub mod experiment;
#[cfg(feature = "export")]
pub mod export;
pub mod footprint;
pub mod format;
pub mod metrics;
pub mod output;
pub mod report;
pub mod rng;
pub mod roi;
pub mod scenario;
pub mod signals;
pub mod stats;
pub mod strategy;
#[cfg(feature = "tui")]
pub mod tui;
pub mod world;

pub use experiment::{Engine, Snapshot};
pub use scenario::{Scenario, ScenarioError};
