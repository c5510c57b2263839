//! Comparison of arms split into independent replicate copies (cluster-level analysis).
//!
//! When an arm's strategies learn from the arm's own traffic, every shopper of the arm is
//! served by the same learned model, and what was learned varies from run to run: a
//! per-shopper test cannot see that shared variation and rejects far too often. Splitting
//! each arm into R independent copies of its strategies, each learning only from its own
//! shoppers, turns the copy into the unit of analysis: the spread between copies measures the
//! whole variation, the shared part included.

use super::comparison::{build, standardized_test, Comparison, TestParts};
use super::error::{probability_open, StatsError, StatsResult};
use super::means::satterthwaite_df;
use super::student_t::{t_isf, t_two_sided_p};

/// One arm's ratio of sums `r = Σx/Σy` over its copies and the delta-method variance of `r`
/// across copies: `R/(R − 1)·Σ(x_c − r·y_c)²/(Σy)²`, i.e. the sample variance (R − 1
/// denominator) of the linearised residuals `x_c − r·y_c` over `R·ȳ²`.
fn arm_ratio(copies: &[(f64, f64)], arm: &str) -> StatsResult<(f64, f64)> {
    if copies.len() < 2 {
        return Err(StatsError::NotEnoughData(format!(
            "the {arm} arm needs at least 2 replicate copies for a variance, got {}",
            copies.len()
        )));
    }
    for (i, &(x, y)) in copies.iter().enumerate() {
        if !x.is_finite() || !y.is_finite() || y < 0.0 {
            return Err(StatsError::InvalidInput(format!(
                "copy {i} of the {arm} arm has numerator {x} and denominator {y}: both must be \
                 finite and the denominator non-negative"
            )));
        }
        if y == 0.0 {
            return Err(StatsError::NotEnoughData(format!(
                "copy {i} of the {arm} arm has a denominator of 0 (no units to measure)"
            )));
        }
    }
    let (sum_x, sum_y) = copies
        .iter()
        .fold((0.0, 0.0), |(sx, sy), &(x, y)| (sx + x, sy + y));
    let r = sum_x / sum_y;
    let residuals: f64 = copies.iter().map(|&(x, y)| (x - r * y).powi(2)).sum();
    let copies = copies.len() as f64;
    Ok((r, copies / (copies - 1.0) * residuals / (sum_y * sum_y)))
}

/// Treatment versus control when each arm was split into independent replicate copies, each
/// pair `(numerator, denominator)` one copy's totals: (orders, visits) for conversion,
/// (buyers, assigned) for buyer rate, (revenue, orders) for AOV, (revenue, assigned) for
/// revenue per shopper, (margin, assigned) for margin per shopper, (abandoned, carts) for cart
/// abandonment.
///
/// Each arm's metric is its ratio of copy totals `r = Σx/Σy`, with the delta-method variance
/// across its R copies `R/(R − 1)·Σ(x_c − r·y_c)²/(Σy)²`: the sample variance (R − 1
/// denominator) of the linearised residuals `x_c − r·y_c`, divided by `R·ȳ²`.
/// The test is `t = (r_t − r_c)/√(V_t + V_c)` against a Student t whose degrees of freedom
/// are Welch–Satterthwaite's on the two variance estimates, each with `R_arm − 1` degrees of
/// freedom; the lift interval is Fieller's with the same t quantile (see [`Comparison`]).
/// With R copies per arm the test has at most `2R − 2` degrees of freedom: the price of
/// honesty is a wider interval.
///
/// Edge cases: fewer than 2 copies in an arm, a copy with a denominator of 0, or a control
/// ratio of 0 → `NotEnoughData`; a negative denominator or a non-finite value →
/// `InvalidInput`; copies that all agree exactly in both arms → p-value 1 if the ratios are
/// equal, `NotEnoughData` otherwise.
pub fn replicate_comparison(
    control: &[(f64, f64)],
    treatment: &[(f64, f64)],
    alpha: f64,
) -> StatsResult<Comparison> {
    probability_open("alpha", alpha)?;
    let (rc, vc) = arm_ratio(control, "control")?;
    let (rt, vt) = arm_ratio(treatment, "treatment")?;
    let df = satterthwaite_df(
        vc,
        control.len() as f64 - 1.0,
        vt,
        treatment.len() as f64 - 1.0,
    );
    let (statistic, p_value) =
        standardized_test(rt - rc, (vc + vt).sqrt(), |t| t_two_sided_p(t, df))?;
    build(TestParts {
        control: rc,
        treatment: rt,
        var_control: vc,
        var_treatment: vt,
        statistic,
        p_value,
        crit: t_isf(alpha / 2.0, df),
        df: Some(df),
        ratio_ci: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    const CONTROL: [(f64, f64); 8] = [
        (101.0, 2010.0),
        (95.0, 1985.0),
        (120.0, 2042.0),
        (88.0, 1960.0),
        (110.0, 2003.0),
        (97.0, 2021.0),
        (105.0, 1998.0),
        (92.0, 1975.0),
    ];
    const TREATMENT: [(f64, f64); 8] = [
        (118.0, 2001.0),
        (109.0, 1990.0),
        (131.0, 2030.0),
        (99.0, 1972.0),
        (125.0, 2012.0),
        (104.0, 2008.0),
        (121.0, 1995.0),
        (113.0, 1987.0),
    ];

    // Python (numpy, scipy, statsmodels), per arm:
    //   r = x.sum()/y.sum(); V = R/(R-1)*((x - r*y)**2).sum()/y.sum()**2
    //   cross-checked: sm.WLS(x/y, np.ones(R), weights=y).fit(cov_type='HC1') gives r and
    //   bse[0]**2 == V;
    // then df = (Vc+Vt)**2/(Vc**2/(Rc-1) + Vt**2/(Rt-1)), t = (rt-rc)/sqrt(Vc+Vt),
    // p = 2*stats.t.sf(|t|, df), k = stats.t.isf(alpha/2, df), diff ± k·sqrt(Vc+Vt), and the
    // lift interval by scipy.optimize.brentq on (rt − ρ·rc)² − k²(Vt + ρ²Vc) either side of
    // rt/rc, minus 1.
    #[test]
    fn eight_copies_match_scipy() {
        let c = replicate_comparison(&CONTROL, &TREATMENT, 0.05).unwrap();
        assert_relative_eq!(c.control, 0.05051894460422658, max_relative = 1e-13);
        assert_relative_eq!(c.treatment, 0.05751797436698968, max_relative = 1e-13);
        let (_, vc) = arm_ratio(&CONTROL, "control").unwrap();
        assert_relative_eq!(vc, 2.7419213313560155e-06, max_relative = 1e-10);
        assert_relative_eq!(c.df.unwrap(), 13.929260512169522, max_relative = 1e-10);
        assert_relative_eq!(c.statistic, 2.880325789076645, max_relative = 1e-10);
        assert_relative_eq!(c.p_value, 0.012154430775007734, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.0, 0.0017848344847199646, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 0.012213225040806235, max_relative = 1e-9);
        assert_relative_eq!(c.lift, 0.13854267577429824, max_relative = 1e-12);
        assert_relative_eq!(c.ci_low, 0.03370043322984717, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.25470531410610553, max_relative = 1e-9);
        // rt/rc/(1 + Vc/rc²) − 1
        assert_relative_eq!(c.lift_corrected, 0.1373207933121079, max_relative = 1e-10);
    }

    #[test]
    fn unequal_copies_and_alpha_match_scipy() {
        // Same recipe, (revenue, orders) pairs, 6 control copies against 8, alpha = 0.10.
        let control = [
            (4210.5, 101.0),
            (3890.0, 95.0),
            (5122.25, 120.0),
            (3501.0, 88.0),
            (4620.75, 110.0),
            (3999.5, 97.0),
        ];
        let treatment = [
            (4805.0, 118.0),
            (4301.5, 109.0),
            (5560.0, 131.0),
            (3900.25, 99.0),
            (5020.0, 125.0),
            (4290.0, 104.0),
            (4975.5, 121.0),
            (4610.0, 113.0),
        ];
        let c = replicate_comparison(&control, &treatment, 0.10).unwrap();
        assert_relative_eq!(c.control, 41.47954173486088, max_relative = 1e-13);
        assert_relative_eq!(c.treatment, 40.71983695652174, max_relative = 1e-13);
        assert_relative_eq!(c.df.unwrap(), 11.169235569250413, max_relative = 1e-10);
        assert_relative_eq!(c.statistic, -1.4048330902892203, max_relative = 1e-10);
        assert_relative_eq!(c.p_value, 0.18726698345591195, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.0, -1.7295374484092554, max_relative = 1e-9);
        assert_relative_eq!(c.diff_ci.1, 0.2101278917309719, max_relative = 1e-9);
        assert_relative_eq!(c.ci_low, -0.04117065505604367, max_relative = 1e-9);
        assert_relative_eq!(c.ci_high, 0.005132026163490844, max_relative = 1e-9);
    }

    #[test]
    fn edge_cases_are_errors_or_defined() {
        let nd = |r: StatsResult<Comparison>| matches!(r, Err(StatsError::NotEnoughData(_)));
        let inv = |r: StatsResult<Comparison>| matches!(r, Err(StatsError::InvalidInput(_)));
        assert!(nd(replicate_comparison(&CONTROL[..1], &TREATMENT, 0.05)));
        assert!(nd(replicate_comparison(&CONTROL, &[], 0.05)));
        assert!(nd(replicate_comparison(
            &CONTROL,
            &[(1.0, 10.0), (0.0, 0.0)],
            0.05
        )));
        assert!(nd(replicate_comparison(
            &[(0.0, 10.0), (0.0, 12.0)],
            &TREATMENT,
            0.05
        )));
        assert!(inv(replicate_comparison(
            &CONTROL,
            &[(1.0, 10.0), (1.0, -2.0)],
            0.05
        )));
        assert!(inv(replicate_comparison(
            &CONTROL,
            &[(f64::NAN, 10.0), (1.0, 2.0)],
            0.05
        )));
        assert!(inv(replicate_comparison(&CONTROL, &TREATMENT, 1.0)));
        // Copies in exact proportion: zero variance; equal ratios → p = 1, df = 2R − 2.
        let flat = [(1.0, 10.0), (2.0, 20.0), (3.0, 30.0)];
        let same = replicate_comparison(&flat, &flat, 0.05).unwrap();
        assert_eq!(
            (same.p_value, same.statistic, same.df),
            (1.0, 0.0, Some(4.0))
        );
        assert!(nd(replicate_comparison(
            &flat,
            &[(2.0, 10.0), (4.0, 20.0)],
            0.05
        )));
    }

    proptest! {
        /// The lift interval holds the estimate, and excludes 0 exactly when p < alpha.
        #[test]
        fn lift_interval_agrees_with_the_test(
            c in prop::collection::vec((0.0..500.0f64, 1.0..5000.0f64), 2..12),
            t in prop::collection::vec((0.0..500.0f64, 1.0..5000.0f64), 2..12),
            alpha in 0.001..0.5f64,
        ) {
            if let Ok(r) = replicate_comparison(&c, &t, alpha) {
                prop_assert!((0.0..=1.0).contains(&r.p_value));
                prop_assert!(r.ci_low <= r.lift && r.lift <= r.ci_high);
                let crit = t_isf(alpha / 2.0, r.df.unwrap());
                if (r.statistic.abs() - crit).abs() > 1e-9 {
                    prop_assert_eq!(r.ci_low > 0.0 || r.ci_high < 0.0, r.p_value < alpha);
                }
            }
        }
    }
}
