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
"""

from __future__ import annotations

from pathlib import Path

from ...files import InputFileError, read_text
from ...paths import bundled_path

__all__ = ["contact_columns", "read_names", "register_names"]

_TABLE_SUFFIXES = (".csv", ".xlsx")


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
    from ...schemas import guess_schema, load_schema, read_table

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
        try:
            table = read_table(path, schema)
        except ValueError as exc:
            problems.append(
                f"{path.name}: the register could not be read for the names the gate "
                f"must look for: {str(exc).splitlines()[0]}"
            )
            continue
        for column in columns:
            names += [str(v).strip() for v in table[column].dropna() if str(v).strip()]
    return sorted(set(names)), problems
