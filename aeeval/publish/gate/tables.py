"""The disclosure gate's check of published tables (``figures.json``): small numbers and
identifiers in table cells.

Each table says what it counts — ``base_columns`` and ``rule`` (see :mod:`aeeval.disclosure`),
recorded by :func:`aeeval.show` — and the gate enforces it:

- ``"people"``: a row with a base (any base column, a number or a number stored as text) of 1 to
  ``min_base`` − 1 must be flagged ``suppressed``;
- ``"interviews"``: no percentage in a row whose base is below ``min_base``;
- ``"none"``: the table may have no column named like a base;
- every suppressed row shows no number outside its base, grouping and key columns (no ``pct``,
  interval, difference or count);
- across the tables of one report, a suppressed row cannot be worked out from a total: tables of
  the same ``measure`` with a grouping (``by``) and without it (the total), or a total row, are
  checked with :func:`aeeval.disclosure.exposed`.

A table recorded without a declaration (not through :func:`aeeval.show`) is held to the rule for
people, with the columns named like a base (``base``, ``base1``, ``*_base``, ``denominator``,
``responses``, ``respondents``). No cell may hold an identifier; a table's note is read for counts
like the report's text (:func:`aeeval.publish.gate.counts.count_findings`).
"""

from __future__ import annotations

import re
from numbers import Real

from ...disclosure import META_COLUMNS, VALUE_COLUMNS, exposed
from ...options import DEFAULT_MIN_BASE
from ...redaction import find_identifiers
from .counts import count_findings
from .text import check_value

__all__ = ["GATED_COLUMNS", "base_value", "check_tables"]

#: Columns that must be blank in a row whose base is below ``min_base`` (in a table that declares
#: nothing, the others are judged by :func:`_shows`).
GATED_COLUMNS = (
    *VALUE_COLUMNS,
    "positive",
    "n1",
    "estimate1",
    "n2",
    "estimate2",
    "difference",
    "p_value",
    "p_holm",
    "p_benjamini_hochberg",
)
_BASE = re.compile(
    r"base\d?|(?!min_base$|outside_base$)\w+_base|denominator|responses|respondents", re.IGNORECASE
)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d*)?")
_DERIVED_NAME = re.compile(r"(?i)(pct|percent|share|rate|proportion|ci_|n_|estimate|difference)")


def base_value(value) -> float | None:
    """A base as a number: a number, or text holding one ("4", " 12 ", "1,234"); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("\u202f", "").replace("\u00a0", "")
        if _NUMBER.fullmatch(text):
            return float(text)
    return None


def _shows(value) -> bool:
    """Does a cell show a number (a count, percentage, interval …)? Words and blanks do not."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, Real):
        return value == value  # NaN shows nothing
    return isinstance(value, str) and bool(re.search(r"\d", value))


def _row_label(record: dict, columns: list[str], index: int, names=()) -> str:
    """Row as a reader finds it: its number in the table (1 = first row) and its label columns."""
    labels = [
        f"{c}={record[c]}"
        for c in columns  # short labels only; never repeat an identifier
        if isinstance(record.get(c), str)
        and c not in GATED_COLUMNS
        and len(record[c]) <= 40
        and not find_identifiers(record[c], names)
    ][:2]
    return f"row {index + 1}" + (f" ({', '.join(labels)})" if labels else "")


def _declared(table: dict) -> dict:
    """What a table declares; a table recorded without a declaration is held to the rule for
    people with its columns named like a base."""
    columns = [str(c) for c in table.get("columns", [])]
    if table.get("rule") is None:
        return {
            "rule": "people",
            "base_columns": [c for c in columns if _BASE.fullmatch(c)],
            "by": [],
            "key_columns": None,
            "percent_columns": [],
            "declared": False,
        }
    return {
        "rule": table["rule"],
        "base_columns": list(table.get("base_columns") or []),
        "by": list(table.get("by") or []),
        "key_columns": list(table.get("key_columns") or []),
        "percent_columns": list(table.get("percent_columns") or []),
        "declared": True,
    }


def _derived_shown(record: dict, declared: dict) -> list[str]:
    """``column=value`` of every number a suppressed row still shows outside its base, grouping
    and key columns (in a table that declares nothing: in :data:`GATED_COLUMNS` and columns
    named like a percentage, interval or count)."""
    if declared["key_columns"] is None:
        return [
            f"{c}={v}"
            for c, v in record.items()
            if c not in declared["base_columns"]
            and ((c in GATED_COLUMNS and v is not None) or (_DERIVED_NAME.match(c) and _shows(v)))
        ]
    keep = (
        set(declared["base_columns"])
        | set(declared["by"])
        | set(declared["key_columns"])
        | set(META_COLUMNS)
    )
    return [f"{c}={v}" for c, v in record.items() if c not in keep and _shows(v)]


def check_tables(figures: dict, *, source: str = "figures.json", names=()) -> list[str]:
    """Findings in the tables of a ``figures.json`` document (empty when publishable).

    A table without ``min_base`` is held to the project default
    (:data:`aeeval.options.DEFAULT_MIN_BASE`): safe unless it says otherwise. Every cell is
    checked for identifiers and ``names`` whatever its type (:func:`aeeval.publish.gate.text.check_value`).
    """
    findings = []
    tables = figures.get("tables", [])
    for table in tables:
        name = table.get("name")
        min_base = table.get("min_base") or DEFAULT_MIN_BASE
        columns = [str(c) for c in table.get("columns", [])]
        declared = _declared(table)
        rule, bases = declared["rule"], declared["base_columns"]
        where = f"{source}: table '{name}' (cell In [{table.get('cell')}])"
        findings += _declaration_findings(where, declared, columns)
        for said in count_findings(table.get("note") or "", min_base):
            findings.append(f"{where}, note under the table: shows {said}")
        for i, record in enumerate(table.get("records", [])):
            row = _row_label(record, columns, i, names)
            values = {b: base_value(record.get(b)) for b in bases}
            small = [b for b, v in values.items() if v is not None and 1 <= v < min_base]
            suppressed = bool(record.get("suppressed"))
            if rule == "people" and small and not suppressed:
                b = small[0]
                shown = (
                    [f"{c}={record[c]}" for c in GATED_COLUMNS if record.get(c) is not None]
                    if not declared["declared"]
                    else _derived_shown(record, declared)
                )
                findings.append(
                    f"{where}, {row}: {b} {record.get(b)} is below min_base {min_base} "
                    "but the row is not suppressed"
                    + (f" and shows {', '.join(shown)}" if shown else "")
                )
            elif suppressed or (rule == "people" and small):
                shown = _derived_shown(record, declared)
                if shown:
                    why = (
                        (
                            f"{small[0]} {record.get(small[0])} is below min_base {min_base}, "
                            "the row is suppressed"
                        )
                        if small
                        else "the row is suppressed"
                    )
                    findings.append(f"{where}, {row}: {why} and shows {', '.join(shown)}")
            if rule == "interviews" and small:
                shown = [
                    f"{c}={record[c]}" for c in declared["percent_columns"] if _shows(record.get(c))
                ]
                if shown:
                    findings.append(
                        f"{where}, {row}: {small[0]} {record.get(small[0])} is below min_base "
                        f"{min_base}: a percentage of so few interviews may not be shown (the "
                        f"qualitative rule), but the row shows {', '.join(shown)}"
                    )
            findings += check_value(record, f"{where}, {row}", names=names, key_word="column")
    findings += _complementary(tables, source)
    return findings


def _declaration_findings(where: str, declared: dict, columns: list[str]) -> list[str]:
    rule, bases = declared["rule"], declared["base_columns"]
    if rule not in ("people", "interviews", "none"):
        return [f"{where}: unknown disclosure rule {rule!r} (people, interviews or none)"]
    out = [
        f"{where}: declares base column '{b}' but has no such column"
        for b in bases
        if b not in columns
    ]
    if rule == "none":
        named = [c for c in columns if _BASE.fullmatch(c)]
        if named:
            out.append(
                f"{where}: declares it holds no counts about people (rule 'none') but has "
                f"a base column {', '.join(named)}: declare its base and rule"
            )
    elif rule == "people" and declared["declared"] and not bases:
        out.append(f"{where}: declares rule 'people' but no base column")
    return out


def _match(record: dict, columns) -> tuple:
    return tuple(str(record.get(c)) for c in columns)


def _complementary(tables: list[dict], source: str) -> list[str]:
    """Suppressed rows that a published total gives away (complementary suppression).

    For each table with a grouping (``by``): its totals are the rows of every other table of the
    same ``measure`` whose ``by`` is a proper subset of it (usually none: the overall figure), and
    its own row whose grouping value is the declared ``total``. The siblings of a total are the
    grouped table's rows that agree with it on every column the two tables share as keys (and
    on the total's own grouping). When the total is shown, the hidden siblings must not be
    :func:`aeeval.disclosure.exposed`.
    """
    findings = []
    for grouped in tables:
        declared = _declared(grouped)
        by, bases = declared["by"], declared["base_columns"]
        if not declared["declared"] or not by or not bases or declared["rule"] != "people":
            continue
        base = bases[0]
        min_base = grouped.get("min_base") or DEFAULT_MIN_BASE
        keys = set(declared["key_columns"])
        records = grouped.get("records", [])
        totals = []  # (where the total is, its record, columns to match on, candidate rows)
        for other in tables:
            od = _declared(other)
            if (
                other is grouped
                or not od["declared"]
                or grouped.get("measure") is None
                or other.get("measure") != grouped.get("measure")
                or not set(od["by"]) < set(by)
            ):
                continue
            match = sorted((keys & set(od["key_columns"])) | set(od["by"]))
            for record in other.get("records", []):
                totals.append((f"table '{other.get('name')}'", record, match, records))
        total_value = grouped.get("total")
        if total_value is not None:
            rest = sorted(keys)
            for record in records:
                if any(str(record.get(b)) == str(total_value) for b in by):
                    siblings = [
                        r
                        for r in records
                        if r is not record
                        and not any(str(r.get(b)) == str(total_value) for b in by)
                    ]
                    totals.append((f"its total row ({total_value})", record, rest, siblings))
        seen = set()
        for place, total, match, candidates in totals:
            if total.get("suppressed"):
                continue
            siblings = [r for r in candidates if _match(r, match) == _match(total, match)]
            hidden = [r for r in siblings if r.get("suppressed")]
            hidden_bases = [base_value(r.get(base)) or 0 for r in hidden]
            key = (id(grouped), tuple(id(r) for r in hidden))
            if not hidden or key in seen or not exposed(hidden_bases, min_base):
                continue
            seen.add(key)
            rows = ", ".join(str(records.index(r) + 1) for r in hidden)
            findings.append(
                f"{source}: table '{grouped.get('name')}' (cell In [{grouped.get('cell')}]), "
                f"row(s) {rows}: suppressed, but {place} is published: the total minus the "
                f"other {', '.join(by)} groups gives away "
                + (
                    "the hidden row"
                    if len(hidden) == 1
                    else f"the hidden rows together (base {sum(hidden_bases):g}, below {min_base})"
                )
                + "; suppress more groups or do not publish the total"
            )
    return findings
