"""BG/NBD fits for the repeat-purchase check of the calibration example.

Reads the transaction tables the example writes (seed, arm, shopper, day, orders, revenue)
and, per seed and arm, builds the CDNOW summary of the cohort whose first order falls in
days 0..cohort_days-1: frequency (repeat order days), recency (weeks from the first to the
last order day) and T (weeks from the first order day to the end of the run), as in Fader,
Hardie & Lee (2005). It fits BG/NBD by maximum likelihood with `lifetimes` and prints one
JSON object per seed and arm.

    python bgnbd.py --horizon 546 --cohort-days 90 target/calibration/transactions-seed*.csv
"""

import argparse
import json

import pandas as pd
from lifetimes import BetaGeoFitter


def summary(rows: pd.DataFrame, horizon: int, cohort_days: int) -> pd.DataFrame:
    days = rows.groupby("shopper")["day"].agg(["min", "max", "nunique"])
    cohort = days[days["min"] < cohort_days]
    return pd.DataFrame(
        {
            "frequency": cohort["nunique"] - 1,
            "recency": (cohort["max"] - cohort["min"]) / 7.0,
            "T": (horizon - cohort["min"]) / 7.0,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, required=True, help="days in the run")
    parser.add_argument("--cohort-days", type=int, required=True)
    parser.add_argument("tables", nargs="+")
    args = parser.parse_args()
    rows = pd.concat(pd.read_csv(t) for t in args.tables)
    for (seed, arm), group in rows.groupby(["seed", "arm"], sort=False):
        s = summary(group, args.horizon, args.cohort_days)
        fit = BetaGeoFitter(penalizer_coef=0.0)
        fit.fit(s["frequency"], s["recency"], s["T"])
        p = fit.params_
        print(
            json.dumps(
                {
                    "seed": int(seed),
                    "arm": arm,
                    "cohort": len(s),
                    "one_time": float((s["frequency"] == 0).mean()),
                    "r": p["r"],
                    "alpha": p["alpha"],
                    "a": p["a"],
                    "b": p["b"],
                    "dropout": p["a"] / (p["a"] + p["b"]),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
