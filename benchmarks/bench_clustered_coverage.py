"""Validation: coverage of proportions(..., cluster=) against the naive interval, respondents
clustered within organisations, in simulations with a known population proportion.

Each replicate draws organisations from a superpopulation: organisation proportions p_c ~ Beta
with mean ``m`` and intra-class correlation ``icc`` (a + b = 1/icc − 1), then ``per`` respondents
in each, answers ~ Bernoulli(p_c). The naive interval is Wilson's on all respondents as if
independent; the clustered ones are the design-based svyciprop methods.
``tests/test_clustered_proportions.py`` runs a small fast version (300 replicates, one scenario).

Run from the project root::

    .venv/bin/python benchmarks/bench_clustered_coverage.py [--reps 1000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from machine import machine

import aeeval as ae

# organisations, respondents per organisation, population proportion, intra-class correlation
SCENARIOS = [
    (20, 15, 0.5, 0.2),
    (20, 15, 0.5, 0.05),
    (10, 30, 0.5, 0.1),
    (5, 40, 0.5, 0.1),
    (20, 15, 0.15, 0.1),
    (40, 10, 0.1, 0.05),
]
METHODS = ("wilson", "logit", "korn_graubard", "mean")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000, help="replicates per scenario")
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    rng = np.random.default_rng(args.seed)
    head = " | ".join(f"{m} coverage" for m in METHODS)
    print(f"| orgs × per org | p | ICC | naive coverage | {head} | wilson / naive width |")
    print("|---|---|---|---|" + "---|" * len(METHODS) + "---|")
    for orgs, per, m, icc in SCENARIOS:
        k = 1 / icc - 1
        hits = dict.fromkeys(("naive", *METHODS), 0)
        widths = {"naive": 0.0, "wilson": 0.0}
        for _ in range(args.reps):
            share = rng.beta(m * k, (1 - m) * k, size=orgs)
            yes = rng.random((orgs, per)) < share[:, None]
            df = pd.DataFrame(
                {"org": np.repeat(np.arange(orgs), per), "q": np.where(yes.ravel(), "Yes", "No")}
            )
            for method in ("naive", *METHODS):
                kw = {} if method == "naive" else {"cluster": "org", "method": method}
                row = ae.proportions(df, "q", "Yes", **kw).iloc[0]
                hits[method] += bool(row["ci_low"] <= m <= row["ci_high"])
                if method in widths:
                    widths[method] += row["ci_high"] - row["ci_low"]
        cov = " | ".join(f"{hits[x] / args.reps:.1%}" for x in METHODS)
        print(
            f"| {orgs} × {per} | {m} | {icc} | {hits['naive'] / args.reps:.1%} | {cov} | "
            f"{widths['wilson'] / widths['naive']:.1f}× |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
