"""Proportions with confidence intervals.

Intervals are computed by :func:`statsmodels.stats.proportion.proportion_confint`; this module
validates inputs, makes the end points exact at 0 and at the base, and shapes tidy tables. For
respondents clustered within organisations (``proportions(..., cluster=)``) the variance is the
design-based linearised variance of R ``survey``'s ratio estimator and the intervals those of
``survey::svyciprop`` (:data:`CLUSTER_CI_METHODS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from .disclosure import declare
from .options import DEFAULT_CONFIDENCE, check_choice, check_confidence, check_counts

__all__ = [
    "proportion_ci",
    "proportions",
    "distribution",
    "CI_METHODS",
    "CLUSTER_CI_METHODS",
    "cluster_variance",
]

#: Interval methods: aeeval name → statsmodels name.
CI_METHODS = {
    "wilson": "wilson",
    "clopper_pearson": "beta",
    "agresti_coull": "agresti_coull",
    "jeffreys": "jeffreys",
}
#: Interval methods of a clustered design (``proportions(..., cluster=)``): aeeval name → the
#: ``method`` of R ``survey::svyciprop`` it reproduces.
CLUSTER_CI_METHODS = {
    "wilson": "wilson",
    "logit": "logit",
    "mean": "mean",
    "korn_graubard": "beta",
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
    cluster=None,
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
        ``"jeffreys"``. With ``cluster``, one of :data:`CLUSTER_CI_METHODS` (see ``cluster``).
    min_base : int, optional
        Suppress groups whose base is below this, and siblings that would let a suppressed group
        be worked out from the total (see :func:`aeeval.suppress`): ``n``, ``excluded`` and every
        value computed from them are blanked and ``suppressed`` is True; ``base`` stays. ``None``
        (default) suppresses nothing: this function computes, and the publishing functions
        (:func:`aeeval.headline_figures`, notebooks) pass the project default
        :data:`aeeval.options.DEFAULT_MIN_BASE`. With ``cluster``, a group is also suppressed
        when its ``effective_base`` is below ``min_base`` (see ``cluster``).
    weights : str, optional
        Column of survey weights (finite, ≥ 0). The estimate is the weighted proportion; the
        interval is the chosen method applied to the effective base
        ``n_eff = (Σw)² / Σw²`` (Kish 1965), i.e. the base divided by Kish's design effect for
        unequal weighting ``deff = base · Σw² / (Σw)²``. ``n`` and ``base`` stay unweighted
        counts of respondents. The effective count is then fractional, so the ends fixed at 0
        and 1 for "jeffreys" apply only to a group of all-negative or all-positive answers; with
        an effective base near 1 its equal-tailed interval can leave out a weighted estimate near
        0 or 1 (Wilson's cannot). With ``cluster``, the weights are the design's sampling
        weights instead (see ``cluster``).
    cluster : str, optional
        Column naming each respondent's organisation (e.g. ``"org_code"``): respondents are
        clustered within organisations, and the intervals are design-based, as R
        ``svyciprop(~I(column == positive), design, method=)`` on
        ``design <- svydesign(ids = ~cluster, weights = ~weights, data = data)`` subset to the
        base (``svyby`` for ``by``). The estimate is the (weighted) ratio estimator; its
        variance is the linearised (Taylor series) variance of a one-stage cluster sample drawn
        with replacement, ``G/(G − 1) · Σ_c z_c²``, where ``z_c`` is the cluster's total of the
        residuals ``w (y − p) / Σw`` and ``G`` counts every organisation in ``data`` (a group is
        a domain of the whole design: organisations without respondents in it count, with
        ``z_c = 0``), see :func:`cluster_variance`. Intervals use a t quantile on the design's
        degrees of freedom, the group's organisations − 1 (``degf``): ``"wilson"`` (default):
        Wilson's score interval on the effective sample size ``p(1 − p)/var``
        (svyciprop ``"wilson"``); ``"logit"``: the Wald interval on the log-odds scale,
        ``logit p ± t·se/(p(1 − p))`` transformed back (svyciprop's default ``"logit"``);
        ``"mean"``: the Wald interval ``p ± t·se`` (``"mean"``, clipped to [0, 1]);
        ``"korn_graubard"``: the Clopper–Pearson interval on the effective sample size
        corrected for the degrees of freedom (``"beta"``; Korn & Graubard 1998). A group in one
        organisation has no interval (zero degrees of freedom). Where every answer of a group is
        positive, or none is, the variance is 0 and svyciprop gives no interval: here the
        design effect is left blank, the effective base is the base and the interval is
        Korn & Graubard's on it (their convention; see the docs' deviations page). Adds
        ``design_effect`` (the variance over the variance of simple random sampling of the same
        number of respondents, with replacement: ``svymean(..., deff = "replace")``),
        ``effective_base`` (``base / design_effect``, counting only respondents with a weight
        above 0) and ``n_clusters`` (organisations with respondents in the group). The small-number rule applies to the effective base as
        well as to the base: ``min_base`` suppresses a group whose effective base is below it,
        and the table declares ``effective_base`` as a base column
        (``attrs["base_columns"]``), so that :func:`aeeval.show` and the disclosure gate hold
        it to the same rule; a suppressed row keeps its ``base`` and ``effective_base``.

    Returns
    -------
    pandas.DataFrame
        Grouping columns, then ``n``, ``base``, ``excluded``, ``estimate`` (0–1), ``ci_low``,
        ``ci_high``, (with ``weights`` or ``cluster``: ``design_effect``, ``effective_base``;
        with ``cluster``: ``n_clusters``), ``method``, ``suppressed``. With ``cluster``,
        ``attrs["cluster"]`` names the column and ``attrs["clusters"]`` counts the design's
        organisations.

    References
    ----------
    Kish L (1965). Survey Sampling. New York: Wiley (design effect of unequal weighting, §11.7).
    Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected numbers
    of positive counts estimated from survey data. Survey Methodology 24(2):193-201 (intervals on
    the effective sample size).
    Lumley T (2004). Analysis of complex survey samples. Journal of Statistical Software
    9(8):1-19; Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley (R
    ``survey``: ``svydesign``, ``svymean``, ``svyciprop``).
    Dean N, Pagano M (2015). Evaluating confidence interval methods for binomial proportions in
    clustered surveys. Journal of Survey Statistics and Methodology 3(4):484-503.

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

    Six respondents in each of four organisations, answers alike within an organisation:

    >>> df = pd.DataFrame({"org": list("aaaaaabbbbbbccccccdddddd"),
    ...                    "q": ["Yes"] * 5 + ["No"] + ["Yes"] * 6 + ["No"] * 5 + ["Yes"] + ["No"] * 6})
    >>> proportions(df, "q", "Yes", cluster="org", method="logit")[
    ...     ["estimate", "ci_low", "ci_high", "design_effect", "effective_base", "n_clusters"]
    ... ].round(3)
       estimate  ci_low  ci_high  design_effect  effective_base  n_clusters
    0       0.5   0.042    0.958          5.537           4.334           4
    """
    confidence = check_confidence(confidence)
    check_choice("method", method, list(CI_METHODS if cluster is None else CLUSTER_CI_METHODS))
    columns = ", ".join(map(str, data.columns))
    if column not in data.columns:
        raise KeyError(f"column '{column}' is not in the data (columns: {columns})")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for b in by:
        if b not in data.columns:
            raise KeyError(f"grouping column '{b}' is not in the data (columns: {columns})")
        if b == column:
            raise ValueError(f"'{b}' is both the answer column and a grouping column")
    if cluster is not None:
        if not isinstance(cluster, str):
            raise TypeError(f"cluster must name a column of the data; got {type(cluster).__name__}")
        if cluster not in data.columns:
            raise KeyError(f"cluster column '{cluster}' is not in the data (columns: {columns})")
        if cluster == column:
            raise ValueError(f"'{cluster}' is both the answer column and the cluster column")
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
    if cluster is not None:
        return _clustered_table(
            data,
            table,
            role,
            group,
            cluster=cluster,
            weights=weights,
            confidence=confidence,
            method=method,
            min_base=min_base,
            by=by,
            measure=f"proportions:{column}:{'|'.join(map(str, positive))}",
        )
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


def cluster_variance(values, cluster, *, weights=None, domain=None) -> pd.DataFrame:
    """Mean of ``values`` and its linearised variance in a one-stage cluster sample.

    The (weighted) ratio estimator ``Σ w y / Σ w`` over the rows of ``domain``, with the
    Taylor-series variance R ``survey`` gives for ``svymean(~y, subset(design, domain))`` with
    ``design <- svydesign(ids = ~cluster, weights = ~w, data = ...)``: clusters drawn with
    replacement (no finite population correction), ``var = G/(G − 1) · Σ_c (z_c − z̄)²`` with
    ``z_c`` the cluster's total of ``w (y − mean) / Σ w`` over the domain and ``G`` the number
    of clusters among *all* rows (a domain is estimated within the whole design).
    :func:`proportions` uses it with ``cluster=``.

    Parameters
    ----------
    values : array-like of float
        One value per row (e.g. 0/1 answers); only the domain's rows are read.
    cluster : array-like
        The cluster (organisation) of each row; required for the domain's rows.
    weights : array-like of float, optional
        Sampling weights (finite, ≥ 0); default 1 for every row.
    domain : array-like of bool, optional
        The rows estimated over (default: all).

    Returns
    -------
    pandas.DataFrame
        One row: ``mean``, ``se`` (square root of the variance), ``design_effect``
        (``svymean(..., deff = "replace")``: the variance over ``S²/n_obs``, ``S²`` the weighted
        variance with divisor ``n_obs − 1``), ``n_obs`` (domain rows with a weight above 0),
        ``n_clusters`` (clusters of those rows) and ``clusters`` (``G``).

    References
    ----------
    Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley, §2.2 and appendix C.
    Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer, ch. 6 (Taylor series
    methods).

    Examples
    --------
    >>> r = cluster_variance([1, 1, 0, 0, 1, 0], ["a", "a", "b", "b", "c", "c"])
    >>> r[["mean", "se", "n_clusters"]].round(4)
       mean      se  n_clusters
    0   0.5  0.2887           3
    """
    y = np.asarray(values, dtype=float)
    codes, uniques = pd.factorize(
        pd.Series(np.asarray(cluster, dtype=object)), use_na_sentinel=True
    )
    n_rows = len(codes)
    inside = np.ones(n_rows, dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    w = np.ones(n_rows) if weights is None else np.asarray(weights, dtype=float)
    if not (y.shape == inside.shape == w.shape == (n_rows,)):
        raise ValueError(
            "values, cluster, weights and domain must be flat and of the same length; got "
            f"{y.shape}, {(n_rows,)}, {w.shape} and {inside.shape}"
        )
    for name, arr, bad in (
        ("values", y, ~np.isfinite(y)),
        ("weights", w, ~np.isfinite(w) | (w < 0)),
        ("cluster", codes, codes < 0),
    ):
        bad = bad & inside
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            rule = (
                "a cluster"
                if name == "cluster"
                else "a finite number" + (" ≥ 0" if name == "weights" else "")
            )
            raise ValueError(f"{name}[{i}] = {arr[i]!r}: every row in the domain needs {rule}")
    if len(uniques) < 2:
        raise ValueError(f"a clustered design needs at least 2 clusters; got {len(uniques)}")
    rows = np.flatnonzero(inside)
    mean, var, s2, n_obs, n_cl = _linearised(
        y[rows], w[rows], np.zeros(len(rows), dtype=np.int64), codes[rows], 1, len(uniques)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = var / (s2 / n_obs)
    return pd.DataFrame(
        {
            "mean": mean,
            "se": np.sqrt(var),
            "design_effect": deff,
            "n_obs": n_obs,
            "n_clusters": n_cl,
            "clusters": [len(uniques)],
        }
    )


def _linearised(y, w, group, cl, n_groups: int, n_psu: int):
    """Per group: weighted mean, linearised variance (clusters with replacement, ``n_psu`` in the
    design), weighted variance ``S²`` (divisor n − 1, as ``svyvar``), rows and clusters with a
    weight above 0. ``group`` is 0 … n_groups − 1 and ``cl`` 0 … n_psu − 1 for every row."""
    w_sum = np.bincount(group, weights=w, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(group, weights=w * y, minlength=n_groups) / w_sum
        resid = y - mean[group]
        z = w * resid / w_sum[group]
        totals = np.bincount(group * n_psu + cl, weights=z, minlength=n_groups * n_psu)
        totals = totals.reshape(n_groups, n_psu)
        centred = totals - totals.mean(axis=1, keepdims=True)
        var = n_psu / (n_psu - 1) * (centred**2).sum(axis=1)
        positive = w > 0
        n_obs = np.bincount(group[positive], minlength=n_groups)
        spread = np.bincount(group, weights=w * resid**2, minlength=n_groups) / w_sum
        s2 = spread * n_obs / (n_obs - 1)
    present = np.zeros((n_groups, n_psu), dtype=bool)
    present[group[positive], cl[positive]] = True
    return mean, var, s2, n_obs, present.sum(axis=1)


def _cluster_interval(p, var, n_rows, df, confidence, method):
    """svyciprop's interval ``method`` (an aeeval name) from the estimate and its variance."""
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.ppf(1 - alpha / 2, np.where(df > 0, df, np.nan))
        if method == "logit":
            eta = np.log(p / (1 - p))
            half = t * np.sqrt(var) / (p * (1 - p))
            return _expit(eta - half), _expit(eta + half)
        if method == "mean":
            half = t * np.sqrt(var)
            return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
        n_eff = p * (1 - p) / var
        if method == "wilson":
            denom = 1 + t * t / n_eff
            root = np.sqrt(4 * n_eff * p * (1 - p) + t * t)
            centre = p + t * t / (2 * n_eff)
            return (centre - t / (2 * n_eff) * root) / denom, (
                centre + t / (2 * n_eff) * root
            ) / denom
        return _korn_graubard(p, n_eff, n_rows, df, alpha)


def _korn_graubard(p, n_eff, n_rows, df, alpha):
    """Clopper–Pearson on the effective sample size times (t_{n−1} / t_df)² (svyciprop "beta")."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(
            alpha / 2, np.where(df > 0, df, np.nan)
        )
        n_eff = n_eff * ratio**2
        low = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        high = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    ok = np.isfinite(n_eff)
    low = np.where(ok & (p == 0), 0.0, low)
    high = np.where(ok & (p == 1), 1.0, high)
    return low, high


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _clustered_table(
    data, table, role, group, *, cluster, weights, confidence, method, min_base, by, measure
):
    """The rest of :func:`proportions` with ``cluster``: the design-based columns."""
    from .disclosure import VALUE_COLUMNS, suppress

    answered = (role <= 1) & (group >= 0)
    codes, uniques = pd.factorize(data[cluster], use_na_sentinel=True)
    missing = answered & (codes < 0)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"cluster column '{cluster}', row {data.index[i]!r}: no organisation "
            f"({int(missing.sum())} answered row(s) without one); every respondent in a base "
            "needs the organisation they are clustered in"
        )
    if len(uniques) < 2:
        raise ValueError(
            f"cluster column '{cluster}' holds {len(uniques)} organisation(s): a clustered "
            "design needs at least 2 (leave out cluster= for one organisation)"
        )
    w = np.ones(len(data)) if weights is None else _check_weights(data, weights, role != 3)
    rows = np.flatnonzero(answered)
    n_groups = len(table)
    p, var, _, n_obs, n_cl = _linearised(
        (role[rows] == 1).astype(float), w[rows], group[rows], codes[rows], n_groups, len(uniques)
    )
    base = table["base"].to_numpy(dtype=float)
    df = n_cl - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        # svymean(deff = "replace"): S²/n with S² = p(1 − p)·n/(n − 1) for a 0/1 answer.
        deff = var * (n_obs - 1) / (p * (1 - p))
        n_eff = n_obs / deff
    low, high = _cluster_interval(p, var, base, df, confidence, method)
    # One organisation: the design gives no variance (zero degrees of freedom).
    deff[n_cl < 2] = np.nan
    n_eff[n_cl < 2] = np.nan
    # All answers positive, or none: no variance. Korn & Graubard's convention: n_eff = n.
    edge = np.isin(p, (0.0, 1.0)) & (n_cl >= 2)
    if edge.any():
        deff[edge] = np.nan
        n_eff[edge] = n_obs[edge]
        low[edge], high[edge] = _korn_graubard(
            p[edge], n_obs[edge].astype(float), base[edge], df[edge], 1 - confidence
        )
    table["estimate"] = p
    table["ci_low"] = low
    table["ci_high"] = high
    table["design_effect"] = deff
    table["effective_base"] = n_eff
    table["n_clusters"] = n_cl.astype("int64")
    table["method"] = method
    table["suppressed"] = False
    if min_base is not None:
        with np.errstate(invalid="ignore"):
            table["suppressed"] = (base > 0) & (n_eff < min_base)
        blank = [c for c in VALUE_COLUMNS if c != "effective_base"] + ["n_clusters"]
        table = suppress(table, min_base=min_base, by=by, columns=blank)
    table.attrs["confidence"] = confidence
    table.attrs["cluster"] = cluster
    table.attrs["clusters"] = len(uniques)
    declare(
        table,
        rule="people",
        base=["base", "effective_base"],
        by=by,
        keys=[],
        min_base=min_base,
        measure=measure,
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
