"""Benchmark: publishing reports, as ratios against baselines measured side by side in one run (issue 18).

A′. ``aeeval run notebooks/05-evaluation-report.ipynb -p cohort 1`` (warm kernels, the default, and
    with ``AEEVAL_WARM_KERNELS=0``) against the by-hand route for the same report: the papermill CLI,
    then ``jupyter nbconvert --to html --no-input``, then Chromium ``--headless --print-to-pdf``.
    Alternated; medians. Target: ≥ 2.5× faster.
A″. The same ``aeeval run`` against the physical floor of one report (:func:`report_floor`: the
    kernel's imports in a fresh interpreter, the cells, one export, one print, one pdftotext), and
    the by-hand route against the same floor: the most any route could gain over it.
B.  The 20-cohort batch (``aeeval build --jobs 2`` of a 20-report config) against the naive loop of
    20 ``aeeval run``s, one after another. Target: ≥ 6×.
C.  The batch against its floor: the sum over reports of each report's own cell time (papermill's
    per-cell durations in its executed notebook, aeeval's injected cells left out) plus its print
    time (its report.html printed again by one warm Chromium), divided by the number of workers.
    Target: ≤ 1.3×.
D.  ``aeeval --help`` and ``aeeval validate`` of the example files against ``python -c pass`` and
    ``python -c "import pandas"``, alternated, medians. Target: ``--help`` ≤ 5× ``python -c pass``.
E.  The survey statistics benchmark (``bench_survey.py``) run as it is: aeeval against bare pandas
    ``value_counts``. Target: ≤ 1×.
C′. (proposed instead of C, see benchmarks/README.md) The batch's CPU outside its kernels' cells
    and Chromium, per report (:func:`overhead`), from /proc. Proposed target: ≤ 0.3 CPU-s.

The 20 cohorts are the bundled example organisations dealt into 20 cohorts. Run from the project
root::

    .venv/bin/python benchmarks/bench_reports.py [--repeat 5] [--cohorts 20] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import re
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


def by_hand(work: Path, data: Path, cohort: int, name: str) -> float:
    """What an evaluator runs by hand for one report: papermill, nbconvert, Chromium."""
    chromium = find_chromium()
    nb = work / f"{name}.ipynb"
    start = time.perf_counter()
    subprocess.run(
        [BIN / "papermill", REPORT, nb, "-p", "cohort", str(cohort)]
        + ["-p", "data_dir", str(data), "--no-progress-bar"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", nb],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [chromium, "--headless", *CHROMIUM_ARGS, "--no-pdf-header-footer"]
        + [f"--print-to-pdf={work / f'{name}.pdf'}", nb.with_suffix(".html").as_uri()],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def aeeval_run(out: Path, data: Path, cohort: int, warm: bool = True) -> float:
    env = {**os.environ, "AEEVAL_WARM_KERNELS": "1" if warm else "0"}
    cmd = [BIN / "aeeval", "run", REPORT, "-p", "cohort", cohort, "-p", "data_dir", data]
    return timed(cmd + ["--out", out], env=env)


def one_report(work: Path, data: Path, repeat: int) -> dict:
    aeeval_run(work / "first", data, 1)  # fills the OS caches
    runs = {"warm": [], "cold": [], "hand": []}
    for i in range(repeat):
        runs["warm"].append(aeeval_run(work / f"warm-{i}", data, 1))
        runs["hand"].append(by_hand(work, data, 1, f"hand-{i}"))
        runs["cold"].append(aeeval_run(work / f"cold-{i}", data, 1, warm=False))
    return {k: statistics.median(v) for k, v in runs.items()} | {"all": runs}


def report_floor(folder: Path, repeat: int) -> dict:
    """The physical floor of one report (issue 18), from the report ``folder`` an ``aeeval run``
    wrote, each part measured on its own: a fresh interpreter importing the modules the kernel
    uses (a fork server from spawn to ready, median of ``repeat``), the notebook's own cells (its
    executed.ipynb, injected cells left out), one HTML export (the first in this process, nbconvert
    already imported), one
    Chromium print (on a running browser) and one pdftotext. A lower bound: the kernel's own start
    and handshake are left out."""
    import nbformat

    from aeeval.publish.browser import Browser, pdf_text
    from aeeval.publish.forkserver import ForkServer
    from aeeval.publish.report import INJECTED_TAG, export_html

    imports = []
    for _ in range(repeat):
        start = time.perf_counter()
        server = ForkServer()
        server.ready()
        imports.append(time.perf_counter() - start)
        server.close()
    nb = nbformat.read(folder / "executed.ipynb", as_version=4)
    cells = sum(
        cell.metadata.get("papermill", {}).get("duration") or 0.0
        for cell in nb.cells
        if cell.cell_type == "code" and INJECTED_TAG not in cell.metadata.get("tags", [])
    )
    import nbconvert  # noqa: F401  (its import can overlap the kernel: not part of the floor)

    start = time.perf_counter()
    export_html(nb, title="floor", provenance=None)  # a first export: the template compiles
    export = time.perf_counter() - start
    with Browser() as browser, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        browser.print_pdf(folder / "report.html", Path(tmp, "floor.pdf"), title="floor")
        printing = time.perf_counter() - start
        start = time.perf_counter()
        pdf_text(Path(tmp, "floor.pdf"))
        text = time.perf_counter() - start
    parts = {
        "imports": statistics.median(imports),
        "cells": cells,
        "export": export,
        "print": printing,
        "pdftotext": text,
    }
    return parts | {"floor": sum(parts.values())}


def cohort_data(work: Path, cohorts: int) -> Path:
    """The example data with the register's organisations dealt into ``cohorts`` cohorts."""
    data = work / "data"
    shutil.copytree(EXAMPLES, data)
    register = pd.read_csv(data / "register.csv", dtype=str, keep_default_na=False)
    register["cohort"] = [str(i % cohorts + 1) for i in range(len(register))]
    register.to_csv(data / "register.csv", index=False)
    return data


def batch_config(config: Path, out: Path, data: Path, cohorts: int, notebook=REPORT) -> Path:
    """A build config of ``notebook`` (05) for cohorts 1 … ``cohorts`` of ``data`` into ``out``."""
    config.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(out),
                "reports": [
                    {
                        "notebook": str(notebook),
                        "parameters": {"data_dir": str(data)},
                        "matrix": {"cohort": list(range(1, cohorts + 1))},
                        "out": "cohort-{cohort}",
                    }
                ],
            }
        )
    )
    return config


def batch(work: Path, data: Path, cohorts: int, jobs: int, warm: bool = True) -> tuple[float, Path]:
    out = work / f"batch-{'warm' if warm else 'cold'}"
    config = batch_config(work / f"{out.name}.yml", out, data, cohorts)
    env = {**os.environ, "AEEVAL_WARM_KERNELS": "1" if warm else "0"}
    return timed([BIN / "aeeval", "build", config, "--jobs", jobs, "--quiet"], env=env), out


def naive_runs(work: Path, data: Path, cohorts: int) -> float:
    start = time.perf_counter()
    for c in range(1, cohorts + 1):
        aeeval_run(work / "naive" / f"cohort-{c}", data, c)
    return time.perf_counter() - start


def floor(out: Path, cohorts: int, jobs: int) -> dict:
    """Σ (own cell time + print time) / jobs over the batch's reports."""
    from aeeval.publish.browser import Browser
    from aeeval.publish.report import INJECTED_TAG

    cells = prints = 0.0
    with Browser() as browser, tempfile.TemporaryDirectory() as tmp:
        browser.print_pdf(out / "cohort-1" / "report.html", Path(tmp, "warm-up.pdf"), title="x")
        for c in range(1, cohorts + 1):
            folder = out / f"cohort-{c}"
            nb = nbformat.read(folder / "executed.ipynb", as_version=4)
            cells += sum(
                cell.metadata.get("papermill", {}).get("duration") or 0.0
                for cell in nb.cells
                if cell.cell_type == "code" and INJECTED_TAG not in cell.metadata.get("tags", [])
            )
            start = time.perf_counter()
            browser.print_pdf(folder / "report.html", Path(tmp, f"{c}.pdf"), title="x")
            prints += time.perf_counter() - start
    return {"cells": cells, "prints": prints, "floor": (cells + prints) / jobs}


def _cpu_seconds(pid: int) -> tuple[int, float, str] | None:
    """(parent pid, user + system CPU seconds, command line) of a process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return None
    rest = stat[stat.rindex(")") + 2 :].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK"), cmd


def cpu_by_kind(cmd: list, **kw) -> tuple[float, dict]:
    """Run ``cmd``; its wall time and the CPU seconds of every process it started, by kind
    (kernels, chromium, other; ``parts`` splits other into the main process, the workers, the fork
    server and the rest), sampled from /proc every 20 ms (a process's last 20 ms before it
    exits, and processes that live less than that, are missed)."""
    seen: dict[int, tuple[float, str, int]] = {}
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, **kw)
    while proc.poll() is None:
        table = {}
        for name in os.listdir("/proc"):
            if name.isdigit() and (info := _cpu_seconds(int(name))) is not None:
                table[int(name)] = info
        family, grew = {proc.pid}, True
        while grew:
            grew = False
            for pid, (ppid, _, _) in table.items():
                if ppid in family and pid not in family:
                    family.add(pid)
                    grew = True
        for pid in family & set(table):
            ppid, cpu, command = table[pid]
            old = seen.get(pid, (0.0, command, ppid))
            seen[pid] = (max(cpu, old[0]), command or old[1], ppid)
        time.sleep(0.02)
    wall = time.perf_counter() - start

    def server(pid: int) -> bool:  # a forked kernel keeps its fork server's command line
        return "aeeval.publish.forkserver" in seen.get(pid, (0, "", 0))[1]

    servers = {pid for pid, (_, _, ppid) in seen.items() if server(pid) and not server(ppid)}
    kinds = {"kernels": 0.0, "chromium": 0.0, "other": 0.0}
    parts = {"main": 0.0, "workers": 0.0, "fork server": 0.0, "the rest": 0.0}  # of "other"
    for pid, (cpu, command, ppid) in seen.items():
        if "chrom" in command:
            kinds["chromium"] += cpu
        elif (ppid in servers and pid not in servers) or re.search(
            r"ipykernel|\.kernel\b", command
        ):
            kinds["kernels"] += cpu
        else:
            kinds["other"] += cpu
            part = (
                "main"
                if pid == proc.pid
                else "fork server"
                if pid in servers
                else "workers"
                if "multiprocessing" in command
                else "the rest"  # pdftotext, git, a browser driver …
            )
            parts[part] += cpu
    return wall, kinds | {"parts": parts}


def overhead(work: Path, data: Path, cohorts: int, jobs: int) -> dict:
    """The batch's CPU outside its kernels' cells and Chromium, per report: the machine CPU of the
    20-cohort batch less Chromium's and the kernels', plus the kernels' own start and exit (the
    kernel CPU of the same batch of notebook 05's parameters cell alone, per kernel)."""
    empty = work / "empty.ipynb"
    nb = nbformat.read(REPORT, as_version=4)
    nb.cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    nbformat.write(nb, empty)
    result = {}
    for name, notebook in (("report", REPORT), ("empty", empty)):
        out = work / f"overhead-{name}"
        config = batch_config(work / f"{out.name}.yml", out, data, cohorts, notebook)
        wall, kinds = cpu_by_kind([BIN / "aeeval", "build", config, "--jobs", jobs, "--quiet"])
        result[name] = {"wall": wall, **kinds}
        shutil.rmtree(out)
    start_exit = result["empty"]["kernels"] / cohorts
    report = result["report"]
    outside = report["other"] + start_exit * cohorts
    return result | {"start_exit": start_exit, "per_report": outside / cohorts}


def startup(repeat: int) -> dict:
    examples = [EXAMPLES / n for n in ("register.csv", "survey_responses.csv", "measures.csv")]
    cmds = {
        "pass": [sys.executable, "-c", "pass"],
        "pandas": [sys.executable, "-c", "import pandas"],
        "help": [BIN / "aeeval", "--help"],
        "validate": [BIN / "aeeval", "validate", *examples],
    }
    times = {k: [] for k in cmds}
    for _ in range(repeat):
        for k, cmd in cmds.items():
            times[k].append(timed(cmd))
    return {k: statistics.median(v) for k, v in times.items()}


def survey() -> str:
    res = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("bench_survey.py")), "--repeat", "3"],
        check=True,
        capture_output=True,
        text=True,
    )
    keep = ("baseline", "aeeval", "ratio")
    return "; ".join(ln for ln in res.stdout.splitlines() if ln.startswith(keep))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each side of A′ and D (median)")
    ap.add_argument("--cohorts", type=int, default=20, help="cohorts in the batch of B")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes of the batch")
    ap.add_argument(
        "--only",
        choices=["a", "b", "c", "d", "e", "overhead", "warm"],
        help="run one part only (b: B and C; c: C alone, --repeat batches; overhead: the "
        "batch's CPU per report outside its kernels' cells and Chromium; warm: the batch warm "
        "against cold)",
    )
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="aeeval-bench-") as tmp:
        work = Path(tmp)
        data = cohort_data(work, args.cohorts)
        if args.only in (None, "d"):
            d = startup(max(args.repeat, 7))
            print(
                f"D. medians: python -c pass {d['pass']:.3f} s, import pandas {d['pandas']:.3f} s, "
                f"aeeval --help {d['help']:.3f} s ({d['help'] / d['pass']:.1f}× pass, "
                f"{d['help'] / d['pandas']:.2f}× pandas; target ≤ 5× pass), aeeval validate "
                f"{d['validate']:.3f} s ({d['validate'] / d['pass']:.1f}× pass, "
                f"{d['validate'] / d['pandas']:.2f}× pandas)",
                flush=True,
            )
        if args.only in (None, "a"):
            a = one_report(work, data, args.repeat)
            rounded = {k: [round(x, 2) for x in v] for k, v in a["all"].items()}
            print(
                f"A′. medians of {args.repeat}: aeeval run {a['warm']:.2f} s (warm kernels), "
                f"{a['cold']:.2f} s (AEEVAL_WARM_KERNELS=0); by hand {a['hand']:.2f} s → "
                f"{a['hand'] / a['warm']:.2f}× faster warm, {a['hand'] / a['cold']:.2f}× cold "
                f"(target ≥ 2.5×); all runs {rounded}",
                flush=True,
            )
            f1 = report_floor(work / "first", args.repeat)
            shown = ", ".join(f"{k} {v:.2f} s" for k, v in f1.items() if k != "floor")
            print(
                f"A″. the floor of one report: {shown} = {f1['floor']:.2f} s → aeeval run "
                f"{a['warm'] / f1['floor']:.2f}× its floor; by hand {a['hand'] / f1['floor']:.2f}× "
                f"the floor, so no route can be more than {a['hand'] / f1['floor']:.2f}× faster "
                "than by hand",
                flush=True,
            )
        if args.only in (None, "b"):
            n = naive_runs(work, data, args.cohorts)
            b, out = batch(work, data, args.cohorts, args.jobs)
            f = floor(out, args.cohorts, args.jobs)
            print(
                f"B. {args.cohorts}-cohort batch (--jobs {args.jobs}) {b:.1f} s vs naive loop of "
                f"{args.cohorts} aeeval runs {n:.1f} s → {n / b:.2f}× faster (target ≥ 6×)\n"
                f"C. floor: cells {f['cells']:.1f} s + prints {f['prints']:.1f} s over "
                f"{args.jobs} workers = {f['floor']:.1f} s → batch {b / f['floor']:.2f}× its "
                "floor (target ≤ 1.3×)",
                flush=True,
            )
        if args.only == "c":  # the batch against its floor, without the naive loop
            ratios = []
            for r in range(args.repeat):
                b, out = batch(work, data, args.cohorts, args.jobs)
                f = floor(out, args.cohorts, args.jobs)
                ratios.append(b / f["floor"])
                print(
                    f"C (run {r + 1}). batch {b:.1f} s, floor: cells {f['cells']:.1f} s + prints "
                    f"{f['prints']:.1f} s over {args.jobs} workers = {f['floor']:.1f} s → "
                    f"{ratios[-1]:.2f}× (target ≤ 1.3×)",
                    flush=True,
                )
                shutil.rmtree(out)
            print(f"C. median of {args.repeat}: {statistics.median(ratios):.2f}×", flush=True)
        if args.only in (None, "overhead"):
            o = overhead(work, data, args.cohorts, args.jobs)
            r = o["report"]
            print(
                f"C′. the batch's CPU: kernels {r['kernels']:.1f}, Chromium {r['chromium']:.1f}, "
                f"the rest {r['other']:.1f} CPU-s ({r['wall']:.1f} s); a kernel's start and exit "
                f"{o['start_exit']:.3f} CPU-s → outside the kernels' cells and Chromium "
                f"{o['per_report']:.2f} CPU-s a report (proposed target ≤ 0.3); the rest by "
                "process: " + ", ".join(f"{k} {v:.2f}" for k, v in r["parts"].items()),
                flush=True,
            )
        if args.only == "warm":  # the batch with warm kernels against cold, alternated
            times = {"warm": [], "cold": []}
            for _ in range(args.repeat):
                for mode in times:
                    times[mode].append(
                        batch(work, data, args.cohorts, args.jobs, mode == "warm")[0]
                    )
            w, c = (statistics.median(times[m]) for m in ("warm", "cold"))
            print(
                f"B (warm against cold). {args.cohorts}-cohort batch medians of {args.repeat}: warm "
                f"{w:.1f} s, AEEVAL_WARM_KERNELS=0 {c:.1f} s → {c / w:.2f}×; all {times}",
                flush=True,
            )
        if args.only in (None, "e"):
            print(f"E. survey statistics (bench_survey.py): {survey()}", flush=True)
    print(f"machine after: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
