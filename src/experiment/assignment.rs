//! Hash assignment: a shopper's arm is a pure function of (experiment salt, shopper id),
//! stable across runs and checkable for sample-ratio mismatch.

use crate::rng::{fnv1a, mix64};
use crate::world::ShopperId;

/// Number of hash buckets traffic shares are cut from.
pub const BUCKETS: u64 = 10_000;

/// The bucket (0..BUCKETS) of a shopper under a salt.
pub fn bucket(salt: &str, shopper: ShopperId) -> u64 {
    mix64(fnv1a(salt.as_bytes()) ^ mix64(u64::from(shopper))) % BUCKETS
}

/// Mixed into the replica hash so that a shopper's copy is independent of its arm bucket.
const REPLICA_KEY: u64 = 0x5245_504c_4943_4153;

/// The copy (0..replicates) of its arm's strategies that serves a shopper: a hash of the
/// salt and the shopper, independent of the arm's bucket, so every arm's copies (and the
/// guests of its in-experiment truth) are split alike.
pub fn replica(salt: &str, shopper: ShopperId, replicates: u32) -> usize {
    if replicates <= 1 {
        return 0;
    }
    (mix64(fnv1a(salt.as_bytes()) ^ REPLICA_KEY ^ mix64(u64::from(shopper) ^ REPLICA_KEY))
        % u64::from(replicates)) as usize
}

/// The arm of a shopper given the arms' traffic shares (summing to 1).
pub fn assign(salt: &str, shopper: ShopperId, traffic: &[f64]) -> usize {
    let b = bucket(salt, shopper) as f64 + 0.5;
    let mut edge = 0.0;
    for (arm, share) in traffic.iter().enumerate() {
        edge += share * BUCKETS as f64;
        if b < edge {
            return arm;
        }
    }
    // Rounding can leave the last bucket past the final edge; it belongs to the last arm
    // with traffic.
    traffic.iter().rposition(|&s| s > 0.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_respected_and_stable() {
        let traffic = [0.5, 0.3, 0.2];
        let mut n = [0usize; 3];
        for id in 0..100_000 {
            n[assign("exp", id, &traffic)] += 1;
        }
        for (count, share) in n.iter().zip(traffic) {
            let expected = share * 100_000.0;
            assert!(
                (*count as f64 - expected).abs() < 4.0 * (expected * (1.0 - share)).sqrt(),
                "{n:?}"
            );
        }
        assert_eq!(
            assign("exp", 12345, &traffic),
            assign("exp", 12345, &traffic)
        );
    }

    #[test]
    fn zero_traffic_arm_gets_nobody() {
        let traffic = [0.5, 0.0, 0.5];
        assert!((0..10_000).all(|id| assign("s", id, &traffic) != 1));
    }

    #[test]
    fn replicas_are_balanced_and_independent_of_the_arm() {
        let traffic = [0.5, 0.5];
        let mut n = [[0usize; 4]; 2];
        for id in 0..80_000 {
            n[assign("exp", id, &traffic)][replica("exp", id, 4)] += 1;
        }
        // Each of the 8 (arm, copy) cells expects 10,000; 4 sd of a binomial is ~370.
        for cell in n.iter().flatten() {
            assert!((*cell as f64 - 10_000.0).abs() < 400.0, "{n:?}");
        }
        assert!((0..1000).all(|id| replica("exp", id, 1) == 0));
    }

    #[test]
    fn salt_changes_assignment() {
        let traffic = [0.5, 0.5];
        let same = (0..1000)
            .filter(|&id| assign("a", id, &traffic) == assign("b", id, &traffic))
            .count();
        assert!((400..600).contains(&same), "{same}");
    }
}
