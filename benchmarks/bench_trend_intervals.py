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
from scipy.stats import t as student

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
    # Year-on-year change: persistent trust effects (logit sd 0.3), change +0.05 on the logit
    # scale with trust-level noise sd 0.05, 150 trusts in both years, bases drawn afresh each year.
    z, w = np.polynomial.hermite_e.hermegauss(80)

    def expit_mean(mu, sd):
        return float((w / (1 + np.exp(-(mu + sd * z)))).sum() / w.sum())

    n, mu, sd, delta, noise = 150, 0.4, 0.3, 0.05, 0.05
    truth = expit_mean(mu + delta, np.hypot(sd, noise)) - expit_mean(mu, sd)
    a = rng.normal(0, sd, size=(args.reps, n))
    e = rng.normal(0, noise, size=(args.reps, n))
    frames = []
    for k, lp in enumerate((mu + a, mu + delta + a + e)):
        base = rng.choice(BASES, size=(args.reps, n))
        pos = rng.binomial(base, 1 / (1 + np.exp(-lp)))
        frames.append(
            pd.DataFrame(
                {
                    "org_code": np.tile([f"T{i:03d}" for i in range(n)], args.reps),
                    "year": np.repeat(2 * np.arange(args.reps) + k, n),
                    "series": "q22c",
                    "positive": pos.ravel(),
                    "base": base.ravel(),
                    "estimate": (pos / base).ravel(),
                    "suppressed": False,
                }
            )
        )
    sim = pd.concat(frames, ignore_index=True)
    ch = ae.item_trend_changes(sim)
    ch = ch[ch["year_from"] % 2 == 0].reset_index(drop=True)
    paired = ((ch["ci_low"] <= truth) & (truth <= ch["ci_high"])).mean()
    levels = ae.item_trend(sim).set_index("year")["se"]
    unpaired_se = np.hypot(
        levels.loc[ch["year_from"]].to_numpy(), levels.loc[ch["year_to"]].to_numpy()
    )
    q = student.ppf(0.975, n - 1)
    unpaired = (np.abs(ch["change"] - truth) <= q * unpaired_se).mean()
    print()
    print(
        "| change scenario | truth | paired coverage | unpaired coverage | unpaired / paired SE |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| 150 trusts, logit sd 0.3, +0.05 logit, noise 0.05 | {truth:.4f} | {paired:.1%} | "
        f"{unpaired:.1%} | {np.median(unpaired_se / ch['se']):.1f}× |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
