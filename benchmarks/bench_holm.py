"""Benchmark: Holm's adjustment in numpy against statsmodels' ``multipletests(method="holm")``.

Both in one process that has loaded what a report kernel loads (pandas, matplotlib, statsmodels,
scipy.stats), alternated, medians of CPU time: statsmodels' Holm branch calls ``gc.collect()``,
which walks every object of those libraries; :func:`aeeval.compare.holm_step_down` does the same
arithmetic without it (``tests/test_compare.py`` checks the two agree).

Run from the project root::

    .venv/bin/python benchmarks/bench_holm.py [--repeat 15] [--m 12]
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib.pyplot  # noqa: F401  (a report kernel's libraries)
import numpy as np
import pandas  # noqa: F401
import scipy.stats  # noqa: F401
import statsmodels.api  # noqa: F401
from machine import machine
from statsmodels.stats.multitest import multipletests

from aeeval.compare import holm_step_down


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15, help="alternated rounds (median kept)")
    ap.add_argument("--m", type=int, default=12, help="p-values adjusted together")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    p = np.random.default_rng(20261201).uniform(0, 1, args.m)
    sm, ours = [], []
    for _ in range(args.repeat):
        start = time.process_time()
        multipletests(p, method="holm")
        sm.append(time.process_time() - start)
        start = time.process_time()
        holm_step_down(p)
        ours.append(time.process_time() - start)
    a, b = statistics.median(sm), statistics.median(ours)
    print(
        f"multipletests(method='holm') {a * 1e3:.2f} ms, holm_step_down {b * 1e3:.3f} ms "
        f"(CPU, medians of {args.repeat}, m = {args.m}) → {a / b:.0f}× faster"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
