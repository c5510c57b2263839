//! The treatment-versus-control result shared by the frequentist tests.

use super::error::{StatsError, StatsResult};
use super::lift::fieller;
use serde::{Deserialize, Serialize};

/// Treatment versus control on one metric.
///
/// * `diff = treatment − control`, with the two-sided `1 − alpha` Wald interval `diff_ci`,
///   `diff ± crit·√(Var T + Var C)`, where `crit` is the test's critical value (normal, or
///   Student t with `df`). `diff_ci` is symmetric, so its half-width divided by `crit` is
///   the standard error of the difference.
/// * `lift = treatment / control − 1`, with the interval `[ci_low, ci_high]` found by
///   inverting the test that gives `p_value`: the set of ratios ρ = T/C that the same test,
///   asked "is the treatment ρ times the control?", would not reject at `alpha`. At ρ = 1 that
///   question is the test of no difference, so **the lift interval excludes 0 exactly when
///   `p_value < alpha`**, for every test of this module. Means, ratio metrics, CUPED and
///   replicate comparisons use Fieller's interval; two proportions use the score interval
///   (see [`crate::stats`] for both). A lift below −100% would mean the two arms' true values
///   have opposite signs, so when both estimates are non-negative the interval is cut at
///   −100%.
/// * When the control is not clearly different from 0 (within `crit` standard errors of it,
///   which only happens for means and ratio metrics on tiny or zero-heavy samples), no
///   ratio can be ruled out on one side: that end is infinite (`ci_high = +∞` or
///   `ci_low = −∞`). JSON writes an infinite end as `null`; callers displaying it should
///   say "unbounded".
/// * `lift_corrected` is the lift with its second-order bias removed (see the field).
/// * `statistic` is the test statistic (z or t), `p_value` its two-sided p-value and `df` the
///   degrees of freedom when the reference distribution is a Student t.
///
/// A relative lift needs a non-zero control value: every constructor returns
/// [`StatsError::NotEnoughData`] when the control metric is exactly 0. When the control is
/// negative (possible for margins) the lift is still computed but reads with inverted sign
/// intuition, so prefer `diff` there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Metric value in the control arm.
    pub control: f64,
    /// Metric value in the treatment arm.
    pub treatment: f64,
    /// Absolute difference `treatment − control`.
    pub diff: f64,
    /// Two-sided `1 − alpha` confidence interval for `diff`.
    pub diff_ci: (f64, f64),
    /// Standard error of `diff`: `√(Var T̂ + Var Ĉ)` (unpooled).
    pub diff_se: f64,
    /// Relative lift `treatment / control − 1` (the plug-in estimate).
    ///
    /// A ratio of two noisy estimates overstates the true ratio on average:
    /// `E[T̂/Ĉ] ≈ (T/C)·(1 + Var Ĉ/C²)` (second-order Taylor expansion, independent arms). At
    /// ~40 orders per arm an AOV lift reads about 2 points too high on average; at 10⁴ units
    /// the bias is negligible. See `lift_corrected`.
    pub lift: f64,
    /// The lift with the bias above divided out: `(T̂/Ĉ)/(1 + Var Ĉ/Ĉ²) − 1`, with `Var Ĉ`
    /// the test's own variance of the control estimate. Use it to average lifts over
    /// replications or to set a small experiment's estimate beside a known true lift; it is
    /// not the centre of the interval, and like any correction from a Taylor expansion it
    /// means little when the control is within a few standard errors of 0.
    pub lift_corrected: f64,
    /// Lower end of the `1 − alpha` confidence interval for `lift` (−∞ when unbounded).
    #[serde(serialize_with = "bound::serialize", deserialize_with = "bound::low")]
    pub ci_low: f64,
    /// Upper end of the `1 − alpha` confidence interval for `lift` (+∞ when unbounded).
    #[serde(serialize_with = "bound::serialize", deserialize_with = "bound::high")]
    pub ci_high: f64,
    /// Two-sided p-value of the test of no difference.
    pub p_value: f64,
    /// Test statistic (z or t).
    pub statistic: f64,
    /// Degrees of freedom of the t reference distribution; `None` for z tests.
    pub df: Option<f64>,
}

impl Comparison {
    /// Whether the difference is significant at level `alpha` (`p_value < alpha`).
    pub fn is_significant(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

/// An interval end that may be infinite: written as `null`, read back as the infinity of its
/// side.
mod bound {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn low<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NEG_INFINITY))
    }

    pub fn high<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// What a test contributes; [`build`] turns it into a [`Comparison`].
pub(super) struct TestParts {
    pub control: f64,
    pub treatment: f64,
    /// Sampling variance of the control estimate (used for the intervals).
    pub var_control: f64,
    /// Sampling variance of the treatment estimate (used for the intervals).
    pub var_treatment: f64,
    pub statistic: f64,
    pub p_value: f64,
    /// Critical value of the two-sided interval, e.g. z_{1−α/2}.
    pub crit: f64,
    pub df: Option<f64>,
    /// Confidence interval for the ratio treatment/control from inverting the test; `None`
    /// means Fieller's interval from the two variances and `crit`.
    pub ratio_ci: Option<(f64, f64)>,
}

pub(super) fn build(p: TestParts) -> StatsResult<Comparison> {
    if p.control == 0.0 {
        return Err(StatsError::NotEnoughData(
            "control metric is 0, so the relative lift is undefined".into(),
        ));
    }
    let diff = p.treatment - p.control;
    let half = p.crit * (p.var_control + p.var_treatment).sqrt();
    let ratio = p.treatment / p.control;
    let (rho_low, rho_high) = p.ratio_ci.unwrap_or_else(|| {
        fieller(
            p.treatment,
            p.var_treatment,
            p.control,
            p.var_control,
            p.crit,
        )
    });
    // A non-negative metric cannot fall by more than 100%.
    let floor = if p.treatment >= 0.0 && p.control > 0.0 {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    let out = Comparison {
        control: p.control,
        treatment: p.treatment,
        diff,
        diff_ci: (diff - half, diff + half),
        diff_se: (p.var_control + p.var_treatment).sqrt(),
        lift: ratio - 1.0,
        lift_corrected: ratio / (1.0 + p.var_control / (p.control * p.control)) - 1.0,
        ci_low: rho_low.max(floor) - 1.0,
        ci_high: rho_high - 1.0,
        p_value: p.p_value.clamp(0.0, 1.0),
        statistic: p.statistic,
        df: p.df,
    };
    let finite = [
        out.control,
        out.treatment,
        out.diff,
        out.diff_ci.0,
        out.diff_ci.1,
        out.diff_se,
        out.lift,
        out.lift_corrected,
        out.p_value,
        out.statistic,
        out.df.unwrap_or(0.0),
    ];
    // The lift interval may be unbounded, but never NaN nor a point at the wrong infinity.
    let bounds_ok = !out.ci_low.is_nan()
        && !out.ci_high.is_nan()
        && out.ci_low < f64::INFINITY
        && out.ci_high > f64::NEG_INFINITY;
    if finite.iter().all(|v| v.is_finite()) && bounds_ok {
        Ok(out)
    } else {
        Err(StatsError::InvalidInput(
            "inputs too extreme: the comparison overflowed".into(),
        ))
    }
}

/// Statistic and two-sided p-value for `estimate / se`, defining the zero-variance case:
/// `se = 0` with `estimate = 0` is "no evidence of a difference" (statistic 0, p = 1); with a
/// non-zero estimate the statistic would be infinite, which is reported as `NotEnoughData`
/// because a deterministic metric cannot be tested.
pub(super) fn standardized_test(
    estimate: f64,
    se: f64,
    two_sided_p: impl Fn(f64) -> f64,
) -> StatsResult<(f64, f64)> {
    if se > 0.0 && se.is_finite() {
        let stat = estimate / se;
        Ok((stat, two_sided_p(stat)))
    } else if se == 0.0 && estimate == 0.0 {
        Ok((0.0, 1.0))
    } else if se == 0.0 {
        Err(StatsError::NotEnoughData(
            "zero variance in both arms but different values: no test possible".into(),
        ))
    } else {
        Err(StatsError::InvalidInput(format!(
            "standard error must be finite and non-negative, got {se}"
        )))
    }
}
