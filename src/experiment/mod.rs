//! Experiments: assignment of shoppers to arms and the parallel engine that runs them.

pub mod analysis;
mod assignment;
mod engine;
mod snapshot;

pub use assignment::{assign, bucket, BUCKETS};
pub use engine::Engine;
pub use snapshot::{ArmSnapshot, Snapshot};
