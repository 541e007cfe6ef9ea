"""The ``aeeval`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _validate(args) -> int:
    from .schemas import guess_schema, load_schema, validate_table

    failed = 0
    for path in args.paths:
        try:
            schema = args.schema or guess_schema(path)
            load_schema(schema)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        problems = validate_table(path, schema, sheet=args.sheet)
        if problems:
            failed += 1
            print(f"{path}: {len(problems)} problem(s) against schema '{schema}':", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print(f"{path}: valid against schema '{schema}'")
    return 1 if failed else 0


def _run(args) -> int:
    from .report import ReportError, run_report

    try:
        params = _parse_params(args.parameters, args.parameters_file)
        out = run_report(Path(args.notebook), params, out=Path(args.out) if args.out else None,
                         formats=args.format.split(","))
    except (ReportError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"report written to {out}")
    return 0


def _parse_params(pairs, files) -> dict:
    import yaml

    params: dict = {}
    for f in files or []:
        loaded = yaml.safe_load(Path(f).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{f}: a parameters file must be a mapping of name: value")
        params.update(loaded)
    for name, value in pairs or []:
        # Values are read as YAML so that numbers, lists and dates keep their type.
        params[name] = yaml.safe_load(value) if value != "" else ""
    return params


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aeeval", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check input files against their schemas")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--schema", help="schema name or file (default: guessed from the file name/header)")
    v.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    v.set_defaults(func=_validate)

    r = sub.add_parser("run", help="execute a notebook with parameters and export it as a report")
    r.add_argument("notebook")
    r.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append",
                   metavar=("NAME", "VALUE"), help="a parameter (value read as YAML)")
    r.add_argument("-f", "--parameters-file", action="append", help="YAML file of parameters")
    r.add_argument("--out", help="output folder (default: reports/<notebook>/)")
    r.add_argument("--format", default="pdf,html", help="comma-separated: pdf, html")
    r.set_defaults(func=_run)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
