"""Read a shoplab export: the tidy results, the per-day lift with its interval, the
segments, and a CLV model (BG/NBD + Gamma-Gamma, lifetimes) fitted on the transaction log
and checked on a holdout period.

    shoplab run default --days 120 --export out/
    python examples/python/tables.py out/ --png lift.png --holdout-days 40

Column meanings: docs/DATA.md.
"""

import argparse
import pathlib
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402
from lifetimes.utils import calibration_and_holdout_data  # noqa: E402

START = pd.Timestamp("2025-01-01")  # day 0; any date will do


def tidy(out: pathlib.Path) -> pd.DataFrame:
    arms = pd.read_parquet(out / "arms.parquet")
    cols = ["arm", "baseline", "metric", "value", "lift", "ci_low", "ci_high", "p_value_holm", "true_lift", "covered", "rollout_lift"]
    print("== arms (one row per arm x metric; the control has no lift)")
    print(arms[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    return arms


def plot_lift(out: pathlib.Path, png: pathlib.Path, metrics=("conversion_rate", "margin_per_shopper")):
    days = pd.read_parquet(out / "days.parquet")
    treatments = days[days.baseline.notna()]
    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for arm, d in treatments.groupby("arm", sort=False):
            line = ax.plot(d.day, 100 * d[f"{metric}_lift"], label=f"{arm} vs {d.baseline.iloc[0]}")
            ax.fill_between(
                d.day,
                100 * d[f"{metric}_ci_low"],
                100 * d[f"{metric}_ci_high"],
                color=line[0].get_color(),
                alpha=0.2,
                label="95% interval",
            )
            if d[f"{metric}_true_lift"].notna().any():
                ax.plot(d.day, 100 * d[f"{metric}_true_lift"], "--", color=line[0].get_color(), label="true lift now")
            if d[f"{metric}_rollout_lift"].notna().any():
                ax.plot(d.day, 100 * d[f"{metric}_rollout_lift"], ":", color=line[0].get_color(), label="true lift at rollout")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(f"{metric}: cumulative lift by day")
        ax.set_xlabel("day")
        ax.set_ylabel("lift over its baseline, %")
        # The first days' intervals span hundreds of percent: scale to the rest.
        settled = treatments[treatments.day >= treatments.day.max() // 10]
        values = 100 * pd.concat(
            [settled[f"{metric}_{part}"] for part in ("ci_low", "ci_high", "true_lift", "rollout_lift")]
        ).dropna()
        lo, hi = min(values.min(), 0), max(values.max(), 0)
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    last = treatments.groupby("arm").tail(1)
    print(f"\n== days: {len(days)} rows; lift on the last day (same as arms), plot in {png}")
    for metric in metrics:
        for _, r in last.iterrows():
            print(
                f"{r.arm} {metric}: {100 * r[f'{metric}_lift']:+.1f}% "
                f"[{100 * r[f'{metric}_ci_low']:+.1f}, {100 * r[f'{metric}_ci_high']:+.1f}], "
                f"naive p {r[f'{metric}_p_value']:.3f}"
            )
    seq = last.conversion_rate_p_value_sequential
    print("always-valid p of conversion on the last day:", ", ".join(f"{p:.3f}" for p in seq))


def segments(out: pathlib.Path):
    seg = pl.read_parquet(out / "segments.parquet")
    rows = (
        seg.filter(pl.col("baseline").is_not_null() & (pl.col("metric") == "conversion_rate"))
        .select("dimension", "level", "arm", "shoppers", "lift", "ci_low", "ci_high", "p_value", "p_value_holm")
    )
    tests = seg.filter(pl.col("p_value").is_not_null()).height
    print(f"\n== segments (polars): conversion by slice; Holm adjusts across all {tests} tests of the table")
    with pl.Config(tbl_rows=20, float_precision=4, tbl_width_chars=140):
        print(rows)


def clv(out: pathlib.Path, holdout_days: int):
    tx = pd.read_parquet(out / "transactions.parquet")
    shoppers = pd.read_parquet(out / "shoppers.parquet")
    last_day = int(tx.day.max())
    end = START + pd.Timedelta(days=last_day)
    calibration_end = end - pd.Timedelta(days=holdout_days)
    tx["date"] = START + pd.to_timedelta(tx.day, unit="D")
    print(
        f"\n== CLV with lifetimes: {len(tx)} orders of {tx.shopper.nunique()} buyers "
        f"({len(shoppers)} shoppers); calibration days 0-{last_day - holdout_days}, "
        f"holdout {holdout_days} days"
    )
    for arm, t in tx.groupby("arm", sort=False):
        data = calibration_and_holdout_data(
            t,
            "shopper",
            "date",
            calibration_period_end=calibration_end,
            observation_period_end=end,
            monetary_value_col="revenue",
            freq="D",
        )
        bgf = BetaGeoFitter(penalizer_coef=0.01)
        bgf.fit(data.frequency_cal, data.recency_cal, data.T_cal)
        predicted = bgf.conditional_expected_number_of_purchases_up_to_time(
            holdout_days, data.frequency_cal, data.recency_cal, data.T_cal
        )
        repeat = data[data.frequency_cal > 0]
        ggf = GammaGammaFitter(penalizer_coef=0.001)
        ggf.fit(repeat.frequency_cal, repeat.monetary_value_cal)
        spend = ggf.conditional_expected_average_profit(data.frequency_cal, data.monetary_value_cal)
        value = predicted * spend
        realised = data.frequency_holdout * data.monetary_value_holdout
        r, alpha, a, b = (bgf.params_[k] for k in ("r", "alpha", "a", "b"))
        print(
            f"{arm}: {len(data)} buyers in calibration, {len(repeat)} repeat; "
            f"BG/NBD r={r:.3f} alpha={alpha:.1f} a={a:.3f} b={b:.3f}; Gamma-Gamma p={ggf.params_['p']:.2f} "
            f"q={ggf.params_['q']:.2f} v={ggf.params_['v']:.1f}"
        )
        print(
            f"    holdout repeat purchases: predicted {predicted.sum():.0f}, actual {data.frequency_holdout.sum():.0f}; "
            f"repeat revenue: predicted {value.sum():,.0f}, actual {realised.sum():,.0f}"
        )


def main():
    # lifetimes' optimiser probes parameters where its likelihood overflows; it says so loudly.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=pathlib.Path)
    parser.add_argument("--png", type=pathlib.Path, default=pathlib.Path("lift.png"))
    parser.add_argument("--holdout-days", type=int, default=40)
    args = parser.parse_args()
    tidy(args.dir)
    plot_lift(args.dir, args.png)
    segments(args.dir)
    clv(args.dir, args.holdout_days)


if __name__ == "__main__":
    main()
