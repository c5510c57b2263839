//! Two-proportion z-test (e.g. buyer rate, cart abandonment).

use super::comparison::{build, standardized_test, Comparison, TestParts};
use super::error::{probability_open, StatsError, StatsResult};
use super::lift::{score_parts, score_ratio};
use super::special::{norm_isf, norm_two_sided_p};

/// Two-proportion z-test of `successes_t / n_t` (treatment) against `successes_c / n_c`
/// (control).
///
/// * Test: pooled standard error `√(p̄(1 − p̄)(1/n_c + 1/n_t))` with
///   `p̄ = (x_c + x_t)/(n_c + n_t)`, `z = (p_t − p_c)/SE_pooled`, two-sided normal p-value.
///   Pooling is right under the null hypothesis of equal rates.
/// * Intervals (level `1 − alpha`): unpooled Wald standard error
///   `√(p_c(1 − p_c)/n_c + p_t(1 − p_t)/n_t)` for the difference. The relative lift's
///   interval is the score interval for the ratio `p_t/p_c` (Koopman 1984; Miettinen &
///   Nurminen 1985 without their `n/(n − 1)` factor): every ratio ρ whose score test,
///   with both rates re-estimated under `p_t = ρ·p_c`, stays within `±z_{1−α/2}`. The
///   pooled z above is that score test at ρ = 1, so the interval excludes a lift of 0
///   exactly when `p < alpha`. It matches statsmodels'
///   `confint_proportions_2indep(..., method='score', compare='ratio', correction=False)`.
///
/// Edge cases: an arm with `n = 0` → `NotEnoughData`; successes above trials or `alpha`
/// outside (0, 1) → `InvalidInput`; no successes in either arm (or no control successes) →
/// `NotEnoughData` because the control rate is 0 and the lift undefined; no treatment
/// successes → lift −100% with an interval from −100% up to a real upper end; 100% in both
/// arms → p-value 1, a degenerate difference interval and a non-degenerate lift interval.
pub fn two_proportion_z_test(
    successes_c: u64,
    n_c: u64,
    successes_t: u64,
    n_t: u64,
    alpha: f64,
) -> StatsResult<Comparison> {
    probability_open("alpha", alpha)?;
    for (arm, x, n) in [
        ("control", successes_c, n_c),
        ("treatment", successes_t, n_t),
    ] {
        if n == 0 {
            return Err(StatsError::NotEnoughData(format!(
                "the {arm} arm has no traffic"
            )));
        }
        if x > n {
            return Err(StatsError::InvalidInput(format!(
                "the {arm} arm has {x} successes out of {n} trials"
            )));
        }
    }
    let (xc, nc, xt, nt) = (
        successes_c as f64,
        n_c as f64,
        successes_t as f64,
        n_t as f64,
    );
    let (pc, pt) = (xc / nc, xt / nt);
    let (diff, se_pooled) = score_parts(xc, nc, xt, nt, 1.0);
    let (statistic, p_value) = standardized_test(diff, se_pooled, norm_two_sided_p)?;
    let crit = norm_isf(alpha / 2.0);
    let ratio_ci = (successes_c > 0).then(|| score_ratio(successes_c, n_c, successes_t, n_t, crit));
    build(TestParts {
        control: pc,
        treatment: pt,
        var_control: pc * (1.0 - pc) / nc,
        var_treatment: pt * (1.0 - pt) / nt,
        statistic,
        p_value,
        crit,
        df: None,
        ratio_ci,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn matches_statsmodels_200_vs_240() {
        // statsmodels proportions_ztest([240, 200], [10000, 10000]) → z, p;
        // confint_proportions_2indep(240, 10000, 200, 10000, method='wald', compare='diff');
        // lift: confint_proportions_2indep(240, 10000, 200, 10000, method='score',
        // compare='ratio', correction=False) − 1 (statsmodels 0.15.0).
        let c = two_proportion_z_test(200, 10_000, 240, 10_000, 0.05).unwrap();
        assert_relative_eq!(c.control, 0.02, max_relative = 1e-15);
        assert_relative_eq!(c.treatment, 0.024, max_relative = 1e-15);
        assert_relative_eq!(c.statistic, 1.928253932283215, max_relative = 1e-9);
        assert_relative_eq!(c.p_value, 0.053823548844750255, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.0, -6.540187806253726e-05, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 0.008065401878062537, max_relative = 1e-9);
        assert_relative_eq!(c.lift, 0.2, max_relative = 1e-12);
        assert_relative_eq!(c.ci_low, -0.0029850477415565013, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.4443624372673156, max_relative = 1e-9);
        // numpy: pt/pc/(1 + (pc(1 − pc)/nc)/pc²) − 1
        assert_relative_eq!(c.lift_corrected, 0.19414867150960302, max_relative = 1e-12);
        assert_eq!(c.df, None);
    }

    #[test]
    fn matches_statsmodels_unequal_n_alpha_10() {
        // Same recipe for 35/1200 (control) vs 52/1350 (treatment), alpha = 0.10.
        let c = two_proportion_z_test(35, 1200, 52, 1350, 0.10).unwrap();
        assert_relative_eq!(c.statistic, 1.2984743755256003, max_relative = 1e-9);
        assert_relative_eq!(c.p_value, 0.19412437607260036, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.0, -0.002398190858101083, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 0.021101894561804793, max_relative = 1e-9);
        assert_relative_eq!(c.lift, 0.3206349206349206, max_relative = 1e-12);
        assert_relative_eq!(c.ci_low, -0.07082212511829877, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.8780126596157687, max_relative = 1e-9);
    }

    #[test]
    fn lift_interval_agrees_with_the_test_at_small_counts() {
        // (control, treatment, alpha) → z and p from statsmodels proportions_ztest, the
        // interval from confint_proportions_2indep(xt, nt, xc, nc, method='score',
        // compare='ratio', correction=False) − 1.
        /// (control x/n, treatment x/n, z, p, lift interval)
        type Case = ((u64, u64), (u64, u64), f64, f64, (f64, f64));
        let cases: &[Case] = &[
            // No treatment successes: was [−100%, −100%] beside p = 0.083.
            (
                (3, 1000),
                (0, 1000),
                -1.733351308921596,
                0.08303324629912977,
                (-1.0, 0.2783313428743639),
            ),
            // p < 0.05 while Katz's log interval was [−6.2%, +566%].
            (
                (4, 20),
                (10, 20),
                1.9889806323953874,
                0.046703340749330656,
                (0.012315811738357496, 5.693439420553748),
            ),
            (
                (2, 1000),
                (9, 1000),
                2.1164075575770336,
                0.03431015986024532,
                (0.10009074335947066, 17.4410164361693),
            ),
            (
                (5, 40),
                (1, 40),
                -1.6979054399120355,
                0.08952561038680092,
                (-0.9683780421982559, 0.2158558571102427),
            ),
        ];
        for &((xc, nc), (xt, nt), z, p, (lo, hi)) in cases {
            let c = two_proportion_z_test(xc, nc, xt, nt, 0.05).unwrap();
            assert_relative_eq!(c.statistic, z, max_relative = 1e-9);
            assert_relative_eq!(c.p_value, p, max_relative = 1e-9);
            assert_relative_eq!(c.ci_low, lo, max_relative = 1e-9);
            assert_relative_eq!(c.ci_high, hi, max_relative = 1e-9);
            assert_eq!(c.ci_low > 0.0 || c.ci_high < 0.0, c.p_value < 0.05);
        }
    }

    #[test]
    fn edge_cases_are_errors_or_defined() {
        let nd = |r: StatsResult<Comparison>| matches!(r, Err(StatsError::NotEnoughData(_)));
        let inv = |r: StatsResult<Comparison>| matches!(r, Err(StatsError::InvalidInput(_)));
        assert!(nd(two_proportion_z_test(0, 1000, 0, 1000, 0.05)));
        assert!(nd(two_proportion_z_test(0, 1000, 5, 1000, 0.05)));
        assert!(nd(two_proportion_z_test(0, 0, 5, 1000, 0.05)));
        assert!(nd(two_proportion_z_test(3, 100, 0, 0, 0.05)));
        assert!(inv(two_proportion_z_test(101, 100, 5, 100, 0.05)));
        assert!(inv(two_proportion_z_test(1, 100, 5, 100, 0.0)));
        assert!(inv(two_proportion_z_test(1, 100, 5, 100, f64::NAN)));
        // 100% in both arms: p = 1 and a real lift interval. At p_t = p_c = 1 the score
        // statistic reduces to √(n_t(1 − ρ)/ρ) below ρ = 1 and −√(n_c(ρ − 1)) above, so the
        // ends are 1/(1 + z²/n_t) − 1 and z²/n_c with z = scipy.stats.norm.isf(0.025); the
        // lower end agrees with scipy.optimize.brentq on statsmodels'
        // score_test_proportions_2indep(70, 70, 50, 50, value=ρ, compare='ratio',
        // correction=False).statistic − z (−0.05202306241026877).
        let all = two_proportion_z_test(50, 50, 70, 70, 0.05).unwrap();
        assert_eq!((all.p_value, all.statistic, all.lift), (1.0, 0.0, 0.0));
        assert_relative_eq!(all.ci_low, -0.052023062410266996, max_relative = 1e-9);
        assert_relative_eq!(all.ci_high, 0.07682917641388254, max_relative = 1e-9);
        // No treatment conversions against a control at 100%: the lower end is −100% and the
        // upper end solves statistic = −z (brentq on statsmodels' statistic as above:
        // −0.9630065017930143; for 1/1 vs 0/1: 0.920729410347064).
        let c = two_proportion_z_test(100, 100, 0, 100, 0.05).unwrap();
        assert_eq!((c.lift, c.ci_low), (-1.0, -1.0));
        assert_relative_eq!(c.ci_high, -0.9630065017930143, max_relative = 1e-9);
        assert!(c.p_value < 1e-40);
        let one = two_proportion_z_test(1, 1, 0, 1, 0.05).unwrap();
        assert!(one.p_value > 0.0 && one.p_value < 1.0);
        assert_eq!(one.ci_low, -1.0);
        assert_relative_eq!(one.ci_high, 0.920729410347064, max_relative = 1e-9);
    }

    proptest! {
        #[test]
        fn p_value_in_unit_interval_and_intervals_cover_estimates(
            nc in 1u64..5000, nt in 1u64..5000, fc in 0.0..1.0f64, ft in 0.0..1.0f64,
            alpha in 0.001..0.5f64,
        ) {
            let xc = ((nc as f64 * fc) as u64).clamp(1, nc);
            let xt = (nt as f64 * ft) as u64;
            let c = two_proportion_z_test(xc, nc, xt, nt, alpha).unwrap();
            prop_assert!((0.0..=1.0).contains(&c.p_value));
            prop_assert!(c.diff_ci.0 <= c.diff && c.diff <= c.diff_ci.1);
            prop_assert!(c.ci_low <= c.lift && c.lift <= c.ci_high);
            prop_assert!(c.ci_low >= -1.0 && c.ci_high.is_finite());
            if (c.statistic.abs() - norm_isf(alpha / 2.0)).abs() > 1e-9 {
                prop_assert_eq!(c.ci_low > 0.0 || c.ci_high < 0.0, c.p_value < alpha);
            }
        }
    }
}
