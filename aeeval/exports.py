"""Survey exports as the survey tools write them, read through a survey mapping.

A survey tool's export is not a table in aeeval's ``survey`` schema: it has one to three header
rows, the tool's own respondent columns (some of them personal data), one column per question
headed by its wording, timestamps in the tool's locale, organisations answered as names and, in a
"numeric values" export, answers as codes. :func:`read_export` reads such a file exactly as the
tool wrote it and returns the ``survey`` table aeeval's other functions take
(:func:`aeeval.load_survey`, :func:`aeeval.headline_figures`), steered by a **survey mapping**
(YAML, next to the export: ``<export stem>.mapping.yml`` or ``survey_mapping.yml``; its format is
checked against ``data/schemas/survey-mapping-format.json``) that says which column holds each
schema field and each codebook question. :func:`survey_map` writes a first mapping by matching
the export's question wording with the codebook's.

Layouts (:data:`LAYOUTS`), recognised from the header alone by :func:`recognise_export`:

* **SurveyMonkey** — two header rows: the question, then ``Response``, ``Open-Ended Response``
  or, under a multiple-choice question spread over several columns, each option's label;
  ``Respondent ID``, ``Collector ID``, ``Start Date``, ``End Date``, ``IP Address``, ``Email
  Address``, ``First Name``, ``Last Name``, ``Custom Data 1``.
* **Qualtrics** — three header rows: the export tags (``Q1``, ``Q3_4``), the question text, and
  ``{"ImportId":"QID1"}``; ``StartDate`` … ``UserLanguage``. "Choice text" and "numeric values"
  exports alike.
* **Microsoft Forms** — ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name``,
  (``Last modified time``), then one column per question.
* **Google Forms** — ``Timestamp``, (``Email Address``), then the questions.
* **SmartSurvey** — its respondent columns (``UserID`` or ``Response ID``, ``Started``,
  ``Ended``, ``IP Address``, ``Email``, ``Name``, ``Unique ID``, ``Custom Value``) and numbered
  question headers (``1. Question text``).

Personal data the tools add (IP address, e-mail, names, custom data, location, recipient fields,
external reference) are dropped as the file is read, before anything else sees them; a
:class:`SurveyExportWarning` names the columns dropped.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import AeevalWarning
from .paths import SCHEMAS
from .schemas import Problem, ValidationError, load_schema, read_cells, read_records

__all__ = [
    "LAYOUTS",
    "ExportError",
    "SurveyExportWarning",
    "find_mapping",
    "match_organisations",
    "parse_dates",
    "read_export",
    "read_mapping",
    "recognise_export",
    "survey_map",
    "write_survey_map",
]

#: The tools whose exports are read, with the respondent columns (as row 1 spells them) that mark
#: each layout, its id and completion-time columns, the personal-data columns dropped on reading,
#: and how a multiple-answer question's answers are separated in one cell.
LAYOUTS = {
    "SurveyMonkey": {
        "marks": ["Respondent ID", "Collector ID"],
        "id": "Respondent ID",
        "completed": "End Date",
        "metadata": [
            "Respondent ID",
            "Collector ID",
            "Start Date",
            "End Date",
            "IP Address",
            "Email Address",
            "First Name",
            "Last Name",
        ],
        "personal": ["IP Address", "Email Address", "First Name", "Last Name", r"Custom Data \d+"],
        "separator": None,  # one column per option
    },
    "Qualtrics": {
        "marks": ["StartDate", "EndDate", "ResponseId"],
        "id": "ResponseId",
        "completed": "RecordedDate",
        "metadata": [
            "StartDate",
            "EndDate",
            "Status",
            "IPAddress",
            "Progress",
            "Duration (in seconds)",
            "Finished",
            "RecordedDate",
            "ResponseId",
            "RecipientLastName",
            "RecipientFirstName",
            "RecipientEmail",
            "ExternalReference",
            "LocationLatitude",
            "LocationLongitude",
            "DistributionChannel",
            "UserLanguage",
        ],
        "personal": [
            "IPAddress",
            "RecipientLastName",
            "RecipientFirstName",
            "RecipientEmail",
            "ExternalReference",
            "LocationLatitude",
            "LocationLongitude",
        ],
        "separator": ",",
    },
    "Microsoft Forms": {
        "marks": ["ID", "Start time", "Completion time"],
        "id": "ID",
        "completed": "Completion time",
        "metadata": ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"],
        "personal": ["Email", "Name"],
        "separator": ";",
    },
    "Google Forms": {
        "marks": ["Timestamp, first"],
        "id": None,  # none: the spreadsheet row identifies a response
        "completed": "Timestamp",
        "metadata": ["Timestamp", "Email Address"],
        "personal": ["Email Address"],
        "separator": ",",
    },
    "SmartSurvey": {
        "marks": ["UserID or Response ID", "Started", "Ended"],
        "id": "UserID",
        "completed": "Ended",
        "metadata": [
            "UserID",
            "Response ID",
            "IP Address",
            "Unique ID",
            "Started",
            "Ended",
            "Name",
            "Email",
            "Custom Value",
        ],
        "personal": ["IP Address", "Unique ID", "Name", "Email", r"Custom Value( \d+)?"],
        "separator": ",",
    },
}

#: The survey mapping's file name when one mapping serves the whole folder.
FOLDER_MAPPING = "survey_mapping.yml"
#: How close (difflib ratio) an export's question text must be to the codebook's wording for
#: :func:`survey_map` to map it.
MATCH_THRESHOLD = 0.6
_HEADER_ROWS_READ = 3


class ExportError(ValidationError):
    """A survey export that cannot be read as its mapping says. ``problems`` holds every
    :class:`aeeval.schemas.Problem` (file, spreadsheet row, column, value, rule); ``tool`` the
    survey tool that wrote the export, when it was recognised (the message names it)."""

    def __init__(self, problems, tool: str | None = None):
        super().__init__(problems)
        self.tool = tool
        if tool:
            self.args = (f"{tool} export: {self.args[0]}",)


class SurveyExportWarning(AeevalWarning):
    """Something set aside while reading an export: its personal-data columns (dropped)."""


# --------------------------------------------------------------------------------- recognising


def _fold(text) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def _header_rows(path: Path) -> list[list[str]]:
    """The first rows of a CSV or XLSX file as text, read cheaply (a few kilobytes, one sheet's
    first rows)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = wb.worksheets[0].iter_rows(max_row=_HEADER_ROWS_READ, values_only=True)
            return [["" if v is None else str(v) for v in r] for r in rows]
        finally:
            wb.close()
    with open(path, "rb") as fh:
        raw = fh.read(256 * 1024)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end, or cp1252
        text = raw[: exc.start].decode("utf-8-sig") if exc.start > len(raw) - 4 else None
        if text is None:
            text = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) == _HEADER_ROWS_READ:
                break
    except csv.Error:
        pass
    return rows


def _tool_of(rows: list[list[str]]) -> str | None:
    if not rows:
        return None
    first = [_fold(c).casefold() for c in rows[0]]
    names = set(first)
    if {"respondent id", "collector id"} <= names:
        return "SurveyMonkey"
    if {"startdate", "enddate", "responseid"} <= names:
        return "Qualtrics"
    if {"id", "start time", "completion time"} <= names:  # "ID", or "Id" in older exports
        return "Microsoft Forms"
    if first and first[0] == "timestamp":
        return "Google Forms"
    if {"started", "ended"} <= names and names & {"userid", "response id"}:
        return "SmartSurvey"
    return None


def recognise_export(path) -> str | None:
    """The survey tool that wrote ``path`` (``"SurveyMonkey"``, ``"Qualtrics"``, ``"Microsoft
    Forms"``, ``"Google Forms"``, ``"SmartSurvey"``), from its header rows only; ``None`` if it
    is not an export of one of them (or not a readable CSV or XLSX file).

    Cheap: only the first rows are read, so it can be asked of every file in a folder.

    References
    ----------
    Qualtrics, "Understanding Your Dataset" (Qualtrics support pages: three header rows). Each
    layout and the evidence for it: docs/user-guide/survey-exports.md.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = pathlib.Path(folder, "responses.csv")
    ...     _ = f.write_text("Timestamp,Which organisation?\\n11/23/2026 10:15:32,ZA01\\n")
    ...     recognise_export(f)
    'Google Forms'
    """
    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        return None
    try:
        return _tool_of(_header_rows(path))
    except Exception:  # an unreadable file is not an export aeeval knows
        return None


# ------------------------------------------------------------------------------------ reading


@dataclass
class Column:
    """One column of an export as a person refers to it."""

    index: int  # 0-based
    letter: str
    name: str  # row 1 as written (SurveyMonkey: the question carried over its option columns)
    text: str  # the question wording
    qid: str | None = None  # Qualtrics: the ImportId (QID1)
    option: str | None = None  # SurveyMonkey row 2: "Response" or an option's label

    @property
    def shown(self) -> str:
        return f"{self.name} (column {self.letter})"


@dataclass
class Export:
    path: Path
    tool: str
    columns: list[Column]
    data: list[list[str]]
    rows: list[int]
    header_rows: int
    dropped: list[str] = field(default_factory=list)


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


_NUMBERED = re.compile(r"^\s*(?:Q\s*)?\d+[.):]\s+")
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:\s*"([^"]*)"')


def _is_personal(tool: str, name: str) -> bool:
    return any(re.fullmatch(p, name, flags=re.I) for p in LAYOUTS[tool]["personal"])


def _open(path: Path) -> Export:
    name = str(path)
    records, rows = read_cells(path)
    tool = _tool_of(records[:_HEADER_ROWS_READ])
    if tool is None:
        expected = "; ".join(f"{t} ({', '.join(spec['marks'])})" for t, spec in LAYOUTS.items())
        raise ExportError(
            [
                Problem(
                    name,
                    rows[0],
                    None,
                    None,
                    "export-layout",
                    "not an export of a survey tool aeeval reads: its header has none of the "
                    f"respondent columns that mark each layout (expected one of: {expected})",
                )
            ]
        )
    width = max(len(r) for r in records)
    records = [r + [""] * (width - len(r)) for r in records]
    first = [c.strip() for c in records[0]]
    columns = []
    if tool == "SurveyMonkey":
        header_rows = 2
        second = [c.strip() for c in records[1]]
        question = ""
        for j in range(width):
            question = first[j] or question
            columns.append(Column(j, _letter(j), question, question, option=second[j] or None))
    elif tool == "Qualtrics":
        has_ids = len(records) > 2 and any(_IMPORT_ID.match(c) for c in records[2])
        header_rows = 3 if has_ids else 2
        for j in range(width):
            text = records[1][j].strip()
            text = re.sub(r"\s+-\s+Selected Choice$", "", text)
            qid = None
            if has_ids:
                m = _IMPORT_ID.match(records[2][j])
                qid = m.group(1) if m else None
            columns.append(Column(j, _letter(j), first[j], text or first[j], qid=qid))
    else:
        header_rows = 1
        for j in range(width):
            text = first[j]
            if tool == "SmartSurvey":
                text = _NUMBERED.sub("", text)
            columns.append(Column(j, _letter(j), first[j], text))
    data, numbers = records[header_rows:], rows[header_rows:]
    if not data:
        raise ExportError(
            [Problem(name, None, None, None, "empty", f"{tool} export has no responses")]
        )
    keep = [c for c in columns if not _is_personal(tool, c.name)]
    dropped = sorted({c.name for c in columns if _is_personal(tool, c.name)}, key=first.index)
    export = Export(path, tool, keep, data, numbers, header_rows, dropped)
    # The personal data leave memory here: only the columns kept are copied on.
    export.data = [[r[c.index] for c in keep] for r in data]
    for k, c in enumerate(keep):
        c.index = k
    return export


# ------------------------------------------------------------------------------------ mapping


@lru_cache(maxsize=1)
def _mapping_validator():
    """The mapping format compiled once (compiling it took 16 ms of each read)."""
    import fastjsonschema

    spec = json.loads((SCHEMAS / "survey-mapping-format.json").read_text(encoding="utf-8"))
    return fastjsonschema.compile(spec)


def find_mapping(export) -> Path | None:
    """The survey mapping of an export: ``<export stem>.mapping.yml`` (or ``.yaml``) beside it,
    else ``survey_mapping.yml`` in its folder; ``None`` when there is neither.

    Examples
    --------
    >>> find_mapping("no/such/folder/responses.csv") is None
    True
    """
    export = Path(export)
    for candidate in (
        export.with_name(f"{export.stem}.mapping.yml"),
        export.with_name(f"{export.stem}.mapping.yaml"),
        export.with_name(FOLDER_MAPPING),
        export.with_name(Path(FOLDER_MAPPING).with_suffix(".yaml").name),
    ):
        if candidate.is_file():
            return candidate
    return None


def read_mapping(path) -> dict:
    """Read a survey mapping (YAML) and check it against ``survey-mapping-format.json``.

    Raises
    ------
    ExportError
        The file cannot be read, or breaks the format (the place in the file is named).

    References
    ----------
    The format: ``data/schemas/survey-mapping-format.json`` (JSON Schema 2020-12) and
    docs/user-guide/survey-exports.md.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = pathlib.Path(folder, "survey_mapping.yml")
    ...     _ = f.write_text("fields:\\n  org_code: Q5\\n")
    ...     read_mapping(f)["fields"]
    {'org_code': 'Q5'}
    """
    import fastjsonschema

    from .files import InputFileError, format_violation, read_yaml

    path = Path(path)
    try:
        spec = read_yaml(path)
    except InputFileError as exc:
        raise ExportError(
            [Problem(str(path), None, None, None, "mapping", f"survey mapping {exc}")]
        ) from None
    try:
        _mapping_validator()(spec)
    except fastjsonschema.JsonSchemaValueException as exc:
        where, message = format_violation(exc)
        raise ExportError(
            [
                Problem(
                    str(path),
                    None,
                    where,
                    None,
                    "mapping-format",
                    f"survey mapping breaks its format (survey-mapping-format.json): {message}",
                )
            ]
        ) from None
    return spec


def _norm(text: str) -> str:
    from .coding import normalise_label

    return normalise_label(_NUMBERED.sub("", str(text)))


def _resolve(export: Export, ref: str, mapping_file: str, target: str) -> list[Column]:
    """The export columns a mapping reference names: a header (row 1), a Qualtrics ImportId,
    a question's wording, or a column letter — in that order."""
    ref = str(ref).strip()
    for test in (
        lambda c: c.name == ref,
        lambda c: c.qid is not None and c.qid == ref,
        lambda c: _norm(c.text) == _norm(ref) and _norm(ref) != "",
    ):
        found = [c for c in export.columns if test(c)]
        if found:
            return found
    if re.fullmatch(r"[A-Za-z]{1,3}", ref):
        found = [c for c in export.columns if c.letter == ref.upper()]
        if found:
            return found
    dropped = [d for d in export.dropped if d == ref]
    rule, why = "mapping-column", "names no column of the export"
    if dropped:
        rule = "personal-data"
        why = "names a personal-data column, which aeeval drops when it reads an export"
    close = difflib.get_close_matches(ref, [c.text for c in export.columns], n=3, cutoff=0.4)
    hint = f" (closest: {'; '.join(close)})" if close else ""
    raise ExportError(
        [
            Problem(
                mapping_file,
                None,
                target,
                ref,
                rule,
                f"the mapping's column for '{target}' {why} {export.path}{hint}",
            )
        ]
    )


def _column_spec(spec) -> tuple[str, dict]:
    if isinstance(spec, dict):
        return spec["column"], spec
    return spec, {}


# -------------------------------------------------------------------------------------- dates

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?$"
)
_SLASHED = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)


def parse_dates(
    values, rows, *, date_format: str | None = None, file: str = "", column: str = ""
) -> list:
    """Timestamps as the survey tools write them → :class:`datetime.date` (``None`` for blanks).

    Accepted: ISO (``2026-11-23 10:15:32``, ``2026-11-23T10:15:32Z``), day/month/year or
    month/day/year with or without a time and AM/PM (``11/23/2026 10:15:32 AM``, ``23/11/2026
    10:15``) and Excel serial numbers (``46349.43``; an XLSX date-time cell arrives as ISO).
    Day and month are told apart from the whole column: a first number above 12 anywhere means
    day first, a second number above 12 means month first.

    Parameters
    ----------
    values : list of str
        The column's cells as text.
    rows : list of int
        Each value's spreadsheet row (header rows counted), for messages.
    date_format : {"dayfirst", "monthfirst"}, optional
        Settles a column in which every slashed value could be either (every number ≤ 12).

    Raises
    ------
    ExportError
        A value that is no date; a column mixing day-first and month-first values; or a column
        whose order cannot be told and no ``date_format`` — naming the rows.

    References
    ----------
    Excel's 1900 date system: serial 1 is 1 January 1900 and the 29 February 1900 that never
    was is counted, so a serial from 61 on (every date after February 1900) is the number of days
    since 1899-12-30. Checked against openpyxl's own ``from_excel`` in tests/test_exports.py.

    Examples
    --------
    >>> parse_dates(["11/23/2026 10:15:32 AM", "2026-11-24 09:00", "46350.5"], [3, 4, 5])
    [datetime.date(2026, 11, 23), datetime.date(2026, 11, 24), datetime.date(2026, 11, 24)]
    >>> parse_dates(["03/04/2026"], [2], date_format="dayfirst")
    [datetime.date(2026, 4, 3)]
    """
    problems: list[Problem] = []
    parsed: list = [None] * len(values)
    slashed = {}
    for i, (raw, row) in enumerate(zip(values, rows)):
        text = str(raw).strip()
        if not text:
            continue
        if m := _ISO.match(text):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            try:
                parsed[i] = datetime(y, mo, d).date()
            except ValueError:
                problems.append(_date_problem(file, row, column, text, "is not a real date"))
        elif m := _SLASHED.match(text):
            slashed[i] = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif _SERIAL.match(text) and 20_000 <= float(text) <= 80_000:
            parsed[i] = (_EXCEL_EPOCH + timedelta(days=float(text))).date()
        else:
            problems.append(
                _date_problem(
                    file,
                    row,
                    column,
                    text,
                    "is not a date in a form the survey tools write (ISO 2026-11-23, "
                    "11/23/2026 or 23/11/2026 with or without a time, an Excel serial number)",
                )
            )
    if slashed:
        day_first = [i for i, (a, _, _) in slashed.items() if a > 12]
        month_first = [i for i, (_, b, _) in slashed.items() if b > 12]
        if day_first and month_first:
            problems.append(
                _date_problem(
                    file,
                    rows[day_first[0]],
                    column,
                    str(values[day_first[0]]).strip(),
                    f"is day first, but row {rows[month_first[0]]} "
                    f"('{str(values[month_first[0]]).strip()}') is month first: one column "
                    "must use one order",
                    rule="date-order",
                )
            )
            order = None
        elif day_first:
            order = "dayfirst"
        elif month_first:
            order = "monthfirst"
        else:
            order = date_format
        if date_format and order and order != date_format:
            i = (day_first or month_first)[0]
            problems.append(
                _date_problem(
                    file,
                    rows[i],
                    column,
                    str(values[i]).strip(),
                    f"cannot be {date_format} as the mapping's date_format says",
                    rule="date-order",
                )
            )
        elif order is None and not (day_first and month_first):
            shown = sorted(rows[i] for i in slashed)
            more = ", …" if len(shown) > 20 else ""
            problems.append(
                Problem(
                    file,
                    shown[0],
                    column,
                    str(values[min(slashed)]).strip(),
                    "date-order",
                    "day and month cannot be told apart in this column (every date has both "
                    f"numbers 12 or below; rows {', '.join(map(str, shown[:20]))}{more}): say "
                    "date_format: dayfirst (23/11/2026, UK) or monthfirst (11/23/2026, US) in "
                    "the survey mapping",
                )
            )
        if order in ("dayfirst", "monthfirst"):
            for i, (a, b, y) in slashed.items():
                d, mo = (a, b) if order == "dayfirst" else (b, a)
                try:
                    parsed[i] = datetime(y, mo, d).date()
                except ValueError:
                    problems.append(
                        _date_problem(
                            file, rows[i], column, str(values[i]).strip(), "is not a real date"
                        )
                    )
    if problems:
        raise ExportError(problems)
    return parsed


def _date_problem(file, row, column, value, why, rule="date") -> Problem:
    return Problem(file, row, column, value, rule, why)


# ------------------------------------------------------------------------------ organisations

_ORG_SUFFIXES = [
    (r"\bnhs\s+foundation\s+trust\b", "nhs foundation trust"),
    (r"\bnhs\s+ft\b", "nhs foundation trust"),
    (r"(?<!nhs )\bfoundation\s+trust\b", "nhs foundation trust"),
    (r"\bft\b$", "nhs foundation trust"),
]


def _org_key(name: str) -> str:
    s = unicodedata.normalize("NFKC", str(name)).casefold()
    s = s.replace("&", " and ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    for pattern, repl in _ORG_SUFFIXES:
        s = re.sub(pattern, repl, s)
    return re.sub(r"\s+", " ", s).strip()


def match_organisations(
    values, register: pd.DataFrame, rows, *, file: str = "", column: str = ""
) -> list:
    """Organisations as answered (ODS codes or names) → the register's ``org_code``.

    Each value is taken as a code if it is one in the register; else as a name, matched exactly
    with ``org_name``, then after normalising both (case, punctuation, "&" = "and", "NHS FT" =
    "NHS Foundation Trust" = "Foundation Trust").

    Raises
    ------
    ExportError
        One problem per distinct name that matches no register organisation or more than one,
        with its rows and the closest register names (difflib).

    References
    ----------
    :func:`difflib.get_close_matches` (Python standard library) for the closest names; the
    normalisation rules: docs/user-guide/survey-exports.md.

    Examples
    --------
    >>> import pandas as pd
    >>> reg = pd.DataFrame({"org_code": ["RAE", "RR8"],
    ...                     "org_name": ["Bradford Teaching Hospitals NHS Foundation Trust",
    ...                                  "Leeds Teaching Hospitals NHS Trust"]})
    >>> match_organisations(["Bradford Teaching Hospitals NHS FT", "RR8"], reg, [2, 3])
    ['RAE', 'RR8']
    """
    codes = {str(c).strip().upper(): str(c).strip() for c in register["org_code"]}
    names = list(register["org_name"].astype(str))
    by_name: dict[str, set] = {}
    by_key: dict[str, set] = {}
    for code, name in zip(register["org_code"], names):
        by_name.setdefault(name.strip(), set()).add(code)
        by_key.setdefault(_org_key(name), set()).add(code)
    out: list = []
    bad: dict[str, list] = {}
    for raw, row in zip(values, rows):
        text = str(raw).strip()
        if not text:
            out.append("")
            continue
        found = (
            {codes[text.upper()]}
            if text.upper() in codes
            else by_name.get(text) or by_key.get(_org_key(text)) or set()
        )
        if len(found) == 1:
            out.append(next(iter(found)))
        else:
            out.append(None)
            bad.setdefault(text, []).append((row, found))
    if bad:
        problems = []
        for text, where in bad.items():
            found = where[0][1]
            close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
            hint = f"; closest register names: {'; '.join(close)}" if close else ""
            if found:
                why = (
                    f"matches {len(found)} register organisations "
                    f"({', '.join(sorted(map(str, found)))}): write the code instead"
                )
                rule = "organisation-ambiguous"
            else:
                why = "matches no organisation in the register (by code or by name)"
                rule = "organisation-unmatched"
            rs = [r for r, _ in where]
            also = f" (also rows {', '.join(map(str, rs[1:6]))})" if len(rs) > 1 else ""
            problems.append(Problem(file, rs[0], column, text, rule, f"{why}{also}{hint}"))
        raise ExportError(problems)
    return out


# ------------------------------------------------------------------------------------ answers

_CODED = re.compile(r"^\d+$")


def _answers(export, cols, q, spec, mode, file, problems) -> list[str]:
    """One question's answers as text labels, one per response (multi: joined with the
    codebook's separator)."""
    tool_sep = spec.get("separator", LAYOUTS[export.tool]["separator"])
    if q is not None and q.type == "multi" and len(cols) > 1:
        # One column per option (SurveyMonkey): a cell holds the option's label when ticked.
        out = []
        for r in export.data:
            picked = [r[c.index].strip() for c in cols if r[c.index].strip()]
            out.append(q.separator.join(picked))
        return _decode(out, export, cols[0], q, mode, file, problems, split=q.separator)
    if len(cols) > 1:
        names = ", ".join(c.shown for c in cols)
        problems.append(
            Problem(
                file,
                None,
                cols[0].name,
                None,
                "mapping-column",
                f"the mapping names {len(cols)} columns ({names}) for a question with one "
                "answer: name one by its header or column letter",
            )
        )
        return [""] * len(export.data)
    col = cols[0]
    values = [r[col.index] for r in export.data]
    if q is not None and q.type == "multi":
        split = tool_sep or q.separator
        values = [q.separator.join(p.strip() for p in v.split(split) if p.strip()) for v in values]
        return _decode(values, export, col, q, mode, file, problems, split=q.separator)
    return _decode(values, export, col, q, mode, file, problems, split=None)


def _decode(values, export, col, q, mode, file, problems, split) -> list[str]:
    """Numeric codes → labels through the codebook's ``code:`` (``mode`` "codes", or "auto" when
    every answer of the column is a code)."""
    if q is None:
        return values

    def parts(v):
        return [p.strip() for p in v.split(split)] if split else [v.strip()]

    present = [v for v in values if v.strip()]
    coded = bool(present) and all(all(_CODED.match(p) for p in parts(v)) for v in present)
    if mode == "text" or (mode == "auto" and not coded):
        return values
    if not q.codes:
        problems.append(
            Problem(
                file,
                None,
                col.name,
                None,
                "codebook-code",
                f"answers to '{q.id}' are numeric codes but the codebook declares no code for "
                "its options: add `code:` to each option in the codebook",
            )
        )
        return values
    out = []
    for v, row in zip(values, export.rows):
        labels = []
        for p in parts(v) if v.strip() else []:
            label = q.codes.get(p.lstrip("0") or "0", q.codes.get(p))
            if label is None:
                declared = ", ".join(f"{k} = {lab}" for k, lab in q.codes.items())
                problems.append(
                    Problem(
                        file,
                        row,
                        col.name,
                        p,
                        "codebook-code",
                        f"code {p} is not declared for '{q.id}' in the codebook "
                        f"(declared: {declared})",
                    )
                )
            else:
                labels.append(label)
        out.append(q.separator.join(labels) if split else (labels[0] if labels else ""))
    return out


# ----------------------------------------------------------------------------------- read_export


def read_export(
    path, mapping=None, *, codebook=None, register=None, strict: bool = True
) -> pd.DataFrame:
    """Read a survey tool's export as it was written, into aeeval's ``survey`` table.

    Parameters
    ----------
    path : str or Path
        A CSV or XLSX export of SurveyMonkey, Qualtrics, Microsoft Forms, Google Forms or
        SmartSurvey (:data:`LAYOUTS`). Only read.
    mapping : str, Path or dict, optional
        The survey mapping (default: :func:`find_mapping` beside the export). Format:
        ``docs/user-guide/survey-exports.md``, checked against
        ``data/schemas/survey-mapping-format.json``.
    codebook : str, Path or Codebook, optional
        Default: the bundled ``survey_codebook.yaml``. Answers are checked against it here, so
        that a problem names the export's own column and rows.
    register : str, Path or DataFrame, optional
        For organisations answered by name: the register (default: ``register.csv`` or
        ``.xlsx`` in the export's folder, when there is one).
    strict : bool
        ``True`` (default): an answer not in the codebook is an error here. ``False``: it is left
        for :func:`aeeval.code_responses` (``strict=False`` makes it missing and lists it).

    Returns
    -------
    pandas.DataFrame
        The ``survey`` schema's columns, as :func:`aeeval.read_table` returns them
        (``attrs["rows"]`` the spreadsheet rows, header rows counted). ``attrs["survey_tool"]``
        names the tool, ``attrs["mapping"]`` the mapping file, ``attrs["dropped_columns"]`` the
        personal-data columns dropped and ``attrs["unused_columns"]`` the other columns set
        aside; ``attrs["question_wording"]`` the export's wording of each mapped question.

    Raises
    ------
    ExportError
        An unknown layout (naming the layouts expected), no mapping, a mapping naming a column
        the export lacks (or a personal-data one), answers not in the codebook, undeclared
        codes, unmatched or ambiguous organisations, dates that are not dates or whose day and
        month cannot be told apart — every problem with file, row, column, value and rule.

    Warns
    -----
    SurveyExportWarning
        Naming the personal-data columns dropped.

    References
    ----------
    The layouts, the mapping format and what each tool's public documentation says:
    docs/user-guide/survey-exports.md; Qualtrics, "Understanding Your Dataset".

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = pathlib.Path(folder, "responses.csv")
    ...     _ = f.write_text(
    ...         "Timestamp,Email Address,Organisation,Has your Always Event improved the "
    ...         "experience of service users?\\n"
    ...         "23/11/2026 10:15:32,a@example.org,ZA01,Yes - definitely\\n")
    ...     _ = pathlib.Path(folder, "responses.mapping.yml").write_text(
    ...         "fields:\\n  org_code: Organisation\\n  completed: Timestamp\\n"
    ...         "questions:\\n  improved_experience: Has your Always Event improved the "
    ...         "experience of service users?\\n")
    ...     import warnings
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         t = read_export(f)
    >>> t[["response_id", "org_code", "completed", "improved_experience"]]
      response_id org_code  completed improved_experience
    0       row 2     ZA01 2026-11-23    Yes - definitely
    >>> t.attrs["survey_tool"], t.attrs["dropped_columns"]
    ('Google Forms', ['Email Address'])
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    responses.csv (Google Forms): personal-data column(s) dropped on reading: Email Address
    """
    path = Path(path)
    export = _open(path)
    try:
        return _read_export(export, mapping, codebook, register, strict)
    except ExportError as exc:
        raise ExportError(exc.problems, tool=export.tool) from None


def _read_export(export: Export, mapping, codebook, register, strict) -> pd.DataFrame:
    from .coding import DEFAULT_CODEBOOK, code_responses, load_codebook

    path = export.path
    file = str(path)
    if export.dropped:
        warnings.warn(
            f"{path.name} ({export.tool}): personal-data column(s) dropped on reading: "
            f"{', '.join(export.dropped)}",
            SurveyExportWarning,
            stacklevel=3,
        )
    if mapping is None:
        mapping = find_mapping(path)
        if mapping is None:
            raise ExportError(
                [
                    Problem(
                        file,
                        None,
                        None,
                        None,
                        "mapping",
                        f"a {export.tool} export needs a survey mapping beside it "
                        f"({path.stem}.mapping.yml or {FOLDER_MAPPING}): write a first one "
                        f"with `aeeval survey-map {path.name}`",
                    )
                ]
            )
    if isinstance(mapping, dict):
        spec, mapping_file = mapping, "(survey mapping)"
    else:
        spec, mapping_file = read_mapping(mapping), str(mapping)
    if spec.get("tool") and spec["tool"] != export.tool:
        raise ExportError(
            [
                Problem(
                    mapping_file,
                    None,
                    "tool",
                    spec["tool"],
                    "mapping-tool",
                    f"the mapping is for {spec['tool']} but {file} is a {export.tool} export",
                )
            ]
        )
    book = (
        codebook if hasattr(codebook, "questions") else load_codebook(codebook or DEFAULT_CODEBOOK)
    )
    schema = load_schema("survey")
    field_names = [f["name"] for f in schema["fields"]]
    fields = dict(spec.get("fields") or {})
    questions = dict(spec.get("questions") or {})
    problems: list[Problem] = []
    for key in questions:
        if key not in book.questions:
            problems.append(
                Problem(
                    mapping_file,
                    None,
                    key,
                    None,
                    "mapping-question",
                    f"'{key}' is not a question of the codebook {book.path} "
                    f"(questions: {', '.join(book.questions)})",
                )
            )
    question_columns = {book[k].column: k for k in questions if k in book.questions}
    for key in fields:
        if key not in field_names:
            problems.append(
                Problem(
                    mapping_file,
                    None,
                    key,
                    None,
                    "mapping-field",
                    f"'{key}' is not a field of the survey schema "
                    f"(fields: {', '.join(field_names)})",
                )
            )
        elif key in question_columns:
            problems.append(
                Problem(
                    mapping_file,
                    None,
                    key,
                    None,
                    "mapping-field",
                    f"'{key}' is mapped twice: under fields and under questions",
                )
            )
    if "org_code" not in fields:
        problems.append(
            Problem(
                mapping_file,
                None,
                "org_code",
                None,
                "mapping-field",
                "the mapping must say which column holds the organisation (fields: org_code)",
            )
        )
    if problems:
        raise ExportError(problems)
    mode = spec.get("answers", "auto")
    used: set[int] = set()
    text: dict[str, list[str]] = {}
    wording: dict[str, str] = {}
    resolved: dict[str, list[Column]] = {}
    for target, raw_spec in [*fields.items(), *((book[k].column, v) for k, v in questions.items())]:
        ref, options = _column_spec(raw_spec)
        try:
            cols = _resolve(export, ref, mapping_file, target)
        except ExportError as exc:
            problems.extend(exc.problems)
            continue
        resolved[target] = cols
        used.update(c.index for c in cols)
        q = book[question_columns[target]] if target in question_columns else None
        if q is not None:
            wording[q.id] = cols[0].text
        if q is None:  # a schema field: one column, as written
            if len(cols) > 1:
                problems.append(
                    Problem(
                        mapping_file,
                        None,
                        target,
                        ref,
                        "mapping-column",
                        f"names {len(cols)} columns of {file} "
                        f"({', '.join(c.shown for c in cols)}): name one by its header or letter",
                    )
                )
                continue
            text[target] = [r[cols[0].index] for r in export.data]
        else:
            text[target] = _answers(export, cols, q, options, mode, file, problems)
    if problems:
        raise ExportError(problems)
    n = len(export.data)
    if "response_id" not in text:
        text["response_id"] = [f"row {r}" for r in export.rows]
    if "completed" in text:
        col = resolved["completed"][0]
        dates = parse_dates(
            text["completed"],
            export.rows,
            date_format=spec.get("date_format"),
            file=file,
            column=col.name,
        )
        text["completed"] = [d.isoformat() if d else "" for d in dates]
    if register is None:
        from .survey import find_input

        reg_path = find_input(path.parent, "register.csv", required=False)
        register = reg_path
    if register is not None and not isinstance(register, pd.DataFrame):
        from .schemas import read_table

        register = read_table(register, "register")
    col = resolved["org_code"][0]
    if register is not None:
        text["org_code"] = match_organisations(
            text["org_code"], register, export.rows, file=file, column=col.name
        )
    else:
        pattern = next(f for f in schema["fields"] if f["name"] == "org_code")["constraints"]
        names = [
            (row, v)
            for row, v in zip(export.rows, text["org_code"])
            if v.strip() and not re.fullmatch(pattern["pattern"], v.strip())
        ]
        if names:
            raise ExportError(
                [
                    Problem(
                        file,
                        row,
                        col.name,
                        v,
                        "organisation-register",
                        "an organisation answered by name needs the register to find its code: "
                        "put register.csv beside the export or pass register=",
                    )
                    for row, v in names
                ]
            )
    header = field_names
    records = [header] + [[text.get(f, [""] * n)[i] for f in header] for i in range(n)]
    # The reshaped table's header stands for the export's header rows (numbered 1, as a
    # header is); its data rows keep the numbers the spreadsheet shows.
    try:
        table = read_records(records, [1, *export.rows], schema, file)
    except ValidationError as exc:
        names = {t: c[0].name for t, c in resolved.items()}
        raise ExportError(
            [
                Problem(
                    p.file,
                    p.row,
                    f"{names[p.column]} (as {p.column})" if p.column in names else p.column,
                    p.value,
                    p.rule,
                    p.message,
                )
                for p in exc.problems
            ]
        ) from None
    coded = code_responses(table, book, strict=False)
    if strict and coded.attrs["unmapped"]:
        bad = []
        for u in coded.attrs["unmapped"]:
            cols = resolved.get(u["column"], [])
            shown = cols[0].name if cols else u["column"]
            rows = ", ".join(map(str, u["rows"]))
            more = ", …" if u["count"] > len(u["rows"]) else ""
            labels = ", ".join(book[question_columns[u["column"]]].labels)
            bad.append(
                Problem(
                    file,
                    u["rows"][0] if u["rows"] else None,
                    shown,
                    u["value"],
                    "codebook",
                    f"answer is not in the codebook {book.path} ({u['count']} row(s): "
                    f"{rows}{more}; options: {labels}): add it as a variant of the right option",
                )
            )
        raise ExportError(bad)
    unused = [c.name for c in export.columns if c.index not in used]
    table.attrs.update(
        survey_tool=export.tool,
        mapping=mapping_file,
        dropped_columns=list(export.dropped),
        unused_columns=list(dict.fromkeys(unused)),
        question_wording=wording,
        header_rows=export.header_rows,
    )
    return table


# ----------------------------------------------------------------------------------- survey_map

_FIELD_HINTS = {
    "org_code": ["organisation", "organization", "trust", "ods code", "which organisation"],
    "respondent_role": ["your role", "job title", "role"],
    "comments": ["any other comments", "comments", "anything else"],
}


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def survey_map(export, *, codebook=None) -> tuple[dict, list[str]]:
    """A first survey mapping for an export, by matching its question texts with the codebook.

    Each codebook question goes to the export column whose wording equals its own once
    normalised (case, punctuation, numbering), else to the closest by :mod:`difflib` if at least
    :data:`MATCH_THRESHOLD` alike. The respondent id and completion time come from the tool's own
    columns; the organisation, role and comments columns from their wording.

    Returns
    -------
    mapping : dict
        In the survey-mapping format (:func:`read_mapping`).
    unmatched : list of str
        What could not be matched: codebook questions and schema fields with no column.

    References
    ----------
    :class:`difflib.SequenceMatcher` (Python standard library): ``ratio()`` is 2·M / T, M the
    matched characters and T the characters of both texts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = pathlib.Path(folder, "responses.csv")
    ...     _ = f.write_text("Timestamp,Your organisation,Has the Always Event improved "
    ...                      "the experience of service users?\\n23/11/2026 10:15,ZA01,Yes\\n")
    ...     m, missing = survey_map(f)
    >>> m["tool"], m["fields"]
    ('Google Forms', {'org_code': 'Your organisation', 'completed': 'Timestamp'})
    >>> m["questions"]
    {'improved_experience': 'Has the Always Event improved the experience of service users?'}
    >>> missing
    ['question influenced_coproduction', 'question what_helped', 'field respondent_role', 'field comments']
    """
    from .coding import DEFAULT_CODEBOOK, load_codebook

    path = Path(export)
    ex = _open(path)
    book = (
        codebook if hasattr(codebook, "questions") else load_codebook(codebook or DEFAULT_CODEBOOK)
    )
    layout = LAYOUTS[ex.tool]
    metadata = {m.casefold() for m in layout["metadata"]}
    candidates = [c for c in ex.columns if c.name.casefold() not in metadata]

    def ref(cols: list[Column]) -> str:
        return cols[0].name  # the header: the export tag (Q1) in Qualtrics, else the wording

    groups: dict[str, list[Column]] = {}
    for c in candidates:
        groups.setdefault(c.name, []).append(c)
    taken: set[str] = set()
    fields: dict = {}
    questions: dict = {}
    unmatched: list[str] = []
    for q in book.questions.values():
        exact = [name for name, cols in groups.items() if _norm(cols[0].text) == _norm(q.wording)]
        if exact:
            best = exact[0]
        else:
            scored = sorted(
                (
                    (_similar(cols[0].text, q.wording), name)
                    for name, cols in groups.items()
                    if name not in taken
                ),
                reverse=True,
            )
            best = scored[0][1] if scored and scored[0][0] >= MATCH_THRESHOLD else None
        if best is None:
            unmatched.append(f"question {q.id}")
            continue
        taken.add(best)
        questions[q.id] = ref(groups[best])
    schema_fields = [f["name"] for f in load_schema("survey")["fields"]]
    question_cols = {q.column for q in book.questions.values()}
    for name in schema_fields:
        if name in question_cols:
            continue
        if name == "response_id":
            if layout["id"] is None:
                continue  # the spreadsheet row identifies each response
            ids = {layout["id"].casefold(), "response id"}
            found = [c for c in ex.columns if c.name.casefold() in ids]
            if found:
                fields[name] = found[0].name
            else:
                unmatched.append(f"field {name}")
            continue
        if name == "completed":
            found = [c for c in ex.columns if c.name.casefold() == layout["completed"].casefold()]
            if found:
                fields[name] = found[0].name
            else:
                unmatched.append(f"field {name}")
            continue
        hints = _FIELD_HINTS.get(name, [])
        best = None
        for hint in hints:
            for gname, cols in groups.items():
                if gname not in taken and re.search(rf"\b{re.escape(hint)}\b", _norm(cols[0].text)):
                    best = gname
                    break
            if best:
                break
        if best is None:
            unmatched.append(f"field {name}")
            continue
        taken.add(best)
        fields[name] = ref(groups[best])
    ordered = {k: fields[k] for k in ("response_id", "org_code", "completed") if k in fields}
    ordered.update({k: v for k, v in fields.items() if k not in ordered})
    return {"tool": ex.tool, "fields": ordered, "questions": questions}, unmatched


def write_survey_map(export, out=None, *, codebook=None, force=False):
    """Write :func:`survey_map`'s first mapping as YAML (default ``<export stem>.mapping.yml``
    beside the export); refuse to overwrite an existing file unless ``force``.

    Returns
    -------
    (Path, list of str)
        The file written and what could not be matched (also written as comments in it).

    References
    ----------
    The mapping format: docs/user-guide/survey-exports.md.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = pathlib.Path(folder, "responses.csv")
    ...     _ = f.write_text("Timestamp,Organisation\\n23/11/2026 10:15,ZA01\\n")
    ...     written, missing = write_survey_map(f)
    ...     written.name, "org_code: Organisation" in written.read_text()
    ('responses.mapping.yml', True)
    """
    import yaml

    path = Path(export)
    out = Path(out) if out is not None else path.with_name(f"{path.stem}.mapping.yml")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists: pass --force to replace it")
    mapping, unmatched = survey_map(path, codebook=codebook)
    tool = mapping["tool"]
    lines = [
        f"# Survey mapping for {path.name} ({tool} export), written by `aeeval survey-map`.",
        "# Each entry names the export column holding a survey-schema field (fields:) or a",
        "# codebook question (questions:): by its header, question text, Qualtrics QID or",
        "# column letter. Check every line before use. Format: docs/user-guide/survey-exports.md",
    ]
    if unmatched:
        lines.append("# Not matched (add them by hand if the export has them):")
        lines += [f"#   {u}" for u in unmatched]
    body = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, width=1000)
    out.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")
    return out, unmatched
