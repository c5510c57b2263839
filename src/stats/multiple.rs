//! Multiple-comparison adjustments of p-values (A/B/n arms, many metrics).

use super::error::{StatsError, StatsResult};

fn validate(p_values: &[f64]) -> StatsResult<()> {
    match p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        Some(p) => Err(StatsError::InvalidInput(format!(
            "p-values must lie in [0, 1], got {p}"
        ))),
        None => Ok(()),
    }
}

/// Indices that sort `p_values` ascending (stable, so ties keep their input order).
fn ascending(p_values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    order
}

/// Holm's step-down adjustment (controls the family-wise error rate).
///
/// With the m p-values sorted ascending, `p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j))`;
/// the result is returned in the input order. Reject hypothesis i at level α when
/// `p̃_i ≤ α`. Matches `statsmodels.stats.multitest.multipletests(method="holm")`.
/// An empty slice gives an empty vector; a value outside [0, 1] (or NaN) is `InvalidInput`.
pub fn holm(p_values: &[f64]) -> StatsResult<Vec<f64>> {
    validate(p_values)?;
    let m = p_values.len();
    let mut out = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in ascending(p_values).iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[i]).min(1.0));
        out[i] = running;
    }
    Ok(out)
}

/// Benjamini–Hochberg step-up adjustment (controls the false discovery rate).
///
/// With the m p-values sorted ascending, `p̃_(i) = min_{j ≥ i} min(1, m·p_(j)/j)`; the result
/// is returned in the input order. Matches
/// `statsmodels.stats.multitest.multipletests(method="fdr_bh")`. An empty slice gives an empty
/// vector; a value outside [0, 1] (or NaN) is `InvalidInput`.
pub fn benjamini_hochberg(p_values: &[f64]) -> StatsResult<Vec<f64>> {
    validate(p_values)?;
    let m = p_values.len();
    let mut out = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in ascending(p_values).iter().enumerate().rev() {
        running = running.min(m as f64 * p_values[i] / (rank + 1) as f64);
        // m/j ≥ 1, so only rounding could push the adjusted value below the raw one.
        out[i] = running.max(p_values[i]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    fn assert_all_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_relative_eq!(*g, *w, max_relative = 1e-12);
        }
    }

    #[test]
    fn matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests(p, method='holm' / 'fdr_bh')[1]
        let p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9];
        assert_all_close(
            &holm(&p).unwrap(),
            &[0.06, 0.16, 0.15, 0.035, 0.4, 0.16, 0.9],
        );
        assert_all_close(
            &benjamini_hochberg(&p).unwrap(),
            &[0.035, 0.056, 0.056, 0.035, 0.23333333333333336, 0.056, 0.9],
        );
        let p2 = [0.5, 0.001, 0.02, 0.8];
        assert_all_close(&holm(&p2).unwrap(), &[1.0, 0.004, 0.06, 1.0]);
        assert_all_close(
            &benjamini_hochberg(&p2).unwrap(),
            &[0.6666666666666666, 0.004, 0.04, 0.8],
        );
    }

    #[test]
    fn edge_cases() {
        assert!(holm(&[]).unwrap().is_empty());
        assert!(benjamini_hochberg(&[]).unwrap().is_empty());
        assert_eq!(holm(&[0.03]).unwrap(), vec![0.03]);
        assert!(matches!(
            holm(&[0.1, f64::NAN]),
            Err(StatsError::InvalidInput(_))
        ));
        assert!(matches!(
            benjamini_hochberg(&[1.5]),
            Err(StatsError::InvalidInput(_))
        ));
    }

    proptest! {
        #[test]
        fn adjusted_are_bounded_and_monotone(p in prop::collection::vec(0.0..=1.0f64, 0..30)) {
            for adj in [holm(&p).unwrap(), benjamini_hochberg(&p).unwrap()] {
                for (a, raw) in adj.iter().zip(&p) {
                    prop_assert!(*a >= *raw && *a <= 1.0);
                }
                // Adjustment preserves the ordering of the raw p-values.
                for i in 0..p.len() {
                    for j in 0..p.len() {
                        if p[i] < p[j] {
                            prop_assert!(adj[i] <= adj[j]);
                        }
                    }
                }
            }
            let (h, b) = (holm(&p).unwrap(), benjamini_hochberg(&p).unwrap());
            for (h, b) in h.iter().zip(&b) {
                // BH never exceeds Holm, up to the rounding of m·p/j.
                prop_assert!(*b <= *h * (1.0 + 1e-15));
            }
        }
    }
}
