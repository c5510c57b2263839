//! Sample size, minimum detectable effect and power for two-sided tests, per arm, with a
//! Bonferroni correction for A/B/n designs.

use super::error::{finite, probability_open, StatsError, StatsResult};
use super::special::{norm_cdf, norm_isf};

/// Significance level after a Bonferroni correction for the `arms − 1` comparisons against
/// control: `alpha / (arms − 1)`. `arms` counts the control, so a plain A/B test has
/// `arms = 2` and no correction.
pub fn bonferroni_alpha(alpha: f64, arms: usize) -> StatsResult<f64> {
    probability_open("alpha", alpha)?;
    if arms < 2 {
        return Err(StatsError::InvalidInput(format!(
            "an experiment needs at least 2 arms (control included), got {arms}"
        )));
    }
    Ok(alpha / (arms - 1) as f64)
}

fn check_baseline(baseline: f64) -> StatsResult<f64> {
    if baseline.is_finite() && baseline > 0.0 && baseline < 1.0 {
        Ok(baseline)
    } else {
        Err(StatsError::InvalidInput(format!(
            "baseline rate must lie strictly between 0 and 1, got {baseline}"
        )))
    }
}

/// Treatment rate `p₂ = p₁(1 + relative_mde)`, which must stay inside (0, 1) and differ from
/// the baseline.
fn treatment_rate(baseline: f64, relative_mde: f64) -> StatsResult<f64> {
    let p1 = check_baseline(baseline)?;
    let p2 = p1 * (1.0 + finite("relative_mde", relative_mde)?);
    if relative_mde == 0.0 || !(p2 > 0.0 && p2 < 1.0) {
        return Err(StatsError::InvalidInput(format!(
            "relative_mde {relative_mde} must be non-zero and keep the treatment rate in (0, 1)"
        )));
    }
    Ok(p2)
}

/// The two standard-deviation terms of the proportion formula: `√(2p̄(1 − p̄))` under the null
/// and `√(p₁(1 − p₁) + p₂(1 − p₂))` under the alternative.
fn proportion_sds(p1: f64, p2: f64) -> (f64, f64) {
    let pbar = 0.5 * (p1 + p2);
    (
        (2.0 * pbar * (1.0 - pbar)).sqrt(),
        (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt(),
    )
}

fn check_n(n_per_arm: f64) -> StatsResult<f64> {
    if n_per_arm.is_finite() && n_per_arm > 0.0 {
        Ok(n_per_arm)
    } else {
        Err(StatsError::InvalidInput(format!(
            "n_per_arm must be finite and positive, got {n_per_arm}"
        )))
    }
}

/// Units per arm for a two-sided two-proportion z-test (Fleiss' formula without continuity
/// correction):
///
/// `n = (z_{1−α'/2}·√(2p̄(1 − p̄)) + z_{1−β}·√(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²`
///
/// with `p₁ = baseline`, `p₂ = p₁(1 + relative_mde)`, `p̄ = (p₁ + p₂)/2`, `1 − β = power` and
/// `α' = alpha/(arms − 1)` ([`bonferroni_alpha`]). The result is not rounded: allocate
/// `n.ceil()` units per arm. A negative `relative_mde` plans for a decrease.
pub fn sample_size_proportions(
    baseline: f64,
    relative_mde: f64,
    alpha: f64,
    power: f64,
    arms: usize,
) -> StatsResult<f64> {
    let p2 = treatment_rate(baseline, relative_mde)?;
    let z_alpha = norm_isf(bonferroni_alpha(alpha, arms)? / 2.0);
    let z_beta = norm_isf(1.0 - probability_open("power", power)?);
    let (sd0, sd1) = proportion_sds(baseline, p2);
    // The ratio first, then its square: at a baseline of 1e-300 the squared difference alone
    // underflows to 0, while n itself (about 1.6e303) is a double.
    sample_size(((z_alpha * sd0 + z_beta * sd1) / (p2 - baseline)).powi(2))
}

/// A sample size that a double holds; beyond that the effect is too small to detect.
fn sample_size(n: f64) -> StatsResult<f64> {
    if n.is_finite() {
        Ok(n)
    } else {
        Err(StatsError::InvalidInput(
            "the effect is too small against the baseline: no finite sample detects it".into(),
        ))
    }
}

/// Power of the two-sided two-proportion test with `n_per_arm` units per arm, the exact
/// inverse of [`sample_size_proportions`]:
///
/// `power = Φ((|p₂ − p₁|·√n − z_{1−α'/2}·√(2p̄(1 − p̄))) / √(p₁(1 − p₁) + p₂(1 − p₂)))`.
///
/// Like the sample-size formula it ignores rejections in the wrong direction (below 1e-6 for
/// any design with useful power).
pub fn achieved_power_proportions(
    baseline: f64,
    relative_mde: f64,
    n_per_arm: f64,
    alpha: f64,
    arms: usize,
) -> StatsResult<f64> {
    let p2 = treatment_rate(baseline, relative_mde)?;
    let n = check_n(n_per_arm)?;
    let z_alpha = norm_isf(bonferroni_alpha(alpha, arms)? / 2.0);
    let (sd0, sd1) = proportion_sds(baseline, p2);
    Ok(norm_cdf(
        ((p2 - baseline).abs() * n.sqrt() - z_alpha * sd0) / sd1,
    ))
}

/// Smallest relative increase over `baseline` detectable with the given power and
/// `n_per_arm` units per arm: the root `r > 0` of `sample_size_proportions(baseline, r, …) = n`.
///
/// Solved by bisection on `r ∈ (0, 1/baseline − 1)` (power rises monotonically with the
/// effect), to full double precision. `NotEnoughData` when even a treatment rate of 1 would not
/// reach the requested power.
pub fn mde_proportions(
    baseline: f64,
    n_per_arm: f64,
    alpha: f64,
    power: f64,
    arms: usize,
) -> StatsResult<f64> {
    let p1 = check_baseline(baseline)?;
    let n = check_n(n_per_arm)?;
    probability_open("power", power)?;
    bonferroni_alpha(alpha, arms)?;
    let power_at = |r: f64| achieved_power_proportions(p1, r, n, alpha, arms);
    let (mut lo, mut hi) = (0.0, (1.0 - p1) / p1);
    // Stay a hair inside p₂ < 1.
    hi *= 1.0 - 1e-12;
    if power_at(hi)? < power {
        return Err(StatsError::NotEnoughData(format!(
            "{n} units per arm cannot reach power {power} for any increase over {p1}"
        )));
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if mid > 0.0 && power_at(mid)? >= power {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

fn check_sd(sd: f64) -> StatsResult<f64> {
    if sd.is_finite() && sd > 0.0 {
        Ok(sd)
    } else {
        Err(StatsError::InvalidInput(format!(
            "sd must be finite and positive, got {sd}"
        )))
    }
}

fn check_effect(mde: f64) -> StatsResult<f64> {
    if mde.is_finite() && mde != 0.0 {
        Ok(mde.abs())
    } else {
        Err(StatsError::InvalidInput(format!(
            "the absolute effect must be finite and non-zero, got {mde}"
        )))
    }
}

/// Units per arm for a two-sided two-sample z-test of means with common per-unit standard
/// deviation `sd` and absolute effect `mde`:
/// `n = 2·(z_{1−α'/2} + z_{1−β})²·σ² / δ²`, `α' = alpha/(arms − 1)`. Not rounded.
pub fn sample_size_means(
    sd: f64,
    mde: f64,
    alpha: f64,
    power: f64,
    arms: usize,
) -> StatsResult<f64> {
    let (sd, delta) = (check_sd(sd)?, check_effect(mde)?);
    let z = norm_isf(bonferroni_alpha(alpha, arms)? / 2.0)
        + norm_isf(1.0 - probability_open("power", power)?);
    // σ/δ first: σ² and δ² overflow (or underflow) long before their ratio does.
    sample_size(2.0 * (z * (sd / delta)).powi(2))
}

/// Smallest absolute difference in means detectable with `n_per_arm` units per arm:
/// `δ = (z_{1−α'/2} + z_{1−β})·σ·√(2/n)`, the inverse of [`sample_size_means`].
pub fn mde_means(sd: f64, n_per_arm: f64, alpha: f64, power: f64, arms: usize) -> StatsResult<f64> {
    let (sd, n) = (check_sd(sd)?, check_n(n_per_arm)?);
    let z = norm_isf(bonferroni_alpha(alpha, arms)? / 2.0)
        + norm_isf(1.0 - probability_open("power", power)?);
    Ok(z * sd * (2.0 / n).sqrt())
}

/// Power of the two-sided test of means: `Φ(|δ|/(σ·√(2/n)) − z_{1−α'/2})`, the inverse of
/// [`sample_size_means`] (wrong-direction rejections ignored).
pub fn achieved_power_means(
    sd: f64,
    mde: f64,
    n_per_arm: f64,
    alpha: f64,
    arms: usize,
) -> StatsResult<f64> {
    let (sd, delta, n) = (check_sd(sd)?, check_effect(mde)?, check_n(n_per_arm)?);
    let z_alpha = norm_isf(bonferroni_alpha(alpha, arms)? / 2.0);
    Ok(norm_cdf(delta / (sd * (2.0 / n).sqrt()) - z_alpha))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn extreme_scales_give_the_formulas_value_or_an_error() {
        // For a small baseline n is proportional to 1/p: the scale must not underflow.
        let small = sample_size_proportions(1e-10, 0.1, 0.05, 0.8, 2).unwrap();
        let tiny = sample_size_proportions(1e-300, 0.1, 0.05, 0.8, 2).unwrap();
        assert_relative_eq!(tiny / small, 1e290, max_relative = 1e-6);
        // Means depend on σ/δ only: huge σ and δ give the same n as 1 and 0.1.
        let unit = sample_size_means(1.0, 0.1, 0.05, 0.8, 2).unwrap();
        // Python: 2·(norm.isf(0.025) + norm.isf(0.2))² / 0.1² = 1569.775946869817.
        assert_relative_eq!(unit, 1569.775946869817, max_relative = 1e-9);
        let huge = sample_size_means(1e308, 1e307, 0.05, 0.8, 2).unwrap();
        assert_relative_eq!(huge, unit, max_relative = 1e-12);
        // Beyond a double: an error, never infinity or a saturated count.
        assert!(sample_size_means(1e308, 1e-300, 0.05, 0.8, 2).is_err());
        assert!(sample_size_proportions(1e-300, 1e-300, 0.05, 0.8, 2).is_err());
    }

    #[test]
    fn proportions_match_formula_in_python() {
        // Python: the formula above with scipy.stats.norm.isf for the z quantiles.
        let n = sample_size_proportions(0.02, 0.10, 0.05, 0.8, 2).unwrap();
        assert_relative_eq!(n, 80681.38028240814, max_relative = 1e-9);
        // arms = 3 → alpha 0.025.
        let n3 = sample_size_proportions(0.02, 0.10, 0.05, 0.8, 3).unwrap();
        assert_relative_eq!(n3, 97705.72784156607, max_relative = 1e-9);
        let down = sample_size_proportions(0.3, -0.05, 0.05, 0.9, 2).unwrap();
        assert_relative_eq!(down, 19326.3275515021, max_relative = 1e-9);
        // scipy.optimize.brentq on the formula = 50000.
        let mde = mde_proportions(0.02, 50_000.0, 0.05, 0.8, 2).unwrap();
        assert_relative_eq!(mde, 0.12784940980733484, max_relative = 1e-9);
        let mde4 = mde_proportions(0.02, 50_000.0, 0.05, 0.8, 4).unwrap();
        assert_relative_eq!(mde4, 0.14834932696983458, max_relative = 1e-9);
        let pw = achieved_power_proportions(0.02, 0.10, 50_000.0, 0.05, 2).unwrap();
        assert_relative_eq!(pw, 0.5969657633982671, max_relative = 1e-9);
        // Round trip.
        let back = achieved_power_proportions(0.02, 0.10, n, 0.05, 2).unwrap();
        assert_relative_eq!(back, 0.8, max_relative = 1e-12);
    }

    #[test]
    fn means_match_formula_and_statsmodels() {
        // Python: 2(z_{.975}+z_{.8})²σ²/δ² = 6279.103787479273 for σ = 30, δ = 1.5;
        // statsmodels NormalIndPower().solve_power(0.05, alpha=0.05, power=0.8) = 6279.0884…
        // (it also counts wrong-direction rejections, hence the 2.4e-6 relative gap).
        let n = sample_size_means(30.0, 1.5, 0.05, 0.8, 2).unwrap();
        assert_relative_eq!(n, 6279.103787479273, max_relative = 1e-9);
        assert_relative_eq!(n, 6279.088407460959, max_relative = 1e-5);
        let mde = mde_means(30.0, 5000.0, 0.05, 0.8, 2).unwrap();
        assert_relative_eq!(mde, 1.6809511308677814, max_relative = 1e-9);
        // Python: Φ(δ/(σ√(2/n)) − z_{.975}); statsmodels NormalIndPower().power → 0.70541800…
        let pw = achieved_power_means(30.0, 1.5, 5000.0, 0.05, 2).unwrap();
        assert_relative_eq!(pw, 0.705413902442457, max_relative = 1e-9);
        assert_relative_eq!(pw, 0.7054180011138002, max_relative = 1e-5);
        let n3 = sample_size_means(30.0, 1.5, 0.05, 0.8, 3).unwrap();
        assert!(n3 > n);
    }

    #[test]
    fn invalid_inputs() {
        let inv = |r: StatsResult<f64>| matches!(r, Err(StatsError::InvalidInput(_)));
        assert!(inv(sample_size_proportions(0.0, 0.1, 0.05, 0.8, 2)));
        assert!(inv(sample_size_proportions(0.02, 0.0, 0.05, 0.8, 2)));
        assert!(inv(sample_size_proportions(0.6, 1.0, 0.05, 0.8, 2)));
        assert!(inv(sample_size_proportions(0.02, 0.1, 1.5, 0.8, 2)));
        assert!(inv(sample_size_proportions(0.02, 0.1, 0.05, 1.0, 2)));
        assert!(inv(sample_size_proportions(0.02, 0.1, 0.05, 0.8, 1)));
        assert!(inv(sample_size_means(0.0, 1.0, 0.05, 0.8, 2)));
        assert!(inv(sample_size_means(1.0, 0.0, 0.05, 0.8, 2)));
        assert!(inv(mde_means(1.0, 0.0, 0.05, 0.8, 2)));
        assert!(inv(achieved_power_means(1.0, 1.0, f64::NAN, 0.05, 2)));
        assert!(matches!(
            mde_proportions(0.02, 3.0, 0.05, 0.99, 2),
            Err(StatsError::NotEnoughData(_))
        ));
    }

    proptest! {
        #[test]
        fn mde_inverts_sample_size(
            p in 0.005..0.5f64, n in 1000.0..1e6f64, power in 0.5..0.95f64, arms in 2usize..6,
        ) {
            let r = mde_proportions(p, n, 0.05, power, arms).unwrap();
            let back = sample_size_proportions(p, r, 0.05, power, arms).unwrap();
            prop_assert!((back - n).abs() <= 1e-6 * n);
            let pw = achieved_power_means(2.0, mde_means(2.0, n, 0.05, power, arms).unwrap(), n, 0.05, arms)
                .unwrap();
            prop_assert!((pw - power).abs() < 1e-12);
        }
    }
}
