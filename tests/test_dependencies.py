"""Every declared dependency is imported by the code that needs it (issue 15, item 3).

The imports are read from the source with :mod:`ast` (top-level and inside functions alike) and
mapped to the distributions that provide them with :func:`importlib.metadata.packages_distributions`,
so a dependency nothing imports, or an import of something undeclared, fails here.
"""

import ast
import importlib.metadata
import re
import tomllib

from aeeval.paths import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: Declared but used as a program rather than imported, and where.
NOT_IMPORTED = {
    "ipykernel": "the Python kernel papermill starts for every report ('make setup' registers it)",
    "ruff": "the linter 'make test' runs",
    "jupyterlab": "'make lab' and tests/test_lab.py run 'jupyter lab'",
    "build": "tests/test_wheel.py runs 'python -m build' to make the sdist and wheel",
}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _distributions_imported_by(folder: str) -> set[str]:
    provides = importlib.metadata.packages_distributions()
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "importorskip"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                tops = [node.args[0].value.split(".")[0]]  # pytest.importorskip("frictionless")
            else:
                continue
            found |= {_name(d) for top in tops for d in provides.get(top, ())}
    return found


def test_every_runtime_dependency_is_imported_by_aeeval():
    declared = {_name(d) for d in PROJECT["dependencies"]}
    imported = _distributions_imported_by("aeeval")
    unused = declared - imported - set(NOT_IMPORTED)
    assert not unused, (
        f"declared in pyproject.toml but imported nowhere in aeeval/: {sorted(unused)}"
    )


def _requirements(names: set[str]) -> set[str]:
    """``names`` and everything they require when installed (not their optional extras)."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or ()
        except importlib.metadata.PackageNotFoundError:  # for another platform (colorama)
            continue
        for req in requires:
            if "extra ==" not in req:
                todo.append(_name(req))
    return seen


def test_aeeval_imports_only_what_its_dependencies_bring():
    # IPython, traitlets, jupyter_client, nbclient, jupyter_core: imported directly, installed
    # by ipykernel, papermill and nbconvert, which aeeval declares.
    declared = {_name(d) for d in PROJECT["dependencies"]}
    undeclared = _distributions_imported_by("aeeval") - _requirements(declared) - {"aeeval"}
    assert not undeclared, f"aeeval/ imports packages no declared dependency brings: {undeclared}"


def test_every_dev_dependency_is_used_by_the_tests():
    dev = {_name(d) for d in PROJECT["optional-dependencies"]["dev"]}
    used = _distributions_imported_by("tests") | _distributions_imported_by("benchmarks")
    assert not dev - used - set(NOT_IMPORTED), sorted(dev - used - set(NOT_IMPORTED))


def test_jupyterlab_is_the_lab_extra_and_not_a_runtime_dependency():
    assert "jupyterlab" not in {_name(d) for d in PROJECT["dependencies"]}
    assert {_name(d) for d in PROJECT["optional-dependencies"]["lab"]} == {"jupyterlab"}
    makefile = (ROOT / "Makefile").read_text()
    lab_install = re.search(r"^\$\(VENV\)/\.lab-installed:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert lab_install and "'.[lab]'" in lab_install.group(1)
    for target in ("test", "lab"):
        line = re.search(rf"^{target}:(.*)$", makefile, re.M).group(1)
        assert "$(VENV)/.lab-installed" in line, f"make {target} must install the lab extra"
    assert "jupyterlab" not in _distributions_imported_by("aeeval")


def test_readme_says_what_each_dependency_is_for():
    section = re.search(
        r"^## Dependencies\n(.*?)^## ", (ROOT / "README.md").read_text(), re.M | re.S
    )
    assert section, "README.md has no '## Dependencies' section"
    text = section.group(1).lower()
    extras = [d for specs in PROJECT["optional-dependencies"].values() for d in specs]
    missing = [_name(d) for d in PROJECT["dependencies"] + extras if f"`{_name(d)}`" not in text]
    assert not missing, f"README.md's Dependencies section does not name {missing}"
