"""Trust mergers: carry a predecessor's Staff Survey results over to its successor, or leave out.

ODS codes change when trusts merge: Central Manchester (RW3) and South Manchester (RM2) became
Manchester University NHS FT (R0A) on 1 October 2017. A table that works by ``org_code`` alone counts
RW3 and RM2 as two trusts that stop in 2016 and R0A as a third that starts in 2018, so a joiner
whose code changed is a comparison trust before the merger and its successor adds nothing.
:func:`apply_successors` takes a predecessor → successor table (schema ``trust_successors``; the
bundled ``data/public/trust_successors.csv`` holds 18 of the 19 acute-trust codes closed in
2015–2020, from the ODS trust list and the public pages each row cites) and applies one stated rule:

* ``"combine"``: every result of a predecessor is added into its final successor (positive and base
  counts summed per survey year and series), so a trust whose code changed is one trust with one
  series; a year in which any part was suppressed is suppressed (its positive count is unknown).
* ``"drop"``: every trust involved in a merger (predecessors and successors) is left out.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..options import check_choice
from ..schemas import read_cells, read_table

__all__ = ["MERGER_RULES", "apply_successors"]

#: The rules :func:`apply_successors` offers.
MERGER_RULES = ("combine", "drop")

_COLUMNS = ("predecessor_code", "successor_code", "effective_date", "source")


def _successor_table(successors) -> tuple[pd.DataFrame, str, list[int]]:
    """The table, the name to report it by, and each record's spreadsheet row."""
    if isinstance(successors, (str, Path)):
        table = read_table(successors, "trust_successors")
        return table, str(successors), list(table.attrs["rows"])
    if not isinstance(successors, pd.DataFrame):
        raise TypeError(
            "successors must be a DataFrame or the path of a CSV / XLSX file following the "
            f"'trust_successors' schema, not {type(successors).__name__}"
        )
    name = str(successors.attrs.get("source", "successor table"))
    missing = [c for c in _COLUMNS[:3] if c not in successors.columns]
    if missing:
        raise KeyError(
            f"{name} needs the column(s) {', '.join(missing)} (schema 'trust_successors': "
            f"{', '.join(_COLUMNS)})"
        )
    rows = successors.attrs.get("rows")
    rows = list(rows) if rows is not None else list(range(2, len(successors) + 2))
    table = successors.reset_index(drop=True).copy()
    for col in ("predecessor_code", "successor_code"):
        table[col] = table[col].astype("string").str.strip()
        blank = table[col].isna() | (table[col] == "")
        if blank.any():
            i = int(np.flatnonzero(blank.to_numpy())[0])
            raise ValueError(f"{name} row {rows[i]}, column '{col}': the code is blank")
    dates = table["effective_date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        # ISO 2018-04-01 or UK 01/04/2018 (never month-first; format="mixed" with dayfirst=True
        # would read the ISO date 2018-04-01 as 4 January)
        text = dates.astype("string").str.strip()
        dates = pd.to_datetime(text, errors="coerce", format="ISO8601").fillna(
            pd.to_datetime(text, errors="coerce", format="%d/%m/%Y")
        )
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise ValueError(
            f"{name} row {rows[i]}, column 'effective_date', value "
            f"{table['effective_date'].iloc[i]!r}: not a date"
        )
    table["effective_date"] = dates
    same = table["predecessor_code"] == table["successor_code"]
    if same.any():
        i = int(np.flatnonzero(same.to_numpy())[0])
        raise ValueError(
            f"{name} row {rows[i]}: {table['predecessor_code'].iloc[i]} is its own successor"
        )
    return table, name, rows


def _day(value) -> str:
    return pd.Timestamp(value).date().isoformat()


def _resolve(table: pd.DataFrame, name: str, rows: list[int], rule: str) -> pd.DataFrame:
    """One row per predecessor with its final successor; errors for a code in two successors, a
    cycle, or a chain whose dates go backwards."""
    step: dict[str, int] = {}
    for i, code in enumerate(table["predecessor_code"]):
        if code in step:
            j = step[code]
            a, b = table.iloc[j], table.iloc[i]
            when = (
                "at once (same effective date)"
                if a["effective_date"] == b["effective_date"]
                else "on two dates"
            )
            raise ValueError(
                f"{name} rows {rows[j]} and {rows[i]}: {code} is a predecessor of two successors "
                f"{when}: {a['successor_code']} from {_day(a['effective_date'])} and "
                f"{b['successor_code']} from {_day(b['effective_date'])}. A code closes once and "
                f"has one successor (for a trust split between two, choose the one its results "
                f"belong to or leave both out); rule '{rule}' cannot share its counts"
            )
        step[code] = i
    resolved = []
    for i, code in enumerate(table["predecessor_code"]):
        path, path_rows, dates = [code], [rows[i]], [table["effective_date"].iloc[i]]
        nxt = table["successor_code"].iloc[i]
        while nxt in step:
            if nxt in path:
                cycle = path[path.index(nxt) :] + [nxt]
                raise ValueError(
                    f"{name} rows {', '.join(map(str, path_rows))}: the successors form a cycle "
                    f"{' → '.join(cycle)}: no code in it is the final successor (rule '{rule}')"
                )
            j = step[nxt]
            if table["effective_date"].iloc[j] < dates[-1]:
                raise ValueError(
                    f"{name} rows {path_rows[-1]} and {rows[j]}: {path[-1]} → {nxt} from "
                    f"{_day(dates[-1])} but {nxt} → {table['successor_code'].iloc[j]} from "
                    f"{_day(table['effective_date'].iloc[j])}, earlier: a successor cannot close "
                    f"before it opened (rule '{rule}')"
                )
            path.append(nxt)
            path_rows.append(rows[j])
            dates.append(table["effective_date"].iloc[j])
            nxt = table["successor_code"].iloc[j]
        path.append(nxt)
        resolved.append(
            {
                "predecessor_code": code,
                "successor_code": nxt,
                "effective_date": dates[0],
                "final_date": dates[-1],
                "chain": " → ".join(path),
                "row": rows[i],
            }
        )
    return pd.DataFrame(resolved)


def _register_codes(register) -> tuple[list[str], list[int], str]:
    """Each register record's org_code and spreadsheet row, and the register's name."""
    if isinstance(register, (str, Path)):
        records, rows = read_cells(Path(register))
        header = [h.strip() for h in records[0]]
        if "org_code" not in header:
            raise KeyError(f"{register}: the register needs an 'org_code' column")
        j = header.index("org_code")
        codes = [r[j].strip() if j < len(r) else "" for r in records[1:]]
        return codes, list(rows[1:]), str(register)
    if "org_code" not in register.columns:
        raise KeyError("register needs an 'org_code' column")
    rows = register.attrs.get("rows")
    rows = list(rows) if rows is not None else list(range(2, len(register) + 2))
    name = str(register.attrs.get("source", "register"))
    return [str(c).strip() for c in register["org_code"]], rows, name


def apply_successors(
    results: pd.DataFrame, successors, *, rule: str = "combine", register=None
) -> pd.DataFrame:
    """Carry predecessors' Staff Survey results over to their successor trust, or leave them out.

    Parameters
    ----------
    results : pandas.DataFrame
        As returned by :func:`aeeval.read_staff_survey` (``org_code``, ``year``, ``series``,
        ``positive``, ``base``, ``suppressed``…).
    successors : pandas.DataFrame, str or Path
        The predecessor → successor table: a CSV / XLSX file checked against the
        ``trust_successors`` schema (``predecessor_code``, ``successor_code``, ``effective_date``,
        ``source``), or a DataFrame with those columns. Chains (A → B, then B → C) are resolved to
        the final successor (C), with the date of each step.
    rule : {"combine", "drop"}
        ``"combine"``: every row of a predecessor is given its final successor's code and rows of
        the same successor, year and series are summed (``positive`` and ``base``; ``estimate`` =
        positive / base), so a trust whose code changed is one trust with one series; the
        successor's own ``benchmark_group`` and ``region`` are kept. A sum with any suppressed
        part is suppressed (its positive count is unknown). ``"drop"``: every trust involved in a
        merger, predecessor or successor, is left out.
    register : pandas.DataFrame, str or Path, optional
        The programme register. Its trusts must be named by their current code: a register trust
        that is a predecessor is an error; with ``rule="drop"`` a register trust left out is a
        warning naming it.

    Warns
    -----
    UserWarning
        ``rule="drop"`` leaves out register trusts (named); ``rule="combine"`` finds results of a
        predecessor for a survey year after the year its merger took effect (they are summed all
        the same: the table's date may be wrong).

    Returns
    -------
    pandas.DataFrame
        The results, same columns, sorted as :func:`aeeval.read_staff_survey` sorts them.
        ``attrs["mergers"]`` holds ``rule``, ``source`` (the table's path), ``predecessor_codes`` and
        ``successor_codes`` (those with results), ``n_codes_merged``, ``n_trusts_affected``,
        ``n_rows_combined`` or ``n_rows_dropped``, ``dropped_register_trusts``, ``chains``
        (``"A → B → C"``) and ``statement`` (one sentence saying what was done, for a report; it
        names the table by its file name only).

    Raises
    ------
    ValueError
        A code in two successors, a cycle (A → B → A), a chain whose dates go backwards, a code that
        is its own successor, or a register trust named by a predecessor's code: each message names
        the file, the row as a spreadsheet shows it (header = row 1), the codes and the rule.

    Notes
    -----
    ``"combine"`` assumes a predecessor's respondents would have been the successor's: summing
    counts gives the result the merged trust would have had if its staff had answered as they
    did (the pooled proportion Σpositive / Σbase, the estimator :func:`aeeval.item_trend` uses
    across trusts). It does not reweight for a change in the mix of staff groups.

    References
    ----------
    NHS England Organisation Data Service. Successor organisations (``succ``) and the NHS trusts
    (``etr``) extract: https://digital.nhs.uk/services/organisation-data-service

    Examples
    --------
    >>> import pandas as pd
    >>> from aeeval.staff_survey import apply_successors
    >>> results = pd.DataFrame({
    ...     "org_code": ["RW3", "RM2", "R0A"], "year": [2016, 2016, 2018],
    ...     "series": "recommend_work", "item": "x", "positive": pd.array([238, 278, 4468]),
    ...     "base": [390, 435, 6981], "estimate": [238 / 390, 278 / 435, 4468 / 6981],
    ...     "suppressed": False, "benchmark_group": None, "region": None})
    >>> table = pd.DataFrame({"predecessor_code": ["RW3", "RM2"], "successor_code": "R0A",
    ...                       "effective_date": "2017-10-01", "source": "ODS"})
    >>> merged = apply_successors(results, table)
    >>> merged[["org_code", "year", "positive", "base"]].values.tolist()
    [['R0A', 2016, 516, 825], ['R0A', 2018, 4468, 6981]]
    >>> merged.attrs["mergers"]["n_codes_merged"]
    2
    """
    check_choice("rule", rule, list(MERGER_RULES))
    table, name, rows = _successor_table(successors)
    resolved = _resolve(table, name, rows, rule)
    final = dict(zip(resolved["predecessor_code"], resolved["successor_code"]))
    by_code = resolved.set_index("predecessor_code")

    dropped_register: list[str] = []
    if register is not None:
        codes, reg_rows, reg_name = _register_codes(register)
        for code, row in zip(codes, reg_rows):
            if code in final:
                r = by_code.loc[code]
                raise ValueError(
                    f"{reg_name} row {row} names {code}, a predecessor in {name} (row {r['row']}: "
                    f"{r['chain']} from {_day(r['effective_date'])}): name the trust by its current "
                    f"code {r['successor_code']} in the register (rule '{rule}')"
                )
        if rule == "drop":
            merged = set(final) | set(final.values())
            dropped_register = sorted(set(codes) & merged)

    have = set(results["org_code"])
    preds = sorted(c for c in final if c in have)
    succs = sorted({final[c] for c in preds})
    chains = [by_code.loc[c, "chain"] for c in preds]
    source = Path(name).name  # the file's name only: the statement goes into reports
    if rule == "combine":
        closed = results["org_code"].map(
            lambda c: by_code.at[c, "effective_date"].year if c in final else np.nan
        )
        late = results[results["year"] > closed]
        if len(late):
            shown = sorted({f"{c} {y}" for c, y in zip(late["org_code"], late["year"])})
            warnings.warn(
                f"{len(late)} result row(s) of predecessor codes are for survey years after the "
                f"year their merger took effect ({', '.join(shown[:10])}"
                f"{' …' if len(shown) > 10 else ''}): rule 'combine' sums them into the successor "
                f"all the same; check the dates in {Path(name).name}",
                stacklevel=2,
            )
        out = _combine(results, final, preds)
        n_rows = int(results["org_code"].isin(preds).sum())
        statement = (
            f"Mergers (rule 'combine', table {source}): the results of {len(preds)} predecessor "
            f"code(s) were summed into their {len(succs)} successor(s) (positive and base counts "
            f"per survey year) for the years before the merger, so a trust whose code changed is "
            f"one trust: {'; '.join(chains) or 'none in these results'}."
        )
    else:
        involved = set(final) | set(final.values())
        keep = ~results["org_code"].isin(involved)
        out = results[keep].reset_index(drop=True)
        n_rows = int((~keep).sum())
        gone = sorted(have & involved)
        statement = (
            f"Mergers (rule 'drop', table {source}): the {len(gone)} trust code(s) involved in a "
            f"merger ({len(preds)} predecessor(s), {len([c for c in gone if c not in final])} "
            f"successor(s)) were left out ({n_rows} row(s)): {', '.join(gone) or 'none'}."
        )
        succs = sorted(c for c in gone if c not in final)
    if dropped_register:
        warnings.warn(
            f"rule 'drop' leaves out {len(dropped_register)} register trust(s) involved in a "
            f"merger in {name}: {', '.join(dropped_register)}",
            stacklevel=2,
        )
        statement += f" Register trusts left out: {', '.join(dropped_register)}."
    out.attrs = dict(results.attrs)
    out.attrs["mergers"] = {
        "rule": rule,
        "source": name,
        "predecessor_codes": preds,
        "successor_codes": succs,
        "n_codes_merged": len(preds),
        "n_trusts_affected": len(preds) + len(succs),
        ("n_rows_combined" if rule == "combine" else "n_rows_dropped"): n_rows,
        "dropped_register_trusts": dropped_register,
        "chains": chains,
        "statement": statement,
    }
    return out


def _combine(results: pd.DataFrame, final: dict, preds: list[str]) -> pd.DataFrame:
    """Recode predecessors to their final successor and sum the counts of each trust-year-series."""
    out = results.copy()
    out["_own"] = ~out["org_code"].isin(preds)  # the successor's own row first, for its lookups
    out["org_code"] = out["org_code"].map(lambda c: final.get(c, c))
    key = ["org_code", "year", "series"]
    out = out.sort_values([*key, "_own"], ascending=[True, True, True, False], kind="stable")
    groups = out.groupby(key, sort=False)
    sizes = groups["base"].transform("size")
    single = out[sizes == 1]
    multi = out[sizes > 1]
    if len(multi):
        first = multi.groupby(key, sort=False).first().reset_index()
        sums = multi.groupby(key, sort=False).agg(
            base=("base", "sum"),
            suppressed=("suppressed", "any"),
            positive=("positive", lambda s: s.sum() if s.notna().all() else pd.NA),
        )
        first = first.drop(columns=["base", "suppressed", "positive"]).merge(
            sums.reset_index(), on=key
        )
        first["positive"] = first["positive"].astype(results["positive"].dtype)
        first.loc[first["suppressed"], "positive"] = pd.NA
        first["estimate"] = (first["positive"].astype("Float64") / first["base"]).astype("float64")
        single = pd.concat([single, first[single.columns]], ignore_index=True)
    single = single.drop(columns="_own")[list(results.columns)]
    for col in results.columns:
        single[col] = single[col].astype(results[col].dtype)
    return single.sort_values(["series", "org_code", "year"], ignore_index=True)
