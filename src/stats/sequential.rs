//! Always-valid inference for continuously monitored experiments: the mixture sequential
//! probability ratio test (mSPRT) of Johari, Koomen, Pekelis & Walsh (2017), "Peeking at A/B
//! tests", with a normal mixing distribution.

use super::error::{finite, probability_open, StatsError, StatsResult};
use super::special::norm_isf;
use serde::{Deserialize, Serialize};

fn check_tau_sq(tau_sq: f64) -> StatsResult<f64> {
    if tau_sq.is_finite() && tau_sq > 0.0 {
        Ok(tau_sq)
    } else {
        Err(StatsError::InvalidInput(format!(
            "the mixing variance tau² must be finite and positive, got {tau_sq}"
        )))
    }
}

fn check_variance(variance: f64) -> StatsResult<f64> {
    if variance.is_finite() && variance > 0.0 {
        Ok(variance)
    } else if variance == 0.0 {
        Err(StatsError::NotEnoughData(
            "the estimate has zero variance (no data yet?)".into(),
        ))
    } else {
        Err(StatsError::InvalidInput(format!(
            "the variance of the estimate must be finite and non-negative, got {variance}"
        )))
    }
}

/// Mixing variance τ² that makes the confidence sequence narrowest at the look where the
/// estimate's variance equals `target_variance`.
///
/// Writing ρ = τ²/V, the half-width² is `2V·(1 + 1/ρ)·(ln(1/α) + ½·ln(1 + ρ))`; setting its
/// derivative in ρ to zero gives `ρ = 2·ln(1/α) + ln(1 + ρ)` (ρ ≈ 8.21 for α = 0.05), solved
/// here by fixed-point iteration (a contraction, factor 1/(1 + ρ)).
pub fn optimal_tau_sq(target_variance: f64, alpha: f64) -> StatsResult<f64> {
    let v = check_variance(target_variance)?;
    let two_l = 2.0 * (1.0 / probability_open("alpha", alpha)?).ln();
    let mut rho = two_l + 1.0;
    for _ in 0..200 {
        let next = two_l + rho.ln_1p();
        let done = (next - rho).abs() <= 1e-15 * next;
        rho = next;
        if done {
            break;
        }
    }
    Ok(rho * v)
}

/// Default mixing variance for an experiment planned to detect an absolute effect `mde` with
/// the given power at level `alpha`: the [`optimal_tau_sq`] for the variance
/// `(mde / (z_{1−α/2} + z_{1−β}))²` that a fixed-horizon test would stop at.
///
/// This is close to `mde²` (1.05·mde² for α = 0.05, power 0.8), the usual rule of thumb: the
/// mixture puts its weight on effects of the size one cares about. A smaller τ² favours small
/// effects late; a larger one stops faster on large effects.
pub fn tau_sq_for_mde(mde: f64, alpha: f64, power: f64) -> StatsResult<f64> {
    if !(mde.is_finite() && mde != 0.0) {
        return Err(StatsError::InvalidInput(format!(
            "mde must be finite and non-zero, got {mde}"
        )));
    }
    let z = norm_isf(probability_open("alpha", alpha)? / 2.0)
        + norm_isf(1.0 - probability_open("power", power)?);
    optimal_tau_sq((mde / z).powi(2), alpha)
}

/// ln Λ, the log mixture likelihood ratio of H₁: θ ~ N(0, τ²) against H₀: θ = 0 for an
/// estimate `diff` ~ N(θ, V):
///
/// `ln Λ = ½·ln(V/(V + τ²)) + τ²·diff² / (2V(V + τ²))`.
///
/// With V = 2σ²/n this is Johari et al.'s two-sample statistic.
pub fn msprt_log_likelihood_ratio(diff: f64, variance: f64, tau_sq: f64) -> StatsResult<f64> {
    let (d, v, t) = (
        finite("diff", diff)?,
        check_variance(variance)?,
        check_tau_sq(tau_sq)?,
    );
    Ok(0.5 * (v / (v + t)).ln() + t * d * d / (2.0 * v * (v + t)))
}

/// Always-valid p-value of a single look, `min(1, 1/Λ)`. Over a sequence of looks use
/// [`SequentialPath`], which keeps the running minimum.
pub fn msprt_p_value(diff: f64, variance: f64, tau_sq: f64) -> StatsResult<f64> {
    let ln_lambda = msprt_log_likelihood_ratio(diff, variance, tau_sq)?;
    Ok((-ln_lambda).min(0.0).exp())
}

/// Always-valid `1 − alpha` confidence interval (one element of a confidence sequence): every
/// θ₀ with Λ(θ₀) < 1/α,
///
/// `diff ± √( 2V(V + τ²)/τ² · (ln(1/α) + ½·ln((V + τ²)/V)) )`.
pub fn confidence_sequence(
    diff: f64,
    variance: f64,
    tau_sq: f64,
    alpha: f64,
) -> StatsResult<(f64, f64)> {
    let (d, v, t) = (
        finite("diff", diff)?,
        check_variance(variance)?,
        check_tau_sq(tau_sq)?,
    );
    let l = (1.0 / probability_open("alpha", alpha)?).ln();
    let half = (2.0 * v * (v + t) / t * (l + 0.5 * ((v + t) / v).ln())).sqrt();
    Ok((d - half, d + half))
}

/// Tracks the mSPRT over the looks of one experiment.
///
/// The always-valid p-value is the running minimum of `1/Λ` over the looks and the interval the
/// running intersection of the per-look intervals; both stay valid however often one peeks and
/// whenever one stops. If a new interval does not overlap the running one (which happens with
/// probability below alpha under the model, or when the model is wrong), the new interval
/// replaces the running one instead of leaving an empty set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SequentialPath {
    tau_sq: f64,
    alpha: f64,
    looks: u64,
    p_value: f64,
    ci: Option<(f64, f64)>,
}

impl SequentialPath {
    /// A path with mixing variance `tau_sq` (see [`tau_sq_for_mde`]) and interval level
    /// `1 − alpha`.
    pub fn new(tau_sq: f64, alpha: f64) -> StatsResult<Self> {
        Ok(Self {
            tau_sq: check_tau_sq(tau_sq)?,
            alpha: probability_open("alpha", alpha)?,
            looks: 0,
            p_value: 1.0,
            ci: None,
        })
    }

    /// Records a look at the current estimate `diff` (treatment − control) with sampling
    /// variance `variance`, returning the always-valid p-value so far. An invalid look is
    /// rejected without changing the path.
    pub fn push(&mut self, diff: f64, variance: f64) -> StatsResult<f64> {
        let p = msprt_p_value(diff, variance, self.tau_sq)?;
        let (lo, hi) = confidence_sequence(diff, variance, self.tau_sq, self.alpha)?;
        self.looks += 1;
        self.p_value = self.p_value.min(p);
        self.ci = Some(match self.ci {
            Some((a, b)) if lo.max(a) <= hi.min(b) => (lo.max(a), hi.min(b)),
            _ => (lo, hi),
        });
        Ok(self.p_value)
    }

    /// Always-valid p-value after the looks so far (1 before the first look).
    pub fn p_value(&self) -> f64 {
        self.p_value
    }

    /// Running always-valid confidence interval; `None` before the first look.
    pub fn ci(&self) -> Option<(f64, f64)> {
        self.ci
    }

    /// Number of looks recorded.
    pub fn looks(&self) -> u64 {
        self.looks
    }

    /// The mixing variance τ².
    pub fn tau_sq(&self) -> f64 {
        self.tau_sq
    }

    /// Whether the experiment may stop now with a significant result: `p_value < alpha`.
    pub fn is_significant(&self) -> bool {
        self.p_value < self.alpha
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn matches_johari_formula_in_python() {
        // numpy: Λ = √(2σ²/(2σ²+nτ²))·exp(n²τ²d²/(4σ²(2σ²+nτ²))) (Johari et al. 2017) with
        // σ² = 1, n = 1000 per arm (V = 0.002), τ² = 0.01; interval ends by brentq on
        // ln Λ(θ₀) = ln 20.
        let p = msprt_p_value(0.12, 0.002, 0.01).unwrap();
        assert_relative_eq!(p, 1.0 / 8.199886111940165, max_relative = 1e-12);
        assert_relative_eq!(p, 0.12195291329032755, max_relative = 1e-12);
        let (lo, hi) = confidence_sequence(0.12, 0.002, 0.01, 0.05).unwrap();
        assert_relative_eq!(lo, -0.016673836703322602, max_relative = 1e-9);
        assert_relative_eq!(hi, 0.2566738367033226, max_relative = 1e-12);
        assert_eq!(msprt_p_value(0.05, 0.002, 0.01).unwrap(), 1.0);
        assert_relative_eq!(
            msprt_log_likelihood_ratio(0.05, 0.002, 0.01).unwrap(),
            0.6872573884281115f64.ln(),
            max_relative = 1e-12
        );
        // σ² = 4, n = 5000 (V = 0.0016), τ² = 0.04, d = 0.2.
        let p = msprt_p_value(0.2, 0.0016, 0.04).unwrap();
        assert_relative_eq!(p, 3.0732725306465336e-05, max_relative = 1e-10);
        let (lo, hi) = confidence_sequence(0.2, 0.0016, 0.04, 0.05).unwrap();
        assert_relative_eq!(lo, 0.07593844412689553, max_relative = 1e-10);
        assert_relative_eq!(hi, 0.3240615558731045, max_relative = 1e-10);
    }

    #[test]
    fn path_keeps_running_minimum_and_intersection() {
        // numpy, same Λ with σ² = 1, τ² = 0.01 at n = 100, 200, 400, 800, 1600:
        // running min of 1/Λ.
        let looks = [
            (100.0, 0.30),
            (200.0, 0.21),
            (400.0, 0.16),
            (800.0, 0.09),
            (1600.0, 0.11),
        ];
        let want = [
            0.5785285128864822,
            0.46957539395604037,
            0.3143147136218894,
            0.3143147136218894,
            0.04061532040995707,
        ];
        let mut path = SequentialPath::new(0.01, 0.05).unwrap();
        assert_eq!((path.p_value(), path.ci(), path.looks()), (1.0, None, 0));
        let mut lo = f64::NEG_INFINITY;
        let mut hi = f64::INFINITY;
        for ((n, d), w) in looks.iter().zip(want) {
            let p = path.push(*d, 2.0 / n).unwrap();
            assert_relative_eq!(p, w, max_relative = 1e-12);
            let (a, b) = confidence_sequence(*d, 2.0 / n, 0.01, 0.05).unwrap();
            lo = lo.max(a);
            hi = hi.min(b);
            assert_eq!(path.ci(), Some((lo, hi)));
        }
        assert!(path.is_significant());
        assert_eq!(path.looks(), 5);
        // Invalid looks leave the path unchanged.
        let before = path;
        assert!(matches!(
            path.push(0.1, 0.0),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            path.push(f64::NAN, 0.1),
            Err(StatsError::InvalidInput(_))
        ));
        assert_eq!(path, before);
    }

    #[test]
    fn tau_choice() {
        // scipy.optimize.brentq on ρ − 2 ln 20 − ln(1+ρ) → 8.211968062068253; an independent
        // scipy.optimize.minimize_scalar of the half-width over τ² at V = 0.002 gives
        // 0.0164239349 (optimizer tolerance 1e-8).
        let t = optimal_tau_sq(0.002, 0.05).unwrap();
        assert_relative_eq!(t, 8.211968062068253 * 0.002, max_relative = 1e-12);
        assert_relative_eq!(t, 0.01642393488949626, max_relative = 1e-6);
        let t = tau_sq_for_mde(0.1, 0.05, 0.8).unwrap();
        assert!((t / 0.01 - 1.05).abs() < 0.01);
        assert!(tau_sq_for_mde(0.0, 0.05, 0.8).is_err());
        assert!(SequentialPath::new(0.0, 0.05).is_err());
        assert!(SequentialPath::new(0.01, 1.0).is_err());
    }

    proptest! {
        #[test]
        fn p_in_unit_interval_and_ci_contains_estimate(
            d in -10.0..10.0f64, v in 1e-8..10.0f64, t in 1e-6..10.0f64, alpha in 0.001..0.5f64,
        ) {
            let p = msprt_p_value(d, v, t).unwrap();
            prop_assert!((0.0..=1.0).contains(&p));
            let (lo, hi) = confidence_sequence(d, v, t, alpha).unwrap();
            prop_assert!(lo <= d && d <= hi);
            // Duality: 0 is outside the interval exactly when p < alpha.
            if (p - alpha).abs() > 1e-9 {
                prop_assert_eq!(p < alpha, !(lo <= 0.0 && 0.0 <= hi));
            }
        }
    }
}
