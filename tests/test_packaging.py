"""Packaging and layout: pyproject.toml and environment.yml name the same packages; the README's
commands, the Makefile targets and .ci/run agree."""

import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from aeeval.paths import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


#: conda-forge names of PyPI packages that conda-forge calls otherwise.
CONDA_NAMES = {"python-build": "build"}
#: Dependencies with no conda-forge package (none found for diff-diff): the pip section has them.
PIP_ONLY = {"diff-diff"}


def test_environment_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(d) for d in project["dependencies"]}
    pip_names |= {_name(d) for extra in project["optional-dependencies"].values() for d in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = {
        CONDA_NAMES.get(_name(d), _name(d)) for d in env["dependencies"] if isinstance(d, str)
    } - {"python", "pip"}
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section[-1] == "-e ."
    pip_only = {_name(d) for d in pip_section[:-1]}  # not on conda-forge: pip installs them
    assert pip_only == PIP_ONLY and not pip_only & conda_names
    # poppler (pdftotext) is a system tool, not on PyPI
    assert conda_names - {"poppler"} | pip_only == pip_names
    assert "poppler" in conda_names


def test_dependency_ranges_are_bounded():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [d for extra in project["optional-dependencies"].values() for d in extra]
    for spec in project["dependencies"] + extras:
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{spec} needs a tested range"


def test_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["aeeval"] == "aeeval.cli:run"


def test_public_api_names_resolve():
    import aeeval

    missing = [name for name in aeeval.__all__ if not hasattr(aeeval, name)]
    assert not missing
    assert len(set(aeeval.__all__)) == len(aeeval.__all__)


def test_layout_the_user_fixed():
    for folder in (
        "notebooks",
        "aeeval",
        "data/schemas",
        "data/examples",
        "reports",
        "tests",
        "benchmarks",
    ):
        assert (ROOT / folder).is_dir(), folder
    for file in ("environment.yml", "pyproject.toml", "Makefile", "README.md", ".ci/run"):
        assert (ROOT / file).is_file(), file


def test_generated_reports_are_git_ignored():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "reports/demo/survey-outcomes/report.pdf"], cwd=ROOT
    ).returncode
    kept = subprocess.run(["git", "check-ignore", "-q", "reports/README.md"], cwd=ROOT).returncode
    assert (ignored, kept) == (0, 1)


def test_readme_gives_the_commands_and_makefile_has_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("make demo", "make test", "make lab"):
        assert command in readme, command
    assert "Other systems" in readme and "chromium" in readme
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    assert {"demo", "test", "lab", "setup"} <= targets


def test_ci_runs_the_readme_test_command():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    lines = [
        ln.strip()
        for ln in ci.read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    assert any(ln.startswith("make test") for ln in lines)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_licence_is_an_spdx_expression_with_its_file():
    """PEP 639: an SPDX ``license`` string and the licence text shipped with the wheel, built by a
    setuptools that reads them (77 is the first; older ones reject the string)."""
    pyproject = _pyproject()
    project = pyproject["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "aeeval contributors" in text
    # A licence classifier beside a licence expression is an error for setuptools >= 77.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]
    setuptools = next(r for r in pyproject["build-system"]["requires"] if _name(r) == "setuptools")
    floor = re.search(r">=\s*(\d+)", setuptools)
    assert floor and int(floor.group(1)) >= 77, setuptools


def test_project_urls_and_classifiers():
    project = _pyproject()["project"]
    assert set(project["urls"]) == {"Homepage", "Documentation", "Issues", "Changelog"}
    assert all(url.startswith("https://") for url in project["urls"].values())
    assert project["urls"]["Changelog"].endswith("/CHANGELOG.md")
    classifiers = set(project["classifiers"])
    assert {
        "Programming Language :: Python :: 3.11",
        "Intended Audience :: Science/Research",
        "Intended Audience :: Healthcare Industry",
        "Operating System :: POSIX :: Linux",
        "Framework :: Jupyter",
    } <= classifiers
    assert project["requires-python"] == ">=3.11"


def test_changelog_has_unreleased_and_the_current_version():
    """Keep a Changelog: an Unreleased section on top, then one section per version, newest first;
    the version pyproject.toml declares has its section."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert headings and headings[0] == ("Unreleased", "")
    versions = [v for v, _ in headings[1:]]
    assert _pyproject()["project"]["version"] in versions
    assert all(date for _, date in headings[1:]), "each release has its date"
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in versions)


def test_bundled_folders_are_the_ones_setup_py_maps():
    """setup.py maps each source folder onto an aeeval.resources subpackage; aeeval.paths finds
    the same folders through importlib.resources, and pyproject.toml ships their files."""
    import ast
    from importlib.resources import files

    from aeeval.paths import BUNDLED

    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    (resources,) = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "RESOURCES"
    ]
    assert sorted(resources.values()) == sorted(BUNDLED)
    for package, folder in resources.items():
        assert files(package) == BUNDLED[folder] == (ROOT / folder).resolve(), package
        assert (ROOT / folder / "__init__.py").is_file(), f"{folder} needs its package marker"
    package_data = _pyproject()["tool"]["setuptools"]["package-data"]
    assert set(resources) <= set(package_data)
