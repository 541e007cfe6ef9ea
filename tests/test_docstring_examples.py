"""Every Example in every docstring of the package runs and prints what it says.

The modules are found by walking the installed ``aeeval`` package (:func:`pkgutil.walk_packages`),
not from a list, so a module that is added, moved or renamed is tested without editing this file.
Each module's examples run in a fresh temporary working directory: an example that writes a file
by a relative name writes it there, never into the checkout.
"""

import doctest
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest

import aeeval

OPTIONS = doctest.NORMALIZE_WHITESPACE
FINDER = doctest.DocTestFinder(exclude_empty=True)


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(aeeval.__path__, "aeeval."))


def _doctests(name: str) -> list[doctest.DocTest]:
    """The docstring examples defined in module ``name`` (not those of names it imports)."""
    return [test for test in FINDER.find(importlib.import_module(name)) if test.examples]


def _has_examples(name: str) -> bool:
    """Whether the source of module ``name`` holds a ``>>>`` prompt (read, not imported, so that
    collecting these tests imports no module of the package but its packages)."""
    origin = importlib.util.find_spec(name).origin
    return origin is not None and ">>> " in Path(origin).read_text(encoding="utf-8")


MODULES_WITH_EXAMPLES = [name for name in _modules() if _has_examples(name)]


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    for test in _doctests(name):
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, (
        f"{result.failed} docstring example(s) in {name} failed:\n" + "".join(report)
    )


def test_discovery_finds_the_examples():
    """Discovery itself can fail (a package without ``__init__``, a walk that imports nothing):
    the walk must reach the subpackages and find at least the examples there were when this
    test was written (218 examples in 73 docstrings of 23 modules, December 2026)."""
    modules = _modules()
    assert {"aeeval.plots.survey", "aeeval.publish.gate.counts", "aeeval.proportions"} <= set(
        modules
    )
    examples = sum(len(t.examples) for name in MODULES_WITH_EXAMPLES for t in _doctests(name))
    assert len(MODULES_WITH_EXAMPLES) >= 23 and examples >= 218, (
        len(MODULES_WITH_EXAMPLES),
        examples,
    )


def test_no_example_is_skipped():
    """``# doctest: +SKIP`` would let an example rot unseen: every example runs (those needing
    Chromium or a kernel use the real ones, in a temporary folder)."""
    skipped = [
        f"{test.name} line {example.lineno}"
        for name in MODULES_WITH_EXAMPLES
        for test in _doctests(name)
        for example in test.examples
        if example.options.get(doctest.SKIP)
    ]
    assert not skipped


def test_public_functions_have_examples():
    """Every public function of ``aeeval.__all__`` shows a runnable example (classes of errors
    and warnings excepted)."""
    missing = []
    for name in aeeval.__all__:
        obj = getattr(aeeval, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue
        doc = inspect.getdoc(obj) or ""
        if "Examples\n--------" not in doc or ">>> " not in doc:
            missing.append(name)
    assert not missing, f"public functions without an Examples section: {missing}"


def test_public_survey_functions_cite_their_sources():
    import aeeval as ae

    for fn in (
        ae.proportion_ci,
        ae.proportions,
        ae.compare_proportions,
        ae.group_test,
        ae.trend_test,
        ae.adjust_p,
        ae.suppress,
    ):
        assert "References\n    ----------" in (fn.__doc__ or ""), f"{fn.__name__} cites no source"
