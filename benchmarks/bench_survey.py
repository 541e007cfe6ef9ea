"""Benchmark: coding + proportions + intervals for 1,000,000 respondents × 10 items by two groups.

Compares the aeeval pipeline (``code_responses`` on raw spellings, then ``proportions`` with Wilson
intervals for each item grouped by cohort and setting) with a bare pandas ``value_counts`` of the
same raw columns (group, group, item) for each item, timed side by side in the same run.

Run from the project root::

    PYTHONPATH=$PWD python benchmarks/bench_survey.py [--rows 1000000] [--repeat 3]

Target (issue 3): at most 3× the baseline and under 2 s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import aeeval as ae

ITEMS = [f"q{i:02d}" for i in range(1, 11)]
SCALE = [
    ("A great deal", ["a great deal", "Great deal", "A GREAT DEAL "]),
    ("To some extent", ["To some extent", "Yes – to some extent", "yes, to some extent "]),
    ("Very little", ["Very little", "a little"]),
    ("Not at all", ["Not at all", "no"]),
    ("Don't know", ["Don't know", "Don’t know", "not sure"]),
]
SPELLINGS = [s for _, variants in SCALE for s in variants] + [""]


def make_data(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {
        "cohort": rng.choice(["2016", "2017", "2018", "2019"], rows),
        "setting": rng.choice(
            [
                "Maternity",
                "Mental health",
                "Outpatients",
                "Community nursing",
                "Acute inpatient wards",
                "Children's services",
                "Learning disability",
            ],
            rows,
        ),
    }
    for item in ITEMS:
        data[item] = np.asarray(SPELLINGS, dtype=object)[rng.integers(0, len(SPELLINGS), rows)]
    # As read from a CSV export by pandas 3 (default string dtype).
    return pd.DataFrame(data).astype("str")


def write_codebook(folder: Path) -> Path:
    spec = {
        "name": "benchmark",
        "questions": [
            {
                "id": item,
                "column": item,
                "wording": f"Item {item}",
                "type": "single",
                "options": [{"label": label, "variants": variants} for label, variants in SCALE],
                "positive": ["A great deal", "To some extent"],
                "outside_base": ["Don't know"],
            }
            for item in ITEMS
        ],
    }
    path = folder / "benchmark_codebook.yaml"
    # Every value written out in full: aeeval refuses YAML anchors and aliases in a codebook, and
    # safe_dump would write the shared lists above as aliases.
    dumper = type("NoAliases", (yaml.SafeDumper,), {"ignore_aliases": lambda self, data: True})
    path.write_text(yaml.dump(spec, Dumper=dumper, allow_unicode=True), encoding="utf-8")
    return path


def baseline(raw: pd.DataFrame) -> list:
    return [raw[["cohort", "setting", item]].value_counts() for item in ITEMS]


def pipeline(raw: pd.DataFrame, codebook: Path) -> list:
    coded = ae.code_responses(raw, codebook)
    # Grouping columns become categoricals once (as load_survey's register columns are), so each
    # item's groupby reuses their codes instead of hashing a million strings again.
    coded[["cohort", "setting"]] = coded[["cohort", "setting"]].astype("category")
    return [
        ae.proportions(
            coded,
            item,
            ["A great deal", "To some extent"],
            by=["cohort", "setting"],
            exclude=["Don't know"],
        )
        for item in ITEMS
    ]


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"cpu_count={os.cpu_count()}, python {platform.python_version()}, "
        f"pandas {pd.__version__}, numpy {np.__version__}"
    )
    print(f"load average before: {_load()}")
    raw = make_data(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        codebook = write_codebook(Path(tmp))
        ae.load_codebook(codebook)  # parse once, outside the timing (cached)
        # Check the two give the same counts before timing them.
        counts = baseline(raw)[0]
        table = pipeline(raw, codebook)[0]
        assert int(table["base"].sum() + table["excluded"].sum()) == int(
            counts[counts.index.get_level_values(2).str.strip() != ""].sum()
        )
        t_base = best_of(lambda: baseline(raw), args.repeat)
        t_ae = best_of(lambda: pipeline(raw, codebook), args.repeat)
    print(f"rows={args.rows:,} items={len(ITEMS)} groups=cohort×setting (best of {args.repeat})")
    print(f"baseline pandas value_counts: {t_base:.3f} s")
    print(f"aeeval code_responses + proportions: {t_ae:.3f} s")
    print(f"ratio: {t_ae / t_base:.2f}× (target ≤ 3×, and < 2 s)")
    print(f"load average after: {_load()} (a shared machine: record it beside the result)")


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not available on this platform
        return "unknown"


if __name__ == "__main__":
    main()
