"""Size of the pre-trend test (issue 16): how often it rejects at 5 % when trends are parallel.

Scenario ``pretrend_only`` of :mod:`simulate` (no effect, parallel trends) with cohorts of
``--joiners`` / 5 trusts; each panel's ``participation_effect(...).attrs["pretrend"]`` (the
default design's test: the joint Wald statistic referred to Hotelling's T² with the joined
trusts' degrees of freedom) and, from the same statistic, the χ² reference R ``did`` uses.
Prints one line per cohort size, in the layout of ``README.md``.

Run from the project root::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python \\
        benchmarks/validation/pretrend_size.py --reps 600 --joiners 50,100,200
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import chi2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/machine.py
from machine import machine  # noqa: E402
from simulate import panel  # noqa: E402

import aeeval as ae  # noqa: E402


def sizes(rng, reps: int, joiners: int, trusts: int, design: str) -> tuple[float, float]:
    """Rejection rates at 5 %: (Hotelling's T² reference, χ² reference)."""
    hotelling, wald = [], []
    for r in range(reps):
        results, register, _ = panel(rng, "pretrend_only", n_trusts=trusts, n_joiners=joiners)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pre = ae.participation_effect(results, register, design=design, seed=r).attrs[
                "pretrend"
            ]
        k, df2 = pre["df"], pre["df_denom"]
        nu = df2 + k - 1
        hotelling.append(pre["p_value"] < 0.05)
        wald.append(chi2.sf(pre["statistic"] * k * nu / df2, k) < 0.05)  # F back to W
    return float(np.mean(hotelling)), float(np.mean(wald))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--joiners", default="50,100,200")
    parser.add_argument("--design", default="callaway_santanna")
    args = parser.parse_args()
    print(machine())
    rng = np.random.default_rng(args.seed)
    print("| joined trusts (cohort size) | trusts | panels | Hotelling's T² reference | χ² |")
    print("|---|---|---|---|---|")
    for joiners in map(int, args.joiners.split(",")):
        t0 = time.time()
        trusts = max(250, joiners + 100)
        h, w = sizes(rng, args.reps, joiners, trusts, args.design)
        print(
            f"| {joiners} ({joiners // 5}) | {trusts} | {args.reps} | {h:.1%} | {w:.1%} | "
            f"({time.time() - t0:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
