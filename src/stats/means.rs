//! Welch's unequal-variance t-test for per-unit means (revenue per shopper, CLV).

use super::comparison::{build, standardized_test, Comparison, TestParts};
use super::error::{finite, probability_open, StatsError, StatsResult};
use super::moments::MeanMoments;
use super::student_t::{t_isf, t_two_sided_p};
use serde::{Deserialize, Serialize};

/// Summary of one arm for a mean metric: sample mean, sample standard deviation (n − 1) and
/// number of units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MeanSummary {
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation with the `n − 1` denominator.
    pub sd: f64,
    /// Number of units.
    pub n: u64,
}

impl MeanSummary {
    /// Bundles a mean, a standard deviation and a count.
    pub fn new(mean: f64, sd: f64, n: u64) -> Self {
        Self { mean, sd, n }
    }

    /// Summarises accumulated moments. Needs `n ≥ 2`.
    pub fn from_moments(m: &MeanMoments) -> StatsResult<Self> {
        Ok(Self {
            mean: m.mean()?,
            sd: m.sd()?,
            n: m.n,
        })
    }

    /// Variance of the mean, sd² / n.
    pub fn var_of_mean(&self) -> f64 {
        self.sd * self.sd / self.n as f64
    }

    pub(super) fn validate(&self, arm: &str) -> StatsResult<()> {
        if self.n < 2 {
            return Err(StatsError::NotEnoughData(format!(
                "the {arm} arm needs at least 2 units for a variance, got {}",
                self.n
            )));
        }
        finite("mean", self.mean)?;
        if finite("sd", self.sd)? < 0.0 {
            return Err(StatsError::InvalidInput(format!(
                "the {arm} standard deviation is negative: {}",
                self.sd
            )));
        }
        Ok(())
    }
}

/// Welch–Satterthwaite degrees of freedom
/// `(v_c + v_t)² / (v_c²/(n_c − 1) + v_t²/(n_t − 1))` with `v = sd²/n`.
///
/// When both variances are 0 the formula is 0/0; it returns `n_c + n_t − 2`, the pooled
/// degrees of freedom that Welch's df approaches when the variances shrink together.
pub fn welch_df(control: &MeanSummary, treatment: &MeanSummary) -> f64 {
    satterthwaite_df(
        control.var_of_mean(),
        control.n as f64 - 1.0,
        treatment.var_of_mean(),
        treatment.n as f64 - 1.0,
    )
}

/// Welch–Satterthwaite degrees of freedom of `v_c + v_t`, two independent variance
/// estimates with `df_c` and `df_t` degrees of freedom:
/// `(v_c + v_t)² / (v_c²/df_c + v_t²/df_t)`, or `df_c + df_t` when both variances are 0.
pub(super) fn satterthwaite_df(v_c: f64, df_c: f64, v_t: f64, df_t: f64) -> f64 {
    let denom = v_c * v_c / df_c + v_t * v_t / df_t;
    if denom > 0.0 {
        (v_c + v_t).powi(2) / denom
    } else {
        df_c + df_t
    }
}

/// Welch t-test of treatment against control from per-arm (mean, sd, n).
///
/// `t = (m_t − m_c) / √(s_c²/n_c + s_t²/n_t)` with the Welch–Satterthwaite degrees of freedom
/// ([`welch_df`]); the two-sided p-value and the `1 − alpha` intervals (difference, and
/// Fieller's interval for the relative lift, see [`Comparison`]) use the Student t quantile
/// with those degrees of freedom.
///
/// Edge cases: an arm with fewer than 2 units → `NotEnoughData`; zero variance in both arms →
/// p-value 1 when the means are equal, `NotEnoughData` otherwise; control mean 0 →
/// `NotEnoughData` (relative lift undefined).
pub fn welch_t_test(
    control: &MeanSummary,
    treatment: &MeanSummary,
    alpha: f64,
) -> StatsResult<Comparison> {
    probability_open("alpha", alpha)?;
    control.validate("control")?;
    treatment.validate("treatment")?;
    let (vc, vt) = (control.var_of_mean(), treatment.var_of_mean());
    let df = welch_df(control, treatment);
    let diff = treatment.mean - control.mean;
    let (statistic, p_value) = standardized_test(diff, (vc + vt).sqrt(), |t| t_two_sided_p(t, df))?;
    build(TestParts {
        control: control.mean,
        treatment: treatment.mean,
        var_control: vc,
        var_treatment: vt,
        statistic,
        p_value,
        crit: t_isf(alpha / 2.0, df),
        df: Some(df),
        ratio_ci: None,
    })
}

/// [`welch_t_test`] on accumulated [`MeanMoments`].
pub fn welch_t_test_moments(
    control: &MeanMoments,
    treatment: &MeanMoments,
    alpha: f64,
) -> StatsResult<Comparison> {
    welch_t_test(
        &MeanSummary::from_moments(control)?,
        &MeanSummary::from_moments(treatment)?,
        alpha,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn matches_scipy_small_sample() {
        // scipy.stats.ttest_ind_from_stats(11, 2.5, 40, 10, 2, 30, equal_var=False) → t, p;
        // df by the Welch–Satterthwaite formula; intervals with k = scipy.stats.t.isf(0.025,
        // df): the difference's m_t − m_c ± k·√(v_c + v_t), the lift's Fieller set by
        // scipy.optimize.brentq on (m_t − ρm_c)² − k²(v_t + ρ²v_c) either side of m_t/m_c,
        // minus 1.
        let c = welch_t_test(
            &MeanSummary::new(10.0, 2.0, 30),
            &MeanSummary::new(11.0, 2.5, 40),
            0.05,
        )
        .unwrap();
        assert_relative_eq!(c.statistic, 1.858288839247533, max_relative = 1e-12);
        assert_relative_eq!(c.p_value, 0.06747743814669364, max_relative = 1e-10);
        assert_relative_eq!(c.df.unwrap(), 67.6808581808721, max_relative = 1e-12);
        assert_relative_eq!(c.diff_ci.0, -0.0739123429981845, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 2.0739123429981845, max_relative = 1e-10);
        assert_relative_eq!(c.lift, 0.1, max_relative = 1e-12);
        assert_relative_eq!(c.ci_low, -0.007043617293529647, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.2187882060704831, max_relative = 1e-10);
    }

    #[test]
    fn matches_scipy_large_df() {
        // Same recipe for (50.0, 30, 400000) vs (50.1, 31, 410000): Welch df ≈ 8.1e5, where
        // statrs' own Student t quantile is off in the 5th digit.
        let c = welch_t_test(
            &MeanSummary::new(50.0, 30.0, 400_000),
            &MeanSummary::new(50.1, 31.0, 410_000),
            0.05,
        )
        .unwrap();
        assert_relative_eq!(c.statistic, 1.4753977475263933, max_relative = 1e-9);
        assert_relative_eq!(c.p_value, 0.1401060293179155, max_relative = 1e-9);
        assert_relative_eq!(c.df.unwrap(), 809944.9175400506, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.0, -0.032843290343873316, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 0.23284329034387616, max_relative = 1e-9);
        assert_relative_eq!(c.ci_low, -0.0006560122948648939, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.004662940794655679, max_relative = 1e-9);
    }

    #[test]
    fn lift_interval_agrees_with_the_test_at_small_n() {
        // Same recipe, n = 5 per arm, where Katz's log interval disagreed with the test:
        // (10, 2, 5) vs (19, 8, 5): p = 0.064 but the log interval was [+9.1%, +231%];
        // (10, 5, 5) vs (18, 5, 5): p = 0.035 but the log interval was [−0.2%, +225%].
        let s = MeanSummary::new;
        let c = welch_t_test(&s(10.0, 2.0, 5), &s(19.0, 8.0, 5), 0.05).unwrap();
        assert_relative_eq!(c.p_value, 0.06418947117321334, max_relative = 1e-9);
        assert_relative_eq!(c.ci_low, -0.07645224458369615, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 2.1043303771708106, max_relative = 1e-9);
        let c = welch_t_test(&s(10.0, 5.0, 5), &s(18.0, 5.0, 5), 0.05).unwrap();
        assert_relative_eq!(c.p_value, 0.03526520347508002, max_relative = 1e-9);
        assert_relative_eq!(c.ci_low, 0.05169242691339537, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 2.852156403161855, max_relative = 1e-9);
        // A control within noise of 0: (1, 3, 10) vs (5, 3, 10), t = 2.98, df = 18,
        // p = 0.008. c² < k²·v_c, so the Fieller set is two rays, (−∞, −4.83] ∪
        // [1.4649, +∞) by a grid scan and brentq; the ray holding the estimate 5 is reported,
        // so the upper end is unbounded.
        let c = welch_t_test(&s(1.0, 3.0, 10), &s(5.0, 3.0, 10), 0.05).unwrap();
        assert_relative_eq!(c.p_value, 0.008002029534145215, max_relative = 1e-9);
        assert_relative_eq!(c.ci_low, 0.46488721990035864, max_relative = 1e-9);
        assert_eq!(c.ci_high, f64::INFINITY);
    }

    #[test]
    fn moments_path_matches_scipy_on_raw_data() {
        // scipy.stats.ttest_ind(yt, yc, equal_var=False) on the raw values below.
        let yc: MeanMoments = [3.1, 0.0, 7.4, 2.2, 5.9, 0.0, 12.5, 4.4, 1.8, 6.0]
            .into_iter()
            .collect();
        let yt: MeanMoments = [4.2, 8.8, 0.0, 5.5, 9.1, 3.3, 7.7, 0.0, 10.2, 6.4, 2.9]
            .into_iter()
            .collect();
        let c = welch_t_test_moments(&yc, &yt, 0.05).unwrap();
        assert_relative_eq!(c.statistic, 0.590878435567758, max_relative = 1e-10);
        assert_relative_eq!(c.p_value, 0.5617842544220348, max_relative = 1e-10);
    }

    #[test]
    fn edge_cases_are_errors_or_defined() {
        let s = MeanSummary::new;
        let nd = |r: StatsResult<Comparison>| matches!(r, Err(StatsError::NotEnoughData(_)));
        assert!(nd(welch_t_test(&s(1.0, 1.0, 1), &s(1.0, 1.0, 10), 0.05)));
        assert!(nd(welch_t_test(&s(1.0, 1.0, 10), &s(1.0, 1.0, 0), 0.05)));
        assert!(nd(welch_t_test(&s(0.0, 1.0, 10), &s(1.0, 1.0, 10), 0.05)));
        assert!(nd(welch_t_test(&s(2.0, 0.0, 10), &s(3.0, 0.0, 10), 0.05)));
        assert!(matches!(
            welch_t_test(&s(1.0, -1.0, 10), &s(1.0, 1.0, 10), 0.05),
            Err(StatsError::InvalidInput(_))
        ));
        let same = welch_t_test(&s(2.0, 0.0, 10), &s(2.0, 0.0, 12), 0.05).unwrap();
        assert_eq!(
            (same.p_value, same.statistic, same.df),
            (1.0, 0.0, Some(20.0))
        );
        // One arm constant: df falls back to the other arm's n − 1.
        let one = welch_t_test(&s(2.0, 0.0, 10), &s(2.5, 1.0, 12), 0.05).unwrap();
        assert_relative_eq!(one.df.unwrap(), 11.0, max_relative = 1e-12);
        let empty = welch_t_test_moments(&MeanMoments::new(), &MeanMoments::new(), 0.05);
        assert!(nd(empty));
    }

    proptest! {
        #[test]
        fn p_value_in_unit_interval_and_intervals_cover_estimates(
            mc in 0.1..100.0f64, mt in -100.0..100.0f64, sc in 0.0..50.0f64,
            st in 0.01..50.0f64, nc in 2u64..100_000, nt in 2u64..100_000,
            alpha in 0.001..0.5f64,
        ) {
            let c = welch_t_test(&MeanSummary::new(mc, sc, nc), &MeanSummary::new(mt, st, nt), alpha)
                .unwrap();
            prop_assert!((0.0..=1.0).contains(&c.p_value));
            prop_assert!(c.diff_ci.0 <= c.diff && c.diff <= c.diff_ci.1);
            prop_assert!(c.ci_low <= c.lift && c.lift <= c.ci_high);
            prop_assert!(c.df.unwrap() >= 1.0);
            let crit = t_isf(alpha / 2.0, c.df.unwrap());
            if (c.statistic.abs() - crit).abs() > 1e-9 {
                prop_assert_eq!(c.ci_low > 0.0 || c.ci_high < 0.0, c.p_value < alpha);
            }
        }
    }
}
