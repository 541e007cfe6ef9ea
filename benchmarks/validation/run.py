"""Validation study of the staggered-adoption estimators (issue 16 item 8): bias and coverage.

For each scenario of :mod:`simulate` (constant, growing with exposure, cohort-specific, both,
pre-trend only — no effect, parallel trends —, and the effect from the joining-year survey),
``--reps`` simulated panels of 250 trusts are estimated by every design of
``aeeval.participation_effect`` (default options: not-yet-treated comparisons, 999 bootstrap
draws for Callaway-Sant'Anna). Reported per scenario and estimator: mean estimate, bias (as % of
the true ATT, or in percentage points where the truth is 0), RMSE, 95 % interval coverage of the
true ATT, and how often the estimator's pre-trend test rejects at 5 % (the trends are parallel in
every scenario, so that is its size). Results (one row per replicate) go to ``--out`` as CSV and
the summary table to stdout, in the layout of ``README.md``.

Run from the project root::

    .venv/bin/python benchmarks/validation/run.py --reps 100 [--designs callaway_santanna,twfe]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/machine.py
from machine import machine  # noqa: E402
from simulate import SCENARIOS, panel  # noqa: E402

import aeeval as ae  # noqa: E402

DESIGNS = ("callaway_santanna", "sun_abraham", "imputation", "etwfe_logit", "twfe")


def replicate(rng, scenario, designs, seed):
    results, register, truth = panel(rng, scenario)
    rows = []
    for design in designs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fx = ae.participation_effect(results, register, design=design, seed=seed)
        att = fx.iloc[0]
        pre = fx.attrs["pretrend"]
        rows.append(
            dict(
                scenario=scenario,
                design=design,
                truth=truth,
                estimate=att["estimate"],
                ci_low=att["ci_low"],
                ci_high=att["ci_high"],
                pretrend_p=pre.get("p_value", np.nan),
            )
        )
    return rows


def summarise(df: pd.DataFrame) -> str:
    lines = [
        "| scenario | estimator | reps | true ATT (pp) | mean estimate | bias | RMSE (pp) "
        "| 95 % coverage | pre-trend test rejects (5 %) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (scenario, design), g in df.groupby(["scenario", "design"], sort=False):
        truth = g["truth"].mean()
        bias = (g["estimate"] - g["truth"]).mean()
        shown = f"{bias:+.3f} pp" if abs(truth) < 1e-9 else f"{bias / truth:+.1%}"
        rmse = float(np.sqrt(((g["estimate"] - g["truth"]) ** 2).mean()))
        cover = ((g["ci_low"] <= g["truth"]) & (g["truth"] <= g["ci_high"])).mean()
        p = g["pretrend_p"].dropna()
        rej = f"{(p < 0.05).mean():.1%}" if len(p) else "—"
        lines.append(
            f"| {scenario} | {design} | {len(g)} | {truth:.3f} | {g['estimate'].mean():.3f} "
            f"| {shown} | {rmse:.3f} | {cover:.1%} | {rej} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--out", default="benchmarks/validation/replicates.csv")
    args = parser.parse_args()
    print(machine())
    designs = args.designs.split(",")
    rng = np.random.default_rng(args.seed)
    rows, t0 = [], time.time()
    for scenario in args.scenarios.split(","):
        for r in range(args.reps):
            rows.extend(replicate(rng, scenario, designs, seed=r))
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(f"{scenario}: {args.reps} reps done, {time.time() - t0:.0f} s", flush=True)
    df = pd.DataFrame(rows)
    print(f"{args.reps} replicates per scenario, seed {args.seed}, {time.time() - t0:.0f} s")
    print(machine())
    print(summarise(df))


if __name__ == "__main__":
    main()
