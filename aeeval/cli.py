"""The ``aeeval`` command line."""

from __future__ import annotations

import argparse
import sys

from .publish.commands import add_commands

__all__ = ["main", "run"]


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
            print(
                printable(f"{path}: {len(problems)} problem(s) against schema '{schema}':"),
                file=sys.stderr,
            )
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print(printable(f"{path}: valid against schema '{schema}'"))
    return 1 if failed else 0


EXIT_CODES = """\
exit codes:
  0    success: every file valid, every report published
  1    aeeval validate found a problem in a file; aeeval run failed (its notebook, the
       publish or the disclosure gate, or before anything ran: a bad parameter, a missing
       browser, an output folder refused); aeeval build: at least one report failed;
       aeeval evaluate: a problem in the data folder (nothing built) or a report failed;
       aeeval init: the folder exists and is not empty (nothing written)
  2    usage error (an unknown option, a missing argument); aeeval build: a config that
       cannot run (a config error, --jobs below 1, a min_base not allowed)
  130  aeeval run, build or evaluate interrupted (Ctrl-C, SIGTERM or SIGHUP); output
       folders not yet published are left as they were

'aeeval COMMAND --help' gives the options of each command."""


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="aeeval",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evaluation reports for NHS England's Always Events programme: check input\n"
        "files, run a notebook as a published report, build a batch of reports.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"aeeval {__version__}",
        help="print the version of aeeval and exit",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands", help="one of:"
    )

    raw = argparse.RawDescriptionHelpFormatter
    v = sub.add_parser(
        "validate",
        help="check input files against their schemas",
        formatter_class=raw,
        epilog="exit codes: 0 every file valid, 1 a problem found in a file, 2 usage error",
    )
    v.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="an input file (CSV or XLSX; or a .qdpx, .qdc, QualCoder project or "
        "coded-text export, read with the QDA checks) to check; several may be given",
    )
    v.add_argument(
        "--schema", help="schema name or file (default: guessed from the file name/header)"
    )
    v.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    v.set_defaults(func=_validate)

    add_commands(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def skip_iri_grammar() -> None:
    """Keep jsonschema from building an IRI parser that no aeeval command uses (~1 s a command).

    nbformat imports jsonschema (so every papermill run and nbconvert export does), and jsonschema
    4.25+ then imports ``rfc3987_syntax`` if it is installed, which compiles a Lark grammar of
    RFC 3987 at import. aeeval itself no longer brings it: it came with JupyterLab (jupyter-events
    requires ``jsonschema[format-nongpl]``), now the ``lab`` extra; without it ``import
    nbformat`` takes 0.07 s and this is a no-op. It is kept for the environments that do have it
    — ``make test``, ``make lab``, environment.yml, any user with JupyterLab beside aeeval — where
    it saves 0.9 s of CPU of every ``aeeval run`` (benchmarks/bench_cli.py, part B). It only
    serves the "iri" and "iri-reference" format checks, which aeeval never asks for; jsonschema
    leaves those out when the module cannot be imported (python-jsonschema/jsonschema#1428).
    Only for aeeval's own processes — the command and its batch workers — never on import, so
    kernels and users' programs are untouched.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" fails at once


def run() -> None:
    """The ``aeeval`` console script: :func:`main`, then exit.

    :func:`skip_iri_grammar` first. Before exiting, the garbage collector is frozen: Python's last
    collections walk every object of pandas, papermill …; frozen objects are skipped at exit (the
    process ends anyway). Measured (benchmarks/bench_cli.py, part B): 0.06 s of CPU of ``aeeval
    validate``, 0.14 s of ``aeeval run``. Only here, not in :func:`main`, which may be called in a
    long-running process.
    """
    import gc

    skip_iri_grammar()
    code = main()
    # gc.freeze() does not nest: any later gc.unfreeze() thaws everything, this freeze included,
    # so no code path between here and the exit may call it.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
