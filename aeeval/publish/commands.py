"""The command line's publishing commands: ``aeeval run`` (one notebook to a published report),
``aeeval build`` (a batch of them from a config), and ``aeeval evaluate`` / ``aeeval init``
(:mod:`aeeval.publish.evaluate`).

Only argparse is imported here; each command imports what it needs when it runs, so that
``aeeval --help`` and ``aeeval validate`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_commands", "run_batch"]

ALLOW_HELP = (
    "allow a min_base parameter as low as N, below the project default "
    "(aeeval.options.DEFAULT_MIN_BASE); recorded in manifest.json"
)


def _run(args) -> int:
    from .forkserver import start_fork_server

    # first: the fork server's imports (the kernel's modules, ~1.2 s) are the longest step
    # before the notebook can run, so they start before this process imports anything else
    start_fork_server()
    from ..options import check_min_base, parameter_min_base
    from ..paths import notebook_path
    from .browser import BrowserError, find_chromium, find_pdftotext
    from .gate.names import read_names
    from .outdir import sigterm_interrupts
    from .report import ReportError, check_formats, notebook_parameters, run_report

    try:
        formats = check_formats(args.format)
        notebook = notebook_path(args.notebook)  # a file, or a bundled notebook's name
        declared = notebook_parameters(notebook)
        params = _parse_params(args.parameters, args.parameters_file, declared)
        allowed = check_min_base(
            parameter_min_base(params, declared), args.allow_min_base, where=args.notebook
        )
        if "pdf" in formats:  # fail before the notebook runs, not after
            find_chromium()
            find_pdftotext()
        names = [n for f in args.names or () for n in read_names(f)]
        with sigterm_interrupts():
            out = run_report(
                notebook,
                params,
                out=Path(args.out) if args.out else None,
                formats=formats,
                parameters_files=args.parameters_file or (),
                names=names,
                allow_min_base=allowed,
            )
    except (ReportError, BrowserError, ValueError, OSError) as exc:
        from ..files import printable

        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)  # a file's escapes shown
        return 1
    except KeyboardInterrupt as exc:
        print(
            f"aeeval run: interrupted ({exc or 'SIGINT'}); the output folder was left as it was",
            file=sys.stderr,
        )
        return 130
    print(f"report written to {out}")
    return 0


def _parse_params(pairs, files, declared) -> dict:
    from ..files import read_yaml
    from .parameters import parse_cli_value

    params: dict = {}
    for f in files or []:
        loaded = read_yaml(f) or {}  # names the file in every error; aliases refused
        if not isinstance(loaded, dict):
            raise ValueError(f"{f}: a parameters file must be a mapping of name: value")
        params.update(loaded)
    for name, value in pairs or []:
        params[name] = parse_cli_value(value, declared.get(name))
    return params


def _build(args) -> int:
    from ..files import printable
    from ..paths import config_path, reports_dir
    from .build import ConfigError, load_config

    try:
        config = config_path(args.config)
    except ValueError as exc:
        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)
        return 2
    # A bundled config (named, not a file here) writes to ./reports/<name>/, not beside itself.
    bundled = config != Path(args.config)
    try:
        jobs, formats = load_config(
            config, formats=args.format, output_dir=reports_dir() / config.stem if bundled else None
        )
    except ConfigError as exc:
        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)  # "\e[31m" in a config
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    if not _allow_min_base(jobs, args):
        return 2
    return run_batch(jobs, "build", workers=args.jobs, formats=formats, quiet=args.quiet)


def run_batch(jobs, command: str, *, workers, formats, quiet: bool) -> int:
    """Run a batch of report jobs for the command line (``aeeval build``, ``aeeval evaluate``):
    progress bar, summary table on stdout, each failure's message on stderr; the exit code
    (0 every report built, 1 one failed, 130 interrupted)."""
    from ..files import printable
    from .build import run_jobs, summary_table

    try:
        outcomes = run_jobs(jobs, workers=workers, formats=formats, progress=not quiet)
    except KeyboardInterrupt as exc:
        print(
            f"\naeeval {command}: interrupted ({exc or 'SIGINT'}); every worker, kernel and "
            "browser is stopped, reports published before stay, the others were left as they were",
            file=sys.stderr,
        )
        return 130
    print(summary_table(outcomes, root=Path.cwd()))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(
            printable(f"\nFAILED {o.job.notebook.name} {o.job.label}:\n  {o.message}", lines=True),
            file=sys.stderr,
        )
    return 1 if failed else 0


def _allow_min_base(jobs, args) -> bool:
    """Give each job of a build the ``--allow-min-base`` it needs; False (after printing why) when
    a job's ``min_base`` is below the project default and not allowed."""
    from ..options import check_min_base, parameter_min_base
    from .report import notebook_parameters

    try:
        for job in jobs:
            job.allow_min_base = check_min_base(
                parameter_min_base(job.parameters, notebook_parameters(job.notebook)),
                args.allow_min_base,
                where=f"{args.config}: {job.notebook.name} {job.label}".strip(),
            )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def _bundled_list(kind: str, bundled: dict) -> str:
    """``bundled KIND (give the name): a, b, …``, wrapped for an 80-column terminal."""
    import textwrap

    return textwrap.fill(
        f"bundled {kind} (give the name): {', '.join(bundled)}",
        width=78,
        subsequent_indent="  ",
        break_on_hyphens=False,
    )


def add_commands(sub) -> None:
    """Add the publishing commands, ``run`` and ``build``, to the ``aeeval`` parser's
    sub-parsers, with the bundled notebooks and configs listed in their help (their code is
    imported only when one of them runs)."""
    from ..paths import bundled_configs, bundled_notebooks

    notebooks, configs = bundled_notebooks(), bundled_configs()
    raw = argparse.RawDescriptionHelpFormatter
    r = sub.add_parser(
        "run",
        help="execute a notebook with parameters and export it as a report",
        formatter_class=raw,
        epilog=f"{_bundled_list('notebooks', notebooks)}\n\n"
        "exit codes: 0 report published, 1 it failed "
        "(or could not start), 2 usage error,\n130 interrupted",
    )
    r.add_argument(
        "notebook",
        help="the notebook (.ipynb) to execute, or the name of a "
        "notebook bundled with aeeval (listed below)",
    )
    r.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a parameter; VALUE follows the type the notebook declares (a str stays "
        "as typed; int, float, list, dict and dates are read as YAML)",
    )
    r.add_argument("-f", "--parameters-file", action="append", help="YAML file of parameters")
    r.add_argument("--out", help="output folder (default: reports/<notebook>/)")
    r.add_argument("--format", default="pdf,html", help="comma-separated: pdf, html")
    r.add_argument(
        "--names",
        action="append",
        metavar="FILE",
        help="names no published byte may hold (one a line), besides the register's contacts",
    )
    r.add_argument("--allow-min-base", type=int, metavar="N", help=ALLOW_HELP)
    r.set_defaults(func=_run)

    b = sub.add_parser(
        "build",
        help="build a batch of reports (notebooks x parameter sets) from a config",
        formatter_class=raw,
        epilog=f"{_bundled_list('configs', configs)}\n\n"
        "exit codes: 0 every report published, 1 a "
        "report failed, 2 a config that cannot run or\na usage error, 130 "
        "interrupted",
    )
    b.add_argument(
        "config",
        metavar="CONFIG.yml",
        help="the build config (YAML); paths in it are relative to it. Or the name of "
        "a config bundled with aeeval (listed below), whose reports go to "
        "./reports/<name>/",
    )
    b.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="notebooks run at once (default: the number of CPU cores)",
    )
    b.add_argument(
        "--format", default=None, help="comma-separated: pdf, html (default: the config's)"
    )
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    b.add_argument("--allow-min-base", type=int, metavar="N", help=ALLOW_HELP)
    b.set_defaults(func=_build)

    from .evaluate import add_evaluate_commands

    add_evaluate_commands(sub)
