"""Funnel plots: control limits for a proportion around a target, and units judged against them.

:func:`funnel_limits` is generic (any bases and target); :func:`funnel_flags` places each trust's
result of one year of a :func:`aeeval.read_staff_survey` table against them.
:func:`aeeval.plots.plot_funnel` draws the result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .disclosure import declare
from .options import check_choice, check_confidence

__all__ = ["funnel_flags", "funnel_limits"]


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
        frames.append(
            pd.DataFrame(
                {
                    "base": n.astype("int64"),
                    "confidence": c,
                    "lower": np.clip(lower, 0, 1),
                    "upper": np.clip(upper, 0, 1),
                    "method": method,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _exact_limit(n: np.ndarray, p0: float, p: float) -> np.ndarray:
    r = stats.binom.ppf(p, n, p0)
    at = stats.binom.cdf(r, n, p0)
    below = stats.binom.cdf(r - 1, n, p0)
    alpha = (at - p) / (at - below)
    return (r - alpha) / n


def funnel_flags(
    results: pd.DataFrame,
    *,
    series="q22c",
    year=None,
    p0: float | None = None,
    reference: pd.DataFrame | None = None,
    confidence=(0.95, 0.998),
    method="exact",
    outside_only: bool = False,
) -> pd.DataFrame:
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
    # Imported here: aeeval.staff_survey re-exports this module's functions.
    from .staff_survey.reading import select_staff_survey

    data = select_staff_survey(results, series=series)
    year = int(data["year"].max()) if year is None else int(year)
    if year not in set(data["year"]):
        raise ValueError(
            f"year {year} has no '{series}' results "
            f"(years: {', '.join(map(str, sorted(data['year'].unique())))})"
        )
    data = data[data["year"] == year]
    used = data[~data["suppressed"]].reset_index(drop=True)
    if p0 is None:
        ref = used if reference is None else select_staff_survey(reference, series=series)
        ref = ref[(ref["year"] == year) & ~ref["suppressed"]]
        if ref.empty:
            raise ValueError(
                f"the reference results have no unsuppressed '{series}' results in {year}"
            )
        p0 = float(ref["positive"].sum() / ref["base"].sum())
    levels = sorted([confidence] if np.ndim(confidence) == 0 else list(confidence))
    out = used[
        ["org_code", "benchmark_group", "year", "series", "positive", "base", "estimate"]
    ].copy()
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
    out.attrs.update(
        p0=p0,
        confidence=levels,
        method=method,
        year=year,
        series=series,
        n_suppressed=int(data["suppressed"].sum()),
    )
    return declare(
        out, rule="people", base="base", keys=["org_code", "benchmark_group", "year", "series"]
    )
