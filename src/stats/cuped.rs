//! CUPED (Controlled-experiment Using Pre-Experiment Data, Deng et al. 2013): variance
//! reduction with a pre-period covariate.

use super::comparison::Comparison;
use super::error::{StatsError, StatsResult};
use super::means::{welch_t_test, MeanSummary};
use serde::{Deserialize, Serialize};

/// Mergeable sums of per-unit pairs (y, x): y is the experiment metric, x the same unit's
/// pre-experiment covariate (e.g. revenue in the weeks before assignment).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CupedMoments {
    /// Number of units.
    pub n: u64,
    /// Σy.
    pub sum_y: f64,
    /// Σx.
    pub sum_x: f64,
    /// Σy².
    pub sum_yy: f64,
    /// Σx².
    pub sum_xx: f64,
    /// Σxy.
    pub sum_xy: f64,
}

/// Centred sums (Σ(y − ȳ)², Σ(x − x̄)², Σ(y − ȳ)(x − x̄)) of one accumulator.
fn centred(m: &CupedMoments) -> (f64, f64, f64) {
    let n = m.n as f64;
    (
        (m.sum_yy - m.sum_y * m.sum_y / n).max(0.0),
        (m.sum_xx - m.sum_x * m.sum_x / n).max(0.0),
        m.sum_xy - m.sum_y * m.sum_x / n,
    )
}

impl CupedMoments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one unit with metric `y` and covariate `x`.
    pub fn add(&mut self, y: f64, x: f64) {
        self.n += 1;
        self.sum_y += y;
        self.sum_x += x;
        self.sum_yy += y * y;
        self.sum_xx += x * x;
        self.sum_xy += x * y;
    }

    /// Adds another accumulator's units to this one.
    pub fn merge(&mut self, other: &Self) {
        self.n += other.n;
        self.sum_y += other.sum_y;
        self.sum_x += other.sum_x;
        self.sum_yy += other.sum_yy;
        self.sum_xx += other.sum_xx;
        self.sum_xy += other.sum_xy;
    }

    fn need(&self, min: u64) -> StatsResult<()> {
        if self.n < min {
            return Err(StatsError::NotEnoughData(format!(
                "CUPED needs at least {min} unit(s), got {}",
                self.n
            )));
        }
        let sums = [
            self.sum_y,
            self.sum_x,
            self.sum_yy,
            self.sum_xx,
            self.sum_xy,
        ];
        if sums.iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(StatsError::InvalidInput(
                "CUPED sums contain NaN or infinity".into(),
            ))
        }
    }

    /// Sample means (ȳ, x̄). Needs `n ≥ 1`.
    pub fn means(&self) -> StatsResult<(f64, f64)> {
        self.need(1)?;
        let n = self.n as f64;
        Ok((self.sum_y / n, self.sum_x / n))
    }

    /// Sample covariances `(s_yy, s_xx, s_xy)` with the `n − 1` denominator. Needs `n ≥ 2`.
    pub fn covariances(&self) -> StatsResult<(f64, f64, f64)> {
        self.need(2)?;
        let d = self.n as f64 - 1.0;
        let (yy, xx, xy) = centred(self);
        Ok((yy / d, xx / d, xy / d))
    }

    /// θ = cov(y, x) / var(x), the slope that minimises the variance of `y − θx`.
    /// A constant covariate carries no information: θ = 0 (no adjustment).
    pub fn theta(&self) -> StatsResult<f64> {
        let (_, sxx, sxy) = self.covariances()?;
        Ok(if sxx > 0.0 { sxy / sxx } else { 0.0 })
    }

    /// Fraction of the variance removed with this accumulator's own θ: ρ², the squared
    /// correlation of y and x (0 when either is constant).
    pub fn variance_reduction(&self) -> StatsResult<f64> {
        let (syy, sxx, sxy) = self.covariances()?;
        Ok(if syy > 0.0 && sxx > 0.0 {
            (sxy * sxy / (syy * sxx)).min(1.0)
        } else {
            0.0
        })
    }

    /// CUPED-adjusted mean `ȳ − θ·(x̄ − x_ref)`, where `x_ref` is the covariate mean over all
    /// arms (so the adjustment averages out across the experiment).
    pub fn adjusted_mean(&self, theta: f64, x_ref: f64) -> StatsResult<f64> {
        let (y, x) = self.means()?;
        Ok(y - theta * (x - x_ref))
    }

    /// Per-unit variance of the adjusted metric, `s_yy − 2θ·s_xy + θ²·s_xx`; with this
    /// accumulator's own θ it equals `s_yy·(1 − ρ²)`.
    pub fn adjusted_variance(&self, theta: f64) -> StatsResult<f64> {
        let (syy, sxx, sxy) = self.covariances()?;
        Ok((syy - 2.0 * theta * sxy + theta * theta * sxx).max(0.0))
    }
}

impl Extend<(f64, f64)> for CupedMoments {
    fn extend<I: IntoIterator<Item = (f64, f64)>>(&mut self, iter: I) {
        for (y, x) in iter {
            self.add(y, x);
        }
    }
}

impl FromIterator<(f64, f64)> for CupedMoments {
    fn from_iter<I: IntoIterator<Item = (f64, f64)>>(iter: I) -> Self {
        let mut m = Self::new();
        m.extend(iter);
        m
    }
}

/// The θ shared by both arms: the pooled within-arm slope
/// `Σ_arms Σ(y − ȳ_a)(x − x̄_a) / Σ_arms Σ(x − x̄_a)²`. Pooling within arms keeps the treatment
/// effect on y out of the slope. 0 when the covariate is constant within both arms.
pub fn cuped_theta(control: &CupedMoments, treatment: &CupedMoments) -> StatsResult<f64> {
    control.need(2)?;
    treatment.need(2)?;
    let (_, xx_c, xy_c) = centred(control);
    let (_, xx_t, xy_t) = centred(treatment);
    let xx = xx_c + xx_t;
    Ok(if xx > 0.0 { (xy_c + xy_t) / xx } else { 0.0 })
}

/// CUPED comparison of treatment against control.
///
/// With the pooled θ ([`cuped_theta`]) and `x_ref` the covariate mean over both arms, each
/// unit's metric becomes `y − θ(x − x_ref)`. The arms' adjusted means and variances
/// ([`CupedMoments::adjusted_mean`], [`CupedMoments::adjusted_variance`]) then go through
/// [`welch_t_test`]: the result is exactly Welch's test on the adjusted per-unit values, and
/// `control` / `treatment` in the [`Comparison`] are the adjusted means. The uncertainty of θ
/// itself is ignored, as is standard (it is O(1/n)).
///
/// Edge cases are those of [`welch_t_test`]; a constant covariate gives θ = 0 and the plain
/// Welch test.
pub fn cuped_comparison(
    control: &CupedMoments,
    treatment: &CupedMoments,
    alpha: f64,
) -> StatsResult<Comparison> {
    let theta = cuped_theta(control, treatment)?;
    let x_ref = (control.sum_x + treatment.sum_x) / (control.n + treatment.n) as f64;
    let summary = |m: &CupedMoments| -> StatsResult<MeanSummary> {
        Ok(MeanSummary::new(
            m.adjusted_mean(theta, x_ref)?,
            m.adjusted_variance(theta)?.sqrt(),
            m.n,
        ))
    };
    welch_t_test(&summary(control)?, &summary(treatment)?, alpha)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    const CY: [f64; 10] = [12.0, 7.5, 0.0, 22.1, 15.3, 9.8, 4.4, 18.0, 11.1, 6.6];
    const CX: [f64; 10] = [10.0, 8.0, 1.0, 20.0, 12.0, 9.0, 5.0, 15.0, 10.5, 7.0];
    const TY: [f64; 11] = [14.2, 9.9, 3.1, 25.0, 13.7, 12.4, 6.0, 20.5, 16.8, 8.8, 10.1];
    const TX: [f64; 11] = [11.0, 7.5, 2.0, 21.0, 11.0, 10.0, 4.0, 16.0, 13.0, 6.0, 9.5];

    fn arm(y: &[f64], x: &[f64]) -> CupedMoments {
        y.iter().copied().zip(x.iter().copied()).collect()
    }

    #[test]
    fn single_arm_matches_numpy() {
        // numpy: θ = cov(y,x)/var(x) (ddof=1); ρ² = corrcoef²; var(y − θx, ddof=1).
        let c = arm(&CY, &CX);
        let theta = c.theta().unwrap();
        assert_relative_eq!(theta, 1.2357968828557062, max_relative = 1e-12);
        assert_relative_eq!(
            c.variance_reduction().unwrap(),
            0.9778586239812301,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            c.adjusted_variance(theta).unwrap(),
            0.9552675269538019,
            max_relative = 1e-9
        );
        let (syy, _, _) = c.covariances().unwrap();
        assert_relative_eq!(
            c.adjusted_variance(theta).unwrap(),
            syy * (1.0 - c.variance_reduction().unwrap()),
            max_relative = 1e-9
        );
    }

    #[test]
    fn comparison_matches_scipy_on_adjusted_values() {
        // numpy: pooled within-arm θ, adjusted y − θ(x − x̄_all); then
        // scipy.stats.ttest_ind(adj_t, adj_c, equal_var=False), Welch df, k = t.isf(0.025, df);
        // the lift's Fieller set by scipy.optimize.brentq on (m_t − ρm_c)² − k²(v_t + ρ²v_c)
        // either side of m_t/m_c, minus 1, on the adjusted means and their variances.
        let (c, t) = (arm(&CY, &CX), arm(&TY, &TX));
        assert_relative_eq!(
            cuped_theta(&c, &t).unwrap(),
            1.1965426372931378,
            max_relative = 1e-12
        );
        let r = cuped_comparison(&c, &t, 0.05).unwrap();
        assert_relative_eq!(r.control, 10.89366832808806, max_relative = 1e-12);
        assert_relative_eq!(r.treatment, 12.578483338101764, max_relative = 1e-12);
        assert_relative_eq!(r.statistic, 4.208371045618772, max_relative = 1e-9);
        assert_relative_eq!(r.p_value, 0.0005613335262313236, max_relative = 1e-9);
        assert_relative_eq!(r.df.unwrap(), 17.448737115135845, max_relative = 1e-9);
        assert_relative_eq!(r.diff_ci.0, 0.8418052352038683, max_relative = 1e-9);
        assert_relative_eq!(r.diff_ci.1, 2.52782478482354, max_relative = 1e-9);
        assert_relative_eq!(r.ci_low, 0.07367795849469738, max_relative = 1e-9);
        assert_relative_eq!(r.ci_high, 0.24428391503345703, max_relative = 1e-9);
    }

    #[test]
    fn constant_covariate_falls_back_to_welch() {
        let c = arm(&CY, &[3.0; 10]);
        let t = arm(&TY, &[3.0; 11]);
        assert_eq!(cuped_theta(&c, &t).unwrap(), 0.0);
        assert_eq!(c.variance_reduction().unwrap(), 0.0);
        let r = cuped_comparison(&c, &t, 0.05).unwrap();
        let plain = crate_welch(&CY, &TY);
        assert_relative_eq!(r.statistic, plain.statistic, max_relative = 1e-12);
        assert_relative_eq!(r.p_value, plain.p_value, max_relative = 1e-10);
    }

    fn crate_welch(c: &[f64], t: &[f64]) -> Comparison {
        use super::super::means::welch_t_test_moments;
        use super::super::moments::MeanMoments;
        let c: MeanMoments = c.iter().copied().collect();
        let t: MeanMoments = t.iter().copied().collect();
        welch_t_test_moments(&c, &t, 0.05).unwrap()
    }

    #[test]
    fn edge_cases() {
        let one = arm(&[1.0], &[1.0]);
        assert!(matches!(one.theta(), Err(StatsError::NotEnoughData(_))));
        assert!(matches!(
            CupedMoments::new().means(),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            cuped_comparison(&one, &arm(&TY, &TX), 0.05),
            Err(StatsError::NotEnoughData(_))
        ));
        assert!(matches!(
            arm(&[1.0, f64::INFINITY], &[1.0, 2.0]).theta(),
            Err(StatsError::InvalidInput(_))
        ));
    }

    proptest! {
        #[test]
        fn merge_is_order_independent_and_reduction_bounded(
            pairs in prop::collection::vec((-50.0..50.0f64, -50.0..50.0f64), 3..50),
            split in 0usize..50,
        ) {
            let split = split.min(pairs.len());
            let whole: CupedMoments = pairs.iter().copied().collect();
            let mut a: CupedMoments = pairs[split..].iter().copied().collect();
            a.merge(&pairs[..split].iter().copied().collect());
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-8 * (1.0 + x.abs().max(y.abs()));
            prop_assert!(close(a.theta().unwrap(), whole.theta().unwrap()));
            let r = whole.variance_reduction().unwrap();
            prop_assert!((0.0..=1.0).contains(&r));
            prop_assert!(close(a.variance_reduction().unwrap(), r));
        }
    }
}
