"""Disclosure control: suppress small numbers before anything is published.

Every published table declares what it counts and the rule it follows (:func:`declare`, or the
``base=``/``rule=`` arguments of :func:`aeeval.show`):

``"people"``
    Counts about people — survey respondents (one lead per organisation), patients in an Always
    Event measure, Staff Survey respondents. A row whose base (any declared base column) is at
    least 1 and below ``min_base`` is suppressed, and so are the siblings that would give it away
    (:func:`suppress`); a suppressed row shows only its base and the columns that say what the row
    is (its key columns), never a count, percentage, interval or difference.
``"interviews"``
    Counts of interviews and interviewed organisations (qualitative findings): "k of N interviews"
    may be shown as counts whatever N is, but a percentage of fewer than ``min_base`` interviews
    or organisations may not (the percentage is left blank). :data:`QUALITATIVE_RULE` says it in
    the words the reports and docs use.
``"none"``
    The table holds no counts about people or organisations: an item map, a list of data files,
    model coefficients, coder agreement, quotes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import AeevalError
from .options import DEFAULT_MIN_BASE

__all__ = [
    "DISCLOSURE_RULES",
    "DeclarationError",
    "QUALITATIVE_RULE",
    "VALUE_COLUMNS",
    "apply_rule",
    "declaration",
    "declare",
    "exposed",
    "kept_columns",
    "percent_columns",
    "sibling_sets",
    "suppress",
]

#: The rules a table may declare (see the module's docstring).
DISCLOSURE_RULES = ("people", "interviews", "none")
#: The rule for counts of interviewed organisations, as the methods section and the docs state it.
QUALITATIVE_RULE = (
    "Interview findings are reported as counts (\u201ck of N interviews\u201d), whatever the "
    "number of interviews; a percentage of fewer than {min_base} interviews or interviewed "
    "organisations is not shown, because a percentage of so few suggests a precision, and a "
    "coverage of organisations, that the interviews do not have."
)
#: Columns a suppressed row always keeps: its flag and how its values were computed.
META_COLUMNS = ("suppressed", "method")
#: Column names read as percentages even when a table does not list them in
#: ``attrs["percent_columns"]``.
PERCENT_NAMES = ("estimate", "ci_low", "ci_high", "difference", "estimate1", "estimate2")
_PERCENT_PREFIXES = ("pct", "percent", "share", "rate", "proportion")


class DeclarationError(AeevalError, ValueError):
    """A table to be published does not say what it counts (its base) or which rule it follows."""


#: Columns blanked in a suppressed row (those present in the table). ``excluded`` counts
#: answers too ("Don't know"): in a small group it would publish what a few people said.
VALUE_COLUMNS = (
    "n",
    "excluded",
    "estimate",
    "ci_low",
    "ci_high",
    "design_effect",
    "effective_base",
)


def suppress(
    table: pd.DataFrame,
    min_base: int = DEFAULT_MIN_BASE,
    *,
    base: str = "base",
    columns=VALUE_COLUMNS,
    by=None,
    secondary: bool = True,
    within=(),
) -> pd.DataFrame:
    """Blank the values of rows whose base is below ``min_base``, and of siblings that would give
    them away, and flag them ``suppressed``.

    *Primary suppression*: a row whose base is at least 1 and below ``min_base`` has its values
    (``columns``) blanked. A base of 0 is not suppressed (there is nothing to disclose), following
    NHS practice that zeros are not suppressed. The base itself stays visible.

    *Secondary suppression*: the rows of a table usually add up to a total that is published
    elsewhere (the programme figure is the sum of its cohorts). If exactly one row of such a set
    of siblings were suppressed, its count could be recovered by subtracting the others from the
    total. So, as the Friends and Family Test does, the next-smallest sibling (smallest base
    above 0, first in table order on ties) is suppressed too. Likewise while the suppressed rows
    of a set together have a base below ``min_base`` (two cohorts of 3 and 4 would otherwise be
    published as one group of 7, by subtraction). Siblings are the rows that share every grouping
    column but one, for each grouping column in turn (all rows when ``by`` is empty); the rule is
    repeated until every set with a suppressed row has at least two, with a combined base of at
    least ``min_base``, or has every row suppressed.

    What stays visible in a suppressed row: the grouping columns, ``base`` (so a reader sees why
    it is suppressed) and columns not in ``columns`` such as ``method``; the counts and every
    value computed from them are blanked (whole-number columns become nullable ``Int64``).

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy result table with a base column. Not modified.
    min_base : int
        Smallest base shown (default :data:`aeeval.options.DEFAULT_MIN_BASE`, the project's one
        setting, 10 after the NHS Staff Survey rule).
    base : str
        The base column.
    columns : iterable of str
        Columns blanked in a suppressed row (those present).
    by : str or list of str, optional
        Grouping columns that define sibling sets for secondary suppression (default: none, so
        every row is a sibling of every other).
    secondary : bool
        Apply secondary suppression (default ``True``).
    within : str or list of str, optional
        Columns saying what a row counts (e.g. ``figure``): rows differing in them are never
        siblings (see :func:`sibling_sets`).

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` set.

    Notes
    -----
    Secondary suppression protects a row against subtraction from the total of its sibling
    set. It cannot protect a row that is alone in its set (the total *is* that row): suppress or
    do not publish that total. Zero-base siblings are never chosen: they disclose nothing.

    References
    ----------
    NHS England. Friends and Family Test data: suppression of 1-4 responses and of the next
    smallest unit so that suppressed figures cannot be derived by subtraction.
    NHS Staff Survey technical guidance: results are not reported for fewer than 10 (11 before
    2019) responses.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"g": ["a", "b", "c"], "n": [3, 20, 40], "base": [5, 30, 80],
    ...                   "estimate": [0.6, 2 / 3, 0.5]})
    >>> suppress(t, min_base=10, by="g")[["g", "n", "suppressed"]]
       g     n  suppressed
    0  a  <NA>        True
    1  b  <NA>        True
    2  c    40       False
    """
    if isinstance(min_base, bool) or not isinstance(min_base, (int, np.integer)) or min_base < 1:
        raise ValueError(f"min_base must be a whole number ≥ 1; got {min_base!r}")
    if base not in table.columns:
        raise KeyError(
            f"base column '{base}' is not in the table "
            f"(columns: {', '.join(map(str, table.columns))})"
        )
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [b for b in by if b not in table.columns]
    if missing:
        raise KeyError(f"grouping column(s) {missing} are not in the table")
    out = table.copy()
    bases = pd.to_numeric(out[base], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    small = (bases < min_base) & (bases > 0)
    prior = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out.columns else False
    hidden = small | prior
    if secondary and len(out) > 1:
        hidden = _secondary(out, hidden, bases, sibling_sets(out, by, within), min_base)
    for col in columns:
        if col in out.columns:
            _blank(out, col, hidden)
    out["suppressed"] = hidden
    return out


def _blank(out: pd.DataFrame, col: str, hidden: np.ndarray) -> None:
    """Blank ``col`` in the ``hidden`` rows, keeping whole numbers whole and text text."""
    kind = out[col].dtype
    if not hidden.any() and not pd.api.types.is_numeric_dtype(kind):
        return  # text, dates and flags keep their type when nothing is hidden
    if pd.api.types.is_bool_dtype(kind):
        out[col] = out[col].astype("boolean")
        out.loc[hidden, col] = pd.NA
    elif pd.api.types.is_integer_dtype(kind):
        out[col] = out[col].astype("Int64")
        out.loc[hidden, col] = pd.NA
    elif pd.api.types.is_numeric_dtype(kind):
        out[col] = out[col].astype(float)
        out.loc[hidden, col] = np.nan
    elif pd.api.types.is_datetime64_any_dtype(kind):
        out.loc[hidden, col] = pd.NaT
    else:
        out[col] = out[col].astype(object)
        out.loc[hidden, col] = None


def sibling_sets(table: pd.DataFrame, by, within=()) -> list[np.ndarray]:
    """Positions of the rows in each sibling set: rows whose counts add up to a common total.

    Siblings share every ``within`` column (what is counted, e.g. the figure and the year) and
    every grouping column of ``by`` but one, for each grouping column in turn; with ``by`` empty,
    all rows sharing the ``within`` columns are siblings.
    """
    by = [by] if isinstance(by, str) else list(by)
    within = [c for c in ([within] if isinstance(within, str) else within) if c in table.columns]
    if not within:
        return _sibling_sets(table, by)
    within = list(dict.fromkeys(within))
    sets = []
    keys = table[within].astype(object).where(table[within].notna(), "\0missing")
    for idx in keys.groupby(within, sort=False).indices.values():
        idx = np.asarray(idx)
        sets += [idx[s] for s in _sibling_sets(table.iloc[idx], by)]
    return sets


def exposed(hidden_bases, min_base: int) -> bool:
    """Would the hidden rows of one sibling set be given away by its total?

    ``hidden_bases`` are the bases of the set's hidden rows with a base above 0. They are exposed
    when exactly one is hidden (total minus the others recovers it) or when together they are
    below ``min_base`` (the hidden rows would be published as one small group, by subtraction).
    """
    bases = np.asarray([b for b in hidden_bases if b > 0], dtype=float)
    return len(bases) == 1 or (len(bases) > 1 and bases.sum() < min_base)


def _sibling_sets(table: pd.DataFrame, by: list) -> list[np.ndarray]:
    """Positions of the rows in each sibling set."""
    if not by:
        return [np.arange(len(table))]
    sets = []
    for free in by:
        fixed = [b for b in by if b != free]
        if not fixed:
            sets.append(np.arange(len(table)))
            continue
        keys = table[fixed].astype(object).where(table[fixed].notna(), "\0missing")
        for idx in keys.groupby(fixed, sort=False).indices.values():
            sets.append(np.asarray(idx))
    return sets


def _secondary(
    table: pd.DataFrame, hidden: np.ndarray, bases: np.ndarray, sets: list, min_base: int
) -> np.ndarray:
    hidden = hidden.copy()
    live = np.nan_to_num(bases) > 0  # zero bases disclose nothing: they neither count nor protect
    changed = True
    while changed:
        changed = False
        for rows in sets:
            secret = rows[hidden[rows] & live[rows]]
            if not exposed(bases[secret], min_base):
                continue
            candidates = rows[~hidden[rows] & live[rows]]
            if len(candidates) == 0:
                continue
            pick = candidates[np.argmin(bases[candidates])]  # first on ties
            hidden[pick] = True
            changed = True
    return hidden


def _names(columns) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else [str(c) for c in columns]


def declare(
    table: pd.DataFrame,
    *,
    rule: str,
    base=(),
    by=(),
    keys=None,
    measure: str | None = None,
    min_base: int | None = None,
    total=None,
) -> pd.DataFrame:
    """Say in ``table.attrs`` what a result table counts and which disclosure rule it follows.

    Result functions call this on the tables they return, so that :func:`aeeval.show` knows how
    to publish them; a notebook overrides it with ``ae.show(..., base=, rule=)``.

    Parameters
    ----------
    table : pandas.DataFrame
        The table (changed in place and returned).
    rule : {"people", "interviews", "none"}
        The rule (see :mod:`aeeval.disclosure`).
    base : str or list of str
        The base column(s): the number of people (interviews) each row's figures are out of.
    by : str or list of str
        Grouping columns: rows that differ only in them add up to the same total (siblings).
    keys : list of str, optional
        Columns that say what a row is (e.g. ``figure``, ``year``); a suppressed row keeps them.
        Default: the table's columns of text, dates and flags.
    measure : str, optional
        A name shared by the tables that publish the same figures at different groupings (e.g.
        the headline figures overall and by cohort): the gate checks that a suppressed group
        cannot be worked out from the total of another such table.
    min_base : int, optional
        The threshold the table was built with.
    total : object, optional
        The value of the ``by`` column that marks a total row in the table itself (e.g.
        ``"All cohorts"``).

    Returns
    -------
    pandas.DataFrame
        ``table``, with ``attrs`` ``disclosure_rule``, ``base_columns``, ``by``, ``key_columns``,
        ``measure``, ``min_base``, ``total``.
    """
    _check_rule(rule, "declare")
    table.attrs.update(
        disclosure_rule=rule, base_columns=_names(base), by=_names(by), measure=measure, total=total
    )
    if keys is not None:
        table.attrs["key_columns"] = _names(keys)
    if min_base is not None:
        table.attrs["min_base"] = min_base
    return table


def _check_rule(rule, name: str) -> str:
    if rule not in DISCLOSURE_RULES:
        raise DeclarationError(
            f"{name}: disclosure rule must be one of "
            f"{', '.join(map(repr, DISCLOSURE_RULES))}; got {rule!r}"
        )
    return rule


def percent_columns(table: pd.DataFrame) -> list[str]:
    """The columns of ``table`` that hold percentages (proportions 0–1): those it lists in
    ``attrs["percent_columns"]``, the usual names (:data:`PERCENT_NAMES`) and names starting
    ``pct``, ``percent``, ``share``, ``rate`` or ``proportion``; not its coefficient columns."""
    coefficients = set(table.attrs.get("coefficient_columns", ()))
    listed = set(table.attrs.get("percent_columns", ())) | set(PERCENT_NAMES)
    return [
        str(c)
        for c in table.columns
        if str(c) not in coefficients
        and (str(c) in listed or str(c).lower().startswith(_PERCENT_PREFIXES))
    ]


def declaration(
    table: pd.DataFrame,
    *,
    name: str,
    base=None,
    rule: str | None = None,
    by=None,
    measure: str | None = None,
    min_base: int | None = None,
) -> dict:
    """What a table to be published declares (its attributes, overridden by the arguments).

    Raises :class:`DeclarationError` naming the table when it declares no rule, a rule that
    needs a base but no base, or a base column it does not have.

    Returns
    -------
    dict
        ``disclosure_rule``, ``base_columns``, ``by``, ``key_columns``, ``measure``, ``min_base``,
        ``total``, ``percent_columns``: what ``figures.json`` records and the gate enforces.
    """
    attrs = table.attrs
    rule = attrs.get("disclosure_rule") if rule is None else rule
    where = f"table {name!r}"
    if rule is None:
        raise DeclarationError(
            f"{where} does not say what it counts: give its base column(s) and disclosure rule, "
            f'e.g. ae.show(table, name={name!r}, ..., base="denominator", rule="people") for '
            'counts about people (suppressed below min_base), rule="interviews" for counts of '
            'interviews, or rule="none" if it holds no counts about people or organisations '
            f"(columns: {', '.join(map(str, table.columns))})"
        )
    _check_rule(rule, where)
    base = _names(attrs.get("base_columns") if base is None else base)
    missing = [b for b in base if b not in table.columns]
    if (
        missing
        and attrs.get("base_columns")
        and base == _names(attrs["base_columns"])
        and len(missing) < len(base)
    ):
        # A table narrowed to some of its figures (e.g. the interview columns of the theme
        # frequencies, without the organisation ones) keeps the bases it still has.
        base, missing = [b for b in base if b in table.columns], []
    if missing:
        raise DeclarationError(
            f"{where} declares base column(s) {', '.join(missing)} but has no "
            f"such column (columns: {', '.join(map(str, table.columns))}); a "
            "table that counts people is published with its base"
        )
    percents = percent_columns(table)
    if rule == "none" and base:
        raise DeclarationError(
            f"{where} declares rule 'none' (no counts about people) but a base "
            f"column ({', '.join(base)}): declare rule 'people' or 'interviews'"
        )
    if not base and (rule == "people" or (rule == "interviews" and percents)):
        raise DeclarationError(
            f"{where} declares rule {rule!r} but no base column: say which "
            "column holds the number each row is out of (base=...)"
        )
    by = [b for b in _names(attrs.get("by") if by is None else by) if b in table.columns]
    if "key_columns" in attrs:
        keys = [k for k in _names(attrs["key_columns"]) if k in table.columns]
    else:
        keys = [
            str(c)
            for c in table.columns
            if str(c) not in base
            and str(c) not in percents
            and (
                not pd.api.types.is_numeric_dtype(table[c].dtype)
                or pd.api.types.is_bool_dtype(table[c].dtype)
            )
        ]
    min_base = min_base if min_base is not None else attrs.get("min_base") or DEFAULT_MIN_BASE
    if isinstance(min_base, bool) or not isinstance(min_base, (int, np.integer)) or min_base < 1:
        raise DeclarationError(f"{where}: min_base must be a whole number ≥ 1; got {min_base!r}")
    return {
        "disclosure_rule": rule,
        "base_columns": base,
        "by": by,
        "key_columns": [k for k in keys if k not in base and k not in by and k != "suppressed"],
        "measure": attrs.get("measure") if measure is None else measure,
        "min_base": int(min_base),
        "total": attrs.get("total"),
        "percent_columns": percents,
    }


def kept_columns(decl: dict) -> list[str]:
    """The columns a suppressed row keeps under a :func:`declaration`: its base, grouping and key
    columns and :data:`META_COLUMNS`. Every other column is derived from the hidden counts."""
    return [*decl["base_columns"], *decl["by"], *decl["key_columns"], *META_COLUMNS]


def apply_rule(table: pd.DataFrame, decl: dict) -> pd.DataFrame:
    """A copy of ``table`` with its :func:`declaration` applied.

    ``"people"``: rows with a base of 1 to ``min_base`` − 1 in any base column are suppressed,
    with their siblings (:func:`suppress` by the declared ``by`` within the key columns), and
    every derived column of a suppressed row is blanked. ``"interviews"``: percentages of rows
    whose base is below ``min_base`` are blanked, and a row flagged ``suppressed`` shows no
    derived value. ``"none"``: unchanged.
    """
    rule = decl["disclosure_rule"]
    if rule == "none":
        return table.copy()
    keep = set(kept_columns(decl))
    derived = [c for c in table.columns if c not in keep]
    out = table.copy()
    within = [k for k in decl["key_columns"] if k in out.columns]
    if rule == "people":
        for b in decl["base_columns"]:
            out = suppress(
                out, decl["min_base"], base=b, columns=derived, by=decl["by"], within=within
            )
        return out
    if decl["base_columns"]:
        bases = out[decl["base_columns"]].apply(pd.to_numeric, errors="coerce")
        small = ((bases >= 1) & (bases < decl["min_base"])).any(axis=1).to_numpy()
        for col in decl["percent_columns"]:
            _blank(out, col, small)
    if "suppressed" in out.columns:
        hidden = out["suppressed"].fillna(False).astype(bool).to_numpy()
        for col in derived:
            _blank(out, col, hidden)
    return out
