//! Snapshots: what the engine reports after each simulated day, for every front end.

use serde::Serialize;

use super::clv::ArmClv;
use super::monitor::Look;
use crate::metrics::{Metrics, ShopperMoments};
use crate::world::Counts;

/// One copy of an arm's strategies and the shoppers it learned from, when an arm has
/// several (`experiment.replicates`): the unit of the replicate analysis.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaSnapshot {
    /// The copy's shoppers' totals.
    pub counts: Counts,
    /// The copy's shoppers' moments.
    pub moments: ShopperMoments,
}

/// An arm's outcome on the whole population: one of the two truths its estimate is
/// compared with.
#[derive(Debug, Clone, Serialize)]
pub struct ArmTruth {
    /// Totals.
    pub counts: Counts,
    /// Per-shopper moments.
    pub moments: ShopperMoments,
    /// Metrics.
    pub metrics: Metrics,
}

/// The state of one arm after some days.
#[derive(Debug, Clone, Serialize)]
pub struct ArmSnapshot {
    /// Arm name.
    pub name: String,
    /// Strategy labels: recommender, pricing, retention, email.
    pub strategies: [String; 4],
    /// Traffic share (the planned one; adaptive allocation changes the realised one).
    pub traffic: f64,
    /// Index of the arm it is compared with (its own index for the control).
    pub baseline: usize,
    /// Totals so far.
    pub counts: Counts,
    /// Per-shopper moments so far.
    pub moments: ShopperMoments,
    /// Derived metrics so far.
    pub metrics: Metrics,
    /// Counts of each simulated day.
    pub daily: Vec<Counts>,
    /// What the strategies have learned, a few lines each.
    pub insights: Vec<String>,
    /// The in-experiment truth: every shopper served by the arm's strategies as trained in
    /// the experiment (where the true effect is computed).
    pub truth: Option<ArmTruth>,
    /// The rollout truth: the arm deployed to every shopper and learning from all of them.
    pub rollout: Option<ArmTruth>,
    /// Per copy of the strategies, with more than one copy.
    pub replicas: Vec<ReplicaSnapshot>,
    /// Daily looks against the control (empty for the control).
    pub looks: Vec<Look>,
    /// AUC of the retention strategy's risk scores against the shoppers who actually lapsed,
    /// where the strategy scores risk.
    pub churn_model_auc: Option<f64>,
    /// The projected customer lifetime value, in the snapshot taken at the horizon.
    pub clv: Option<ArmClv>,
}

impl ArmSnapshot {
    /// An arm known only by its totals: no days, looks, truths, copies or CLV. What an
    /// analysis of a slice of the shoppers, or a hand-built test, starts from.
    pub fn from_totals(
        name: String,
        traffic: f64,
        baseline: usize,
        counts: Counts,
        moments: ShopperMoments,
    ) -> Self {
        ArmSnapshot {
            name,
            strategies: Default::default(),
            traffic,
            baseline,
            counts,
            moments,
            metrics: Metrics::from(&counts, &moments),
            daily: Vec::new(),
            insights: Vec::new(),
            truth: None,
            rollout: None,
            replicas: Vec::new(),
            looks: Vec::new(),
            churn_model_auc: None,
            clv: None,
        }
    }
}

/// The whole experiment after `day` simulated days.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Scenario name.
    pub scenario: String,
    /// Days simulated so far.
    pub day: u32,
    /// Days in the horizon.
    pub days: u32,
    /// Arms, control first.
    pub arms: Vec<ArmSnapshot>,
    /// Traffic shares used each day, under adaptive allocation.
    pub allocation: Vec<Vec<f64>>,
}

impl Snapshot {
    /// Whether the horizon is reached.
    pub fn finished(&self) -> bool {
        self.day >= self.days
    }
}
