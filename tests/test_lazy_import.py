"""``import aeeval`` is lazy (PEP 562): the command line does not load the statistics stack.

Each check runs the real command in a new process with ``python -X importtime``, which lists every
module the process imported, so an eager import added anywhere on the path (in aeeval/__init__.py,
aeeval/cli.py or a module they import) fails here.
"""

import importlib.metadata
import subprocess
import sys

import pytest

from aeeval.paths import ROOT

STATISTICS = {"scipy", "statsmodels", "matplotlib", "krippendorff"}
EXAMPLE = ROOT / "data" / "examples" / "register.csv"


def _imported(*args: str, code: str | None = None) -> tuple[set[str], subprocess.CompletedProcess]:
    """Top-level packages a new ``python -X importtime`` process imported, and the process."""
    command = ["-c", code] if code else ["-m", "aeeval", *args]
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *command], capture_output=True, text=True, cwd=ROOT
    )
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "aeeval" in names or code, proc.stderr[-2000:]  # -X importtime did report
    return names, proc


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["validate", "--help"], ["run", "--help"], ["build", "--help"]],
)
def test_help_and_version_import_neither_pandas_nor_the_statistics_stack(args):
    names, proc = _imported(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not names & (STATISTICS | {"pandas", "numpy"}), sorted(names & (STATISTICS | {"pandas"}))


def test_validate_reads_a_file_without_the_statistics_stack():
    names, proc = _imported("validate", str(EXAMPLE))
    assert proc.returncode == 0 and "valid against schema 'register'" in proc.stdout, proc.stderr
    assert "pandas" in names  # it did read the table
    assert not names & STATISTICS, sorted(names & STATISTICS)


def test_import_aeeval_imports_only_the_package():
    names, proc = _imported(code="import aeeval")
    assert proc.returncode == 0, proc.stderr
    assert not names & (STATISTICS | {"pandas", "numpy", "papermill", "nbformat"})


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def test_a_name_is_imported_from_its_submodule_on_first_use():
    out = _run(
        "import sys, aeeval as ae\n"
        "before = 'aeeval.spc' in sys.modules\n"
        "f = ae.p_chart\n"
        "print(before, 'aeeval.spc' in sys.modules, f.__module__, 'p_chart' in vars(ae))"
    )
    assert out == "False True aeeval.spc True"


def test_every_public_name_resolves_in_a_fresh_process_and_dir_lists_it():
    out = _run(
        "import aeeval as ae\n"
        "missing = [n for n in ae.__all__ if getattr(ae, n, None) is None]\n"
        "print(missing, set(ae.__all__) <= set(dir(ae)), len(ae.__all__) == len(set(ae.__all__)))"
    )
    assert out == "[] True True"


def test_proportions_stays_the_function_when_its_submodule_is_imported_first():
    # aeeval.proportions is both a submodule and a public function; importing the submodule
    # (as aeeval.compare does) must not rebind ae.proportions to the module.
    out = _run(
        "import aeeval as ae, aeeval.compare\nimport aeeval.proportions as p\n"
        "from aeeval.proportions import proportion_ci\n"
        "print(callable(ae.proportions), callable(p), ae.proportions.__module__)"
    )
    assert out == "True True aeeval.proportions"


def test_submodules_and_version_as_attributes():
    import aeeval as ae

    assert ae.qual.SEGMENT_COLUMNS[0] == "interview"  # a submodule, imported on use
    assert ae.__version__ == importlib.metadata.version("aeeval")
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        ae.no_such_name  # noqa: B018
    assert not hasattr(ae, "_private")


@pytest.mark.slow
def test_a_batch_worker_prepares_a_report_without_pandas_or_the_statistics_stack(tmp_path):
    # A batch worker runs the notebook (in its kernel, another process) and exports it; the
    # disclosure gate, which reads tables with pandas, runs in the main process. Importing
    # pandas in each worker cost 0.25 CPU-s (issue 18): it must not come back by an import.
    from conftest import write_notebook

    notebook = write_notebook(
        tmp_path / "nb.ipynb", "cohort: int = None", "print('a report without numbers')"
    )
    out = _run(
        "import sys\nfrom aeeval.publish.build import warm_worker\n"
        "from aeeval.publish.report import prepare\nwarm_worker(1)\n"
        f"prepare({str(notebook)!r}, {{}}, out={str(tmp_path / 'out')!r})\n"
        "print(sorted(m for m in ('pandas', *"
        + repr(sorted(STATISTICS))
        + ") if m in sys.modules))"
    )
    assert out == "[]"
