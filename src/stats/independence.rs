//! Chi-square test of independence for an r × c contingency table (e.g. converted / not
//! converted across the cells of a factorial experiment).

use super::error::{StatsError, StatsResult};
use super::special::chi2_sf;
use serde::{Deserialize, Serialize};

/// A chi-square statistic with its degrees of freedom and upper-tail p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChiSquareResult {
    /// Pearson chi-square statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: u64,
    /// Upper-tail chi-square p-value.
    pub p_value: f64,
}

/// Pearson chi-square test of independence of rows and columns, without Yates' continuity
/// correction.
///
/// `E_ij = R_i·C_j / N`, `χ² = Σ (O_ij − E_ij)² / E_ij` on `(r − 1)(c − 1)` degrees of
/// freedom. Matches `scipy.stats.chi2_contingency(table, correction=False)`.
///
/// Rows or columns whose total is 0 carry no information (their expected counts are 0) and are
/// dropped before the test, reducing the degrees of freedom accordingly; scipy raises an error
/// instead. Fewer than 2 non-empty rows or columns → `NotEnoughData`; a ragged table or fewer
/// than 2 rows/columns → `InvalidInput`.
pub fn chi_square_independence<R: AsRef<[u64]>>(table: &[R]) -> StatsResult<ChiSquareResult> {
    let cols = table.first().map_or(0, |r| r.as_ref().len());
    if table.len() < 2 || cols < 2 {
        return Err(StatsError::InvalidInput(
            "a contingency table needs at least 2 rows and 2 columns".into(),
        ));
    }
    if table.iter().any(|r| r.as_ref().len() != cols) {
        return Err(StatsError::InvalidInput(
            "all rows of a contingency table must have the same length".into(),
        ));
    }
    let row_totals: Vec<f64> = table
        .iter()
        .map(|r| r.as_ref().iter().map(|&v| v as f64).sum())
        .collect();
    let col_totals: Vec<f64> = (0..cols)
        .map(|j| table.iter().map(|r| r.as_ref()[j] as f64).sum())
        .collect();
    let live_rows = row_totals.iter().filter(|&&t| t > 0.0).count();
    let live_cols = col_totals.iter().filter(|&&t| t > 0.0).count();
    if live_rows < 2 || live_cols < 2 {
        return Err(StatsError::NotEnoughData(format!(
            "only {live_rows} non-empty row(s) and {live_cols} non-empty column(s)"
        )));
    }
    let total: f64 = row_totals.iter().sum();
    let mut statistic = 0.0;
    for (row, &rt) in table.iter().zip(&row_totals) {
        for (&obs, &ct) in row.as_ref().iter().zip(&col_totals) {
            if rt > 0.0 && ct > 0.0 {
                let e = rt * ct / total;
                statistic += (obs as f64 - e).powi(2) / e;
            }
        }
    }
    let df = ((live_rows - 1) * (live_cols - 1)) as u64;
    Ok(ChiSquareResult {
        statistic,
        df,
        p_value: chi2_sf(statistic, df as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn matches_scipy_chi2_contingency() {
        // scipy.stats.chi2_contingency(table, correction=False) → statistic, dof, pvalue
        let cases: [(Vec<Vec<u64>>, f64, u64, f64); 3] = [
            (
                vec![vec![120, 135, 110, 160], vec![2380, 2365, 2390, 2340]],
                11.408468400552833,
                3,
                0.0097102729196196,
            ),
            (
                vec![vec![12, 5, 9], vec![7, 11, 3], vec![4, 6, 15]],
                14.812891456369718,
                4,
                0.005105448541746741,
            ),
            (
                vec![vec![30, 10], vec![20, 40]],
                16.666666666666668,
                1,
                4.455709060405612e-05,
            ),
        ];
        for (table, stat, df, p) in cases {
            let r = chi_square_independence(&table).unwrap();
            assert_relative_eq!(r.statistic, stat, max_relative = 1e-12);
            assert_eq!(r.df, df);
            assert_relative_eq!(r.p_value, p, max_relative = 1e-10);
        }
    }

    #[test]
    fn empty_rows_and_columns() {
        // An all-zero column is dropped: same answer as the 2 × 2 table above.
        let r = chi_square_independence(&[[30, 0, 10], [20, 0, 40]]).unwrap();
        assert_relative_eq!(r.statistic, 16.666666666666668, max_relative = 1e-12);
        assert_eq!(r.df, 1);
        assert!(matches!(
            chi_square_independence(&[[0u64, 0], [0, 0]]),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            chi_square_independence(&[[5u64, 0], [7, 0]]),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            chi_square_independence(&[vec![1u64, 2], vec![3]]),
            Err(StatsError::InvalidInput(_))
        ));
        assert!(matches!(
            chi_square_independence(&[[1u64, 2]]),
            Err(StatsError::InvalidInput(_))
        ));
        let independent = chi_square_independence(&[[10u64, 20], [30, 60]]).unwrap();
        assert_eq!((independent.statistic, independent.p_value), (0.0, 1.0));
    }

    proptest! {
        #[test]
        fn p_value_in_unit_interval(cells in prop::collection::vec(0u64..1000, 6)) {
            let table = [&cells[0..3], &cells[3..6]];
            if let Ok(r) = chi_square_independence(&table) {
                prop_assert!((0.0..=1.0).contains(&r.p_value));
                prop_assert!(r.statistic >= 0.0);
            }
        }
    }
}
