"""House rules for the committed notebooks."""

import ast

import nbformat
import pytest
from papermill.translators import PythonTranslator

from aeeval.paths import NOTEBOOKS

NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOK_PATHS


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_first_code_cell_is_parameters_and_every_line_parses(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assigned = [
        n for n in ast.parse(first.source).body if isinstance(n, (ast.Assign, ast.AnnAssign))
    ]
    parsed = PythonTranslator.inspect(first)
    # papermill silently skips lines it cannot parse ('=' or ';' in the comment): every one must parse.
    assert len(parsed) == len(assigned)
    for line in first.source.splitlines():
        assert "#" in line, f"parameter without a help comment: {line}"
        assert isinstance(ast.parse(line).body[0], ast.AnnAssign), (
            f"parameter without a type: {line}"
        )


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_no_function_or_class_definitions(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            assert not [
                n
                for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))
            ]
