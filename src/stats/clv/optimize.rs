//! Maximum likelihood for the CLV models: a damped Newton method on log-parameters.
//!
//! Why not a crate: `argmin` would bring a framework (executors, observers, its own math
//! backends) for two objectives of three and four parameters, and `nalgebra` for 4×4 linear
//! algebra. Why Newton rather than Nelder–Mead (what `lifetimes` uses): both likelihoods have
//! cheap analytic gradients, and the covariance of the estimates needs the Hessian at the
//! optimum anyway. Newton converges quadratically, so the estimates land at the maximum to
//! machine precision in a dozen iterations instead of stopping wherever a simplex shrinks.
//! The damping is Levenberg–Marquardt's: solve `(H + μI)·d = −g`, grow μ when a step fails to
//! lower the objective or H is not positive definite, shrink it when a step succeeds. The
//! Hessian is the central difference of the analytic gradient.

use crate::stats::error::{StatsError, StatsResult};

/// A point where the optimiser stopped, with the objective's Hessian there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Minimum<const N: usize> {
    /// The minimising log-parameters.
    pub x: [f64; N],
    /// The objective (a negative log-likelihood) at `x`.
    pub value: f64,
    /// Central-difference Hessian of the objective at `x`, in log-parameters.
    pub hessian: [[f64; N]; N],
}

/// Log-parameters beyond ±LOG_BOUND (a parameter below 1e-13 or above 1e13) mean the
/// likelihood is still rising towards a boundary: the data do not pin the model down.
const LOG_BOUND: f64 = 30.0;
const MAX_ITERATIONS: usize = 200;
/// Largest change of one log-parameter in a step: a factor of e⁴ keeps trial points finite.
const MAX_STEP: f64 = 4.0;
/// Step for the finite-difference Hessian in log-parameters: the gradient's rounding error
/// (~1e-16 of its terms) over the step, against the h² truncation error.
const HESSIAN_STEP: f64 = 1e-5;

/// Minimises `f` from `x0`. `f` returns the objective and writes its gradient; a non-finite
/// value marks a point outside the objective's domain. `what` names the model in errors.
pub(super) fn minimize<const N: usize>(
    what: &str,
    f: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    x0: [f64; N],
) -> StatsResult<Minimum<N>> {
    let no_maximum = || {
        StatsError::NotEnoughData(format!(
            "the {what} likelihood has no maximum at finite parameters \
             (too few customers, or too little variety among them)"
        ))
    };
    let mut x = x0;
    let mut g = [0.0; N];
    let mut value = f(&x, &mut g);
    if !value.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::InvalidInput(format!(
            "the {what} likelihood is not finite at the starting values"
        )));
    }
    let mut mu = 0.0_f64;
    for _ in 0..MAX_ITERATIONS {
        let h = hessian(&f, &x)?;
        let scale = (0..N).map(|i| h[i][i].abs()).fold(1e-12, f64::max);
        let mut improved = false;
        while mu <= 1e10 * scale {
            let Some(step) = newton_step(&h, &g, mu) else {
                mu = (mu * 10.0).max(1e-8 * scale);
                continue;
            };
            let decrement: f64 = -dot(&g, &step);
            // The quadratic model predicts a fall of decrement/2; below rounding, we are done.
            if decrement <= 1e-13 * (1.0 + value.abs()) {
                return finish(what, &f, x, value, h, no_maximum);
            }
            let mut trial = x;
            for (t, d) in trial.iter_mut().zip(&step) {
                *t += d.clamp(-MAX_STEP, MAX_STEP);
            }
            let mut g_trial = [0.0; N];
            let v_trial = f(&trial, &mut g_trial);
            if v_trial.is_finite() && g_trial.iter().all(|v| v.is_finite()) && v_trial < value {
                (x, value, g) = (trial, v_trial, g_trial);
                mu /= 10.0;
                if mu < 1e-8 * scale {
                    mu = 0.0;
                }
                improved = true;
                break;
            }
            mu = (mu * 10.0).max(1e-8 * scale);
        }
        if x.iter().any(|v| v.abs() > LOG_BOUND) {
            return Err(no_maximum());
        }
        if !improved {
            // No damping lowers the objective: the gradient is at rounding level.
            return finish(what, &f, x, value, h, no_maximum);
        }
    }
    Err(StatsError::NotEnoughData(format!(
        "the {what} fit did not converge in {MAX_ITERATIONS} iterations"
    )))
}

/// Recomputes the Hessian at the final point and checks it is a proper maximum of the
/// likelihood (a positive definite Hessian of the negative log-likelihood).
fn finish<const N: usize>(
    what: &str,
    f: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    x: [f64; N],
    value: f64,
    h_last: [[f64; N]; N],
    no_maximum: impl Fn() -> StatsError,
) -> StatsResult<Minimum<N>> {
    if x.iter().any(|v| v.abs() > LOG_BOUND) {
        return Err(no_maximum());
    }
    let hessian = hessian(f, &x).unwrap_or(h_last);
    if cholesky(&hessian).is_none() {
        return Err(StatsError::NotEnoughData(format!(
            "the {what} information matrix is singular: the data cannot separate its parameters"
        )));
    }
    Ok(Minimum { x, value, hessian })
}

/// Central differences of the analytic gradient, symmetrised.
fn hessian<const N: usize>(
    f: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    x: &[f64; N],
) -> StatsResult<[[f64; N]; N]> {
    let mut h = [[0.0; N]; N];
    let (mut gp, mut gm) = ([0.0; N], [0.0; N]);
    for j in 0..N {
        let (mut xp, mut xm) = (*x, *x);
        xp[j] += HESSIAN_STEP;
        xm[j] -= HESSIAN_STEP;
        let (vp, vm) = (f(&xp, &mut gp), f(&xm, &mut gm));
        if !vp.is_finite() || !vm.is_finite() {
            return Err(StatsError::NotEnoughData(
                "the likelihood is not finite next to the estimate".into(),
            ));
        }
        for i in 0..N {
            h[i][j] = (gp[i] - gm[i]) / (2.0 * HESSIAN_STEP);
        }
    }
    let mut symmetric = h;
    for (i, row) in symmetric.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = 0.5 * (h[i][j] + h[j][i]);
        }
    }
    let h = symmetric;
    if h.iter().flatten().any(|v| !v.is_finite()) {
        return Err(StatsError::NotEnoughData(
            "the likelihood's curvature is not finite at the estimate".into(),
        ));
    }
    Ok(h)
}

/// Solves `(H + μI)·d = −g`, or `None` when the damped matrix is not positive definite.
fn newton_step<const N: usize>(h: &[[f64; N]; N], g: &[f64; N], mu: f64) -> Option<[f64; N]> {
    let mut damped = *h;
    for (i, row) in damped.iter_mut().enumerate() {
        row[i] += mu;
    }
    let l = cholesky(&damped)?;
    let mut rhs = *g;
    rhs.iter_mut().for_each(|v| *v = -*v);
    Some(cholesky_solve(&l, &rhs))
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Lower-triangular L with L·Lᵀ = A, or `None` if A is not (numerically) positive definite.
pub(super) fn cholesky<const N: usize>(a: &[[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                // Relative pivot test: a pivot lost to rounding means a singular matrix.
                if !s.is_finite() || s <= 1e-13 * a[i][i].abs() {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

fn cholesky_solve<const N: usize>(l: &[[f64; N]; N], b: &[f64; N]) -> [f64; N] {
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// Covariance of the natural parameters θ = exp(x) from the Hessian of the negative
/// log-likelihood in log-parameters: `Cov(θ) = diag(θ)·H⁻¹·diag(θ)`. The chain rule's
/// gradient term vanishes at the optimum, so this equals the inverse observed information in θ.
pub(super) fn natural_covariance<const N: usize>(m: &Minimum<N>) -> StatsResult<[[f64; N]; N]> {
    let l = cholesky(&m.hessian)
        .ok_or_else(|| StatsError::NotEnoughData("the information matrix is singular".into()))?;
    let theta = m.x.map(f64::exp);
    let mut cov = [[0.0; N]; N];
    for j in 0..N {
        let mut e = [0.0; N];
        e[j] = 1.0;
        let col = cholesky_solve(&l, &e);
        for i in 0..N {
            cov[i][j] = theta[i] * col[i] * theta[j];
        }
    }
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn finds_the_minimum_of_a_rosenbrock_valley() {
        // f = (1 − x)² + 100(y − x²)²: a curved valley where undamped Newton overshoots.
        let f = |p: &[f64; 2], g: &mut [f64; 2]| {
            let (x, y) = (p[0], p[1]);
            g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
            g[1] = 200.0 * (y - x * x);
            (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
        };
        let m = minimize("test", f, [-1.2, 1.0]).unwrap();
        assert_relative_eq!(m.x[0], 1.0, epsilon = 1e-6);
        assert_relative_eq!(m.x[1], 1.0, epsilon = 1e-6);
        // The exact Hessian at (1, 1) is [[802, −400], [−400, 200]].
        assert_relative_eq!(m.hessian[0][0], 802.0, max_relative = 1e-5);
        assert_relative_eq!(m.hessian[0][1], -400.0, max_relative = 1e-5);
    }

    #[test]
    fn reports_an_objective_that_falls_forever() {
        // exp(−x) + y² keeps falling as x grows: no finite minimum.
        let f = |p: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = -(-p[0]).exp();
            g[1] = 2.0 * p[1];
            (-p[0]).exp() + p[1] * p[1]
        };
        let e = minimize("test", f, [0.0, 1.0]).unwrap_err();
        assert!(matches!(e, StatsError::NotEnoughData(_)), "{e}");
    }

    #[test]
    fn covariance_inverts_the_hessian_in_natural_units() {
        let m = Minimum {
            x: [0.0, 2f64.ln()],
            value: 0.0,
            hessian: [[4.0, 1.0], [1.0, 3.0]],
        };
        // H⁻¹ = [[3, −1], [−1, 4]] / 11, scaled by θ = (1, 2) on both sides.
        let cov = natural_covariance(&m).unwrap();
        assert_relative_eq!(cov[0][0], 3.0 / 11.0, max_relative = 1e-14);
        assert_relative_eq!(cov[0][1], -2.0 / 11.0, max_relative = 1e-14);
        assert_relative_eq!(cov[1][1], 16.0 / 11.0, max_relative = 1e-14);
    }
}
