//! Each arm's projected customer lifetime value (docs/ARCHITECTURE.md §5), and its check
//! against what the same shoppers really spend afterwards.
//!
//! **The projection** is made at the horizon from what the shop saw. Every shopper of the arm
//! who has ordered is a customer, summarised as the CLV models read it
//! ([`CustomerSummary`]): days with an order are the purchase occasions (several orders on
//! one day are one, as `lifetimes` counts them), time is in days from the customer's first
//! order day, and the value of a repeat occasion is its revenue. BG/NBD and Gamma-Gamma are
//! fitted to the arm's customers by maximum likelihood ([`project_clv`]); each customer's
//! expected order days in the projection times their expected revenue per order day, times
//! the arm's margin rate (the gross margin of its orders ÷ their revenue), is their expected
//! margin. Summed over the customers and divided by the arm's assigned shoppers, it is the
//! **expected margin per shopper over the next `business.clv_months` months from the repeat
//! purchases of the arm's customers so far**. A shopper who has not ordered yet adds nothing:
//! the models describe customers after their first purchase and say nothing about when a
//! first purchase comes.
//!
//! Choices, and why:
//! - *Margin through a margin rate*: Gamma-Gamma needs a positive value per purchase. An
//!   order's margin can be nil or negative (a deep discount, loyalty points booked when
//!   earned); its revenue cannot. So revenue is projected and the margin rate applied to it.
//!   The rate is taken as known: over thousands of orders its error is small beside the
//!   models'.
//! - *Gamma-Gamma, or its limit*: the world's order values are not Gamma-shaped (a basket of
//!   log-normally priced products), and on some arms the Gamma-Gamma likelihood rises without
//!   end towards p → ∞. The projection then uses the observed means that are the model's
//!   limit there (`SpendModel::Observed`) and says so (`spend`, `spend_note`).
//! - *Message costs are left out*, of the projection and of the realised value: they are
//!   spent on buyers and non-buyers alike and are not a value of purchases (the arm's margin
//!   per shopper counts them).
//! - *The interval* is the delta method's at the experiment's α (`IntervalMethod::Delta`:
//!   both fits' covariances and the sampling variance of the mean over customers). It is the
//!   interval of the expected value; what these customers realise also carries their own
//!   luck, which it leaves out, so a check is expected to miss a little more often than α.
//! - *Months* are 365.25/12 days, rounded to whole days (12 months are 365 days).
//!
//! **The check** ([`check`], with `experiment.clv_check`): the same shoppers live on past the
//! horizon under their arm's strategies for the projection's days (`Engine::live_on`), and
//! the gross margin of the orders of the customers the projection was made for, over those
//! days and per assigned shopper, is the realised value beside the projection.

use serde::Serialize;

use super::engine::Engine;
use super::snapshot::Snapshot;
use crate::stats::clv::{
    project_clv, BgNbdParams, CustomerSummary, GammaGammaParams, IntervalMethod, ProjectionOptions,
    SpendModel,
};
use crate::world::{Counts, History, ShopperId};

/// Days in a month: a year of 365.25 days over twelve.
const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// Days of a projection over `months` months, rounded to whole days.
pub fn projection_days(months: u32) -> u32 {
    (f64::from(months) * DAYS_PER_MONTH).round() as u32
}

/// An arm's customer lifetime value: the projection made at the horizon and, where the run
/// checks it, the value realised by the same customers.
#[derive(Debug, Clone, Serialize)]
pub struct ArmClv {
    /// The projection, or `None` when the models could not be fitted (`reason` says why).
    pub projected: Option<ProjectedClv>,
    /// Why there is no projection.
    pub reason: Option<String>,
    /// With `experiment.clv_check`: the gross margin of the orders the projection's customers
    /// really placed in the projection's days past the horizon, per assigned shopper.
    pub realised: Option<f64>,
    /// Whether the projection's interval holds the realised value.
    pub covered: Option<bool>,
}

/// A projected margin per shopper with its interval: a model's projection, not an
/// observation.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectedClv {
    /// Expected margin per assigned shopper over the projection, from the repeat purchases of
    /// the arm's customers so far.
    pub estimate: f64,
    /// Lower end of the interval (never below 0).
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// How the interval was computed ("delta method").
    pub method: String,
    /// Two-sided level of the interval (coverage `1 − alpha`).
    pub alpha: f64,
    /// Months projected.
    pub months: u32,
    /// The same in days.
    pub days: u32,
    /// Shoppers of the arm with an order (the models' customers).
    pub customers: u64,
    /// Customers with a repeat order day (those that inform Gamma-Gamma).
    pub repeat_customers: u64,
    /// Gross margin of the arm's orders ÷ their revenue, applied to projected revenue.
    pub margin_rate: f64,
    /// The BG/NBD fit, in days.
    pub bg_nbd: BgNbdParams,
    /// How revenue per order day was projected: "Gamma-Gamma", or "observed means" where
    /// Gamma-Gamma could not be fitted (`spend_note` says why).
    pub spend: &'static str,
    /// The Gamma-Gamma fit, in revenue per order day, where it was used.
    pub gamma_gamma: Option<GammaGammaParams>,
    /// Why Gamma-Gamma was not used.
    pub spend_note: Option<String>,
}

/// The customer summary of a shopper at the end of day `end − 1`, if they have ordered.
fn summary(h: &History, end: u32) -> Option<CustomerSummary> {
    let first = h.first_order_day?;
    let last = h.last_order_day.unwrap_or(first);
    let repeats = h.order_days.saturating_sub(1);
    let mean_value = if repeats > 0 {
        h.repeat_revenue / f64::from(repeats)
    } else {
        0.0
    };
    CustomerSummary::new(
        repeats,
        f64::from(last - first),
        f64::from(end - first),
        mean_value.max(0.0),
    )
    .ok()
}

/// Projects an arm's CLV at the end of day `end − 1` from its shoppers' histories and its
/// totals, over `months` months at level `1 − alpha`. Never fails: a fit that cannot be made
/// is a projection of `None` with the reason.
pub(super) fn project<'a>(
    histories: impl Iterator<Item = (ShopperId, &'a History)>,
    total: &Counts,
    end: u32,
    months: u32,
    alpha: f64,
) -> ArmClv {
    let mut assigned = 0u64;
    let customers: Vec<CustomerSummary> = histories
        .inspect(|_| assigned += 1)
        .filter_map(|(_, h)| summary(h, end))
        .collect();
    let days = projection_days(months);
    let options = ProjectionOptions {
        alpha,
        interval: IntervalMethod::Delta,
        spend: SpendModel::GammaGamma,
        ..ProjectionOptions::new(f64::from(days))
    };
    let repeat_customers = customers.iter().filter(|c| c.frequency() > 0).count();
    let margin_rate = if total.revenue > 0.0 {
        total.gross_margin / total.revenue
    } else {
        0.0
    };
    // Gamma-Gamma first; where its likelihood has no maximum (values not Gamma-shaped
    // enough), the observed means it tends to.
    let fitted = project_clv(&customers, &options)
        .map(|r| (r, None))
        .or_else(|e| {
            let observed = ProjectionOptions {
                spend: SpendModel::Observed,
                ..options
            };
            project_clv(&customers, &observed).map(|r| (r, Some(format!("Gamma-Gamma: {e}"))))
        });
    let (projected, reason) = match fitted {
        Ok((report, spend_note)) => {
            // Per customer, in revenue → per assigned shopper, in margin.
            let scale = margin_rate * customers.len() as f64 / assigned as f64;
            let p = report.projection;
            let (low, high) = if scale >= 0.0 {
                (p.low * scale, p.high * scale)
            } else {
                (p.high * scale, p.low * scale)
            };
            let projected = ProjectedClv {
                estimate: p.estimate * scale,
                low,
                high,
                method: p.method.label(),
                alpha,
                months,
                days,
                customers: customers.len() as u64,
                repeat_customers: repeat_customers as u64,
                margin_rate,
                bg_nbd: report.transactions.params,
                spend: p.spend.label(),
                gamma_gamma: report.spend.map(|s| s.params),
                spend_note,
            };
            (Some(projected), None)
        }
        Err(e) => (
            None,
            Some(format!(
                "{} customers ({repeat_customers} with a repeat order day) after {end} days: \
                 {e} (a longer run gives the models more repeat purchases)",
                customers.len(),
            )),
        ),
    };
    ArmClv {
        projected,
        reason,
        realised: None,
        covered: None,
    }
}

/// Checks every arm's projection against the world: the experiment's shoppers live on for
/// the projection's days past the horizon ([`Engine::live_on`], calling `on_day` after each
/// day), and each arm's `clv` in `snapshot` (taken at the horizon) gets the margin its
/// customers really earned and whether the interval holds it. Runs the engine to the horizon
/// first if it is not there; does nothing to a snapshot without projections.
pub fn check(engine: &mut Engine, snapshot: &mut Snapshot, on_day: impl FnMut(&Engine)) {
    let months = engine.scenario().business.clv_months as u32;
    // Each shopper's order margin at the horizon, for customers; `None` for the others.
    let before: Vec<Vec<Option<f64>>> = (0..snapshot.arms.len())
        .map(|arm| {
            engine
                .histories(arm)
                .map(|(_, h)| h.first_order_day.map(|_| h.order_margin))
                .collect()
        })
        .collect();
    engine.live_on(projection_days(months), on_day);
    for (arm, (snap, before)) in snapshot.arms.iter_mut().zip(&before).enumerate() {
        let Some(clv) = &mut snap.clv else { continue };
        let earned: f64 = engine
            .histories(arm)
            .zip(before)
            .filter_map(|((_, h), b)| b.map(|b| h.order_margin - b))
            .sum();
        let realised = if before.is_empty() {
            0.0
        } else {
            earned / before.len() as f64
        };
        clv.realised = Some(realised);
        clv.covered = clv
            .projected
            .as_ref()
            .map(|p| (p.low..=p.high).contains(&realised));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_365_days() {
        assert_eq!(projection_days(12), 365);
        assert_eq!(projection_days(1), 30);
        assert_eq!(projection_days(120), 3653);
    }

    #[test]
    fn summaries_count_order_days_from_the_first() {
        let never = History::default();
        assert!(summary(&never, 30).is_none());
        let once = History {
            first_order_day: Some(4),
            last_order_day: Some(4),
            order_days: 1,
            revenue: 80.0,
            ..History::default()
        };
        let s = summary(&once, 30).unwrap();
        assert_eq!((s.frequency(), s.recency(), s.age()), (0, 0.0, 26.0));
        let thrice = History {
            first_order_day: Some(2),
            last_order_day: Some(20),
            order_days: 3,
            repeat_revenue: 150.0,
            ..History::default()
        };
        let s = summary(&thrice, 30).unwrap();
        assert_eq!(
            (s.frequency(), s.recency(), s.age(), s.mean_value()),
            (2, 18.0, 28.0, 75.0)
        );
    }
}
