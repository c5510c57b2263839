//! Projected customer lifetime value: the BG/NBD model of repeat purchases, the Gamma-Gamma
//! model of spend per purchase, and a projection of value per customer with an interval.
//!
//! # The models
//!
//! **BG/NBD** (Fader, Hardie & Lee 2005, "'Counting Your Customers' the Easy Way", Marketing
//! Science 24(2)). While alive a customer buys at rate λ; after each repeat purchase they
//! leave for good with probability p. λ ~ Gamma(r, α) and p ~ Beta(a, b) across customers.
//! From each customer's (x, t_x, T) ([`CustomerSummary`]) [`fit_bg_nbd`] estimates
//! (r, α, a, b) by maximum likelihood (eq. 6), with the inverse observed information as
//! covariance. [`BgNbdParams`] then gives P(alive), the expected transactions of a customer
//! in the next t periods (eq. 10) and of a new customer (eq. 7).
//!
//! **Gamma-Gamma** (Colombo & Jiang 1999; Fader, Hardie & Lee 2005, "RFM and CLV: Using
//! Iso-Value Curves", JMR 42(4); Fader & Hardie's note "The Gamma-Gamma Model of Monetary
//! Value", 2013). A customer's transaction values are Gamma(p, ν) and ν ~ Gamma(q, v).
//! [`fit_gamma_gamma`] estimates (p, q, v) from the repeat buyers' (x, z̄) and
//! [`GammaGammaParams::conditional_mean_value`] shrinks a customer's z̄ towards the
//! population mean (note eq. 5).
//!
//! **Projection** ([`project_clv`]). Value per customer over a horizon t is the mean over the
//! customers of `E[Y(t) | x, t_x, T] × E[Z | x, z̄]`, optionally discounted, with a
//! delta-method or bootstrap interval ([`IntervalMethod`]). `E[Z | x, z̄]` is Gamma-Gamma's, or,
//! where values are not Gamma-shaped enough for its likelihood to have a maximum, the
//! observed means that are its limit ([`SpendModel`]).
//!
//! # Units
//!
//! Time is the caller's: recency, age, horizon, α and discount steps must all be in the same
//! unit (days or weeks). Fitting CDNOW in weeks gives α = 4.41; in days it would be 30.9 and
//! every other parameter unchanged. Values are in the unit of `mean_value`, revenue or margin
//! per transaction as the caller chooses.
//!
//! # Numerics
//!
//! Both likelihoods are maximised over log-parameters by a damped Newton method with analytic
//! gradients (`optimize`); eq. 10's Gaussian hypergeometric function is evaluated through the
//! transformations and the quadrature described in `hypergeometric`. Every result is finite or
//! a [`StatsError`](crate::stats::StatsError).

mod bgnbd;
mod customer;
mod gamma_gamma;
mod hypergeometric;
mod optimize;
mod projection;
mod simulate;

pub use bgnbd::{fit_bg_nbd, BgNbdFit, BgNbdParams};
pub use customer::CustomerSummary;
pub use gamma_gamma::{fit_gamma_gamma, GammaGammaFit, GammaGammaParams};
pub use projection::{
    project_clv, ClvProjection, ClvReport, Discount, IntervalMethod, ProjectionOptions, SpendModel,
};
pub use simulate::{simulate_customers, SimulatedCustomer};
