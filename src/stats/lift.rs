//! Confidence intervals for the ratio ρ = treatment / control (the relative lift is ρ − 1),
//! each found by inverting the very test that gives the p-value. The interval is the set of
//! ratios the test would not reject, so it excludes ρ = 1 (a lift of 0) exactly when p < α.
//!
//! * [`fieller`]: for two independent, approximately normal estimates (means, ratio metrics,
//!   CUPED-adjusted means, replicate totals). Fieller (1954).
//! * [`score_ratio`]: for two binomial proportions, the score interval of Koopman (1984) and
//!   Miettinen & Nurminen (1985) without their `n/(n − 1)` variance factor, whose test at
//!   ρ = 1 is the pooled two-proportion z-test.

/// Fieller's confidence set for ρ = T/C, from independent estimates `t` (variance `var_t`)
/// and `c` (variance `var_c`) and the two-sided critical value `crit` of the test:
/// `{ρ : (t − ρc)² ≤ crit²·(var_t + ρ²·var_c)}`. At ρ = 1 the condition reads
/// `|t − c|/√(var_t + var_c) ≤ crit`, the z or Welch test of no difference.
///
/// When the control is more than `crit` standard errors from 0 (`c² > crit²·var_c`) the set
/// is a bounded interval around `t/c`. Otherwise no data can bound the ratio (the control
/// might be 0): the set is the whole line or two rays, `(−∞, g₁] ∪ [g₂, +∞)`. The ray that
/// holds the estimate `t/c` is returned, unless ρ = 1 belongs to the set only through the
/// other ray, in which case the whole line `(−∞, +∞)` is returned; either way the result
/// contains ρ = 1 exactly when the set does. Infinite ends are returned as ±∞.
pub(super) fn fieller(t: f64, var_t: f64, c: f64, var_c: f64, crit: f64) -> (f64, f64) {
    let k2 = crit * crit;
    let rho = t / c;
    // q(ρ) = aρ² − 2bρ + e ≤ 0 defines the set.
    let (a, b, e) = (c * c - k2 * var_c, t * c, t * t - k2 * var_t);
    let whole = (f64::NEG_INFINITY, f64::INFINITY);
    if a > 0.0 {
        // The discriminant b² − ae equals k²(var_t·a + t²·var_c) ≥ 0, written without
        // cancellation.
        let half = crit * (var_t * a + t * t * var_c).sqrt() / a;
        let centre = b / a;
        // t/c lies inside mathematically; the min/max only absorb rounding.
        return ((centre - half).min(rho), (centre + half).max(rho));
    }
    if a == 0.0 {
        // q is linear: one ray, the one that holds t/c (or everything when b = 0).
        let edge = e / (2.0 * b);
        return match b.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => (edge.min(rho), f64::INFINITY),
            Some(std::cmp::Ordering::Less) => (f64::NEG_INFINITY, edge.max(rho)),
            _ => whole,
        };
    }
    let disc = b * b - a * e;
    if disc <= 0.0 {
        return whole;
    }
    // a < 0: q > 0 only on the gap between its roots g₁ < g₂.
    let s = disc.sqrt();
    let (g1, g2) = ((b + s) / a, (b - s) / a);
    let ray = if rho <= g1 {
        (f64::NEG_INFINITY, g1.max(rho))
    } else {
        (g2.min(rho), f64::INFINITY)
    };
    let holds_one = (t - c).powi(2) <= k2 * (var_t + var_c);
    if holds_one && !(ray.0 <= 1.0 && 1.0 <= ray.1) {
        whole
    } else {
        ray
    }
}

/// Numerator and standard error of the score statistic for `H₀: p_t = ρ·p_c`:
/// `(p̂_t − ρ·p̂_c, √(p̃_t(1 − p̃_t)/n_t + ρ²·p̃_c(1 − p̃_c)/n_c))`, where `p̃` are the maximum
/// likelihood estimates under H₀ (Miettinen & Nurminen 1985, eq. for the risk ratio; the
/// same as statsmodels' `score_test_proportions_2indep(compare='ratio', correction=False)`).
///
/// At ρ = 1 the restricted estimates are the pooled rate `p̄`, and the statistic is the
/// pooled two-proportion z: `(p̂_t − p̂_c)/√(p̄(1 − p̄)(1/n_c + 1/n_t))`.
pub(super) fn score_parts(xc: f64, nc: f64, xt: f64, nt: f64, rho: f64) -> (f64, f64) {
    let diff = xt / nt - rho * (xc / nc);
    if rho == 1.0 {
        let pooled = (xc + xt) / (nc + nt);
        return (
            diff,
            (pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nt)).sqrt(),
        );
    }
    // p̃_c is the smaller root of A·p² + B·p + C with A = Nρ, B = −(n_tρ + x_t + n_c + x_cρ),
    // C = x_t + x_c; the form 2C/(−B + √(B² − 4AC)) avoids cancellation.
    let (a, b, q) = ((nc + nt) * rho, -(nt * rho + xt + nc + xc * rho), xt + xc);
    let root = (b * b - 4.0 * a * q).max(0.0).sqrt();
    let pc = if q > 0.0 {
        (2.0 * q / (root - b)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pt = (rho * pc).min(1.0);
    let var = (pt * (1.0 - pt)).max(0.0) / nt + rho * rho * (pc * (1.0 - pc)).max(0.0) / nc;
    (diff, var.sqrt())
}

/// The score statistic itself, with 0/0 read as 0 (the data sit exactly on H₀).
fn score_z(xc: f64, nc: f64, xt: f64, nt: f64, rho: f64) -> f64 {
    let (diff, se) = score_parts(xc, nc, xt, nt, rho);
    if se > 0.0 {
        diff / se
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * f64::INFINITY
    }
}

/// Score interval for ρ = p_t/p_c: every ρ ≥ 0 whose score statistic ([`score_parts`]) lies
/// within `±crit`. The statistic decreases in ρ, from +∞ near 0 (when `x_t > 0`) to −∞
/// (when `x_c > 0`, required here), so each end is found by bisection. With no treatment
/// successes the lower end is 0 (a lift of −100%) and the upper end stays informative.
pub(super) fn score_ratio(xc: u64, nc: u64, xt: u64, nt: u64, crit: f64) -> (f64, f64) {
    let (xc, nc, xt, nt) = (xc as f64, nc as f64, xt as f64, nt as f64);
    let z = |rho: f64| score_z(xc, nc, xt, nt, rho);
    let rho = (xt / nt) / (xc / nc);
    let low = if xt > 0.0 {
        let (mut below, mut above) = (rho / 2.0, rho);
        while z(below) <= crit {
            above = below;
            below /= 2.0;
        }
        bisect(&z, crit, below, above)
    } else {
        0.0
    };
    let (mut below, mut above) = (rho, if rho > 0.0 { 2.0 * rho } else { 1.0 });
    while z(above) >= -crit {
        below = above;
        above *= 2.0;
    }
    (low, bisect(&z, -crit, below, above))
}

/// The point where the decreasing `f` crosses `level`, given `f(lo) ≥ level ≥ f(hi)`
/// (up to which side of the crossing each end was found on), to rounding precision.
fn bisect(f: &impl Fn(f64) -> f64, level: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) > level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const K: f64 = 1.9599639845400545; // scipy.stats.norm.isf(0.025)

    /// The Fieller sets below come from scipy.optimize.brentq(f, ..., xtol=1e-15) on
    /// f(ρ) = (T − ρC)² − K²(VT + ρ²VC), bracketed by a grid scan of the sign of f.
    #[test]
    fn fieller_bounded_matches_root_finding() {
        // T = 12, VT = 4, C = 10, VC = 1 → [0.7793007008029685, 1.7165774297988095].
        let (lo, hi) = fieller(12.0, 4.0, 10.0, 1.0, K);
        assert_relative_eq!(lo, 0.7793007008029685, max_relative = 1e-12);
        assert_relative_eq!(hi, 1.7165774297988095, max_relative = 1e-12);
    }

    #[test]
    fn fieller_unbounded_sets() {
        // T = 5 ± 1, C = 1 ± 1: the gap is (−5.006622252455523, 1.4873032578705023); the test
        // rejects ρ = 1 (z = 2.83) and the ray holding 5 is returned.
        let (lo, hi) = fieller(5.0, 1.0, 1.0, 1.0, K);
        assert_relative_eq!(lo, 1.4873032578705023, max_relative = 1e-12);
        assert_eq!(hi, f64::INFINITY);
        // T = 3 ± 1, C = 1 ± 1: gap (−2.7675666387691793, 0.655975242018167); z = 1.41, and
        // ρ = 1 shares the upper ray with the estimate 3.
        let (lo, hi) = fieller(3.0, 1.0, 1.0, 1.0, K);
        assert_relative_eq!(lo, 0.655975242018167, max_relative = 1e-12);
        assert_eq!(hi, f64::INFINITY);
        // T = −1.5 ± 1, C = 1.5 ± 1: gap (0.4143861184572311, 2.413208250611828), z = −2.12
        // rejects, the estimate −1 is in the lower ray.
        let (lo, hi) = fieller(-1.5, 1.0, 1.5, 1.0, K);
        assert_eq!(lo, f64::NEG_INFINITY);
        assert_relative_eq!(hi, 0.4143861184572311, max_relative = 1e-12);
        // T = 0.5, VT = 0.1, C = −1.5, VC = 1: gap (0.10005117544452331, 0.8424802809118299),
        // z = 1.91 keeps ρ = 1, but in the ray away from the estimate −1/3: the whole line.
        let whole = (f64::NEG_INFINITY, f64::INFINITY);
        assert_eq!(fieller(0.5, 0.1, -1.5, 1.0, K), whole);
        // T = 1.5 ± 1, C = 1 ± 1: f < 0 everywhere, every ratio is compatible.
        assert_eq!(fieller(1.5, 1.0, 1.0, 1.0, K), whole);
    }

    #[test]
    fn score_statistic_at_one_is_the_pooled_z() {
        // statsmodels proportions_ztest([240, 200], [10000, 10000]) → 1.928253932283215, and
        // score_test_proportions_2indep(240, 10000, 200, 10000, compare='ratio',
        // correction=False).statistic → the same value.
        let z = score_z(200.0, 10_000.0, 240.0, 10_000.0, 1.0);
        assert_relative_eq!(z, 1.928253932283215, max_relative = 1e-12);
        // score_test_proportions_2indep(240, 10000, 200, 10000, value=1.3, compare='ratio',
        // correction=False).statistic
        let z = score_z(200.0, 10_000.0, 240.0, 10_000.0, 1.3);
        assert_relative_eq!(z, -0.8454814447978962, max_relative = 1e-10);
    }
}
