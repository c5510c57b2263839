//! Main effects and every interaction of a 2^k factorial experiment.

use super::error::{probability_open, StatsError, StatsResult};
use super::special::{norm_isf, norm_two_sided_p};
use serde::{Deserialize, Serialize};

/// One cell of a 2^k factorial: its level (0 = low, 1 = high) for each factor, the cell's
/// metric mean and the variance of that mean (e.g. sd²/n).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorialCell {
    /// Level of each factor, 0 or 1; the same length k for every cell.
    pub levels: Vec<u8>,
    /// Cell mean of the metric.
    pub mean: f64,
    /// Sampling variance of the cell mean.
    pub var_of_mean: f64,
}

/// One estimated effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorialEffect {
    /// Factor indices, ascending: `[i]` for the main effect of factor i, `[i, j]` for the
    /// two-way interaction of factors i and j, `[i, j, l]` for a three-way one, and so on.
    pub factors: Vec<usize>,
    /// Effect estimate.
    pub estimate: f64,
    /// Standard error of the estimate.
    pub se: f64,
    /// Two-sided `1 − alpha` normal confidence interval.
    pub ci: (f64, f64),
    /// z statistic `estimate / se`.
    pub z: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
}

/// Largest number of factors accepted (2^16 cells).
const MAX_FACTORS: usize = 16;

/// Main effects and every interaction (two-way up to k-way) of a full 2^k factorial with
/// independent cells.
///
/// Textbook contrast coding (e.g. Montgomery, *Design and Analysis of Experiments*): with
/// `s_i = +1` at the high level of factor i and `−1` at the low level,
///
/// * main effect of i = `Σ_cells s_i·mean / 2^(k−1)` = (average of the high cells) − (average
///   of the low cells);
/// * interaction of i and j = `Σ_cells s_i·s_j·mean / 2^(k−1)` = half the difference between
///   the effect of i at the high level of j and at the low level of j; a higher-order
///   interaction multiplies the signs of all its factors the same way (the three-way one is
///   half the difference of the (i, j) interaction between the levels of l);
/// * every contrast has `Var = Σ_cells var_of_mean / 4^(k−1)` because the cells are
///   independent; z = estimate/se, normal p-value and interval.
///
/// Output order: by the number of factors, then lexicographically: main effects 0..k, then
/// (0,1), (0,2), …, (k−2,k−1), then (0,1,2), …, and last the k-way interaction.
///
/// Errors: fewer than 1 or more than 16 factors, ragged or non-binary levels, duplicate cells,
/// non-finite means or negative variances → `InvalidInput`; a missing cell → `NotEnoughData`;
/// all cell variances 0 with a non-zero effect → `NotEnoughData` (zero effects get p = 1).
pub fn factorial_effects(cells: &[FactorialCell], alpha: f64) -> StatsResult<Vec<FactorialEffect>> {
    probability_open("alpha", alpha)?;
    let k = cells.first().map_or(0, |c| c.levels.len());
    if k == 0 || k > MAX_FACTORS {
        return Err(StatsError::InvalidInput(format!(
            "a factorial needs between 1 and {MAX_FACTORS} factors, got {k}"
        )));
    }
    let size = 1usize << k;
    let mut seen = vec![false; size];
    for cell in cells {
        if cell.levels.len() != k || cell.levels.iter().any(|&l| l > 1) {
            return Err(StatsError::InvalidInput(format!(
                "every cell needs {k} levels of 0 or 1, got {:?}",
                cell.levels
            )));
        }
        if !(cell.mean.is_finite() && cell.var_of_mean.is_finite() && cell.var_of_mean >= 0.0) {
            return Err(StatsError::InvalidInput(format!(
                "cell {:?} has mean {} and variance {}",
                cell.levels, cell.mean, cell.var_of_mean
            )));
        }
        let index = cell_index(&cell.levels);
        if std::mem::replace(&mut seen[index], true) {
            return Err(StatsError::InvalidInput(format!(
                "cell {:?} appears twice",
                cell.levels
            )));
        }
    }
    if cells.len() != size {
        return Err(StatsError::NotEnoughData(format!(
            "a 2^{k} factorial needs {size} cells, got {}",
            cells.len()
        )));
    }
    let se = cells.iter().map(|c| c.var_of_mean).sum::<f64>().sqrt() / (size / 2) as f64;
    let crit = norm_isf(alpha / 2.0);
    contrasts(k)
        .into_iter()
        .map(|factors| {
            let estimate = contrast(cells.iter().map(|c| (&c.levels[..], c.mean)), &factors);
            let (z, p_value) = if se > 0.0 {
                (estimate / se, norm_two_sided_p(estimate / se))
            } else if estimate == 0.0 {
                (0.0, 1.0)
            } else {
                return Err(StatsError::NotEnoughData(
                    "all cell variances are 0 but an effect is not: no test possible".into(),
                ));
            };
            Ok(FactorialEffect {
                factors,
                estimate,
                se,
                ci: (estimate - crit * se, estimate + crit * se),
                z,
                p_value,
            })
        })
        .collect()
}

/// The effect of the factors `factors` (a main effect for one, an interaction for more) from
/// the (levels, mean) of every cell of a full 2^k factorial: `Σ_cells Π s_f · mean / 2^(k−1)`
/// as in [`factorial_effects`]. Used alone on known cell means, e.g. the simulator's true ones.
pub fn contrast<'a>(cells: impl IntoIterator<Item = (&'a [u8], f64)>, factors: &[usize]) -> f64 {
    let (sum, n) = cells
        .into_iter()
        .fold((0.0, 0usize), |(sum, n), (levels, mean)| {
            let sign: f64 = factors
                .iter()
                .map(|&f| if levels[f] == 1 { 1.0 } else { -1.0 })
                .product();
            (sum + sign * mean, n + 1)
        });
    sum / (n / 2).max(1) as f64
}

/// Every non-empty subset of the factors `0..k`, smallest first, then in lexicographic order.
fn contrasts(k: usize) -> Vec<Vec<usize>> {
    let mut all: Vec<Vec<usize>> = (1..1usize << k)
        .map(|mask| (0..k).filter(|f| mask >> f & 1 == 1).collect())
        .collect();
    all.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    all
}

fn cell_index(levels: &[u8]) -> usize {
    levels
        .iter()
        .enumerate()
        .map(|(i, &l)| usize::from(l) << i)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    const MEANS: [f64; 8] = [10.0, 12.5, 11.0, 14.5, 10.2, 12.0, 11.8, 15.9];
    const VARS: [f64; 8] = [0.30, 0.25, 0.40, 0.35, 0.28, 0.33, 0.31, 0.45];

    /// Cell i has factor f at level (i >> f) & 1.
    fn cells(k: usize, means: &[f64], vars: &[f64]) -> Vec<FactorialCell> {
        (0..1usize << k)
            .map(|i| FactorialCell {
                levels: (0..k).map(|f| ((i >> f) & 1) as u8).collect(),
                mean: means[i],
                var_of_mean: vars[i],
            })
            .collect()
    }

    #[test]
    fn matches_numpy_contrasts_2_cubed() {
        // numpy: effect = (±1 sign vector)·means / 4, se = √(Σ(c²·var)), z, 2·norm.sf(|z|),
        // est ± norm.isf(0.025)·se.
        // (factors, estimate, z, p, ci low, ci high)
        type Row = (&'static [usize], f64, f64, f64, f64, f64);
        let want: [Row; 7] = [
            (
                &[0],
                2.975,
                7.282681730209044,
                3.272486564881519e-13,
                2.174348115156573,
                3.7756518848434273,
            ),
            (
                &[1],
                2.1250000000000004,
                5.20191552157789,
                1.9724488676459078e-07,
                1.3243481151565732,
                2.9256518848434276,
            ),
            (
                &[2],
                0.475000000000001,
                1.1627811165880009,
                0.24491832053906437,
                -0.3256518848434262,
                1.2756518848434282,
            ),
            (
                &[0, 1],
                0.8249999999999997,
                2.0195672024949443,
                0.043428300016604256,
                0.024348115156572536,
                1.625651884843427,
            ),
            (
                &[0, 2],
                -0.02499999999999991,
                -0.06119900613621023,
                0.9512007212394231,
                -0.8256518848434271,
                0.7756518848434273,
            ),
            (
                &[1, 2],
                0.6250000000000004,
                1.5299751534052624,
                0.1260228792126076,
                -0.17565188484342675,
                1.4256518848434276,
            ),
            (
                &[0, 1, 2],
                0.32499999999999973,
                0.7955870797707352,
                0.42627207872028905,
                -0.47565188484342746,
                1.125651884843427,
            ),
        ];
        let got = factorial_effects(&cells(3, &MEANS, &VARS), 0.05).unwrap();
        assert_eq!(got.len(), want.len());
        for (g, (factors, est, z, p, lo, hi)) in got.iter().zip(want) {
            assert_eq!(g.factors, factors);
            assert_relative_eq!(g.estimate, est, max_relative = 1e-12, epsilon = 1e-14);
            assert_relative_eq!(g.se, 0.40850336595920483, max_relative = 1e-12);
            assert_relative_eq!(g.z, z, max_relative = 1e-12, epsilon = 1e-14);
            assert_relative_eq!(g.p_value, p, max_relative = 1e-9);
            assert_relative_eq!(g.ci.0, lo, max_relative = 1e-12);
            assert_relative_eq!(g.ci.1, hi, max_relative = 1e-12);
        }
    }

    #[test]
    fn two_by_two_by_hand() {
        // Cells (A,B): (0,0)=10, (1,0)=14, (0,1)=11, (1,1)=17, each var 0.25.
        // A = (14+17)/2 − (10+11)/2 = 5; B = (11+17)/2 − (10+14)/2 = 2;
        // AB = ((17−11) − (14−10))/2 = 1; se = √(4·0.25)/2 = 0.5.
        let got =
            factorial_effects(&cells(2, &[10.0, 14.0, 11.0, 17.0], &[0.25; 4]), 0.05).unwrap();
        let est: Vec<f64> = got.iter().map(|e| e.estimate).collect();
        assert_eq!(est, vec![5.0, 2.0, 1.0]);
        assert!(got.iter().all(|e| e.se == 0.5));
        assert_eq!(got[2].factors, vec![0, 1]);
    }

    #[test]
    fn invalid_designs() {
        let mut c = cells(2, &[1.0, 2.0, 3.0, 4.0], &[0.1; 4]);
        assert!(matches!(
            factorial_effects(&c[..3], 0.05),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            factorial_effects(&[], 0.05),
            Err(StatsError::InvalidInput(_))
        ));
        c[3].levels = vec![0, 0];
        assert!(matches!(
            factorial_effects(&c, 0.05),
            Err(StatsError::InvalidInput(_))
        ));
        c[3].levels = vec![1, 2];
        assert!(matches!(
            factorial_effects(&c, 0.05),
            Err(StatsError::InvalidInput(_))
        ));
        c[3].levels = vec![1];
        assert!(matches!(
            factorial_effects(&c, 0.05),
            Err(StatsError::InvalidInput(_))
        ));
        let mut c = cells(2, &[1.0, 2.0, 3.0, 4.0], &[0.1; 4]);
        c[0].var_of_mean = -1.0;
        assert!(matches!(
            factorial_effects(&c, 0.05),
            Err(StatsError::InvalidInput(_))
        ));
        let flat = factorial_effects(&cells(2, &[1.0; 4], &[0.0; 4]), 0.05).unwrap();
        assert!(flat.iter().all(|e| e.p_value == 1.0));
        assert!(matches!(
            factorial_effects(&cells(2, &[1.0, 2.0, 1.0, 2.0], &[0.0; 4]), 0.05),
            Err(StatsError::NotEnoughData(_))
        ));
    }

    proptest! {
        #[test]
        fn p_values_and_intervals_are_sane(
            means in prop::collection::vec(-100.0..100.0f64, 8),
            vars in prop::collection::vec(1e-6..10.0f64, 8),
            alpha in 0.001..0.5f64,
        ) {
            for e in factorial_effects(&cells(3, &means, &vars), alpha).unwrap() {
                prop_assert!((0.0..=1.0).contains(&e.p_value));
                prop_assert!(e.ci.0 <= e.estimate && e.estimate <= e.ci.1);
            }
        }
    }
}
