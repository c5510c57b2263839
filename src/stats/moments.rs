//! Mergeable sufficient statistics that the simulator accumulates per arm.
//!
//! Both types store plain sums, so two accumulators (one per worker thread, one per day, ...)
//! combine by adding their fields: merging is associative and commutative up to floating-point
//! rounding. Sample (co)variances use the `n − 1` denominator. When the centred sum of squares
//! is within rounding noise of zero (relative to the raw sum of squares) it is snapped to
//! exactly 0, so a constant metric reports zero variance instead of a 1e-17 artefact.

use super::error::{StatsError, StatsResult};
use serde::{Deserialize, Serialize};

/// Relative size below which a centred sum of squares is rounding noise.
fn snap(centred: f64, raw_scale: f64, n: u64) -> f64 {
    let noise = 16.0 * f64::EPSILON * (n as f64).sqrt() * raw_scale.abs();
    if centred <= noise {
        0.0
    } else {
        centred
    }
}

fn need(n: u64, min: u64, what: &str) -> StatsResult<()> {
    if n >= min {
        Ok(())
    } else {
        Err(StatsError::NotEnoughData(format!(
            "{what} needs at least {min} unit(s), got {n}"
        )))
    }
}

fn checked(v: f64, what: &str) -> StatsResult<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(StatsError::InvalidInput(format!(
            "{what} is not finite: the accumulated values contain NaN or infinity"
        )))
    }
}

/// Count, sum and sum of squares of a per-unit metric (e.g. revenue per shopper).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MeanMoments {
    /// Number of units.
    pub n: u64,
    /// Σx.
    pub sum: f64,
    /// Σx².
    pub sum_sq: f64,
}

impl MeanMoments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one unit's value.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// Adds another accumulator's units to this one.
    pub fn merge(&mut self, other: &Self) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// Sample mean Σx / n. Needs `n ≥ 1`.
    pub fn mean(&self) -> StatsResult<f64> {
        need(self.n, 1, "a mean")?;
        checked(self.sum / self.n as f64, "the mean")
    }

    /// Sample variance (Σx² − (Σx)²/n) / (n − 1). Needs `n ≥ 2`.
    pub fn variance(&self) -> StatsResult<f64> {
        need(self.n, 2, "a variance")?;
        let n = self.n as f64;
        let centred = snap(self.sum_sq - self.sum * (self.sum / n), self.sum_sq, self.n);
        checked(centred / (n - 1.0), "the variance")
    }

    /// Sample standard deviation √variance. Needs `n ≥ 2`.
    pub fn sd(&self) -> StatsResult<f64> {
        self.variance().map(f64::sqrt)
    }
}

impl Extend<f64> for MeanMoments {
    fn extend<I: IntoIterator<Item = f64>>(&mut self, iter: I) {
        for x in iter {
            self.add(x);
        }
    }
}

impl FromIterator<f64> for MeanMoments {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut m = Self::new();
        m.extend(iter);
        m
    }
}

/// Per-shopper sums for a ratio metric Σx / Σy clustered by shopper, where x is the numerator
/// of one shopper (e.g. orders) and y the denominator (e.g. visits).
///
/// Visits of one shopper are correlated, so the visit is not an independent unit; the delta
/// method below treats the shopper (the randomization unit) as the unit instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RatioMoments {
    /// Number of shoppers.
    pub n: u64,
    /// Σx (numerator total).
    pub sum_x: f64,
    /// Σy (denominator total).
    pub sum_y: f64,
    /// Σx².
    pub sum_xx: f64,
    /// Σy².
    pub sum_yy: f64,
    /// Σxy.
    pub sum_xy: f64,
}

impl RatioMoments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one shopper with numerator `x` and denominator `y`.
    pub fn add(&mut self, x: f64, y: f64) {
        self.n += 1;
        self.sum_x += x;
        self.sum_y += y;
        self.sum_xx += x * x;
        self.sum_yy += y * y;
        self.sum_xy += x * y;
    }

    /// Adds another accumulator's shoppers to this one.
    pub fn merge(&mut self, other: &Self) {
        self.n += other.n;
        self.sum_x += other.sum_x;
        self.sum_y += other.sum_y;
        self.sum_xx += other.sum_xx;
        self.sum_yy += other.sum_yy;
        self.sum_xy += other.sum_xy;
    }

    /// Mean numerator per shopper μx = Σx / n.
    pub fn mean_x(&self) -> StatsResult<f64> {
        need(self.n, 1, "a mean")?;
        checked(self.sum_x / self.n as f64, "the numerator mean")
    }

    /// Mean denominator per shopper μy = Σy / n.
    pub fn mean_y(&self) -> StatsResult<f64> {
        need(self.n, 1, "a mean")?;
        checked(self.sum_y / self.n as f64, "the denominator mean")
    }

    /// Sample covariances `(s_xx, s_yy, s_xy)` with the `n − 1` denominator. Needs `n ≥ 2`.
    pub fn covariances(&self) -> StatsResult<(f64, f64, f64)> {
        need(self.n, 2, "a covariance")?;
        let n = self.n as f64;
        let sxx = snap(
            self.sum_xx - self.sum_x * self.sum_x / n,
            self.sum_xx,
            self.n,
        );
        let syy = snap(
            self.sum_yy - self.sum_y * self.sum_y / n,
            self.sum_yy,
            self.n,
        );
        let sxy = self.sum_xy - self.sum_x * self.sum_y / n;
        Ok((
            checked(sxx / (n - 1.0), "s_xx")?,
            checked(syy / (n - 1.0), "s_yy")?,
            checked(sxy / (n - 1.0), "s_xy")?,
        ))
    }

    /// The ratio R̂ = Σx / Σy. Needs at least one shopper and Σy ≠ 0.
    pub fn ratio(&self) -> StatsResult<f64> {
        need(self.n, 1, "a ratio")?;
        if self.sum_y == 0.0 {
            return Err(StatsError::NotEnoughData(
                "the denominator total is 0, so the ratio is undefined".into(),
            ));
        }
        checked(self.sum_x / self.sum_y, "the ratio")
    }

    /// Delta-method variance of R̂:
    /// `Var(R̂) ≈ (1/n)·(s_xx/μy² − 2·μx·s_xy/μy³ + μx²·s_yy/μy⁴)`.
    ///
    /// Computed in the equivalent residual form `Σ(x − R̂y)² / ((n − 1)·n·μy²)`, which avoids
    /// subtracting the large mean terms. Needs `n ≥ 2` and Σy ≠ 0.
    pub fn ratio_variance(&self) -> StatsResult<f64> {
        need(self.n, 2, "a ratio variance")?;
        let r = self.ratio()?;
        let n = self.n as f64;
        let mean_y = self.sum_y / n;
        let resid = self.sum_xx - 2.0 * r * self.sum_xy + r * r * self.sum_yy;
        let resid = snap(resid, self.sum_xx + r * r * self.sum_yy, self.n);
        checked(
            resid / ((n - 1.0) * n * mean_y * mean_y),
            "the ratio variance",
        )
    }
}

impl Extend<(f64, f64)> for RatioMoments {
    fn extend<I: IntoIterator<Item = (f64, f64)>>(&mut self, iter: I) {
        for (x, y) in iter {
            self.add(x, y);
        }
    }
}

impl FromIterator<(f64, f64)> for RatioMoments {
    fn from_iter<I: IntoIterator<Item = (f64, f64)>>(iter: I) -> Self {
        let mut m = Self::new();
        m.extend(iter);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    #[test]
    fn mean_moments_match_numpy() {
        // numpy: mean([3.1, 0, 7.4, ...]) = 4.33, var(ddof=1) = 14.597888888888892,
        // std(ddof=1) = 3.8207183734068773
        let m: MeanMoments = [3.1, 0.0, 7.4, 2.2, 5.9, 0.0, 12.5, 4.4, 1.8, 6.0]
            .into_iter()
            .collect();
        assert_relative_eq!(m.mean().unwrap(), 4.33, max_relative = 1e-12);
        assert_relative_eq!(
            m.variance().unwrap(),
            14.597888888888892,
            max_relative = 1e-12
        );
        assert_relative_eq!(m.sd().unwrap(), 3.8207183734068773, max_relative = 1e-12);
    }

    #[test]
    fn mean_moments_edge_cases() {
        let empty = MeanMoments::new();
        assert!(matches!(empty.mean(), Err(StatsError::NotEnoughData(_))));
        let mut one = MeanMoments::new();
        one.add(5.0);
        assert_eq!(one.mean().unwrap(), 5.0);
        assert!(matches!(one.variance(), Err(StatsError::NotEnoughData(_))));
        let constant: MeanMoments = std::iter::repeat_n(0.1, 1000).collect();
        assert_eq!(constant.variance().unwrap(), 0.0);
        let mut bad = MeanMoments::new();
        bad.add(f64::NAN);
        assert!(matches!(bad.mean(), Err(StatsError::InvalidInput(_))));
    }

    #[test]
    fn ratio_moments_match_numpy_delta_method() {
        // numpy: R = Σx/Σy; Var = (S_xx/μy² − 2μx S_xy/μy³ + μx² S_yy/μy⁴)/n with np.cov(ddof=1)
        // → R = 0.3076923076923077, Var = 0.007639151926816928
        let x = [0., 1., 0., 2., 0., 0., 1., 3., 0., 1., 0., 0.];
        let y = [1., 3., 2., 4., 1., 1., 2., 5., 1., 2., 3., 1.];
        let m: RatioMoments = x.into_iter().zip(y).collect();
        assert_relative_eq!(m.ratio().unwrap(), 0.3076923076923077, max_relative = 1e-12);
        assert_relative_eq!(
            m.ratio_variance().unwrap(),
            0.007639151926816928,
            max_relative = 1e-12
        );
        // The textbook form with sample covariances gives the same number.
        let (sxx, syy, sxy) = m.covariances().unwrap();
        let (mx, my) = (m.mean_x().unwrap(), m.mean_y().unwrap());
        let textbook =
            (sxx / my.powi(2) - 2.0 * mx * sxy / my.powi(3) + mx * mx * syy / my.powi(4)) / 12.0;
        assert_relative_eq!(m.ratio_variance().unwrap(), textbook, max_relative = 1e-12);
    }

    #[test]
    fn ratio_moments_edge_cases() {
        let empty = RatioMoments::new();
        assert!(matches!(empty.ratio(), Err(StatsError::NotEnoughData(_))));
        let no_visits: RatioMoments = [(0.0, 0.0), (0.0, 0.0)].into_iter().collect();
        assert!(matches!(
            no_visits.ratio(),
            Err(StatsError::NotEnoughData(_))
        ));
        let one: RatioMoments = [(1.0, 2.0)].into_iter().collect();
        assert_eq!(one.ratio().unwrap(), 0.5);
        assert!(matches!(
            one.ratio_variance(),
            Err(StatsError::NotEnoughData(_))
        ));
        // Every shopper has the same ratio: no variability left.
        let proportional: RatioMoments = [(0.3, 1.0), (0.6, 2.0), (0.9, 3.0)].into_iter().collect();
        assert_eq!(proportional.ratio_variance().unwrap(), 0.0);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    proptest! {
        #[test]
        fn mean_merge_is_order_independent(
            xs in prop::collection::vec(-1e3..1e3f64, 2..60),
            split in 0usize..60,
        ) {
            let split = split.min(xs.len());
            let whole: MeanMoments = xs.iter().copied().collect();
            let mut a: MeanMoments = xs[..split].iter().copied().collect();
            let b: MeanMoments = xs[split..].iter().copied().collect();
            let mut b2 = b;
            a.merge(&b);
            b2.merge(&xs[..split].iter().copied().collect());
            prop_assert_eq!(a.n, whole.n);
            prop_assert!(close(a.mean().unwrap(), whole.mean().unwrap()));
            prop_assert!(close(b2.mean().unwrap(), whole.mean().unwrap()));
            prop_assert!(close(a.variance().unwrap(), whole.variance().unwrap()));
            prop_assert!(close(b2.variance().unwrap(), whole.variance().unwrap()));
            prop_assert!(whole.variance().unwrap() >= 0.0);
        }

        #[test]
        fn ratio_merge_is_order_independent(
            xs in prop::collection::vec((0.0..20.0f64, 1.0..30.0f64), 2..60),
            split in 0usize..60,
        ) {
            let split = split.min(xs.len());
            let whole: RatioMoments = xs.iter().copied().collect();
            let mut a: RatioMoments = xs[split..].iter().copied().collect();
            a.merge(&xs[..split].iter().copied().collect());
            prop_assert!(close(a.ratio().unwrap(), whole.ratio().unwrap()));
            prop_assert!(close(a.ratio_variance().unwrap(), whole.ratio_variance().unwrap()));
            prop_assert!(whole.ratio_variance().unwrap() >= 0.0);
        }
    }
}
