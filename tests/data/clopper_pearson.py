"""Reference Clopper-Pearson intervals for `src/stats/binomial.rs` (`SCIPY` in its tests).

Run with the project's venv: `/work/venv/bin/python tests/data/clopper_pearson.py`. Prints
one Rust tuple (successes, trials, level, low, high) per case, from
`scipy.stats.binomtest(k, n).proportion_ci(confidence_level=level, method='exact')`.
"""

import scipy
from scipy.stats import binomtest

CASES = [
    (0, 1, 0.95), (1, 1, 0.95), (0, 10, 0.95), (1, 10, 0.95), (5, 10, 0.95), (10, 10, 0.95),
    (10, 200, 0.95), (12, 200, 0.95), (42, 200, 0.95), (190, 200, 0.95), (199, 200, 0.95),
    (50, 1000, 0.95), (950, 1000, 0.95), (3, 300, 0.99), (18, 300, 0.99), (1, 100000, 0.95),
    (50000, 100000, 0.9), (7, 40, 0.5),
]

print(f"// scipy {scipy.__version__}")
for k, n, level in CASES:
    ci = binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    print(f"    ({k}, {n}, {level!r}, {ci.low!r}, {ci.high!r}),")
