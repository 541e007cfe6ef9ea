"""Benchmark: the command line's start-up and exit, as ratios against runs side by side.

A. ``aeeval --help`` (and ``--version``, ``validate`` of an example file) against ``python -c
   pass``, the floor of any Python command: the commands are alternated, ``--repeat`` times each,
   and the medians compared. Target (issue 15): ``aeeval --help`` well under 0.5 s.

B. What ``aeeval.cli.run`` adds around :func:`aeeval.cli.main`: ``gc.freeze()`` before exit and
   :func:`aeeval.cli.skip_iri_grammar`. Each command is run as shipped (the console script) and
   through ``python -c`` drivers that call ``main`` without the one or the other, alternated.

C. The ``gc.freeze()`` in the last cell aeeval injects into every report kernel. ``aeeval run``
   of a report (``--format html``: no browser, less noise) with the package as shipped and with a
   copy of it whose injected cells leave it out (the copy is put first on ``PYTHONPATH``; the
   injected cells are written by the command's own process), alternated.

Run from the project root::

    .venv/bin/python benchmarks/bench_cli.py [--repeat 9] [--only a|b|c]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine

from aeeval.paths import EXAMPLES, NOTEBOOKS, ROOT

BIN = Path(sys.executable).parent
PY = sys.executable
AEEVAL = str(BIN / "aeeval")
REPORT = NOTEBOOKS / "05-evaluation-report.ipynb"
NO_FREEZE = (
    "import sys; from aeeval.cli import main, skip_iri_grammar; skip_iri_grammar(); "
    "sys.exit(main(sys.argv[1:]))"
)
NO_SKIP = (
    "import gc, sys; from aeeval.cli import main; c = main(sys.argv[1:]); gc.freeze(); sys.exit(c)"
)


def timed(cmd: list, env: dict | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system, the command and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, cwd=ROOT, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{proc.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def alternate(variants: dict[str, tuple[list, dict | None]], repeat: int) -> dict[str, list]:
    """Run each variant once to warm the OS caches, then ``repeat`` rounds of all, in turn."""
    times: dict[str, list] = {name: [] for name in variants}
    for cmd, env in variants.values():
        timed(cmd, env)
    for _ in range(repeat):
        for name, (cmd, env) in variants.items():
            times[name].append(timed(cmd, env))
    return times


def report(times: dict[str, list], baseline: str) -> None:
    """Medians of wall and CPU time, each as a ratio to the baseline's."""
    base_wall = statistics.median(w for w, _ in times[baseline])
    base_cpu = statistics.median(c for _, c in times[baseline])
    print(f"  {'':<52} {'wall (median, ratio)':>22} {'CPU (median, ratio)':>22}")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"  {name:<52} {wall:8.3f} s {wall / base_wall:6.2f}×   {cpu:8.3f} s "
            f"{cpu / base_cpu:6.2f}×"
        )
    print(f"  (baseline: {baseline})")


def part_a(repeat: int) -> None:
    print(f"A. start-up against `python -c pass` (alternated, medians of {repeat})")
    register = str(EXAMPLES / "register.csv")
    report(
        alternate(
            {
                "python -c pass": ([PY, "-c", "pass"], None),
                "aeeval --help": ([AEEVAL, "--help"], None),
                "aeeval --version": ([AEEVAL, "--version"], None),
                "aeeval validate data/examples/register.csv": (
                    [AEEVAL, "validate", register],
                    None,
                ),
            },
            repeat,
        ),
        "python -c pass",
    )


def empty_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.read(REPORT, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    nbformat.write(nbformat.v4.new_notebook(cells=[params], metadata=nb.metadata), str(path))
    return path


def part_b(work: Path, repeat: int) -> None:
    register = str(EXAMPLES / "register.csv")
    floor = empty_notebook(work / "empty.ipynb")
    for label, args in (
        ("validate register.csv", ["validate", register]),
        (
            "run <parameters cell only> --format html",
            ["run", floor, "--format", "html", "--out", work / "b"],
        ),
    ):
        print(f"B. aeeval {label}: what run() adds to main() (alternated, medians of {repeat})")
        report(
            alternate(
                {
                    "as shipped (skip_iri_grammar + gc.freeze at exit)": ([AEEVAL, *args], None),
                    "without gc.freeze at exit": ([PY, "-c", NO_FREEZE, *args], None),
                    "without skip_iri_grammar": ([PY, "-c", NO_SKIP, *args], None),
                },
                repeat,
            ),
            "as shipped (skip_iri_grammar + gc.freeze at exit)",
        )


def package_copy(work: Path, name: str) -> dict:
    """A copy of the aeeval package whose injected kernel cells do not call ``gc.freeze()``, with
    the project's data beside it; the environment that puts it first on PYTHONPATH."""
    import aeeval

    root = work / name
    shutil.copytree(
        Path(aeeval.__file__).parent, root / "aeeval", ignore=shutil.ignore_patterns("__pycache__")
    )
    for folder in ("data", "notebooks"):
        (root / folder).symlink_to(ROOT / folder)
    freeze = "\\nimport gc\\ngc.freeze()"  # as written inside the injected cells' source strings
    holders = [
        p
        for p in (root / "aeeval").rglob("*.py")
        if freeze in p.read_text() and "Injected by aeeval" in p.read_text()
    ]
    if len(holders) != 1:
        raise SystemExit(f"expected one module with the injected cells, found {holders}")
    holders[0].write_text(holders[0].read_text().replace(freeze, ""))
    return {**os.environ, "PYTHONPATH": str(root)}


def part_c(work: Path, repeat: int) -> None:
    import nbformat

    print(
        f"C. aeeval run {REPORT.name} -p cohort 1 --format html: the kernel's gc.freeze() "
        f"(alternated, medians of {repeat})"
    )
    out = work / "c"
    cmd = [AEEVAL, "run", REPORT, "-p", "cohort", "1", "--format", "html", "--out", out]
    shipped = "as shipped (gc.freeze() in the last injected cell)"
    variants = {
        shipped: ((cmd, None), 1),
        "without it": ((cmd, package_copy(work, "no-freeze")), 0),
    }
    for name, ((command, env), freezes) in variants.items():  # each variant runs what it says
        timed(command, env)
        cells = nbformat.read(out / "executed.ipynb", as_version=4).cells
        found = sum(c.source.count("gc.freeze()") for c in cells if c.cell_type == "code")
        if found != freezes:
            raise SystemExit(f"{name}: the executed notebook has {found} gc.freeze() calls")
    report(alternate({name: run for name, (run, _) in variants.items()}, repeat), shipped)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9, help="rounds of each comparison (median kept)")
    ap.add_argument("--only", choices=["a", "b", "c"], help="run one part only")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="aeeval-bench-cli-") as tmp:
        if args.only in (None, "a"):
            part_a(args.repeat)
        if args.only in (None, "b"):
            part_b(Path(tmp), args.repeat)
        if args.only in (None, "c"):
            part_c(Path(tmp), args.repeat)
    print(f"machine after: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
