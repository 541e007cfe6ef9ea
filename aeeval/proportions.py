"""Proportions with confidence intervals.

Intervals are computed by :func:`statsmodels.stats.proportion.proportion_confint`; this module
validates inputs, makes the end points exact at 0 and at the base, and shapes tidy tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from .options import DEFAULT_CONFIDENCE, check_choice, check_confidence

__all__ = ["proportion_ci", "proportions", "CI_METHODS"]

#: Interval methods: aeeval name → statsmodels name.
CI_METHODS = {
    "wilson": "wilson",
    "clopper_pearson": "beta",
    "agresti_coull": "agresti_coull",
    "jeffreys": "jeffreys",
}


def _check_counts(count, base):
    count = np.asarray(count, dtype=float)
    base = np.asarray(base, dtype=float)
    for name, arr in (("count", count), ("base", base)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
        if bad.any():
            value = arr[bad].flat[0] if arr.ndim else arr
            raise ValueError(f"{name} must be a whole number ≥ 0; got {value!r}")
    if (base == 0).any():
        raise ValueError("base must be at least 1: a proportion of nothing has no interval")
    over = count > base
    if over.any():
        i = np.flatnonzero(np.broadcast_to(over, np.broadcast(count, base).shape))[0]
        c = np.broadcast_to(count, over.shape).flat[i]
        b = np.broadcast_to(base, over.shape).flat[i]
        raise ValueError(f"count ({c:g}) is larger than its base ({b:g})")
    return count, base


def proportion_ci(count, base, confidence: float = DEFAULT_CONFIDENCE, method: str = "wilson"):
    """Confidence interval for a binomial proportion.

    Parameters
    ----------
    count : int or array-like
        Number of positive answers.
    base : int or array-like
        Number answering (the denominator), at least 1.
    confidence : float
        Confidence level, strictly between 0 and 1.
    method : {"wilson", "clopper_pearson", "agresti_coull", "jeffreys"}
        ``"wilson"``: Wilson score interval (recommended; Newcombe 1998 method 3).
        ``"clopper_pearson"``: exact binomial. ``"agresti_coull"``: adjusted Wald, clipped to
        [0, 1]. ``"jeffreys"``: equal-tailed Beta(count + ½, base − count + ½) interval, with the
        lower end 0 at count 0 and the upper end 1 at count = base (Brown, Cai & DasGupta 2001).

    Returns
    -------
    (low, high)
        Floats for scalar input, numpy arrays otherwise.

    References
    ----------
    Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
    seven methods. Statistics in Medicine 17:857-872.
    Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
    Statistical Science 16(2):101-133.

    Examples
    --------
    >>> low, high = proportion_ci(81, 263)   # Newcombe (1998) Table I: 0.2553 to 0.3662
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    """
    confidence = check_confidence(confidence)
    check_choice("method", method, list(CI_METHODS))
    scalar = np.ndim(count) == 0 and np.ndim(base) == 0
    count, base = _check_counts(count, base)
    low, high = proportion_confint(count, base, alpha=1 - confidence, method=CI_METHODS[method])
    low = np.clip(np.asarray(low, dtype=float), 0.0, 1.0)
    high = np.clip(np.asarray(high, dtype=float), 0.0, 1.0)
    # Exact end points: at 0 positives the lower bound is 0, at count = base the upper is 1.
    low = np.where(count == 0, 0.0, low)
    high = np.where(count == base, 1.0, high)
    if scalar:
        return float(low), float(high)
    return low, high


def proportions(data: pd.DataFrame, column: str, positive, *, by=None, exclude=(),
                confidence: float = DEFAULT_CONFIDENCE, method: str = "wilson",
                min_base: int | None = None, weights=None) -> pd.DataFrame:
    """Proportion of answers that are positive, with a confidence interval, by group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (long format), e.g. the output of :func:`aeeval.code_responses`.
    column : str
        The answer column.
    positive : str or list of str
        Answer(s) counted positive; several make a top-two-box.
    by : str or list of str, optional
        Grouping columns.
    exclude : iterable of str
        Answers outside the base (e.g. ``"Don't know"``); counted in ``excluded``. Blank answers
        are always outside the base and not counted.
    confidence, method
        As in :func:`proportion_ci`.
    min_base : int, optional
        Suppress groups whose base is below this (see :mod:`aeeval.disclosure`).
    weights : str, optional
        Not supported yet: raises ``NotImplementedError``.

    Returns
    -------
    pandas.DataFrame
        Grouping columns, then ``n``, ``base``, ``excluded``, ``estimate`` (0–1), ``ci_low``,
        ``ci_high``, ``method``, ``suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": ["Yes"] * 6 + ["No"] * 4 + ["Don't know"]})
    >>> proportions(df, "q", "Yes", exclude=["Don't know"])[["n", "base", "excluded", "estimate"]]
       n  base  excluded  estimate
    0  6    10         1       0.6
    """
    if weights is not None:
        raise NotImplementedError("weighted proportions are not implemented yet")
    confidence = check_confidence(confidence)
    check_choice("method", method, list(CI_METHODS))
    if column not in data.columns:
        raise KeyError(f"column '{column}' is not in the data (columns: {', '.join(map(str, data.columns))})")
    positive = [positive] if isinstance(positive, str) else list(positive)
    exclude = [exclude] if isinstance(exclude, str) else list(exclude)
    answers = data[column]
    if isinstance(answers.dtype, pd.CategoricalDtype):
        known = set(answers.cat.categories)
        for role, values in (("positive", positive), ("exclude", exclude)):
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ValueError(f"{role} option(s) {unknown} are not answers to '{column}' "
                                 f"(options: {', '.join(map(str, answers.cat.categories))})")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    answered = answers.notna()
    is_excluded = answers.isin(exclude) & answered
    in_base = answered & ~is_excluded
    frame = pd.DataFrame({
        "n": (answers.isin(positive) & in_base).astype(int),
        "base": in_base.astype(int),
        "excluded": is_excluded.astype(int),
    })
    if by:
        for b in by:
            frame[b] = data[b].to_numpy()
        table = frame.groupby(by, observed=True, sort=True)[["n", "base", "excluded"]].sum().reset_index()
    else:
        table = frame[["n", "base", "excluded"]].sum().to_frame().T.reset_index(drop=True)
    table = table.astype({"n": "int64", "base": "int64", "excluded": "int64"})
    has_base = table["base"] > 0
    est = np.where(has_base, table["n"] / table["base"].where(has_base, 1), np.nan)
    low = np.full(len(table), np.nan)
    high = np.full(len(table), np.nan)
    if has_base.any():
        low[has_base], high[has_base] = proportion_ci(
            table.loc[has_base, "n"].to_numpy(), table.loc[has_base, "base"].to_numpy(),
            confidence, method)
    table["estimate"] = est
    table["ci_low"] = low
    table["ci_high"] = high
    table["method"] = method
    table["suppressed"] = False
    if min_base is not None:
        from .disclosure import suppress

        table = suppress(table, min_base=min_base)
    table.attrs["confidence"] = confidence
    return table
