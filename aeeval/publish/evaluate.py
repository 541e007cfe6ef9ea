"""``aeeval evaluate DATA_DIR``: the evaluator's one command, and ``aeeval init DIR``.

``evaluate`` checks the whole data folder first (:func:`aeeval.discovery.check_folder`: every
file placed, read and validated, every problem listed at once; exit 1 and nothing built when
there is one), reads the cohorts from the register, then builds the evaluation report
(``notebooks/05-evaluation-report.ipynb``) for the whole programme and for each cohort through
the batch machinery of ``aeeval build`` (:func:`aeeval.publish.build.run_jobs`: worker
processes, one browser, progress bar, summary table, the same output-folder rules and exit
codes). The folders are those ``make demo`` writes under ``evaluation/``: ``programme/`` and
``cohort-N/``, under ``--out`` (default ``./reports/evaluation/``).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["evaluation_jobs", "add_evaluate_commands"]

NOTEBOOK = "05-evaluation-report.ipynb"


def evaluation_jobs(data_dir, out, cohorts) -> list:
    """The :class:`~aeeval.publish.build.Job` of each report: the programme, then each cohort.

    Raises :class:`~aeeval.publish.outdir.OutputError` when ``out`` would contain or lie inside
    the data folder (a report replaces its folder whole).

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> jobs = evaluation_jobs(EXAMPLES, "reports/evaluation", [1, 2])
    >>> [(job.out.name, job.label, job.parameters.get("cohort")) for job in jobs]
    [('programme', '', None), ('cohort-1', 'cohort=1', 1), ('cohort-2', 'cohort=2', 2)]
    """
    from ..paths import NOTEBOOKS
    from .build import Job
    from .outdir import check_apart
    from .parameters import check_parameters, declared_parameters

    notebook = NOTEBOOKS / NOTEBOOK
    declared = declared_parameters(notebook)
    data_dir, out = Path(data_dir).resolve(), Path(out).resolve()
    check_apart(out, [("the data folder", data_dir)])
    runs = [("programme", {}, "")] + [
        (f"cohort-{c}", {"cohort": c}, f"cohort={c}") for c in cohorts
    ]
    jobs = []
    for name, extra, label in runs:
        params = check_parameters(notebook, {"data_dir": str(data_dir), **extra}, declared)
        jobs.append(Job(notebook, params, out / name, Path.cwd(), label))
    return jobs


def _evaluate(args) -> int:
    from ..discovery import check_folder
    from ..files import printable
    from ..paths import reports_dir
    from ..schemas import read_table
    from .commands import run_batch
    from .outdir import OutputError
    from .parameters import ParameterError
    from .report import ReportError, check_formats

    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    try:
        formats = check_formats(args.format)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = Path(args.data_dir)
    found, problems = check_folder(folder)
    if problems:
        print(
            printable(f"{folder}: {len(problems)} problem(s); nothing was built:"), file=sys.stderr
        )
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    register = read_table(found.found["register"], "register")
    cohorts = sorted(int(c) for c in register["cohort"].dropna().unique())
    for strand, path in sorted(found.found.items()):
        print(printable(f"{strand}: {path.name} ({found.kind(strand)})"))
    out = Path(args.out) if args.out else reports_dir() / "evaluation"
    try:
        jobs = evaluation_jobs(folder, out, cohorts)
    except (OutputError, ParameterError) as exc:
        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)
        return 1
    print(f"cohorts {', '.join(map(str, cohorts))}: {len(jobs)} report(s) into {out}")
    return run_batch(jobs, "evaluate", workers=args.jobs, formats=formats, quiet=args.quiet)


def _init(args) -> int:
    from ..files import printable
    from ..starter import StarterError, write_starter

    try:
        written = write_starter(args.dir)
    except (StarterError, OSError) as exc:
        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)
        return 1
    print(printable(f"starter data folder written to {args.dir}:"))
    for path in written:
        print(printable(f"  {path.name}"))
    print("next: fill in register.xlsx (or register.csv, and delete the other), read README.md")
    return 0


def add_evaluate_commands(sub) -> None:
    """Add ``evaluate`` and ``init`` to the ``aeeval`` parser's sub-parsers."""
    import argparse

    raw = argparse.RawDescriptionHelpFormatter
    e = sub.add_parser(
        "evaluate",
        help="check a data folder, then build the evaluation report for the programme and "
        "each cohort",
        formatter_class=raw,
        description="Checks every file of DATA_DIR first and lists every problem (nothing is "
        "built if there is one),\nthen builds the evaluation report for the whole programme "
        "and for each cohort of the\nregister into OUT/programme/ and OUT/cohort-N/.",
        epilog="exit codes: 0 every report published, 1 a problem in the data folder or a "
        "report failed,\n2 usage error, 130 interrupted",
    )
    e.add_argument("data_dir", metavar="DATA_DIR", help="the data folder (see `aeeval init`)")
    e.add_argument("--out", help="output folder (default: ./reports/evaluation/)")
    e.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="notebooks run at once (default: the number of CPU cores)",
    )
    e.add_argument("--format", default="pdf,html", help="comma-separated: pdf, html")
    e.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    e.set_defaults(func=_evaluate)

    i = sub.add_parser(
        "init",
        help="write a starter data folder: register templates, a README, a survey-mapping stub",
        formatter_class=raw,
        epilog="exit codes: 0 written, 1 DIR exists and is not empty (nothing written), "
        "2 usage error",
    )
    i.add_argument("dir", metavar="DIR", help="the folder to create (new, or empty)")
    i.set_defaults(func=_init)
