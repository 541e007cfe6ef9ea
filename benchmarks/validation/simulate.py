"""Simulated Staff Survey panels for the staggered-adoption validation study (issue 16 item 8).

Panels shaped like the real acute-trust data: 250 trusts, surveys 2015-2020, each trust's base
drawn once from 300-3000 (and varied ±10 % by year), 100 trusts joining Always Events in five
cohorts of 20. The outcome is generated on the percentage-point scale, so the true effect is known
in the units the estimators report: trust level ~ N(60, 8) pp, year effects ~ N(0, 1.5) pp,
trust-year noise ~ N(0, 2) pp (between-trust variation well above binomial, as on the real
panels), then ``positive ~ Binomial(base, p)``.

Joining dates: in every scenario but ``joining_year`` the joiners join in October-December of
2015-2019, after that autumn's fieldwork began, so under the date rule their first exposed survey
is the next year's (2016-2020) and every cohort has a survey before joining. In ``joining_year``
they join in January-March 2015-2019, as the example register does, and the effect starts with
the joining year's own survey; the 2015 joiners then have no survey before joining and are left
out of the estimate (aeeval warns), leaving 80.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEARS = tuple(range(2015, 2021))
COHORTS = (2015, 2016, 2017, 2018, 2019)  # joining years

#: scenario -> effect in percentage points of (cohort index k = 0..4, event time e >= 0)
SCENARIOS = {
    "constant": lambda k, e: 3.0,
    "growing": lambda k, e: 1.0 * (e + 1),
    "cohort": lambda k, e: 5.0 - k,
    "both": lambda k, e: (1.5 - 0.25 * k) * (e + 1),
    "pretrend_only": lambda k, e: 0.0,
    "joining_year": lambda k, e: 3.0,
}


def panel(rng, scenario, n_trusts=250, n_joiners=100, base=(300, 3000)):
    """One simulated panel: ``(results, register, truth)``.

    ``results`` has the columns of :func:`aeeval.read_staff_survey` that the models use;
    ``register`` has ``org_code`` and ``start_date``; ``truth`` is the overall ATT in percentage
    points that the estimators target: the mean effect over joined trusts' exposed trust-years,
    each trust weighted by its mean base (the estimators' unit weight), over the trusts that can be
    estimated (in ``joining_year`` the 2015 joiners are not).
    """
    effect = SCENARIOS[scenario]
    same_year = scenario == "joining_year"
    level = rng.normal(60, 8, n_trusts)
    year_fx = dict(zip(YEARS, rng.normal(0, 1.5, len(YEARS))))
    size = rng.integers(base[0], base[1] + 1, n_trusts)
    per_cohort = n_joiners // len(COHORTS)
    rows, register, num, den = [], [], 0.0, 0.0
    for i in range(n_trusts):
        code = f"R{i:03d}"
        k = i // per_cohort if i < n_joiners else None
        if k is not None:
            year = COHORTS[k]
            month = int(rng.integers(1, 4)) if same_year else int(rng.integers(10, 13))
            register.append({"org_code": code, "start_date": f"{year}-{month:02d}-15"})
            first = year if same_year else year + 1
        bases = np.maximum(1, np.round(size[i] * rng.uniform(0.9, 1.1, len(YEARS)))).astype(int)
        estimable = k is not None and first > YEARS[0]
        for y, b in zip(YEARS, bases):
            tau = effect(k, y - first) if k is not None and y >= first else 0.0
            if estimable and y >= first:
                num += bases.mean() * tau
                den += bases.mean()
            p = np.clip(level[i] + year_fx[y] + tau + rng.normal(0, 2), 1, 99) / 100
            pos = int(rng.binomial(b, p))
            rows.append((code, y, pos, int(b)))
    results = pd.DataFrame(rows, columns=["org_code", "year", "positive", "base"])
    results = results.assign(
        series="q22c",
        item="q22c",
        estimate=results["positive"] / results["base"],
        suppressed=False,
        benchmark_group=None,
    ).astype({"positive": "Int64"})
    return results, pd.DataFrame(register), num / den
