//! Adaptive allocation by Thompson sampling: each day, shoppers who arrive are split across
//! arms in proportion to the posterior probability that each arm has the highest revenue
//! per visit.
//!
//! Revenue per *visit* rather than per shopper: shoppers enter over time, and the arm that
//! just received many newcomers (who have not had time to buy) would look worse per shopper
//! and be starved for it. Per visit, exposure time cancels out.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::metrics::ShopperMoments;
use crate::rng::{stream, Purpose};

/// Posterior draws used to estimate each arm's chance of being best.
const DRAWS: usize = 4000;
/// Every arm keeps at least this share, so a slow start never starves an arm for good.
const FLOOR: f64 = 0.01;

/// Today's traffic shares from the arms' revenue-per-visit moments so far (a normal
/// posterior from the delta method). Until every arm has data, the prior shares hold. The draws come from a stream of the
/// seed and day, so the shares are deterministic.
pub fn thompson_weights(
    moments: &[ShopperMoments],
    prior: &[f64],
    seed: u64,
    day: u32,
) -> Vec<f64> {
    let posteriors: Option<Vec<(f64, f64)>> = moments
        .iter()
        .map(|m| {
            let (mean, var) = (
                m.visit_value.ratio().ok()?,
                m.visit_value.ratio_variance().ok()?,
            );
            Some((mean, var.sqrt()))
        })
        .collect();
    let Some(posteriors) = posteriors else {
        return prior.to_vec();
    };
    let mut rng = stream(seed, u64::MAX - 1, day, Purpose::Nightly, 0);
    let mut wins = vec![0usize; posteriors.len()];
    for _ in 0..DRAWS {
        let mut best = (f64::NEG_INFINITY, 0);
        for (arm, (mean, se)) in posteriors.iter().enumerate() {
            let z: f64 = StandardNormal.sample(&mut rng);
            let draw = mean + se * z + 1e-12 * rng.random::<f64>();
            if draw > best.0 {
                best = (draw, arm);
            }
        }
        wins[best.1] += 1;
    }
    let raw: Vec<f64> = wins
        .iter()
        .map(|&w| (w as f64 / DRAWS as f64).max(FLOOR))
        .collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|w| w / total).collect()
}

/// Money lost against sending everyone to the best arm: Σ shoppers × (best RPV − arm RPV).
pub fn regret(shoppers: &[u64], rpv: &[f64]) -> f64 {
    let best = rpv.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    shoppers
        .iter()
        .zip(rpv)
        .map(|(&n, &r)| n as f64 * (best - r))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::History;

    fn arm(revenues: &[f64]) -> ShopperMoments {
        let mut m = ShopperMoments::default();
        for (i, &r) in revenues.iter().enumerate() {
            m.add(
                &History {
                    revenue: r,
                    visits: 1 + i as u32 % 2,
                    ..History::default()
                },
                true,
                0.0,
            );
        }
        m
    }

    #[test]
    fn the_clear_winner_gets_most_traffic() {
        let bad = arm(&[0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0]);
        let good = arm(&[5.0, 6.0, 4.0, 5.0, 6.0, 5.0, 4.0, 6.0]);
        let w = thompson_weights(&[bad, good], &[0.5, 0.5], 1, 3);
        assert!(w[1] > 0.95 && w[0] >= FLOOR * 0.99, "{w:?}");
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(w, thompson_weights(&[bad, good], &[0.5, 0.5], 1, 3));
    }

    #[test]
    fn without_data_the_prior_holds() {
        let w = thompson_weights(&[arm(&[]), arm(&[1.0])], &[0.3, 0.7], 1, 0);
        assert_eq!(w, vec![0.3, 0.7]);
    }

    #[test]
    fn regret_is_zero_when_everyone_gets_the_best_arm() {
        assert_eq!(regret(&[0, 100], &[1.0, 2.0]), 0.0);
        assert_eq!(regret(&[50, 50], &[1.0, 2.0]), 50.0);
    }
}
