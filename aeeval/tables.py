"""Showing result tables and sentences in notebooks and reports.

:func:`show` displays a tidy result table formatted for people (percentages, intervals, suppressed
cells marked) and attaches the tidy numbers under the MIME type :data:`TABLE_MIMETYPE`, so the
report builder can collect every published table from the executed notebook without the notebook
writing files. A table must declare its base and disclosure rule (:func:`aeeval.disclosure.declare`,
or ``base=``/``rule=`` here), and :func:`show` applies that rule before anything is displayed.

:func:`say` displays a sentence (Markdown); with ``safe=`` it marks numbers in it as safe to
publish (:data:`SAFE_TEXT_MIMETYPE`), which the disclosure gate otherwise reads as counts.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd

from .disclosure import DeclarationError, apply_rule, declaration, kept_columns
from .mime import SAFE_TEXT_MIMETYPE, TABLE_MIMETYPE

__all__ = [
    "SAFE_TEXT_MIMETYPE",
    "TABLE_MIMETYPE",
    "format_table",
    "html_table",
    "say",
    "show",
    "table_payload",
]

_BASE_NAME = re.compile(
    r"base\d?|(?!min_base$|outside_base$)\w+_base|denominator|responses|"
    r"respondents"
)
_PERCENT = ("estimate", "ci_low", "ci_high", "difference", "estimate1", "estimate2")
_COUNTS = ("n", "n1", "n2", "excluded")
#: Tables with this many columns or more are printed in a smaller font (class ``wide``).
WIDE_TABLE_COLUMNS = 9
#: Tables with this many columns or more are printed smaller still (classes ``wide very-wide``).
VERY_WIDE_TABLE_COLUMNS = 12
#: Tables with this many columns or more are printed on a landscape page of their own (class
#: ``landscape``): on a portrait A4 page their type would be too small to read.
LANDSCAPE_TABLE_COLUMNS = 16
_LABELS = {
    "n": "Positive (n)",
    "base": "Base",
    "excluded": "Excluded",
    "estimate": "%",
    "method": "Method",
    "suppressed": "Suppressed",
}


def _num(x, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    return f"{x:.{digits}f}"


def _p(x) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return ""
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _pct(x, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    shown = round(100 * x, digits)
    return f"{shown + 0.0:.{digits}f}%"  # + 0.0 turns -0.0 into 0.0: no "-0%"


def _kept(table: pd.DataFrame) -> set:
    """Columns a suppressed row shows: from the table's declaration, else its base columns (by
    name) and its columns of text."""
    try:
        return set(kept_columns(declaration(table, name="table")))
    except DeclarationError:
        return {
            str(c)
            for c in table.columns
            if _BASE_NAME.fullmatch(str(c)) or not pd.api.types.is_numeric_dtype(table[c].dtype)
        }


def format_table(
    table: pd.DataFrame,
    *,
    digits: int = 0,
    confidence: float | None = None,
    suppressed_mark: str = "*",
    keep=None,
) -> pd.DataFrame:
    """Return a copy of a tidy result table as display strings.

    Proportion columns become percentages; ``ci_low``/``ci_high`` are merged into one
    "95% CI" column; suppressed rows show ``suppressed_mark`` in every column derived from their
    counts — every column but ``keep`` (default: the base, grouping and key columns the table
    declares, see :func:`aeeval.disclosure.declare`; for a table declaring nothing, its base
    columns and columns of text); the ``method`` and ``suppressed`` columns are dropped (the
    caption states them).

    A table may say how to show its columns in ``table.attrs``: ``"coefficient_columns"`` (shown
    as decimals with ``"coefficient_digits"``, default 2, not as percentages — e.g. kappa and its
    ``ci_low``/``ci_high``), ``"percent_columns"`` (more columns shown as percentages) and
    ``"labels"`` (column → header, overriding the defaults) and ``"value_labels"`` (column →
    {value → words}, e.g. Making Data Count codes as the words the charts use).

    The result's ``attrs["text_columns"]`` names the columns of words (not numbers, dates or
    flags), which a report lets wrap; numbers are kept on one line. ``attrs["display"]`` says how
    each shown column is made: its ``heading``, the table ``columns`` it is made of, its
    ``format`` (``percent``, ``percent_interval``, ``coefficient``, ``coefficient_interval``,
    ``p_value``, ``count`` or ``value``), ``digits``, whether a suppressed row shows the mark in
    it (``mark``) and, for ``value``, the words shown for its codes (``labels``) — what
    ``tables.xlsx`` follows to show the same table.
    """
    confidence = confidence or table.attrs.get("confidence", 0.95)
    coefficients = set(table.attrs.get("coefficient_columns", ()))
    coef_digits = table.attrs.get("coefficient_digits", 2)
    percents = (set(_PERCENT) | set(table.attrs.get("percent_columns", ()))) - coefficients
    labels = {**_LABELS, **table.attrs.get("labels", {})}
    words = table.attrs.get("value_labels", {})
    out = pd.DataFrame(index=table.index)
    text_columns = []
    suppressed = (
        table["suppressed"].fillna(False).astype(bool)
        if "suppressed" in table
        else pd.Series(False, index=table.index)
    )
    keep = _kept(table) if keep is None else set(keep)
    specs = []  # how each shown column is made, for tables.xlsx (see table_payload)

    def spec(heading, columns, kind, places=None, mark=True):
        specs.append(
            {"heading": heading, "columns": columns, "format": kind, "digits": places, "mark": mark}
        )

    for col in table.columns:
        if col in ("method", "suppressed", "ci_high"):
            continue
        if col == "ci_low" and "ci_high" in table:
            label = f"{round(100 * confidence)}% CI"
            if "ci_low" in coefficients:
                spec(label, ["ci_low", "ci_high"], "coefficient_interval", coef_digits)
            else:
                spec(label, ["ci_low", "ci_high"], "percent_interval", digits)
            fmt = (
                (lambda v: _num(v, coef_digits))
                if "ci_low" in coefficients
                else (lambda v: _pct(v, digits))
            )
            out[label] = [
                suppressed_mark if s else (f"{fmt(lo)} to {fmt(hi)}" if pd.notna(lo) else "")
                for lo, hi, s in zip(table["ci_low"], table["ci_high"], suppressed)
            ]
        elif col in coefficients:
            spec(
                labels.get(col, col.replace("_", " ").capitalize()),
                [col],
                "coefficient",
                coef_digits,
            )
            out[labels.get(col, col.replace("_", " ").capitalize())] = [
                suppressed_mark if s else _num(v, coef_digits)
                for v, s in zip(table[col], suppressed)
            ]
        elif col in percents:
            spec(labels.get(col, col), [col], "percent", digits)
            out[labels.get(col, col)] = [
                suppressed_mark if s else _pct(v, digits) for v, s in zip(table[col], suppressed)
            ]
        elif col == "p_value" or col.startswith("p_"):
            spec(labels.get(col, col.replace("_", " ")), [col], "p_value", 3)
            out[labels.get(col, col.replace("_", " "))] = [
                suppressed_mark if s else _p(v) for v, s in zip(table[col], suppressed)
            ]
        elif col in _COUNTS:
            spec(labels.get(col, col), [col], "count")
            out[labels.get(col, col)] = [
                suppressed_mark if s else ("" if pd.isna(v) else f"{int(v)}")
                for v, s in zip(table[col], suppressed)
            ]
        else:
            label = labels.get(col, col.replace("_", " ").capitalize())
            said = words.get(col, {})
            spec(label, [col], "value", mark=col not in keep)
            if said:
                shown_values = set(table[col].dropna())
                specs[-1]["labels"] = {str(k): v for k, v in said.items() if k in shown_values}
            out[label] = [
                suppressed_mark
                if s and col not in keep
                else _text(said.get(v, v) if isinstance(v, str) else v)
                for v, s in zip(table[col], suppressed)
            ]
            kind = table[col].dtype
            if not (
                pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)
            ):
                text_columns.append(label)
    out.attrs["text_columns"] = text_columns
    out.attrs["display"] = specs
    return out


def _text(v) -> str:
    """Any other cell: dates without a midnight time, floats to 3 significant figures."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat(sep=" ")
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def html_table(shown: pd.DataFrame) -> str:
    """A :func:`format_table` result as an HTML table (class ``aeeval-table``). Cells of its
    ``text_columns`` have class ``text`` (left-aligned, wrapping, so a long quote stays on the
    page); the others class ``num`` (right-aligned, on one line). A table of
    :data:`WIDE_TABLE_COLUMNS` columns or more is also of class ``wide``, printed smaller to fit
    an A4 page; of :data:`VERY_WIDE_TABLE_COLUMNS` or more, also ``very-wide``, smaller still; of
    :data:`LANDSCAPE_TABLE_COLUMNS` or more, also ``landscape``: on a landscape page."""
    text = set(shown.attrs.get("text_columns", ()))
    kinds = ["text" if c in text else "num" for c in shown.columns]
    head = "".join(
        f'<th class="{k}">{html.escape(str(c))}</th>' for k, c in zip(kinds, shown.columns)
    )
    rows = "".join(
        "<tr>"
        + "".join(f'<td class="{k}">{html.escape(str(v))}</td>' for k, v in zip(kinds, row))
        + "</tr>\n"
        for row in shown.itertuples(index=False, name=None)
    )
    wide = " wide" if len(kinds) >= WIDE_TABLE_COLUMNS else ""
    if len(kinds) >= VERY_WIDE_TABLE_COLUMNS:
        wide += " very-wide"
    if len(kinds) >= LANDSCAPE_TABLE_COLUMNS:
        wide += " landscape"
    return (
        f'<table class="aeeval-table{wide}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        f"{rows}</tbody>\n</table>"
    )


def _jsonable(v):
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def table_payload(
    table: pd.DataFrame,
    *,
    name: str,
    title: str,
    min_base: int | None = None,
    declared: dict | None = None,
    note: str | None = None,
    display: dict | None = None,
) -> dict:
    """The machine-readable record of a published table (what ``figures.json`` holds).

    With ``declared`` (:func:`aeeval.disclosure.declaration`) it also records what the table
    declares — ``base_columns``, ``rule``, ``by``, ``key_columns``, ``measure``, ``total``,
    ``percent_columns`` — and the ``note`` shown under it, which the disclosure gate enforces.
    ``display`` (from :func:`show`) records how the report shows it: ``columns`` as
    :func:`format_table` gives them in ``attrs["display"]``, the ``suppressed_mark`` and the
    ``footnotes`` printed under the table; ``tables.xlsx`` is built from it.
    """
    records = [{str(k): _jsonable(v) for k, v in row.items()} for row in table.to_dict("records")]
    payload = {
        "name": name,
        "title": title,
        "min_base": min_base,
        "confidence": table.attrs.get("confidence"),
        "columns": [str(c) for c in table.columns],
        "records": records,
    }
    if declared is not None:
        payload.update(
            {
                "rule": declared["disclosure_rule"],
                "base_columns": declared["base_columns"],
                "by": declared["by"],
                "key_columns": declared["key_columns"],
                "measure": declared["measure"],
                "total": _jsonable(declared["total"]),
                "percent_columns": declared["percent_columns"],
                "note": note,
            }
        )
    if display is not None:
        payload["display"] = display
    return payload


def show(
    table: pd.DataFrame,
    *,
    name: str,
    title: str,
    note: str | None = None,
    min_base: int | None = None,
    digits: int = 0,
    base=None,
    rule: str | None = None,
    by=None,
    measure: str | None = None,
):
    """Display a result table with a caption, and attach its tidy numbers for ``figures.json``.

    The table must say what it counts: its base column(s) and disclosure rule, from the function
    that made it (``table.attrs``, see :func:`aeeval.disclosure.declare`) or given here. The rule
    is applied before anything is shown (:func:`aeeval.disclosure.apply_rule`): a row below the
    minimum base is suppressed with every value derived from it, and a percentage of fewer than
    ``min_base`` interviews is left out.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy result table (``n``, ``base``, ``estimate``, ``ci_low``, ``ci_high`` …).
    name : str
        Stable identifier (snake_case) used as the key in ``figures.json``.
    title : str
        Caption shown above the table.
    note : str, optional
        A plain-English note shown under the table.
    min_base : int, optional
        The suppression threshold (default: the table's ``attrs["min_base"]``, else
        :data:`aeeval.options.DEFAULT_MIN_BASE`), checked again by the disclosure gate.
    base : str or list of str, optional
        The base column(s), overriding the table's declaration (any name: ``denominator``,
        ``responses`` …).
    rule : {"people", "interviews", "none"}, optional
        The disclosure rule, overriding the table's declaration; ``"none"`` only for a table
        holding no counts about people or organisations.
    by : str or list of str, optional
        Grouping columns whose rows add up to a total (secondary suppression, and the gate's
        check against totals published in other tables).
    measure : str, optional
        Name shared with the other tables that publish the same figures at other groupings.

    Raises
    ------
    aeeval.disclosure.DeclarationError
        The table declares no disclosure rule, or a base column it does not have.

    Examples
    --------
    A table must say what it counts; a row whose base is below 10 is suppressed, and so is the
    next-smallest sibling (``*``), so that it cannot be worked out from a total:

    >>> import pandas as pd
    >>> t = pd.DataFrame({"setting": ["Acute", "Community", "Mental health"],
    ...                   "n": [30, 4, 12], "base": [40, 6, 20]})
    >>> show(t, name="by_setting", title="Said yes, by setting")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    aeeval.disclosure.DeclarationError: table 'by_setting' does not say what it counts: ...
    >>> show(t, name="by_setting", title="Said yes, by setting", base="base", rule="people",
    ...      by="setting")  # doctest: +ELLIPSIS
    {'text/html': '...<td class="text">Community</td><td class="num">*</td><td class="num">6</td>...
    """
    from IPython.display import display

    declared = declaration(
        table, name=name, base=base, rule=rule, by=by, measure=measure, min_base=min_base
    )
    published = apply_rule(table, declared)
    blanked = [
        c for c in declared["percent_columns"] if published[c].isna().sum() > table[c].isna().sum()
    ]
    # A percentage column the qualitative rule emptied is left out of the display.
    empty = [
        c
        for c in blanked
        if declared["disclosure_rule"] == "interviews" and published[c].isna().all()
    ]
    shown = format_table(published.drop(columns=empty), digits=digits, keep=kept_columns(declared))
    body = html_table(shown)
    parts = [f'<div class="aeeval-caption">{html.escape(title)}</div>', body]
    if note:
        parts.append(f'<p class="aeeval-note">{html.escape(note)}</p>')
    threshold = declared["min_base"]
    footnotes = []
    if "suppressed" in published and published["suppressed"].fillna(False).astype(bool).any():
        footnotes.append(
            f"* suppressed: base below {threshold} "
            "(disclosure control), or hidden so that such a figure cannot be worked out "
            "from a total."
        )
    if declared["disclosure_rule"] == "interviews" and blanked:
        footnotes.append(
            f"Percentages of fewer than {threshold} interviews are not shown; the counts are."
        )
    parts += [f'<p class="aeeval-note">{html.escape(f)}</p>' for f in footnotes]
    how = {"columns": shown.attrs["display"], "suppressed_mark": "*", "footnotes": footnotes}
    display(
        {
            "text/html": "\n".join(parts),
            "text/plain": f"{title}\n{shown.to_string(index=False)}",
            TABLE_MIMETYPE: table_payload(
                published,
                name=name,
                title=title,
                min_base=threshold,
                declared=declared,
                note=note,
                display=how,
            ),
        },
        raw=True,
    )


def say(text: str, *, safe: str | None = None):
    """Display a sentence or paragraph (Markdown) in a notebook and its report.

    Text shown outside :func:`show` is read by the disclosure gate for counts ("2 of 3", "3/4",
    "5 patients", "75% of 4") below the minimum base. ``safe`` marks the text as holding no
    disclosive number and says why (e.g. ``"counts of months and files, not of people"``); the
    reason is kept with the output in ``executed.ipynb``. Identifiers are checked either way.

    Parameters
    ----------
    text : str
        Markdown.
    safe : str, optional
        Why the numbers in ``text`` disclose nothing about a small group of people.

    Examples
    --------
    In a notebook the text is shown as Markdown; elsewhere the output bundle is printed:

    >>> say("12 months, January to December 2025.", safe="a count of months, not of people")
    {'text/markdown': '12 months, January to December 2025.', 'text/plain': '12 months, January to December 2025.', 'application/vnd.aeeval.safe-text+json': {'reason': 'a count of months, not of people'}}
    """
    from IPython.display import display

    if safe is not None and (not isinstance(safe, str) or not safe.strip()):
        raise ValueError("say(..., safe=) needs the reason the text is safe to publish, in words")
    data = {"text/markdown": str(text), "text/plain": str(text)}
    if safe is not None:
        data[SAFE_TEXT_MIMETYPE] = {"reason": safe.strip()}
    display(data, raw=True)
