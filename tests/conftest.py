import hashlib
import shutil
from pathlib import Path

import pytest

from aeeval.paths import EXAMPLES, PUBLIC_DATA, ROOT


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def public_data() -> Path:
    """The real public NHS data bundled in data/public (or the folder AEEVAL_PUBLIC_DATA names).
    They are always there: a missing folder is a failure, never a skip."""
    assert PUBLIC_DATA.is_dir(), f"the bundled real data are missing: {PUBLIC_DATA}"
    return PUBLIC_DATA


@pytest.fixture
def example_copy(tmp_path):
    """Copy of the example data folder that a test may break."""
    dest = tmp_path / "data"
    shutil.copytree(EXAMPLES, dest)
    return dest


def write_notebook(path: Path, parameters: str, *cells: str, title: str | None = None) -> Path:
    """A small notebook for tests: a tagged parameters cell, then code cells (Markdown when a cell
    starts with '#md ')."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    body = [new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    for cell in cells:
        body.append(new_markdown_cell(cell[4:]) if cell.startswith("#md ") else new_code_cell(cell))
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    if title:
        meta["aeeval"] = {"title": title}
    nbformat.write(new_notebook(cells=body, metadata=meta), str(path))
    return path


def aeeval_cli(*args, cwd=None, env=None):
    """Run the aeeval command line as a user does (a new process)."""
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "aeeval.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def pdftext(path) -> str:
    """The text of a PDF as poppler's pdftotext reads it (layout kept)."""
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
