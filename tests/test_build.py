"""`aeeval build`: a batch of notebooks x parameter sets, as a user runs it (real kernels, Chromium)."""

import datetime as dt
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import aeeval_cli, write_notebook

pytestmark = pytest.mark.slow

SHOW = """import pandas as pd
import aeeval as ae
ae.show(pd.DataFrame({"k": [k], "n": [k * 10], "base": [100], "estimate": [k / 10],
                      "ci_low": [0.0], "ci_high": [1.0], "suppressed": [False]}),
        name="result", title=f"Result for k = {k}", min_base=10, base="base", rule="people")"""


@pytest.fixture
def project(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    write_notebook(nbs / "good.ipynb", "k: int = 1  # a number", SHOW, title="Good")
    write_notebook(
        nbs / "fails.ipynb",
        "k: int = 1  # a number",
        "#md Dividing by k - 2.",
        "value = 1 / (k - 2)",
        SHOW,
        title="Fails for k = 2",
    )
    write_notebook(
        nbs / "types.ipynb",
        "when: list = None  # dates\nday: str = None  # a day as text\nx: float = 1  # a number",
        "import pandas as pd\nimport aeeval as ae\n"
        "ae.show(pd.DataFrame({'name': ['when', 'day', 'x'], "
        "'type': [type(when[0]).__name__, type(day).__name__, type(x).__name__], "
        "'value': [str(when[0]), day, str(x)]}), name='types', title='types', rule='none')",
    )
    return tmp_path


def config(project, body: dict):
    path = project / "notebooks" / "build.yml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def test_batch_keeps_going_reports_failures_and_keeps_good_reports(project):
    cfg = config(
        project,
        {
            "output_dir": "../out",
            "reports": [
                {"notebook": "good.ipynb", "matrix": {"k": [1, 3]}, "out": "good-{k}"},
                {"notebook": "fails.ipynb", "matrix": {"k": [2, 4]}, "out": "fails-{k}"},
            ],
        },
    )
    out = project / "out"
    # A good report from an earlier run where the notebook now fails: it must be left untouched.
    (out / "fails-2").mkdir(parents=True)
    (out / "fails-2" / "report.pdf").write_bytes(b"previous good report")
    (out / "fails-2" / "manifest.json").write_text('{"aeeval_report": {"format": 1}}')
    res = aeeval_cli("build", cfg, "--jobs", "2")
    assert res.returncode == 1, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == [
        "#",
        "notebook",
        "parameters",
        "status",
        "seconds",
        "output",
        "/",
        "error",
    ]
    assert [ln.split()[1:4] for ln in lines[1:5]] == [  # the full table names any failure
        ["good.ipynb", "k=1", "ok"],
        ["good.ipynb", "k=3", "ok"],
        ["fails.ipynb", "k=2", "FAILED"],
        ["fails.ipynb", "k=4", "ok"],
    ], res.stdout + res.stderr
    assert lines[-1] == "3 of 4 report(s) built, 1 failed"
    assert "aeeval build" in res.stderr and "4/4" in res.stderr  # the progress bar
    assert (
        "fails.ipynb: cell In [" in res.stderr
        and "(value = 1 / (k - 2)) raised ZeroDivisionError" in res.stderr
    )
    assert (out / "fails-2" / "report.pdf").read_bytes() == b"previous good report"
    assert (out / "fails-2.failed" / "executed.ipynb").exists()
    for name in ("good-1", "good-3", "fails-4"):
        assert sorted(p.name for p in (out / name).iterdir()) == [
            "executed.ipynb",
            "figures.json",
            "manifest.json",
            "report.html",
            "report.pdf",
            "tables.xlsx",
        ]
    figures = json.loads((out / "good-3" / "figures.json").read_text())
    assert figures["parameters"] == {"k": 3}
    assert figures["tables"][0]["records"][0]["estimate"] == 0.3
    manifest = json.loads((out / "good-3" / "manifest.json").read_text())
    assert manifest["parameters"] == {"k": 3} and manifest["notebook"]["path"].endswith(
        "good.ipynb"
    )


def test_parallel_kernels_talk_over_sockets_of_their_own(project):
    """Kernels started at the same moment by two workers cannot take each other's TCP port
    (papermill#511): each talks over Unix sockets in a private folder, removed when it stops,
    and nothing is written to the project folder the kernels run in."""
    write_notebook(
        project / "notebooks" / "transport.ipynb",
        "k: int = 1  # a number",
        "import json, os, pandas as pd, aeeval as ae\n"
        "from ipykernel.connect import get_connection_info\n"
        "info = json.loads(get_connection_info())\n"
        "ae.show(pd.DataFrame({'transport': [info['transport']], "
        "'private': [os.path.basename(os.path.dirname(info['ip'])).startswith('aeeval-kernel-')]}), "
        "name='transport', title='transport', rule='none')",
    )
    cfg = config(
        project,
        {
            "output_dir": "../out",
            "formats": ["html"],
            "reports": [
                {"notebook": "transport.ipynb", "matrix": {"k": [1, 2, 3, 4]}, "out": "t-{k}"}
            ],
        },
    )
    temp = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folder is too long for a socket
    before = sorted(p.name for p in (project / "notebooks").iterdir())
    res = aeeval_cli("build", cfg, "--jobs", "2", env={"TMPDIR": str(temp)})
    assert res.returncode == 0, res.stdout + res.stderr
    for k in (1, 2, 3, 4):
        figures = json.loads((project / "out" / f"t-{k}" / "figures.json").read_text())
        assert figures["tables"][0]["records"] == [{"transport": "ipc", "private": True}]
    assert sorted(p.name for p in (project / "notebooks").iterdir()) == before
    assert not list(temp.glob("aeeval-kernel-*"))
    temp.rmdir()


def test_typed_parameters_survive_the_trip_from_a_config(project):
    cfg = config(
        project,
        {
            "output_dir": "../out",
            "formats": ["html"],
            "reports": [
                {
                    "notebook": "types.ipynb",
                    "parameters": {"when": [dt.date(2018, 6, 1)], "x": 2},
                    "parameter_sets": [{"day": dt.date(2019, 2, 3)}],
                }
            ],
        },
    )
    text = cfg.read_text()
    assert "when:\n    - 2018-06-01" in text  # a YAML date, not a string
    res = aeeval_cli("build", cfg, "--jobs", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    (folder,) = [p for p in (project / "out" / "types").iterdir() if p.is_dir()]
    records = json.loads((folder / "figures.json").read_text())["tables"][0]["records"]
    assert [(r["name"], r["type"], r["value"]) for r in records] == [
        ("when", "date", "2018-06-01"),
        ("day", "str", "2019-02-03"),
        ("x", "float", "2.0"),
    ]
    assert not (folder / "report.pdf").exists()


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            {"reports": [{"notebook": "good.ipynb", "colour": "blue"}]},
            "reports[0]: unknown key(s), not allowed ('colour' was unexpected)",
        ),
        ({"reports": [{"notebook": "nope.ipynb"}]}, "nope.ipynb does not exist"),
        (
            {"reports": [{"notebook": "good.ipynb", "parameters": {"kk": 1}}]},
            "unknown parameter(s) kk",
        ),
        (
            {"reports": [{"notebook": "good.ipynb", "matrix": {"k": ["one"]}}]},
            "parameter k must be int (the notebook declares `k: int`); got 'one' (str)",
        ),
        (
            {"reports": [{"notebook": "good.ipynb", "matrix": {"k": 1}}]},
            "reports[0].matrix.k: 1 is not of type 'array'",
        ),
        (
            {"reports": [{"notebook": "good.ipynb"}, {"notebook": "good.ipynb"}]},
            "is also used by reports[0]",
        ),
        (
            {"reports": [{"notebook": "good.ipynb", "notebooks": ["good.ipynb"]}]},
            "give either 'notebook'",
        ),
        (
            {"reports": [{"notebook": "good.ipynb", "out": "{cohort}"}]},
            "names 'cohort', which is not",
        ),
        ({"output_dir": "x"}, "'reports' is a required property"),
        (
            {"formats": ["pdf", "docx"], "reports": [{"notebook": "good.ipynb"}]},
            "formats[1]: 'docx' is not one of",
        ),
    ],
)
def test_config_problems_are_reported_before_anything_runs(project, body, expected):
    cfg = config(project, body)
    res = aeeval_cli("build", cfg)
    assert res.returncode == 2 and expected in res.stderr, res.stderr
    assert f"{cfg}:" in res.stderr
    assert not (project / "reports").exists() and not (project / "notebooks" / "reports").exists()


def test_config_that_is_not_yaml_or_missing(project):
    bad = project / "bad.yml"
    bad.write_text("reports: [\n")
    assert "not valid YAML" in aeeval_cli("build", bad).stderr
    res = aeeval_cli("build", project / "none.yml")
    assert res.returncode == 2 and "no such config file" in res.stderr


def test_missing_pdftotext_fails_every_report_and_replaces_nothing(project):
    from aeeval.publish.browser import find_chromium

    cfg = config(project, {"output_dir": "../out", "reports": [{"notebook": "good.ipynb"}]})
    res = aeeval_cli("build", cfg, env={"PATH": str(project), "AEEVAL_CHROMIUM": find_chromium()})
    assert res.returncode == 1 and "pdftotext (poppler) not found" in res.stderr
    assert not (project / "out").exists()


def test_missing_browser_fails_every_report_and_replaces_nothing(project):
    cfg = config(project, {"output_dir": "../out", "reports": [{"notebook": "good.ipynb"}]})
    res = aeeval_cli("build", cfg, env={"AEEVAL_CHROMIUM": str(project / "no-chrome")})
    assert res.returncode == 1
    assert (
        "AEEVAL_CHROMIUM is set to" in res.stdout + res.stderr
        and "not an executable file" in res.stderr
    )
    assert not (project / "out").exists()


def test_demo_config_covers_every_cohort_of_the_example_data(root):
    import aeeval as ae
    from aeeval.publish.build import load_config

    jobs, formats = load_config(root / "notebooks" / "demo.yml")
    cohorts = sorted(
        ae.read_table(root / "data" / "examples" / "register.csv", "register")["cohort"].unique()
    )
    reports = {(j.notebook.name, j.parameters.get("cohort")) for j in jobs}
    assert {("05-evaluation-report.ipynb", c) for c in cohorts} <= reports
    assert {nb.name for nb in (root / "notebooks").glob("*.ipynb")} == {
        j.notebook.name for j in jobs
    }
    assert formats == ["pdf", "html"]
    assert all(j.out.is_relative_to(root / "reports" / "demo") for j in jobs)
    shutil.rmtree(root / "reports" / "demo" / "nothing", ignore_errors=True)


needs_rfc3987_syntax = pytest.mark.skipif(
    importlib.util.find_spec("rfc3987_syntax") is None,
    reason="rfc3987-syntax is not installed here, so jsonschema has no IRI grammar to build",
)


@needs_rfc3987_syntax
def test_commands_and_batch_workers_do_not_build_jsonschemas_iri_grammar(project):
    """jsonschema (imported with nbformat) builds an RFC 3987 parser when rfc3987-syntax is
    installed: 1.1 s of every command. aeeval's processes go without; its config checks still work."""
    cfg = config(project, {"reports": [{"notebook": "good.ipynb", "matrix": {"k": 1}}]})
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aeeval.cli", "build", cfg],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "reports[0].matrix.k: 1 is not of type 'array'" in res.stderr
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in res.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "jsonschema" in imported and not {"lark", "rfc3987_syntax.syntax_helpers"} & imported
    worker = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom aeeval.publish.build import warm_worker\n"
            "warm_worker(1)\nprint('nbformat' in sys.modules, sys.modules['rfc3987_syntax'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert worker.stdout.split() == ["True", "None"]


def test_kernel_sockets_fall_back_to_tmp_when_the_temporary_folder_is_too_long(
    tmp_path, monkeypatch
):
    from aeeval.publish.report import IPC_PATH_MAX, kernel_socket_folder

    long = tmp_path / ("x" * 80)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    folder = kernel_socket_folder()
    try:
        assert Path(folder).parent == Path("/tmp")
        assert len(str(Path(folder) / "kernel-65535")) <= IPC_PATH_MAX
    finally:
        Path(folder).rmdir()
