//! Customers drawn from the BG/NBD and Gamma-Gamma processes themselves, for checking the
//! fitters (parameter recovery, interval coverage) and for benchmarks. shoplab's shoppers do
//! not follow these processes; this is the models' own world.

use super::bgnbd::BgNbdParams;
use super::customer::CustomerSummary;
use super::gamma_gamma::GammaGammaParams;
use crate::stats::error::{StatsError, StatsResult};
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

/// One simulated customer: what a shop would observe, and the hidden truth behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedCustomer {
    /// The observed history; `mean_value` is the mean of the simulated repeat purchases.
    pub summary: CustomerSummary,
    /// Purchase rate λ while alive, per unit of time.
    pub rate: f64,
    /// Probability p of dropping out after each repeat purchase.
    pub dropout: f64,
    /// Whether the customer is still alive at the end of observation.
    pub alive: bool,
    /// Expected value of one of their transactions, p/ν.
    pub mean_spend: f64,
}

impl SimulatedCustomer {
    /// Their true expected number of transactions in the next `t` periods:
    /// `(1 − e^(−λ·p·t))/p` if alive, 0 otherwise.
    pub fn expected_transactions(&self, t: f64) -> f64 {
        if !self.alive {
            return 0.0;
        }
        -(-self.rate * self.dropout * t).exp_m1() / self.dropout
    }
}

/// Draws one customer per entry of `ages` (their T, in any unit of time) from the BG/NBD
/// process (λ ~ Gamma(r, α), p ~ Beta(a, b), Poisson purchases while alive, dropout with
/// probability p after each repeat purchase) and the Gamma-Gamma spend process
/// (ν ~ Gamma(q, v), each transaction ~ Gamma(p, ν)). The same seed gives the same customers.
pub fn simulate_customers(
    transactions: &BgNbdParams,
    spend: &GammaGammaParams,
    ages: &[f64],
    seed: u64,
) -> StatsResult<Vec<SimulatedCustomer>> {
    let bad = |e: rand_distr::GammaError| StatsError::InvalidInput(e.to_string());
    let rates = Gamma::new(transactions.r(), 1.0 / transactions.alpha()).map_err(bad)?;
    let dropouts = Beta::new(transactions.a(), transactions.b())
        .map_err(|e| StatsError::InvalidInput(e.to_string()))?;
    let spend_rates = Gamma::new(spend.q(), 1.0 / spend.v()).map_err(bad)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    ages.iter()
        .map(|&age| {
            let rate: f64 = rates.sample(&mut rng);
            let dropout: f64 = dropouts.sample(&mut rng);
            let nu: f64 = spend_rates.sample(&mut rng);
            let (mut x, mut recency, mut alive, mut now) = (0u32, 0.0, true, 0.0);
            if let Ok(gaps) = Exp::new(rate) {
                loop {
                    now += gaps.sample(&mut rng);
                    // An infinite gap (a rate of 0) ends the history too.
                    if now > age || now.is_nan() {
                        break;
                    }
                    x += 1;
                    recency = now;
                    if rng.random::<f64>() < dropout {
                        alive = false;
                        break;
                    }
                }
            }
            // The mean of x Gamma(p, ν) values is Gamma(p·x, x·ν).
            let mean_value = if x > 0 {
                let n = f64::from(x);
                Gamma::new(spend.p() * n, 1.0 / (n * nu))
                    .map_err(bad)?
                    .sample(&mut rng)
            } else {
                0.0
            };
            Ok(SimulatedCustomer {
                summary: CustomerSummary::new(x, recency, age, mean_value)?,
                rate,
                dropout,
                alive,
                mean_spend: spend.p() / nu,
            })
        })
        .collect()
}
