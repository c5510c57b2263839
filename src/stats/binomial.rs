//! The exact (Clopper–Pearson) interval of a binomial proportion: for rates counted over
//! simulations (a false-positive rate, a coverage), where the count of runs is small
//! enough that a normal approximation would misstate the ends near 0 and 1.

use statrs::distribution::{Beta, ContinuousCDF};

use super::error::{probability_open, StatsError, StatsResult};

/// The Clopper–Pearson interval at confidence `level` for `successes` out of `trials`: the
/// proportions not rejected by either one-sided exact binomial test at `(1 − level)/2`,
/// i.e. `[B(α/2; k, n − k + 1), B(1 − α/2; k + 1, n − k)]` with `B(q; a, b)` the Beta
/// quantile, the lower end 0 when k = 0 and the upper 1 when k = n (Clopper & Pearson 1934;
/// scipy's `binomtest(k, n).proportion_ci(method='exact')`). Its coverage is at least
/// `level` for every true proportion.
pub fn clopper_pearson(successes: u64, trials: u64, level: f64) -> StatsResult<(f64, f64)> {
    probability_open("level", level)?;
    if trials == 0 {
        return Err(StatsError::NotEnoughData(
            "a proportion needs at least one trial".into(),
        ));
    }
    if successes > trials {
        return Err(StatsError::InvalidInput(format!(
            "successes ({successes}) exceed trials ({trials})"
        )));
    }
    let tail = (1.0 - level) / 2.0;
    let (k, n) = (successes as f64, trials as f64);
    let quantile = |a: f64, b: f64, q: f64| {
        Beta::new(a, b)
            .map(|d| d.inverse_cdf(q))
            .map_err(|e| StatsError::InvalidInput(e.to_string()))
    };
    let low = if successes == 0 {
        0.0
    } else {
        quantile(k, n - k + 1.0, tail)?
    };
    let high = if successes == trials {
        1.0
    } else {
        quantile(k + 1.0, n - k, 1.0 - tail)?
    };
    Ok((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scipy 1.x: `binomtest(k, n).proportion_ci(confidence_level=level, method='exact')`,
    /// printed with `repr` by `tests/data/clopper_pearson.py` (scipy 1.17.1).
    const SCIPY: &[(u64, u64, f64, f64, f64)] = &[
        (0, 1, 0.95, 0.0, 0.975),
        (1, 1, 0.95, 0.025000000000000022, 1.0),
        (0, 10, 0.95, 0.0, 0.30849710781876294),
        (1, 10, 0.95, 0.0025285785444625728, 0.44501611702819543),
        (5, 10, 0.95, 0.1870860284474045, 0.8129139715525955),
        (10, 10, 0.95, 0.6915028921812371, 1.0),
        (10, 200, 0.95, 0.024234165472108292, 0.09002753770155869),
        (12, 200, 0.95, 0.03138395389348212, 0.10246183130833159),
        (42, 200, 0.95, 0.15573975672411794, 0.27306870461379884),
        (190, 200, 0.95, 0.9099724622984412, 0.9757658345278917),
        (199, 200, 0.95, 0.9724581015424416, 0.9998734189719902),
        (50, 1000, 0.95, 0.03733539760466063, 0.06539048791549365),
        (950, 1000, 0.95, 0.9346095120845064, 0.9626646023953394),
        (3, 300, 0.99, 0.0011293442679942397, 0.036108259750364295),
        (18, 300, 0.99, 0.0302215554979229, 0.10445987988860664),
        (
            1,
            100000,
            0.95,
            2.5317842743932826e-07,
            5.571516034432556e-05,
        ),
        (50000, 100000, 0.9, 0.497394282260276, 0.5026057177397241),
        (7, 40, 0.5, 0.12863884369463205, 0.2338826109626358),
    ];

    #[test]
    fn matches_scipy() {
        for &(k, n, level, low, high) in SCIPY {
            let (lo, hi) = clopper_pearson(k, n, level).unwrap();
            assert!(
                (lo - low).abs() <= 1e-12 + 1e-9 * low,
                "{k}/{n} low {lo} vs {low}"
            );
            assert!(
                (hi - high).abs() <= 1e-12 + 1e-9 * high,
                "{k}/{n} high {hi} vs {high}"
            );
        }
    }

    #[test]
    fn edges_and_bad_input() {
        assert_eq!(clopper_pearson(0, 10, 0.95).unwrap().0, 0.0);
        assert_eq!(clopper_pearson(10, 10, 0.95).unwrap().1, 1.0);
        assert!(clopper_pearson(11, 10, 0.95).is_err());
        assert!(clopper_pearson(0, 0, 0.95).is_err());
        assert!(clopper_pearson(1, 10, 1.0).is_err());
    }
}
