"""pyproject.toml and environment.yml name the same packages."""

import re
import tomllib

import yaml

from aeeval.paths import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(d) for d in project["dependencies"]}
    pip_names |= {_name(d) for d in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda_names == pip_names
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]


def test_dependency_ranges_are_bounded():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{spec} needs a tested range"


def test_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["aeeval"] == "aeeval.cli:main"


def test_public_api_names_resolve():
    import aeeval

    missing = [name for name in aeeval.__all__ if not hasattr(aeeval, name)]
    assert not missing
    assert len(set(aeeval.__all__)) == len(aeeval.__all__)
