"""The built wheel works as a new user gets it: installed into a fresh virtual environment outside
the checkout, run from a folder outside the checkout.

The sdist is built first and the wheel from it (``python -m build``), so the sdist is shown to
hold everything the wheel needs. The fresh environment gets the wheel with ``pip --no-deps``; its
dependencies come from this test's environment through a ``.pth`` file naming this environment's
site-packages (without processing its ``.pth`` files, so the editable aeeval installed here is
not on the path: the aeeval imported is the wheel's, which the test checks). No network is needed
but for the isolated build's setuptools (from pip's cache or the index, as any build).
"""

import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import pdftext, sha256, write_notebook

from aeeval.paths import ROOT

pytestmark = pytest.mark.slow


def _run(cmd, *, cwd, env, timeout=600):
    res = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert "Traceback" not in res.stderr, res.stderr
    return res


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``(wheel, sdist)`` built from this checkout: the sdist, then the wheel from the sdist."""
    dist = tmp_path_factory.mktemp("dist")
    res = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (wheel,) = dist.glob("aeeval-*.whl")
    (sdist,) = dist.glob("aeeval-*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    """A fresh venv outside the checkout with the wheel installed, its environment variables and a
    working folder outside the checkout."""
    wheel, _ = built
    base = tmp_path_factory.mktemp("fresh")
    assert not base.is_relative_to(ROOT)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_dependencies_from_the_test_environment.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8"
    )
    ours_bin = str(Path(sys.executable).parent)
    path = [
        str(venv / "bin"),
        *(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != ours_bin),
    ]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AEEVAL_") and k not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    # nbconvert's own templates are data files of this environment (share/jupyter), where a
    # normal install of the dependencies would have put them in the fresh venv's.
    env.update(PATH=os.pathsep.join(path), JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    work = base / "work"
    work.mkdir()
    return {
        "venv": venv,
        "python": python,
        "aeeval": venv / "bin" / "aeeval",
        "env": env,
        "cwd": work,
    }


def test_the_wheel_holds_the_data_notebooks_and_templates_and_nothing_else(built):
    wheel, sdist = built
    names = zipfile.ZipFile(wheel).namelist()
    res = "aeeval/resources/"
    schemas = ROOT / "data" / "schemas"  # with a subfolder (refi-qda/): listed recursively
    expected = [
        f"{res}schemas/{p.relative_to(schemas).as_posix()}"
        for p in sorted(schemas.rglob("*"))
        if p.is_file() and not p.name.startswith(("__", ".")) and "__pycache__" not in p.parts
    ]
    expected += [
        f"{res}examples/{n}"
        for n in sorted(os.listdir(ROOT / "data" / "examples"))
        if not n.startswith(("__", "."))
    ]
    expected += [
        f"{res}public/{n}"
        for n in sorted(os.listdir(ROOT / "data" / "public"))
        if not n.startswith(("__", "."))
    ]
    expected += [f"{res}notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    expected += [f"{res}notebooks/demo.yml"]
    assert {
        f"{res}schemas/survey_codebook.yaml",
        f"{res}schemas/staff_survey_items.csv",
        f"{res}schemas/codebook-format.json",
        f"{res}schemas/survey-mapping-format.json",
        f"{res}schemas/register.schema.json",
        f"{res}public/LICENCE-OGL.md",
        f"{res}public/README.md",
        f"{res}examples/survey_responses.csv",
        f"{res}schemas/refi-qda/Project-mrt2019.xsd",
        f"{res}schemas/refi-qda/Codebook.xsd",
        f"{res}schemas/refi-qda/LICENSE",
    } <= set(expected)
    missing = sorted(set(expected) - set(names))
    assert not missing, missing
    # the report template, wherever in the package it lives
    assert any(
        re.fullmatch(r"aeeval/(.+/)?templates/aeeval_report/index\.html\.j2", n) for n in names
    ), names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    stray = [
        n
        for n in names
        if n.startswith("tests/")
        or "/tests/" in n
        or "checkpoint" in n
        or "__pycache__" in n
        or n.endswith(".pyc")
        or n.startswith(("data/", "notebooks/"))
    ]
    assert not stray, stray
    # each bundled file is the source tree's, byte for byte
    with zipfile.ZipFile(wheel) as z:
        assert (
            z.read(f"{res}examples/register.csv")
            == (ROOT / "data/examples/register.csv").read_bytes()
        )
    import tarfile

    with tarfile.open(sdist) as t:
        members = {m.split("/", 1)[1] for m in t.getnames() if "/" in m}
    assert {
        "CHANGELOG.md",
        "LICENSE",
        "README.md",
        "MANIFEST.in",
        "setup.py",
        "data/schemas/survey_codebook.yaml",
        "data/public/LICENCE-OGL.md",
        "data/examples/register.csv",
        "notebooks/01-survey-outcomes.ipynb",
        "notebooks/demo.yml",
    } <= members
    assert not [m for m in members if "checkpoint" in m or "__pycache__" in m]


def test_the_installed_aeeval_is_the_wheel_and_finds_its_files(installed):
    code = (
        "import json, aeeval, aeeval.paths as p; print(json.dumps({'file': aeeval.__file__, "
        "'root': None if p.ROOT is None else str(p.ROOT), 'examples': str(p.EXAMPLES), "
        "'schemas': str(p.SCHEMAS), 'notebooks': str(p.NOTEBOOKS), "
        "'templates': str(p.TEMPLATES), 'public': str(p.PUBLIC_DATA), "
        "'version': aeeval.__version__}))"
    )
    res = _run([installed["python"], "-c", code], cwd=installed["cwd"], env=installed["env"])
    assert res.returncode == 0, res.stderr
    found = json.loads(res.stdout)
    venv = installed["venv"].resolve()
    assert Path(found["file"]).resolve().is_relative_to(venv), found
    assert found["root"] is None  # not a checkout: no git state is recorded
    for key in ("examples", "schemas", "notebooks", "templates", "public"):
        assert Path(found[key]).is_dir() and Path(found[key]).is_relative_to(venv), (key, found)


def test_validate_each_bundled_example_from_outside_the_checkout(installed):
    res = _run(
        [
            installed["python"],
            "-c",
            "from aeeval.paths import EXAMPLES; print('\\n'.join(str(p) for p in "
            "sorted(EXAMPLES.glob('*.csv'))))",
        ],
        cwd=installed["cwd"],
        env=installed["env"],
    )
    examples = res.stdout.split()
    assert len(examples) == 5 and all(Path(e).is_relative_to(installed["venv"]) for e in examples)
    res = _run(
        [installed["aeeval"], "validate", *examples], cwd=installed["cwd"], env=installed["env"]
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("valid against schema") == len(examples), res.stdout


def test_run_a_bundled_notebook_by_name_to_pdf(installed):
    cwd = installed["cwd"]
    res = _run(
        [installed["aeeval"], "run", "survey-outcomes", "--format", "pdf"],
        cwd=cwd,
        env=installed["env"],
    )
    assert res.returncode == 0, res.stderr
    report = cwd / "reports" / "01-survey-outcomes"
    pdf = report / "report.pdf"
    assert pdf.is_file()
    assert "Survey of participating organisations" in pdftext(pdf)
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["notebook"]["path"] == "notebooks/01-survey-outcomes.ipynb"
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    # what the kernel read from site-packages is recorded, named as in the source tree
    for rel in (
        "data/examples/survey_responses.csv",
        "data/examples/register.csv",
        "data/schemas/survey_codebook.yaml",
    ):
        assert inputs.get(rel) == sha256(ROOT / rel), (rel, inputs)
    assert all(not Path(p).is_absolute() for p in inputs), inputs  # only bundled files read
    assert manifest["git"]["commit"] is None
    # nothing was written into the installation
    written = [p for p in installed["venv"].rglob("*") if "reports" in p.parts]
    assert not written, written


def test_the_kernel_of_a_report_runs_the_wheel(installed):
    """The notebook's kernel is the fresh environment's Python, importing the wheel's aeeval."""
    cwd = installed["cwd"]
    venv = str(installed["venv"].resolve())
    write_notebook(
        cwd / "where.ipynb",
        "x: int = 1  # unused",
        "import sys, aeeval, aeeval.paths as p",
        f"assert sys.prefix == {venv!r}, sys.prefix",
        f"assert aeeval.__file__.startswith({venv!r}), aeeval.__file__",
        f"assert str(p.EXAMPLES).startswith({venv!r}), p.EXAMPLES",
        title="Where",
    )
    res = _run(
        [installed["aeeval"], "run", "where.ipynb", "--format", "html"],
        cwd=cwd,
        env=installed["env"],
    )
    assert res.returncode == 0, res.stderr
    assert (cwd / "reports" / "where" / "report.html").is_file()


def test_unknown_notebook_name_lists_the_bundled_ones(installed):
    res = _run(
        [installed["aeeval"], "run", "no-such-notebook"], cwd=installed["cwd"], env=installed["env"]
    )
    assert res.returncode == 1
    assert "no-such-notebook" in res.stderr and "survey-outcomes" in res.stderr
    res = _run([installed["aeeval"], "run", "--help"], cwd=installed["cwd"], env=installed["env"])
    assert "evaluation-report" in res.stdout and "qi-measures" in res.stdout


def test_the_readme_python_examples_run(installed, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", readme, flags=re.S | re.M)
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        script = tmp_path / f"readme_{i}.py"
        script.write_text(block + "\nprint('README example done')\n", encoding="utf-8")
        res = _run([installed["python"], script], cwd=installed["cwd"], env=installed["env"])
        assert res.returncode == 0 and "README example done" in res.stdout, (block, res.stderr)
