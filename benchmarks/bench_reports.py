"""Benchmark: publishing reports, as ratios against baselines measured side by side in one run.

A. One cohort report against its floor. ``aeeval run notebooks/05-evaluation-report.ipynb -p cohort 1``
   against ``aeeval run`` of an empty notebook (a parameters cell and nothing else) through the same
   route: CLI start, kernel, figures.json, HTML export, Chromium print, disclosure gate, manifest,
   atomic move. The two are alternated; the medians are compared. Target (issue 7): ≤ 1.3×.

B. A 20-cohort batch against the loop an evaluator would write by hand. ``aeeval build`` of the
   evaluation report for 20 cohorts (``--jobs``, default 2) against, for each cohort one after
   another, the papermill CLI, then ``jupyter nbconvert --to html --no-input``, then Chromium's
   ``--print-to-pdf`` (nbconvert's own webpdf exporter cannot use a system Chromium and cannot
   download one offline). The 20 cohorts are the bundled example organisations dealt into 20
   cohorts. Target (issue 7): the batch ≥ 2.5× faster on 2 cores.

Run from the project root::

    .venv/bin/python benchmarks/bench_reports.py [--repeat 3] [--cohorts 20] [--jobs 2]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd
import yaml
from machine import machine

from aeeval.paths import EXAMPLES, NOTEBOOKS
from aeeval.publish.browser import CHROMIUM_ARGS, find_chromium

REPORT = NOTEBOOKS / "05-evaluation-report.ipynb"
BIN = Path(sys.executable).parent


def timed(cmd: list, **kw) -> float:
    start = time.perf_counter()
    subprocess.run([str(c) for c in cmd], check=True, capture_output=True, **kw)
    return time.perf_counter() - start


def empty_notebook(path: Path) -> Path:
    """The floor: the report's parameters cell and nothing else."""
    report = nbformat.read(REPORT, as_version=4)
    params = next(c for c in report.cells if "parameters" in c.metadata.get("tags", []))
    nb = nbformat.v4.new_notebook(cells=[params], metadata=report.metadata)
    nbformat.write(nb, str(path))
    return path


def one_report(work: Path, repeat: int) -> dict:
    floor_nb = empty_notebook(work / "empty.ipynb")
    aeeval = BIN / "aeeval"
    floor, report = [], []
    timed([aeeval, "run", floor_nb, "--out", work / "warm"])  # first run fills OS caches
    for _ in range(repeat):
        floor.append(timed([aeeval, "run", floor_nb, "--out", work / "floor"]))
        report.append(timed([aeeval, "run", REPORT, "-p", "cohort", "1", "--out", work / "report"]))
    return {
        "floor": statistics.median(floor),
        "report": statistics.median(report),
        "floor_all": floor,
        "report_all": report,
    }


def cohort_data(work: Path, cohorts: int) -> Path:
    """The example data with the register's organisations dealt into ``cohorts`` cohorts."""
    data = work / "data"
    shutil.copytree(EXAMPLES, data)
    register = pd.read_csv(data / "register.csv", dtype=str, keep_default_na=False)
    register["cohort"] = [str(i % cohorts + 1) for i in range(len(register))]
    register.to_csv(data / "register.csv", index=False)
    return data


def batch(work: Path, data: Path, cohorts: int, jobs: int) -> float:
    config = work / "batch.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(work / "batch"),
                "reports": [
                    {
                        "notebook": str(REPORT),
                        "parameters": {"data_dir": str(data)},
                        "matrix": {"cohort": list(range(1, cohorts + 1))},
                        "out": "cohort-{cohort}",
                    }
                ],
            }
        )
    )
    return timed([BIN / "aeeval", "build", config, "--jobs", jobs, "--quiet"])


def naive(work: Path, data: Path, cohorts: int) -> float:
    chromium = find_chromium()
    out = work / "naive"
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    for c in range(1, cohorts + 1):
        nb = out / f"cohort-{c}.ipynb"
        subprocess.run(
            [
                BIN / "papermill",
                REPORT,
                nb,
                "-p",
                "cohort",
                str(c),
                "-p",
                "data_dir",
                str(data),
                "--no-progress-bar",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", nb],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                chromium,
                "--headless",
                *CHROMIUM_ARGS,
                "--no-pdf-header-footer",
                f"--print-to-pdf={out / f'cohort-{c}.pdf'}",
                nb.with_suffix(".html").as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side of A (median kept)")
    ap.add_argument("--cohorts", type=int, default=20, help="cohorts in the batch of B")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes of the batch")
    ap.add_argument("--only", choices=["one", "batch"], help="run one part only")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="aeeval-bench-") as tmp:
        work = Path(tmp)
        if args.only in (None, "one"):
            a = one_report(work, args.repeat)
            print(
                f"A. one cohort report {a['report']:.2f} s vs floor {a['floor']:.2f} s (medians of "
                f"{args.repeat}: report {[round(x, 2) for x in a['report_all']]}, floor "
                f"{[round(x, 2) for x in a['floor_all']]}) → ratio {a['report'] / a['floor']:.2f}× "
                "(target ≤ 1.3×)"
            )
        if args.only in (None, "batch"):
            data = cohort_data(work, args.cohorts)
            n = naive(work, data, args.cohorts)
            b = batch(work, data, args.cohorts, args.jobs)
            print(
                f"B. {args.cohorts}-cohort batch (--jobs {args.jobs}) {b:.1f} s vs naive loop {n:.1f} s "
                f"→ {n / b:.2f}× faster (target ≥ 2.5×)"
            )
    print(f"machine after: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
