"""Disclosure control: suppress small numbers before anything is published."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .options import DEFAULT_MIN_BASE

__all__ = ["suppress"]

_VALUE_COLUMNS = ("n", "estimate", "ci_low", "ci_high")


def suppress(table: pd.DataFrame, min_base: int = DEFAULT_MIN_BASE, *, base: str = "base",
             columns=_VALUE_COLUMNS) -> pd.DataFrame:
    """Blank the values of rows whose base is below ``min_base`` and flag them ``suppressed``.

    A base of 0 is not suppressed (there is nothing to disclose), following NHS practice that zeros
    are not suppressed. The base itself stays visible.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy result table with a base column.
    min_base : int
        Smallest base shown (default :data:`aeeval.options.DEFAULT_MIN_BASE`).
    base : str
        The base column.
    columns : iterable of str
        Columns blanked in a suppressed row (those present).

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` set.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n": [3, 40], "base": [5, 80], "estimate": [0.6, 0.5]})
    >>> suppress(t, min_base=10)[["n", "estimate", "suppressed"]]
          n  estimate  suppressed
    0  <NA>       NaN        True
    1    40       0.5       False
    """
    if isinstance(min_base, bool) or not isinstance(min_base, (int, np.integer)) or min_base < 1:
        raise ValueError(f"min_base must be a whole number ≥ 1; got {min_base!r}")
    out = table.copy()
    small = (out[base] < min_base) & (out[base] > 0)
    for col in columns:
        if col in out.columns:
            if col == "n":
                out[col] = out[col].astype("Int64")
                out.loc[small, col] = pd.NA
            else:
                out[col] = out[col].astype(float)
                out.loc[small, col] = np.nan
    prior = out["suppressed"].astype(bool) if "suppressed" in out.columns else False
    out["suppressed"] = small | prior
    return out
