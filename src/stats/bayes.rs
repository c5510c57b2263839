//! Bayesian "chance to beat control" and expected loss.

use super::error::{finite, StatsError, StatsResult};
use super::means::MeanSummary;
use super::special::{ln_gamma_diff_diff, norm_cdf, norm_pdf, norm_sf};
use serde::{Deserialize, Serialize};

/// Posterior summary of treatment versus control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BayesResult {
    /// Posterior probability that the treatment metric exceeds the control metric.
    pub prob_treatment_better: f64,
    /// Expected loss of shipping the treatment, E[max(control − treatment, 0)]: how much is
    /// given up, on average over the posterior, if the treatment is in fact worse.
    pub expected_loss_treatment: f64,
    /// Expected loss of keeping the control, E[max(treatment − control, 0)].
    pub expected_loss_control: f64,
}

/// Above this many summation terms the Beta posteriors are replaced by normals: with every
/// Beta parameter above 5·10⁶ the posterior skewness is below 1e-3.
const MAX_EXACT_TERMS: f64 = 5.0e6;

/// P(Y > X) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2) with a positive integer a2, by Evan
/// Miller's closed form
/// `Σ_{i=0}^{a2−1} B(a1 + i, b1 + b2) / ((b2 + i)·B(1 + i, b2)·B(a1, b1))`.
///
/// Consecutive terms differ by the factor `(a1 + i)(b2 + i) / ((a1 + b1 + b2 + i)(1 + i))`,
/// so only the first term needs log-gamma functions; the rest is a running product, kept in
/// range by exact power-of-two rescaling. All terms are positive: no cancellation.
fn miller_sum(a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
    // term_0 = B(a1, b1 + b2) / B(a1, b1)
    let ln_first = ln_gamma_diff_diff(b1, a1 + b1, b2);
    let scale_step = 2f64.powi(-600);
    let (mut term, mut sum, mut ln_scale) = (1.0f64, 0.0f64, ln_first);
    let mut i = 0.0;
    while i < a2 {
        sum += term;
        term *= (a1 + i) * (b2 + i) / ((a1 + b1 + b2 + i) * (1.0 + i));
        if term > 1e250 || sum > 1e250 {
            term *= scale_step;
            sum *= scale_step;
            ln_scale += 600.0 * std::f64::consts::LN_2;
        }
        i += 1.0;
    }
    (sum.ln() + ln_scale).exp()
}

/// P(Y > X) for X ~ Beta(ax, bx), Y ~ Beta(ay, by) with integer parameters, summing over the
/// smallest of the four parameters via the symmetries P(Y > X) = 1 − P(X > Y) and
/// (X, Y) → (1 − Y, 1 − X).
fn prob_greater(ax: f64, bx: f64, ay: f64, by: f64) -> f64 {
    let smallest = ax.min(bx).min(ay).min(by);
    let p = if smallest > MAX_EXACT_TERMS {
        let (mx, vx) = beta_mean_var(ax, bx);
        let (my, vy) = beta_mean_var(ay, by);
        norm_sf((mx - my) / (vx + vy).sqrt())
    } else if smallest == ay {
        miller_sum(ax, bx, ay, by)
    } else if smallest == ax {
        1.0 - miller_sum(ay, by, ax, bx)
    } else if smallest == bx {
        miller_sum(by, ay, bx, ax)
    } else {
        1.0 - miller_sum(bx, ax, by, ay)
    };
    p.clamp(0.0, 1.0)
}

fn beta_mean_var(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (a / s, a * b / (s * s * (s + 1.0)))
}

/// Beta-Binomial chance to beat control with uniform Beta(1, 1) priors: the posteriors are
/// `p_C ~ Beta(1 + x_C, 1 + n_C − x_C)` and `p_T ~ Beta(1 + x_T, 1 + n_T − x_T)`.
///
/// * `P(p_T > p_C)` is exact: Evan Miller's finite sum over the smallest posterior parameter,
///   with the first term from log-gamma differences and the others from a running ratio. Cost
///   is O(min(x, n − x) + 1) over both arms, a few milliseconds at n = 10⁶; accurate to about
///   1e-12 for n ≤ 10⁴ and 1e-10 at n = 10⁶. Above 5·10⁶ successes *and* failures in every arm
///   the posteriors are treated as normal (skewness < 1e-3).
/// * Expected loss of choosing the treatment, using `E[p·g(p)] = E[p]·E_{a+1}[g(p)]` for a
///   Beta(a, b) variable:
///   `E[max(p_C − p_T, 0)] = E[p_C]·P(p_C⁺ > p_T) − E[p_T]·P(p_C > p_T⁺)`, where `⁺` raises
///   that posterior's first parameter by one. The loss of keeping control follows from
///   `max(d, 0) − max(−d, 0) = d`.
///
/// Errors: an arm with no traffic (the answer would only restate the prior) → `NotEnoughData`;
/// successes above trials → `InvalidInput`.
pub fn beta_binomial_chance_to_beat(
    successes_c: u64,
    n_c: u64,
    successes_t: u64,
    n_t: u64,
) -> StatsResult<BayesResult> {
    for (arm, x, n) in [
        ("control", successes_c, n_c),
        ("treatment", successes_t, n_t),
    ] {
        if n == 0 {
            return Err(StatsError::NotEnoughData(format!(
                "the {arm} arm has no traffic"
            )));
        }
        if x > n {
            return Err(StatsError::InvalidInput(format!(
                "the {arm} arm has {x} successes out of {n} trials"
            )));
        }
    }
    let (ac, bc) = (1.0 + successes_c as f64, 1.0 + (n_c - successes_c) as f64);
    let (at, bt) = (1.0 + successes_t as f64, 1.0 + (n_t - successes_t) as f64);
    let prob = prob_greater(ac, bc, at, bt);
    let (mean_c, mean_t) = (ac / (ac + bc), at / (at + bt));
    let loss_t = (mean_c * prob_greater(at, bt, ac + 1.0, bc)
        - mean_t * prob_greater(at + 1.0, bt, ac, bc))
    .max(0.0);
    Ok(BayesResult {
        prob_treatment_better: prob,
        expected_loss_treatment: loss_t,
        expected_loss_control: (loss_t + mean_t - mean_c).max(0.0),
    })
}

/// Chance to beat and expected loss when the posterior of the difference
/// `D = treatment − control` is normal, `D ~ N(diff, se²)` (flat priors and large samples):
///
/// * `P(D > 0) = Φ(diff/se)`
/// * `E[max(−D, 0)] = se·φ(diff/se) − diff·(1 − Φ(diff/se))` — the mean of the positive part
///   of a normal N(m, s²) is `m·Φ(m/s) + s·φ(m/s)`, here with m = −diff, s = se.
/// * `E[max(D, 0)] = E[max(−D, 0)] + diff`.
///
/// `se = 0` gives the degenerate posterior: probability 1, ½ or 0 and the matching losses.
pub fn normal_chance_to_beat(diff: f64, se: f64) -> StatsResult<BayesResult> {
    let d = finite("diff", diff)?;
    if !(se.is_finite() && se >= 0.0) {
        return Err(StatsError::InvalidInput(format!(
            "se must be finite and non-negative, got {se}"
        )));
    }
    if se == 0.0 {
        let prob = if d > 0.0 {
            1.0
        } else if d < 0.0 {
            0.0
        } else {
            0.5
        };
        return Ok(BayesResult {
            prob_treatment_better: prob,
            expected_loss_treatment: (-d).max(0.0),
            expected_loss_control: d.max(0.0),
        });
    }
    let z = d / se;
    let loss_t = (se * norm_pdf(z) - d * norm_sf(z)).max(0.0);
    Ok(BayesResult {
        prob_treatment_better: norm_cdf(z),
        expected_loss_treatment: loss_t,
        expected_loss_control: (loss_t + d).max(0.0),
    })
}

/// [`normal_chance_to_beat`] for two arms' means: `diff = m_T − m_C`,
/// `se = √(s_C²/n_C + s_T²/n_T)`. Needs at least 2 units per arm.
pub fn normal_chance_to_beat_means(
    control: &MeanSummary,
    treatment: &MeanSummary,
) -> StatsResult<BayesResult> {
    control.validate("control")?;
    treatment.validate("treatment")?;
    normal_chance_to_beat(
        treatment.mean - control.mean,
        (control.var_of_mean() + treatment.var_of_mean()).sqrt(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    fn check(
        (xc, nc, xt, nt): (u64, u64, u64, u64),
        (p, loss_t, loss_c): (f64, f64, f64),
        tol: f64,
    ) {
        let r = beta_binomial_chance_to_beat(xc, nc, xt, nt).unwrap();
        assert_abs_diff_eq!(r.prob_treatment_better, p, epsilon = tol);
        assert_abs_diff_eq!(r.expected_loss_treatment, loss_t, epsilon = tol);
        assert_abs_diff_eq!(r.expected_loss_control, loss_c, epsilon = tol);
    }

    #[test]
    fn beta_matches_high_precision_integration() {
        // mpmath (40 digits): P = ∫ f_T(t)·I_t(a_C, b_C) dt and
        // E[max(p_C − p_T, 0)] = ∫ f_T(t)·(m_C·(1 − I_t(a_C+1, b_C)) − t·(1 − I_t(a_C, b_C))) dt
        // over ±30 posterior sds in 60 panels.
        check(
            (200, 10_000, 240, 10_000),
            (
                0.9730138504775647,
                2.1424138084013933e-05,
                0.00402062429805202,
            ),
            1e-12,
        );
        check(
            (3, 50, 7, 60),
            (
                0.8314459596479506,
                0.005258807666819964,
                0.05736798880825917,
            ),
            1e-12,
        );
        check(
            (0, 100, 0, 100),
            (0.5, 0.004877813194243214, 0.004877813194243214),
            1e-12,
        );
        check(
            (10, 10, 9, 10),
            (
                0.23809523809523808,
                0.10144927536231885,
                0.018115942028985508,
            ),
            1e-12,
        );
        check(
            (0, 20, 1, 5),
            (
                0.9572649572649573,
                0.0018037518037518038,
                0.24206349206349206,
            ),
            1e-12,
        );
    }

    #[test]
    fn beta_large_n_matches_scipy_integration() {
        // scipy.integrate.quad of beta.pdf(t; a_T, b_T)·beta.cdf(t; a_C, b_C) (Boost ibeta) over
        // 200 panels spanning ±30 posterior sds; loss likewise. Agrees with the mpmath value at
        // n = 10⁴ to 1e-16.
        check(
            (20_000, 1_000_000, 20_300, 1_000_000),
            (
                0.9344373860732879,
                5.69656449627709e-06,
                0.0003056959644974766,
            ),
            1e-10,
        );
        check(
            (480_000, 1_000_000, 481_000, 1_000_000),
            (
                0.9215082058127401,
                2.5048384723607045e-05,
                0.0010250463847276126,
            ),
            1e-10,
        );
        check(
            (999_990, 1_000_000, 999_995, 1_000_000),
            (
                0.8949441537497845,
                2.0786695176893333e-07,
                5.207856951794376e-06,
            ),
            1e-10,
        );
    }

    #[test]
    fn beta_symmetry_and_edges() {
        let ab = beta_binomial_chance_to_beat(30, 1000, 45, 1200).unwrap();
        let ba = beta_binomial_chance_to_beat(45, 1200, 30, 1000).unwrap();
        assert_abs_diff_eq!(
            ab.prob_treatment_better + ba.prob_treatment_better,
            1.0,
            epsilon = 1e-13
        );
        assert_abs_diff_eq!(
            ab.expected_loss_treatment,
            ba.expected_loss_control,
            epsilon = 1e-15
        );
        assert!(matches!(
            beta_binomial_chance_to_beat(0, 0, 1, 10),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            beta_binomial_chance_to_beat(11, 10, 1, 10),
            Err(StatsError::InvalidInput(_))
        ));
        let all = beta_binomial_chance_to_beat(10, 10, 10, 10).unwrap();
        assert_abs_diff_eq!(all.prob_treatment_better, 0.5, epsilon = 1e-14);
        // Above the exact-sum limit the normal approximation takes over.
        let huge =
            beta_binomial_chance_to_beat(6_000_000, 12_000_000, 6_004_000, 12_000_000).unwrap();
        let (m1, v1) = beta_mean_var(6_000_001.0, 6_000_001.0);
        let (m2, v2) = beta_mean_var(6_004_001.0, 5_996_001.0);
        assert_abs_diff_eq!(
            huge.prob_treatment_better,
            norm_cdf((m2 - m1) / (v1 + v2).sqrt()),
            epsilon = 1e-15
        );
    }

    #[test]
    fn normal_matches_scipy() {
        // scipy.stats.norm.sf(0, d, se) and scipy.integrate.quad of max(−x, 0)·N(x; d, se²).
        let cases = [
            (
                0.3,
                0.2,
                0.9331927987311419,
                0.005861358752520926,
                0.3058613587525209,
            ),
            (
                -0.05,
                0.1,
                0.3085375387259869,
                0.06977965574013062,
                0.019779655740130617,
            ),
            (0.0, 1.5, 0.5, 0.5984134206021491, 0.5984134206021491),
        ];
        for (d, se, p, lt, lc) in cases {
            let r = normal_chance_to_beat(d, se).unwrap();
            assert_abs_diff_eq!(r.prob_treatment_better, p, epsilon = 1e-13);
            assert_abs_diff_eq!(r.expected_loss_treatment, lt, epsilon = 1e-12);
            assert_abs_diff_eq!(r.expected_loss_control, lc, epsilon = 1e-12);
        }
        let r = normal_chance_to_beat(-2.0, 0.0).unwrap();
        assert_eq!(
            (
                r.prob_treatment_better,
                r.expected_loss_treatment,
                r.expected_loss_control
            ),
            (0.0, 2.0, 0.0)
        );
        assert!(normal_chance_to_beat(1.0, -1.0).is_err());
        let m = normal_chance_to_beat_means(
            &MeanSummary::new(10.0, 2.0, 30),
            &MeanSummary::new(11.0, 2.5, 40),
        )
        .unwrap();
        let direct = normal_chance_to_beat(1.0, (4.0f64 / 30.0 + 6.25 / 40.0).sqrt()).unwrap();
        assert_eq!(m, direct);
        assert!(normal_chance_to_beat_means(
            &MeanSummary::new(1.0, 1.0, 1),
            &MeanSummary::new(1.0, 1.0, 5)
        )
        .is_err());
    }

    proptest! {
        #[test]
        fn probabilities_and_losses_are_sane(
            nc in 1u64..3000, nt in 1u64..3000, fc in 0.0..=1.0f64, ft in 0.0..=1.0f64,
        ) {
            let xc = (nc as f64 * fc) as u64;
            let xt = (nt as f64 * ft) as u64;
            let r = beta_binomial_chance_to_beat(xc, nc, xt, nt).unwrap();
            prop_assert!((0.0..=1.0).contains(&r.prob_treatment_better));
            prop_assert!(r.expected_loss_treatment >= 0.0 && r.expected_loss_control >= 0.0);
            let s = beta_binomial_chance_to_beat(xt, nt, xc, nc).unwrap();
            prop_assert!((r.prob_treatment_better + s.prob_treatment_better - 1.0).abs() < 1e-10);
        }
    }
}
