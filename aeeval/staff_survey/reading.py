"""NHS Staff Survey: the item map, reading and harmonising trust results, the programme register.

The questionnaire changed over the years, so which question number holds which *series* in which
year lives in a mapping file, ``data/schemas/staff_survey_items.csv`` (see ``data/schemas/README.md``),
never in code. :func:`read_staff_survey` turns a results file — the project's tidy CSV, the published
wide layout (``q22c_2019`` / ``q22c_n_2019`` columns, one XLSX sheet per benchmark group), a detailed
spreadsheet (percentages per response option under merged question text) or the two real panels
bundled in ``data/public`` — proportions or percentages, question IDs in any case — into one long table, one row per trust × year × series, and
suppresses results below the publication threshold. :func:`select_staff_survey` keeps part of it and
:func:`register_start_years` reads the year each trust joined. The models that take the table are in
:mod:`aeeval.staff_survey.models`; this module never imports them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..disclosure import declare
from ..paths import EXAMPLES, SCHEMAS
from ..schemas import Problem, ValidationError, read_cells, read_table

__all__ = [
    "FIELDWORK",
    "ITEM_MAP",
    "NHSER_NAMES",
    "RESULT_COLUMNS",
    "load_fieldwork",
    "load_item_map",
    "read_staff_survey",
    "register_start_years",
    "results_layout",
    "select_staff_survey",
]

#: The bundled item map.
ITEM_MAP = SCHEMAS / "staff_survey_items.csv"

#: The bundled table of each survey year's fieldwork period, with its source.
FIELDWORK = SCHEMAS / "staff_survey_fieldwork.csv"

#: The columns of a :func:`read_staff_survey` table, in order.
RESULT_COLUMNS = [
    "org_code",
    "year",
    "series",
    "item",
    "positive",
    "base",
    "estimate",
    "suppressed",
    "benchmark_group",
    "region",
]

#: NHS England region codes (ODS ``nhser_code``) and their names, as in data/public/README.md.
NHSER_NAMES = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}
_MAP_COLUMNS = [
    "series",
    "year",
    "status",
    "item",
    "question",
    "wording",
    "response_options",
    "positive",
    "outside_base",
    "flag",
    "min_base",
    "base_column",
    "source",
    "note",
]
_STATUSES = ("asked", "not_asked", "not_mapped")
_ODS = re.compile(r"^[A-Z0-9]{3,5}$")
_WIDE_P = re.compile(r"^(q\d+[a-z]?)_(\d{4})$", re.IGNORECASE)
_WIDE_N = re.compile(r"^(q\d+[a-z]?)_n_(\d{4})$", re.IGNORECASE)


# -------------------------------------------------------------------------------------- item map


def load_item_map(path: str | Path | None = None, *, series=None) -> pd.DataFrame:
    """Read and check the Staff Survey item map.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns described in ``data/schemas/README.md`` (default: the bundled
        :data:`ITEM_MAP`).
    series : str or list of str, optional
        Keep only these series.

    Returns
    -------
    pandas.DataFrame
        One row per series × survey year: ``series``, ``year``, ``status`` (``asked``, ``not_asked``
        or ``not_mapped`` — the last two are explicit gaps), ``item``, ``question``, ``wording``,
        ``response_options``, ``positive`` and ``outside_base`` (``|``-separated options), ``flag``
        (blank for the main series; ``different_question`` for a successor item that must not be
        spliced on), ``min_base`` (publication threshold that year), ``base_column``, ``source``
        (the public document the row's question number, wording and scoring come from, with its
        year — or ``no public source found`` and where the row's content came from instead) and
        ``note``.

    Raises
    ------
    ValidationError
        A missing column, an unknown status, a duplicated series-year, an asked row without an item,
        a row without a ``source``, or one item code mapped to two series in the same year.

    Examples
    --------
    >>> from aeeval import load_item_map
    >>> m = load_item_map(series="q22c")
    >>> m.loc[m["status"] == "asked", "year"].tolist()
    [2015, 2016, 2017, 2018, 2019, 2020]
    """
    path = Path(path) if path is not None else ITEM_MAP
    records, rows = read_cells(path)
    name = str(path)
    header = [h.strip() for h in records[0]]
    missing = [c for c in _MAP_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            [
                Problem(name, rows[0], c, None, "missing-column", "item map column is missing")
                for c in missing
            ]
        )
    body = [r + [""] * (len(header) - len(r)) for r in records[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object)[_MAP_COLUMNS]
    table = table.apply(lambda s: s.str.strip())
    problems = []
    for i, rec in table.iterrows():
        row = rows[i + 1]
        if not re.fullmatch(r"\d{4}", rec["year"] or ""):
            problems.append(
                Problem(name, row, "year", rec["year"], "year", "is not a four-digit year")
            )
        if rec["status"] not in _STATUSES:
            problems.append(
                Problem(
                    name,
                    row,
                    "status",
                    rec["status"],
                    "enum",
                    f"is not one of {', '.join(_STATUSES)}",
                )
            )
        if rec["status"] == "asked" and not rec["item"]:
            problems.append(
                Problem(name, row, "item", "", "required", "an asked item needs its item code")
            )
        if not rec["source"]:
            problems.append(
                Problem(
                    name,
                    row,
                    "source",
                    "",
                    "required",
                    "every row names its source (questionnaire or technical document, with year), "
                    "or says 'no public source found'",
                )
            )
        if not re.fullmatch(r"\d+", rec["min_base"] or ""):
            problems.append(
                Problem(
                    name,
                    row,
                    "min_base",
                    rec["min_base"],
                    "type:integer",
                    "publication threshold must be a whole number",
                )
            )
    if problems:
        raise ValidationError(problems)
    table["year"] = table["year"].astype("int64")
    table["min_base"] = table["min_base"].astype("int64")
    table["item_key"] = table["item"].str.lower()
    for cols, what in (
        (["series", "year"], "series and year"),
        (["item_key", "year"], "item and year"),
    ):
        sub = table[table["status"] == "asked"] if "item_key" in cols else table
        dup = sub[sub.duplicated(cols, keep=False)]
        if len(dup):
            first = dup.iloc[0]
            problems = [
                Problem(
                    name,
                    rows[i + 1],
                    ", ".join(cols),
                    f"{first[cols[0]]}, {first['year']}",
                    "unique",
                    f"the same {what} appears on more than one row",
                )
                for i in dup.index
            ]
            raise ValidationError(problems)
    if series is not None:
        wanted = [series] if isinstance(series, str) else [s for s in series if s]
        unknown = [s for s in wanted if s not in set(table["series"])]
        if unknown:
            raise KeyError(
                f"series {unknown} are not in the item map {name} "
                f"(series: {', '.join(sorted(set(table['series'])))})"
            )
        table = table[table["series"].isin(wanted)]
    table = table.drop(columns="item_key").reset_index(drop=True)
    table.attrs["source"] = name
    return declare(table, rule="none")  # question numbers and wording


# --------------------------------------------------------------------------------------- reading


def _num(text):
    text = (text or "").strip()
    if text in ("", "NA", "*", "-", "n/a", "N/A"):
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text  # kept as text so the check names it


def _layout(header: list[str]) -> str:
    cols = set(header)
    if {"org_code", "year", "item", "base"} <= cols:
        return "tidy"
    if {"Code", "Year.Index", "Responses"} <= cols:
        return "acute_panel"
    if {"ODS code", "Year"} <= cols and any(c.endswith("_rate") for c in cols):
        return "org_results"
    if any(_WIDE_P.match(c) for c in cols):
        return "wide"
    raise ValueError(
        "cannot tell the layout of this staff survey file from its header: expected the tidy "
        "columns org_code, year, item, positive, estimate, base; or wide columns like q22c_2019 and "
        "q22c_n_2019; or the real panels' Code / Year.Index / Responses or ODS code / Year / <item>_rate "
        "columns; or (XLSX) a detailed spreadsheet: question text such as 'Q22c …' above a header row, "
        f"within the top {_DETAILED_MAX_HEADER_ROW} rows, holding an org code and a Base (or Number of "
        f"responses) column. Header: {', '.join(header[:12])}{' …' if len(header) > 12 else ''}"
    )


def results_layout(header: list[str]) -> str | None:
    """The layout :func:`read_staff_survey` reads a file with this header row as (``"tidy"``,
    ``"wide"``, ``"acute_panel"``, ``"org_results"``), or ``None`` when it is none of them (a
    detailed spreadsheet is told by its sheets, not one header row).

    Examples
    --------
    >>> results_layout(["org_code", "q22c_2019", "q22c_n_2019"]), results_layout(["team"])
    ('wide', None)
    """
    try:
        return _layout([h.strip() for h in header])
    except ValueError:
        return None


def _rec(
    org,
    year,
    item,
    positive,
    estimate,
    base,
    group,
    file,
    row,
    col,
    year_col="year",
    region=None,
    base_col="base",
):
    return {
        "_base_col": base_col,
        "org_code": org,
        "year": year,
        "item": item,
        "positive": positive,
        "estimate": estimate,
        "base": base,
        "benchmark_group": group,
        "region": region,
        "_file": file,
        "_row": row,
        "_col": col,
        "_year_col": year_col,
    }


def _records_tidy(path: Path) -> list[dict]:
    table = read_table(path, "staff_survey")
    out = []
    for i, r in enumerate(table.itertuples(index=False)):
        out.append(
            _rec(
                r.org_code,
                int(r.year),
                r.item,
                None if pd.isna(r.positive) else float(r.positive),
                None if pd.isna(r.estimate) else float(r.estimate),
                float(r.base),
                None,
                str(path),
                table.attrs["rows"][i],
                "estimate",
            )
        )
    return out


def _records_wide(path: Path, sheet_records) -> list[dict]:
    out = []
    for sheet, (records, rows) in sheet_records:
        name = f"{path} (sheet '{sheet}')" if sheet else str(path)
        header = [h.strip() for h in records[0]]
        if sheet and not any(_WIDE_P.match(c) for c in header):
            # the published workbook's "Notes" and "Organisation Benchmark groups" sheets hold no
            # results (a public import script of the 2021+ workbook drops them too)
            continue
        org_col = next(
            (c for c in ("org_code", "ODS code", "Org code", "Code") if c in header), None
        )
        if org_col is None:
            raise ValidationError(
                [
                    Problem(
                        name,
                        rows[0],
                        "org_code",
                        None,
                        "missing-column",
                        "wide layout needs an org_code (ODS code) column",
                    )
                ]
            )
        group_col = next(
            (c for c in ("benchmark_group", "Benchmarking group") if c in header), None
        )
        region_col = next((c for c in ("region", "Region") if c in header), None)
        pairs = []
        for j, col in enumerate(header):
            m = _WIDE_P.match(col)
            if m:
                n_name = f"{m.group(1)}_n_{m.group(2)}"
                # question IDs in any case: Q22c_2019 / q22C_N_2019 pair up as q22c_2019 / q22c_n_2019
                n_name = next((h for h in header if h.lower() == n_name.lower()), n_name)
                if n_name not in header:
                    raise ValidationError(
                        [
                            Problem(
                                name,
                                rows[0],
                                col,
                                None,
                                "missing-column",
                                f"proportion column has no base column {n_name}",
                            )
                        ]
                    )
                pairs.append((j, header.index(n_name), m.group(1).lower(), int(m.group(2)), col))
        for rec, rown in zip(records[1:], rows[1:]):
            rec = rec + [""] * (len(header) - len(rec))
            group = rec[header.index(group_col)].strip() if group_col else (sheet or None)
            region = rec[header.index(region_col)].strip() if region_col else None
            for jp, jn, item, year, col in pairs:
                p, n = _num(rec[jp]), _num(rec[jn])
                if p is None and n is None:
                    continue
                out.append(
                    _rec(
                        rec[header.index(org_col)].strip(),
                        year,
                        item,
                        None,
                        p,
                        n,
                        group,
                        name,
                        rown,
                        col,
                        col,
                        region,
                        header[jn],
                    )
                )
    return out


def _records_real(path: Path, records, rows, layout: str, item_map: pd.DataFrame) -> list[dict]:
    header = [h.strip() for h in records[0]]
    idx = {c: j for j, c in enumerate(header)}
    asked = item_map[item_map["status"] == "asked"]
    if layout == "acute_panel":
        org_col, year_col, group_col = "Code", "Year.Index", None
    else:
        org_col, year_col, group_col = "ODS code", "Year", "Benchmarking group"
    # The item columns of this file that the map names in any year: stem -> (value column, base
    # column, scale). Every row is read for every one of them, so a row of a year (or an item-year)
    # the map does not cover becomes an error in _harmonise, never a silently skipped row.
    stems = {}
    for m in asked.itertuples():
        if layout == "acute_panel":
            col, bcol, scale = m.item, m.base_column or "Responses", 1.0
        else:
            col, bcol, scale = f"{m.item}_rate", m.base_column or f"{m.item}_base", 100.0
        if col in idx and bcol in idx:
            stems.setdefault(m.item, (col, bcol, scale))
    mapped = set(zip(asked["year"], asked["item"]))
    out = []
    for rec, rown in zip(records[1:], rows[1:]):
        rec = rec + [""] * (len(header) - len(rec))
        year_text = rec[idx[year_col]].strip()
        if not re.fullmatch(r"\d{4}", year_text):
            raise ValidationError(
                [
                    Problem(
                        str(path),
                        rown,
                        year_col,
                        year_text,
                        "year",
                        "is not a four-digit survey year",
                    )
                ]
            )
        year = int(year_text)
        org = rec[idx[org_col]].strip()
        group = rec[idx[group_col]].strip() if group_col else None
        for item, (col, bcol, scale) in stems.items():
            p, n = _num(rec[idx[col]]), _num(rec[idx[bcol]])
            if p is None and n is None:
                if (year, item) in mapped:
                    out.append(
                        _rec(
                            org,
                            year,
                            item,
                            None,
                            None,
                            None,
                            group,
                            str(path),
                            rown,
                            col,
                            year_col,
                            base_col=bcol,
                        )
                    )
                continue  # blank, and nothing to map: no result either way
            if (year, item) in mapped and isinstance(p, float) and scale == 100.0:
                if p > 100 or p < 0:
                    raise ValidationError(
                        [
                            Problem(
                                str(path),
                                rown,
                                col,
                                rec[idx[col]],
                                "range:0-100",
                                "a percentage must lie between 0 and 100 %",
                            )
                        ]
                    )
                p = p / 100.0
            out.append(
                _rec(org, year, item, None, p, n, group, str(path), rown, col, year_col, None, bcol)
            )
    return out


_SCALES = ("auto", "proportion", "percent")


def _scale_divisor(values: list[tuple], scale: str) -> float:
    """1 (0–1 proportions) or 100 (0–100 percentages) for one file's values.

    ``values`` holds ``(value, file, row, column)`` for every published proportion or percentage in
    the file. ``scale="auto"`` reads the file as percentages when any value exceeds 1, and then
    refuses every value strictly between 0 and 1 in it: a column mixing the two scales (0.62 on one
    row, 62 on another) is an error naming each row, never a guess per cell.
    """
    if scale not in _SCALES:
        raise ValueError(f"scale must be one of {', '.join(_SCALES)}; got {scale!r}")
    if scale == "proportion":
        return 1.0
    over = [v for v in values if v[0] > 100]
    if over:
        raise ValidationError(
            [
                Problem(
                    f, row, col, f"{x:g}", "range:0-100", "a percentage must lie between 0 and 100"
                )
                for x, f, row, col in over
            ]
        )
    if scale == "percent":
        return 100.0
    big = [v for v in values if v[0] > 1]
    if not big:
        return 1.0
    x0, _, row0, col0 = big[0]
    small = [v for v in values if 0 < v[0] < 1]
    if small:
        raise ValidationError(
            [
                Problem(
                    f,
                    row,
                    col,
                    f"{x:g}",
                    "scale:mixed",
                    f"this file gives percentages (0–100; e.g. {x0:g} at row {row0}, column "
                    f"'{col0}') but this value lies between 0 and 1, as a proportion would: a file "
                    "must use one scale. Give every value as a percentage (or every one as a "
                    "proportion); if this really is a percentage below 1 %, pass scale='percent'",
                )
                for x, f, row, col in small
            ]
        )
    return 100.0


def _apply_scale(records: list[dict], scale: str) -> str:
    """Divide each record's ``estimate`` by the file's scale; return the scale used."""
    values = [
        (r["estimate"], r["_file"], r["_row"], r["_col"])
        for r in records
        if isinstance(r["estimate"], float)
    ]
    div = _scale_divisor(values, scale)
    if div != 1.0:
        for r in records:
            if isinstance(r["estimate"], float) and r["estimate"] >= 0:
                r["estimate"] = r["estimate"] / div
    return "percent" if div != 1.0 else "proportion"


# ------------------------------------------------------------------- detailed spreadsheet layouts

#: Header labels of the organisation-code column in a detailed spreadsheet (compared casefolded).
_DETAILED_ORG = ("org code", "organisation code", "ods code", "trust code", "org_code", "code")
#: Header labels of a question's base (number of responses) column.
_DETAILED_BASE = ("base", "number of responses", "responses", "n", "total responses", "base (n)")
_DETAILED_GROUP = ("benchmarking group", "benchmark group", "trust type", "organisation type")
_QID = re.compile(r"^\s*(q\d+[a-z]?)(?![a-z0-9])", re.IGNORECASE)
#: How many rows from the top a detailed spreadsheet's header row may be.
_DETAILED_MAX_HEADER_ROW = 10


def _norm_label(text: str) -> str:
    text = (text or "").replace("\u2019", "'").replace("\u2018", "'").casefold()
    text = re.sub(r"\(\s*%\s*\)|%", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _detailed_header(records: list[list[str]]) -> int | None:
    """Index of a detailed spreadsheet's header row in ``records`` (None: not this layout): the
    first of the top rows with an organisation-code label and a base label, below a row naming a
    question (``Q22c …``)."""
    for i, rec in enumerate(records[:_DETAILED_MAX_HEADER_ROW]):
        labels = {_norm_label(c) for c in rec}
        if labels & set(_DETAILED_ORG) and labels & set(_DETAILED_BASE):
            above = [c for r in records[:i] for c in r]
            if any(_QID.match(c or "") for c in above):
                return i
    return None


def _question_columns(ws, records, rows, header_i: int) -> dict[int, tuple[str, str]]:
    """Column index (0-based) → (question id, question text) from the rows above the header: a
    merged cell covers its whole range; an unmerged question cell carries right until the next
    filled or merged cell (as "centre across selection" shows it)."""
    merged = {}
    for rng in ws.merged_cells.ranges:
        text = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = "" if text is None else str(text)
    width = max(len(r) for r in records[: header_i + 1])
    out: dict[int, tuple[str, str]] = {}
    for rec, sheet_row in zip(records[:header_i], rows[:header_i]):
        carry = None
        for j in range(width):
            cell = rec[j].strip() if j < len(rec) else ""
            if (sheet_row, j + 1) in merged:
                text, carry = merged[(sheet_row, j + 1)], None
            elif cell:
                text = carry = cell
            else:
                text = carry
            m = _QID.match(text or "")
            if m and j not in out:
                out[j] = (m.group(1).lower(), text.strip())
    return out


_WORD = re.compile(r"[a-z]+")
_SMALL_WORDS = frozenset(
    "a an and are as at be by do does for from in is it its of on or the to with you your".split()
)


def _same_question(text: str, wording: str) -> bool:
    """Whether a question's text in a file (``Q22c. Is feedback …``) reads as the item map's
    wording: at least half of the wording's words (small words left out) are in the text. Text
    that is only the question number, or a map row without wording, cannot be told apart and
    passes. A renumbered question keeps its number's place in a layout but not its words, which is
    how it is caught (issue 16: the 2020 questionnaire dropped 17 questions and added 10).

    Examples
    --------
    >>> wording = "Is feedback from patients / service users used to make informed decisions?"
    >>> _same_question("Q22c. Is feedback from patients/service users used to make informed "
    ...               "decisions within your directorate/department?", wording)
    True
    >>> _same_question("Q22c. I have adequate materials, supplies and equipment", wording)
    False
    """
    want = {w for w in _WORD.findall(str(wording or "").lower()) if w not in _SMALL_WORDS}
    have = set(_WORD.findall(_QID.sub("", str(text or ""), count=1).lower()))
    if not want or len(have - _SMALL_WORDS) < 3:
        return True
    return len(want & have) >= len(want) / 2


def _column_namer(qid: str, raw_header: list[str]):
    """A function naming column ``j`` of a question block as a person finds it: question, header
    label and column letter (``Q22C: Yes (column D)``)."""
    from openpyxl.utils import get_column_letter

    def where(j: int) -> str:
        label = raw_header[j] if j < len(raw_header) and raw_header[j] else "(blank)"
        return f"{qid.upper()}: {label} (column {get_column_letter(j + 1)})"

    return where


def _records_detailed(
    path: Path, sheet_records, headers: dict, imap: pd.DataFrame, year, scale: str
) -> tuple[list[dict], str]:
    """Records from an NHS Staff Survey detailed spreadsheet (see :func:`read_staff_survey`)."""
    from openpyxl import load_workbook

    if year is None:
        raise ValueError(
            f"{path}: a detailed spreadsheet holds one survey year and the year is not read from "
            "the sheet: pass year= (e.g. read_staff_survey(path, year=2021))"
        )
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise ValueError(f"year must be a whole number such as 2021; got {year!r}")
    year = int(year)
    if year not in set(imap["year"]):
        raise ValueError(
            f"{path}: year {year} is not in the item map (years mapped: "
            f"{imap['year'].min()}–{imap['year'].max()}); add its rows to the map"
        )
    asked = imap[(imap["status"] == "asked") & (imap["year"] == year)]
    wanted = {str(i).lower(): m for i, m in zip(asked["item"], asked.itertuples())}
    wb = load_workbook(path)  # not read-only: merged ranges are needed
    problems, cells, blocks_all = [], [], []
    for sheet, (records, rows) in sheet_records:
        hi = headers.get(sheet)
        if hi is None:
            continue  # a notes or contents sheet: no header row with an org code and a base
        name = f"{path} (sheet '{sheet}')"
        header = [_norm_label(c) for c in records[hi]]
        raw_header = [c.strip() for c in records[hi]]
        org_j = next(j for j, h in enumerate(header) if h in _DETAILED_ORG)
        group_j = next((j for j, h in enumerate(header) if h in _DETAILED_GROUP), None)
        qcols = _question_columns(wb[sheet], records, rows, hi)
        blocks: dict[str, list[int]] = {}
        for j, (qid, _) in sorted(qcols.items()):
            blocks.setdefault(qid, []).append(j)
        for qid, cols in blocks.items():
            if qid not in wanted:
                continue  # a question the item map does not name for this year
            m = wanted[qid]
            options = [o for o in m.response_options.split("|") if o]
            by_label = {_norm_label(o): o for o in options}
            where = _column_namer(qid, raw_header)
            text = qcols[cols[0]][1]
            if not _same_question(text, m.wording):
                problems.append(
                    Problem(
                        name,
                        rows[hi],
                        text[:60],
                        text,
                        "item-map:wording",
                        f"{qid.upper()} in this file does not read as the item map's {year} "
                        f"wording ('{m.wording}'): is the question numbered differently that "
                        "year? Check the year's questionnaire and the item map's row",
                    )
                )
                continue
            base_j, opt_cols = None, {}
            for j in cols:
                h = header[j] if j < len(header) else ""
                if h in _DETAILED_BASE:
                    base_j = j
                elif h in by_label and by_label[h] not in opt_cols:
                    opt_cols[by_label[h]] = j
                elif h in by_label:
                    problems.append(
                        Problem(
                            name,
                            rows[hi],
                            where(j),
                            raw_header[j],
                            "unique",
                            f"a second '{by_label[h]}' column under {qid.upper()} (the first is "
                            f"{where(opt_cols[by_label[h]])}): the question appears twice",
                        )
                    )
                else:
                    problems.append(
                        Problem(
                            name,
                            rows[hi],
                            where(j),
                            raw_header[j] if j < len(raw_header) else "",
                            "item-map:response_options",
                            f"is not a response option of {m.question or qid} in {year} in the "
                            f"item map ({', '.join(options)}) nor a base column: is the question "
                            "numbered differently that year?",
                        )
                    )
            missing = [o for o in options if o not in opt_cols]
            if base_j is None or missing:
                what = (
                    ["a base column (Base / Number of responses)"] if base_j is None else []
                ) + [f"'{o}'" for o in missing]
                problems.append(
                    Problem(
                        name,
                        rows[hi],
                        qcols[cols[0]][1][:60],
                        None,
                        "missing-column",
                        f"{qid.upper()} has no column for {', '.join(what)} under it",
                    )
                )
                continue
            blocks_all.append(
                (name, sheet, records, rows, hi, org_j, group_j, qid, m, opt_cols, base_j, where)
            )
            for rec, rown in zip(records[hi + 1 :], rows[hi + 1 :]):
                for j in opt_cols.values():
                    v = _num(rec[j] if j < len(rec) else "")
                    if isinstance(v, float):
                        cells.append((v, name, rown, where(j)))
    wb.close()
    if problems:
        raise ValidationError(problems)
    if not blocks_all:
        raise ValueError(
            f"{path}: no question of the item map for {year} "
            f"({', '.join(sorted(wanted)) or 'none asked'}) was found in any sheet's question row"
        )
    div = _scale_divisor(cells, scale)
    out = []
    tol = 0.015  # published percentages are rounded: the options add up to 100 ± 1.5
    for (
        name,
        sheet,
        records,
        rows,
        hi,
        org_j,
        group_j,
        qid,
        m,
        opt_cols,
        base_j,
        where,
    ) in blocks_all:
        positive = [o for o in m.positive.split("|") if o]
        outside = [o for o in (m.outside_base or "").split("|") if o and o in opt_cols]
        for rec, rown in zip(records[hi + 1 :], rows[hi + 1 :]):
            width = max([*opt_cols.values(), base_j, org_j, group_j or 0]) + 1
            rec = rec + [""] * (width - len(rec))
            org = rec[org_j].strip()
            if not org and not any(rec[j].strip() for j in opt_cols.values()):
                continue  # a blank or notes row
            group = rec[group_j].strip() if group_j is not None else sheet
            vals = {o: _num(rec[j]) for o, j in opt_cols.items()}
            n = _num(rec[base_j])
            bad = [(o, v) for o, v in vals.items() if isinstance(v, str)]
            if bad:
                problems += [
                    Problem(name, rown, where(opt_cols[o]), v, "type:number", "is not a number")
                    for o, v in bad
                ]
                continue
            if all(v is None for v in vals.values()):
                p_val = None
            else:
                if any(v is None for v in vals.values()):
                    o = next(o for o, v in vals.items() if v is None)
                    problems.append(
                        Problem(
                            name,
                            rown,
                            where(opt_cols[o]),
                            "",
                            "required",
                            "a blank option next to published ones: give 0 or leave the whole "
                            "question blank",
                        )
                    )
                    continue
                negative = [(o, v) for o, v in vals.items() if v < 0]
                if negative:
                    problems += [
                        Problem(
                            name,
                            rown,
                            where(opt_cols[o]),
                            f"{v:g}",
                            "range:0-100" if div == 100 else "range:0-1",
                            "a share of responses cannot be negative",
                        )
                        for o, v in negative
                    ]
                    continue
                total = sum(vals.values()) / div
                if abs(total - 1) > tol:
                    problems.append(
                        Problem(
                            name,
                            rown,
                            qid.upper(),
                            f"{total * div:g}",
                            "check:options-sum",
                            f"the response options of {qid.upper()} add up to {total * div:g} "
                            f"{'%' if div == 100 else ''}, not {'100 %' if div == 100 else '1'}",
                        )
                    )
                    continue
                out_share = sum(vals[o] for o in outside) / div
                pos_share = sum(vals[o] for o in positive) / div
                if total - out_share <= 0:
                    p_val = None
                else:
                    p_val = pos_share / (total - out_share)
                    if outside and isinstance(n, float):
                        # Assumption (not established from public sources): the base counts every
                        # response shown, so the outside-base options are taken out of it too.
                        n = float(round(n * (total - out_share) / total))
            out.append(
                _rec(
                    org,
                    year,
                    qid,
                    None,
                    p_val,
                    n,
                    group or None,
                    name,
                    rown,
                    where(opt_cols[positive[0]]),
                    "year",
                    None,
                    where(base_j),
                )
            )
    if problems:
        raise ValidationError(problems)
    return out, ("percent" if div == 100 else "proportion")


def _thresholds(item_map: pd.DataFrame, min_base) -> dict:
    per_year = item_map.groupby("year")["min_base"].max().to_dict()
    if min_base is None:
        return per_year
    if isinstance(min_base, dict):
        out = dict(per_year)
        out.update({int(k): v for k, v in min_base.items()})
        values = out.values()
    else:
        out = {y: min_base for y in per_year}
        values = [min_base]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(
                f"min_base must be a whole number ≥ 1 (or a dict year → number); got {v!r}"
            )
    return out


def read_staff_survey(
    path: str | Path | None = None,
    *,
    item_map=None,
    min_base=None,
    benchmark_groups=None,
    regions=None,
    year=None,
    scale: str = "auto",
) -> pd.DataFrame:
    """Read trust-level Staff Survey results into one long, harmonised, suppressed table.

    Parameters
    ----------
    path : str or Path, optional
        A results file (default: the bundled synthetic ``data/examples/staff_survey.csv``). Layouts,
        told apart by the header:

        * **tidy** CSV/XLSX following ``data/schemas/staff_survey.schema.json``
          (``org_code, year, item, positive, estimate, base``);
        * **published wide**: one row per organisation, ``q22c_2019`` holding a 0–1 proportion and
          ``q22c_n_2019`` its base; in an XLSX every sheet is read and its name is the benchmark
          group (a ``benchmark_group`` / ``Benchmarking group`` column wins over the sheet name)
          and sheets without a ``q…_<year>`` column (the published workbook's ``Notes`` and
          ``Organisation Benchmark groups``) are skipped;
        * the real **acute-trust panel** (``Code``, ``Year.Index``, ``Responses``, ``*.dichot``
          proportions) — items are the ``*.dichot`` columns the item map names, base ``Responses``;
        * the real **organisation results 2021–2024** (``ODS code``, ``Year``, ``<item>_base`` /
          ``<item>_rate`` with rates in %) — items are those the item map names for the year;
        * a **detailed spreadsheet** (XLSX, one survey year per file, so ``year=`` is required):
          in each sheet, question text beginning with its number (``Q21b. My organisation acts
          on…``) in a merged cell above the question's columns, and below it a header row holding
          an organisation-code column (``Org code``, ``Organisation code``, ``ODS code`` or
          ``Trust code``), one column per response option (percentages of responses, labelled as
          the item map's ``response_options``) and a ``Base`` (or ``Number of responses``) column.
          The header row is found, not assumed: the first of the top 10 rows holding both an
          org-code and a base label below a question. Sheets without one (``Notes``) are skipped;
          a sheet's name is the benchmark group unless a ``Benchmarking group`` column names it.
          The estimate is the sum of the item map's ``positive`` options; options the map puts
          outside the base (``Don't know``) are taken out of the estimate and, pro rata, of the
          base. Only the questions the map names for ``year`` are read; rows without an ODS code
          (averages) are listed in ``attrs["exclusions"]``. A question's text must read as the
          map's ``wording`` for that year (at least half its words): a number that belongs to
          another question that year is an error (rule ``item-map:wording``), not a silently
          wrong series — questionnaires renumber (2020 dropped 17 questions and added 10).

          Sourced (the search tool, December 2026): detailed spreadsheets give response-option
          distributions as 0–100 percentages in one column per option, are unweighted, and
          their averages are means of organisation means (nhsstaffsurveys.com, "Staff Survey 2018 -
          Detailed Spreadsheets"; a public audit of the 2021–2025 files citing
          ``NSS25-Detailed-spreadsheets.zip``). **Not established from any public source found**:
          the 2021+ arrangement of one sheet per questionnaire section with the question text on
          row 1 and the header on row 5 (stated in issue 16 only), every detail of the 2015–2020
          sheet structure, the exact labels of the code and base columns, where the year is
          written, and whether the percentages include ``Don't know`` (assumed they do). Hence the
          header search and the label lists rather than fixed rows; a real file that differs is
          an error naming its sheet, row and column, not a silent misreading.

        Question IDs are matched in any case (``Q22c``, ``q22c``, ``Q22C``); the table's ``item``
        is the item map's own code.
    item_map : str, Path or DataFrame, optional
        The item map (default :data:`ITEM_MAP`; see :func:`load_item_map`).
    min_base : int or dict, optional
        Publication threshold: results with a base below it are suppressed. Default: the item map's
        ``min_base`` for each year (11 up to 2018, 10 from 2019). An int applies to every year; a
        dict ``{year: threshold}`` overrides single years.
    benchmark_groups : str, Path or DataFrame, optional
        A lookup of ODS code → benchmarking group (``ODS code`` / ``org_code`` and
        ``Benchmarking group`` / ``benchmark_group`` columns, e.g. the bundled
        ``staff_survey_benchmark_groups.csv``) used where the results file has no group. Trusts it
        does not name keep a blank group, listed in ``attrs["benchmark_group_unknown"]``.
    regions : str, Path or DataFrame, optional
        A lookup of ODS code → NHS England region, for ``item_trend(..., by="region")``: an
        ``org_code`` / ``ODS code`` column and either ``region`` (names) or ``nhser_code`` (``Y56``…,
        turned into names; e.g. the bundled ``ods_nhs_trusts_2025.csv``). A wide file's own
        ``region`` column is used first. Trusts it does not name (codes change when trusts merge)
        keep a blank region, listed in ``attrs["region_unknown"]``.
    year : int, optional
        The survey year of a detailed spreadsheet (required for that layout, refused for the
        others, whose columns name their years).
    scale : {"auto", "proportion", "percent"}
        How the tidy ``estimate``, the wide ``q22c_2019`` values and a detailed spreadsheet's
        option cells are given. ``"auto"`` (default) decides per file: percentages (0–100) when any
        value exceeds 1, else proportions (0–1); in a file of percentages a value strictly between
        0 and 1 is an error naming its row and column (a column mixing the two scales), never a
        guess per cell. Pass ``"percent"`` for a file whose percentages are all at most 1 %. The
        real panels' scales are fixed by their layout. ``attrs["scale"]`` says which was used.

    Returns
    -------
    pandas.DataFrame
        ``org_code``, ``year``, ``series``, ``item``, ``positive``, ``base``, ``estimate`` (0–1),
        ``suppressed``, ``benchmark_group``, ``region``; one row per trust × year × series.
        Suppressed rows keep their base and have ``positive`` and ``estimate`` blank — nothing is
        imputed. Where only a
        proportion is published, ``positive`` is reconstructed as ``round(estimate × base)``.
        ``attrs["exclusions"]`` lists every source row not turned into a result (no published value,
        or not a single ODS code such as merged CCG submissions ``01T/01V``) with the reason;
        ``attrs["thresholds"]`` the threshold used per year.

    Raises
    ------
    ValidationError
        With file (and sheet), row as the spreadsheet shows it, column, value and rule for: a year
        missing from the item map, an item code the map does not know for that year, a proportion
        outside 0–1 or a percentage outside 0–100, a file mixing the two, a base ≤ 0 or not whole,
        a count above its base or inconsistent with the proportion, duplicate trust × year rows for
        a series; in a detailed spreadsheet also a header label that is not one of the item's
        response options (a sign the question is numbered otherwise that year), a missing option
        or base column, a blank option beside published ones, and options not adding up to
        100 % (± 1.5 for rounding).
    ValueError
        A file whose layout cannot be told from its header, a detailed spreadsheet without
        ``year=`` (or with a year the map lacks, or none of the map's questions), an unknown
        ``scale``.

    References
    ----------
    NHS Staff Survey Co-ordination Centre. Staff Survey 2018 - Detailed Spreadsheets.
    nhsstaffsurveys.com (unweighted data; averages are means of organisation means).

    NHS Staff Survey Co-ordination Centre. NSS Benchmark Report Excel Data 2021–2025 and the 2025
    detailed spreadsheets, nhsstaffsurveys.com/results/local-results/ (as described by a public
    audit of them: proportions 0–1 in the benchmark workbook, percentages 0–100 in the detailed
    spreadsheets).

    Examples
    --------
    >>> from aeeval import read_staff_survey
    >>> results = read_staff_survey()
    >>> sorted(results["series"].unique())
    ['acts_on_concerns', 'q22c']
    >>> int(results["suppressed"].sum()) > 0
    True
    >>> results.attrs["scale"]
    'proportion'
    """
    if scale not in _SCALES:
        raise ValueError(f"scale must be one of {', '.join(_SCALES)}; got {scale!r}")
    path = Path(path) if path is not None else EXAMPLES / "staff_survey.csv"
    imap = item_map if isinstance(item_map, pd.DataFrame) else load_item_map(item_map)
    thresholds = _thresholds(imap, min_base)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True)
            sheets = list(wb.sheetnames)
            wb.close()
        except FileNotFoundError:
            raise ValidationError(
                [Problem(str(path), None, None, None, "file", "file does not exist")]
            ) from None
        sheet_records = [(s, read_cells(path, s)) for s in sheets]
    else:
        sheets = [None]
        sheet_records = [(None, read_cells(path))]
    header = [h.strip() for h in sheet_records[0][1][0][0]]
    headers = {}
    if sheets != [None]:
        headers = {s: _detailed_header(recs) for s, (recs, _) in sheet_records}
    try:
        layout = _layout(header)
    except ValueError:
        later = [
            [h.strip() for h in recs[0]]
            for _, (recs, _) in sheet_records[1:]
            if any(_WIDE_P.match(h.strip()) for h in recs[0])
        ]
        if later:
            layout = "wide"  # a benchmark workbook whose first sheet is its "Notes"
        elif any(h is not None for h in headers.values()):
            layout = "detailed"
        else:
            raise
    if year is not None and layout != "detailed":
        raise ValueError(
            f"{path}: year= is only for a detailed spreadsheet (one survey year per file); this "
            f"file's layout ({layout}) names the year in its columns"
        )
    used_scale = None
    if layout == "tidy":
        records = _records_tidy(path)
        used_scale = _apply_scale(records, scale)
    elif layout == "wide":
        records = _records_wide(path, sheet_records)
        used_scale = _apply_scale(records, scale)
    elif layout == "detailed":
        records, used_scale = _records_detailed(path, sheet_records, headers, imap, year, scale)
    else:
        records = _records_real(path, *sheet_records[0][1], layout, imap)
        used_scale = "proportion" if layout == "acute_panel" else "percent"
    out = _harmonise(records, imap, thresholds, layout, str(path))
    if benchmark_groups is not None:
        out = _add_lookup(
            out,
            benchmark_groups,
            "benchmark_group",
            ("benchmark_group", "Benchmarking group"),
            "benchmark group",
        )
    if regions is not None:
        out = _add_lookup(out, regions, "region", ("region", "nhser_code"), "region", NHSER_NAMES)
    out.attrs["layout"] = layout
    out.attrs["scale"] = used_scale
    return out


def _harmonise(
    records: list[dict], imap: pd.DataFrame, thresholds: dict, layout: str, source: str
) -> pd.DataFrame:
    asked = imap[imap["status"] == "asked"]
    lookup = {
        (int(y), str(i).lower()): s
        for y, i, s in zip(asked["year"], asked["item"], asked["series"])
    }
    # question IDs in any case (Q22c, q22c, Q22C) become the map's own item code
    codes = {(int(y), str(i).lower()): str(i) for y, i in zip(asked["year"], asked["item"])}
    map_years = set(imap["year"])
    problems, kept, excluded = [], [], []
    for r in records:
        loc = (r["_file"], r["_row"])
        item_key = str(r["item"]).lower()
        if not _ODS.match(r["org_code"] or ""):
            if layout == "tidy":
                problems.append(
                    Problem(*loc, "org_code", r["org_code"], "pattern", "is not an ODS code")
                )
            else:
                excluded.append((r, "not a single ODS code (e.g. a merged submission): excluded"))
            continue
        if r["year"] not in map_years:
            problems.append(
                Problem(
                    *loc,
                    r["_year_col"],
                    str(r["year"]),
                    "item-map:year",
                    f"year {r['year']} is not in the item map (years mapped: "
                    f"{min(map_years)}–{max(map_years)}); add its rows to the map",
                )
            )
            continue
        series = lookup.get((r["year"], item_key))
        if series is None:
            known = sorted(asked.loc[asked["year"] == r["year"], "item"])
            problems.append(
                Problem(
                    *loc,
                    "item" if layout == "tidy" else r["_col"],
                    r["item"],
                    "item-map:item",
                    f"item '{r['item']}' is not in the item map for "
                    f"{r['year']} (items asked that year: {', '.join(known) or 'none'})",
                )
            )
            continue
        p, n, k = r["estimate"], r["base"], r["positive"]
        for col, v in (("estimate", p), ("base", n)):
            if isinstance(v, str):
                problems.append(
                    Problem(
                        *loc,
                        r["_col"] if col == "estimate" else r["_base_col"],
                        v,
                        "type:number",
                        "is not a number",
                    )
                )
        if any(isinstance(v, str) for v in (p, n)):
            continue
        if p is None and k is None and n is None:
            excluded.append((r, "no result published (blank)"))
            continue
        if n is None or n <= 0 or n != round(n):
            problems.append(
                Problem(
                    *loc,
                    r["_base_col"],
                    "" if n is None else f"{n:g}",
                    "base>0",
                    "the base must be a whole number of at least 1",
                )
            )
            continue
        if p is not None and not 0 <= p <= 1:
            problems.append(
                Problem(
                    *loc,
                    r["_col"],
                    f"{p:g}",
                    "range:0-1",
                    "a proportion must lie between 0 and 1 (or a percentage between 0 and 100)",
                )
            )
            continue
        if k is not None and p is not None and abs(k / n - p) > 0.5 / n + 1e-9:
            problems.append(
                Problem(
                    *loc,
                    "estimate",
                    f"{p:g}",
                    "check:positive/base",
                    f"estimate disagrees with positive/base = {k:g}/{n:g}",
                )
            )
            continue
        if k is None and p is not None:
            k = float(round(p * n))
        kept.append(
            {
                "org_code": r["org_code"],
                "year": r["year"],
                "series": series,
                "item": codes[(r["year"], item_key)],
                "positive": k,
                "base": n,
                "estimate": None if k is None else k / n,
                "benchmark_group": r["benchmark_group"],
                "region": r["region"],
                "_loc": loc,
            }
        )
    if not problems and kept:
        frame = pd.DataFrame(kept)
        dup = frame.duplicated(["org_code", "year", "series"], keep=False)
        if dup.any():
            first = {}
            for i in np.flatnonzero(dup.to_numpy()):
                key = tuple(frame.loc[i, ["org_code", "year", "series"]])
                if key in first:
                    problems.append(
                        Problem(
                            *frame.at[i, "_loc"],
                            "org_code",
                            key[0],
                            "duplicate",
                            f"a second result for {key[0]} in {key[1]} ({key[2]}); the "
                            f"first is at {first[key][0]} row {first[key][1]}",
                        )
                    )
                else:
                    first[key] = frame.at[i, "_loc"]
    if problems:
        raise ValidationError(problems)
    if not kept:
        raise ValueError(
            f"{source}: no staff survey results for any series in the item map "
            f"({len(excluded)} row(s) excluded)"
        )
    frame = pd.DataFrame(kept).drop(columns="_loc")
    thr = frame["year"].map(thresholds)
    withheld = frame["positive"].isna()
    small = frame["base"] < thr
    frame["suppressed"] = small | withheld
    frame.loc[frame["suppressed"], ["positive", "estimate"]] = np.nan
    out = pd.DataFrame(
        {
            "org_code": frame["org_code"].astype("str"),
            "year": frame["year"].astype("int64"),
            "series": frame["series"].astype("str"),
            "item": frame["item"].astype("str"),
            "positive": frame["positive"].round().astype("Int64"),
            "base": frame["base"].round().astype("int64"),
            "estimate": frame["estimate"].astype("float64"),
            "suppressed": frame["suppressed"].astype(bool),
            "benchmark_group": _text(frame["benchmark_group"]),
            "region": _text(frame["region"]),
        }
    ).sort_values(["series", "org_code", "year"], ignore_index=True)
    out.attrs["exclusions"] = pd.DataFrame(
        [
            {
                "org_code": r["org_code"],
                "year": r["year"],
                "item": r["item"],
                "file": r["_file"],
                "row": r["_row"],
                "reason": why,
            }
            for r, why in excluded
        ],
        columns=["org_code", "year", "item", "file", "row", "reason"],
    )
    declare(out.attrs["exclusions"], rule="none")  # source rows and reasons, no results
    out.attrs["thresholds"] = {int(k): int(v) for k, v in thresholds.items()}
    out.attrs["source"] = source
    return out


def _text(values: pd.Series) -> pd.Series:
    """A text column with blanks and '-' as missing."""
    return pd.Series(
        values.replace({"": None, "-": None}).to_numpy(dtype=object),
        index=values.index,
        dtype="str",
    )


def _add_lookup(
    results: pd.DataFrame,
    table,
    target: str,
    value_cols: tuple,
    what: str,
    translate: dict | None = None,
) -> pd.DataFrame:
    """Fill ``target`` where blank from an ODS code → value lookup (a CSV path or a DataFrame)."""
    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table, dtype=str, keep_default_na=False)
    code = next((c for c in ("org_code", "ODS code") if c in table.columns), None)
    value = next((c for c in value_cols if c in table.columns), None)
    if code is None or value is None:
        raise KeyError(
            f"{what} lookup needs an 'org_code' (or 'ODS code') column and one of "
            f"{', '.join(repr(c) for c in value_cols)}; got {', '.join(map(str, table.columns))}"
        )
    values = table[value].astype("string").str.strip()
    if translate is not None and value == "nhser_code":
        values = values.map(lambda v: translate.get(v, v) if isinstance(v, str) else v)
    lookup = _text(
        pd.Series(values.to_numpy(dtype=object), index=table[code].astype(str).str.strip())
    )
    lookup = lookup[~lookup.index.duplicated(keep="last")]
    out = results.copy()
    out[target] = out[target].fillna(out["org_code"].map(lookup))
    out.attrs[f"{target}_unknown"] = sorted(out.loc[out[target].isna(), "org_code"].unique())
    return out


def select_staff_survey(
    results: pd.DataFrame, *, years=None, series=None, benchmark_group: str | None = None
) -> pd.DataFrame:
    """Keep some years, series or one benchmark group of a :func:`read_staff_survey` table.

    A reshaping helper for notebooks: an empty selection is an error naming what is available.

    Examples
    --------
    >>> from aeeval import read_staff_survey, select_staff_survey
    >>> sel = select_staff_survey(read_staff_survey(), years=[2019, 2020], series="q22c")
    >>> sorted(sel["year"].unique().tolist())
    [2019, 2020]
    """
    keep = pd.Series(True, index=results.index)
    if years is not None:
        years = [years] if isinstance(years, (int, np.integer)) else list(years)
        missing = sorted(set(years) - set(results["year"]))
        if missing:
            raise ValueError(
                f"year(s) {missing} are not in the results "
                f"(years: {', '.join(map(str, sorted(results['year'].unique())))})"
            )
        keep &= results["year"].isin(years)
    if series is not None:
        series = [series] if isinstance(series, str) else [s for s in series if s]
        missing = [s for s in series if s not in set(results["series"])]
        if missing:
            which = f"series '{missing[0]}' is" if len(missing) == 1 else f"series {missing} are"
            raise ValueError(
                f"{which} not in the results "
                f"(series: {', '.join(sorted(results['series'].unique()))})"
            )
        keep &= results["series"].isin(series)
    if benchmark_group is not None:
        groups = sorted(results["benchmark_group"].dropna().unique())
        if benchmark_group not in groups:
            raise ValueError(
                f"benchmark group '{benchmark_group}' is not in the results "
                f"(groups: {'; '.join(groups) or 'none: pass benchmark_groups= to read_staff_survey'})"
            )
        keep &= results["benchmark_group"] == benchmark_group
    out = results[keep].reset_index(drop=True)
    out.attrs = dict(results.attrs)
    return out


def load_fieldwork(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the table of Staff Survey fieldwork periods, one row per survey year.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with ``year``, ``fieldwork_start``, ``fieldwork_end`` (ISO dates, blank where no
        public source was found), ``precision`` (``day`` or ``month``: the source named months
        only, so the first day of the start month and the last day of the end month are used),
        ``source`` and ``note`` (default: the bundled :data:`FIELDWORK`; see
        ``data/schemas/README.md``).

    Returns
    -------
    pandas.DataFrame
        The same columns, dates as ``datetime64`` (``NaT`` where blank), sorted by year.

    Raises
    ------
    ValueError
        A missing column, a year named twice, a date that is not ISO, a start after its end, only
        one of the two dates, or a row without a ``source`` (each message names the row).

    Examples
    --------
    >>> from aeeval.staff_survey import load_fieldwork
    >>> fw = load_fieldwork()
    >>> fw.set_index("year").loc[2020, ["fieldwork_start", "fieldwork_end"]].dt.strftime("%Y-%m").tolist()
    ['2020-10', '2020-11']
    """
    path = Path(path) if path is not None else FIELDWORK
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = ["year", "fieldwork_start", "fieldwork_end", "precision", "source", "note"]
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: the fieldwork table needs the column(s) {', '.join(missing)}")
    table = table[cols].apply(lambda c: c.str.strip())
    rows = range(2, len(table) + 2)
    years = pd.to_numeric(table["year"], errors="coerce")
    for row, y, v in zip(rows, years, table["year"]):
        if pd.isna(y) or y != round(y):
            raise ValueError(f"{path} row {row}: year {v!r} is not a year")
    table["year"] = years.astype("int64")
    dup = table["year"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ValueError(f"{path} row {i + 2} names {table['year'].iloc[i]} a second time")
    for col in ("fieldwork_start", "fieldwork_end"):
        parsed = pd.to_datetime(table[col].replace("", None), errors="coerce", format="%Y-%m-%d")
        bad = parsed.isna() & (table[col] != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{path} row {i + 2}, column '{col}': {table[col].iloc[i]!r} is not an ISO date"
            )
        table[col] = parsed
    for row, (_, r) in zip(rows, table.iterrows()):
        start, end = r["fieldwork_start"], r["fieldwork_end"]
        if pd.isna(start) != pd.isna(end):
            raise ValueError(
                f"{path} row {row} ({r['year']}): give both fieldwork dates or neither"
            )
        if pd.notna(start) and start > end:
            raise ValueError(
                f"{path} row {row} ({r['year']}): fieldwork_start is after fieldwork_end"
            )
        if pd.notna(start) and start.year != r["year"]:
            raise ValueError(
                f"{path} row {row} ({r['year']}): fieldwork_start is not in the survey year"
            )
        if pd.notna(start) and r["precision"] not in ("day", "month"):
            raise ValueError(f"{path} row {row} ({r['year']}): precision must be 'day' or 'month'")
        if not r["source"]:
            raise ValueError(
                f"{path} row {row} ({r['year']}): every year needs a source (or 'no public "
                "source found: ...')"
            )
    return table.sort_values("year", ignore_index=True)


# -------------------------------------------------------------------------------------- register


def _read_register(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """A register file: the programme register (validated by its schema) or any CSV / XLSX with
    ``org_code`` and ``start_year`` (or ``start_date``). Returns the table and its spreadsheet rows."""
    records, rows = read_cells(path)
    header = [h.strip() for h in records[0]]
    programme = [
        f["name"]
        for f in json.loads((SCHEMAS / "register.schema.json").read_text("utf-8"))["fields"]
    ]
    if set(programme) <= set(header):
        table = read_table(path, "register")
        return table, list(table.attrs["rows"])
    body = [r + [""] * (len(header) - len(r)) for r in records[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object).apply(lambda c: c.str.strip())
    if "org_code" not in table.columns:
        raise ValidationError(
            [
                Problem(
                    str(path),
                    rows[0],
                    "org_code",
                    None,
                    "missing-column",
                    "a register needs an org_code (ODS code) column",
                )
            ]
        )
    bad = [
        Problem(str(path), rows[i + 1], "org_code", v, "pattern", "is not an ODS code")
        for i, v in enumerate(table["org_code"])
        if not _ODS.match(v or "")
    ]
    if bad:
        raise ValidationError(bad)
    return table, rows[1:]


def register_start_years(register) -> pd.DataFrame:
    """The year each trust joined the programme, one row per trust, from a register.

    Parameters
    ----------
    register : pandas.DataFrame, str or Path
        A table or a CSV / XLSX file: the programme register (checked against its schema) or any
        file with ``org_code`` and ``start_year`` (or ``start_date``: a date, ISO ``2016-04-01`` or
        UK ``01/04/2016``, of which the calendar year is used; ``start_year`` wins when both are
        present).

    Returns
    -------
    pandas.DataFrame
        ``org_code``, ``start_year`` (int), ``start_date`` (``datetime64``; ``NaT`` when the year
        came from ``start_year``). ``attrs["start_year_from"]`` says which column was used.

    Raises
    ------
    ValueError
        A blank or non-year start, or a trust named twice (the message gives the file's row).
    KeyError
        No ``org_code`` or no ``start_year`` / ``start_date`` column.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> from aeeval.staff_survey import register_start_years
    >>> years = register_start_years(EXAMPLES / "register.csv")
    >>> list(years.columns), years.attrs["start_year_from"]
    (['org_code', 'start_year', 'start_date'], 'start_date (calendar year)')
    """
    if isinstance(register, (str, Path)):
        source_name = str(register)
        register, rows = _read_register(Path(register))
    else:
        source_name = "register"
        rows = list(range(2, len(register) + 2))  # as if written to a CSV with a header row
    if "org_code" not in register.columns:
        raise KeyError("register needs an 'org_code' column")
    dates = pd.Series(pd.NaT, index=register.index, dtype="datetime64[ns]")
    if "start_year" in register.columns:
        source = "start_year"
        start = pd.to_numeric(register["start_year"], errors="coerce")
        start = start.where(start == start.round())
    elif "start_date" in register.columns:
        source = "start_date (calendar year)"
        dates = register["start_date"]
        if not pd.api.types.is_datetime64_any_dtype(dates):
            # ISO 2016-04-01 or UK 01/04/2016 as Excel writes them (never month-first). ISO is
            # parsed on its own first: format="mixed" with dayfirst=True reads 2017-03-11 as
            # 3 November, which moves the first exposed survey (tests/test_exposure.py)
            text = dates.astype("string").str.strip()
            iso = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
            uk = pd.to_datetime(text, errors="coerce", format="%d/%m/%Y")
            other = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=True)
            dates = iso.fillna(uk).fillna(other)
        start = dates.dt.year
    else:
        raise KeyError(
            "register needs a 'start_year' (or 'start_date') column: the year each trust joined"
        )
    bad = start.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        col = "start_year" if source == "start_year" else "start_date"
        raise ValueError(
            f"{source_name} row {rows[i]} ({register['org_code'].iloc[i]}), column '{col}', "
            f"value {register[col].iloc[i]!r}: the start year is blank or not a year"
        )
    reg = pd.DataFrame(
        {
            "org_code": register["org_code"].astype(str).to_numpy(),
            "start_year": start.astype("int64").to_numpy(),
            "start_date": pd.to_datetime(dates).to_numpy(),
        }
    )
    dup = reg["org_code"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ValueError(
            f"{source_name} row {rows[i]} names {reg['org_code'].iloc[i]} a second time: "
            "one start year per trust"
        )
    reg.attrs["start_year_from"] = source
    return reg
