//! One customer's history in the summary form the CLV models read.

use crate::stats::error::{StatsError, StatsResult};

/// A customer's purchase history summarised as the BG/NBD and Gamma-Gamma models need it.
///
/// Time starts at the customer's **first** purchase and is counted in the caller's unit
/// (days, weeks, …); every duration given to or returned by the CLV models uses that same
/// unit. The first purchase is not a "transaction" in the models' sense:
///
/// * `frequency` (x): the number of repeat purchases, i.e. purchases after the first;
/// * `recency` (t_x): the time of the last repeat purchase (0 when there is none);
/// * `age` (T): the time from the first purchase to the end of observation;
/// * `mean_value` (z̄): the mean value (revenue or margin, as the caller chooses) of the
///   repeat purchases; ignored when `frequency` is 0.
///
/// This is the layout of Fader & Hardie's CDNOW summary and of the `lifetimes` package.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerSummary {
    frequency: u32,
    recency: f64,
    age: f64,
    mean_value: f64,
}

impl CustomerSummary {
    /// Checks and bundles a summary: `age` finite and ≥ 0, `recency` in `[0, age]` and 0 when
    /// `frequency` is 0, `mean_value` finite and ≥ 0.
    pub fn new(frequency: u32, recency: f64, age: f64, mean_value: f64) -> StatsResult<Self> {
        let invalid = |msg: String| Err(StatsError::InvalidInput(msg));
        if !(age.is_finite() && age >= 0.0) {
            return invalid(format!("age must be finite and at least 0, got {age}"));
        }
        if !(recency.is_finite() && (0.0..=age).contains(&recency)) {
            return invalid(format!(
                "recency must lie between 0 and the age ({age}), got {recency}"
            ));
        }
        if frequency == 0 && recency != 0.0 {
            return invalid(format!(
                "recency must be 0 for a customer without repeat purchases, got {recency}"
            ));
        }
        if !(mean_value.is_finite() && mean_value >= 0.0) {
            return invalid(format!(
                "mean value must be finite and at least 0, got {mean_value}"
            ));
        }
        Ok(Self {
            frequency,
            recency,
            age,
            mean_value,
        })
    }

    /// Number of repeat purchases, x.
    pub fn frequency(&self) -> u32 {
        self.frequency
    }

    /// Time of the last repeat purchase after the first purchase, t_x (0 without one).
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// Time from the first purchase to the end of observation, T.
    pub fn age(&self) -> f64 {
        self.age
    }

    /// Mean value of the repeat purchases, z̄.
    pub fn mean_value(&self) -> f64 {
        self.mean_value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_inconsistent_histories_naming_the_field() {
        let bad = [
            (1, 5.0, 4.0, 1.0, "recency"),
            (0, 1.0, 4.0, 0.0, "recency must be 0"),
            (1, 1.0, f64::NAN, 1.0, "age"),
            (1, -1.0, 4.0, 1.0, "recency"),
            (1, 1.0, 4.0, -3.0, "mean value"),
            (1, 1.0, 4.0, f64::INFINITY, "mean value"),
        ];
        for (x, tx, t, m, needle) in bad {
            let e = CustomerSummary::new(x, tx, t, m).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        let c = CustomerSummary::new(2, 30.43, 38.86, 22.35).unwrap();
        assert_eq!(
            (c.frequency(), c.recency(), c.age(), c.mean_value()),
            (2, 30.43, 38.86, 22.35)
        );
    }
}
