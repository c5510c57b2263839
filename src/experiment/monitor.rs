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

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(control: f64, diff: f64, diff_se: f64, p_value: f64) -> Comparison {
        Comparison {
            control,
            treatment: control + diff,
            diff,
            diff_ci: (diff - 2.0 * diff_se, diff + 2.0 * diff_se),
            diff_se,
            lift: diff / control,
            lift_corrected: diff / control,
            ci_low: (diff - 2.0 * diff_se) / control,
            ci_high: (diff + 2.0 * diff_se) / control,
            p_value,
            statistic: diff / diff_se,
            df: None,
        }
    }

    #[test]
    fn the_mixture_is_set_once_from_the_mde_relative_to_the_control_then() {
        let (alpha, mde) = (0.05, 0.1);
        let days = [
            None,
            Some(comparison(0.03, 0.004, 0.003, 0.18)),
            Some(comparison(0.05, 0.006, 0.002, 0.003)),
            Some(comparison(0.04, 0.001, 0.0015, 0.5)),
        ];
        let mut monitor = ArmMonitor::default();
        for (day, c) in days.iter().enumerate() {
            monitor.look(day as u32, c.as_ref(), alpha, mde);
        }
        // The control rate on the first day with data (3%) fixes the mixture: an MDE of
        // 10% of it, at 80% power; later control rates do not move it.
        let tau = tau_sq_for_mde(mde * 0.03, alpha, 0.8).unwrap();
        let mut path = SequentialPath::new(tau, alpha).unwrap();
        let want: Vec<Look> = days
            .iter()
            .enumerate()
            .map(|(day, c)| Look {
                day: day as u32,
                naive_p: c.map(|c| c.p_value),
                sequential_p: c.map(|c| path.push(c.diff, c.diff_se * c.diff_se).unwrap()),
            })
            .collect();
        assert_eq!(monitor.looks(), want);
        assert!(want[2].sequential_p.unwrap() < want[1].sequential_p.unwrap());
        assert_eq!(
            want[3].sequential_p, want[2].sequential_p,
            "a running minimum"
        );
    }
}
