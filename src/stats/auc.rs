//! Area under the ROC curve of a score against a binary outcome.

/// The AUC of `scores` against `positive` outcomes: the chance that a random positive scores
/// above a random negative, ties counting one half (the Mann–Whitney U statistic divided by
/// the number of positive–negative pairs). Sorts `pairs` by score. `None` without at least
/// one positive and one negative, or with a score that is not a number.
///
/// ```
/// use shoplab::stats::auc;
/// let mut pairs = vec![(0.9, true), (0.8, false), (0.7, true), (0.1, false)];
/// assert_eq!(auc(&mut pairs), Some(0.75));
/// ```
pub fn auc(pairs: &mut [(f64, bool)]) -> Option<f64> {
    if pairs.iter().any(|(s, _)| s.is_nan()) {
        return None;
    }
    let positives = pairs.iter().filter(|(_, p)| *p).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Rank sum of the positives, with tied scores sharing their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        let average_rank = (i + j + 1) as f64 / 2.0;
        let tied_positives = pairs[i..j].iter().filter(|(_, p)| *p).count() as f64;
        rank_sum += tied_positives * average_rank;
        i = j;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_useless_and_tied_scores() {
        let mut perfect = vec![(0.1, false), (0.9, true), (0.2, false), (0.8, true)];
        assert_eq!(auc(&mut perfect), Some(1.0));
        let mut reversed = vec![(0.9, false), (0.1, true)];
        assert_eq!(auc(&mut reversed), Some(0.0));
        let mut tied = vec![(0.5, false), (0.5, true), (0.5, true)];
        assert_eq!(auc(&mut tied), Some(0.5));
        assert_eq!(auc(&mut [(0.5, true)]), None);
        assert_eq!(auc(&mut []), None);
    }
}
