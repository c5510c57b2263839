"""Off-policy evaluation with shoplab's event log, scored against shoplab's own truth.

The question: how many clicks per slate impression would best sellers (`popularity`) get,
estimated only from the log of another policy? The logging policy is `random`: its
`propensity` column is exact (1 / products on sale that day) and its support is every
product on sale at every position, so inverse-propensity weighting is unbiased. The target
policy's probabilities must come from exported data too: `popularity` in its global scope
serves every shopper the same distribution of slates on a day, so its probability of a
product at a position is the frequency of that (position, product) among its own slates
that day — a Monte Carlo of the target policy, as Open Bandit Pipeline computes the action
distribution of its Thompson sampling policy.

The truth comes from shoplab, in the same run: the `popularity` arm's own clicks per slate
impression, and (without click noise) the mean over its impressions of the world's
`examine_probability x click_probability`.

    shoplab run examples/python/ope.toml --export ope-out --events
    python examples/python/ope.py ope-out

Estimators (position-wise, Open Bandit Pipeline's shape):
    IPW    mean_i  w_i r_i,                   w_i = pi_e(a_i | d_i, k_i) / pi_b(a_i | d_i, k_i)
    SNIPW  sum_i w_i r_i / sum_i w_i
    DR     mean_i  [ sum_a pi_e(a | d_i, k_i) q(a, k_i) + w_i (r_i - q(a_i, k_i)) ]
with q a click model (product rate x position rate) fitted on the other half of the
shoppers (cross-fitting). Standard errors are clustered by shopper.
"""

import argparse
import pathlib

import numpy as np
import pandas as pd

LOGGER, TARGET = "random", "popularity"
COLUMNS = [
    "day", "shopper", "arm", "position", "cross_sell", "product", "clicked",
    "propensity", "examine_probability", "click_probability",
]


def clustered(values: pd.Series, clusters: pd.Series) -> tuple[float, float]:
    """Mean of per-impression terms and its standard error, clustered by shopper."""
    mean = values.mean()
    sums = (values - mean).groupby(clusters).sum()
    return mean, float(np.sqrt((sums**2).sum()) / len(values))


def target_policy(target: pd.DataFrame) -> pd.Series:
    """pi_e(product | day, position): the target's own slates, counted per day and position."""
    counts = target.groupby(["day", "position", "product"]).size()
    return (counts / counts.groupby(level=["day", "position"]).transform("sum")).rename("pi_e")


def click_model(train: pd.DataFrame, prior: float = 0.2):
    """q(product, position) = position rate x product factor, from a random log (where every
    product meets every position alike). The product factor is shrunk towards 1 by `prior`
    expected clicks only: the target shows best sellers, whose rates a heavier prior would
    pull towards the average and the direct method would understate."""
    position_rate = train.groupby("position").clicked.mean()
    expected = train.position.map(position_rate)
    by_product = train.assign(expected=expected).groupby("product")[["clicked", "expected"]].sum()
    factor = (by_product.clicked + prior) / (by_product.expected + prior)

    def q(products: pd.Series, positions: pd.Series) -> np.ndarray:
        f = products.map(factor).fillna(1.0).to_numpy()
        return f * positions.map(position_rate).to_numpy()

    return q


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=pathlib.Path)
    args = parser.parse_args()
    events = pd.read_parquet(args.dir / "events.parquet", columns=COLUMNS)
    slates = events[~events.cross_sell]
    log = slates[slates.arm == LOGGER].copy()
    target = slates[slates.arm == TARGET]
    print(f"{len(events):,} impressions; {len(log):,} slate impressions logged by {LOGGER}, "
          f"{len(target):,} served by {TARGET}")
    assert log.propensity.notna().all(), "the logger must say its propensities"

    pi = target_policy(target)
    log = log.join(pi, on=["day", "position", "product"]).fillna({"pi_e": 0.0})
    log["w"] = log.pi_e / log.propensity
    # Weight each logged day as the target's impressions are spread over the days, so the
    # estimate and the truth average over the same days.
    day_share = target.day.value_counts(normalize=True) / log.day.value_counts(normalize=True)
    log["d"] = log.day.map(day_share)
    print(f"mean importance weight {np.average(log.w, weights=log.d):.3f} (1 when the logger "
          f"covers the target); logged rows the target could show: {(log.w > 0).mean():.1%}")

    # Cross-fitting: the click model of each half of the shoppers comes from the other half.
    half = log.shopper % 2
    log["q"] = 0.0
    dm = pd.Series(0.0, index=log.index)
    pi_frame = pi.reset_index()
    for h in (0, 1):
        q = click_model(log[half != h])
        rows = half == h
        log.loc[rows, "q"] = q(log["product"][rows], log["position"][rows])
        pi_frame[f"q{h}"] = q(pi_frame["product"], pi_frame["position"])
        direct = (pi_frame.pi_e * pi_frame[f"q{h}"]).groupby([pi_frame.day, pi_frame.position]).sum()
        dm[rows] = log[rows].join(direct.rename("dm"), on=["day", "position"]).dm.fillna(0.0)

    d, r, w = log.d, log.clicked.astype(float), log.w
    snipw = (d * w * r).sum() / (d * w).sum()
    # Its standard error by linearisation: the terms of a ratio of means.
    snipw_se = clustered(d * w * (r - snipw) / (d * w).mean(), log.shopper)[1]
    estimates = {
        "IPW": clustered(d * w * r, log.shopper),
        "SNIPW": (snipw, snipw_se),
        "DM": clustered(d * dm, log.shopper),
        "DR": clustered(d * (dm + w * (r - log.q)), log.shopper),
    }

    truth, truth_se = clustered(target.clicked.astype(float), target.shopper)
    expected = (target.examine_probability * target.click_probability).mean()
    naive, naive_se = clustered(log.clicked.astype(float), log.shopper)
    print(f"\nclicks per slate impression of {TARGET}:")
    print(f"  truth, its own arm (realised)     {truth:.5f} ± {truth_se:.5f}")
    print(f"  truth, its own arm (expected)     {expected:.5f}   (mean examine x click probability)")
    print(f"  {LOGGER}'s own rate (no correction) {naive:.5f} ± {naive_se:.5f}")
    for name, (estimate, se) in estimates.items():
        error = f"error {100 * (estimate / expected - 1):+.1f}%"
        if name == "DM":
            # Its uncertainty is the click model's, which a standard error of the mean
            # over impressions does not carry.
            print(f"  {name:<6} from {LOGGER}'s log        {estimate:.5f}             {error}")
        else:
            z = (estimate - expected) / se
            print(f"  {name:<6} from {LOGGER}'s log        {estimate:.5f} ± {se:.5f}   {error} ({z:+.1f} se)")


if __name__ == "__main__":
    main()
