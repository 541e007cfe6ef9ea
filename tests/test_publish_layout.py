"""The package's architecture (issue 15, item 5): the publishing machinery lives in
``aeeval.publish`` and the statistics modules never import it; every exception aeeval raises on
purpose has one root, :class:`aeeval.AeevalError`, and keeps its structured fields."""

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest
from conftest import write_notebook

import aeeval
from aeeval.paths import PACKAGE

# The modules that may import aeeval.publish: the package's front door (which re-exports
# run_report and safe_image lazily) and the command line (which registers `run` and `build`).
MAY_IMPORT_PUBLISH = {"aeeval", "aeeval.cli", "aeeval.__main__"}


def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="aeeval."):
        yield info.name


def _imports(path, module):
    """Absolute names of the aeeval modules ``path`` (module ``module``) imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base[: len(base) - node.level + 1]
                names.add(".".join(parent + ([node.module] if node.module else [])))
            else:
                names.add(node.module or "")
    return {n for n in names if n == "aeeval" or n.startswith("aeeval.")}


def test_statistics_modules_never_import_publish():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        module = ".".join(parts)
        if module.startswith("aeeval.publish") or module in MAY_IMPORT_PUBLISH:
            continue
        bad = {n for n in _imports(path, module) if n.startswith("aeeval.publish")}
        if bad:
            offenders[module] = sorted(bad)
    assert not offenders, offenders


@pytest.mark.parametrize(
    "module",
    [
        "aeeval.proportions",
        "aeeval.compare",
        "aeeval.survey",
        "aeeval.qual",
        "aeeval.spc",
        "aeeval.staff_survey",
        "aeeval.evaluation",
        "aeeval.agreement",
    ],
)
def test_importing_a_statistics_module_loads_no_publishing_code(module):
    """At run time too (the check above reads source; this one catches an import through the
    package's ``__init__``): a fresh interpreter that imports a statistics module and calls
    nothing has no ``aeeval.publish``, papermill or nbconvert loaded."""
    code = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('papermill', 'nbconvert') or m.startswith('aeeval.publish')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def _aeeval_classes(kind):
    for name in _modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, kind):
                yield cls


def test_every_aeeval_exception_has_the_one_root():
    errors = [c for c in _aeeval_classes(Exception) if not issubclass(c, Warning)]
    assert len(errors) >= 14  # the classes listed in aeeval/errors.py
    stray = [
        f"{c.__module__}.{c.__qualname__}" for c in errors if not issubclass(c, aeeval.AeevalError)
    ]
    assert not stray, stray
    warns = list(_aeeval_classes(Warning))
    assert warns and all(issubclass(c, aeeval.AeevalWarning) for c in warns), warns


def test_errors_keep_their_builtin_class_so_old_except_clauses_still_catch_them():
    from aeeval.publish.report import ReportError

    with pytest.raises(ValueError) as caught:  # a file that is not a register
        aeeval.read_table(PACKAGE / "__init__.py", "register")
    assert isinstance(caught.value, aeeval.AeevalError)
    assert isinstance(caught.value, aeeval.ValidationError) and caught.value.problems
    assert issubclass(ReportError, RuntimeError) and issubclass(ReportError, aeeval.AeevalError)


@pytest.mark.slow
def test_report_error_carries_the_failing_cell(tmp_path):
    from aeeval.publish.report import ReportError

    nb = write_notebook(
        tmp_path / "fails.ipynb", "x: int = 1", "y = x + 1", "raise KeyError('no such column')"
    )
    with pytest.raises(aeeval.AeevalError) as caught:
        aeeval.run_report(nb, {}, out=tmp_path / "out", formats=("html",))
    error = caught.value
    assert isinstance(error, ReportError)
    assert error.ename == "KeyError"
    # ``cell`` is the execution count of the failing cell in the executed notebook kept beside
    # the output folder (the injected cells run first, so it is not the cell's position).
    import nbformat

    executed = nbformat.read(str(tmp_path / "out.failed" / "executed.ipynb"), as_version=4)
    failing = [c for c in executed.cells if c.get("execution_count") == error.cell]
    assert len(failing) == 1 and "raise KeyError" in failing[0].source
    assert "no such column" in error.evalue and error.notebook == str(nb)
    assert f"In [{error.cell}]" in str(error)
