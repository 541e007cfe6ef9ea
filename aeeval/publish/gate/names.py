"""The names the disclosure gate looks for: the people in the register's contact columns, and a
list given to the run.

The gate learns the register from the files the report's kernel read (``inputs`` of
:func:`aeeval.publish.report.prepare`): each data table that follows a bundled schema
(:func:`aeeval.schemas.guess_schema`) with contact columns is read with
:func:`aeeval.schemas.read_table`, and every name in those columns is a name no published byte
may hold. A contact column is a field named ``contact…`` or one whose title or description says
"never published" (the register's ``contact_name``: "Programme lead (for redaction lists, never
published)"). A names list (``aeeval run --names FILE``, ``names:`` in a build config) is a text
file with one name a line; blank lines and lines starting with ``#`` are left out.

Names are matched as :func:`aeeval.redaction.find_identifiers` matches them (apostrophes,
accents and case folded) and never repeated in a message.

A batch's reports usually read one register: the names read from the last 16 registers are kept
with the SHA-256 of the bytes they were read from, and a register is read again only when its
bytes have changed (each report's gate still reads the whole file, to hash it).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from ...files import InputFileError, read_text
from ...paths import bundled_path

__all__ = ["contact_columns", "read_names", "register_names"]

_TABLE_SUFFIXES = (".csv", ".xlsx")
_KEPT = 16  # registers whose names are kept, by (path, schema, SHA-256 of the bytes read)
_kept: OrderedDict[tuple[str, str, str], tuple[tuple[str, ...], str | None]] = OrderedDict()
_kept_lock = threading.Lock()


def contact_columns(schema: dict) -> list[str]:
    """The fields of a Table Schema that name people who must never be published."""
    found = []
    for field in schema.get("fields", []):
        said = f"{field.get('title', '')} {field.get('description', '')}".lower()
        if field["name"].lower().startswith("contact") or "never published" in said:
            found.append(field["name"])
    return found


def read_names(path) -> list[str]:
    """The names in a names list: one a line (UTF-8), blank lines and ``#`` comments left out.

    Raises :class:`aeeval.files.InputFileError` (a ``ValueError``) naming the file when it
    cannot be read.
    """
    try:
        text = read_text(path)  # names the file: missing, a pipe, not UTF-8
    except InputFileError as exc:
        raise InputFileError(f"names list {exc}") from None
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def register_names(inputs) -> tuple[list[str], list[str]]:
    """The names in the contact columns of every register-like table among ``inputs``.

    ``inputs``: paths, or ``{"path": …}`` records as :func:`aeeval.publish.provenance.describe_inputs`
    gives them (a bundled file relative, as :func:`aeeval.paths.display_path` shows it).
    Returns ``(names, problems)``:
    a table whose schema has contact columns but that cannot be read is a problem (the gate fails
    rather than publish without its names); other files are not tables and are left alone.
    """
    from ...schemas import guess_schema, load_schema

    names, problems = [], []
    for item in inputs:
        path = bundled_path(item["path"]) if isinstance(item, dict) else Path(item)
        if isinstance(item, dict) and item.get("kind") == "definition":
            continue
        if path.suffix.lower() not in _TABLE_SUFFIXES or not path.is_file():
            continue
        try:
            schema = load_schema(guess_schema(path))
        except ValueError:
            continue  # not a table of a bundled schema
        columns = contact_columns(schema)
        if not columns:
            continue
        found, problem = _contact_names(path, schema, columns)
        if problem:
            problems.append(problem)
        names += found
    return sorted(set(names)), problems


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # read_table says why


def _contact_names(
    path: Path, schema: dict, columns: list[str]
) -> tuple[tuple[str, ...], str | None]:
    """The names in ``columns`` of the register at ``path``, or why it cannot be read; kept
    (see the module's description) when the file's bytes are the same before and after."""
    before = _sha256(path)
    key = (str(path), schema["name"], before)
    with _kept_lock:
        if before is not None and key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    from ...schemas import read_table

    try:
        table = read_table(path, schema)
    except ValueError as exc:
        found: tuple[tuple[str, ...], str | None] = (
            (),
            f"{path.name}: the register could not be read for the names the gate "
            f"must look for: {str(exc).splitlines()[0]}",
        )
    else:
        found = (
            tuple(
                str(v).strip()
                for column in columns
                for v in table[column].dropna()
                if str(v).strip()
            ),
            None,
        )
    if before is not None and _sha256(path) == before:  # not changed while it was read
        with _kept_lock:
            _kept[key] = found
            _kept.move_to_end(key)
            while len(_kept) > _KEPT:
                _kept.popitem(last=False)
    return found
