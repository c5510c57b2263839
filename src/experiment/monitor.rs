//! Daily monitoring of the primary metric (conversion per visit): the naive p-value a
//! person gets by looking every day, beside the always-valid mSPRT p-value that stays valid
//! however often one looks.

use serde::Serialize;

use crate::stats::{tau_sq_for_mde, Comparison, SequentialPath};

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
    /// Looks at the comparison of the data after `day` (`None` while there is too little
    /// data to compare). The mixture variance is fixed at the first look with data, from
    /// `mde` relative to the control rate then.
    pub fn look(&mut self, day: u32, comparison: Option<&Comparison>, alpha: f64, mde: f64) {
        let mut look = Look {
            day,
            naive_p: None,
            sequential_p: None,
        };
        if let Some(c) = comparison {
            look.naive_p = Some(c.p_value);
            if self.path.is_none() {
                self.path = tau_sq_for_mde(mde * c.control, alpha, 0.8)
                    .ok()
                    .and_then(|t| SequentialPath::new(t, alpha).ok());
            }
            if let Some(path) = &mut self.path {
                look.sequential_p = path.push(c.diff, c.diff_se * c.diff_se).ok();
            }
        }
        self.looks.push(look);
    }

    /// Every look so far.
    pub fn looks(&self) -> &[Look] {
        &self.looks
    }
}
