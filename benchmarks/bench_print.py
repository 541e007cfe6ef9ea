"""Benchmark: the CPU and time of printing one report HTML to PDF N times with one Browser.

Measures, in a fresh process for each measurement: the wall time of ``with Browser(): pass``
(start and stop, median of 5), then the wall time of printing ``--copies`` copies of one report
with one :class:`aeeval.publish.browser.Browser`, and the CPU that costs

- in the printing process itself (``RUSAGE_SELF`` before and after, minus the sampler thread), and
- in every process below it (Chromium's, and any driver's), sampled from ``/proc`` every 50 ms:
  the largest ``utime + stime`` seen for each. ``RUSAGE_CHILDREN`` is not enough: Chromium's
  zygote-forked helpers are not reaped by their parent, so their CPU never reaches it.

"outside Chromium" is the printing process plus any process below it that is not Chromium's (a
driver such as playwright's Node.js process): the part of issue 18's target C′ printing costs.

With ``--python OTHER`` the same measurement is made with another interpreter (e.g. one whose
aeeval prints through playwright: the virtual environment of a checkout before the switch), alternated
with this one, ``--repeat`` times each. The HTML is ``--html FILE`` or, by default, the cohort 1
evaluation report made by ``aeeval run --format html`` into a temporary folder.

Run from the project root::

    .venv/bin/python benchmarks/bench_print.py [--html FILE] [--python OTHER] [--copies 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MEASURE = r"""
import json, os, resource, sys, threading, time
from pathlib import Path
from aeeval.publish.browser import Browser

html, out, copies = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
TICK = os.sysconf("SC_CLK_TCK")
seen, names, sampler, stop = {}, {}, {}, threading.Event()


def sample():
    sampler["tid"] = threading.get_native_id()
    me = str(os.getpid())
    while not stop.is_set():
        parent, cpu = {}, {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    raw = stat.read()
            except OSError:
                continue
            fields = raw.rsplit(")", 1)[1].split()
            names[pid] = raw.split("(", 1)[1].rsplit(")", 1)[0]
            parent[pid], cpu[pid] = fields[1], (int(fields[11]) + int(fields[12])) / TICK
        for pid, used in cpu.items():
            up = pid
            while up in parent and up not in ("0", "1"):
                up = parent[up]
                if up == me:
                    seen[pid] = max(seen.get(pid, 0.0), used)
                    break
        stop.wait(0.05)


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


starts = []
for _ in range(5):
    began = time.perf_counter()
    with Browser():
        pass
    starts.append(time.perf_counter() - began)
thread = threading.Thread(target=sample, daemon=True)
thread.start()
cpu0, began = own_cpu(), time.perf_counter()
with Browser() as browser:
    for i in range(copies):
        browser.print_pdf(html, out / f"{i}.pdf", title="Cohort 1")
    time.sleep(0.1)  # one more sample of the processes before they exit
wall = time.perf_counter() - began
with open(f"/proc/self/task/{sampler['tid']}/stat") as stat:
    fields = stat.read().rsplit(")", 1)[1].split()
sampler_cpu = (int(fields[11]) + int(fields[12])) / TICK
parent_cpu = own_cpu() - cpu0 - sampler_cpu
stop.set()
thread.join()
chromium = sum(v for pid, v in seen.items() if names[pid].startswith("chrom"))
driver = sum(seen.values()) - chromium
print(json.dumps({
    "start_stop_s": sorted(starts)[2], "wall_s": wall, "parent_cpu_s": parent_cpu,
    "driver_cpu_s": driver, "chromium_cpu_s": chromium,
    "outside_chromium_cpu_s": parent_cpu + driver, "total_cpu_s": parent_cpu + sum(seen.values()),
}))
"""


def report_html(folder: Path) -> Path:
    """The cohort 1 evaluation report's HTML, made by ``aeeval run`` into ``folder``."""
    out = folder / "report"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "aeeval",
            "run",
            str(ROOT / "notebooks" / "05-evaluation-report.ipynb"),
            "-p",
            "cohort",
            "1",
            "--format",
            "html",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out / "report.html"


def measure(python: str, html: Path, copies: int, folder: Path) -> dict:
    out = Path(tempfile.mkdtemp(dir=folder))
    res = subprocess.run(
        [python, "-c", MEASURE, str(html), str(out), str(copies)],
        cwd=out,  # not the project root: each interpreter imports its own installed aeeval
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, help="the report HTML to print")
    parser.add_argument("--python", help="another interpreter to measure, alternated with this one")
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pythons = [("this", sys.executable)] + ([("other", args.python)] if args.python else [])
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        html = args.html.resolve() if args.html else report_html(Path(folder))
        for round_ in range(1, args.repeat + 1):
            for label, python in pythons:
                got = measure(python, html, args.copies, Path(folder))
                print(
                    f"round {round_} {label:5} {args.copies} prints: wall {got['wall_s']:.2f} s; "
                    f"CPU outside Chromium {got['outside_chromium_cpu_s']:.2f} s (process "
                    f"{got['parent_cpu_s']:.2f} + driver {got['driver_cpu_s']:.2f}), Chromium "
                    f"{got['chromium_cpu_s']:.2f} s, total {got['total_cpu_s']:.2f} s; "
                    f"start+stop {got['start_stop_s']:.2f} s",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
