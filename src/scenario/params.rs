//! The parameter tables of a scenario file about the business: what the sample stands for
//! and what the arms cost. (The world's own tables, behaviour, catalog and segments, are
//! defined by the world, in `world::params`.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The business the sample stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusinessParams {
    /// Visitors per year that the simulated population is scaled to.
    pub annual_visitors: f64,
    /// Currency code shown beside money.
    pub currency: String,
    /// Months to project costs and profit over.
    pub projection_months: i64,
    /// Months each arm's customer lifetime value is projected over (and, with
    /// `experiment.clv_check`, checked over).
    pub clv_months: i64,
    /// Yearly discount rate for net present value.
    pub discount_rate: f64,
}

impl Default for BusinessParams {
    fn default() -> Self {
        Self {
            annual_visitors: 1_000_000.0,
            currency: "USD".into(),
            projection_months: 36,
            clv_months: 12,
            discount_rate: 0.08,
        }
    }
}

/// A cost: one amount, or a `[low, high]` range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Money {
    /// A single amount.
    Fixed(f64),
    /// A range of plausible amounts.
    Range([f64; 2]),
}

impl Default for Money {
    fn default() -> Self {
        Money::Fixed(0.0)
    }
}

impl Money {
    /// (low, mid, high) of the amount.
    pub fn low_mid_high(self) -> (f64, f64, f64) {
        match self {
            Money::Fixed(x) => (x, x, x),
            Money::Range([a, b]) => (a, (a + b) / 2.0, b),
        }
    }
}

/// What one arm costs to run, beyond its messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArmCosts {
    /// One-off custom development.
    pub development: Money,
    /// One-off data infrastructure.
    pub data_infrastructure: Money,
    /// One-off integration and testing.
    pub integration: Money,
    /// Annual licence.
    pub licence_annual: Money,
    /// Monthly hosting.
    pub hosting_monthly: Money,
    /// Monthly API usage.
    pub api_monthly: Money,
    /// Monthly maintenance.
    pub maintenance_monthly: Money,
    /// Annual staff training.
    pub training_annual: Money,
}

/// Costs of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostParams {
    /// Cost of one email.
    pub per_email: f64,
    /// Cost of one SMS.
    pub per_sms: f64,
    /// Running costs per arm, keyed by arm name.
    pub arms: BTreeMap<String, ArmCosts>,
}

impl Default for CostParams {
    fn default() -> Self {
        Self {
            per_email: 0.002,
            per_sms: 0.01,
            arms: BTreeMap::new(),
        }
    }
}
