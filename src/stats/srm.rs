//! Sample-ratio mismatch (SRM): did the arms receive the traffic shares they were configured
//! with?

use super::error::{StatsError, StatsResult};
use super::special::chi2_sf;
use serde::{Deserialize, Serialize};

/// p-value below which a sample-ratio mismatch is flagged. Deliberately strict: SRM checks run
/// on every experiment, and a real assignment bug produces p-values far below this.
pub const SRM_THRESHOLD: f64 = 0.001;

/// Outcome of an SRM check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SrmResult {
    /// Pearson chi-square statistic Σ (O − E)² / E.
    pub statistic: f64,
    /// Degrees of freedom: number of arms − 1.
    pub df: u64,
    /// Upper-tail chi-square p-value.
    pub p_value: f64,
    /// `p_value < SRM_THRESHOLD`: the split is very unlikely under the configured weights.
    pub flagged: bool,
}

/// Chi-square goodness-of-fit test of the observed units per arm against expected traffic
/// weights (any positive scale; they are normalised to sum to 1).
///
/// `E_i = N·w_i / Σw`, `χ² = Σ (O_i − E_i)² / E_i` on `k − 1` degrees of freedom. Matches
/// `scipy.stats.chisquare(observed, f_exp)`.
///
/// Errors: fewer than 2 arms, mismatched lengths, or a weight that is not finite and positive
/// → `InvalidInput`; no units at all → `NotEnoughData`.
pub fn srm_check(observed: &[u64], expected_weights: &[f64]) -> StatsResult<SrmResult> {
    if observed.len() != expected_weights.len() {
        return Err(StatsError::InvalidInput(format!(
            "{} observed counts but {} weights",
            observed.len(),
            expected_weights.len()
        )));
    }
    if observed.len() < 2 {
        return Err(StatsError::InvalidInput(
            "an SRM check needs at least 2 arms".into(),
        ));
    }
    if let Some(w) = expected_weights
        .iter()
        .find(|w| !(w.is_finite() && **w > 0.0))
    {
        return Err(StatsError::InvalidInput(format!(
            "traffic weights must be finite and positive, got {w}"
        )));
    }
    let total: f64 = observed.iter().map(|&o| o as f64).sum();
    if total == 0.0 {
        return Err(StatsError::NotEnoughData("no units were assigned".into()));
    }
    let weight_sum: f64 = expected_weights.iter().sum();
    let statistic: f64 = observed
        .iter()
        .zip(expected_weights)
        .map(|(&o, &w)| {
            let e = total * w / weight_sum;
            (o as f64 - e).powi(2) / e
        })
        .sum();
    let df = observed.len() as u64 - 1;
    let p_value = chi2_sf(statistic, df as f64);
    Ok(SrmResult {
        statistic,
        df,
        p_value,
        flagged: p_value < SRM_THRESHOLD,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn matches_scipy_chisquare() {
        // scipy.stats.chisquare([5000, 5150, 4850]) → (9.0, 0.011108996538242308)
        let r = srm_check(&[5000, 5150, 4850], &[1.0, 1.0, 1.0]).unwrap();
        assert_relative_eq!(r.statistic, 9.0, max_relative = 1e-12);
        assert_eq!(r.df, 2);
        assert_relative_eq!(r.p_value, 0.011108996538242308, max_relative = 1e-10);
        assert!(!r.flagged);
        // scipy.stats.chisquare([10230, 4950, 4820], [0.5, 0.25, 0.25]·20000) → (12.27, 0.0021657…)
        let r = srm_check(&[10230, 4950, 4820], &[50.0, 25.0, 25.0]).unwrap();
        assert_relative_eq!(r.statistic, 12.27, max_relative = 1e-12);
        assert_relative_eq!(r.p_value, 0.002165725217884748, max_relative = 1e-10);
        // scipy.stats.chisquare([5000, 5400], [5200, 5200]) → (15.3846…, 8.769942375590228e-05)
        let r = srm_check(&[5000, 5400], &[0.5, 0.5]).unwrap();
        assert_relative_eq!(r.statistic, 15.384615384615385, max_relative = 1e-12);
        assert_relative_eq!(r.p_value, 8.769942375590228e-05, max_relative = 1e-10);
        assert!(r.flagged);
    }

    #[test]
    fn edge_cases() {
        let inv = |r: StatsResult<SrmResult>| matches!(r, Err(StatsError::InvalidInput(_)));
        assert!(inv(srm_check(&[10], &[1.0])));
        assert!(inv(srm_check(&[10, 10], &[1.0])));
        assert!(inv(srm_check(&[10, 10], &[1.0, 0.0])));
        assert!(inv(srm_check(&[10, 10], &[1.0, f64::NAN])));
        assert!(matches!(
            srm_check(&[0, 0], &[1.0, 1.0]),
            Err(StatsError::NotEnoughData(_))
        ));
        let r = srm_check(&[0, 7], &[1.0, 1.0]).unwrap();
        assert!(r.p_value > 0.0 && r.p_value < 0.05);
        let perfect = srm_check(&[100, 100], &[1.0, 1.0]).unwrap();
        assert_eq!((perfect.statistic, perfect.p_value), (0.0, 1.0));
    }

    proptest! {
        #[test]
        fn p_value_in_unit_interval(
            obs in prop::collection::vec(0u64..100_000, 2..8),
            w in prop::collection::vec(0.01..10.0f64, 8),
        ) {
            if let Ok(r) = srm_check(&obs, &w[..obs.len()]) {
                prop_assert!((0.0..=1.0).contains(&r.p_value));
                prop_assert!(r.statistic >= 0.0);
            }
        }
    }
}
