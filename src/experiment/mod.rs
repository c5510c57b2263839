//! Experiments: assignment of shoppers to arms and the parallel engine that runs them.

pub mod allocation;
pub mod analysis;
mod assignment;
pub mod clv;
mod cohort;
pub mod daily;
mod engine;
pub mod monitor;
mod snapshot;

pub use assignment::{assign, bucket, replica, BUCKETS};
pub use engine::Engine;
pub use snapshot::{ArmSnapshot, ArmTruth, ReplicaSnapshot, Snapshot};
