"""Read input tables and validate every row against a Frictionless Table Schema.

One function reads every input table: :func:`read_table`. It accepts CSV (UTF-8, UTF-8 with a byte
order mark, or Windows-1252 as Excel writes it) and XLSX, checks the header and every cell against a
Table Schema JSON file in ``data/schemas/``, and returns a typed :class:`pandas.DataFrame` (nullable
integers, floats, dates, ordered categoricals). Every problem is collected — not just the first — and
reported with the file, the row number as the user sees it in a spreadsheet (the header is row 1),
the column, the offending value and the rule.

The supported Table Schema subset: field types ``string``, ``integer``, ``number``, ``boolean``,
``date``, ``datetime`` and ``year``; constraints ``required``, ``unique``, ``enum``, ``minimum``,
``maximum``, ``minLength``, ``maxLength`` and ``pattern``; ``categories`` with ``categoriesOrdered``
(Table Schema v2), ``missingValues`` and ``primaryKey``. Two project extensions:
``"aeeval:checks"`` holds row-wise comparisons between two fields, e.g.
``{"left": "numerator", "op": "<=", "right": "denominator"}``; a field marked
``"aeeval:optional": true`` may be left out of a file (its values are then all missing).
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import AeevalError
from .files import InputFileError, file_problem, printable, read_text
from .paths import SCHEMAS

__all__ = [
    "Problem",
    "ValidationError",
    "list_schemas",
    "load_schema",
    "read_cells",
    "read_records",
    "read_table",
    "validate_table",
    "guess_schema",
]

_MAX_SHOWN = 200  # problems listed in an exception message; all are kept on the exception
#: The longest cell read, in characters: Excel's own limit for one cell. A longer cell is a problem
#: naming its row and column (in a CSV file most often an unclosed quote running on to the end).
MAX_CELL_CHARS = 32_767
_SHOWN_VALUE_CHARS = 80  # a longer value is shortened in a message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as a person would look for it."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        """One line; every control character in it escaped (a file's ANSI escapes or carriage
        returns never reach the terminal), a long value shortened."""
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            value = self.value
            if len(value) > _SHOWN_VALUE_CHARS:
                value = f"{value[:_SHOWN_VALUE_CHARS]}… ({len(value):,} characters)"
            where.append(f"value '{value}'")
        return printable(f"{', '.join(where)}: {self.message} [rule: {self.rule}]")


class RowNumbers(tuple):
    """The spreadsheet row of each record, kept in ``attrs["rows"]`` by :func:`read_table`.

    Immutable, so it is shared rather than copied: pandas deep-copies ``attrs`` on every operation,
    and a list of one int per record made that the slowest step of loading a large table.
    """

    __slots__ = ()

    def __deepcopy__(self, memo):
        return self


class ValidationError(AeevalError, ValueError):
    """An input table broke its schema. ``problems`` holds every :class:`Problem` found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:_MAX_SHOWN])
        more = len(self.problems) - _MAX_SHOWN
        tail = f"\n  … and {more} more" if more > 0 else ""
        files = sorted({p.file for p in self.problems})
        super().__init__(
            f"{len(self.problems)} problem(s) in {printable(', '.join(files))}:\n{shown}{tail}"
        )


# --------------------------------------------------------------------------------------- schemas


def list_schemas() -> list[str]:
    """Names of the bundled table schemas (``data/schemas/<name>.schema.json``)."""
    return sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))


def load_schema(schema: str | Path | dict) -> dict:
    """Return a Table Schema as a dict.

    Parameters
    ----------
    schema : str, Path or dict
        A bundled schema name (``"register"``), a path to a ``.json`` file, or a schema dict.
    """
    if isinstance(schema, dict):
        return schema
    return _load_schema_cached(str(schema))


@lru_cache(maxsize=64)
def _load_schema_cached(schema: str) -> dict:
    path = Path(schema)
    if not path.suffix:
        path = SCHEMAS / f"{schema}.schema.json"
        if not path.exists():
            raise ValueError(
                f"unknown schema '{schema}': choose one of {', '.join(list_schemas())} "
                f"or give a path to a Table Schema JSON file"
            )
    try:
        descriptor = json.loads(read_text(path))
    except InputFileError as exc:
        raise ValueError(f"schema file {exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"schema file {printable(path)} is not valid JSON: {exc}") from None
    if (
        not isinstance(descriptor, dict)
        or not isinstance(descriptor.get("fields"), list)
        or not descriptor["fields"]
    ):
        raise ValueError(f"schema file {printable(path)} has no 'fields' list")
    descriptor.setdefault("name", path.name.removesuffix(".schema.json"))
    return descriptor


def guess_schema(path: str | Path) -> str:
    """Pick the bundled schema for a file: by file name first, then by an exact header match."""
    path = Path(path)
    names = list_schemas()
    stem = path.stem.lower()
    by_name = [
        n for n in names if stem == n or stem.startswith(n + "_") or stem.startswith(n + "-")
    ]
    if len(by_name) == 1:
        return by_name[0]
    unreadable = None
    try:
        header = {h.strip() for h in read_cells(path)[0][0]}
    except ValidationError as exc:
        header, unreadable = set(), exc.problems[0]
    except IndexError:
        header = set()
    by_header = [n for n in names if {f["name"] for f in load_schema(n)["fields"]} == header]
    if len(by_header) == 1:
        return by_header[0]
    if unreadable:
        raise ValueError(printable(f"{path}: {unreadable.message}"))
    raise ValueError(
        f"{printable(path)}: cannot tell which schema this file follows; pass --schema NAME "
        f"(one of {', '.join(names)})"
    )


# --------------------------------------------------------------------------------------- reading


_ENCODING_ADVICE = "save the file from Excel as 'CSV UTF-8 (Comma delimited)'"


def _csv_rows(text: str) -> list[list[str]]:
    """Records of CSV ``text``. A cell may be as long as the text (the csv module's own limit,
    131,072 characters, would make a long cell an error without a row or column); cells longer
    than :data:`MAX_CELL_CHARS` are reported by :func:`_long_cells`."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)


def _column_label(
    header: list[str], j: int, row: int, header_row: int, letter: bool = False
) -> str:
    """Column ``j`` (0-based) of spreadsheet row ``row`` as a person finds it: its header name,
    else its number (or XLSX letter)."""
    if row > header_row and j < len(header) and header[j].strip():
        return header[j].strip()
    if letter:
        from openpyxl.utils import get_column_letter

        return f"column {get_column_letter(j + 1)}"
    return f"column {j + 1}"


def _bad_byte_cells(text: str, name: str, message: str) -> list[Problem]:
    """Cells of leniently decoded ``text`` holding U+FFFD, each as a Problem (row as a spreadsheet
    numbers it, column named by the header)."""
    rows = _csv_rows(text)
    header = rows[0] if rows else []
    problems = []
    for i, rec in enumerate(rows, start=1):
        for j, cell in enumerate(rec):
            if "\ufffd" in cell:
                problems.append(
                    Problem(name, i, _column_label(header, j, i, 1), cell, "encoding", message)
                )
    return problems


def _long_cells(
    records: list[list[str]], row_numbers: list[int], name: str, letter: bool = False
) -> list[Problem]:
    """A Problem for each cell longer than :data:`MAX_CELL_CHARS`."""
    problems = []
    for rec, rown in zip(records, row_numbers):
        if max(map(len, rec), default=0) <= MAX_CELL_CHARS:
            continue
        for j, cell in enumerate(rec):
            if len(cell) > MAX_CELL_CHARS:
                hint = (
                    " (an unclosed quote runs on to here?)" if not letter and "\n" in cell else ""
                )
                problems.append(
                    Problem(
                        name,
                        rown,
                        _column_label(records[0], j, rown, row_numbers[0], letter),
                        cell,
                        "cell-length",
                        f"cell holds {len(cell):,} characters, more than the "
                        f"{MAX_CELL_CHARS:,} a cell may hold{hint}",
                    )
                )
    return problems


def _decode(raw: bytes, name: str) -> str:
    """Bytes of a CSV file → text: UTF-8 (with or without BOM), else Windows-1252 as Excel writes
    it. Anything else — UTF-16, a workbook saved under a ``.csv`` name, a file mixing UTF-8 with
    another encoding, bytes undefined in Windows-1252 — is an ``encoding`` problem naming every
    cell it affects."""

    def whole_file(message: str) -> ValidationError:
        return ValidationError([Problem(name, None, None, None, "encoding", message)])

    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise whole_file(
            "file is UTF-16 (Excel 'Unicode Text'); save it as 'CSV UTF-8' or plain CSV instead"
        )
    if raw.startswith(b"PK\x03\x04"):
        raise whole_file("file is an Excel workbook (XLSX), not CSV text: rename it to .xlsx")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise whole_file(
            "file is an old Excel 97-2003 workbook (.xls), not CSV text: "
            "save it as .xlsx or 'CSV UTF-8'"
        )
    if b"\x00" in raw:
        raise whole_file(
            "file holds NUL bytes: it is UTF-16 text without a byte-order mark or not a "
            f"text file at all; {_ENCODING_ADVICE}"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8", errors="replace")
    if any(ord(c) > 127 and c != "\ufffd" for c in lenient):
        # Valid UTF-8 characters and invalid bytes together: decoding it all as Windows-1252 would
        # silently turn the UTF-8 characters into mojibake (é → Ã©).
        problems = _bad_byte_cells(
            lenient,
            name,
            (
                "is not UTF-8 while the rest of the file is (the file mixes two encodings; "
                f"undecodable bytes shown as \ufffd): {_ENCODING_ADVICE}"
            ),
        )
        raise ValidationError(
            problems
            or [
                Problem(
                    name, None, None, None, "encoding", "file mixes UTF-8 with another encoding"
                )
            ]
        )
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        pass
    problems = _bad_byte_cells(
        raw.decode("cp1252", errors="replace"),
        name,
        (
            "holds bytes that are neither UTF-8 nor Windows-1252 text (shown as \ufffd): "
            + _ENCODING_ADVICE
        ),
    )
    raise ValidationError(
        problems
        or [
            Problem(
                name, None, None, None, "encoding", "file is neither UTF-8 nor Windows-1252 text"
            )
        ]
    )


def _excel_text(value) -> str:
    """Spreadsheet cell → the text a person sees in it (dates as ISO, 3.0 as 3)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_cells(path: Path, sheet: str | int | None = None) -> tuple[list[list[str]], list[int]]:
    """Read a CSV or XLSX file as text cells, before any schema is applied.

    The one reader of the project's tables: :func:`read_table` and the Staff Survey readers use it,
    so that every file gets the same checks and the same row numbers.

    Parameters
    ----------
    path : pathlib.Path
        A ``.csv`` file (UTF-8, UTF-8 with BOM or Windows-1252) or an ``.xlsx`` / ``.xlsm``
        workbook. Only a regular file is opened: a named pipe (which would block), a device or a
        socket is a ``file`` problem.
    sheet : str or int, optional
        The workbook sheet (name or 0-based position; default the first). Ignored for CSV.

    Returns
    -------
    records : list of list of str
        Every row as text cells; ``records[0]`` is the header.
    rows : list of int
        Each record's row number as a spreadsheet shows it (1 for the header of a plain file).

    Raises
    ------
    ValidationError
        The file cannot be opened or decoded, is empty, or has an over-long cell.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> records, rows = read_cells(EXAMPLES / "register.csv")
    >>> records[0][:2], rows[:2]
    (['org_code', 'org_name'], [1, 2])
    """
    name = str(path)
    reason = file_problem(path)
    if reason is not None:
        raise ValidationError([Problem(name, None, None, None, "file", reason)])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        records, numbers = _read_xlsx(path, sheet)
    else:
        records, numbers = _read_csv(path)
    long = _long_cells(records, numbers, name, letter=path.suffix.lower() in (".xlsx", ".xlsm"))
    if long:
        raise ValidationError(long)
    return records, numbers


def _read_csv(path: Path) -> tuple[list[list[str]], list[int]]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            [Problem(name, None, None, None, "file", f"cannot be read ({exc.strerror or exc})")]
        ) from None
    if not raw.strip(b" \r\n\t\xef\xbb\xbf"):
        raise ValidationError([Problem(name, None, None, None, "empty", "file is empty")])
    text = _decode(raw, name)
    try:
        rows = _csv_rows(text)
    except csv.Error as exc:
        raise ValidationError(
            [Problem(name, None, None, None, "csv", f"not readable as CSV: {exc}")]
        ) from None
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    records = [r for _, r in numbered]
    if records:
        # Excel writes a trailing comma per formatted-but-empty column: blank header cells at the
        # end with nothing under them are formatting, as trailing blank cells are in XLSX.
        width = len(records[0])
        while (
            width
            and not records[0][width - 1].strip()
            and not any(len(r) >= width and r[width - 1].strip() for r in records[1:])
        ):
            width -= 1
        records[0] = records[0][:width]
    return records, [i for i, _ in numbered]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(archive, title: str) -> str:
    """The path inside an XLSX archive of the worksheet named ``title`` (via the package's
    relationships, as Excel resolves it)."""
    import posixpath
    from xml.etree import ElementTree

    def relationships(part: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(part)
        tree = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", base + ".rels")))
        found = {}
        for rel in tree.iter():
            if _local(rel.tag) == "Relationship":
                target = rel.get("Target", "")
                target = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                found[rel.get("Id")] = (rel.get("Type", ""), target)
        return found

    workbook = next(t for kind, t in relationships("").values() if kind.endswith("/officeDocument"))
    sheets = relationships(workbook)
    for el in ElementTree.fromstring(archive.read(workbook)).iter():
        if _local(el.tag) == "sheet" and el.get("name") == title:
            rid = next(v for k, v in el.attrib.items() if _local(k) == "id")
            return sheets[rid][1]
    raise KeyError(title)


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _scan_sheet(path: Path, title: str) -> tuple[dict[int, int], list[tuple[int, int, str]]]:
    """Read a worksheet's XML once, keeping nothing but: each row holding data with its last
    column holding data (a value, inline text or a formula — not a style, and not what the
    sheet's ``<dimension>`` claims), and every formula saved without a value, as
    ``(row, column, formula)``."""
    import zipfile
    from xml.etree import ElementTree

    from openpyxl.utils import column_index_from_string

    row_ends: dict[int, int] = {}
    no_value = []
    with zipfile.ZipFile(path) as archive, archive.open(_sheet_part(archive, title)) as xml:
        row = col = 0
        sheet_data = None
        for event, el in ElementTree.iterparse(xml, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "sheetData":
                    sheet_data = el
                elif tag == "row":
                    row = int(el.get("r") or row + 1)
                    col = 0
                continue
            if tag == "c":
                ref = _CELL_REF.fullmatch(el.get("r") or "")
                if ref:
                    col, row = column_index_from_string(ref.group(1).upper()), int(ref.group(2))
                else:
                    col += 1
                formula = value = inline = None
                for child in el:
                    kind = _local(child.tag)
                    if kind == "f":
                        formula = child
                    elif kind == "v":
                        value = child.text
                    elif kind == "is":
                        inline = child
                if formula is not None and not value and el.get("t") != "str":
                    # A formula's cached value is what a spreadsheet shows; without one (written
                    # by a program that does not calculate) the cell would silently read blank.
                    no_value.append((row, col, "=" + (formula.text or "")))
                if formula is not None or value or inline is not None:
                    row_ends[row] = max(row_ends.get(row, 0), col)
                el.clear()
            elif tag == "row" and sheet_data is not None:
                sheet_data.remove(el)  # keep memory flat however many rows the sheet has
    return row_ends, no_value


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[list[list[str]], list[int]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    name = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise ValidationError(
            [Problem(name, None, None, None, "file", f"cannot be read ({exc.strerror or exc})")]
        ) from None
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        with open(path, "rb") as fh:
            start = fh.read(4096)
        hint = ""
        if start.startswith(b"\xd0\xcf\x11\xe0"):
            hint = ": it is an old Excel 97-2003 (.xls) workbook; save it as .xlsx"
        elif start and b"\x00" not in start:
            hint = ": it looks like text (CSV); rename it to .csv"
        raise ValidationError(
            [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "xlsx",
                    f"not a readable XLSX workbook ({type(exc).__name__}: {exc}){hint}",
                )
            ]
        ) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            ws = wb.worksheets[sheet]
        else:
            if sheet not in wb.sheetnames:
                raise ValidationError(
                    [
                        Problem(
                            name,
                            None,
                            None,
                            sheet,
                            "sheet",
                            f"no sheet named '{sheet}' (sheets: {', '.join(wb.sheetnames)})",
                        )
                    ]
                )
            ws = wb[sheet]
        try:
            row_ends, no_value = _scan_sheet(path, ws.title)
        except Exception as exc:  # a part missing or malformed: the archive is broken
            raise ValidationError(
                [
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        "xlsx",
                        f"not a readable XLSX workbook: sheet '{ws.title}' "
                        f"({type(exc).__name__}: {exc})",
                    )
                ]
            ) from None
        numbered = []
        if row_ends:  # read only the cells holding data: a styled cell at XFD1048576 is not data
            rows = ws.iter_rows(
                min_row=1,
                max_row=max(row_ends),
                min_col=1,
                max_col=max(row_ends.values()),
                values_only=True,
            )
            for i, values in enumerate(rows, start=1):
                end = row_ends.get(i)
                if end is None:  # a row without data (openpyxl gives the same empty tuple)
                    continue
                cells = [_excel_text(v) for v in values[:end]]
                if any(c.strip() for c in cells):
                    numbered.append((i, cells))
    finally:
        wb.close()
    if no_value:
        header, header_row = (numbered[0][1], numbered[0][0]) if numbered else ([], 0)
        raise ValidationError(
            [
                Problem(
                    name,
                    r,
                    _column_label(header, c - 1, r, header_row, letter=True),
                    formula,
                    "formula-without-value",
                    f"sheet '{ws.title}', cell {get_column_letter(c)}{r}: a formula saved without its "
                    "value (the program that wrote the file does not calculate formulas), so it would "
                    "read as blank: open and save the workbook in Excel or LibreOffice, or paste values",
                )
                for r, c, formula in no_value
            ]
        )
    if not numbered:
        raise ValidationError([Problem(name, None, None, None, "empty", "workbook sheet is empty")])
    records = []
    for _, cells in numbered:  # trailing blank cells are formatting, not data
        while cells and not cells[-1].strip():
            cells = cells[:-1]
        records.append(cells)
    return records, [i for i, _ in numbered]


# ------------------------------------------------------------------------------------ validation

_INT_RE = re.compile(r"^[+-]?\d+$")
_GROUPED_INT_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_INT64_DIGITS = 18  # every whole number of up to 18 digits fits an int64
_OPS = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}


def _column_problems(
    header: list[str], expected: list[str], name: str, row: int, optional=frozenset()
) -> list[Problem]:
    """Duplicate, extra and missing columns of one header row (``optional`` columns may be missing)."""
    seen = [h.strip() for h in header]
    problems = []
    for h in sorted({h for h in seen if seen.count(h) > 1 and h}):
        problems.append(
            Problem(
                name,
                row,
                h,
                None,
                "duplicate-column",
                "column name appears more than once in the header",
            )
        )
    lower = {e.lower(): e for e in expected}
    for h in seen:
        if h not in expected:
            hint = f" (did you mean '{lower[h.lower()]}'?)" if h.lower() in lower else ""
            problems.append(
                Problem(
                    name,
                    row,
                    h or "(blank)",
                    None,
                    "extra-column",
                    f"column is not in the schema{hint}; expected columns: {', '.join(expected)}",
                )
            )
    for e in expected:
        if e not in seen and e not in optional:
            problems.append(
                Problem(
                    name, row, e, None, "missing-column", "column required by the schema is missing"
                )
            )
    return problems


_HEADER_SEARCH_ROWS = 10  # rows below the first searched for a header under a title


def _check_header(
    header: list[str],
    fields: list[dict],
    name: str,
    header_row: int,
    records: list[list[str]],
    row_numbers: list[int],
) -> list[Problem]:
    expected = [f["name"] for f in fields]
    optional = {f["name"] for f in fields if f.get("aeeval:optional")}
    seen = {h.strip() for h in header}
    if not set(expected) & seen:
        # Header not on the first row at all: a title row above it, as report-style exports have.
        # Take the first row below holding at least half of the schema's columns.
        need = max(1, (len(expected) + 1) // 2)
        for rec, rown in zip(
            records[1 : _HEADER_SEARCH_ROWS + 1], row_numbers[1 : _HEADER_SEARCH_ROWS + 1]
        ):
            if len(set(expected) & {c.strip() for c in rec}) >= need:
                first = Problem(
                    name,
                    rown,
                    None,
                    None,
                    "header-row",
                    f"the header is on row {rown}, not row 1: delete the "
                    f"{rown - 1} row(s) above it",
                )
                return [first] + _column_problems(rec, expected, name, rown, optional)
    if not {e.casefold() for e in expected} & {h.casefold() for h in seen}:
        # Not one column in common, even ignoring case: a different kind of table, not a table
        # with column problems.
        found = ", ".join(h.strip() or "(blank)" for h in header)
        return [
            Problem(
                name,
                header_row,
                None,
                None,
                "header",
                f"none of the schema's columns ({', '.join(expected)}) is in the header "
                f"(found: {found}): a different kind of table, or the wrong --schema?",
            )
        ]
    problems = []
    if header_row != 1:
        problems.append(
            Problem(
                name,
                header_row,
                None,
                None,
                "header-row",
                f"the header is on row {header_row}, not row 1: delete the rows above it",
            )
        )
    return problems + _column_problems(header, expected, name, header_row, optional)


def _cast(field: dict, text: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Cast stripped text to the field type. Returns (values, bad mask, rule description)."""
    ftype = field.get("type", "string")
    present = text.notna()
    if ftype in ("integer", "year"):
        # Thousands separators (1,234) are dropped for a count as for a number; 1,5 stays an
        # error. inf, nan and 1e999 are not whole numbers, nor is one too long for an int64.
        if ftype == "integer":
            grouped = text.str.fullmatch(_GROUPED_INT_RE.pattern).fillna(False).astype(bool)
            text = text.where(~grouped, text.str.replace(",", "", regex=False))
        ok = text.str.fullmatch(_INT_RE.pattern).fillna(False).astype(bool)
        ok &= text.str.lstrip("+-").str.len().le(_INT64_DIGITS).fillna(False).astype(bool)
        values = pd.Series(pd.NA, index=text.index, dtype="Int64")
        values[ok] = text[ok].astype("int64")
        return values, present & ~ok, "whole number"
    if ftype == "number":
        # Thousands separators as Excel shows them (1,234.5) are dropped; any other comma (a
        # decimal comma, 1,5) makes the cell invalid rather than silently ten times larger.
        grouped = text.str.fullmatch(_GROUPED_RE.pattern).fillna(False).astype(bool)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
        num = pd.to_numeric(text, errors="coerce")
        # A number is finite: inf, -inf, nan, NaN, Infinity and 1e999 (which overflows to inf)
        # are errors, not values that would turn every total and rate into inf or nan.
        finite = pd.Series(
            np.isfinite(num.to_numpy(dtype=float, na_value=np.nan)), index=text.index
        )
        num = num.where(finite)
        return num.astype("Float64"), present & num.isna(), "a finite number"
    if ftype == "boolean":
        true_values = field.get("trueValues", ["true", "True", "TRUE", "1", "yes", "Yes"])
        false_values = field.get("falseValues", ["false", "False", "FALSE", "0", "no", "No"])
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[text.isin(true_values)] = True
        values[text.isin(false_values)] = False
        return values, present & values.isna(), f"one of {true_values + false_values}"
    if ftype in ("date", "datetime"):
        fmt = field.get("format", "default")
        if fmt == "default":
            fmt = "%Y-%m-%d" if ftype == "date" else "ISO8601"
            rule = "ISO date YYYY-MM-DD" if ftype == "date" else "ISO 8601 date-time"
        elif fmt == "any":
            rule = "a date (YYYY-MM-DD or DD/MM/YYYY)"
        else:
            rule = f"a date in the form {fmt}"
        if fmt == "any":
            iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
            uk = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
            values = iso.fillna(uk)
        else:
            values = pd.to_datetime(text, format=fmt, errors="coerce")
        if ftype == "date":
            values = values.dt.normalize()
        return values, present & values.isna(), rule
    return text, pd.Series(False, index=text.index), "text"


def _field_problems(
    field: dict, raw: pd.Series, rows: pd.Series, name: str, missing_values: list[str]
) -> tuple[pd.Series, list[Problem]]:
    col = field["name"]
    ftype = field.get("type", "string")
    cons = field.get("constraints", {})
    stripped = raw.str.strip()
    is_missing = stripped.isin(missing_values) | raw.isin(missing_values)
    text = (raw if ftype == "string" else stripped).where(~is_missing)
    problems: list[Problem] = []

    def add(mask: pd.Series, rule: str, message) -> None:
        for idx in np.flatnonzero(mask.to_numpy(dtype=bool)):
            value = raw.iloc[idx]
            msg = message(value) if callable(message) else message
            problems.append(Problem(name, int(rows.iloc[idx]), col, value, rule, msg))

    if cons.get("required"):
        add(is_missing, "required", "required value is blank")
    values, bad, type_rule = _cast(field, text)
    add(bad, f"type:{ftype}", f"is not a valid {ftype} (expected {type_rule})")
    ok = values.notna() & ~bad
    if "enum" in cons:
        allowed = cons["enum"]
        add(
            ok & ~values.isin(allowed),
            "enum",
            f"is not one of the allowed values: {', '.join(map(str, allowed))}",
        )
    categories = field.get("categories")
    if categories is not None:
        cats = [c["value"] if isinstance(c, dict) else c for c in categories]
        add(
            ok & ~values.isin(cats),
            "categories",
            f"unknown category; allowed: {', '.join(map(str, cats))}",
        )
    if "pattern" in cons:
        matched = text.str.fullmatch(cons["pattern"]).fillna(False).astype(bool)
        add(ok & ~matched, "pattern", f"does not match the pattern {cons['pattern']}")
    for key, op, word in (
        ("minimum", operator.lt, "below the minimum"),
        ("maximum", operator.gt, "above the maximum"),
    ):
        if key in cons:
            limit = cons[key]
            if ftype in ("date", "datetime"):
                limit = pd.Timestamp(limit)
            with np.errstate(invalid="ignore"):
                mask = ok & op(values, limit).fillna(False).astype(bool)
            add(mask, key, f"is {word} {cons[key]}")
    for key, op, word in (
        ("minLength", operator.lt, "shorter than"),
        ("maxLength", operator.gt, "longer than"),
    ):
        if key in cons:
            add(
                ok & op(text.str.len(), cons[key]).fillna(False).astype(bool),
                key,
                f"is {word} {cons[key]} characters",
            )
    if cons.get("unique"):
        dup = ok & values.duplicated(keep=False) & values.notna()
        first_row = {}
        for idx in np.flatnonzero(dup.to_numpy(dtype=bool)):
            first_row.setdefault(values.iloc[idx], int(rows.iloc[idx]))
        add(
            dup & values.duplicated(keep="first"),
            "unique",
            lambda v: f"value must be unique but also appears on row {first_row.get(v, '?')}",
        )
    if categories is not None:
        cats = [c["value"] if isinstance(c, dict) else c for c in categories]
        dtype = pd.CategoricalDtype(cats, ordered=bool(field.get("categoriesOrdered", False)))
        values = values.where(values.isin(cats)).astype(dtype)
    return values.where(~bad), problems


def _validate(
    records: list[list[str]], row_numbers: list[int], schema: dict, name: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    fields = schema["fields"]
    header = [h.strip() for h in records[0]]
    problems = _check_header(records[0], fields, name, row_numbers[0], records, row_numbers)
    if problems:
        return None, problems
    body = records[1:]
    if not body:
        return None, [
            Problem(name, None, None, None, "empty", "file has a header but no data rows")
        ]
    width = len(header)
    workbook = name.lower().endswith((".xlsx", ".xlsm"))
    for rec, rown in zip(body, row_numbers[1:]):
        if len(rec) > width and any(c.strip() for c in rec[width:]):
            if workbook:
                from openpyxl.utils import get_column_letter

                j = next(j for j in range(width, len(rec)) if rec[j].strip())
                hint = (
                    f"a value in cell {get_column_letter(j + 1)}{rown}, right of the "
                    "table's last column"
                )
            else:
                hint = "a comma inside an unquoted value?"
            problems.append(
                Problem(
                    name,
                    rown,
                    None,
                    None,
                    "row-length",
                    f"row has {len(rec)} cells but the header has {width}: {hint}",
                )
            )
    if problems:
        return None, problems
    body = [r[:width] + [""] * (width - len(r)) for r in body]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    for field in fields:  # an optional column the file lacks: every value missing
        if field["name"] not in frame.columns:
            frame[field["name"]] = ""
    rows = pd.Series(row_numbers[1:], dtype="int64")
    missing_values = schema.get("missingValues", [""])
    out = {}
    for field in fields:
        values, field_problems = _field_problems(
            field, frame[field["name"]].astype(object), rows, name, missing_values
        )
        out[field["name"]] = values
        problems.extend(field_problems)
    typed = pd.DataFrame(out)
    key = schema.get("primaryKey")
    if key:
        key = [key] if isinstance(key, str) else list(key)
        complete = typed[key].notna().all(axis=1)
        dup = typed[key].duplicated(keep="first") & complete
        first = {}
        for idx, k in enumerate(map(tuple, typed[key].astype(object).to_numpy())):
            first.setdefault(k, int(rows.iloc[idx]))
        for idx in np.flatnonzero(dup.to_numpy()):
            k = tuple(typed[key].astype(object).iloc[idx])
            # The key as typed in the file (not as parsed: no "00:00:00" on dates).
            raw_key = [str(frame[c].iloc[idx]).strip() for c in key]
            shown = (
                raw_key[0] if len(key) == 1 else ", ".join(f"{c}={v}" for c, v in zip(key, raw_key))
            )
            problems.append(
                Problem(
                    name,
                    int(rows.iloc[idx]),
                    ", ".join(key),
                    shown,
                    "primary-key",
                    f"duplicate key: the same {', '.join(key)} is on row {first[k]}",
                )
            )
    flagged = {(p.row, p.column) for p in problems}
    for check in schema.get("aeeval:checks", []):
        left, right, op = check["left"], check["right"], check["op"]
        # Compare only cells that passed their own rules: one problem per cause.
        clean = pd.Series(
            [(r, left) not in flagged and (r, right) not in flagged for r in rows],
            index=typed.index,
        )
        both = typed[left].notna() & typed[right].notna() & clean
        with np.errstate(invalid="ignore"):
            holds = _OPS[op](typed[left], typed[right]).fillna(True).astype(bool)
        for idx in np.flatnonzero((both & ~holds).to_numpy()):
            problems.append(
                Problem(
                    name,
                    int(rows.iloc[idx]),
                    left,
                    str(frame[left].iloc[idx]),
                    f"check:{left}{op}{right}",
                    f"{left} must be {op} {right} (which is {frame[right].iloc[idx]})",
                )
            )
    problems.sort(
        key=lambda p: (
            p.row or 0,
            [f["name"] for f in fields].index(p.column)
            if p.column in {f["name"] for f in fields}
            else -1,
        )
    )
    typed.attrs["source"] = name
    typed.attrs["rows"] = RowNumbers(int(r) for r in rows)  # spreadsheet row of each record
    typed.attrs["schema"] = schema.get("name")
    return typed, problems


def validate_table(
    path: str | Path, schema: str | Path | dict, *, sheet: str | int | None = None
) -> list[Problem]:
    """Return every :class:`Problem` in a file (an empty list when it is valid). Never raises for
    a bad file; raises ``ValueError`` for an unknown schema.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from aeeval.paths import EXAMPLES
    >>> validate_table(EXAMPLES / "register.csv", "register")
    []
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     bad = Path(folder, "register.csv")
    ...     _ = bad.write_text("org_code,cohort\\nRXX,two\\n", encoding="utf-8")
    ...     problems = validate_table(bad, "register")
    >>> problems[0].row, problems[0].column, problems[0].rule
    (1, 'org_name', 'missing-column')
    """
    descriptor = load_schema(schema)
    path = Path(path)
    try:
        records, row_numbers = read_cells(path, sheet)
    except ValidationError as exc:
        return exc.problems
    return _validate(records, row_numbers, descriptor, str(path))[1]


def read_table(
    path: str | Path, schema: str | Path | dict, *, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a CSV or XLSX table, validate every row against a Table Schema, return it typed.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (UTF-8, UTF-8 with BOM or Windows-1252) or ``.xlsx`` file. It is only read.
    schema : str, Path or dict
        A bundled schema name (see :func:`list_schemas`), a schema file, or a schema dict.
    sheet : str or int, optional
        XLSX only: the sheet to read (default: the first).

    Returns
    -------
    pandas.DataFrame
        One column per schema field in schema order: ``Int64`` for integers, ``Float64`` for
        numbers, ``boolean``, ``datetime64`` for dates, ordered ``category`` where the field lists
        ``categories``, text otherwise. Blank cells are missing (``<NA>``).

    Raises
    ------
    ValidationError
        Listing every problem: file, spreadsheet row (header = row 1), column, value and rule.

    Examples
    --------
    >>> from aeeval import read_table
    >>> from aeeval.paths import EXAMPLES
    >>> register = read_table(EXAMPLES / "register.csv", "register")
    >>> register["cohort"].dtype
    Int64Dtype()
    """
    descriptor = load_schema(schema)
    path = Path(path)
    records, row_numbers = read_cells(path, sheet)
    typed, problems = _validate(records, row_numbers, descriptor, str(path))
    if problems:
        raise ValidationError(problems)
    return typed


def read_records(
    records: list[list[str]], row_numbers: list[int], schema: str | Path | dict, name: str
) -> pd.DataFrame:
    """Validate text cells already read (``records[0]`` the header) as :func:`read_table` does.

    For readers that first reshape a file laid out another way (a survey tool's export,
    :func:`aeeval.read_export`) and then hold it to a table schema with the same rules, types and
    messages. ``row_numbers`` are the spreadsheet rows of the records, ``name`` the file named in
    every problem.

    Raises
    ------
    ValidationError
        Listing every problem.

    Examples
    --------
    >>> t = read_records([["org_code", "cohort"], ["ZA01", "2"]], [1, 2],
    ...                  {"fields": [{"name": "org_code"}, {"name": "cohort", "type": "integer"}]},
    ...                  "example.csv")
    >>> t["cohort"].tolist(), t.attrs["rows"]
    ([2], (2,))
    """
    typed, problems = _validate(records, row_numbers, load_schema(schema), name)
    if problems:
        raise ValidationError(problems)
    return typed
