//! The Gamma-Gamma model of spend per transaction: Colombo & Jiang (1999), "A stochastic RFM
//! model", Journal of Interactive Marketing 13(3); in the form of Fader, Hardie & Lee (2005),
//! "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of Marketing
//! Research 42(4), 415–430, and Fader & Hardie's note "The Gamma-Gamma Model of Monetary
//! Value" (2013), whose equation numbers are used below.
//!
//! A customer's transaction values are Gamma(p, ν) with mean p/ν; across customers
//! ν ~ Gamma(q, v), v in the caller's unit of value. Spend is assumed independent of the
//! purchase process, which is what lets the projection multiply the two models' expectations.

use super::customer::CustomerSummary;
use super::optimize::{minimize, natural_covariance, Minimum};
use crate::stats::error::{StatsError, StatsResult};
use crate::stats::special::{digamma, ln_gamma, ln_gamma_diff};
use serde::Serialize;

/// The three Gamma-Gamma parameters, all positive and finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGammaParams {
    p: f64,
    q: f64,
    v: f64,
}

impl GammaGammaParams {
    /// Checks that every parameter is positive and finite.
    pub fn new(p: f64, q: f64, v: f64) -> StatsResult<Self> {
        for (name, x) in [("p", p), ("q", q), ("v", v)] {
            if !(x.is_finite() && x > 0.0) {
                return Err(StatsError::InvalidInput(format!(
                    "Gamma-Gamma parameter {name} must be positive and finite, got {x}"
                )));
            }
        }
        Ok(Self { p, q, v })
    }

    /// Shape p of one customer's transaction values.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Shape q of the gamma distribution of the customers' rate ν.
    pub fn q(&self) -> f64 {
        self.q
    }

    /// Rate-scale v of the gamma distribution of ν, in units of value.
    pub fn v(&self) -> f64 {
        self.v
    }

    /// Mean transaction value across customers, `E[p/ν] = p·v/(q − 1)`; infinite unless q > 1.
    pub fn population_mean(&self) -> StatsResult<f64> {
        if self.q <= 1.0 {
            return Err(StatsError::NotEnoughData(format!(
                "the fitted spend distribution has no finite mean (q = {} ≤ 1)",
                self.q
            )));
        }
        Ok(self.p * self.v / (self.q - 1.0))
    }

    /// Expected value of this customer's future transactions given their x repeat purchases
    /// of mean z̄, eq. 5: `(p·v + p·x·z̄)/(p·x + q − 1)`, a weighted average of the population
    /// mean and z̄ (only the population mean when x = 0).
    pub fn conditional_mean_value(&self, customer: &CustomerSummary) -> StatsResult<f64> {
        let x = f64::from(customer.frequency());
        let px = self.p * x;
        if px + self.q <= 1.0 {
            return self.population_mean();
        }
        let mean = if x > 0.0 { customer.mean_value() } else { 0.0 };
        Ok(self.p * (self.v + x * mean) / (px + self.q - 1.0))
    }

    fn log(&self) -> [f64; 3] {
        [self.p.ln(), self.q.ln(), self.v.ln()]
    }

    pub(super) fn from_log(phi: &[f64; 3]) -> Self {
        let [p, q, v] = phi.map(f64::exp);
        Self { p, q, v }
    }
}

/// A maximum-likelihood Gamma-Gamma fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGammaFit {
    /// The estimates (p, q, v).
    pub params: GammaGammaParams,
    /// The maximised log-likelihood of the repeat buyers' mean values (eq. 3).
    pub log_likelihood: f64,
    /// Covariance of (p, q, v): the inverse observed information.
    pub covariance: [[f64; 3]; 3],
    /// Number of customers fitted: those with at least one repeat purchase.
    pub customers: usize,
}

impl GammaGammaFit {
    pub(super) fn from_minimum(min: &Minimum<3>, customers: usize) -> StatsResult<Self> {
        Ok(Self {
            params: GammaGammaParams::from_log(&min.x),
            log_likelihood: -min.value,
            covariance: natural_covariance(min)?,
            customers,
        })
    }

    /// Standard errors of (p, q, v).
    pub fn standard_errors(&self) -> [f64; 3] {
        std::array::from_fn(|i| self.covariance[i][i].sqrt())
    }
}

/// Fits the Gamma-Gamma model by maximum likelihood to the repeat buyers' (x, z̄); customers
/// without a repeat purchase carry no information on spend in this model and are skipped.
/// A repeat buyer's mean value must be positive.
pub fn fit_gamma_gamma(customers: &[CustomerSummary]) -> StatsResult<GammaGammaFit> {
    let data = SpendData::new(customers)?;
    let weights = vec![1.0; data.len()];
    GammaGammaFit::from_minimum(&data.fit(&weights, None)?, data.len())
}

/// The repeat buyers' (x, z̄), with a map from each customer to their row.
pub(super) struct SpendData {
    rows: Vec<SpendRow>,
    frequencies: Vec<u32>,
    /// Customer i's row, or `None` without a repeat purchase.
    pub row_of: Vec<Option<usize>>,
}

struct SpendRow {
    x: f64,
    x_index: usize,
    mean: f64,
    ln_mean: f64,
}

impl SpendData {
    pub fn new(customers: &[CustomerSummary]) -> StatsResult<Self> {
        let mut frequencies: Vec<u32> = customers
            .iter()
            .map(|c| c.frequency())
            .filter(|&x| x > 0)
            .collect();
        frequencies.sort_unstable();
        frequencies.dedup();
        let (mut rows, mut row_of) = (Vec::new(), Vec::with_capacity(customers.len()));
        for (i, c) in customers.iter().enumerate() {
            if c.frequency() == 0 {
                row_of.push(None);
                continue;
            }
            if c.mean_value() <= 0.0 {
                return Err(StatsError::InvalidInput(format!(
                    "customer {i} has {} repeat purchases but a mean value of {}: the \
                     Gamma-Gamma model needs positive values",
                    c.frequency(),
                    c.mean_value()
                )));
            }
            row_of.push(Some(rows.len()));
            rows.push(SpendRow {
                x: f64::from(c.frequency()),
                x_index: frequencies.binary_search(&c.frequency()).unwrap_or(0),
                mean: c.mean_value(),
                ln_mean: c.mean_value().ln(),
            });
        }
        if rows.is_empty() {
            return Err(StatsError::NotEnoughData(
                "no customer made a repeat purchase: the Gamma-Gamma model cannot be fitted".into(),
            ));
        }
        Ok(Self {
            rows,
            frequencies,
            row_of,
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Maximises the likelihood with rows weighted by `weights`, from `start` or from
    /// p = 1, q = 2 and v matching the mean of z̄.
    pub fn fit(
        &self,
        weights: &[f64],
        start: Option<&GammaGammaParams>,
    ) -> StatsResult<Minimum<3>> {
        let total: f64 = weights.iter().sum();
        if total == 0.0 {
            return Err(StatsError::NotEnoughData(
                "no repeat buyer to fit the Gamma-Gamma model to".into(),
            ));
        }
        let x0 = match start {
            Some(p) => p.log(),
            None => {
                let mean = self
                    .rows
                    .iter()
                    .zip(weights)
                    .map(|(r, w)| r.mean * w)
                    .sum::<f64>()
                    / total;
                [0.0, 2f64.ln(), mean.ln()]
            }
        };
        minimize(
            "Gamma-Gamma",
            |phi, grad| self.neg_log_likelihood(weights, phi, grad),
            x0,
        )
    }

    /// Negative log-likelihood of eq. 3 (the density of z̄ given x),
    /// `lnΓ(px + q) − lnΓ(px) − lnΓ(q) + q ln v + (px − 1) ln z̄ + px ln x − (px + q) ln(x z̄ + v)`,
    /// and its gradient in φ = ln(p, q, v).
    fn neg_log_likelihood(&self, weights: &[f64], phi: &[f64; 3], grad: &mut [f64; 3]) -> f64 {
        let [p, q, v] = phi.map(f64::exp);
        if ![p, q, v].iter().all(|x| x.is_finite() && *x > 0.0) {
            return f64::INFINITY;
        }
        let (ln_v, lg_q, psi_q) = (v.ln(), ln_gamma(q), digamma(q));
        // Per frequency: lnΓ(px + q) − lnΓ(px), ψ(px + q) − ψ(px), ψ(px + q), ln x.
        let table: Vec<[f64; 4]> = self
            .frequencies
            .iter()
            .map(|&x| {
                let px = p * f64::from(x);
                let psi_pxq = digamma(px + q);
                [
                    ln_gamma_diff(px, q),
                    psi_pxq - digamma(px),
                    psi_pxq,
                    f64::from(x).ln(),
                ]
            })
            .collect();
        let (mut ll, mut g) = (0.0, [0.0; 3]);
        for (row, &w) in self.rows.iter().zip(weights) {
            if w == 0.0 {
                continue;
            }
            let [lg_diff, d_p, psi_pxq, ln_x] = table[row.x_index];
            let px = p * row.x;
            let total = row.x * row.mean + v;
            let ln_total = total.ln();
            ll += w
                * (lg_diff - lg_q + q * ln_v + (px - 1.0) * row.ln_mean + px * ln_x
                    - (px + q) * ln_total);
            g[0] += w * row.x * (d_p + row.ln_mean + ln_x - ln_total);
            g[1] += w * (psi_pxq - psi_q + ln_v - ln_total);
            g[2] += w * (q / v - (px + q) / total);
        }
        for (gi, (dg, theta)) in grad.iter_mut().zip(g.iter().zip([p, q, v])) {
            *gi = -dg * theta;
        }
        -ll
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn gradient_matches_finite_differences() {
        let customers: Vec<CustomerSummary> = [(2, 22.35), (1, 11.77), (0, 0.0), (29, 40.0)]
            .iter()
            .map(|&(x, m)| CustomerSummary::new(x, if x > 0 { 1.0 } else { 0.0 }, 2.0, m))
            .collect::<StatsResult<_>>()
            .unwrap();
        let data = SpendData::new(&customers).unwrap();
        assert_eq!((data.len(), data.row_of[2]), (3, None));
        let w = vec![1.0, 2.0, 1.0];
        let phi = [1.8, 1.3, 2.7];
        let mut g = [0.0; 3];
        data.neg_log_likelihood(&w, &phi, &mut g);
        for j in 0..3 {
            let (mut a, mut b) = (phi, phi);
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let mut s = [0.0; 3];
            let numeric = (data.neg_log_likelihood(&w, &a, &mut s)
                - data.neg_log_likelihood(&w, &b, &mut s))
                / 2e-6;
            assert_relative_eq!(g[j], numeric, max_relative = 1e-7);
        }
    }

    #[test]
    fn rejects_a_repeat_buyer_without_value() {
        let c = [CustomerSummary::new(3, 2.0, 5.0, 0.0).unwrap()];
        let e = fit_gamma_gamma(&c).unwrap_err().to_string();
        assert!(e.contains("customer 0") && e.contains("positive"), "{e}");
    }
}
