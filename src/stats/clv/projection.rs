//! The projected value per customer of a group, with an interval.

use super::bgnbd::{check_horizon, BgNbdFit, BgNbdParams, TransactionData};
use super::customer::CustomerSummary;
use super::gamma_gamma::{GammaGammaFit, GammaGammaParams, SpendData};
use crate::stats::error::{probability_open, StatsError, StatsResult};
use crate::stats::z_critical;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

/// How the interval of a projection is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Delta method: `Var = ∇Vᵀ·Σ_BG/NBD·∇V + ∇Vᵀ·Σ_GG·∇V + s²/n`, the first two from the
    /// fits' covariances (the models are fitted separately, so their estimates are taken as
    /// independent) with ∇V by central differences, the last the sampling variance of a mean
    /// over n customers (s² the variance of the per-customer values). The parts share the
    /// same customers and are added as if independent; the interval is `V ± z·√Var`, cut at 0.
    Delta,
    /// Nonparametric bootstrap over customers: `replicates` resamples of n customers with
    /// replacement, both models refitted on each (from the full-data estimates), percentile
    /// interval, widened to include the estimate should a skewed spread leave it outside.
    /// Deterministic in `seed` for any number of threads. Resamples whose fit fails are
    /// dropped; more than a tenth failing is an error. Costs `replicates` times a fit and a
    /// projection.
    Bootstrap {
        /// Number of resamples (at least 20).
        replicates: u32,
        /// Seed of the resampling.
        seed: u64,
    },
}

impl IntervalMethod {
    /// A label for reports: "delta method" or "bootstrap, 200 resamples, seed 7".
    pub fn label(&self) -> String {
        match self {
            Self::Delta => "delta method".into(),
            Self::Bootstrap { replicates, seed } => {
                format!("bootstrap, {replicates} resamples, seed {seed}")
            }
        }
    }
}

/// How each customer's value per transaction is projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendModel {
    /// Gamma-Gamma fitted by maximum likelihood to the repeat buyers, and each customer's
    /// conditional mean value (eq. 5 of the note). The default.
    GammaGamma,
    /// Nothing fitted: each repeat buyer's own mean value z̄, and for a customer without a
    /// repeat purchase the mean of the repeat buyers' z̄. It is the limit of Gamma-Gamma's
    /// conditional mean as p → ∞ with p·v fixed (values that spread little around each
    /// customer's own mean, against a wide spread between customers), where the Gamma-Gamma
    /// likelihood runs on values whose shape it does not fit. With no parameters, the
    /// interval's parameter part is BG/NBD's alone, and the spread of the customers' values
    /// enters through its `s²/n` term (the shared mean of the one-time buyers' values is
    /// treated as known).
    Observed,
}

impl SpendModel {
    /// A label for reports: "Gamma-Gamma" or "observed means".
    pub fn label(&self) -> &'static str {
        match self {
            Self::GammaGamma => "Gamma-Gamma",
            Self::Observed => "observed means",
        }
    }
}

/// Discounting of future transactions: `rate` per `step` periods, each transaction discounted
/// at the end of the step it falls in (the monthly convention of `lifetimes`'
/// `customer_lifetime_value`). A monthly rate on days is `Discount { rate, step: 365.25/12 }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Discount {
    /// Discount rate per step, ≥ 0 (0.01 = 1%).
    pub rate: f64,
    /// Length of a step in the customers' unit of time, > 0.
    pub step: f64,
}

/// What to project and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionOptions {
    /// Projection length t, in the customers' unit of time.
    pub horizon: f64,
    /// Two-sided level: the interval has coverage `1 − alpha`.
    pub alpha: f64,
    /// Discounting; `None` (the default) for undiscounted value.
    pub discount: Option<Discount>,
    /// How the interval is computed; the delta method by default.
    pub interval: IntervalMethod,
    /// How values per transaction are projected; Gamma-Gamma by default.
    pub spend: SpendModel,
}

impl ProjectionOptions {
    /// Undiscounted projection over `horizon` with a 95% delta-method interval.
    pub fn new(horizon: f64) -> Self {
        Self {
            horizon,
            alpha: 0.05,
            discount: None,
            interval: IntervalMethod::Delta,
            spend: SpendModel::GammaGamma,
        }
    }

    fn validate(&self) -> StatsResult<()> {
        if check_horizon(self.horizon)? == 0.0 {
            return Err(StatsError::InvalidInput(
                "the projection horizon must be positive".into(),
            ));
        }
        probability_open("alpha", self.alpha)?;
        if let Some(d) = self.discount {
            if !(d.rate.is_finite() && d.rate >= 0.0 && d.step.is_finite() && d.step > 0.0) {
                return Err(StatsError::InvalidInput(format!(
                    "discount rate must be ≥ 0 and step > 0, got rate {} and step {}",
                    d.rate, d.step
                )));
            }
            if self.horizon / d.step > 10_000.0 {
                return Err(StatsError::InvalidInput(format!(
                    "{} discount steps of {} in a horizon of {}: use a longer step",
                    (self.horizon / d.step).ceil(),
                    d.step,
                    self.horizon
                )));
            }
        }
        if let IntervalMethod::Bootstrap { replicates, .. } = self.interval {
            if replicates < 20 {
                return Err(StatsError::InvalidInput(format!(
                    "a bootstrap needs at least 20 resamples, got {replicates}"
                )));
            }
        }
        Ok(())
    }
}

/// A projected value per customer with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClvProjection {
    /// Mean over the customers of E[transactions in the horizon] × E[value per transaction]:
    /// a model projection, not an observation.
    pub estimate: f64,
    /// Lower end of the interval (never below 0).
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Two-sided level of the interval (coverage `1 − alpha`).
    pub alpha: f64,
    /// Projection length, in the customers' unit of time.
    pub horizon: f64,
    /// Discounting applied, if any.
    pub discount: Option<Discount>,
    /// Number of customers averaged over.
    pub customers: usize,
    /// How the interval was computed.
    pub method: IntervalMethod,
    /// How values per transaction were projected.
    pub spend: SpendModel,
}

/// Both fits and the projection made from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClvReport {
    /// The BG/NBD fit to every customer's (x, t_x, T).
    pub transactions: BgNbdFit,
    /// The Gamma-Gamma fit to the repeat buyers' (x, z̄) (`None` with
    /// [`SpendModel::Observed`]).
    pub spend: Option<GammaGammaFit>,
    /// The projected value per customer.
    pub projection: ClvProjection,
}

/// Fits BG/NBD and Gamma-Gamma to `customers` and projects their value per customer over
/// `options.horizon`: the mean over customers of `E[Y(t) | x, t_x, T] · E[Z | x, z̄]`
/// (eq. 10 of "Counting Your Customers the Easy Way" times eq. 5 of the Gamma-Gamma note),
/// discounted if asked. Values are in the unit of the customers' `mean_value` (revenue or
/// margin per transaction), durations in the unit of their recency and age.
///
/// The interval is for the expected value per customer of a population like this one; the
/// value these customers will actually realise also varies with their own luck, which the
/// interval does not include.
pub fn project_clv(
    customers: &[CustomerSummary],
    options: &ProjectionOptions,
) -> StatsResult<ClvReport> {
    options.validate()?;
    if customers.len() < 2 {
        return Err(StatsError::NotEnoughData(format!(
            "a projection needs at least 2 customers, got {}",
            customers.len()
        )));
    }
    let model = Model::new(customers, options.spend)?;
    let transactions = BgNbdFit::from_minimum(
        &model.transactions.fit(&model.transactions.counts, None)?,
        customers.len(),
    )?;
    let spend = match &model.spend {
        Some(data) => {
            let ones = vec![1.0; data.len()];
            Some(GammaGammaFit::from_minimum(
                &data.fit(&ones, None)?,
                data.len(),
            )?)
        }
        None => None,
    };
    let gg = spend.as_ref().map(|s| &s.params);
    let values = model.values(&transactions.params, gg, options)?;
    let n = customers.len() as f64;
    let estimate = values.iter().sum::<f64>() / n;
    let (low, high) = match options.interval {
        IntervalMethod::Delta => {
            let var = model.parameter_variance(&transactions, spend.as_ref(), &values, options)?
                + sample_variance(&values, estimate) / n;
            let half = z_critical(options.alpha) * var.sqrt();
            ((estimate - half).max(0.0), estimate + half)
        }
        IntervalMethod::Bootstrap { replicates, seed } => {
            model.bootstrap(&transactions.params, gg, options, replicates, seed)?
        }
    };
    Ok(ClvReport {
        transactions,
        spend,
        projection: ClvProjection {
            estimate,
            low: low.min(estimate),
            high: high.max(estimate),
            alpha: options.alpha,
            horizon: options.horizon,
            discount: options.discount,
            customers: customers.len(),
            method: options.interval,
            spend: options.spend,
        },
    })
}

fn sample_variance(values: &[f64], mean: f64) -> f64 {
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0)
}

/// The customers as the likelihoods see them.
struct Model<'a> {
    customers: &'a [CustomerSummary],
    transactions: TransactionData,
    /// The repeat buyers' values, when Gamma-Gamma is fitted.
    spend: Option<SpendData>,
}

impl<'a> Model<'a> {
    fn new(customers: &'a [CustomerSummary], spend: SpendModel) -> StatsResult<Self> {
        Ok(Self {
            customers,
            transactions: TransactionData::new(customers),
            spend: match spend {
                SpendModel::GammaGamma => Some(SpendData::new(customers)?),
                SpendModel::Observed => None,
            },
        })
    }

    /// Expected (discounted) transactions in the horizon, per distinct history.
    fn row_transactions(
        &self,
        params: &BgNbdParams,
        options: &ProjectionOptions,
        used: impl Fn(usize) -> bool,
    ) -> StatsResult<Vec<f64>> {
        (0..self.transactions.len())
            .map(|i| {
                if !used(i) {
                    return Ok(0.0);
                }
                discounted_transactions(params, self.transactions.row_summary(i), options)
            })
            .collect()
    }

    /// Expected value per transaction, per customer: Gamma-Gamma's conditional mean with
    /// `params`, else the observed means (with customers weighted by `draws` in a bootstrap
    /// resample).
    fn spend_values(
        &self,
        params: Option<&GammaGammaParams>,
        draws: Option<&[f64]>,
    ) -> StatsResult<Vec<f64>> {
        let Some(params) = params else {
            return self.observed_values(draws);
        };
        self.customers
            .iter()
            .map(|c| params.conditional_mean_value(c))
            .collect()
    }

    /// [`SpendModel::Observed`]: each repeat buyer's z̄, the others the (weighted) mean of
    /// those.
    fn observed_values(&self, draws: Option<&[f64]>) -> StatsResult<Vec<f64>> {
        let (mut sum, mut weight) = (0.0, 0.0);
        for (i, c) in self.customers.iter().enumerate() {
            if c.frequency() > 0 {
                let w = draws.map_or(1.0, |d| d[i]);
                sum += w * c.mean_value();
                weight += w;
            }
        }
        if weight == 0.0 {
            return Err(StatsError::NotEnoughData(
                "no customer made a repeat purchase: no value per transaction to project".into(),
            ));
        }
        let mean = sum / weight;
        Ok(self
            .customers
            .iter()
            .map(|c| {
                if c.frequency() > 0 {
                    c.mean_value()
                } else {
                    mean
                }
            })
            .collect())
    }

    /// Each customer's projected value.
    fn values(
        &self,
        bg: &BgNbdParams,
        gg: Option<&GammaGammaParams>,
        options: &ProjectionOptions,
    ) -> StatsResult<Vec<f64>> {
        let rows = self.row_transactions(bg, options, |_| true)?;
        let spend = self.spend_values(gg, None)?;
        Ok(self
            .transactions
            .row_of
            .iter()
            .zip(&spend)
            .map(|(&row, s)| rows[row] * s)
            .collect())
    }

    /// `∇Vᵀ·Σ·∇V` for both fits (BG/NBD's alone without Gamma-Gamma), with ∇V by central
    /// differences of relative step 1e-5.
    fn parameter_variance(
        &self,
        bg: &BgNbdFit,
        gg: Option<&GammaGammaFit>,
        values: &[f64],
        options: &ProjectionOptions,
    ) -> StatsResult<f64> {
        const STEP: f64 = 1e-5;
        let n = values.len() as f64;
        let spend = self.spend_values(gg.map(|g| &g.params), None)?;
        // V as a function of the BG/NBD parameters: Σ_rows E_row · (Σ of its customers' spend).
        let mut spend_per_row = vec![0.0; self.transactions.len()];
        for (&row, s) in self.transactions.row_of.iter().zip(&spend) {
            spend_per_row[row] += s;
        }
        let bg_value = |theta: [f64; 4]| -> StatsResult<f64> {
            let p = BgNbdParams::new(theta[0], theta[1], theta[2], theta[3])?;
            let rows = self.row_transactions(&p, options, |_| true)?;
            Ok(rows
                .iter()
                .zip(&spend_per_row)
                .map(|(e, s)| e * s)
                .sum::<f64>()
                / n)
        };
        let bg_theta = [
            bg.params.r(),
            bg.params.alpha(),
            bg.params.a(),
            bg.params.b(),
        ];
        let bg_grad = central_gradient(bg_theta, STEP, bg_value)?;
        let bg_part = quadratic_form(&bg_grad, &bg.covariance);
        let Some(gg) = gg else {
            return Ok(bg_part);
        };
        // V as a function of the Gamma-Gamma parameters, transactions held fixed.
        let transactions: Vec<f64> = values.iter().zip(&spend).map(|(v, s)| v / s).collect();
        let gg_value = |theta: [f64; 3]| -> StatsResult<f64> {
            let p = GammaGammaParams::new(theta[0], theta[1], theta[2])?;
            let spend = self.spend_values(Some(&p), None)?;
            Ok(transactions
                .iter()
                .zip(&spend)
                .map(|(e, s)| e * s)
                .sum::<f64>()
                / n)
        };
        let gg_theta = [gg.params.p(), gg.params.q(), gg.params.v()];
        let gg_grad = central_gradient(gg_theta, STEP, gg_value)?;
        Ok(bg_part + quadratic_form(&gg_grad, &gg.covariance))
    }

    /// Percentile interval of V over bootstrap resamples of the customers.
    fn bootstrap(
        &self,
        bg: &BgNbdParams,
        gg: Option<&GammaGammaParams>,
        options: &ProjectionOptions,
        replicates: u32,
        seed: u64,
    ) -> StatsResult<(f64, f64)> {
        let n = self.customers.len();
        let mut estimates: Vec<f64> = (0..replicates)
            .into_par_iter()
            .map(|b| {
                // seed_from_u64 scrambles its argument (SplitMix64), so consecutive seeds are fine.
                let stream = seed.wrapping_add(u64::from(b).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream);
                let mut draws = vec![0.0; n];
                for _ in 0..n {
                    draws[rng.random_range(0..n)] += 1.0;
                }
                self.replicate(bg, gg, options, &draws).ok()
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        let failed = replicates as usize - estimates.len();
        if failed * 10 > replicates as usize {
            return Err(StatsError::NotEnoughData(format!(
                "{failed} of {replicates} bootstrap resamples could not be fitted: \
                 too few repeat buyers for a bootstrap"
            )));
        }
        estimates.sort_by(f64::total_cmp);
        Ok((
            quantile(&estimates, options.alpha / 2.0),
            quantile(&estimates, 1.0 - options.alpha / 2.0),
        ))
    }

    /// V on one resample, given how many times each customer was drawn.
    fn replicate(
        &self,
        bg: &BgNbdParams,
        gg: Option<&GammaGammaParams>,
        options: &ProjectionOptions,
        draws: &[f64],
    ) -> StatsResult<f64> {
        let mut bg_weights = vec![0.0; self.transactions.len()];
        for (i, &d) in draws.iter().enumerate() {
            bg_weights[self.transactions.row_of[i]] += d;
        }
        let bg = BgNbdParams::from_log(&self.transactions.fit(&bg_weights, Some(bg))?.x);
        let gg = match (&self.spend, gg) {
            (Some(data), Some(start)) => {
                let mut gg_weights = vec![0.0; data.len()];
                for (&d, row) in draws.iter().zip(&data.row_of) {
                    if let Some(row) = row {
                        gg_weights[*row] += d;
                    }
                }
                Some(GammaGammaParams::from_log(
                    &data.fit(&gg_weights, Some(start))?.x,
                ))
            }
            _ => None,
        };
        let rows = self.row_transactions(&bg, options, |i| bg_weights[i] > 0.0)?;
        let spend = self.spend_values(gg.as_ref(), Some(draws))?;
        let total: f64 = draws
            .iter()
            .zip(&self.transactions.row_of)
            .zip(&spend)
            .map(|((d, &row), s)| d * rows[row] * s)
            .sum();
        Ok(total / draws.len() as f64)
    }
}

/// Expected transactions in the horizon, discounted per step if asked.
fn discounted_transactions(
    params: &BgNbdParams,
    customer: &CustomerSummary,
    options: &ProjectionOptions,
) -> StatsResult<f64> {
    let Some(d) = options.discount else {
        return params.expected_transactions(customer, options.horizon);
    };
    let (mut total, mut before, mut factor) = (0.0, 0.0, 1.0);
    let steps = (options.horizon / d.step).ceil() as u32;
    for k in 1..=steps {
        let t = (f64::from(k) * d.step).min(options.horizon);
        let cumulative = params.expected_transactions(customer, t)?;
        factor /= 1.0 + d.rate;
        total += (cumulative - before) * factor;
        before = cumulative;
    }
    Ok(total)
}

fn central_gradient<const N: usize>(
    theta: [f64; N],
    step: f64,
    f: impl Fn([f64; N]) -> StatsResult<f64>,
) -> StatsResult<[f64; N]> {
    let mut grad = [0.0; N];
    for j in 0..N {
        let h = step * theta[j];
        let (mut up, mut down) = (theta, theta);
        up[j] += h;
        down[j] -= h;
        grad[j] = (f(up)? - f(down)?) / (2.0 * h);
    }
    Ok(grad)
}

fn quadratic_form<const N: usize>(g: &[f64; N], cov: &[[f64; N]; N]) -> f64 {
    (0..N)
        .map(|i| (0..N).map(|j| g[i] * cov[i][j] * g[j]).sum::<f64>())
        .sum()
}

/// Quantile of sorted values with linear interpolation (numpy's default, Hyndman–Fan 7).
fn quantile(sorted: &[f64], prob: f64) -> f64 {
    let pos = prob * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + frac * (next - sorted[i]),
        None => sorted[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.quantile([1, 2, 4, 8], [0.025, 0.5, 0.975])
        let v = [1.0, 2.0, 4.0, 8.0];
        assert_relative_eq!(quantile(&v, 0.025), 1.075, max_relative = 1e-14);
        assert_relative_eq!(quantile(&v, 0.5), 3.0, max_relative = 1e-14);
        assert_relative_eq!(quantile(&v, 0.975), 7.7, max_relative = 1e-14);
    }

    #[test]
    fn discounting_at_rate_zero_changes_nothing() {
        let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let c = CustomerSummary::new(2, 30.43, 38.86, 22.35).unwrap();
        let plain = ProjectionOptions::new(52.0);
        let zero = ProjectionOptions {
            discount: Some(Discount {
                rate: 0.0,
                step: 4.0,
            }),
            ..plain
        };
        let a = discounted_transactions(&p, &c, &plain).unwrap();
        assert_relative_eq!(
            discounted_transactions(&p, &c, &zero).unwrap(),
            a,
            max_relative = 1e-12
        );
        let ten = ProjectionOptions {
            discount: Some(Discount {
                rate: 0.1,
                step: 4.0,
            }),
            ..plain
        };
        let d = discounted_transactions(&p, &c, &ten).unwrap();
        // 13 steps: every transaction is discounted by between 1.1⁻¹ and 1.1⁻¹³.
        assert!(d < a / 1.1 && d > a / 1.1f64.powi(13), "{d} vs {a}");
    }
}
