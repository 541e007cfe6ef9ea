"""Validation: coverage of item_trend's national interval, clustered (trusts as sampling units)
against pooled (respondents independent), in calibrated simulations with a known national ratio.

Each replicate draws trusts from a superpopulation: trust proportions p_i ~ Beta with mean m(base)
and between-trust sd ``sd``, bases uniform on 300–3000 (the real acute panel's range), positives ~
Binomial(base, p_i). The national ratio E[base · m(base)] / E[base] is computed exactly over the
base distribution. Replicates are coded as survey years, so one ``item_trend`` call does them all.
``tests/test_item_trend.py`` runs a small fast version (300 replicates, one scenario).

Run from the project root::

    .venv/bin/python benchmarks/bench_trend_intervals.py [--reps 2000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from machine import machine

import aeeval as ae

BASES = np.arange(300, 3001)

# name, trusts per replicate, between-trust sd of p_i, mean of p_i as a function of the base
SCENARIOS = [
    ("150 trusts, sd 0.07, p independent of base", 150, 0.07, lambda b: 0.6 + 0 * b),
    ("150 trusts, sd 0.03, p independent of base", 150, 0.03, lambda b: 0.6 + 0 * b),
    ("150 trusts, sd 0.07, p rises with base", 150, 0.07, lambda b: 0.55 + 0.1 * (b - 300) / 2700),
    ("30 trusts (a region), sd 0.07", 30, 0.07, lambda b: 0.6 + 0 * b),
]


def panel(n_trusts, reps, sd, mean_of_base, rng):
    base = rng.choice(BASES, size=(reps, n_trusts))
    m = mean_of_base(base)
    k = m * (1 - m) / sd**2 - 1
    p = rng.beta(m * k, (1 - m) * k)
    pos = rng.binomial(base, p)
    return pd.DataFrame(
        {
            "org_code": np.tile([f"T{i:03d}" for i in range(n_trusts)], reps),
            "year": np.repeat(np.arange(reps), n_trusts),
            "series": "q22c",
            "positive": pos.ravel(),
            "base": base.ravel(),
            "estimate": (pos / base).ravel(),
            "suppressed": False,
        }
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000, help="replicates per scenario")
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    rng = np.random.default_rng(args.seed)
    print("| scenario | truth | clustered coverage | pooled coverage | clustered / pooled width |")
    print("|---|---|---|---|---|")
    for name, n, sd, mean_of_base in SCENARIOS:
        truth = float((BASES * mean_of_base(BASES)).sum() / BASES.sum())
        sim = panel(n, args.reps, sd, mean_of_base, rng)
        cov, width = {}, {}
        for interval in ("clustered", "pooled"):
            t = ae.item_trend(sim, interval=interval)
            cov[interval] = ((t["ci_low"] <= truth) & (truth <= t["ci_high"])).mean()
            width[interval] = (t["ci_high"] - t["ci_low"]).mean()
        print(
            f"| {name} | {truth:.4f} | {cov['clustered']:.1%} | {cov['pooled']:.1%} | "
            f"{width['clustered'] / width['pooled']:.1f}× |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
