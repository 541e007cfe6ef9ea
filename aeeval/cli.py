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
        outcome = _validate_export(path) if args.schema is None else None
        if outcome is not None:  # a survey tool's export, read with its mapping
            failed += outcome == "failed"
            continue
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


def _validate_export(path):
    """A survey tool's export: read it with its mapping. ``None`` if ``path`` is not an export,
    else "valid" or "failed" (the problems printed)."""
    import warnings

    from .exports import SurveyExportWarning, read_export, recognise_export
    from .files import printable
    from .schemas import ValidationError

    tool = recognise_export(path)
    if tool is None:
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SurveyExportWarning)
        try:
            table = read_export(path)
        except ValidationError as exc:
            print(
                printable(f"{path}: {len(exc.problems)} problem(s) reading this {tool} export:"),
                file=sys.stderr,
            )
            for p in exc.problems:
                print(f"  {p}", file=sys.stderr)
            return "failed"
    dropped = ", ".join(table.attrs["dropped_columns"]) or "none"
    print(
        printable(
            f"{path}: valid {tool} export with its mapping {table.attrs['mapping']}: "
            f"{len(table)} response(s); personal-data columns dropped: {dropped}"
        )
    )
    del caught  # the dropped columns are in the line above
    return "valid"


def _survey_map(args) -> int:
    import warnings

    from .exports import SurveyExportWarning, read_export, write_survey_map
    from .files import printable
    from .schemas import ValidationError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        try:
            out, unmatched = write_survey_map(
                args.export, args.out, codebook=args.codebook, force=args.force
            )
        except (ValidationError, FileExistsError, ValueError) as exc:
            print(f"error: {printable(exc, lines=True)}", file=sys.stderr)
            return 1
        print(printable(f"wrote {out}"))
        for u in unmatched:
            print(printable(f"  not matched: {u}"))
        try:  # what reading the export with this first mapping still finds
            read_export(args.export, out, codebook=args.codebook, register=args.register)
        except ValidationError as exc:
            print(printable(f"reading {args.export} with it: {len(exc.problems)} problem(s):"))
            for p in exc.problems:
                print(f"  {p}")
        else:
            print(printable(f"reading {args.export} with it: no problems"))
    return 0


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

    m = sub.add_parser(
        "survey-map",
        help="write a first survey mapping for a survey tool's export",
        formatter_class=raw,
        description="Match the questions of a SurveyMonkey, Qualtrics, Microsoft Forms, Google\n"
        "Forms or SmartSurvey export with the codebook's and write a survey mapping (YAML)\n"
        "beside it; list what could not be matched, then what reading the export with it\n"
        "still finds. Never replaces an existing mapping without --force.",
        epilog="exit codes: 0 mapping written, 1 not an export / mapping exists / unreadable, "
        "2 usage error",
    )
    m.add_argument("export", metavar="EXPORT", help="the export (CSV or XLSX) as the tool wrote it")
    m.add_argument(
        "--register",
        help="register (CSV or XLSX) for organisations answered by name "
        "(default: register.csv beside the export)",
    )
    m.add_argument("--codebook", help="survey codebook (default: the bundled one)")
    m.add_argument(
        "--out", help="mapping file to write (default: <export stem>.mapping.yml beside it)"
    )
    m.add_argument("--force", action="store_true", help="replace an existing mapping file")
    m.set_defaults(func=_survey_map)

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
