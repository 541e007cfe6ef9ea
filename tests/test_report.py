"""The PDF route as a user meets it: the CLI, a real kernel, a real Chromium, pdftotext."""

import shutil
import subprocess
import sys

import nbformat
import pytest

from aeeval.paths import NOTEBOOKS

pytestmark = pytest.mark.slow
SURVEY_NB = NOTEBOOKS / "01-survey-outcomes.ipynb"


def aeeval(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aeeval.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd)


def pdftext(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def survey_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "survey"
    res = aeeval("run", SURVEY_NB, "--out", out)
    assert res.returncode == 0, res.stderr
    return out


def test_pdf_holds_headline_figures_and_no_code(survey_report):
    assert (survey_report / "report.pdf").stat().st_size > 10_000
    text = pdftext(survey_report / "report.pdf")
    # The example data round to the published Picker figures, with Wilson 95 % intervals.
    assert "59%" in text and "47% to 69%" in text
    assert "41%" in text and "31% to 53%" in text
    assert "52%" in text and "41% to 63%" in text
    assert "Report date:" in text and "Survey of participating organisations" in text
    for code in ("import aeeval", "ae.show", "load_survey(", "min_base: int"):
        assert code not in text


def test_pdf_is_a4_with_page_numbers(survey_report):
    info = subprocess.run(["pdfinfo", str(survey_report / "report.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert "595.92 x 842.88" in info or "595 x 842" in info or "595.2 x 841.68" in info, info
    assert "Page 1 of" in pdftext(survey_report / "report.pdf")


def test_cohort_parameter(tmp_path):
    out = tmp_path / "c1"
    res = aeeval("run", SURVEY_NB, "-p", "cohort", "1", "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    html = (out / "report.html").read_text()
    assert "Cohort 1" in html and not (out / "report.pdf").exists()


def test_unknown_parameter_fails_and_replaces_nothing(tmp_path, survey_report):
    out = tmp_path / "keep"
    shutil.copytree(survey_report, out)
    before = (out / "report.pdf").read_bytes()
    res = aeeval("run", SURVEY_NB, "-p", "cohrt", "1", "--out", out)
    assert res.returncode == 1 and "unknown parameter(s) cohrt" in res.stderr
    assert (out / "report.pdf").read_bytes() == before


def test_failing_notebook_keeps_previous_report(tmp_path, survey_report):
    out = tmp_path / "keep"
    shutil.copytree(survey_report, out)
    before = (out / "report.pdf").read_bytes()
    bad_data = tmp_path / "data"
    bad_data.mkdir()
    (bad_data / "register.csv").write_text("org_code\nRXA\n")
    (bad_data / "survey_responses.csv").write_text("x\n1\n")
    res = aeeval("run", SURVEY_NB, "-p", "data_dir", bad_data, "--out", out)
    assert res.returncode == 1
    assert "ValidationError" in res.stderr and "cell" in res.stderr
    assert (out / "report.pdf").read_bytes() == before
    assert (tmp_path / "keep.failed" / "executed.ipynb").exists()


def test_missing_notebook(tmp_path):
    res = aeeval("run", tmp_path / "nope.ipynb", "--out", tmp_path / "x")
    assert res.returncode == 1 and "does not exist" in res.stderr
    assert not (tmp_path / "x").exists()


def test_executed_notebook_is_kept(survey_report):
    nb = nbformat.read(survey_report / "executed.ipynb", as_version=4)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
