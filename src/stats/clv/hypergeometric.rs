//! The expected transactions of a customer known to be alive: the numerator of eq. 10 of
//! Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", evaluated robustly.
//!
//! With `A = r + x`, `B = b + x`, `C = a + b + x − 1`, `z = t/(α + T + t)`, the paper writes
//!
//! `K = C/(a − 1) · [1 − ((α + T)/(α + T + t))^A · ₂F₁(A, B; C; z)]`.
//!
//! Taken literally that is fragile three ways: at `a = 1` it is 0/0, for `a < 1` (CDNOW's fit)
//! ₂F₁ grows without bound as z → 1 and the bracket is a difference of large numbers, and the
//! Gauss series in z converges like zⁿ, so slowly when t is long against α + T. `K` is also
//! `E[(1 − (1 + κp)^(−A))/p]` for `p ~ Beta(a, B)`, `κ = t/(α + T)` (the alive customer's
//! expected purchases `(1 − e^(−λpt))/p`, averaged over the posterior of λ, then of p), and
//! that form suggests three evaluations, each exact where the others struggle:
//!
//! * `κ ≤ ½`: Pfaff's transformation turns the bracket into `1 − ₂F₁(A, a − 1; C; −κ)`;
//!   summing its series from the first term on, with the factor `a − 1` cancelled by hand,
//!   avoids both the subtraction and the 0/0.
//! * `κ > ½`: Euler's transformation gives `(1 − z)^A·₂F₁(A, B; C; z) =
//!   (1 − z)^(a−1)·₂F₁(C − A, a − 1; C; z)`, so
//!   `K = C·(1 − (1 − z)^(a−1))/(a − 1) − (1 − z)^(a−1)·C·S`, with the first ratio computed
//!   by `expm1` (finite at a = 1) and `S` the series without its leading 1, again free of
//!   the factor a − 1.
//! * If that series would need more than [`MAX_TERMS`] terms (z within ~1e-3 of 1), the
//!   Beta integral itself is computed by tanh-sinh quadrature, which copes with the
//!   integrable singularities of the Beta density at 0 and 1.
//!
//! Multiplying every coefficient `(C)ₙ` by C cancels the C in front, so `C ≤ 0` (x = 0 with
//! a + b < 1) needs no special case either.

use crate::stats::special::ln_beta;
use std::f64::consts::PI;

/// Series terms allowed before the quadrature takes over.
const MAX_TERMS: usize = 20_000;

/// `K = E[(1 − (1 + κp)^(−A))/p]` for `p ~ Beta(a, b_post)`: the expected number of
/// transactions in the next t periods of an alive customer with `A = r + x`,
/// `b_post = b + x` and `κ = t/(α + T)`. All arguments must be positive and finite (κ ≥ 0).
pub(super) fn alive_expectation(shape: f64, a: f64, b_post: f64, kappa: f64) -> f64 {
    if kappa == 0.0 {
        return 0.0;
    }
    let c = a + b_post - 1.0;
    let series = if kappa <= 0.5 {
        pfaff_series(shape, a, c, kappa)
    } else {
        euler_series(shape, a, c, kappa)
    };
    series.unwrap_or_else(|| beta_quadrature(shape, a, b_post, kappa))
}

/// Σ_{n≥1} uₙ with `u₁ = first` and `u_{n+1} = uₙ·(p + n)(a + n − 1)/((c + n)(n + 1))·w`, or
/// `None` when it has not converged in [`MAX_TERMS`] terms.
fn series(first: f64, p: f64, a: f64, c: f64, w: f64) -> Option<f64> {
    let (mut term, mut sum) = (first, first);
    for n in 1..MAX_TERMS {
        let n = n as f64;
        let ratio = (p + n) * (a + n - 1.0) / ((c + n) * (n + 1.0)) * w;
        term *= ratio;
        sum += term;
        // The ratio tends to w; a geometric tail bounds what is left.
        let tail_ratio = ratio.abs().max(w.abs());
        if tail_ratio < 1.0 && term.abs() <= 1e-17 * sum.abs() * (1.0 - tail_ratio) {
            return Some(sum);
        }
    }
    None
}

/// `C/(a − 1)·[1 − ₂F₁(A, a − 1; C; −κ)]`, summed as `Σ_{n≥1} (A)ₙ(a)ₙ₋₁/((C+1)ₙ₋₁ n!)·(−1)ⁿ⁺¹κⁿ`.
fn pfaff_series(shape: f64, a: f64, c: f64, kappa: f64) -> Option<f64> {
    series(shape * kappa, shape, a, c, -kappa)
}

/// `C·(1 − (1 − z)^(a−1))/(a − 1) − (1 − z)^(a−1)·Σ_{n≥1} (C − A)ₙ(a)ₙ₋₁/((C+1)ₙ₋₁ n!)·zⁿ`.
fn euler_series(shape: f64, a: f64, c: f64, kappa: f64) -> Option<f64> {
    let z = kappa / (1.0 + kappa);
    let ln_1mz = -kappa.ln_1p();
    let eps = a - 1.0;
    let ratio = if eps == 0.0 {
        -ln_1mz
    } else {
        -(eps * ln_1mz).exp_m1() / eps
    };
    let s = series((c - shape) * z, c - shape, a, c, z)?;
    Some(c * ratio - (eps * ln_1mz).exp() * s)
}

/// `ln(1 + eʸ)` without overflow.
fn softplus(y: f64) -> f64 {
    y.max(0.0) + (-y.abs()).exp().ln_1p()
}

/// The Beta integral by tanh-sinh quadrature: `p = 1/(1 + e^(−2u))`, `u = (π/2)·sinh(s)`,
/// trapezoid rule in s with step 1/32 on [−8, 8]. `ln p` and `ln(1 − p)` are formed from u
/// directly, so the nodes piled against 0 and 1 keep their precision.
fn beta_quadrature(shape: f64, a: f64, b_post: f64, kappa: f64) -> f64 {
    const STEP: f64 = 1.0 / 32.0;
    const HALF_NODES: i32 = 256;
    let ln_norm = ln_beta(a, b_post);
    let mut sum = 0.0;
    for k in -HALF_NODES..=HALF_NODES {
        let s = f64::from(k) * STEP;
        let u = 0.5 * PI * s.sinh();
        let (ln_p, ln_q) = (-softplus(-2.0 * u), -softplus(2.0 * u));
        // Beta density × dp/ds, with dp/ds = π·cosh(s)·p·(1 − p).
        let weight = (a * ln_p + b_post * ln_q - ln_norm).exp() * PI * s.cosh();
        let p = ln_p.exp();
        let h = if p > 0.0 {
            -(-shape * (kappa * p).ln_1p()).exp_m1() / p
        } else {
            shape * kappa
        };
        sum += weight * h;
    }
    sum * STEP
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn series_and_quadrature_agree_across_regimes() {
        // (A, a, b + x): CDNOW-like, a > 1, a ≈ 1, C < 0, large x, tiny a.
        let params = [
            (0.243, 0.793, 2.426),
            (0.5, 1.7, 3.1),
            (0.8, 1.0 + 1e-9, 9.0),
            (0.8, 0.2, 0.3),
            (29.243, 0.793, 31.426),
            (1.5, 0.05, 4.0),
            (3.0, 25.0, 2.0),
        ];
        for &(shape, a, bx) in &params {
            for kappa in [1e-6, 0.01, 0.3, 0.5, 0.51, 1.0, 5.0, 40.0, 300.0] {
                let quad = beta_quadrature(shape, a, bx, kappa);
                let k = alive_expectation(shape, a, bx, kappa);
                assert_relative_eq!(k, quad, max_relative = 1e-10);
            }
        }
    }

    #[test]
    fn very_long_horizons_fall_back_to_quadrature() {
        let c = 0.793 + 2.426 - 1.0;
        assert!(euler_series(0.243, 0.793, c, 1e6).is_none());
        // E[1/p] − E[(1 + κp)^(−A)/p] → (a + b − 1)/(a − 1) only for a > 1; here it grows.
        let k = alive_expectation(0.243, 0.793, 2.426, 1e6);
        assert!(k.is_finite() && k > alive_expectation(0.243, 0.793, 2.426, 1e5));
    }

    #[test]
    fn short_horizon_is_the_rate_times_time() {
        // For κ → 0 an alive customer buys at the posterior mean rate: K ≈ A·κ.
        assert_relative_eq!(
            alive_expectation(2.5, 0.8, 3.0, 1e-9),
            2.5e-9,
            max_relative = 1e-8
        );
        assert_eq!(alive_expectation(2.5, 0.8, 3.0, 0.0), 0.0);
    }
}
