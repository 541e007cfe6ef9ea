"""The disclosure gate's check of published tables (``figures.json``): small numbers and
identifiers in table cells.

A row whose base is below its table's ``min_base`` must be flagged ``suppressed`` and show no
value; no cell may hold an identifier.
"""

from __future__ import annotations

import re
from numbers import Real

from ..disclosure import VALUE_COLUMNS
from ..options import DEFAULT_MIN_BASE
from ..redaction import find_identifiers
from .text import check_value

__all__ = ["GATED_COLUMNS", "check_tables"]

#: Columns that must be blank in a row whose base is below ``min_base``.
GATED_COLUMNS = (*VALUE_COLUMNS, "positive", "n1", "estimate1", "n2", "estimate2", "difference",
                 "p_value", "p_holm", "p_benjamini_hochberg")
_BASE = re.compile(r"base\d?")


def _row_label(record: dict, columns: list[str], index: int, names=()) -> str:
    """Row as a reader finds it: its number in the table (1 = first row) and its label columns."""
    labels = [f"{c}={record[c]}" for c in columns  # short labels only; never repeat an identifier
              if isinstance(record.get(c), str) and c not in GATED_COLUMNS
              and len(record[c]) <= 40 and not find_identifiers(record[c], names)][:2]
    return f"row {index + 1}" + (f" ({', '.join(labels)})" if labels else "")


def check_tables(figures: dict, *, source: str = "figures.json", names=()) -> list[str]:
    """Findings in the tables of a ``figures.json`` document (empty when publishable).

    A table without ``min_base`` is held to the project default
    (:data:`aeeval.options.DEFAULT_MIN_BASE`): safe unless it says otherwise. Every cell is
    checked for identifiers and ``names`` whatever its type (:func:`aeeval.gate.text.check_value`).
    """
    findings = []
    for table in figures.get("tables", []):
        name = table.get("name")
        min_base = table.get("min_base") or DEFAULT_MIN_BASE
        columns = table.get("columns", [])
        bases = [c for c in columns if _BASE.fullmatch(c)]
        where = f"{source}: table '{name}' (cell In [{table.get('cell')}])"
        for i, record in enumerate(table.get("records", [])):
            row = _row_label(record, columns, i, names)
            for b in bases:
                value = record.get(b)
                if not isinstance(value, Real) or isinstance(value, bool) or not 1 <= value < min_base:
                    continue
                shown = [f"{c}={record[c]}" for c in GATED_COLUMNS if record.get(c) is not None]
                if not record.get("suppressed") or shown:
                    findings.append(
                        f"{where}, {row}: {b} {value} is below min_base {min_base} but the row is "
                        + ("not suppressed" if not record.get("suppressed") else "suppressed")
                        + (f" and shows {', '.join(shown)}" if shown else ""))
                break
            findings += check_value(record, f"{where}, {row}", names=names, key_word="column")
    return findings
