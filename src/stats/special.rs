//! Special functions with the accuracy the tests demand.
//!
//! `statrs` supplies the chi-square tail (good to ~1e-13 for the small degrees of freedom used
//! here) and a starting value for the normal quantile. Its erfc is only good to ~1e-10
//! relative, so the normal tail is computed here; the log-gamma and incomplete-beta helpers
//! serve the Student t distribution (`student_t.rs`) and the Beta posteriors.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::erf::erfc_inv;
use std::f64::consts::{PI, SQRT_2};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// e^{−x²/2} with the rounding error of x² removed: x is split into a 1/64-grid part whose
/// square is exact and a small remainder. Without it Φc(37) would lose 3 digits.
fn exp_half_square(x: f64) -> f64 {
    let hi = (x * 64.0).trunc() / 64.0;
    (-0.5 * hi * hi).exp() * (-0.5 * (x - hi) * (x + hi)).exp()
}

/// Standard normal density φ(x).
pub(super) fn norm_pdf(x: f64) -> f64 {
    exp_half_square(x) / (2.0 * PI).sqrt()
}

/// Standard normal survival function 1 − Φ(x), accurate to ~1e-15 relative in both tails.
///
/// statrs' erfc is only good to ~1e-10 relative between 0.5 and 1, so the normal tail is built
/// here: below |x| = 2 from the positive series Φ(x) − ½ = φ(x)·Σ x^(2n+1)/(1·3·…·(2n+1)),
/// above it from Laplace's continued fraction for the Mills ratio
/// (1 − Φ(x))/φ(x) = 1/(x + 1/(x + 2/(x + 3/(x + …)))).
pub(super) fn norm_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < -2.0 {
        return 1.0 - norm_sf(-x);
    }
    if x < 2.0 {
        let x2 = x * x;
        let (mut term, mut sum) = (x, x);
        for n in 1..200 {
            term *= x2 / (2 * n + 1) as f64;
            sum += term;
            if term.abs() <= 1e-17 * sum.abs() {
                break;
            }
        }
        return 0.5 - norm_pdf(x) * sum;
    }
    if x > 40.0 {
        return 0.0;
    }
    // Modified Lentz for f = x + 1/(x + 2/(x + 3/(x + …))).
    const TINY: f64 = 1e-300;
    let (mut f, mut c, mut d) = (x, x, 0.0);
    for k in 1..5000 {
        let a = k as f64;
        d = x + a * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = x + a / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() <= 1e-16 {
            break;
        }
    }
    norm_pdf(x) / f
}

/// Standard normal CDF Φ(x).
pub(super) fn norm_cdf(x: f64) -> f64 {
    norm_sf(-x)
}

/// Upper quantile z with 1 − Φ(z) = q, for q in (0, 1): statrs' inverse erfc, polished by one
/// Newton step on the accurate survival function.
pub(super) fn norm_isf(q: f64) -> f64 {
    let z = SQRT_2 * erfc_inv(2.0 * q);
    let pdf = norm_pdf(z);
    if pdf > 0.0 {
        z + (norm_sf(z) - q) / pdf
    } else {
        z
    }
}

/// Two-sided normal p-value 2·(1 − Φ(|z|)).
pub(super) fn norm_two_sided_p(z: f64) -> f64 {
    (2.0 * norm_sf(z.abs())).min(1.0)
}

/// Chi-square survival function P(χ²_df > x).
pub(super) fn chi2_sf(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

/// Σ of the Stirling series correction lnΓ(z) − [(z − ½)ln z − z + ½ln 2π], for z ≥ 10.
/// Truncated after z^-13; the first omitted term is below 3e-17 at z = 10.
fn stirling_correction(z: f64) -> f64 {
    let r = 1.0 / z;
    let r2 = r * r;
    r * (1.0 / 12.0
        + r2 * (-1.0 / 360.0
            + r2 * (1.0 / 1260.0
                + r2 * (-1.0 / 1680.0
                    + r2 * (1.0 / 1188.0 + r2 * (-691.0 / 360_360.0 + r2 * (1.0 / 156.0)))))))
}

/// ln Γ(x) for x > 0: shifts small arguments up to 10 and uses the Stirling series.
pub(super) fn ln_gamma(x: f64) -> f64 {
    let mut z = x;
    let mut prod = 1.0;
    while z < 10.0 {
        prod *= z;
        z += 1.0;
    }
    (z - 0.5) * z.ln() - z + LN_SQRT_2PI + stirling_correction(z) - prod.ln()
}

/// ln Γ(x + h) − ln Γ(x) without subtracting two large log-gammas when x is large.
pub(super) fn ln_gamma_diff(x: f64, h: f64) -> f64 {
    if x >= 10.0 && x + h >= 10.0 {
        (x - 0.5) * (h / x).ln_1p() + h * (x + h).ln() - h + stirling_correction(x + h)
            - stirling_correction(x)
    } else {
        ln_gamma(x + h) - ln_gamma(x)
    }
}

/// [lnΓ(x+h) − lnΓ(x)] − [lnΓ(y+h) − lnΓ(y)], keeping the large h·ln terms from cancelling.
pub(super) fn ln_gamma_diff_diff(x: f64, y: f64, h: f64) -> f64 {
    if x >= 10.0 && y >= 10.0 {
        (x - 0.5) * (h / x).ln_1p() - (y - 0.5) * (h / y).ln_1p()
            + h * ((x - y) / (y + h)).ln_1p()
            + stirling_correction(x + h)
            - stirling_correction(x)
            - stirling_correction(y + h)
            + stirling_correction(y)
    } else {
        ln_gamma_diff(x, h) - ln_gamma_diff(y, h)
    }
}

/// ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b), via the difference form for the larger argument.
pub(super) fn ln_beta(a: f64, b: f64) -> f64 {
    let (small, large) = if a < b { (a, b) } else { (b, a) };
    ln_gamma(small) - ln_gamma_diff(large, small)
}

/// Digamma ψ(x) = d ln Γ(x)/dx for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x lifts x to
/// 10 or more, where the asymptotic series (Abramowitz & Stegun 6.3.18) truncated after x⁻¹²
/// is good to ~1e-16.
pub(super) fn digamma(x: f64) -> f64 {
    let (mut z, mut shift) = (x, 0.0);
    while z < 10.0 {
        shift -= 1.0 / z;
        z += 1.0;
    }
    let f = 1.0 / (z * z);
    let series = f
        * (1.0 / 12.0
            - f * (1.0 / 120.0
                - f * (1.0 / 252.0
                    - f * (1.0 / 240.0 - f * (1.0 / 132.0 - f * 691.0 / 32_760.0)))));
    shift + z.ln() - 0.5 / z - series
}

/// Regularized incomplete beta I_x(a, b), with y = 1 − x supplied by the caller so that values
/// of x near 1 keep their precision.
pub(super) fn beta_reg(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // The continued fraction converges quickly only below the mean-ish switch point.
    if x < (a + 1.0) / (a + b + 2.0) {
        beta_cf_side(a, b, x, y)
    } else {
        1.0 - beta_cf_side(b, a, y, x)
    }
}

fn beta_cf_side(a: f64, b: f64, x: f64, y: f64) -> f64 {
    let ln_x = if x < 0.5 { x.ln() } else { (-y).ln_1p() };
    let ln_y = if y < 0.5 { y.ln() } else { (-x).ln_1p() };
    let ln_front = a * ln_x + b * ln_y - ln_beta(a, b) - a.ln();
    (ln_front.exp() * beta_cf(a, b, x)).clamp(0.0, 1.0)
}

/// Continued fraction for the incomplete beta (modified Lentz). The number of steps grows like
/// √max(a, b), hence the generous cap.
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..2_000_000u32 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() <= 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn digamma_matches_scipy() {
        // scipy.special.digamma(x)
        assert_relative_eq!(digamma(1.0), -0.5772156649015329, max_relative = 1e-14);
        assert_relative_eq!(digamma(0.243), -4.351093864423211, max_relative = 1e-14);
        assert_relative_eq!(digamma(1e-8), -100000000.57721564, max_relative = 1e-14);
        assert_relative_eq!(digamma(3.5), 1.103156640645243, max_relative = 1e-14);
        assert_relative_eq!(digamma(1461.5), 7.2868764312710805, max_relative = 1e-14);
    }

    #[test]
    fn normal_and_chi2_match_scipy() {
        // scipy.stats.norm.isf(q)
        assert_relative_eq!(norm_isf(0.4), 0.2533471031357997, max_relative = 1e-13);
        assert_relative_eq!(norm_isf(0.025), 1.9599639845400545, max_relative = 1e-13);
        assert_relative_eq!(norm_isf(0.005), 2.575829303548901, max_relative = 1e-13);
        assert_relative_eq!(norm_isf(1e-12), 7.034483825301131, max_relative = 1e-13);
        // scipy.stats.chi2.sf(x, df)
        assert_relative_eq!(chi2_sf(0.5, 1.0), 0.47950012218695337, max_relative = 1e-12);
        assert_relative_eq!(
            chi2_sf(7.8, 3.0),
            0.050331097859853326,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            chi2_sf(30.0, 12.0),
            0.0027924293327009145,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            chi2_sf(400.0, 361.0),
            0.0768151278784308,
            max_relative = 1e-10
        );
        assert_relative_eq!(chi2_sf(1e-3, 2.0), 0.9995001249791693, max_relative = 1e-12);
        assert_eq!(chi2_sf(0.0, 2.0), 1.0);
    }

    #[test]
    fn norm_sf_matches_scipy() {
        // mpmath (30 digits): erfc(x/√2)/2
        let cases: &[(f64, f64)] = &[
            (-3.0, 0.9986501019683699),
            (0.0, 0.5),
            (0.3, 0.3820885778110474),
            (0.8416212335729143, 0.19999999999999998),
            (1.959963984540054, 0.025000000000000012),
            (1.99, 0.023295467750211823),
            (2.01, 0.022215594429431485),
            (3.5, 0.00023262907903552504),
            (8.0, 6.220960574271784e-16),
            (20.0, 2.7536241186062337e-89),
            (37.5, 4.605353009581955e-308),
        ];
        for &(x, want) in cases {
            assert_relative_eq!(norm_sf(x), want, max_relative = 1e-14);
            assert_relative_eq!(norm_cdf(-x), want, max_relative = 1e-14);
        }
        assert_relative_eq!(norm_pdf(1.5), 0.12951759566589174, max_relative = 1e-15);
    }

    #[test]
    fn ln_gamma_forms_agree() {
        // ln Γ(n) = ln((n−1)!) for small integers, and the difference forms against the plain one.
        assert_relative_eq!(ln_gamma(5.0), 24f64.ln(), max_relative = 1e-14);
        assert_relative_eq!(ln_gamma(0.5), 0.5 * PI.ln(), max_relative = 1e-14);
        assert_relative_eq!(
            ln_gamma_diff(12.5, 3.25),
            ln_gamma(15.75) - ln_gamma(12.5),
            max_relative = 1e-13
        );
        assert_relative_eq!(
            ln_gamma_diff_diff(40.0, 25.0, 7.0),
            (ln_gamma(47.0) - ln_gamma(40.0)) - (ln_gamma(32.0) - ln_gamma(25.0)),
            max_relative = 1e-12
        );
    }
}
