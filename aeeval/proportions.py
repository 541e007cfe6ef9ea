"""Proportions with confidence intervals.

Intervals are computed by :func:`statsmodels.stats.proportion.proportion_confint`; this module
validates inputs, makes the end points exact at 0 and at the base, and shapes tidy tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from .disclosure import declare
from .options import DEFAULT_CONFIDENCE, check_choice, check_confidence, check_counts

__all__ = ["proportion_ci", "proportions", "distribution", "CI_METHODS"]

#: Interval methods: aeeval name → statsmodels name.
CI_METHODS = {
    "wilson": "wilson",
    "clopper_pearson": "beta",
    "agresti_coull": "agresti_coull",
    "jeffreys": "jeffreys",
}


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
    >>> low, high = proportion_ci(81, 263)   # Newcombe (1998), method 3: 0.2553 to 0.3662
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    """
    confidence = check_confidence(confidence)
    check_choice("method", method, list(CI_METHODS))
    scalar = np.ndim(count) == 0 and np.ndim(base) == 0
    count, base = check_counts(count, base)
    low, high = _interval(count, base, confidence, method)
    if scalar:
        return float(low), float(high)
    return low, high


def _interval(count, base, confidence, method):
    """The interval for checked inputs; ``count`` and ``base`` may be fractional (effective base)."""
    low, high = proportion_confint(count, base, alpha=1 - confidence, method=CI_METHODS[method])
    low = np.clip(np.asarray(low, dtype=float), 0.0, 1.0)
    high = np.clip(np.asarray(high, dtype=float), 0.0, 1.0)
    # Exact end points: at 0 positives the lower bound is 0, at count = base the upper is 1.
    low = np.where(count == 0, 0.0, low)
    high = np.where(count == base, 1.0, high)
    return low, high


def proportions(
    data: pd.DataFrame,
    column: str,
    positive,
    *,
    by=None,
    exclude=(),
    confidence: float = DEFAULT_CONFIDENCE,
    method: str = "wilson",
    min_base: int | None = None,
    weights=None,
) -> pd.DataFrame:
    """Proportion of answers that are positive, with a confidence interval, by group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (long format), e.g. the output of :func:`aeeval.code_responses`.
        Not modified.
    column : str
        The answer column. If it is categorical (coded by :func:`aeeval.code_responses`),
        ``positive`` and ``exclude`` must be among its categories (a ``ValueError`` names any
        that are not); uncoded answers are matched exactly and cannot be checked.
    positive : str or list of str
        Answer(s) counted positive; several make a top-two-box. For a multi-select option
        column from :func:`aeeval.code_responses` (``<id>__<label>``, boolean), ``True``: the
        share of respondents who ticked it.
    by : str or list of str, optional
        Grouping columns. Rows with a missing group are left out.
    exclude : iterable of str
        Answers outside the base (e.g. ``"Don't know"``); counted in ``excluded``. Blank answers
        are always outside the base and not counted.
    confidence, method
        As in :func:`proportion_ci`: ``"wilson"``, ``"clopper_pearson"``, ``"agresti_coull"``,
        ``"jeffreys"``.
    min_base : int, optional
        Suppress groups whose base is below this, and siblings that would let a suppressed group
        be worked out from the total (see :func:`aeeval.suppress`): ``n``, ``excluded`` and every
        value computed from them are blanked and ``suppressed`` is True; ``base`` stays. ``None``
        (default) suppresses nothing: this function computes, and the publishing functions
        (:func:`aeeval.headline_figures`, notebooks) pass the project default
        :data:`aeeval.options.DEFAULT_MIN_BASE`.
    weights : str, optional
        Column of survey weights (finite, ≥ 0). The estimate is the weighted proportion; the
        interval is the chosen method applied to the effective base
        ``n_eff = (Σw)² / Σw²`` (Kish 1965), i.e. the base divided by Kish's design effect for
        unequal weighting ``deff = base · Σw² / (Σw)²``. ``n`` and ``base`` stay unweighted
        counts of respondents. The effective count is then fractional, so the ends fixed at 0
        and 1 for "jeffreys" apply only to a group of all-negative or all-positive answers; with
        an effective base near 1 its equal-tailed interval can leave out a weighted estimate near
        0 or 1 (Wilson's cannot).

    Returns
    -------
    pandas.DataFrame
        Grouping columns, then ``n``, ``base``, ``excluded``, ``estimate`` (0–1), ``ci_low``,
        ``ci_high``, (with ``weights``: ``design_effect``, ``effective_base``), ``method``,
        ``suppressed``.

    References
    ----------
    Kish L (1965). Survey Sampling. New York: Wiley (design effect of unequal weighting, §11.7).
    Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected numbers
    of positive counts estimated from survey data. Survey Methodology 24(2):193-201 (intervals on
    the effective sample size).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": ["Yes"] * 6 + ["No"] * 4 + ["Don't know"]})
    >>> proportions(df, "q", "Yes", exclude=["Don't know"])[["n", "base", "excluded", "estimate"]]
       n  base  excluded  estimate
    0  6    10         1       0.6
    >>> df["w"] = [2.0] * 6 + [1.0] * 5
    >>> proportions(df, "q", "Yes", exclude=["Don't know"], weights="w")[
    ...     ["estimate", "design_effect", "effective_base"]].round(3)
       estimate  design_effect  effective_base
    0      0.75          1.094           9.143
    """
    confidence = check_confidence(confidence)
    check_choice("method", method, list(CI_METHODS))
    columns = ", ".join(map(str, data.columns))
    if column not in data.columns:
        raise KeyError(f"column '{column}' is not in the data (columns: {columns})")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for b in by:
        if b not in data.columns:
            raise KeyError(f"grouping column '{b}' is not in the data (columns: {columns})")
        if b == column:
            raise ValueError(f"'{b}' is both the answer column and a grouping column")
    positive = [positive] if isinstance(positive, str) or np.ndim(positive) == 0 else list(positive)
    exclude = [exclude] if isinstance(exclude, str) or np.ndim(exclude) == 0 else list(exclude)
    if not positive:
        raise ValueError(f"positive must name at least one answer to '{column}'")
    both = sorted(set(positive) & set(exclude), key=str)
    if both:
        raise ValueError(f"answer(s) {both} are both positive and excluded from the base")
    answers = data[column]
    if isinstance(answers.dtype, pd.CategoricalDtype):
        # Coded answers: options outside the codebook's categories are errors (typos).
        cat = answers
        categories = list(cat.cat.categories)
        for role, values in (("positive", positive), ("exclude", exclude)):
            unknown = [v for v in values if v not in set(categories)]
            if unknown:
                raise ValueError(
                    f"{role} option(s) {unknown} are not answers to '{column}' "
                    f"(options: {', '.join(map(str, categories))})"
                )
    else:
        # Uncoded answers cannot be checked (an option may simply not occur): code them with
        # code_responses first to have positive/exclude checked against the codebook.
        codes, uniques = pd.factorize(answers, use_na_sentinel=True)
        categories = list(uniques) + [v for v in [*positive, *exclude] if v not in set(uniques)]
        cat = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    # Role of each category code (last slot: missing answer, code -1): 0 base, 1 positive,
    # 2 excluded, 3 missing. Rows are then counted per group and role in one groupby.
    role_of_code = np.zeros(len(categories) + 1, dtype=np.int8)
    role_of_code[[categories.index(v) for v in positive]] = 1
    role_of_code[[categories.index(v) for v in exclude]] = 2
    role_of_code[-1] = 3
    role = role_of_code[cat.cat.codes.to_numpy()]
    group, labels = _group_codes(data, by)
    keep = group >= 0
    cell = group[keep] * 4 + role[keep]
    size = 4 * len(labels)
    counts = np.bincount(cell, minlength=size).reshape(-1, 4)
    table = labels.copy()
    table["n"] = counts[:, 1]
    table["base"] = counts[:, 0] + counts[:, 1]
    table["excluded"] = counts[:, 2]
    table = table.astype({"n": "int64", "base": "int64", "excluded": "int64"})
    if weights is not None:
        w = _check_weights(data, weights, role != 3)[keep]
        w_sum = np.bincount(cell, weights=w, minlength=size).reshape(-1, 4)
        w2_sum = np.bincount(cell, weights=w * w, minlength=size).reshape(-1, 4)
    has_base = (table["base"] > 0).to_numpy()
    low = np.full(len(table), np.nan)
    high = np.full(len(table), np.nan)
    if weights is None:
        n_arr = table["n"].to_numpy(dtype=float)
        base_arr = table["base"].to_numpy(dtype=float)
        est = np.full(len(table), np.nan)
        est[has_base] = n_arr[has_base] / base_arr[has_base]
        if has_base.any():
            low[has_base], high[has_base] = _interval(
                n_arr[has_base], base_arr[has_base], confidence, method
            )
    else:
        w_base = w_sum[:, 0] + w_sum[:, 1]
        w2_base = w2_sum[:, 0] + w2_sum[:, 1]
        w_pos = w_sum[:, 1]
        ok = has_base & (w_base > 0)
        est = np.full(len(table), np.nan)
        deff = np.full(len(table), np.nan)
        n_eff = np.full(len(table), np.nan)
        est[ok] = w_pos[ok] / w_base[ok]
        n_eff[ok] = w_base[ok] ** 2 / w2_base[ok]
        deff[ok] = table["base"].to_numpy()[ok] / n_eff[ok]
        if ok.any():
            # Clip guards rounding: the effective count must lie in [0, effective base].
            low[ok], high[ok] = _interval(
                np.clip(est[ok] * n_eff[ok], 0, n_eff[ok]), n_eff[ok], confidence, method
            )
    table["estimate"] = est
    table["ci_low"] = low
    table["ci_high"] = high
    if weights is not None:
        table["design_effect"] = deff
        table["effective_base"] = n_eff
    table["method"] = method
    table["suppressed"] = False
    if min_base is not None:
        from .disclosure import suppress

        table = suppress(table, min_base=min_base, by=by)
    table.attrs["confidence"] = confidence
    declare(
        table,
        rule="people",
        base="base",
        by=by,
        keys=[],
        min_base=min_base,
        measure=f"proportions:{column}:{'|'.join(map(str, positive))}",
    )
    return table


def distribution(
    data: pd.DataFrame,
    column: str,
    *,
    by=None,
    exclude=(),
    confidence: float = DEFAULT_CONFIDENCE,
    method: str = "wilson",
    min_base: int | None = None,
) -> pd.DataFrame:
    """Share of each answer option, by group (the numbers behind a Likert bar chart).

    Each option is a :func:`proportions` of its own, so every share has an interval; ``exclude``
    options are outside the base and not listed.

    Parameters
    ----------
    data, column, by, exclude, confidence, method, min_base
        As in :func:`proportions`. ``column`` must be categorical (coded); options keep its order.

    Returns
    -------
    pandas.DataFrame
        Grouping columns, ``option`` (ordered categorical), then the columns of
        :func:`proportions`. With ``min_base``, suppression treats the options of a group and
        the groups of an option as siblings.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.Series(["Good", "Good", "Poor", "Don't know"],
    ...               dtype=pd.CategoricalDtype(["Good", "Poor", "Don't know"], ordered=True))
    >>> distribution(pd.DataFrame({"q": q}), "q", exclude=["Don't know"])[["option", "n", "base"]]
      option  n  base
    0   Good  2     3
    1   Poor  1     3
    """
    if column not in data.columns:
        raise KeyError(
            f"column '{column}' is not in the data (columns: {', '.join(map(str, data.columns))})"
        )
    if not isinstance(data[column].dtype, pd.CategoricalDtype):
        raise ValueError(f"column '{column}' must be coded (categorical) first: see code_responses")
    exclude = [exclude] if isinstance(exclude, str) else list(exclude)
    options = [o for o in data[column].cat.categories if o not in exclude]
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    parts = []
    for option in options:
        t = proportions(
            data, column, option, by=by, exclude=exclude, confidence=confidence, method=method
        )
        t.insert(len(by), "option", option)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["option"] = pd.Categorical(out["option"], categories=options, ordered=True)
    out = out.sort_values([*by, "option"], kind="stable").reset_index(drop=True)
    if min_base is not None:
        from .disclosure import suppress

        out = suppress(out, min_base=min_base, by=[*by, "option"])
    out.attrs["confidence"] = check_confidence(confidence)
    declare(
        out,
        rule="people",
        base="base",
        by=[*by, "option"],
        keys=[],
        min_base=min_base,
        measure=f"distribution:{column}",
    )
    return out


def _group_codes(data: pd.DataFrame, by: list) -> tuple[np.ndarray, pd.DataFrame]:
    """Code each row's group (−1 where a grouping value is missing) and list the groups seen,
    sorted as ``groupby(sort=True, observed=True)`` would sort them."""
    if not by:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=range(1))
    codes, uniques = [], []
    for b in by:
        col = data[b]
        if isinstance(col.dtype, pd.CategoricalDtype):
            c, u = col.cat.codes.to_numpy().astype(np.int64), col.cat.categories
        else:
            c, u = pd.factorize(col, sort=True, use_na_sentinel=True)
            c = c.astype(np.int64)
        codes.append(c)
        uniques.append(u)
    missing = np.zeros(len(data), dtype=bool)
    combined = np.zeros(len(data), dtype=np.int64)
    for c, u in zip(codes, uniques):
        missing |= c < 0
        combined = combined * max(len(u), 1) + c
    combined[missing] = -1
    group, seen = pd.factorize(combined, sort=True, use_na_sentinel=True)
    group = group.astype(np.int64)
    if (seen == -1).any():  # first in sorted order: shift so missing groups become −1
        group -= 1
        seen = seen[1:]
    labels = {}
    rest = np.asarray(seen, dtype=np.int64)
    for b, u in zip(reversed(by), reversed(uniques)):
        size = max(len(u), 1)
        labels[b] = (
            u.take(rest % size) if isinstance(u, pd.Index) else pd.Index(u).take(rest % size)
        )
        rest = rest // size
    frame = pd.DataFrame({b: labels[b] for b in by})
    for b in by:
        if isinstance(data[b].dtype, pd.CategoricalDtype):
            frame[b] = pd.Categorical(frame[b], dtype=data[b].dtype)
        else:
            frame[b] = frame[b].astype(data[b].dtype)
    return group, frame


def _check_weights(data: pd.DataFrame, weights, answered) -> np.ndarray:
    if not isinstance(weights, str):
        raise TypeError(f"weights must name a column of the data; got {type(weights).__name__}")
    if weights not in data.columns:
        raise KeyError(
            f"weights column '{weights}' is not in the data "
            f"(columns: {', '.join(map(str, data.columns))})"
        )
    try:
        w = pd.to_numeric(data[weights], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"weights column '{weights}' must hold numbers") from None
    bad = answered & (~np.isfinite(w) | (w < 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"weights column '{weights}', row {data.index[i]!r}: weight {float(w[i])!r} "
            "must be a finite number ≥ 0 (missing weights are not allowed for "
            f"answered rows; {int(bad.sum())} such row(s))"
        )
    return np.where(answered, w, 0.0)
