//! Delta-method comparison of ratio metrics clustered by shopper (conversion rate per visit,
//! AOV).

use super::comparison::{build, standardized_test, Comparison, TestParts};
use super::error::{probability_open, StatsResult};
use super::moments::RatioMoments;
use super::special::{norm_isf, norm_two_sided_p};

/// z-test of two ratio metrics R = Σx/Σy, one per arm, each with its delta-method variance
/// ([`RatioMoments::ratio_variance`]).
///
/// `z = (R_t − R_c) / √(Var R_t + Var R_c)`, two-sided normal p-value, normal `1 − alpha`
/// intervals for the difference and (Fieller's, see [`Comparison`]) the relative lift. The
/// normal reference is used because the delta method is itself a large-sample approximation.
///
/// Edge cases: fewer than 2 shoppers or a zero denominator total in an arm, or a control ratio
/// of 0 → `NotEnoughData`; zero variance in both arms → p-value 1 if the ratios are equal,
/// `NotEnoughData` otherwise.
pub fn ratio_comparison(
    control: &RatioMoments,
    treatment: &RatioMoments,
    alpha: f64,
) -> StatsResult<Comparison> {
    probability_open("alpha", alpha)?;
    let (rc, vc) = (control.ratio()?, control.ratio_variance()?);
    let (rt, vt) = (treatment.ratio()?, treatment.ratio_variance()?);
    let (statistic, p_value) = standardized_test(rt - rc, (vc + vt).sqrt(), norm_two_sided_p)?;
    build(TestParts {
        control: rc,
        treatment: rt,
        var_control: vc,
        var_treatment: vt,
        statistic,
        p_value,
        crit: norm_isf(alpha / 2.0),
        df: None,
        ratio_ci: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::error::StatsError;
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    fn arm(x: &[f64], y: &[f64]) -> RatioMoments {
        x.iter().copied().zip(y.iter().copied()).collect()
    }

    #[test]
    fn matches_numpy_delta_method() {
        // numpy: per-arm R = Σx/Σy, Var(R) = (S_xx/μy² − 2μx S_xy/μy³ + μx² S_yy/μy⁴)/n with
        // np.cov(ddof=1); z = ΔR/√(Vc+Vt), p = 2·norm.sf(|z|), intervals with
        // k = norm.isf(0.025); the lift's Fieller set by scipy.optimize.brentq on
        // (R_t − ρR_c)² − k²(V_t + ρ²V_c) either side of R_t/R_c, minus 1.
        let c = arm(
            &[0., 1., 0., 2., 0., 0., 1., 3., 0., 1., 0., 0.],
            &[1., 3., 2., 4., 1., 1., 2., 5., 1., 2., 3., 1.],
        );
        let t = arm(
            &[1., 0., 2., 1., 0., 3., 0., 1., 2., 0., 1.],
            &[2., 1., 3., 2., 1., 4., 2., 1., 3., 2., 2.],
        );
        assert_relative_eq!(
            t.ratio_variance().unwrap(),
            0.009119464267208877,
            max_relative = 1e-12
        );
        let r = ratio_comparison(&c, &t, 0.05).unwrap();
        assert_relative_eq!(r.control, 0.3076923076923077, max_relative = 1e-14);
        assert_relative_eq!(r.treatment, 0.4782608695652174, max_relative = 1e-14);
        assert_relative_eq!(r.statistic, 1.3175888480326903, max_relative = 1e-10);
        assert_relative_eq!(r.p_value, 0.18764132079717566, max_relative = 1e-10);
        assert_relative_eq!(r.diff_ci.0, -0.08315872085633852, max_relative = 1e-10);
        assert_relative_eq!(r.diff_ci.1, 0.4242958446021579, max_relative = 1e-10);
        assert_relative_eq!(r.ci_low, -0.1996811256869907, max_relative = 1e-10);
        assert_relative_eq!(r.ci_high, 2.704787157392018, max_relative = 1e-10);
    }

    #[test]
    fn edge_cases_are_errors_or_defined() {
        let nd = |r: StatsResult<Comparison>| matches!(r, Err(StatsError::NotEnoughData(_)));
        let some = arm(&[1.0, 0.0, 2.0], &[2.0, 1.0, 3.0]);
        assert!(nd(ratio_comparison(&RatioMoments::new(), &some, 0.05)));
        assert!(nd(ratio_comparison(&some, &arm(&[1.0], &[1.0]), 0.05)));
        assert!(nd(ratio_comparison(
            &arm(&[0.0, 0.0], &[1.0, 2.0]),
            &some,
            0.05
        )));
        assert!(nd(ratio_comparison(
            &some,
            &arm(&[0.0, 0.0], &[0.0, 0.0]),
            0.05
        )));
        let flat = arm(&[1.0, 2.0], &[2.0, 4.0]);
        let same = ratio_comparison(&flat, &flat, 0.05).unwrap();
        assert_eq!((same.p_value, same.statistic), (1.0, 0.0));
        let other = arm(&[3.0, 6.0], &[2.0, 4.0]);
        assert!(nd(ratio_comparison(&flat, &other, 0.05)));
    }

    proptest! {
        #[test]
        fn p_value_in_unit_interval_and_intervals_cover_estimates(
            c in prop::collection::vec((0.0..5.0f64, 1.0..10.0f64), 3..40),
            t in prop::collection::vec((0.0..5.0f64, 1.0..10.0f64), 3..40),
            alpha in 0.001..0.5f64,
        ) {
            let (c, t): (RatioMoments, RatioMoments) = (c.into_iter().collect(), t.into_iter().collect());
            if let Ok(r) = ratio_comparison(&c, &t, alpha) {
                prop_assert!((0.0..=1.0).contains(&r.p_value));
                prop_assert!(r.diff_ci.0 <= r.diff && r.diff <= r.diff_ci.1);
                prop_assert!(r.ci_low <= r.lift && r.lift <= r.ci_high);
                if (r.statistic.abs() - norm_isf(alpha / 2.0)).abs() > 1e-9 {
                    prop_assert_eq!(r.ci_low > 0.0 || r.ci_high < 0.0, r.p_value < alpha);
                }
            }
        }
    }
}
