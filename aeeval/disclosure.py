"""Disclosure control: suppress small numbers before anything is published."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .options import DEFAULT_MIN_BASE

__all__ = ["suppress", "VALUE_COLUMNS"]

#: Columns blanked in a suppressed row (those present in the table). ``excluded`` counts
#: answers too ("Don't know"): in a small group it would publish what a few people said.
VALUE_COLUMNS = ("n", "excluded", "estimate", "ci_low", "ci_high", "design_effect", "effective_base")
_VALUE_COLUMNS = VALUE_COLUMNS


def suppress(table: pd.DataFrame, min_base: int = DEFAULT_MIN_BASE, *, base: str = "base",
             columns=VALUE_COLUMNS, by=None, secondary: bool = True) -> pd.DataFrame:
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
        raise KeyError(f"base column '{base}' is not in the table "
                       f"(columns: {', '.join(map(str, table.columns))})")
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
        hidden = _secondary(out, hidden, bases, by, min_base)
    for col in columns:
        if col in out.columns:
            if pd.api.types.is_integer_dtype(out[col]):
                out[col] = out[col].astype("Int64")
                out.loc[hidden, col] = pd.NA
            else:
                out[col] = out[col].astype(float)
                out.loc[hidden, col] = np.nan
    out["suppressed"] = hidden
    return out


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


def _secondary(table: pd.DataFrame, hidden: np.ndarray, bases: np.ndarray, by: list,
               min_base: int) -> np.ndarray:
    hidden = hidden.copy()
    sets = _sibling_sets(table, by)
    live = np.nan_to_num(bases) > 0  # zero bases disclose nothing: they neither count nor protect
    changed = True
    while changed:
        changed = False
        for rows in sets:
            secret = rows[hidden[rows] & live[rows]]
            if len(secret) == 0:
                continue
            if len(secret) > 1 and bases[secret].sum() >= min_base:
                continue
            candidates = rows[~hidden[rows] & live[rows]]
            if len(candidates) == 0:
                continue
            pick = candidates[np.argmin(bases[candidates])]  # first on ties
            hidden[pick] = True
            changed = True
    return hidden
