"""Benchmark: the CPU the disclosure gate costs each report of a batch (issue 18).

``aeeval build`` runs :func:`aeeval.publish.gate.check_published` in its own process for every
report, one after another. This benchmark builds the 20-cohort batch of ``bench_reports.py`` (the
bundled example organisations dealt into 20 cohorts, ``notebooks/05-evaluation-report.ipynb``)
once, then calls ``check_published`` on each published folder in turn, in one process, as the
build does, and measures ``time.process_time`` of each call: the figure texts, PDF page text and
inputs are read beforehand (``collect_figure_texts`` of ``executed.ipynb``, ``pdf_text`` of
``report.pdf``, ``manifest.json``'s inputs), as the build has them. The PDF's own reading
(:func:`aeeval.publish.gate.pdf.check_pdf`) is timed again on its own, so the rest of the gate can
be told apart from it.

With ``--against SRC`` (a copy of another version's ``aeeval`` folder, e.g. ``git archive main
aeeval | tar -x -C /tmp/main``) the same measurement is made with that version first on
``PYTHONPATH``, alternated with this one, ``--repeat`` times each; both must give the same
findings. Every report passes the gate, so the findings compared are those of two copies of the
first report with identifiers and register names written into their HTML, notebook and
``figures.json`` (read after the timing).

Run from the project root::

    .venv/bin/python benchmarks/bench_gate.py [--reports DIR] [--against SRC] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_reports import batch_config, cohort_data
from machine import machine

BIN = Path(sys.executable).parent
COHORTS = 20
LEAK = (
    "Always Event (Wei Davies, 020 7946 0018, jo.bloggs@nhs.net, LS1 4AP, 943 476 5919, DEV CLARKE)"
)


def build(work: Path) -> Path:
    """The 20-cohort batch, built with one worker; returns its output folder."""
    out = work / "reports"
    config = batch_config(work / "batch.yml", out, cohort_data(work, COHORTS), COHORTS)
    subprocess.run(
        [str(BIN / "aeeval"), "build", str(config), "--jobs", "1", "--quiet"],
        check=True,
        capture_output=True,
    )
    return out


def leaky_copies(reports: Path, work: Path) -> list[Path]:
    """Two published folders with identifiers written into their text: findings to compare."""
    copies = []
    for name in ("cohort-1", "cohort-2"):
        copy = work / "leaky" / name
        shutil.copytree(reports / name, copy)
        for path in copy.iterdir():
            if path.suffix in (".html", ".ipynb", ".json") and path.name != "manifest.json":
                text = path.read_text(encoding="utf-8")
                count = 2 if path.name == "figures.json" else 5
                path.write_text(text.replace("Always Event", LEAK, count), encoding="utf-8")
        copies.append(copy)
    return copies


def measure(reports: Path, leaky: list[Path]) -> dict:
    """CPU of ``check_published`` (and of ``check_pdf`` alone) for each report, in this process."""
    import nbformat

    from aeeval.publish.browser import pdf_text
    from aeeval.publish.figures import collect_figure_texts
    from aeeval.publish.gate import check_published
    from aeeval.publish.gate.pdf import check_pdf

    def case(folder: Path) -> dict:
        nb = nbformat.read(str(folder / "executed.ipynb"), as_version=4)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return {
            "folder": folder,
            "figure_texts": collect_figure_texts(nb),
            "pdf_pages": pdf_text(folder / "report.pdf"),
            "inputs": manifest["inputs"],
        }

    cases = [case(reports / f"cohort-{c}") for c in range(1, COHORTS + 1)]
    gate, pdf, passed = [], [], True
    for c in cases:
        start = time.process_time()
        passed &= not check_published(**c)
        gate.append(time.process_time() - start)
        start = time.process_time()
        check_pdf(c["folder"] / "report.pdf", pages=c["pdf_pages"])
        pdf.append(time.process_time() - start)
    findings = [check_published(**case(f), names=("Jo Bloggs",)) for f in leaky]
    return {"gate": gate, "pdf": pdf, "passed": passed, "findings": findings}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=Path, help="a built batch's output folder to reuse")
    parser.add_argument("--against", type=Path, help="another version's aeeval source folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)  # one run
    args = parser.parse_args(argv)
    if args.measure:
        reports, work = args.measure
        result = measure(reports, sorted((work / "leaky").iterdir()))
        (work / "result.json").write_text(json.dumps(result), encoding="utf-8")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as tmp:
        work = Path(tmp)
        reports = args.reports or build(work)
        leaky_copies(reports, work)
        versions = {"this version": None}
        if args.against:
            versions = {f"against {args.against}": args.against, **versions}
        runs: dict[str, list[dict]] = {v: [] for v in versions}
        for _ in range(args.repeat):
            for label, source in versions.items():
                env = dict(os.environ)
                if source is not None:
                    env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")])
                subprocess.run(
                    [sys.executable, __file__, "--measure", str(reports), str(work)],
                    check=True,
                    env=env,
                    cwd=work,  # not the project root, which would come first on sys.path
                )
                runs[label].append(json.loads((work / "result.json").read_text()))
        print(machine())
        print(f"check_published, CPU per report over {COHORTS} reports of one batch (medians):")
        for label, results in runs.items():
            gate = [g for r in results for g in r["gate"][1:]]  # the first pays the imports
            pdf = [p for r in results for p in r["pdf"][1:]]
            first = statistics.median(r["gate"][0] for r in results)
            print(
                f"  {label}: {ms(statistics.median(gate))} a report (first report "
                f"{ms(first)}), of which the PDF's reading {ms(statistics.median(pdf))}; "
                f"every report passed: {all(r['passed'] for r in results)}"
            )
        findings = {label: [r["findings"] for r in results] for label, results in runs.items()}
        same = len({json.dumps(f) for fs in findings.values() for f in fs}) == 1
        total = sum(len(f) for f in next(iter(findings.values()))[0])
        print(f"  findings in the two leaky copies: {total}, the same in every run: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
