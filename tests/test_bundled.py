"""Bundled files found from any working directory: aeeval.paths, names of bundled notebooks and
configs, and the default output folder of the directory a command runs in."""

from pathlib import Path

import pytest
from conftest import aeeval_cli

from aeeval import paths
from aeeval.publish.build import load_config


def test_bundled_notebooks_by_name_stem_and_file_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing depends on the working directory
    survey = paths.NOTEBOOKS / "01-survey-outcomes.ipynb"
    for given in ("survey-outcomes", "01-survey-outcomes", "01-survey-outcomes.ipynb"):
        assert paths.notebook_path(given) == survey
    assert set(paths.bundled_notebooks()) == {
        "survey-outcomes",
        "interviews",
        "staff-survey-q22c",
        "qi-measures",
        "evaluation-report",
    }
    assert (
        paths.config_path("demo") == paths.config_path("demo.yml") == paths.NOTEBOOKS / "demo.yml"
    )


def test_a_file_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").write_text("reports: []\n")
    assert paths.config_path("demo") == Path("demo")
    (tmp_path / "survey-outcomes").mkdir()  # a folder is not a notebook file
    assert paths.notebook_path("survey-outcomes") == paths.NOTEBOOKS / "01-survey-outcomes.ipynb"


def test_an_unknown_name_lists_the_bundled_ones():
    with pytest.raises(
        ValueError,
        match="survey does not exist, and no notebook bundled.*survey-outcomes, interviews",
    ):
        paths.notebook_path("survey")
    with pytest.raises(ValueError, match=r"no such config file.*\(bundled: demo\)"):
        paths.config_path("demos")


def test_unknown_names_on_the_command_line(tmp_path):
    run = aeeval_cli("run", "survey", cwd=tmp_path)
    assert run.returncode == 1 and "survey-outcomes" in run.stderr and "Traceback" not in run.stderr
    build = aeeval_cli("build", "demos", cwd=tmp_path)
    assert build.returncode == 2 and "(bundled: demo)" in build.stderr
    helptext = aeeval_cli("run", "--help", cwd=tmp_path).stdout
    assert all(name in helptext for name in paths.bundled_notebooks())


def test_reports_go_to_the_directory_a_command_runs_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.reports_dir() == tmp_path / "reports"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert paths.reports_dir() == tmp_path / "elsewhere" / "reports"  # read now, not at import


def test_the_bundled_demo_builds_into_the_given_folder(tmp_path):
    jobs, _ = load_config(paths.config_path("demo"), output_dir=tmp_path / "reports" / "demo")
    assert jobs and all(j.out.is_relative_to(tmp_path / "reports" / "demo") for j in jobs)
    assert {j.out.name for j in jobs} >= {"survey-outcomes", "cohort-1", "programme"}
    # named by its path, the config keeps its own output_dir, relative to it
    jobs, _ = load_config(paths.NOTEBOOKS / "demo.yml")
    assert all(j.out.is_relative_to((paths.NOTEBOOKS / "../reports/demo").resolve()) for j in jobs)


def test_display_path_names_bundled_files_by_their_source_place(tmp_path):
    for shown, folder in paths.BUNDLED.items():
        some = next(p for p in sorted(folder.iterdir()) if p.is_file())
        name = paths.display_path(some)
        assert name == f"{shown}/{some.name}" and paths.bundled_path(name) == some
    mine = tmp_path / "data" / "examples" / "register.csv"  # same tail, not bundled
    assert paths.display_path(mine) == mine.as_posix()
    assert paths.bundled_path(mine.as_posix()) == mine
    with pytest.raises(ValueError, match="names no file bundled"):
        paths.bundled_path("reports/x.csv")


def test_no_aeeval_root_variable_is_read():
    package = Path(paths.__file__).parent
    assert not [p for p in package.rglob("*.py") if "AEEVAL_ROOT" in p.read_text(encoding="utf-8")]
