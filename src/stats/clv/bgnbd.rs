//! The BG/NBD model of repeat purchasing: Fader, Hardie & Lee (2005), "'Counting Your
//! Customers' the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2),
//! 275–284. Equation numbers below are the paper's.
//!
//! While alive a customer buys at rate λ (a Poisson process); after each repeat purchase they
//! drop out for good with probability p. Across customers λ ~ Gamma(shape r, rate α) and
//! p ~ Beta(a, b). α is in the caller's unit of time (days or weeks, as in
//! [`CustomerSummary`]); r, a and b have no unit.

use super::customer::CustomerSummary;
use super::hypergeometric::alive_expectation;
use super::optimize::{minimize, natural_covariance, Minimum};
use crate::stats::error::{StatsError, StatsResult};
use crate::stats::special::{digamma, ln_gamma_diff};
use serde::Serialize;

/// The four BG/NBD parameters, all positive and finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbdParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BgNbdParams {
    /// Checks that every parameter is positive and finite.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> StatsResult<Self> {
        for (name, v) in [("r", r), ("alpha", alpha), ("a", a), ("b", b)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(StatsError::InvalidInput(format!(
                    "BG/NBD parameter {name} must be positive and finite, got {v}"
                )));
            }
        }
        Ok(Self { r, alpha, a, b })
    }

    /// Shape r of the gamma distribution of purchase rates.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// Rate α of the gamma distribution of purchase rates, in the caller's unit of time
    /// (the mean purchase rate of alive customers is r/α per unit).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// First shape a of the beta distribution of dropout probabilities.
    pub fn a(&self) -> f64 {
        self.a
    }

    /// Second shape b of the beta distribution of dropout probabilities.
    pub fn b(&self) -> f64 {
        self.b
    }

    /// Mean probability of dropping out after a repeat purchase, `E[p] = a/(a + b)`.
    pub fn dropout_per_purchase(&self) -> f64 {
        self.a / (self.a + self.b)
    }

    /// Sum over customers of the log-likelihood of eq. 6:
    /// `L = B(a, b + x)/B(a, b) · Γ(r + x)α^r/(Γ(r)(α + T)^(r+x))
    ///    + δ_{x>0} · B(a + 1, b + x − 1)/B(a, b) · Γ(r + x)α^r/(Γ(r)(α + t_x)^(r+x))`.
    pub fn log_likelihood(&self, customers: &[CustomerSummary]) -> f64 {
        let data = TransactionData::new(customers);
        let mut grad = [0.0; 4];
        -data.neg_log_likelihood(&data.counts, &self.log(), &mut grad)
    }

    /// Probability that a customer with this history is still alive, eq. 12 of Fader,
    /// Hardie & Lee's note "Computing P(alive) using the BG/NBD model" (2008):
    /// `1/(1 + δ_{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x))`.
    pub fn p_alive(&self, customer: &CustomerSummary) -> f64 {
        let x = customer.frequency();
        if x == 0 {
            return 1.0;
        }
        let x = f64::from(x);
        let ln_odds = self.a.ln() - (self.b + x - 1.0).ln()
            + (self.r + x)
                * ((self.alpha + customer.age()).ln() - (self.alpha + customer.recency()).ln());
        1.0 / (1.0 + ln_odds.exp())
    }

    /// Expected number of transactions in the next `t` periods of a customer with this
    /// history, eq. 10: `P(alive) · (a + b + x − 1)/(a − 1) ·
    /// [1 − ((α + T)/(α + T + t))^(r+x) · ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))]`.
    /// The hypergeometric part is evaluated by series or quadrature as suits the arguments
    /// (see the `hypergeometric` module), so a = 1 and long horizons are fine.
    pub fn expected_transactions(&self, customer: &CustomerSummary, t: f64) -> StatsResult<f64> {
        check_horizon(t)?;
        let x = f64::from(customer.frequency());
        let kappa = t / (self.alpha + customer.age());
        let alive = alive_expectation(self.r + x, self.a, self.b + x, kappa);
        Ok(self.p_alive(customer) * alive)
    }

    /// Expected number of repeat transactions of a new customer in their first `t` periods,
    /// eq. 7: `(a + b − 1)/(a − 1) · [1 − (α/(α + t))^r · ₂F₁(r, b; a + b − 1; t/(α + t))]`.
    pub fn expected_transactions_new(&self, t: f64) -> StatsResult<f64> {
        check_horizon(t)?;
        Ok(alive_expectation(self.r, self.a, self.b, t / self.alpha))
    }

    fn log(&self) -> [f64; 4] {
        [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()]
    }

    pub(super) fn from_log(phi: &[f64; 4]) -> Self {
        let [r, alpha, a, b] = phi.map(f64::exp);
        Self { r, alpha, a, b }
    }
}

pub(super) fn check_horizon(t: f64) -> StatsResult<f64> {
    if t.is_finite() && t >= 0.0 {
        Ok(t)
    } else {
        Err(StatsError::InvalidInput(format!(
            "the projection horizon must be finite and at least 0, got {t}"
        )))
    }
}

/// A maximum-likelihood BG/NBD fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbdFit {
    /// The estimates (r, α, a, b).
    pub params: BgNbdParams,
    /// The maximised log-likelihood (sum over customers, eq. 6).
    pub log_likelihood: f64,
    /// Covariance of (r, α, a, b): the inverse observed information, the Hessian of the
    /// negative log-likelihood by central differences of its analytic gradient.
    pub covariance: [[f64; 4]; 4],
    /// Number of customers fitted.
    pub customers: usize,
}

impl BgNbdFit {
    pub(super) fn from_minimum(min: &Minimum<4>, customers: usize) -> StatsResult<Self> {
        Ok(Self {
            params: BgNbdParams::from_log(&min.x),
            log_likelihood: -min.value,
            covariance: natural_covariance(min)?,
            customers,
        })
    }

    /// Standard errors of (r, α, a, b): square roots of the covariance's diagonal.
    pub fn standard_errors(&self) -> [f64; 4] {
        std::array::from_fn(|i| self.covariance[i][i].sqrt())
    }
}

/// Fits the BG/NBD model by maximum likelihood (eq. 6) to customers' (x, t_x, T).
///
/// Needs at least one customer with a repeat purchase; data that leave the maximum at a
/// boundary (a parameter running to 0 or ∞) or the information matrix singular give
/// [`StatsError::NotEnoughData`]. Customers with identical histories are grouped, so the
/// cost grows with the number of distinct (x, t_x, T), not of customers.
pub fn fit_bg_nbd(customers: &[CustomerSummary]) -> StatsResult<BgNbdFit> {
    let data = TransactionData::new(customers);
    BgNbdFit::from_minimum(&data.fit(&data.counts, None)?, customers.len())
}

/// Distinct (x, t_x, T) histories with a map from each customer to its history.
pub(super) struct TransactionData {
    rows: Vec<Row>,
    /// The distinct frequencies, ascending; rows point into it.
    frequencies: Vec<u32>,
    /// Customer i has the history `rows[row_of[i]]`.
    pub row_of: Vec<usize>,
    /// How many customers share each history.
    pub counts: Vec<f64>,
}

struct Row {
    summary: CustomerSummary,
    x_index: usize,
}

impl TransactionData {
    pub fn new(customers: &[CustomerSummary]) -> Self {
        let key = |c: &CustomerSummary| (c.frequency(), c.recency().to_bits(), c.age().to_bits());
        let mut order: Vec<usize> = (0..customers.len()).collect();
        order.sort_by_key(|&i| key(&customers[i]));
        let mut frequencies: Vec<u32> = customers.iter().map(|c| c.frequency()).collect();
        frequencies.sort_unstable();
        frequencies.dedup();
        let (mut rows, mut counts) = (Vec::new(), Vec::new());
        let mut row_of = vec![0; customers.len()];
        let mut last = None;
        for i in order {
            let c = &customers[i];
            match counts.last_mut() {
                Some(count) if last == Some(key(c)) => *count += 1.0,
                _ => {
                    last = Some(key(c));
                    rows.push(Row {
                        summary: *c,
                        x_index: frequencies.binary_search(&c.frequency()).unwrap_or(0),
                    });
                    counts.push(1.0);
                }
            }
            row_of[i] = rows.len() - 1;
        }
        Self {
            rows,
            frequencies,
            row_of,
            counts,
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The customer behind each row, for per-row predictions.
    pub fn row_summary(&self, i: usize) -> &CustomerSummary {
        &self.rows[i].summary
    }

    /// Maximises the likelihood with rows weighted by `weights` (customer counts, or
    /// bootstrap multiplicities), from `start` or from default values scaled to the data.
    pub fn fit(&self, weights: &[f64], start: Option<&BgNbdParams>) -> StatsResult<Minimum<4>> {
        let total: f64 = weights.iter().sum();
        let repeat: f64 = self
            .rows
            .iter()
            .zip(weights)
            .filter(|(r, _)| r.summary.frequency() > 0)
            .map(|(_, w)| w)
            .sum();
        if repeat == 0.0 {
            return Err(StatsError::NotEnoughData(
                "no customer made a repeat purchase: the BG/NBD model cannot be fitted".into(),
            ));
        }
        let x0 = match start {
            Some(p) => p.log(),
            None => {
                // r = 1, a = b = 1 as `lifetimes` starts; α in the data's time unit.
                let mean_age = self
                    .rows
                    .iter()
                    .zip(weights)
                    .map(|(r, w)| r.summary.age() * w)
                    .sum::<f64>()
                    / total;
                [0.0, mean_age.max(1e-3).ln(), 0.0, 0.0]
            }
        };
        minimize(
            "BG/NBD",
            |phi, grad| self.neg_log_likelihood(weights, phi, grad),
            x0,
        )
    }

    /// Negative log-likelihood of eq. 6 at log-parameters φ = ln(r, α, a, b), and its
    /// gradient in φ. Terms in x alone are tabulated per distinct frequency.
    fn neg_log_likelihood(&self, weights: &[f64], phi: &[f64; 4], grad: &mut [f64; 4]) -> f64 {
        let [r, alpha, a, b] = phi.map(f64::exp);
        if ![r, alpha, a, b].iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::INFINITY;
        }
        let ln_alpha = alpha.ln();
        let (psi_r, psi_b, psi_ab) = (digamma(r), digamma(b), digamma(a + b));
        // Per frequency: lnΓ(r+x) − lnΓ(r) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x) + lnΓ(a+b), the
        // digamma differences of its derivatives, and ln(b + x − 1).
        let table: Vec<[f64; 5]> = self
            .frequencies
            .iter()
            .map(|&x| {
                let x = f64::from(x);
                let ln_front = ln_gamma_diff(r, x) + ln_gamma_diff(b, x) - ln_gamma_diff(a + b, x);
                let d_r = digamma(r + x) - psi_r;
                let d_b = digamma(b + x) - psi_b;
                let d_ab = psi_ab - digamma(a + b + x);
                let ln_bx1 = if x > 0.0 { (b + x - 1.0).ln() } else { 0.0 };
                [ln_front, d_r, d_b, d_ab, ln_bx1]
            })
            .collect();
        let ln_a = a.ln();
        let (mut ll, mut g) = (0.0, [0.0; 4]);
        for (row, &w) in self.rows.iter().zip(weights) {
            if w == 0.0 {
                continue;
            }
            let [ln_front, d_r, d_b, d_ab, ln_bx1] = table[row.x_index];
            let (x, age, recency) = (
                f64::from(row.summary.frequency()),
                row.summary.age(),
                row.summary.recency(),
            );
            let rx = r + x;
            let ln_at = (alpha + age).ln();
            // The two ways to be observed: alive at T (w3), or dropped out after t_x (w4).
            let l3 = -rx * ln_at;
            let (lse, w3, w4, ln_atx) = if x > 0.0 {
                let ln_atx = (alpha + recency).ln();
                let l4 = ln_a - ln_bx1 - rx * ln_atx;
                let lse = l3.max(l4) + (-(l3 - l4).abs()).exp().ln_1p();
                (lse, (l3 - lse).exp(), (l4 - lse).exp(), ln_atx)
            } else {
                (l3, 1.0, 0.0, 0.0)
            };
            ll += w * (ln_front + r * ln_alpha + lse);
            g[0] += w * (d_r + ln_alpha - w3 * ln_at - w4 * ln_atx);
            g[1] += w * (r / alpha - rx * (w3 / (alpha + age) + w4 / (alpha + recency)));
            g[2] += w * (d_ab + w4 / a);
            g[3] += w * (d_ab + d_b - if x > 0.0 { w4 / (b + x - 1.0) } else { 0.0 });
        }
        // d/dφ = θ·d/dθ, and the objective is −ll.
        for (gi, (dg, theta)) in grad.iter_mut().zip(g.iter().zip([r, alpha, a, b])) {
            *gi = -dg * theta;
        }
        -ll
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn customers() -> Vec<CustomerSummary> {
        [
            (2, 30.43, 38.86),
            (1, 1.71, 38.86),
            (0, 0.0, 38.86),
            (0, 0.0, 38.86),
            (29, 38.43, 38.86),
            (7, 25.0, 28.0),
            (1, 0.0, 3.0),
        ]
        .iter()
        .map(|&(x, tx, t)| CustomerSummary::new(x, tx, t, 0.0).unwrap())
        .collect()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = TransactionData::new(&customers());
        assert_eq!(data.len(), 6, "the two identical histories share a row");
        let phi = [-1.2, 1.4, -0.3, 0.9];
        let mut g = [0.0; 4];
        data.neg_log_likelihood(&data.counts, &phi, &mut g);
        for j in 0..4 {
            let (mut p, mut m) = (phi, phi);
            p[j] += 1e-6;
            m[j] -= 1e-6;
            let mut scratch = [0.0; 4];
            let numeric = (data.neg_log_likelihood(&data.counts, &p, &mut scratch)
                - data.neg_log_likelihood(&data.counts, &m, &mut scratch))
                / 2e-6;
            assert_relative_eq!(g[j], numeric, max_relative = 1e-7);
        }
    }

    #[test]
    fn log_likelihood_matches_scipy_gammaln() {
        // Σ of A1 + A2 + logaddexp(A3, A4) with scipy.special.gammaln at these parameters
        // (the formula in tests/data/clv_reference.py).
        let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        assert_relative_eq!(
            p.log_likelihood(&customers()),
            -82.87324439486378,
            max_relative = 1e-12
        );
    }
}
