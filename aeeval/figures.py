"""``figures.json``: every table a report published, with its numbers, read from the executed notebook.

:func:`aeeval.show` attaches each table's tidy numbers to its output (MIME type
:data:`aeeval.tables.TABLE_MIMETYPE`); here they are collected in notebook order. The document
holds no times or paths that change between runs, so the same inputs and parameters give the same
bytes (:func:`dumps`).
"""

from __future__ import annotations

import json

from .parameters import jsonable
from .tables import TABLE_MIMETYPE

__all__ = ["FiguresError", "collect_tables", "figures_document", "dumps"]


class FiguresError(ValueError):
    """The tables of a notebook cannot be collected (e.g. two tables share a name)."""


def collect_tables(nb) -> list[dict]:
    """The table payloads shown by an executed notebook, each with ``cell``: the execution count
    of the cell that showed it (``In [n]`` in the executed notebook).

    Raises :class:`FiguresError` if two tables share a ``name``: ``figures.json`` keys them by name.
    """
    tables, seen = [], {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIMETYPE)
            if payload is None:
                continue
            name = payload.get("name")
            count = cell.get("execution_count")
            if name in seen:
                raise FiguresError(f"two tables are named {name!r} (cells In [{seen[name]}] and "
                                   f"In [{count}]); give each ae.show(...) call its own name=")
            seen[name] = count
            tables.append({"cell": count, **payload})
    return tables


def figures_document(nb, *, notebook: str, parameters: dict) -> dict:
    """The ``figures.json`` document: notebook name, parameters and every published table."""
    return {"notebook": notebook, "parameters": jsonable(parameters), "tables": collect_tables(nb)}


def dumps(document: dict) -> str:
    """Serialise deterministically (sorted keys, no NaN)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
