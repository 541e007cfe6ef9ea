"""The PDF route as a user meets it: the CLI, a real kernel, a real Chromium, pdftotext."""

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import pdftext, write_notebook

from aeeval.paths import NOTEBOOKS

pytestmark = pytest.mark.slow
SURVEY_NB = NOTEBOOKS / "01-survey-outcomes.ipynb"


def aeeval(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "aeeval.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


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
    info = subprocess.run(
        ["pdfinfo", str(survey_report / "report.pdf")], capture_output=True, text=True, check=True
    ).stdout
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


# --- figures.json, manifest.json, reproducibility, the disclosure gate (issue 7) -----------------


def test_output_folder_holds_every_file(survey_report):
    assert sorted(p.name for p in survey_report.iterdir()) == [
        "executed.ipynb",
        "figures.json",
        "manifest.json",
        "report.html",
        "report.pdf",
        "tables.xlsx",
    ]
    assert not survey_report.with_name("survey.failed").exists()


def test_figures_json_holds_headline_numbers_with_base_interval_and_flag(survey_report):
    from statsmodels.stats.proportion import proportion_confint

    figures = json.loads((survey_report / "figures.json").read_text())
    assert figures["notebook"] == "01-survey-outcomes.ipynb" and figures["parameters"] == {}
    tables = {t["name"]: t for t in figures["tables"]}
    head = tables["headline_figures"]
    assert head["min_base"] == 10 and head["confidence"] == 0.95
    first = head["records"][0]
    assert {"n", "base", "estimate", "ci_low", "ci_high", "suppressed"} <= set(first)
    # Independent check: statsmodels' Wilson interval for the programme's 'definitely' figure.
    low, high = proportion_confint(first["n"], first["base"], alpha=0.05, method="wilson")
    assert (first["ci_low"], first["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    assert round(100 * first["estimate"]) == 59 and first["suppressed"] is False


def test_manifest_records_inputs_parameters_software_and_times(survey_report, root):
    import datetime as dt
    from importlib.metadata import version

    from conftest import sha256

    m = json.loads((survey_report / "manifest.json").read_text())
    inputs = {i["path"]: i["sha256"] for i in m["inputs"]}
    for rel in (
        "data/examples/register.csv",
        "data/examples/survey_responses.csv",
        "data/schemas/survey_codebook.yaml",
    ):
        assert inputs[rel] == sha256(root / rel)
    assert not any("egg-info" in p or "site-packages" in p for p in inputs)
    assert m["notebook"] == {
        "path": "notebooks/01-survey-outcomes.ipynb",
        "sha256": sha256(SURVEY_NB),
    }
    assert m["parameters"] == {} and m["notebook_defaults"]["min_base"] == "10"
    assert m["packages"]["pandas"] == version("pandas") and m["aeeval_version"] == version("aeeval")
    assert m["python"]["version"] == sys.version.split()[0]
    assert m["browser"] and m["git"]["commit"] and isinstance(m["git"]["dirty"], bool)
    reader = subprocess.run(
        ["pdftotext", "-v"], capture_output=True, text=True
    ).stderr.splitlines()[0]
    assert m["pdf_reader"] == reader.strip()  # what read the PDF back for the disclosure gate
    assert dt.datetime.fromisoformat(m["started"]) <= dt.datetime.fromisoformat(m["finished"])
    assert m["outputs"]["report.pdf"] == sha256(survey_report / "report.pdf")
    assert m["outputs"]["tables.xlsx"] == sha256(survey_report / "tables.xlsx")


def test_pdf_is_tagged_with_an_outline_and_figures_described(survey_report):
    """For screen readers: a tagged PDF, headings as bookmarks, each figure's alternative text
    taken from its title and axis labels (not nbconvert's "No description has been provided")."""
    import re

    info = subprocess.run(
        ["pdfinfo", str(survey_report / "report.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Tagged:\s+yes$", info, flags=re.M)
    pdf = (survey_report / "report.pdf").read_bytes()
    assert b"/Outlines" in pdf and b"No description has been provided" not in pdf
    html = (survey_report / "report.html").read_text()
    alts = re.findall(r'<img alt="([^"]*)"', html)
    assert alts and all(a.startswith("Chart: ") and "axis: " in a for a in alts), alts
    assert len(alts) == html.count("<img ")


def test_pdf_has_a_provenance_appendix(survey_report, root):
    text = pdftext(survey_report / "report.pdf")
    assert "Appendix: provenance" in text and "data/examples/survey_responses.csv" in text
    from conftest import sha256

    assert sha256(root / "data/examples/survey_responses.csv") in text.replace("\n", "").replace(
        " ", ""
    )


def _without_run_date(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Report date:" not in line]


def test_same_inputs_and_parameters_give_the_same_figures_and_pdf_text(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        res = aeeval(
            "run",
            NOTEBOOKS / "04-qi-measures.ipynb",
            "-p",
            "team",
            "Ward 7 (older people)",
            "--out",
            out,
        )
        assert res.returncode == 0, res.stderr
    assert (a / "figures.json").read_bytes() == (b / "figures.json").read_bytes()
    assert _without_run_date(pdftext(a / "report.pdf")) == _without_run_date(
        pdftext(b / "report.pdf")
    )
    # The plots themselves are the same pixels (fixed fonts and style, no random jitter).
    images = [
        [
            o["data"]["image/png"]
            for c in nbformat.read(d / "executed.ipynb", as_version=4).cells
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
        ]
        for d in (a, b)
    ]
    assert len(images[0]) >= 3 and images[0] == images[1]


# ae.show would suppress this row itself: the table reaches figures.json around it, as a careless or
# hostile notebook could, and the gate must still stop it.
LEAK = """import pandas as pd
from IPython.display import display
from aeeval.tables import TABLE_MIMETYPE, table_payload
t = pd.DataFrame({"group": ["A", "B"], "n": [3, 40], "base": [4, 80], "estimate": [0.75, 0.5],
                  "suppressed": [False, False]})
display({"text/html": "<p>leaky</p>",
         TABLE_MIMETYPE: table_payload(t, name="leaky", title="Not suppressed", min_base=10)}, raw=True)"""


@pytest.mark.parametrize(
    "cells, where",
    [
        (
            [LEAK],
            "figures.json: table 'leaky' (cell In [3]), row 1 (group=A): base 4 is below min_base 10",
        ),
        (["#md Questions to jo.bloggs@nhs.net, please."], "report.pdf page 1, line"),
        (["print('NHS number 943 476 5919')"], "report.pdf page 1, line"),
        (
            [
                "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\n"
                "ax.set_title('Questions: jo.bloggs@nhs.net')\nplt.show()"
            ],
            "executed.ipynb: figure 1 of cell In [3], in a title, label or legend: unredacted e-mail address",
        ),
    ],
)
def test_disclosure_gate_fails_the_build_and_keeps_the_previous_report(tmp_path, cells, where):
    nb = write_notebook(tmp_path / "leak.ipynb", "x: int = 1  # unused", *cells)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"previous")
    (out / "manifest.json").write_text('{"aeeval_report": {"format": 1}}')  # a report of aeeval's
    res = aeeval("run", nb, "--out", out)
    assert res.returncode == 1
    assert "the disclosure gate stopped the report" in res.stderr and where in res.stderr, (
        res.stderr
    )
    assert "jo.bloggs" not in res.stderr and "476 5919" not in res.stderr  # masked in the message
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "report.pdf"]
    assert (out / "report.pdf").read_bytes() == b"previous"
    assert (tmp_path / "out.failed" / "error.txt").read_text().startswith("the disclosure gate")
    assert not list(tmp_path.glob(".out.*"))  # no temporary folder left behind


def test_dates_and_lists_reach_the_kernel_typed_from_the_command_line(tmp_path):
    nb = write_notebook(
        tmp_path / "types.ipynb",
        "when: list = None  # dates\ncode: str = None  # text\nk: int = 0  # a number",
        "import pandas as pd\nimport aeeval as ae\n"
        "ae.show(pd.DataFrame({'name': ['when', 'code', 'k'], "
        "'type': [type(when[0]).__name__, type(code).__name__, type(k).__name__]}), name='t', title='t', "
        "rule='none')",
    )
    res = aeeval(
        "run",
        nb,
        "-p",
        "when",
        "[2018-06-01, 2019-01-01]",
        "-p",
        "code",
        "0123",
        "-p",
        "k",
        "7",
        "--out",
        tmp_path / "o",
        "--format",
        "html",
    )
    assert res.returncode == 0, res.stderr
    fig = json.loads((tmp_path / "o" / "figures.json").read_text())
    assert fig["parameters"] == {"when": ["2018-06-01", "2019-01-01"], "code": "0123", "k": 7}
    assert [r["type"] for r in fig["tables"][0]["records"]] == ["date", "str", "int"]


def test_the_kernel_exits_with_its_libraries_frozen_out_of_garbage_collections(tmp_path):
    """The injected last cell freezes every object the kernel has made (pandas, aeeval, …), so its
    shutdown skips the final collections over them; an atexit hook of the notebook sees that."""
    seen = tmp_path / "freeze-count-at-exit.txt"
    nb = write_notebook(
        tmp_path / "gc.ipynb",
        "x: int = 1  # unused",
        "import atexit, gc\nimport pandas as pd\n"
        f"atexit.register(lambda: open({str(seen)!r}, 'w').write(str(gc.get_freeze_count())))",
    )
    res = aeeval("run", nb, "--out", tmp_path / "o", "--format", "html")
    assert res.returncode == 0, res.stderr
    assert int(seen.read_text()) > 50_000  # pandas alone is ~50,000 objects


def test_long_text_in_a_table_wraps_and_stays_on_the_page(tmp_path):
    quote = (
        "We put the event on every huddle board and talked about it weekly, and then the matron "
        "took it to the board, and the board asked for it in every ward too."
    )
    nb = write_notebook(
        tmp_path / "wide.ipynb",
        "x: int = 1  # unused",
        "import pandas as pd\nimport aeeval as ae\n"
        f"ae.show(pd.DataFrame({{'theme': ['What helps'], 'quote': [{quote!r}]}}), "
        "name='quotes', title='Quotes', rule='none')",
    )
    res = aeeval("run", nb, "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    words = " ".join(pdftext(tmp_path / "o" / "report.pdf").split())
    assert "weekly, and then the" in words and "every ward too." in words  # nothing cut off


def test_a_table_of_eleven_columns_fits_the_page(tmp_path):
    # notebooks/04's SPC summary: at the normal size its last column fell off the A4 page
    table = (
        "pd.DataFrame({'n_points': [36], 'date': [pd.Timestamp('2020-03-01')], 'value': [0.704],"
        " 'mean': [0.76], 'lpl': [0.513], 'upl': [1.0], 'target': [0.8], 'trial_limits': [False],"
        " 'variation': ['Common cause'], 'assurance': ['Hit and miss'],"
        " 'improvement_direction': ['lastcolumnvalue']})"
    )
    nb = write_notebook(
        tmp_path / "wide.ipynb",
        "x: int = 1  # unused",
        f"import pandas as pd\nimport aeeval as ae\nae.show({table}, name='spc', title='SPC', rule='none')",
    )
    res = aeeval("run", nb, "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    text = pdftext(tmp_path / "o" / "report.pdf")
    assert "lastcolumnvalue" in text and "direction" in text


def test_wrong_parameter_type_is_an_error_before_running(tmp_path):
    res = aeeval("run", SURVEY_NB, "-p", "cohort", "two", "--out", tmp_path / "x")
    assert res.returncode == 1
    assert (
        "parameter cohort must be int (the notebook declares `cohort: int`); got 'two'"
        in res.stderr
    )
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.failed").exists()


def test_parameters_file(tmp_path):
    params = tmp_path / "p.yml"
    params.write_text("cohort: 3\nmin_base: 5\n")
    # min_base 5 is below the project default: allowed explicitly, and the allowance recorded
    res = aeeval(
        "run",
        SURVEY_NB,
        "-f",
        params,
        "--out",
        tmp_path / "c3",
        "--format",
        "html",
        "--allow-min-base",
        "5",
    )
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path / "c3" / "manifest.json").read_text())
    assert m["parameters"] == {"cohort": 3, "min_base": 5}
    assert m["disclosure"] == {"min_base": 5, "project_min_base": 10, "allow_min_base": 5}
    assert m["parameters_files"][0]["path"] == params.as_posix()


def test_missing_browser_is_a_clear_error_before_the_notebook_runs(tmp_path):
    import os

    env = {**os.environ, "AEEVAL_CHROMIUM": str(tmp_path / "no-chrome")}
    res = subprocess.run(
        [sys.executable, "-m", "aeeval.cli", "run", str(SURVEY_NB), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 1 and "not an executable file" in res.stderr
    assert not (tmp_path / "x").exists()


def test_missing_pdftotext_is_a_clear_error_before_the_notebook_runs(tmp_path):
    import os

    from aeeval.publish.browser import find_chromium

    env = {**os.environ, "PATH": str(tmp_path), "AEEVAL_CHROMIUM": find_chromium()}
    res = subprocess.run(
        [sys.executable, "-m", "aeeval.cli", "run", str(SURVEY_NB), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 1 and "pdftotext (poppler) not found" in res.stderr
    assert "apt-get install poppler-utils" in res.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.failed").exists()


def test_unknown_format(tmp_path):
    res = aeeval("run", SURVEY_NB, "--format", "docx", "--out", tmp_path / "x")
    assert res.returncode == 1 and "unknown format(s) docx: choose pdf and/or html" in res.stderr
