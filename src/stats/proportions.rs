//! Two-proportion z-test (e.g. buyer rate, cart abandonment).

use super::comparison::{build, standardized_test, Comparison, TestParts};
use super::error::{probability_open, StatsError, StatsResult};
use super::special::{norm_isf, norm_two_sided_p};

/// Two-proportion z-test of `successes_t / n_t` (treatment) against `successes_c / n_c`
/// (control).
///
/// * Test: pooled standard error `√(p̄(1 − p̄)(1/n_c + 1/n_t))` with
///   `p̄ = (x_c + x_t)/(n_c + n_t)`, `z = (p_t − p_c)/SE_pooled`, two-sided normal p-value.
///   Pooling is right under the null hypothesis of equal rates.
/// * Intervals (level `1 − alpha`): unpooled Wald standard error
///   `√(p_c(1 − p_c)/n_c + p_t(1 − p_t)/n_t)` for the difference; the relative lift uses the
///   delta method described on [`Comparison`] with `Var(p) = p(1 − p)/n` per arm.
///
/// Edge cases: an arm with `n = 0` → `NotEnoughData`; successes above trials or `alpha`
/// outside (0, 1) → `InvalidInput`; no successes in either arm (or no control successes) →
/// `NotEnoughData` because the control rate is 0 and the lift undefined; 100% in both arms →
/// p-value 1 with degenerate intervals.
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
    let pooled = (xc + xt) / (nc + nt);
    let se_pooled = (pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nt)).sqrt();
    let (statistic, p_value) = standardized_test(pt - pc, se_pooled, norm_two_sided_p)?;
    build(TestParts {
        control: pc,
        treatment: pt,
        var_control: pc * (1.0 - pc) / nc,
        var_treatment: pt * (1.0 - pt) / nt,
        statistic,
        p_value,
        crit: norm_isf(alpha / 2.0),
        df: None,
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
        // lift interval: Katz log interval, exp(ln(pt/pc) ± z·√(Vt/pt² + Vc/pc²)) − 1, numpy.
        let c = two_proportion_z_test(200, 10_000, 240, 10_000, 0.05).unwrap();
        assert_relative_eq!(c.control, 0.02, max_relative = 1e-15);
        assert_relative_eq!(c.treatment, 0.024, max_relative = 1e-15);
        assert_relative_eq!(c.statistic, 1.928253932283215, max_relative = 1e-9);
        assert_relative_eq!(c.p_value, 0.053823548844750255, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.0, -6.540187806253726e-05, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 0.008065401878062537, max_relative = 1e-9);
        assert_relative_eq!(c.lift, 0.2, max_relative = 1e-12);
        assert_relative_eq!(c.ci_low, -0.0032669547595379766, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.4447198343389924, max_relative = 1e-9);
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
        assert_relative_eq!(c.ci_low, -0.07276000919942638, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.8809333192096012, max_relative = 1e-9);
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
        let all = two_proportion_z_test(50, 50, 70, 70, 0.05).unwrap();
        assert_eq!((all.p_value, all.statistic, all.lift), (1.0, 0.0, 0.0));
        assert_eq!((all.ci_low, all.ci_high), (0.0, 0.0));
        // Treatment with no conversions against a control at 100%: defined, degenerate CIs.
        let c = two_proportion_z_test(100, 100, 0, 100, 0.05).unwrap();
        assert_eq!(c.lift, -1.0);
        assert!(c.p_value < 1e-40);
        let one = two_proportion_z_test(1, 1, 0, 1, 0.05).unwrap();
        assert!(one.p_value > 0.0 && one.p_value < 1.0);
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
        }
    }
}
