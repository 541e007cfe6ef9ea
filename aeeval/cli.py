"""The ``aeeval`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "run"]

ALLOW_HELP = ("allow a min_base parameter as low as N, below the project default "
              "(aeeval.options.DEFAULT_MIN_BASE); recorded in manifest.json")


def _validate(args) -> int:
    from .files import printable
    from .qdaformats import QDAFormatError, qda_report
    from .schemas import guess_schema, load_schema, validate_table

    failed = 0
    for path in args.paths:
        if args.schema is None:  # a QDA project, codebook or coded-text export: the QDA checks
            try:
                report = qda_report(path)
            except (QDAFormatError, ValueError, TypeError) as exc:
                print(f"error: {printable(exc, lines=True)}", file=sys.stderr)
                failed += 1
                continue
            if report is not None:
                for line in report:
                    print(printable(line))
                continue
        try:
            schema = args.schema or guess_schema(path)
            load_schema(schema)
        except ValueError as exc:
            print(f"error: {printable(exc, lines=True)}", file=sys.stderr)
            failed += 1
            continue
        problems = validate_table(path, schema, sheet=args.sheet)
        if problems:
            failed += 1
            print(printable(f"{path}: {len(problems)} problem(s) against schema '{schema}':"),
                  file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print(printable(f"{path}: valid against schema '{schema}'"))
    return 1 if failed else 0


def _run(args) -> int:
    from .browser import BrowserError, find_chromium, find_pdftotext
    from .disclosure import check_min_base, parameter_min_base
    from .gate.names import read_names
    from .outdir import sigterm_interrupts
    from .report import ReportError, check_formats, notebook_parameters, run_report

    try:
        formats = check_formats(args.format)
        declared = notebook_parameters(Path(args.notebook))
        params = _parse_params(args.parameters, args.parameters_file, declared)
        allowed = check_min_base(parameter_min_base(params, declared), args.allow_min_base,
                                 where=args.notebook)
        if "pdf" in formats:  # fail before the notebook runs, not after
            find_chromium()
            find_pdftotext()
        names = [n for f in args.names or () for n in read_names(f)]
        with sigterm_interrupts():
            out = run_report(Path(args.notebook), params, out=Path(args.out) if args.out else None,
                             formats=formats, parameters_files=args.parameters_file or (),
                             names=names, allow_min_base=allowed)
    except (ReportError, BrowserError, ValueError, OSError) as exc:
        from .files import printable

        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)  # a file's escapes shown
        return 1
    except KeyboardInterrupt as exc:
        print(f"aeeval run: interrupted ({exc or 'SIGINT'}); the output folder was left as it was",
              file=sys.stderr)
        return 130
    print(f"report written to {out}")
    return 0


def _parse_params(pairs, files, declared) -> dict:
    from .files import read_yaml
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
    from .build import ConfigError, load_config, run_jobs, summary_table
    from .files import printable

    try:
        jobs, formats = load_config(args.config, formats=args.format)
    except ConfigError as exc:
        print(f"error: {printable(exc, lines=True)}", file=sys.stderr)  # "\e[31m" in a config
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    if not _allow_min_base(jobs, args):
        return 2
    try:
        outcomes = run_jobs(jobs, workers=args.jobs, formats=formats, progress=not args.quiet)
    except KeyboardInterrupt as exc:
        print(f"\naeeval build: interrupted ({exc or 'SIGINT'}); every worker, kernel and browser "
              "is stopped, reports published before stay, the others were left as they were",
              file=sys.stderr)
        return 130
    print(summary_table(outcomes, root=Path.cwd()))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(printable(f"\nFAILED {o.job.notebook.name} {o.job.label}:\n  {o.message}", lines=True),
              file=sys.stderr)
    return 1 if failed else 0


def _allow_min_base(jobs, args) -> bool:
    """Give each job of a build the ``--allow-min-base`` it needs; False (after printing why) when
    a job's ``min_base`` is below the project default and not allowed."""
    from .disclosure import check_min_base, parameter_min_base
    from .report import notebook_parameters

    try:
        for job in jobs:
            job.allow_min_base = check_min_base(
                parameter_min_base(job.parameters, notebook_parameters(job.notebook)),
                args.allow_min_base, where=f"{args.config}: {job.notebook.name} {job.label}".strip())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


EXIT_CODES = """\
exit codes:
  0    success: every file valid, every report published
  1    aeeval validate found a problem in a file; aeeval run failed (its notebook, the
       publish or the disclosure gate, or before anything ran: a bad parameter, a missing
       browser, an output folder refused); aeeval build: at least one report failed
  2    usage error (an unknown option, a missing argument); aeeval build: a config that
       cannot run (a config error, --jobs below 1, a min_base not allowed)
  130  aeeval run or build interrupted (Ctrl-C, SIGTERM or SIGHUP); output folders not
       yet published are left as they were

'aeeval COMMAND --help' gives the options of each command."""


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="aeeval", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evaluation reports for NHS England's Always Events programme: check input\n"
                    "files, run a notebook as a published report, build a batch of reports.")
    parser.add_argument("--version", action="version", version=f"aeeval {__version__}",
                        help="print the version of aeeval and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="commands", help="one of:")

    raw = argparse.RawDescriptionHelpFormatter
    v = sub.add_parser("validate", help="check input files against their schemas",
                       formatter_class=raw, epilog="exit codes: 0 every file valid, 1 a problem "
                       "found in a file, 2 usage error")
    v.add_argument("paths", nargs="+", metavar="PATH",
                   help="an input file (CSV or XLSX; or a .qdpx, .qdc, QualCoder project or "
                   "coded-text export, read with the QDA checks) to check; several may be given")
    v.add_argument("--schema", help="schema name or file (default: guessed from the file name/header)")
    v.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    v.set_defaults(func=_validate)

    r = sub.add_parser("run", help="execute a notebook with parameters and export it as a report",
                       formatter_class=raw, epilog="exit codes: 0 report published, 1 it failed "
                       "(or could not start), 2 usage error,\n130 interrupted")
    r.add_argument("notebook", help="the notebook (.ipynb) to execute")
    r.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append",
                   metavar=("NAME", "VALUE"), help="a parameter; VALUE follows the type the notebook declares (a str stays "
                        "as typed; int, float, list, dict and dates are read as YAML)")
    r.add_argument("-f", "--parameters-file", action="append", help="YAML file of parameters")
    r.add_argument("--out", help="output folder (default: reports/<notebook>/)")
    r.add_argument("--format", default="pdf,html", help="comma-separated: pdf, html")
    r.add_argument("--names", action="append", metavar="FILE",
                   help="names no published byte may hold (one a line), besides the register's "
                        "contacts")
    r.add_argument("--allow-min-base", type=int, metavar="N", help=ALLOW_HELP)
    r.set_defaults(func=_run)

    b = sub.add_parser("build", help="build a batch of reports (notebooks x parameter sets) from a config",
                       formatter_class=raw, epilog="exit codes: 0 every report published, 1 a "
                       "report failed, 2 a config that cannot run or\na usage error, 130 "
                       "interrupted")
    b.add_argument("config", metavar="CONFIG.yml",
                   help="the build config (YAML); paths in it are relative to it")
    b.add_argument("--jobs", "-j", type=int, default=None,
                   help="notebooks run at once (default: the number of CPU cores)")
    b.add_argument("--format", default=None, help="comma-separated: pdf, html (default: the config's)")
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    b.add_argument("--allow-min-base", type=int, metavar="N", help=ALLOW_HELP)
    b.set_defaults(func=_build)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def skip_iri_grammar() -> None:
    """Keep jsonschema from building an IRI parser that no aeeval command uses (1.1 s a command).

    nbformat imports jsonschema (so every papermill run and nbconvert export does), and jsonschema
    4.25+ then imports ``rfc3987_syntax`` if it is installed (jupyter-events pulls it in with
    ``jsonschema[format-nongpl]``), which compiles a Lark grammar of RFC 3987 at import: measured
    here, 0.8 s plus the garbage collections over what it allocates, 1.1 s in all. It only serves
    the "iri" and "iri-reference" format checks, which aeeval never asks for (its config schema is
    checked without format checking); jsonschema leaves those checks out when the module cannot
    be imported (python-jsonschema/jsonschema#1428). Only for aeeval's own processes — the command
    and its batch workers — never on import, so kernels and users' programs are untouched.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" fails at once


def run() -> None:
    """The ``aeeval`` console script: :func:`main`, then exit.

    :func:`skip_iri_grammar` first. Before exiting, the garbage collector is frozen: Python's last
    collections over every object of pandas, scipy, papermill … took 0.25–0.4 s of every command;
    frozen objects are skipped at exit (the process ends anyway). Only here, not in :func:`main`,
    which may be called in a long-running process.
    """
    import gc

    skip_iri_grammar()
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
