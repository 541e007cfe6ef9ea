"""How the package is put together, read from its source with ``ast``.

- No module imports another module's private (leading underscore) names: a helper two modules
  need is public and documented where it lives.
- The Staff Survey readers never import the models, and neither imports the figures; no
  statistics module imports :mod:`aeeval.plots`.
- ``from aeeval.staff_survey import X`` still works for every public name it had as one module.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "aeeval"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a ``from … import`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"


def imports(
    source: str, module: str = "", is_package: bool = False
) -> list[tuple[str, str | None]]:
    """Every import in ``source`` (also inside functions): (absolute module, name or None)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = absolute(node, module, is_package)
            found += [(target, a.name) for a in node.names]
    return found


def private_uses(source: str, module: str = "", is_package: bool = False) -> list[str]:
    """Private names of aeeval modules that ``source`` imports or reaches as ``alias._name``."""
    tree = ast.parse(source)
    problems, aliases = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "aeeval":
                    aliases.add(a.asname or a.name.split(".")[0])
                    problems += [f"import {a.name}" for p in a.name.split(".") if private(p)]
        elif isinstance(node, ast.ImportFrom):
            target = absolute(node, module, is_package)
            if target.split(".")[0] != "aeeval":
                continue
            problems += [f"from {target} import" for p in target.split(".") if private(p)]
            for a in node.names:
                if private(a.name):
                    problems.append(f"from {target} import {a.name}")
                else:
                    aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in aliases:
                problems.append(f"{ast.unparse(node)}")
    return problems


def sources():
    """(label, source, module, is_package) of every aeeval module, test, benchmark and notebook."""
    for path in sorted(PACKAGE.rglob("*.py")):
        yield (
            str(path.relative_to(ROOT)),
            path.read_text("utf-8"),
            module_name(path),
            path.name == "__init__.py",
        )
    for folder in ("tests", "benchmarks"):
        for path in sorted((ROOT / folder).glob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text("utf-8"), module_name(path), False
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, 4).cells):
            if cell.cell_type == "code":
                code = "\n".join(
                    line
                    for line in cell.source.splitlines()
                    if not line.lstrip().startswith(("%", "!"))
                )
                yield f"{path.relative_to(ROOT)} cell {i}", code, "", False


# ------------------------------------------------------------------------- the checker itself


@pytest.mark.parametrize(
    "source, module, expected",
    [
        (
            "from .schemas import Problem, _read_cells",
            "aeeval.staff_survey",
            ["from aeeval.schemas import _read_cells"],
        ),
        (
            "from ..schemas import _read_cells",
            "aeeval.staff_survey.reading",
            ["from aeeval.schemas import _read_cells"],
        ),
        (
            "from aeeval.spc import TrialLimitsWarning, _runs_pmf",
            "tests.test_spc",
            ["from aeeval.spc import _runs_pmf"],
        ),
        (
            "import aeeval as ae\ndef f():\n    return ae.spc._runs_pmf(1, 2)",
            "tests.t",
            ["ae.spc._runs_pmf"],
        ),
        ("from aeeval import build\nbuild._warm(1)", "tests.t", ["build._warm"]),
        ("import aeeval._private", "tests.t", ["import aeeval._private"]),
    ],
)
def test_the_checker_finds_private_imports(source, module, expected):
    assert private_uses(source, module) == expected


def test_the_checker_allows_public_dunder_and_other_packages_private_names():
    source = (
        "import argparse\nimport aeeval as ae\nfrom aeeval import __version__\n"
        "from .schemas import read_cells\nx = argparse._SubParsersAction\n"
        "def _mine():\n    return ae.spc.runs_limits(3, 3), ae.__version__\n_mine()"
    )
    assert private_uses(source, "aeeval.staff_survey.reading") == []


# ------------------------------------------------------------------------------- the project


def test_no_module_test_benchmark_or_notebook_imports_another_modules_private_names():
    found = {label: p for label, src, mod, pkg in sources() if (p := private_uses(src, mod, pkg))}
    assert found == {}, (
        "private names used across modules (make them public and document them): "
        + "; ".join(f"{k}: {', '.join(v)}" for k, v in found.items())
    )


def module_imports(relpath: str) -> set[str]:
    path = ROOT / relpath
    out = set()
    for target, name in imports(
        path.read_text("utf-8"), module_name(path), path.name == "__init__.py"
    ):
        out.add(target)
        if name is not None:
            out.add(f"{target}.{name}")
    return out


def test_staff_survey_readers_do_not_import_models_and_neither_imports_figures():
    reading = module_imports("aeeval/staff_survey/reading.py")
    assert not {m for m in reading if m.startswith(("aeeval.staff_survey.models", "aeeval.funnel"))}
    for relpath in (
        "aeeval/staff_survey/reading.py",
        "aeeval/staff_survey/models.py",
        "aeeval/funnel.py",
    ):
        drawing = {
            m
            for m in module_imports(relpath)
            if m.startswith(("aeeval.plots", "matplotlib", "seaborn"))
        }
        assert drawing == set(), f"{relpath} imports {drawing}"


def test_no_statistics_module_imports_the_figures():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[1] == "plots":
            continue
        hits = {m for m in module_imports(str(rel)) if m.startswith("aeeval.plots")}
        if hits:
            offenders[str(rel)] = hits
    assert offenders == {}


# The public names of aeeval/staff_survey.py when it was one module (v0.1.0).
STAFF_SURVEY_NAMES = [
    "ITEM_MAP",
    "NHSER_NAMES",
    "RESULT_COLUMNS",
    "VOLUNTARY_CAVEAT",
    "funnel_flags",
    "funnel_limits",
    "item_trend",
    "load_item_map",
    "participation_effect",
    "pretrend_test",
    "read_staff_survey",
    "select_staff_survey",
]


@pytest.mark.parametrize("name", STAFF_SURVEY_NAMES)
def test_every_former_staff_survey_name_still_imports_from_the_package(name):
    package = importlib.import_module("aeeval.staff_survey")
    assert name in package.__all__
    getattr(package, name)


def test_the_funnel_limits_live_in_their_own_module_and_are_the_same_everywhere():
    import aeeval
    import aeeval.funnel
    import aeeval.staff_survey

    for name in ("funnel_limits", "funnel_flags"):
        fn = getattr(aeeval.funnel, name)
        assert fn.__module__ == "aeeval.funnel"
        assert getattr(aeeval, name) is fn is getattr(aeeval.staff_survey, name)
