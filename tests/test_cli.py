"""The command line as a user meets it: ``aeeval --version``, ``python -m aeeval``, help for every
argument, the exit codes it documents, and one version everywhere (pyproject.toml, the installed
metadata, ``aeeval.__version__``, ``aeeval --version`` and the manifest)."""

import argparse
import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import aeeval
from aeeval.cli import EXIT_CODES, build_parser
from aeeval.paths import ROOT

PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
CONSOLE_SCRIPT = Path(sys.executable).parent / "aeeval"


def _cli(*args, module=True, cwd=None):
    """``python -m aeeval ARGS`` (or the console script) in a new process."""
    cmd = [sys.executable, "-m", "aeeval"] if module else [str(CONSOLE_SCRIPT)]
    return subprocess.run(
        [*cmd, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100"},
        timeout=120,
    )


def test_one_version_everywhere():
    """pyproject.toml is the one place the version is written; the rest read it from there (a
    stale editable install would show here as a difference: ``make setup`` reinstalls)."""
    from aeeval.publish.provenance import environment

    assert version("aeeval") == PYPROJECT_VERSION
    assert aeeval.__version__ == PYPROJECT_VERSION
    assert environment()["aeeval_version"] == PYPROJECT_VERSION  # what manifest.json records


@pytest.mark.parametrize("module", [True, False], ids=["python -m aeeval", "console script"])
def test_version(module, tmp_path):
    if not module and not CONSOLE_SCRIPT.exists():
        pytest.skip(f"no console script beside {sys.executable}")
    res = _cli("--version", module=module, cwd=tmp_path)  # any working directory
    assert (res.returncode, res.stdout, res.stderr) == (0, f"aeeval {PYPROJECT_VERSION}\n", "")


def test_help_documents_the_exit_codes(tmp_path):
    res = _cli("--help", cwd=tmp_path)
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith("usage: aeeval ")  # the program's name, not __main__.py
    assert "exit codes:" in res.stdout
    for code in ("0", "1", "2", "130"):
        assert f"\n  {code} " in res.stdout, code
    for command in ("validate", "run", "build", "--version"):
        assert command in res.stdout


def test_readme_gives_the_same_exit_codes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^  (\d+) ", EXIT_CODES, flags=re.M))
    assert documented == {"0", "1", "2", "130"}
    for code in documented:
        assert f"\n| {code} | " in readme, code


@pytest.mark.parametrize(
    "args",
    [(), ("frobnicate",), ("validate",), ("run", "--no-such-option")],
    ids=["no command", "unknown command", "missing argument", "unknown option"],
)
def test_usage_errors_exit_2(args, tmp_path):
    res = _cli(*args, cwd=tmp_path)
    assert res.returncode == 2
    assert "usage: aeeval" in res.stderr and res.stdout == ""


def test_exit_codes_pass_through_python_m(tmp_path):
    """``python -m aeeval`` exits with the command's own code: 0 valid, 1 a problem, 2 a build
    config that cannot run."""
    ok = _cli("validate", ROOT / "data" / "examples" / "register.csv", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "register.csv"
    bad.write_text("this,is,not\na,register,file\n", encoding="utf-8")
    res = _cli("validate", bad, "--schema", "register", cwd=tmp_path)
    assert res.returncode == 1 and "problem" in res.stderr
    res = _cli("build", tmp_path / "missing.yml", cwd=tmp_path)
    assert res.returncode == 2 and "no such config file" in res.stderr


def _arguments(parser: argparse.ArgumentParser, where="aeeval"):
    """Every argument of the parser and of its subcommands, with the command it belongs to."""
    for action in parser._actions:
        yield where, action
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _arguments(sub, f"{where} {name}")


def test_every_argument_has_help():
    parser = build_parser()
    missing = [
        f"{where}: {action.option_strings or action.dest}"
        for where, action in _arguments(parser)
        if action.help is argparse.SUPPRESS or not (action.help or "").strip()
    ]
    assert not missing
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in subparsers._choices_actions}
    assert set(helps) == {"validate", "survey-map", "run", "build", "evaluate", "init"}
    assert all(helps.values())


def test_cli_imports_nothing_heavy_at_module_level():
    """``aeeval.cli`` and ``aeeval.__main__`` import only the standard library at the top, so that
    ``aeeval --help`` can start without pandas or scipy once ``import aeeval`` is lazy; each
    command imports what it needs when it runs."""
    for name in ("cli.py", "__main__.py", "publish/__init__.py", "publish/commands.py"):
        tree = ast.parse((ROOT / "aeeval" / name).read_text(encoding="utf-8"))
        imported = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add("." * node.level + (node.module or ""))
        assert imported <= {
            "__future__",
            "argparse",
            "sys",
            "pathlib",
            ".cli",
            ".publish.commands",
        }, (name, imported)
