//! The treatment-versus-control result shared by the frequentist tests.

use super::error::{StatsError, StatsResult};
use serde::{Deserialize, Serialize};

/// Treatment versus control on one metric.
///
/// * `diff = treatment − control`, with the two-sided `1 − alpha` interval `diff_ci`.
/// * `lift = treatment / control − 1`, with the interval `[ci_low, ci_high]` on the log scale
///   (Katz's log interval for a ratio): treating the two arm estimates as independent,
///   `ln(T/C) ± crit·√(Var T/T² + Var C/C²)`, exponentiated, minus one, where `crit` is the
///   critical value the test used for `diff_ci` (normal or Student t with `df`). A ratio's
///   uncertainty is skewed, and this interval follows it: it never goes below −100% and is
///   wider upward. Where the log is undefined (a treatment or control value of 0 or below)
///   the delta-method Wald interval `lift ± crit·√(Var T/C² + T²·Var C/C⁴)` is used instead,
///   floored at −100% for a non-negative metric.
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
    /// Relative lift `treatment / control − 1`.
    pub lift: f64,
    /// Lower end of the two-sided `1 − alpha` confidence interval for `lift`.
    pub ci_low: f64,
    /// Upper end of the two-sided `1 − alpha` confidence interval for `lift`.
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
    let c2 = p.control * p.control;
    let lift = ratio - 1.0;
    let (ci_low, ci_high) = if p.treatment > 0.0 && p.control > 0.0 {
        let half =
            p.crit * (p.var_treatment / (p.treatment * p.treatment) + p.var_control / c2).sqrt();
        (
            (ratio.ln() - half).exp() - 1.0,
            (ratio.ln() + half).exp() - 1.0,
        )
    } else {
        let var_ratio = p.var_treatment / c2 + ratio * ratio * p.var_control / c2;
        let half = p.crit * var_ratio.sqrt();
        // A non-negative metric cannot fall by more than 100%.
        let floor = if p.treatment >= 0.0 && p.control > 0.0 {
            -1.0
        } else {
            f64::NEG_INFINITY
        };
        ((lift - half).max(floor), lift + half)
    };
    let out = Comparison {
        control: p.control,
        treatment: p.treatment,
        diff,
        diff_ci: (diff - half, diff + half),
        lift,
        ci_low,
        ci_high,
        p_value: p.p_value.clamp(0.0, 1.0),
        statistic: p.statistic,
        df: p.df,
    };
    let fields = [
        out.control,
        out.treatment,
        out.diff,
        out.diff_ci.0,
        out.diff_ci.1,
        out.lift,
        out.ci_low,
        out.ci_high,
        out.p_value,
        out.statistic,
        out.df.unwrap_or(0.0),
    ];
    if fields.iter().all(|v| v.is_finite()) {
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
