//! Statistics for shoplab's A/B/n experiments: pure functions on summary statistics.
//!
//! The simulator accumulates small, mergeable sums per arm ([`MeanMoments`],
//! [`RatioMoments`], [`CupedMoments`], or plain counts); everything here turns those sums into
//! estimates, intervals and p-values. Nothing in this module touches the rest of the crate.
//!
//! # Conventions
//!
//! * Every comparison is **treatment versus control**: `diff = treatment − control`,
//!   `lift = treatment / control − 1`.
//! * `alpha` is the two-sided significance level; intervals have coverage `1 − alpha`.
//! * **No NaN, no panics.** Bad inputs give [`StatsError::InvalidInput`]; inputs that are
//!   valid but too thin (an arm without traffic, fewer than two units, a control value of 0
//!   for a relative lift, a metric with zero variance in both arms whose values differ) give
//!   [`StatsError::NotEnoughData`]. Where a number is well defined it is returned instead:
//!   identical zero-variance arms have p-value 1, an all-zero row of a contingency table is
//!   dropped, a constant CUPED covariate means "no adjustment".
//! * Degrees of freedom are reported when the reference distribution is Student's t.
//!
//! # Methods, in plain words
//!
//! **Sufficient statistics** ([`moments`]). Each arm keeps n, Σx and Σx² (and cross products
//! for ratios). Merging two accumulators adds their fields, so worker threads and days combine
//! in any order. Sample variances use `n − 1`.
//!
//! **The common result** ([`Comparison`]). Every test reports the absolute difference with a
//! symmetric interval `diff ± crit·√(Var T + Var C)` (crit is z_{1−α/2}, or the t quantile
//! with the test's degrees of freedom), the relative lift `T/C − 1` and an interval for the
//! lift, the test statistic and its p-value.
//!
//! **What a lift interval means.** It is the set of relative lifts the test itself would not
//! reject: for each candidate ratio ρ, ask "is the treatment ρ times the control?" with the
//! same test and the same α; keep the ρ that pass. Asking it at ρ = 1 is the ordinary test of
//! no difference, so the lift interval excludes 0 exactly when `p < α`, and the interval and
//! the p-value never tell different stories. Two constructions, one per kind of test:
//!
//! * *Fieller's interval* (means, ratio metrics, CUPED, replicates): the ρ with
//!   `|T − ρC| ≤ crit·√(Var T + ρ²·Var C)`. It is asymmetric, as a ratio's uncertainty is,
//!   and it is as good as the normal (or t) approximation of the two estimates: close to
//!   exact for large samples, approximate for small ones or skewed metrics (at ~40 orders
//!   per arm an AOV lift interval covered 94.7% instead of 95% in simulation). When the
//!   control is within `crit` standard errors of 0, the data cannot rule out a control of 0
//!   and no ratio is too large: one end is infinite (`ci_high = +∞`, written `null` in
//!   JSON), and that is the honest answer. If both estimates are non-negative the interval
//!   is cut at −100%.
//! * *The score interval* (two proportions): the ρ for which the score test, which
//!   re-estimates both rates under "p_T = ρ·p_C", stays within `±z_{1−α/2}` (Koopman 1984;
//!   Miettinen & Nurminen 1985 without their n/(n − 1) factor; statsmodels
//!   `confint_proportions_2indep(method='score', compare='ratio', correction=False)`). At
//!   ρ = 1 the score test is the pooled z-test, so it agrees with the p-value. It is
//!   approximate like every normal-theory test, but behaves at small counts: no treatment
//!   successes give an interval from −100% to a real upper end, not a single point, and both
//!   arms at 100% give a real interval around 0.
//!
//! **The lift's own bias.** `T̂/Ĉ` overstates `T/C` on average, because `E[1/Ĉ] > 1/C`: to
//! second order `E[T̂/Ĉ] ≈ (T/C)·(1 + Var Ĉ/C²)`. The bias is negligible at thousands of
//! units but about +2.2 points of lift for AOV at ~40 orders per arm (simulation in
//! `tests/stats_simulation.rs`). `lift` stays the plain ratio the user can recompute from
//! the two arms; `lift_corrected = (T̂/Ĉ)/(1 + Var Ĉ/Ĉ²) − 1` divides the bias out (+0.25
//! points left in that simulation).
//!
//! **Proportions** ([`two_proportion_z_test`]): buyer rate, cart abandonment. Under "no
//! difference" both arms share one rate, so the test pools them:
//! `z = (p_T − p_C)/√(p̄(1 − p̄)(1/n_C + 1/n_T))`. The difference's interval does not assume
//! equal rates: `(p_T − p_C) ± z_{1−α/2}·√(p_C(1 − p_C)/n_C + p_T(1 − p_T)/n_T)`; the lift's
//! is the score interval above.
//!
//! **Means** ([`welch_t_test`], [`welch_t_test_moments`]): revenue and margin per shopper.
//! Welch's t does not assume equal variances: `t = (m_T − m_C)/√(s_C²/n_C + s_T²/n_T)` with
//! Welch–Satterthwaite degrees of freedom
//! `ν = (v_C + v_T)²/(v_C²/(n_C − 1) + v_T²/(n_T − 1))`, `v = s²/n`.
//!
//! **Ratio metrics** ([`ratio_comparison`]): conversion per visit, AOV. Visits of one shopper
//! are not independent, so the unit is the shopper: with x = numerator and y = denominator per
//! shopper, `R = Σx/Σy` and the delta method gives
//! `Var(R) ≈ (1/n)·(s_xx/μy² − 2μx·s_xy/μy³ + μx²·s_yy/μy⁴)`; then a z-test on `R_T − R_C`.
//!
//! **Replicate copies** ([`replicate_comparison`]). When an arm's strategies learn from its
//! own traffic, all its shoppers share what was learned, and that varies from run to run by
//! an amount no per-shopper test can see (in simulation a per-shopper test rejected 17% of
//! A/A pairs whose copies varied as much between them as within). Splitting each arm into R
//! independent copies, each learning only from its own shoppers, makes the copy the unit:
//! each metric is a ratio of copy totals `r = Σx_c/Σy_c`, its variance comes from the spread
//! between copies, `R/(R − 1)·Σ(x_c − r·y_c)²/(Σy_c)²` (the delta method across copies),
//! and the test is a t with Welch–Satterthwaite degrees of freedom, each arm's variance
//! counting `R − 1`. Its intervals therefore carry the variation of what was learned, not
//! only the sampling of shoppers. They are approximate in two ways: the copy totals are
//! taken as normal (fine at thousands of units per copy), and with R = 8 and similar arms
//! Welch's estimated degrees of freedom make the test slightly conservative (4.7–4.8%
//! rejections at α = 5%, 95.3–95.5% coverage, over 20,000 simulations).
//!
//! **Many comparisons** ([`holm`], [`benjamini_hochberg`]). Holm controls the chance of any
//! false positive: sort p ascending, multiply the i-th smallest by `m − i + 1`, make the
//! sequence non-decreasing, cap at 1. Benjamini–Hochberg controls the expected share of false
//! positives among the discoveries: multiply the i-th smallest by `m/i`, make it
//! non-increasing from the top, cap at 1. Both return adjusted p-values in input order.
//!
//! **Planning** ([`power`]). Units per arm for a two-sided test of proportions (Fleiss, no
//! continuity correction):
//! `n = (z_{1−α/2}·√(2p̄(1 − p̄)) + z_{1−β}·√(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²`,
//! `p₂ = p₁(1 + relative MDE)`; for means `n = 2(z_{1−α/2} + z_{1−β})²σ²/δ²`. The minimum
//! detectable effect inverts these (in closed form for means, by bisection for proportions)
//! and `achieved_power_*` gives the power for a fixed n. With `arms > 2`, α is divided by the
//! `arms − 1` comparisons against control (Bonferroni).
//!
//! **Sample-ratio mismatch** ([`srm_check`]). If arms were meant to get traffic in shares w,
//! the observed counts should follow them: `χ² = Σ(O − E)²/E`, `E = N·w`, on `arms − 1`
//! degrees of freedom. A p-value below 0.001 ([`SRM_THRESHOLD`]) means the assignment is
//! probably broken and the experiment's results should not be trusted.
//!
//! **Rates over simulations** ([`clopper_pearson`]). A false-positive rate or a coverage
//! counted over n runs is a binomial proportion; its exact interval takes the Beta quantiles
//! `[B(α/2; k, n − k + 1), B(1 − α/2; k + 1, n − k)]` (Clopper & Pearson 1934), which never
//! cover less than the level, unlike a normal interval near 0 or 1.
//!
//! **Independence** ([`chi_square_independence`]). For a table of counts (e.g. converted / not
//! converted × factorial cell): `E_ij = R_i·C_j/N`, `χ² = Σ(O − E)²/E` on `(r − 1)(c − 1)`
//! degrees of freedom, without Yates' correction.
//!
//! **Peeking safely** ([`sequential`]). A fixed-horizon p-value checked every day will cross
//! 0.05 far more often than 5% of the time. The mixture SPRT (Johari et al. 2017) compares
//! "effect θ drawn from N(0, τ²)" with "no effect" for an estimate `d ~ N(θ, V)`:
//! `Λ = √(V/(V + τ²))·exp(τ²d²/(2V(V + τ²)))`. Its always-valid p-value is the running minimum
//! of `min(1, 1/Λ)` and its confidence sequence is
//! `d ± √(2V(V + τ²)/τ²·(ln(1/α) + ½ln((V + τ²)/V)))`, intersected over looks; both may be
//! read at any time. τ² should match the effect size one cares about: [`tau_sq_for_mde`]
//! picks the τ² that makes the interval narrowest when a fixed-horizon test would have had
//! the requested power (≈ MDE²).
//!
//! **Chance to beat control** ([`bayes`]). With uniform priors the conversion rates have Beta
//! posteriors `Beta(1 + x, 1 + n − x)`; `P(p_T > p_C)` is computed exactly by Evan Miller's
//! finite sum, and the expected loss of shipping the treatment is `E[max(p_C − p_T, 0)]`, the
//! conversion rate given up on average if it is in fact worse. For means the posterior of the
//! difference is taken as normal, `D ~ N(d, se²)`: `P(D > 0) = Φ(d/se)` and
//! `E[max(−D, 0)] = se·φ(d/se) − d·(1 − Φ(d/se))`.
//!
//! **CUPED** ([`cuped`]). A shopper's pre-experiment behaviour x predicts the experiment
//! metric y, so subtracting the predictable part reduces noise without bias:
//! `y' = y − θ(x − x̄)`, `θ = cov(y, x)/var(x)`. The variance falls by the factor `1 − ρ²`
//! (ρ = corr(y, x)). Comparisons use one θ pooled within the two arms, then Welch's test on y'.
//!
//! **Factorial designs** ([`factorial_effects`]). In a 2^k factorial each factor's main effect
//! is the average of the cells at its high level minus the average at its low level, and the
//! two-way interaction of i and j is half the change in i's effect when j goes from low to
//! high; higher-order interactions (up to the k-way one) nest the same way. Every contrast is `Σ ±mean/2^(k−1)` with variance `Σ var_of_mean/4^(k−1)`.
//!
//! # Numerical accuracy
//!
//! Every statistic is checked in the unit tests against independently computed values (scipy,
//! statsmodels, mpmath or hand-worked examples), mostly to 1e-9 relative or better. The normal
//! tail and the Student t distribution are implemented here rather than taken from `statrs`,
//! whose erfc is good to only ~1e-10 and whose t quantile is off by percents at 10⁷ degrees
//! of freedom.

pub mod auc;
pub mod bayes;
pub mod binomial;
pub mod clv;
pub mod comparison;
pub mod cuped;
pub mod error;
pub mod factorial;
pub mod independence;
mod lift;
pub mod means;
pub mod moments;
pub mod multiple;
pub mod power;
pub mod proportions;
pub mod ratio;
pub mod replicates;
pub mod sequential;
mod special;
pub mod srm;
mod student_t;

pub use auc::auc;
pub use bayes::{
    beta_binomial_chance_to_beat, normal_chance_to_beat, normal_chance_to_beat_means, BayesResult,
};
pub use binomial::clopper_pearson;
pub use clv::{
    fit_bg_nbd, fit_gamma_gamma, project_clv, BgNbdFit, BgNbdParams, ClvProjection, ClvReport,
    CustomerSummary, GammaGammaFit, GammaGammaParams, IntervalMethod, ProjectionOptions,
    SpendModel,
};
pub use comparison::Comparison;
pub use cuped::{cuped_comparison, cuped_theta, CupedMoments};
pub use error::{StatsError, StatsResult};
pub use factorial::{contrast, factorial_effects, FactorialCell, FactorialEffect};
pub use independence::{chi_square_independence, ChiSquareResult};
pub use means::{welch_df, welch_t_test, welch_t_test_moments, MeanSummary};
pub use moments::{MeanMoments, RatioMoments};
pub use multiple::{benjamini_hochberg, holm};
pub use power::{
    achieved_power_means, achieved_power_proportions, bonferroni_alpha, mde_means, mde_proportions,
    sample_size_means, sample_size_proportions,
};
pub use proportions::two_proportion_z_test;
pub use ratio::ratio_comparison;
pub use replicates::replicate_comparison;
pub use sequential::{
    confidence_sequence, msprt_log_likelihood_ratio, msprt_p_value, optimal_tau_sq, tau_sq_for_mde,
    SequentialPath,
};
pub use srm::{srm_check, SrmResult, SRM_THRESHOLD};

/// The two-sided critical value of the standard normal at level `alpha` (1.96 at 0.05).
pub fn z_critical(alpha: f64) -> f64 {
    special::norm_isf(alpha / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_serialize_without_nan() {
        let c = two_proportion_z_test(200, 10_000, 240, 10_000, 0.05).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        // serde_json writes NaN as null; the only null allowed is the absent df of a z-test.
        assert!(!json.replace("\"df\":null", "").contains("null"));
        let back: Comparison = serde_json::from_str(&json).unwrap();
        assert!((back.ci_low - c.ci_low).abs() < 1e-15 && back.df.is_none());
        let m: MeanMoments = [1.0, 2.0, 4.0].into_iter().collect();
        let back: MeanMoments = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        // An unbounded lift interval: its infinite end is written as null and read back.
        let wide = welch_t_test(
            &MeanSummary::new(1.0, 3.0, 10),
            &MeanSummary::new(5.0, 3.0, 10),
            0.05,
        )
        .unwrap();
        let json = serde_json::to_string(&wide).unwrap();
        assert!(json.contains("\"ci_high\":null"));
        let back: Comparison = serde_json::from_str(&json).unwrap();
        assert_eq!(back.ci_high, f64::INFINITY);
        assert!((back.ci_low - wide.ci_low).abs() < 1e-15);
        let e = StatsError::NotEnoughData("x".into());
        assert_eq!(e.to_string(), "not enough data: x");
    }
}
