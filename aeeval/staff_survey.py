"""NHS Staff Survey: the item map, reading trust results, trends, participation models, funnel limits.

The questionnaire changed over the years, so which question number holds which *series* in which
year lives in a mapping file, ``data/schemas/staff_survey_items.csv`` (see ``data/schemas/README.md``),
never in code. :func:`read_staff_survey` turns a results file — the project's tidy CSV, the published
wide layout (``q22c_2019`` / ``q22c_n_2019`` columns, one XLSX sheet per benchmark group) or the two
real panels bundled in ``data/public`` — into one long table, one row per trust × year × series, and
suppresses results below the publication threshold. The statistics take that table:
:func:`item_trend`, :func:`participation_effect`, :func:`pretrend_test`, :func:`funnel_limits` and
:func:`funnel_flags`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .disclosure import declare
from .options import DEFAULT_CONFIDENCE, check_choice, check_confidence
from .paths import EXAMPLES, SCHEMAS
from .proportions import proportion_ci
from .schemas import Problem, ValidationError, _read_cells, read_table

__all__ = [
    "ITEM_MAP",
    "VOLUNTARY_CAVEAT",
    "funnel_flags",
    "funnel_limits",
    "item_trend",
    "load_item_map",
    "participation_effect",
    "pretrend_test",
    "read_staff_survey",
    "select_staff_survey",
]

#: The bundled item map.
ITEM_MAP = SCHEMAS / "staff_survey_items.csv"

#: Plain-English caveat attached to every participation comparison.
VOLUNTARY_CAVEAT = (
    "Joining Always Events was voluntary: trusts chose to take part, so they may differ from the rest "
    "in ways that trust and year fixed effects do not remove (for example a rising culture of "
    "listening to patients that led them both to join and to score better). Read the estimate as an "
    "association between joining and the item, not as the effect of the programme."
)

RESULT_COLUMNS = ["org_code", "year", "series", "item", "positive", "base", "estimate", "suppressed",
                  "benchmark_group", "region"]

#: NHS England region codes (ODS ``nhser_code``) and their names, as in data/public/README.md.
NHSER_NAMES = {"Y56": "London", "Y58": "South West", "Y59": "South East", "Y60": "Midlands",
               "Y61": "East of England", "Y62": "North West", "Y63": "North East and Yorkshire"}
_MAP_COLUMNS = ["series", "year", "status", "item", "question", "wording", "response_options",
                "positive", "outside_base", "flag", "min_base", "base_column", "note"]
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
        spliced on), ``min_base`` (publication threshold that year), ``base_column`` and ``note``.

    Raises
    ------
    ValidationError
        A missing column, an unknown status, a duplicated series-year, an asked row without an item,
        or one item code mapped to two series in the same year.

    Examples
    --------
    >>> from aeeval import load_item_map
    >>> m = load_item_map(series="q22c")
    >>> m.loc[m["status"] == "asked", "year"].tolist()
    [2015, 2016, 2017, 2018, 2019, 2020]
    """
    path = Path(path) if path is not None else ITEM_MAP
    records, rows = _read_cells(path)
    name = str(path)
    header = [h.strip() for h in records[0]]
    missing = [c for c in _MAP_COLUMNS if c not in header]
    if missing:
        raise ValidationError([Problem(name, rows[0], c, None, "missing-column",
                                       "item map column is missing") for c in missing])
    body = [r + [""] * (len(header) - len(r)) for r in records[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object)[_MAP_COLUMNS]
    table = table.apply(lambda s: s.str.strip())
    problems = []
    for i, rec in table.iterrows():
        row = rows[i + 1]
        if not re.fullmatch(r"\d{4}", rec["year"] or ""):
            problems.append(Problem(name, row, "year", rec["year"], "year", "is not a four-digit year"))
        if rec["status"] not in _STATUSES:
            problems.append(Problem(name, row, "status", rec["status"], "enum",
                                    f"is not one of {', '.join(_STATUSES)}"))
        if rec["status"] == "asked" and not rec["item"]:
            problems.append(Problem(name, row, "item", "", "required",
                                    "an asked item needs its item code"))
        if not re.fullmatch(r"\d+", rec["min_base"] or ""):
            problems.append(Problem(name, row, "min_base", rec["min_base"], "type:integer",
                                    "publication threshold must be a whole number"))
    if problems:
        raise ValidationError(problems)
    table["year"] = table["year"].astype("int64")
    table["min_base"] = table["min_base"].astype("int64")
    table["item_key"] = table["item"].str.lower()
    for cols, what in ((["series", "year"], "series and year"), (["item_key", "year"], "item and year")):
        sub = table[table["status"] == "asked"] if "item_key" in cols else table
        dup = sub[sub.duplicated(cols, keep=False)]
        if len(dup):
            first = dup.iloc[0]
            problems = [Problem(name, rows[i + 1], ", ".join(cols), f"{first[cols[0]]}, {first['year']}",
                                "unique", f"the same {what} appears on more than one row")
                        for i in dup.index]
            raise ValidationError(problems)
    if series is not None:
        wanted = [series] if isinstance(series, str) else [s for s in series if s]
        unknown = [s for s in wanted if s not in set(table["series"])]
        if unknown:
            raise KeyError(f"series {unknown} are not in the item map {name} "
                           f"(series: {', '.join(sorted(set(table['series'])))})")
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
        f"columns. Header: {', '.join(header[:12])}{' …' if len(header) > 12 else ''}")


def _rec(org, year, item, positive, estimate, base, group, file, row, col, year_col="year", region=None):
    return {"org_code": org, "year": year, "item": item, "positive": positive, "estimate": estimate,
            "base": base, "benchmark_group": group, "region": region, "_file": file, "_row": row,
            "_col": col, "_year_col": year_col}


def _records_tidy(path: Path) -> list[dict]:
    table = read_table(path, "staff_survey")
    out = []
    for i, r in enumerate(table.itertuples(index=False)):
        out.append(_rec(r.org_code, int(r.year), r.item, None if pd.isna(r.positive) else float(r.positive),
                        None if pd.isna(r.estimate) else float(r.estimate), float(r.base), None,
                        str(path), table.attrs["rows"][i], "estimate"))
    return out


def _records_wide(path: Path, sheet_records) -> list[dict]:
    out = []
    for sheet, (records, rows) in sheet_records:
        name = f"{path} (sheet '{sheet}')" if sheet else str(path)
        header = [h.strip() for h in records[0]]
        org_col = next((c for c in ("org_code", "ODS code", "Org code", "Code") if c in header), None)
        if org_col is None:
            raise ValidationError([Problem(name, rows[0], "org_code", None, "missing-column",
                                           "wide layout needs an org_code (ODS code) column")])
        group_col = next((c for c in ("benchmark_group", "Benchmarking group") if c in header), None)
        region_col = next((c for c in ("region", "Region") if c in header), None)
        pairs = []
        for j, col in enumerate(header):
            m = _WIDE_P.match(col)
            if m:
                n_name = f"{m.group(1)}_n_{m.group(2)}"
                if n_name not in header:
                    raise ValidationError([Problem(name, rows[0], col, None, "missing-column",
                                                   f"proportion column has no base column {n_name}")])
                pairs.append((j, header.index(n_name), m.group(1).lower(), int(m.group(2)), col))
        for rec, rown in zip(records[1:], rows[1:]):
            rec = rec + [""] * (len(header) - len(rec))
            group = rec[header.index(group_col)].strip() if group_col else (sheet or None)
            region = rec[header.index(region_col)].strip() if region_col else None
            for jp, jn, item, year, col in pairs:
                p, n = _num(rec[jp]), _num(rec[jn])
                if p is None and n is None:
                    continue
                out.append(_rec(rec[header.index(org_col)].strip(), year, item, None, p, n, group,
                                name, rown, col, col, region))
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
            raise ValidationError([Problem(str(path), rown, year_col, year_text, "year",
                                           "is not a four-digit survey year")])
        year = int(year_text)
        org = rec[idx[org_col]].strip()
        group = rec[idx[group_col]].strip() if group_col else None
        for item, (col, bcol, scale) in stems.items():
            p, n = _num(rec[idx[col]]), _num(rec[idx[bcol]])
            if p is None and n is None:
                if (year, item) in mapped:
                    out.append(_rec(org, year, item, None, None, None, group, str(path), rown, col,
                                    year_col))
                continue  # blank, and nothing to map: no result either way
            if (year, item) in mapped and isinstance(p, float) and scale == 100.0:
                if p > 100 or p < 0:
                    raise ValidationError([Problem(str(path), rown, col, rec[idx[col]], "range:0-100",
                                                   "a percentage must lie between 0 and 100 %")])
                p = p / 100.0
            out.append(_rec(org, year, item, None, p, n, group, str(path), rown, col, year_col))
    return out


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
            raise ValueError(f"min_base must be a whole number ≥ 1 (or a dict year → number); got {v!r}")
    return out


def read_staff_survey(path: str | Path | None = None, *, item_map=None, min_base=None,
                      benchmark_groups=None, regions=None) -> pd.DataFrame:
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
          group (a ``benchmark_group`` / ``Benchmarking group`` column wins over the sheet name);
        * the real **acute-trust panel** (``Code``, ``Year.Index``, ``Responses``, ``*.dichot``
          proportions) — items are the ``*.dichot`` columns the item map names, base ``Responses``;
        * the real **organisation results 2021–2024** (``ODS code``, ``Year``, ``<item>_base`` /
          ``<item>_rate`` with rates in %) — items are those the item map names for the year.
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
        With file, row, column, value and rule for: a year missing from the item map, an item code
        the map does not know for that year, a proportion outside 0–1 (or a rate above 100 %), a base
        ≤ 0 or not whole, a count above its base or inconsistent with the proportion, and duplicate
        trust × year rows for a series.

    Examples
    --------
    >>> from aeeval import read_staff_survey
    >>> results = read_staff_survey()
    >>> sorted(results["series"].unique())
    ['acts_on_concerns', 'q22c']
    >>> int(results["suppressed"].sum()) > 0
    True
    """
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
            raise ValidationError([Problem(str(path), None, None, None, "file", "file does not exist")]) from None
        sheet_records = [(s, _read_cells(path, s)) for s in sheets]
    else:
        sheets = [None]
        sheet_records = [(None, _read_cells(path))]
    header = [h.strip() for h in sheet_records[0][1][0][0]]
    layout = _layout(header)
    if layout == "tidy":
        records = _records_tidy(path)
    elif layout == "wide":
        records = _records_wide(path, sheet_records)
    else:
        records = _records_real(path, *sheet_records[0][1], layout, imap)
    out = _harmonise(records, imap, thresholds, layout, str(path))
    if benchmark_groups is not None:
        out = _add_lookup(out, benchmark_groups, "benchmark_group",
                          ("benchmark_group", "Benchmarking group"), "benchmark group")
    if regions is not None:
        out = _add_lookup(out, regions, "region", ("region", "nhser_code"), "region", NHSER_NAMES)
    out.attrs["layout"] = layout
    return out


def _harmonise(records: list[dict], imap: pd.DataFrame, thresholds: dict, layout: str,
               source: str) -> pd.DataFrame:
    asked = imap[imap["status"] == "asked"]
    lookup = {(int(y), str(i).lower()): s for y, i, s in zip(asked["year"], asked["item"], asked["series"])}
    map_years = set(imap["year"])
    problems, kept, excluded = [], [], []
    for r in records:
        loc = (r["_file"], r["_row"])
        item_key = str(r["item"]).lower()
        if not _ODS.match(r["org_code"] or ""):
            if layout == "tidy":
                problems.append(Problem(*loc, "org_code", r["org_code"], "pattern", "is not an ODS code"))
            else:
                excluded.append((r, "not a single ODS code (e.g. a merged submission): excluded"))
            continue
        if r["year"] not in map_years:
            problems.append(Problem(*loc, r["_year_col"], str(r["year"]), "item-map:year",
                                    f"year {r['year']} is not in the item map (years mapped: "
                                    f"{min(map_years)}–{max(map_years)}); add its rows to the map"))
            continue
        series = lookup.get((r["year"], item_key))
        if series is None:
            known = sorted(asked.loc[asked["year"] == r["year"], "item"])
            problems.append(Problem(*loc, "item" if layout == "tidy" else r["_col"], r["item"],
                                    "item-map:item", f"item '{r['item']}' is not in the item map for "
                                    f"{r['year']} (items asked that year: {', '.join(known) or 'none'})"))
            continue
        p, n, k = r["estimate"], r["base"], r["positive"]
        for col, v in (("estimate", p), ("base", n)):
            if isinstance(v, str):
                problems.append(Problem(*loc, r["_col"] if col == "estimate" else col, v,
                                        "type:number", "is not a number"))
        if any(isinstance(v, str) for v in (p, n)):
            continue
        if p is None and k is None and n is None:
            excluded.append((r, "no result published (blank)"))
            continue
        if n is None or n <= 0 or n != round(n):
            problems.append(Problem(*loc, "base", "" if n is None else f"{n:g}", "base>0",
                                    "the base must be a whole number of at least 1"))
            continue
        if p is not None and not 0 <= p <= 1:
            problems.append(Problem(*loc, r["_col"], f"{p:g}", "range:0-1",
                                    "a proportion must lie between 0 and 1 (give 0.62, not 62)"))
            continue
        if k is not None and p is not None and abs(k / n - p) > 0.5 / n + 1e-9:
            problems.append(Problem(*loc, "estimate", f"{p:g}", "check:positive/base",
                                    f"estimate disagrees with positive/base = {k:g}/{n:g}"))
            continue
        if k is None and p is not None:
            k = float(round(p * n))
        kept.append({"org_code": r["org_code"], "year": r["year"], "series": series, "item": r["item"],
                     "positive": k, "base": n, "estimate": None if k is None else k / n,
                     "benchmark_group": r["benchmark_group"], "region": r["region"], "_loc": loc})
    if not problems and kept:
        frame = pd.DataFrame(kept)
        dup = frame.duplicated(["org_code", "year", "series"], keep=False)
        if dup.any():
            first = {}
            for i in np.flatnonzero(dup.to_numpy()):
                key = tuple(frame.loc[i, ["org_code", "year", "series"]])
                if key in first:
                    problems.append(Problem(*frame.at[i, "_loc"], "org_code", key[0], "duplicate",
                                            f"a second result for {key[0]} in {key[1]} ({key[2]}); the "
                                            f"first is at {first[key][0]} row {first[key][1]}"))
                else:
                    first[key] = frame.at[i, "_loc"]
    if problems:
        raise ValidationError(problems)
    if not kept:
        raise ValueError(f"{source}: no staff survey results for any series in the item map "
                         f"({len(excluded)} row(s) excluded)")
    frame = pd.DataFrame(kept).drop(columns="_loc")
    thr = frame["year"].map(thresholds)
    withheld = frame["positive"].isna()
    small = frame["base"] < thr
    frame["suppressed"] = small | withheld
    frame.loc[frame["suppressed"], ["positive", "estimate"]] = np.nan
    out = pd.DataFrame({
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
    }).sort_values(["series", "org_code", "year"], ignore_index=True)
    out.attrs["exclusions"] = pd.DataFrame(
        [{"org_code": r["org_code"], "year": r["year"], "item": r["item"], "file": r["_file"],
          "row": r["_row"], "reason": why} for r, why in excluded],
        columns=["org_code", "year", "item", "file", "row", "reason"])
    declare(out.attrs["exclusions"], rule="none")  # source rows and reasons, no results
    out.attrs["thresholds"] = {int(k): int(v) for k, v in thresholds.items()}
    out.attrs["source"] = source
    return out


def _text(values: pd.Series) -> pd.Series:
    """A text column with blanks and '-' as missing."""
    return pd.Series(values.replace({"": None, "-": None}).to_numpy(dtype=object), index=values.index,
                     dtype="str")


def _add_lookup(results: pd.DataFrame, table, target: str, value_cols: tuple, what: str,
                translate: dict | None = None) -> pd.DataFrame:
    """Fill ``target`` where blank from an ODS code → value lookup (a CSV path or a DataFrame)."""
    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table, dtype=str, keep_default_na=False)
    code = next((c for c in ("org_code", "ODS code") if c in table.columns), None)
    value = next((c for c in value_cols if c in table.columns), None)
    if code is None or value is None:
        raise KeyError(f"{what} lookup needs an 'org_code' (or 'ODS code') column and one of "
                       f"{', '.join(repr(c) for c in value_cols)}; got {', '.join(map(str, table.columns))}")
    values = table[value].astype("string").str.strip()
    if translate is not None and value == "nhser_code":
        values = values.map(lambda v: translate.get(v, v) if isinstance(v, str) else v)
    lookup = _text(pd.Series(values.to_numpy(dtype=object), index=table[code].astype(str).str.strip()))
    lookup = lookup[~lookup.index.duplicated(keep="last")]
    out = results.copy()
    out[target] = out[target].fillna(out["org_code"].map(lookup))
    out.attrs[f"{target}_unknown"] = sorted(out.loc[out[target].isna(), "org_code"].unique())
    return out


def select_staff_survey(results: pd.DataFrame, *, years=None, series=None,
                        benchmark_group: str | None = None) -> pd.DataFrame:
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
            raise ValueError(f"year(s) {missing} are not in the results "
                             f"(years: {', '.join(map(str, sorted(results['year'].unique())))})")
        keep &= results["year"].isin(years)
    if series is not None:
        series = [series] if isinstance(series, str) else [s for s in series if s]
        missing = [s for s in series if s not in set(results["series"])]
        if missing:
            raise ValueError(f"series {missing} are not in the results "
                             f"(series: {', '.join(sorted(results['series'].unique()))})")
        keep &= results["series"].isin(series)
    if benchmark_group is not None:
        groups = sorted(results["benchmark_group"].dropna().unique())
        if benchmark_group not in groups:
            raise ValueError(f"benchmark group '{benchmark_group}' is not in the results "
                             f"(groups: {'; '.join(groups) or 'none: pass benchmark_groups= to read_staff_survey'})")
        keep &= results["benchmark_group"] == benchmark_group
    out = results[keep].reset_index(drop=True)
    out.attrs = dict(results.attrs)
    return out


# ----------------------------------------------------------------------------------------- trend


def _series_rows(results: pd.DataFrame, series: str) -> pd.DataFrame:
    if series not in set(results["series"]):
        raise ValueError(f"series '{series}' is not in the results "
                         f"(series: {', '.join(sorted(results['series'].unique()))})")
    return results[results["series"] == series]


def item_trend(results: pd.DataFrame, *, series="q22c", by=None, weighting="base",
               confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """The item's national (or per-group) figure per survey year.

    Parameters
    ----------
    results : pandas.DataFrame
        As returned by :func:`read_staff_survey`.
    series : str or list of str
        Item-map series; several are stacked (each keeps its own rows, never spliced).
    by : str or list of str, optional
        Grouping columns: ``"benchmark_group"``, ``"region"`` (filled from the ``regions`` lookup
        of :func:`read_staff_survey`) or ``"org_code"`` (trust). Trusts with a blank group form
        their own group (a blank key), never dropped.
    weighting : {"base", "trust_mean"} or a list of them
        ``"base"``: pooled proportion Σpositive / Σbase over trusts (every respondent counts
        once), with a Wilson interval from :func:`aeeval.proportion_ci` that treats respondents as
        independent — it ignores between-trust variation and is narrow. ``"trust_mean"``: the
        unweighted mean of trust proportions (every trust counts once), with a t interval over
        trusts, mean ± t(n−1) · sd / √n (statsmodels ``DescrStatsW.tconfint_mean``); blank for a
        single trust.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``series``, ``year``, ``n_trusts``, ``n_suppressed`` (trusts left out
        because their result was suppressed), ``positive``, ``base``, ``estimate``, ``ci_low``,
        ``ci_high``, ``weighting``, ``method``.

    References
    ----------
    Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
    seven methods. Statistics in Medicine 17:857-872.

    Examples
    --------
    >>> from aeeval import read_staff_survey, item_trend
    >>> t = item_trend(read_staff_survey(), weighting=["base", "trust_mean"])
    >>> t[["year", "weighting"]].head(2).values.tolist()
    [[2015, 'base'], [2015, 'trust_mean']]
    """
    from statsmodels.stats.weightstats import DescrStatsW

    confidence = check_confidence(confidence)
    weightings = [weighting] if isinstance(weighting, str) else list(weighting)
    for w in weightings:
        check_choice("weighting", w, ["base", "trust_mean"])
    series_list = [series] if isinstance(series, str) else [s for s in series if s]
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for b in by:
        if b not in results.columns:
            raise KeyError(f"by column '{b}' is not in the results (columns: {', '.join(results.columns)})")
    rows = []
    for s in series_list:
        data = _series_rows(results, s)
        for key, g in data.groupby([*by, "year"], sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            used = g[~g["suppressed"]]
            pos, base = int(used["positive"].sum()), int(used["base"].sum())
            for w in weightings:
                row = dict(zip([*by, "year"], key))
                row.update(series=s, n_trusts=int(used["org_code"].nunique()),
                           n_suppressed=int(g["suppressed"].sum()), positive=pos, base=base, weighting=w)
                if w == "base":
                    est = pos / base if base else np.nan
                    lo, hi = proportion_ci(pos, base, confidence) if base else (np.nan, np.nan)
                    row["method"] = "pooled Σpositive/Σbase; Wilson interval (respondents independent)"
                else:
                    props = used["estimate"].to_numpy(dtype=float)
                    est = float(props.mean()) if len(props) else np.nan
                    if len(props) > 1:
                        lo, hi = DescrStatsW(props).tconfint_mean(alpha=1 - confidence)
                    else:
                        lo = hi = np.nan
                    row["method"] = "mean of trust proportions; t interval over trusts"
                row.update(estimate=est, ci_low=float(lo), ci_high=float(hi))
                rows.append(row)
    cols = [*by, "series", "year", "n_trusts", "n_suppressed", "positive", "base", "estimate",
            "ci_low", "ci_high", "weighting", "method"]
    out = pd.DataFrame(rows, columns=cols)
    out["suppressed"] = False
    out.attrs["confidence"] = confidence
    # Respondents pooled over trusts; the groups of one year add up to the national figure.
    declare(out, rule="people", base="base", by=by, keys=["series", "year", "weighting"],
            measure="item_trend")
    return out


# ---------------------------------------------------------------------------- participation models


def _read_register(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """A register file: the programme register (validated by its schema) or any CSV / XLSX with
    ``org_code`` and ``start_year`` (or ``start_date``). Returns the table and its spreadsheet rows."""
    records, rows = _read_cells(path)
    header = [h.strip() for h in records[0]]
    programme = [f["name"] for f in json.loads((SCHEMAS / "register.schema.json").read_text("utf-8"))["fields"]]
    if set(programme) <= set(header):
        table = read_table(path, "register")
        return table, list(table.attrs["rows"])
    body = [r + [""] * (len(header) - len(r)) for r in records[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object).apply(lambda c: c.str.strip())
    if "org_code" not in table.columns:
        raise ValidationError([Problem(str(path), rows[0], "org_code", None, "missing-column",
                                       "a register needs an org_code (ODS code) column")])
    bad = [Problem(str(path), rows[i + 1], "org_code", v, "pattern", "is not an ODS code")
           for i, v in enumerate(table["org_code"]) if not _ODS.match(v or "")]
    if bad:
        raise ValidationError(bad)
    return table, rows[1:]


def _register_years(register) -> pd.DataFrame:
    if isinstance(register, (str, Path)):
        source_name = str(register)
        register, rows = _read_register(Path(register))
    else:
        source_name = "register"
        rows = list(range(2, len(register) + 2))  # as if written to a CSV with a header row
    if "org_code" not in register.columns:
        raise KeyError("register needs an 'org_code' column")
    if "start_year" in register.columns:
        source = "start_year"
        start = pd.to_numeric(register["start_year"], errors="coerce")
        start = start.where(start == start.round())
    elif "start_date" in register.columns:
        source = "start_date (calendar year)"
        dates = register["start_date"]
        if not pd.api.types.is_datetime64_any_dtype(dates):
            # ISO 2016-04-01 or UK 01/04/2016 as Excel writes them (never month-first)
            dates = pd.to_datetime(dates.astype("string").str.strip(), errors="coerce", format="mixed",
                                   dayfirst=True)
        start = dates.dt.year
    else:
        raise KeyError("register needs a 'start_year' (or 'start_date') column: the year each trust joined")
    bad = start.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        col = "start_year" if source == "start_year" else "start_date"
        raise ValueError(f"{source_name} row {rows[i]} ({register['org_code'].iloc[i]}), column '{col}', "
                         f"value {register[col].iloc[i]!r}: the start year is blank or not a year")
    reg = pd.DataFrame({"org_code": register["org_code"].astype(str).to_numpy(),
                        "start_year": start.astype("int64").to_numpy()})
    dup = reg["org_code"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ValueError(f"{source_name} row {rows[i]} names {reg['org_code'].iloc[i]} a second time: "
                         "one start year per trust")
    reg.attrs["start_year_from"] = source
    return reg


def _panel(results, register, series, first_exposed, missing):
    check_choice("missing", missing, ["error", "exclude"])
    data = _series_rows(results, series)
    data = data[~data["suppressed"]].copy()
    reg = _register_years(register)
    start_from = reg.attrs["start_year_from"]
    have = set(data["org_code"])
    absent = sorted(set(reg["org_code"]) - have)
    if absent and missing == "error":
        raise ValueError(
            f"{len(absent)} register trust(s) have no unsuppressed '{series}' results: "
            f"{', '.join(absent[:20])}{' …' if len(absent) > 20 else ''}. Check the codes (ODS codes "
            "change when trusts merge) or pass missing='exclude' to leave them out (they are then "
            "listed in the result's attrs['excluded_register_trusts'])")
    reg = reg[reg["org_code"].isin(have)]
    data = data.merge(reg, on="org_code", how="left")
    data["treated"] = data["start_year"].notna()
    if data["treated"].all():
        raise ValueError("every trust with results is in the register: there are no comparison trusts")
    if not data["treated"].any():
        raise ValueError("no register trust has results for this series")
    data["rel_year"] = (data["year"] - data["start_year"]).astype("Int64")
    data["exposed"] = (data["treated"] & (data["rel_year"] >= first_exposed)).astype(float)
    data = data.sort_values(["org_code", "year"], ignore_index=True)
    data.attrs["no_usable_results"] = sorted(set(_series_rows(results, series)["org_code"]) - have)
    data.attrs["start_year_from"] = start_from
    return data, absent


def _fit(data: pd.DataFrame, terms: pd.DataFrame):
    """Binomial GLM with trust and year dummies; returns the fit and its trust-clustered covariance.

    The covariance is statsmodels' cluster sandwich without its small-sample factor (CR0), times
    G/(G − 1) for G trusts: the factor Stata uses for maximum-likelihood models. statsmodels'
    default factor also multiplies by (N − 1)/(N − K) with K counting every trust dummy; trust effects
    are nested within the clusters and should not be counted (Cameron & Miller 2015, III.B), and with
    6 survey years and 60 trusts that inflates standard errors by about 10 % (coverage 97 % against
    95 % nominal over 300 simulated panels; 95.7 % with G/(G − 1)).
    """
    from statsmodels.genmod import families  # not statsmodels.api: a third of the import time
    from statsmodels.genmod.generalized_linear_model import GLM

    trust = pd.get_dummies(data["org_code"], prefix="trust", drop_first=True, dtype=float)
    year = pd.get_dummies(data["year"], prefix="year", drop_first=True, dtype=float)
    exog = pd.concat([pd.Series(1.0, index=data.index, name="const"), trust, year, terms], axis=1)
    pos = data["positive"].to_numpy(dtype=float)
    endog = np.column_stack([pos, data["base"].to_numpy(dtype=float) - pos])
    groups = pd.factorize(data["org_code"])[0]
    n_groups = int(groups.max()) + 1
    model = GLM(endog, exog, family=families.Binomial())
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    cov = np.asarray(fit.cov_params()) * n_groups / (n_groups - 1)
    return fit, cov


def _event_terms(data: pd.DataFrame, reference: int) -> pd.DataFrame:
    rel = data.loc[data["treated"], "rel_year"].dropna().astype(int)
    levels = sorted(k for k in rel.unique() if k != reference)
    cols = {f"rel_year_{k}": ((data["rel_year"] == k) & data["treated"]).fillna(False).astype(float)
            for k in levels}
    return pd.DataFrame(cols, index=data.index)


def participation_effect(results: pd.DataFrame, register: pd.DataFrame, *, series="q22c",
                         design="did", confidence: float = DEFAULT_CONFIDENCE, first_exposed: int = 1,
                         missing="error") -> pd.DataFrame:
    """Did trusts that joined Always Events move differently on the item from the rest?

    A binomial GLM (logit link) on each trust-year's counts (positive, base − positive), with trust
    and year fixed effects and standard errors clustered by trust (statsmodels
    ``GLM(...).fit(cov_type="cluster")`` sandwich with the maximum-likelihood small-sample factor
    G/(G − 1), G trusts; see Notes). Suppressed results are left out (never imputed).

    Parameters
    ----------
    results : pandas.DataFrame
        As returned by :func:`read_staff_survey`.
    register : pandas.DataFrame, str or Path
        ``org_code`` and ``start_year``: the year each trust joined (a table, or a CSV / XLSX file:
        the programme register, checked against its schema, or any file with those two columns). A register without
        ``start_year`` but with ``start_date`` (the programme register's column: a date, ISO
        ``2016-04-01`` or UK ``01/04/2016``) uses the calendar year of that date; ``start_year`` wins
        when both are present. ``attrs["start_year_from"]`` says which was used. Trusts not in the
        register are the comparison group.
    series : str
        Item-map series (one series only: the model never spans a question change).
    design : {"did", "event_study"}
        ``"did"``: one term, ``participation``, = 1 for a joined trust from survey year
        ``start_year + first_exposed`` on (two-way fixed-effects difference-in-differences).
        ``"event_study"``: one term per year relative to joining, ``rel_year_-2``, ``rel_year_1``…,
        against the reference year ``rel_year = first_exposed - 1`` (left out).
    confidence : float
        Confidence level of the intervals (normal, from the clustered covariance).
    first_exposed : int
        First survey counted as after joining, in years from ``start_year`` (default 1: trusts joined
        during the year, so the survey of the joining year is the last before).
    missing : {"error", "exclude"}
        What to do with register trusts that have no unsuppressed results for the series: raise, or
        leave them out and list them in ``attrs["excluded_register_trusts"]`` and ``attrs["note"]``.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``scale`` (``"log_odds"``:
        differences in log-odds), ``n_trusts``, ``n_obs`` (trust-years), ``method``. ``attrs`` holds
        ``caveat`` (:data:`VOLUNTARY_CAVEAT`), ``pretrend`` (the :func:`pretrend_test` row as a
        dict), ``n_treated_trusts``, ``excluded_register_trusts``, ``start_year_from`` and ``note``.

    Notes
    -----
    With staggered joining and effects that change over time, the two-way fixed-effects DiD
    estimate is a weighted average that can mislead (Goodman-Bacon 2021); the event study shows the
    path. Parallel trends before joining are checked by :func:`pretrend_test`.

    Standard errors: the cluster-robust sandwich (bread: inverse Fisher information of the GLM;
    meat: sum over trusts of the outer product of each trust's summed scores) times G/(G − 1), the
    factor Stata applies to maximum-likelihood models with ``vce(cluster)``. statsmodels' default
    also multiplies by (N − 1)/(N − K), with K counting every trust dummy; trust effects nested
    within the clusters should not be counted (Cameron & Miller 2015, section III.B), and doing so
    over-covers (97 % for a nominal 95 % interval in 300 simulated 60-trust × 6-year panels, against
    95.7 % with G/(G − 1)). With few joined trusts (under about 20) cluster-robust intervals can be
    too narrow (Cameron & Miller 2015, section VI).

    References
    ----------
    Angrist JD, Pischke J-S (2009). Mostly Harmless Econometrics, ch. 5. Princeton University Press.
    Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. Journal of
    Human Resources 50(2):317-372.
    Goodman-Bacon A (2021). Difference-in-differences with variation in treatment timing. Journal of
    Econometrics 225(2):254-277.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> fx = ae.participation_effect(ae.read_staff_survey(), reg)
    >>> fx["term"].tolist(), fx["scale"].iloc[0]
    (['participation'], 'log_odds')
    """
    confidence = check_confidence(confidence)
    check_choice("design", design, ["did", "event_study"])
    data, absent = _panel(results, register, series, first_exposed, missing)
    if design == "did":
        terms = data[["exposed"]].rename(columns={"exposed": "participation"})
        label = "difference-in-differences"
    else:
        terms = _event_terms(data, first_exposed - 1)
        label = f"event study (reference rel_year_{first_exposed - 1})"
    fit, cov = _fit(data, terms)
    names = list(terms.columns)
    rows = np.zeros((len(names), len(fit.params)))
    for i, t in enumerate(names):
        rows[i, fit.params.index.get_loc(t)] = 1.0
    test = fit.t_test(rows, cov_p=cov, use_t=False)
    ci = np.asarray(test.conf_int(alpha=1 - confidence))
    method = (f"binomial GLM (logit) on counts, trust + year fixed effects, SE clustered by trust "
              f"(CR1, G/(G-1)); {label}")
    out = pd.DataFrame({
        "term": names,
        "estimate": np.asarray(test.effect, dtype=float).ravel(),
        "ci_low": ci[:, 0],
        "ci_high": ci[:, 1],
        "p_value": np.asarray(test.pvalue, dtype=float).ravel(),
        "scale": "log_odds",
        "n_trusts": int(data["org_code"].nunique()),
        "n_obs": int(len(data)),
        "method": method,
    })
    try:
        pre = _pretrend(data, first_exposed, series, (fit, cov) if design == "event_study" else None
                        ).iloc[0].to_dict()
    except ValueError as exc:  # no pre-period years: say so rather than fail the main estimate
        pre = {"test": "pretrend", "note": str(exc)}
    note = VOLUNTARY_CAVEAT
    if absent:
        note += (f" {len(absent)} register trust(s) had no results for '{series}' and were excluded: "
                 f"{', '.join(absent[:20])}{' …' if len(absent) > 20 else ''}.")
    dropped = data.attrs["no_usable_results"]
    if dropped:
        note += (f" {len(dropped)} trust(s) had only suppressed results for '{series}' and are not in "
                 f"the model: {', '.join(dropped[:20])}{' …' if len(dropped) > 20 else ''}.")
    # Log-odds, not proportions: aeeval.show prints them (and their interval) as decimals, not %.
    out.attrs.update(coefficient_columns=["estimate", "ci_low", "ci_high"], coefficient_digits=3)
    out.attrs.update(confidence=confidence, caveat=VOLUNTARY_CAVEAT, pretrend=pre, note=note,
                     trusts_without_usable_results=dropped,
                     excluded_register_trusts=absent, start_year_from=data.attrs["start_year_from"],
                     n_treated_trusts=int(data.loc[data["treated"], "org_code"].nunique()))
    return declare(out, rule="none")  # model coefficients over trusts


def pretrend_test(results: pd.DataFrame, register: pd.DataFrame, *, series="q22c",
                  first_exposed: int = 1, missing="error") -> pd.DataFrame:
    """Joint Wald test that joined trusts tracked the rest before joining (parallel pre-trends).

    Fits the event study of :func:`participation_effect` and tests that every pre-period term
    (``rel_year_k`` with ``k < first_exposed - 1``) is zero, with the trust-clustered covariance
    (statsmodels ``GLMResults.wald_test``, χ² form). A small p-value is evidence against parallel
    trends; a large one is not proof of them (the test has little power with few pre-years).

    Returns
    -------
    pandas.DataFrame
        One row: ``test``, ``terms`` (tested, comma-separated), ``statistic`` (χ²), ``df``,
        ``p_value``, ``n_trusts``, ``n_obs``, ``method``.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> ae.pretrend_test(ae.read_staff_survey(), reg)["df"].iloc[0] > 0
    np.True_
    """
    data, _ = _panel(results, register, series, first_exposed, missing)
    return _pretrend(data, first_exposed, series)


def _pretrend(data: pd.DataFrame, first_exposed: int, series: str, fit=None) -> pd.DataFrame:
    reference = first_exposed - 1
    terms = _event_terms(data, reference)
    pre = [c for c in terms.columns if int(c.removeprefix("rel_year_")) < reference]
    if not pre:
        raise ValueError(f"no survey year of '{series}' falls before any register trust joined: "
                         "parallel pre-trends cannot be tested")
    fit, cov = _fit(data, terms) if fit is None else fit
    names = list(fit.params.index)
    restriction = np.zeros((len(pre), len(names)))
    for i, t in enumerate(pre):
        restriction[i, names.index(t)] = 1.0
    wald = fit.wald_test(restriction, cov_p=cov, scalar=True, use_f=False)
    return pd.DataFrame([{
        "test": "pretrend", "terms": ", ".join(pre), "statistic": float(wald.statistic),
        "df": int(len(pre)), "p_value": float(wald.pvalue), "n_trusts": int(data["org_code"].nunique()),
        "n_obs": int(len(data)),
        "method": "joint Wald χ² test of pre-joining event-study terms = 0; SE clustered by trust (CR1)"}]
    ).pipe(declare, rule="none")  # a test statistic over trusts


# ---------------------------------------------------------------------------------------- funnels


def funnel_limits(base, p0: float, *, confidence=(0.95, 0.998), method="normal") -> pd.DataFrame:
    """Funnel-plot control limits for a proportion around a target ``p0``.

    Parameters
    ----------
    base : int or array-like
        Denominators (bases) at which to compute limits, each ≥ 1.
    p0 : float
        Target proportion, strictly between 0 and 1 (e.g. the national value).
    confidence : float or sequence of float
        Limit levels (default 95 % and 99.8 %, "2 and 3 sigma").
    method : {"normal", "exact"}
        ``"normal"``: p0 ± z·√(p0(1−p0)/base), z the (1+confidence)/2 normal quantile, clipped to
        [0, 1]. ``"exact"``: binomial quantiles with Spiegelhalter's interpolation: for a tail
        probability p, r_p is the smallest r with P(R ≤ r) ≥ p, R ~ Binomial(base, p0);
        α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1)); the limit is (r_p − α) / base,
        clipped to [0, 1]. Lower limits use p = (1 − confidence)/2, upper 1 − p.

    Returns
    -------
    pandas.DataFrame
        One row per base and level: ``base``, ``confidence``, ``lower``, ``upper``, ``method``.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24(8):1185-1202, Appendix A.1.1.

    Examples
    --------
    >>> from aeeval import funnel_limits
    >>> f = funnel_limits(100, 0.5, confidence=0.95)
    >>> round(float(f["lower"].iloc[0]), 4), round(float(f["upper"].iloc[0]), 4)   # 0.5 ± 1.96 × 0.05
    (0.402, 0.598)
    """
    check_choice("method", method, ["normal", "exact"])
    levels = [confidence] if np.ndim(confidence) == 0 else list(confidence)
    levels = [check_confidence(c) for c in levels]
    if isinstance(p0, bool) or not np.isscalar(p0) or not 0 < float(p0) < 1:
        raise ValueError(f"p0 must be a proportion strictly between 0 and 1; got {p0!r}")
    p0 = float(p0)
    n = np.atleast_1d(np.asarray(base, dtype=float))
    if (~np.isfinite(n) | (n < 1) | (n != np.round(n))).any():
        bad = n[~np.isfinite(n) | (n < 1) | (n != np.round(n))][0]
        raise ValueError(f"base must be whole numbers ≥ 1; got {bad!r}")
    frames = []
    for c in levels:
        tail = (1 - c) / 2
        if method == "normal":
            z = stats.norm.ppf(1 - tail)
            half = z * np.sqrt(p0 * (1 - p0) / n)
            lower, upper = p0 - half, p0 + half
        else:
            lower, upper = (_exact_limit(n, p0, p) for p in (tail, 1 - tail))
        frames.append(pd.DataFrame({"base": n.astype("int64"), "confidence": c,
                                    "lower": np.clip(lower, 0, 1), "upper": np.clip(upper, 0, 1),
                                    "method": method}))
    return pd.concat(frames, ignore_index=True)


def _exact_limit(n: np.ndarray, p0: float, p: float) -> np.ndarray:
    r = stats.binom.ppf(p, n, p0)
    at = stats.binom.cdf(r, n, p0)
    below = stats.binom.cdf(r - 1, n, p0)
    alpha = (at - p) / (at - below)
    return (r - alpha) / n


def funnel_flags(results: pd.DataFrame, *, series="q22c", year=None, p0: float | None = None,
                 reference: pd.DataFrame | None = None, confidence=(0.95, 0.998), method="exact",
                 outside_only: bool = False) -> pd.DataFrame:
    """Each trust's result for one year against funnel limits around the national value.

    Parameters
    ----------
    results : pandas.DataFrame
        As returned by :func:`read_staff_survey`; suppressed trusts are left out (and counted in
        ``attrs["n_suppressed"]``).
    series : str
        Item-map series.
    year : int, optional
        Survey year (default: the latest year of the series).
    p0 : float, optional
        Target (default: the base-weighted value that year of ``reference``).
    reference : pandas.DataFrame, optional
        Results whose base-weighted value for the year is the centre line (default: ``results``).
        Pass every trust's results when ``results`` is one benchmark group, so that the group's
        trusts are judged against the national value.
    confidence, method
        As in :func:`funnel_limits`.
    outside_only : bool
        Return only trusts outside the innermost limits.

    Returns
    -------
    pandas.DataFrame
        ``org_code``, ``benchmark_group``, ``year``, ``series``, ``positive``, ``base``,
        ``estimate``, ``p0``, ``lower`` / ``upper`` at the outermost level, ``flag``
        (``"within"``, ``"above 95%"``, ``"below 99.8%"``, … — the widest limit crossed), ``method``.

    Examples
    --------
    >>> import aeeval as ae
    >>> f = ae.funnel_flags(ae.read_staff_survey(), year=2020)
    >>> sorted(set(f["flag"]))[:1]
    ['above 95%']
    """
    data = _series_rows(results, series)
    year = int(data["year"].max()) if year is None else int(year)
    if year not in set(data["year"]):
        raise ValueError(f"year {year} has no '{series}' results "
                         f"(years: {', '.join(map(str, sorted(data['year'].unique())))})")
    data = data[data["year"] == year]
    used = data[~data["suppressed"]].reset_index(drop=True)
    if p0 is None:
        ref = used if reference is None else _series_rows(reference, series)
        ref = ref[(ref["year"] == year) & ~ref["suppressed"]]
        if ref.empty:
            raise ValueError(f"the reference results have no unsuppressed '{series}' results in {year}")
        p0 = float(ref["positive"].sum() / ref["base"].sum())
    levels = sorted([confidence] if np.ndim(confidence) == 0 else list(confidence))
    out = used[["org_code", "benchmark_group", "year", "series", "positive", "base", "estimate"]].copy()
    out["p0"] = p0
    flag = pd.Series("within", index=out.index, dtype="str")
    for c in levels:
        lim = funnel_limits(out["base"].to_numpy(), p0, confidence=c, method=method)
        label = f"{100 * c:g}%"
        flag = flag.mask(out["estimate"].to_numpy() > lim["upper"].to_numpy(), f"above {label}")
        flag = flag.mask(out["estimate"].to_numpy() < lim["lower"].to_numpy(), f"below {label}")
        out["lower"], out["upper"] = lim["lower"].to_numpy(), lim["upper"].to_numpy()
    out["flag"] = flag
    out["method"] = f"funnel limits ({method}) around p0 = {p0:.4f}"
    if outside_only:
        out = out[out["flag"] != "within"].reset_index(drop=True)
    out.attrs.update(p0=p0, confidence=levels, method=method, year=year, series=series,
                     n_suppressed=int(data["suppressed"].sum()))
    return declare(out, rule="people", base="base", keys=["org_code", "benchmark_group", "year",
                                                          "series"])
