"""Reference figures for tests/clv.rs, computed with lifetimes 0.11.3, scipy and mpmath.

Run with the project's venv:  /work/venv/bin/python tests/data/clv_reference.py
The numbers it prints are pasted into tests/clv.rs; rerun it if a reference changes.
"""

import os

import mpmath
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from scipy.special import gammaln

mpmath.mp.dps = 40
HERE = os.path.dirname(os.path.abspath(__file__))
cdnow = pd.read_csv(os.path.join(HERE, "cdnow_summary.csv"))

# --- Fits on CDNOW (weeks) --------------------------------------------------------------
bg = BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def bgnbd_log_likelihood(r, alpha, a, b, x, tx, T):
    """Sum of the log of eq. 6 of Fader, Hardie & Lee (2005), in the customers' own time unit."""
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


print("BG/NBD lifetimes fit:", {k: float(v) for k, v in bg.params_.items()})
print("  log-likelihood at the lifetimes fit", bgnbd_log_likelihood(*bg.params_, cdnow["x"], cdnow["t_x"], cdnow["T"]))
print("  log-likelihood at the published values", bgnbd_log_likelihood(0.243, 4.414, 0.793, 2.426, cdnow["x"], cdnow["t_x"], cdnow["T"]))
repeat = cdnow[cdnow["x"] > 0]
gg = GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
print("Gamma-Gamma lifetimes fit:", {k: float(v) for k, v in gg.params_.items()}, "n", len(repeat))
print("standard errors (lifetimes' observed information):")
print(bg.summary["se(coef)"].to_dict(), gg.summary["se(coef)"].to_dict())

# Projection over 52 weeks at the lifetimes fits: mean of E[Y(52)] × E[Z], and its spread.
value = bg.conditional_expected_number_of_purchases_up_to_time(52.0, cdnow["x"], cdnow["t_x"], cdnow["T"])
value = value * gg.conditional_expected_average_profit(cdnow["x"], cdnow["zbar"])
print("52-week value per customer", float(value.mean()), "sd", float(value.std(ddof=1)))


# --- Per-customer quantities at fixed parameters ----------------------------------------
def bgnbd_at(r, alpha, a, b):
    f = BetaGeoFitter()
    f.params_ = pd.Series({"r": r, "alpha": alpha, "a": a, "b": b})
    return f


customers = [(2, 30.43, 38.86), (1, 1.71, 38.86), (0, 0.0, 38.86), (29, 38.43, 38.86), (7, 25.0, 28.0)]
for params in [(0.243, 4.414, 0.793, 2.426), (0.5, 10.0, 1.7, 3.1)]:
    f = bgnbd_at(*params)
    print("params", params)
    for x, tx, T in customers:
        alive = float(np.squeeze(f.conditional_probability_alive(x, tx, T)))
        e39 = float(f.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T))
        e52 = float(f.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, T))
        print(f"  ({x}, {tx}, {T}): p_alive {alive!r}  E39 {e39!r}  E52 {e52!r}")
    for t in [1.0, 39.0, 52.0]:
        print(f"  unconditional E[X({t})] = {float(f.expected_number_of_purchases_up_to_time(t))!r}")


# --- Eq. 10 in 40-digit arithmetic where scipy's hyp2f1 is not trusted (z near 1) --------
def eq10_mp(r, alpha, a, b, x, tx, T, t):
    r, alpha, a, b, tx, T, t = map(mpmath.mpf, (r, alpha, a, b, tx, T, t))
    z = t / (alpha + T + t)
    hyp = mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    den = 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 1
    return num / den


for case in [
    (0.243, 0.5, 0.793, 2.426, 0, 0.0, 0.0, 365.0),
    (0.243, 0.5, 0.793, 2.426, 3, 1.0, 2.0, 1.0e5),
    (2.0, 1.0, 3.5, 0.4, 12, 9.0, 10.0, 5000.0),
    (0.8, 30.0, 1.0 + 1e-9, 5.0, 4, 100.0, 400.0, 365.0),
    (0.8, 30.0, 0.2, 0.3, 0, 0.0, 1.0, 365.0),
]:
    print("mpmath eq10", case, repr(float(eq10_mp(*case))))

# --- Gamma-Gamma conditional expected spend at fixed parameters -------------------------
f = GammaGammaFitter()
f.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.45})
for x, m in [(2, 22.35), (1, 11.77), (0, 0.0), (29, 40.0), (5, 123.4)]:
    print(f"  spend ({x}, {m}): {float(f.conditional_expected_average_profit(x, m))!r}")
