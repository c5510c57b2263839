//! The error type shared by every statistic in this module.

use thiserror::Error;

/// Why a statistic could not be computed.
///
/// Functions in this module never return NaN and never panic on bad input; they return one of
/// these variants instead. The message says which input was at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatsError {
    /// The inputs are valid but carry too little information for the requested statistic
    /// (an arm without traffic, fewer than two units, a control value of zero for a relative
    /// lift, zero variance where a variance must be divided by, ...).
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// The inputs are outside the domain of the statistic (negative counts, successes above
    /// trials, alpha outside (0, 1), non-finite numbers, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Result alias used throughout the statistics module.
pub type StatsResult<T> = Result<T, StatsError>;

/// Checks that `x` is finite, naming it in the error otherwise.
pub(super) fn finite(name: &str, x: f64) -> StatsResult<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(StatsError::InvalidInput(format!(
            "{name} must be finite, got {x}"
        )))
    }
}

/// Checks a significance level (also used for `1 - power`): it must lie strictly in (0, 1).
pub(super) fn probability_open(name: &str, x: f64) -> StatsResult<f64> {
    if x.is_finite() && x > 0.0 && x < 1.0 {
        Ok(x)
    } else {
        Err(StatsError::InvalidInput(format!(
            "{name} must lie strictly between 0 and 1, got {x}"
        )))
    }
}
