//! Daily monitoring of the primary metric (conversion per visit): the naive p-value a
//! person gets by looking every day, beside the always-valid mSPRT p-value that stays valid
//! however often one looks.

use serde::Serialize;

use crate::metrics::ShopperMoments;
use crate::stats::{ratio_comparison, tau_sq_for_mde, SequentialPath};

/// One day's look at an arm against the control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Look {
    /// Day of the look (after that day's traffic).
    pub day: u32,
    /// Fixed-horizon p-value, as if this were the planned end.
    pub naive_p: Option<f64>,
    /// Always-valid p-value (running minimum of the mSPRT p-values).
    pub sequential_p: Option<f64>,
}

/// The looks of one arm against the control.
#[derive(Debug, Clone, Default)]
pub struct ArmMonitor {
    path: Option<SequentialPath>,
    looks: Vec<Look>,
}

impl ArmMonitor {
    /// Looks at the data after `day`. The mixture variance is fixed at the first look with
    /// data, from `mde` relative to the control rate then.
    pub fn look(
        &mut self,
        day: u32,
        control: &ShopperMoments,
        arm: &ShopperMoments,
        alpha: f64,
        mde: f64,
    ) {
        let mut look = Look {
            day,
            naive_p: None,
            sequential_p: None,
        };
        if let Ok(c) = ratio_comparison(&control.conversion, &arm.conversion, alpha) {
            look.naive_p = Some(c.p_value);
            let z = crate::stats::z_critical(alpha);
            let se = (c.diff_ci.1 - c.diff_ci.0) / (2.0 * z);
            if self.path.is_none() {
                self.path = tau_sq_for_mde(mde * c.control, alpha, 0.8)
                    .ok()
                    .and_then(|t| SequentialPath::new(t, alpha).ok());
            }
            if let Some(path) = &mut self.path {
                look.sequential_p = path.push(c.diff, se * se).ok();
            }
        }
        self.looks.push(look);
    }

    /// Every look so far.
    pub fn looks(&self) -> &[Look] {
        &self.looks
    }
}
