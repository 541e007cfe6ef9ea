"""Validation: exposure from fieldwork dates against the year rule (issue 16 item 2).

Simulated panels shaped like the real acute-trust data (250 trusts, 2015-2020, bases 300-3000,
100 trusts joining in five cohorts 2015-2019, each in January-March as the example register
does), with the effect (+0.25 log-odds) from the first survey whose fieldwork starts after joining
(the bundled fieldwork table: September 2015-2016, October 2017-2020). Each replicate is estimated
by ``participation_effect(design="twfe")`` (its log-odds) twice: the date rule (the default with ``start_date``)
and the old year rule (``first_exposed=1``). Under the date rule the 2015 joiners have no survey
before joining and are left out (the warning is counted, not shown). ``tests/test_exposure.py``
runs a small fast version (8 panels of 80 trusts).

Run from the project root::

    .venv/bin/python benchmarks/bench_exposure.py [--reps 250]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from machine import machine

import aeeval as ae

TRUE = 0.25
YEARS = range(2015, 2021)


def panel(rng, n_trusts=250, n_joiners=100):
    start = ae.load_fieldwork().set_index("year")["fieldwork_start"]
    level = rng.normal(0.3, 0.4, n_trusts)
    year_fx = dict(zip(YEARS, rng.normal(0, 0.1, 6)))
    cohort = np.repeat(np.arange(2015, 2020), n_joiners // 5)
    rows, register = [], []
    for i in range(n_trusts):
        joined = None
        if i < n_joiners:
            joined = pd.Timestamp(int(cohort[i]), int(rng.integers(1, 4)), int(rng.integers(1, 29)))
            register.append({"org_code": f"R{i:03d}", "start_date": joined.strftime("%Y-%m-%d")})
        for y in YEARS:
            logit = (
                level[i] + year_fx[y] + (TRUE if joined is not None and start[y] > joined else 0)
            )
            base = int(rng.integers(300, 3001))
            pos = int(rng.binomial(base, 1 / (1 + np.exp(-logit))))
            rows.append(
                dict(org_code=f"R{i:03d}", year=y, series="q22c", item="q22c", positive=pos,
                     base=base, estimate=pos / base, suppressed=False, benchmark_group=None)
            )  # fmt: skip
    return pd.DataFrame(rows).astype({"positive": "Int64"}), pd.DataFrame(register)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=250)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    print(machine())
    rng = np.random.default_rng(args.seed)
    out = {"date rule": [], "year rule (first_exposed=1)": []}
    for _ in range(args.reps):
        results, register = panel(rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, kw in [
                ("date rule", {}),
                ("year rule (first_exposed=1)", {"first_exposed": 1}),
            ]:
                fx = ae.participation_effect(results, register, design="twfe", **kw).iloc[0]
                covered = fx["log_odds_ci_low"] <= TRUE <= fx["log_odds_ci_high"]
                out[name].append((fx["log_odds"], covered))
    print(f"{args.reps} replicates, true effect {TRUE} log-odds")
    print("| rule | mean estimate | bias | 95 % CI coverage |")
    print("|---|---|---|---|")
    for name, rows in out.items():
        est = np.array([r[0] for r in rows])
        cov = np.mean([r[1] for r in rows])
        print(f"| {name} | {est.mean():.4f} | {est.mean() / TRUE - 1:+.1%} | {cov:.1%} |")


if __name__ == "__main__":
    main()
