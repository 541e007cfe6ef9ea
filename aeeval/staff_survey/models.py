"""NHS Staff Survey models: the item's trend, and did joining Always Events go with a change?

Each takes the long table of :func:`aeeval.staff_survey.read_staff_survey` (one row per trust ×
year × series): :func:`item_trend` (national or per-group figure per year),
:func:`participation_effect` (two-way fixed-effects difference-in-differences or event study on
the counts) and :func:`pretrend_test` (parallel pre-trends). The funnel limits are in
:mod:`aeeval.funnel`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..disclosure import declare
from ..options import DEFAULT_CONFIDENCE, check_choice, check_confidence
from ..proportions import cluster_variance, proportion_ci
from .mergers import MERGER_RULES, apply_successors
from .reading import register_start_years, select_staff_survey
from .staggered import DESIGNS, EstimatorError

__all__ = [
    "COVID_YEAR",
    "PARTICIPATION_DESIGNS",
    "VOLUNTARY_CAVEAT",
    "bacon_decomposition",
    "honest_bounds",
    "item_trend",
    "item_trend_changes",
    "participation_effect",
    "pretrend_test",
    "sensitivity_analysis",
]

#: Plain-English caveat attached to every participation comparison.
VOLUNTARY_CAVEAT = (
    "Joining Always Events was voluntary: trusts chose to take part, so they may differ from the rest "
    "in ways that trust and year fixed effects do not remove (for example a rising culture of "
    "listening to patients that led them both to join and to score better). Read the estimate as an "
    "association between joining and the item, not as the effect of the programme."
)


# ----------------------------------------------------------------------------------------- trend


def _ratio_linearised(y, x):
    """Ratio Σy/Σx over sampling units and its linearisation (influence) values.

    ``u_i = (y_i − R x_i) / Σx``; the with-replacement variance estimate of R is
    n/(n − 1) · Σu_i² (Lohr 2010, ch. 4 and 5, without the finite-population factor; R ``survey``'s
    ``svyratio`` with ``ids=~org_code``).
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    total = x.sum()
    ratio = y.sum() / total if total else np.nan
    return ratio, (y - ratio * x) / total if total else np.full(len(x), np.nan)


def _trust_ratio_se(positive, base) -> float:
    """Standard error of Σpositive / Σbase with trusts as sampling units: the base-weighted mean
    of the trusts' proportions in a one-stage cluster sample (:func:`aeeval.cluster_variance`,
    R ``svymean`` / ``svyratio`` on a design of trusts)."""
    base = np.asarray(base, dtype=float)
    share = np.divide(
        np.asarray(positive, dtype=float), base, out=np.zeros(len(base)), where=base > 0
    )
    return float(cluster_variance(share, np.arange(len(base)), weights=base)["se"].iloc[0])


def _cluster_se(u) -> float:
    """Standard error n/(n − 1) · Σu² from per-trust linearisation values (NaN for one trust)."""
    u = np.asarray(u, dtype=float)
    n = len(u)
    return float(np.sqrt(n / (n - 1) * np.sum(u**2))) if n > 1 else np.nan


def _logit_t_interval(est, se, df, confidence):
    """svyciprop(method="logit")-style interval: logit(p) ± t(df) · se / (p(1 − p)), back-transformed."""
    from scipy.special import expit, logit
    from scipy.stats import t as student

    if not np.isfinite(se) or df < 1:
        return np.nan, np.nan
    if se == 0 or est <= 0 or est >= 1:  # every trust at the same 0 % or 100 %: nothing varies
        return est, est
    half = student.ppf(0.5 + confidence / 2, df) * se / (est * (1 - est))
    return float(expit(logit(est) - half)), float(expit(logit(est) + half))


_CLUSTERED_METHOD = (
    "pooled Σpositive/Σbase over trusts; trusts as sampling units: linearised SE "
    "(ratio estimator), logit t interval, df = trusts − 1"
)
_POOLED_METHOD = "pooled Σpositive/Σbase; Wilson interval (respondents independent)"
_SINGLE_TRUST_METHOD = (
    "one trust: Σpositive/Σbase; Wilson interval (respondents independent; "
    "no between-trust variation to estimate)"
)


def _by_columns(results, by) -> list[str]:
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for b in by:
        if b not in results.columns:
            raise KeyError(
                f"by column '{b}' is not in the results (columns: {', '.join(results.columns)})"
            )
    return by


def _trend_data(results, s, balanced):
    """Unsuppressed rows of series ``s`` (and the trusts dropped by ``balanced``), plus all rows."""
    data = select_staff_survey(results, series=s)
    used = data[~data["suppressed"]]
    dropped: list[str] = []
    if balanced:
        years = used["year"].nunique()
        per_trust = used.groupby("org_code")["year"].nunique()
        keep = set(per_trust[per_trust == years].index)
        dropped = sorted(set(used["org_code"]) - keep)
        if not keep:
            raise ValueError(
                f"balanced=True: no trust has unsuppressed '{s}' results in all {years} years; "
                "pass balanced=False or select fewer years (select_staff_survey(years=...))"
            )
        used = used[used["org_code"].isin(keep)]
        data = data[data["org_code"].isin(keep)]
    return data, used, dropped


def item_trend(
    results: pd.DataFrame,
    *,
    series="q22c",
    by=None,
    weighting="base",
    interval="clustered",
    balanced: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
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
        once), with the interval chosen by ``interval``. ``"trust_mean"``: the unweighted mean of
        trust proportions (every trust counts once), with a t interval over trusts,
        mean ± t(n−1) · sd / √n (statsmodels ``DescrStatsW.tconfint_mean``); blank for a single
        trust.
    interval : {"clustered", "pooled"}
        Interval of the ``"base"`` estimate. ``"clustered"`` (default): trusts are the sampling
        units — the ratio estimator Σpositive/Σbase with its Taylor-linearised standard error
        (see Notes), as R ``survey::svyciprop(~y, svydesign(ids=~org_code, ...))`` gives with
        its default ``method="logit"``. ``"pooled"``: the Wilson interval of
        :func:`aeeval.proportion_ci` on the pooled counts, treating every respondent as
        independent; it ignores between-trust variation and is several times too narrow for a
        national figure (kept for comparison). A group with a single trust (e.g.
        ``by="org_code"``) gets the Wilson interval either way, labelled so in ``method``.
    balanced : bool
        Keep only trusts with unsuppressed results in every year of the series (a balanced panel),
        so that changes between years are not changes in which trusts reported. The trusts left
        out are listed in ``attrs["balanced_dropped"]``.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``series``, ``year``, ``n_trusts``, ``n_suppressed`` (trusts left out
        because their result was suppressed), ``positive``, ``base``, ``estimate``, ``se``
        (linearised, clustered rows only), ``ci_low``, ``ci_high``, ``weighting``, ``interval``
        (``"clustered"``, ``"pooled"`` or ``"t_over_trusts"``), ``method``. ``attrs`` holds
        ``confidence``, ``interval``, ``balanced`` and ``balanced_dropped``.

    See Also
    --------
    item_trend_changes : year-on-year changes paired by trust.

    Notes
    -----
    With trust totals :math:`y_i` (positive) and :math:`x_i` (base) over the :math:`n` trusts of a
    year, :math:`\\hat R = \\sum y_i / \\sum x_i` and

    .. math:: \\hat V(\\hat R) = \\frac{n}{n-1} \\sum_i
       \\left(\\frac{y_i - \\hat R x_i}{\\sum_j x_j}\\right)^2,

    the ratio estimator's linearised variance in one-stage cluster sampling (Lohr 2010, ch. 4
    and 5, (1 − n/N) s_e² / (n x̄²) without the finite-population factor: the trusts are
    treated as drawn with replacement from a population of possible trusts, as
    ``svydesign(ids=~org_code)`` without ``fpc`` does). The interval is logit(R̂) ± t(n−1) · SE / (R̂(1 − R̂)) back-transformed,
    which stays in [0, 1]. On the real acute panel (``recommend_work`` 2019, 126 trusts) it is
    2.87 percentage points wide, 1.02 times the width of a 2000-replicate trust-level bootstrap,
    against 0.31 for the pooled Wilson interval (``tests/test_item_trend.py``). In calibrated
    simulation (between-trust variation, known national ratio, 2000 replicates;
    ``benchmarks/bench_trend_intervals.py``, results in ``benchmarks/README.md``) the clustered
    interval covers 94.0–95.2 % and the pooled one 21–50 %. Differences from ``svyciprop`` (no
    finite-population correction; a one-trust group gets the Wilson interval) are in
    ``docs/trend-intervals.md``.

    References
    ----------
    Lohr SL (2010). Sampling: Design and Analysis, 2nd ed., ch. 4 (ratio estimation) and ch. 5
    (one-stage cluster sampling, clusters of unequal sizes). Brooks/Cole.
    Lumley T (2010). Complex Surveys: A Guide to Analysis Using R, section 2.2 and ``svyciprop``.
    Wiley.
    Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
    seven methods. Statistics in Medicine 17:857-872.

    Examples
    --------
    >>> from aeeval import read_staff_survey, item_trend
    >>> t = item_trend(read_staff_survey(), weighting=["base", "trust_mean"])
    >>> t[["year", "weighting", "interval"]].head(2).values.tolist()
    [[2015, 'base', 'clustered'], [2015, 'trust_mean', 't_over_trusts']]
    """
    from statsmodels.stats.weightstats import DescrStatsW

    confidence = check_confidence(confidence)
    check_choice("interval", interval, ["clustered", "pooled"])
    weightings = [weighting] if isinstance(weighting, str) else list(weighting)
    for w in weightings:
        check_choice("weighting", w, ["base", "trust_mean"])
    series_list = [series] if isinstance(series, str) else [s for s in series if s]
    by = _by_columns(results, by)
    rows = []
    balanced_dropped = {}
    for s in series_list:
        data, _, dropped = _trend_data(results, s, balanced)
        if balanced:
            balanced_dropped[s] = dropped
        for key, g in data.groupby([*by, "year"], sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            used = g[~g["suppressed"]]
            pos, base = int(used["positive"].sum()), int(used["base"].sum())
            n_trusts = int(used["org_code"].nunique())
            for w in weightings:
                row = dict(zip([*by, "year"], key))
                row.update(
                    series=s,
                    n_trusts=n_trusts,
                    n_suppressed=int(g["suppressed"].sum()),
                    positive=pos,
                    base=base,
                    weighting=w,
                    se=np.nan,
                )
                if w == "base":
                    est = pos / base if base else np.nan
                    if interval == "clustered" and n_trusts > 1:
                        per = used.groupby("org_code")[["positive", "base"]].sum()
                        row["se"] = _trust_ratio_se(per["positive"], per["base"])
                        lo, hi = _logit_t_interval(est, row["se"], n_trusts - 1, confidence)
                        row.update(interval="clustered", method=_CLUSTERED_METHOD)
                    else:
                        lo, hi = proportion_ci(pos, base, confidence) if base else (np.nan, np.nan)
                        row.update(
                            interval="pooled",
                            method=_POOLED_METHOD
                            if n_trusts > 1
                            else _SINGLE_TRUST_METHOD
                            if n_trusts
                            else "no unsuppressed result",
                        )
                else:
                    props = used["estimate"].to_numpy(dtype=float)
                    est = float(props.mean()) if len(props) else np.nan
                    if len(props) > 1:
                        lo, hi = DescrStatsW(props).tconfint_mean(alpha=1 - confidence)
                    else:
                        lo = hi = np.nan
                    row.update(
                        interval="t_over_trusts",
                        method="mean of trust proportions; t interval over trusts",
                    )
                row.update(estimate=est, ci_low=float(lo), ci_high=float(hi))
                rows.append(row)
    cols = [
        *by,
        "series",
        "year",
        "n_trusts",
        "n_suppressed",
        "positive",
        "base",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "weighting",
        "interval",
        "method",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["suppressed"] = False
    out.attrs.update(
        percent_columns=["se"],  # a proportion's SE: shown in percentage points by aeeval.show
        confidence=confidence,
        interval=interval,
        balanced=bool(balanced),
        balanced_dropped=balanced_dropped,
    )
    # Respondents pooled over trusts; the groups of one year add up to the national figure.
    declare(
        out,
        rule="people",
        base="base",
        by=by,
        keys=["series", "year", "weighting"],
        measure="item_trend",
    )
    return out


def _paired_changes(used: pd.DataFrame, s: str, confidence: float) -> list[dict]:
    """One row per consecutive pair of years of ``used``: the paired change and its SE."""
    from scipy.stats import t as student

    per = used.groupby(["year", "org_code"])[["positive", "base"]].sum()
    years = sorted(used["year"].unique())
    rows = []
    for y1, y2 in zip(years[:-1], years[1:]):
        a, b = per.loc[y1], per.loc[y2]
        both = a.index.intersection(b.index)
        r1, u1 = _ratio_linearised(a.loc[both, "positive"], a.loc[both, "base"])
        r2, u2 = _ratio_linearised(b.loc[both, "positive"], b.loc[both, "base"])
        n = len(both)
        se = _cluster_se(u2 - u1)
        change = r2 - r1
        if n > 1 and np.isfinite(se) and se > 0:
            q = student.ppf(0.5 + confidence / 2, n - 1)
            lo, hi = change - q * se, change + q * se
            p = float(2 * student.sf(abs(change) / se, n - 1))
        else:
            lo = hi = p = np.nan
        rows.append(
            dict(
                series=s,
                year_from=int(y1),
                year_to=int(y2),
                n_trusts=n,
                n_unpaired=int(len(a.index.symmetric_difference(b.index))),
                estimate_from=r1,
                estimate_to=r2,
                change=change,
                se=se,
                ci_low=lo,
                ci_high=hi,
                p_value=p,
                method=(
                    "difference of Σpositive/Σbase over trusts in both years; paired "
                    "linearised SE (trusts as sampling units), t interval, df = trusts − 1"
                ),
            )
        )
    return rows


def item_trend_changes(
    results: pd.DataFrame,
    *,
    series="q22c",
    by=None,
    balanced: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Year-on-year change in the national (or per-group) base-weighted figure, paired by trust.

    For each pair of consecutive survey years of a series, only trusts with unsuppressed results
    in both years are used; the change is R̂₂ − R̂₁ of the two ratio estimates Σpositive/Σbase over
    those trusts, with a linearised standard error that keeps each trust's two years together
    (trusts are the sampling units, so a trust's correlation across years is allowed for):
    :math:`\\hat V = \\frac{n}{n-1}\\sum_i (u_{2i} - u_{1i})^2` with
    :math:`u_{ti} = (y_{ti} - \\hat R_t x_{ti}) / \\sum_j x_{tj}` (Lohr 2010, ch. 4 and 9,
    linearisation of a function of ratios; R ``survey::svycontrast`` on two ``svyratio``
    estimates with ``ids=~org_code`` is the same computation). Interval and test use t, n − 1 df.

    Parameters
    ----------
    results : pandas.DataFrame
        As returned by :func:`read_staff_survey`.
    series : str or list of str
        Item-map series (changes never cross a series).
    by : str or list of str, optional
        Grouping columns, as in :func:`item_trend` (a trust is paired within its group; a trust
        whose group changed between the years is unpaired in both).
    balanced : bool
        Use only trusts with unsuppressed results in every year of the series (one fixed set of
        trusts for every change), listed as left out in ``attrs["balanced_dropped"]``.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``series``, ``year_from``, ``year_to``, ``n_trusts`` (paired), ``n_unpaired`` (trusts
        with results in only one of the two years, left out of that change), ``estimate_from``,
        ``estimate_to`` (over the paired trusts), ``change`` (proportion, ``estimate_to −
        estimate_from``), ``se``, ``ci_low``, ``ci_high``, ``p_value`` (two-sided, no change),
        ``method``.

    References
    ----------
    Lohr SL (2010). Sampling: Design and Analysis, 2nd ed., ch. 4 (ratio estimation) and ch. 9
    (linearisation).
    Brooks/Cole.

    Examples
    --------
    >>> from aeeval import read_staff_survey, item_trend_changes
    >>> ch = item_trend_changes(read_staff_survey())
    >>> ch[["year_from", "year_to"]].head(1).values.tolist()
    [[2015, 2016]]
    """
    confidence = check_confidence(confidence)
    series_list = [series] if isinstance(series, str) else [s for s in series if s]
    by = _by_columns(results, by)
    rows = []
    balanced_dropped = {}
    for s in series_list:
        _, used, dropped = _trend_data(results, s, balanced)
        if balanced:
            balanced_dropped[s] = dropped
        groups = used.groupby(by, sort=True, dropna=False) if by else [((), used)]
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            rows.extend(dict(zip(by, key)) | r for r in _paired_changes(g, s, confidence))
    cols = [
        *by,
        "series",
        "year_from",
        "year_to",
        "n_trusts",
        "n_unpaired",
        "estimate_from",
        "estimate_to",
        "change",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "method",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out.attrs.update(
        percent_columns=["estimate_from", "estimate_to", "change", "se"],
        confidence=confidence,
        balanced=bool(balanced),
        balanced_dropped=balanced_dropped,
    )
    return declare(out, rule="none")  # differences of ratios over many trusts


# ---------------------------------------------------------------------------- participation models


def _exposure_rule(reg, first_exposed, anticipation):
    """Which rule gives each trust's first exposed survey, as a sentence for ``attrs``."""
    by_date = first_exposed is None and reg["start_date"].notna().all()
    if by_date:
        rule = (
            "first exposed survey: the first whose fieldwork starts after the trust's start_date "
            "(fieldwork periods from data/schemas/staff_survey_fieldwork.csv)"
        )
    else:
        fe = 1 if first_exposed is None else int(first_exposed)
        rule = (
            f"first exposed survey: start_year + {fe} (a year rule"
            + (
                ", the default when the register has start_year only: the joining year's survey "
                "is counted as before joining"
                if first_exposed is None
                else ", first_exposed given"
            )
            + ")"
        )
    if anticipation:
        rule += (
            f"; anticipation: the {int(anticipation)} survey(s) before it also counted as exposed"
        )
    return by_date, rule


def _first_exposed_by_date(reg, years, fieldwork):
    """Survey year of each trust's first survey whose fieldwork starts after its start_date.

    A year without fieldwork dates is needed only when it could be that first survey: a survey
    year's fieldwork starts within that calendar year (checked by :func:`load_fieldwork`), so a
    year before the joining date's calendar year is before joining whatever its dates.
    """
    from .reading import load_fieldwork

    fw = load_fieldwork(fieldwork) if not isinstance(fieldwork, pd.DataFrame) else fieldwork
    starts = fw.set_index("year")["fieldwork_start"]
    first, needed = [], {}
    for code, d in zip(reg["org_code"], reg["start_date"]):
        found = np.nan
        for y in years:
            if y < d.year:
                continue
            if y not in starts.index or pd.isna(starts[y]):
                needed.setdefault(y, []).append(code)
                break
            if starts[y] > d:
                found = y
                break
        first.append(found)
    if needed:
        which = "; ".join(
            f"{y} (needed for {len(c)} trust(s): {', '.join(c[:5])}{' …' if len(c) > 5 else ''})"
            for y, c in sorted(needed.items())
        )
        raise ValueError(
            f"the register gives start_date, so exposure is set by fieldwork dates, but survey "
            f"year(s) {which} have no fieldwork start date in the fieldwork table (no public "
            "source was found for them): add the dates with their source (fieldwork=...), select "
            "years that have them (select_staff_survey(years=...)), or pass first_exposed= to "
            "use the year rule instead"
        )
    return pd.Series(first, index=reg.index, dtype="float")


def _panel(
    results,
    register,
    series,
    first_exposed,
    missing,
    *,
    anticipation=0,
    drop_joining_survey=False,
    fieldwork=None,
):
    check_choice("missing", missing, ["error", "exclude"])
    if first_exposed is not None and (
        isinstance(first_exposed, bool) or int(first_exposed) != first_exposed
    ):
        raise ValueError(f"first_exposed must be a whole number of years, not {first_exposed!r}")
    if isinstance(anticipation, bool) or int(anticipation) != anticipation or anticipation < 0:
        raise ValueError(
            f"anticipation must be a whole number of surveys ≥ 0, not {anticipation!r}"
        )
    anticipation = int(anticipation)
    data = select_staff_survey(results, series=series)
    data = data[~data["suppressed"]].copy()
    reg = register_start_years(register)
    start_from = reg.attrs["start_year_from"]
    have = set(data["org_code"])
    absent = sorted(set(reg["org_code"]) - have)
    if absent and missing == "error":
        raise ValueError(
            f"{len(absent)} register trust(s) have no unsuppressed '{series}' results: "
            f"{', '.join(absent[:20])}{' …' if len(absent) > 20 else ''}. Check the codes (ODS codes "
            "change when trusts merge) or pass missing='exclude' to leave them out (they are then "
            "listed in the result's attrs['excluded_register_trusts'])"
        )
    reg = reg[reg["org_code"].isin(have)].copy()
    if reg.empty:
        raise ValueError(
            f"no register trust has unsuppressed '{series}' results: there is nobody to compare"
        )
    by_date, rule = _exposure_rule(reg, first_exposed, anticipation)
    years = sorted(int(y) for y in data["year"].unique())
    fe = 1 if first_exposed is None else int(first_exposed)
    if by_date:
        # anchor = the last survey before joining, so rel_year counts surveys from it, as the
        # year rule with first_exposed=1 does (rel_year_1 is the first exposed survey)
        first = _first_exposed_by_date(reg, years, fieldwork)
        reg["first_exposed_year"] = first
        reg["anchor"] = first - fe
        start_from = "start_date (fieldwork dates)"
    else:
        reg["first_exposed_year"] = (reg["start_year"] + fe).astype(float)
        reg["anchor"] = reg["start_year"].astype(float)
    reg["first_exposed_year"] -= anticipation
    # who can be estimated: a survey before exposure and one from it on, within the panel
    lo, hi = years[0], years[-1]
    no_pre = reg[reg["first_exposed_year"].notna() & (reg["first_exposed_year"] <= lo)]
    no_post = reg[reg["first_exposed_year"].isna() | (reg["first_exposed_year"] > hi)]
    left_out = {}
    if len(no_pre):
        left_out["no_survey_before_joining"] = sorted(no_pre["org_code"])
    if len(no_post):
        left_out["no_survey_after_joining"] = sorted(no_post["org_code"])
    messages = []
    if len(no_pre):
        messages.append(
            f"{len(no_pre)} register trust(s) have no '{series}' survey before their first exposed "
            f"survey (the panel starts in {lo}) and are left out of the estimate: "
            f"{', '.join(sorted(no_pre['org_code'])[:20])}{' …' if len(no_pre) > 20 else ''}"
        )
    if len(no_post):
        messages.append(
            f"{len(no_post)} register trust(s) joined after the last survey's fieldwork "
            f"({hi}) — no survey after joining — and are left out of the estimate: "
            f"{', '.join(sorted(no_post['org_code'])[:20])}{' …' if len(no_post) > 20 else ''}"
        )
    if messages:
        import warnings

        warnings.warn("; ".join(messages), UserWarning, stacklevel=3)
    dropped_codes = set(no_pre["org_code"]) | set(no_post["org_code"])
    usable = reg[~reg["org_code"].isin(dropped_codes)]
    if usable.empty:
        raise ValueError(
            f"no register trust has both a '{series}' survey before joining and one after "
            f"({rule}; survey years {lo}–{hi}): "
            + "; ".join(messages)
            + ". The model needs at least 2 such trusts"
        )
    data = data[~data["org_code"].isin(dropped_codes)]
    data = data.merge(
        usable[["org_code", "start_year", "anchor", "first_exposed_year"]],
        on="org_code",
        how="left",
    )
    data["treated"] = data["start_year"].notna()
    if data["treated"].all():
        raise ValueError(
            "every trust with results is in the register: there are no comparison trusts"
        )
    joining_dropped = 0
    if drop_joining_survey:
        joining = data["treated"] & (data["year"] == data["start_year"])
        joining_dropped = int(joining.sum())
        data = data[~joining]
    data["rel_year"] = (data["year"] - data["anchor"]).astype("Int64")
    data["exposed"] = (data["treated"] & (data["year"] >= data["first_exposed_year"])).astype(float)
    data = data.sort_values(["org_code", "year"], ignore_index=True)
    n_treated = int(data.loc[data["treated"], "org_code"].nunique())
    if n_treated < 2 or data.loc[data["treated"], "exposed"].sum() == 0:
        raise EstimatorError(
            f"only {n_treated} register trust(s) with surveys both before and after joining are "
            f"left ({rule}); the model needs at least 2"
        )
    if drop_joining_survey:
        rule += f"; the survey of the joining year dropped for joined trusts ({joining_dropped} trust-years)"
    data.attrs["no_usable_results"] = sorted(
        set(select_staff_survey(results, series=series)["org_code"]) - have
    )
    data.attrs.update(
        start_year_from=start_from,
        exposure_rule=rule,
        left_out=left_out,
        left_out_note="; ".join(messages),
        reference=fe - 1 - anticipation,
        first_exposed=fe,
        first_exposed_survey={
            c: int(y) for c, y in zip(usable["org_code"], usable["first_exposed_year"])
        },
    )
    return data, absent


def _mergers(results, register, successors, mergers):
    """Apply the successor table (if any) with the ``mergers`` rule; the rule alone is an error."""
    check_choice("mergers", mergers, list(MERGER_RULES))
    if successors is None:
        if mergers != "combine":
            raise ValueError(
                f"mergers='{mergers}' needs successors= (a predecessor → successor table)"
            )
        return results
    return apply_successors(results, successors, rule=mergers, register=register)


def _exposure_panel(
    results,
    register,
    series,
    first_exposed,
    missing,
    *,
    anticipation,
    drop_joining_survey,
    fieldwork,
    successors,
    mergers,
):
    """The first step of the participation model and of its pre-trend test: the successor table
    applied (:func:`_mergers`), then the trust-year panel with each trust's exposure
    (:func:`_panel`). Returns ``(data, absent, mergers)``, the last the merger record (``None``
    without a table)."""
    results = _mergers(results, register, successors, mergers)
    data, absent = _panel(
        results,
        register,
        series,
        first_exposed,
        missing,
        anticipation=anticipation,
        drop_joining_survey=drop_joining_survey,
        fieldwork=fieldwork,
    )
    return data, absent, results.attrs.get("mergers")


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


def _fit_checked(data: pd.DataFrame, terms: pd.DataFrame):
    """:func:`_fit`, with a singular design reported as what to change (never a LinAlgError)."""
    empty = [c for c in terms.columns if not terms[c].any()]
    if empty:
        raise ValueError(
            f"no trust-year has {', '.join(empty)} = 1 under this exposure rule: the term cannot "
            "be estimated; check first_exposed / anticipation against the survey years"
        )
    try:
        return _fit(data, terms)
    except np.linalg.LinAlgError as exc:
        n = int(data.loc[data["treated"], "org_code"].nunique())
        raise ValueError(
            f"the model cannot be fitted with {n} joined trust(s) and "
            f"{data['year'].nunique()} survey years under this exposure rule "
            f"({data.attrs.get('exposure_rule', '')}): the terms are collinear with the trust and "
            f"year effects ({exc}). Use fewer event-time terms, more joined trusts or another "
            "first_exposed"
        ) from None


def _event_terms(data: pd.DataFrame, reference: int) -> pd.DataFrame:
    rel = data.loc[data["treated"], "rel_year"].dropna().astype(int)
    levels = sorted(k for k in rel.unique() if k != reference)
    cols = {
        f"rel_year_{k}": ((data["rel_year"] == k) & data["treated"]).fillna(False).astype(float)
        for k in levels
    }
    return pd.DataFrame(cols, index=data.index)


#: the designs of :func:`participation_effect`; "did" and "event_study" give the earlier log-odds
#: tables of the two-way fixed-effects model ("did" is deprecated: use "twfe")
PARTICIPATION_DESIGNS = (*DESIGNS, "twfe", "event_study", "did")


def _legacy_table(data, design, confidence):
    """The log-odds table of the two-way fixed-effects GLM ("did" / "event_study" designs)."""
    reference = data.attrs["reference"]
    if design == "did":
        terms = data[["exposed"]].rename(columns={"exposed": "participation"})
        label = "difference-in-differences"
    else:
        terms = _event_terms(data, reference)
        label = f"event study (reference rel_year_{reference})"
    fit, cov = _fit_checked(data, terms)
    names = list(terms.columns)
    rows = np.zeros((len(names), len(fit.params)))
    for i, t in enumerate(names):
        rows[i, fit.params.index.get_loc(t)] = 1.0
    test = fit.t_test(rows, cov_p=cov, use_t=False)
    ci = np.asarray(test.conf_int(alpha=1 - confidence))
    method = (
        f"binomial GLM (logit) on counts, trust + year fixed effects, SE clustered by trust "
        f"(CR1, G/(G-1)); {label}"
    )
    out = pd.DataFrame(
        {
            "term": names,
            "estimate": np.asarray(test.effect, dtype=float).ravel(),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "p_value": np.asarray(test.pvalue, dtype=float).ravel(),
            "scale": "log_odds",
            "n_trusts": int(data["org_code"].nunique()),
            "n_obs": int(len(data)),
            "method": method,
        }
    )
    # Log-odds, not proportions: aeeval.show prints them (and their interval) as decimals, not %.
    out.attrs.update(coefficient_columns=["estimate", "ci_low", "ci_high"], coefficient_digits=3)
    return out, (fit, cov)


def _marginal_effects(fit, cov, data, names):
    """Percentage-point effects of the GLM's terms on the trust-years that carry them.

    For term j with coefficient β_j on the trust-years S_j where it is 1: the base-weighted mean of
    expit(η_i) − expit(η_i − β_j) over S_j, the effect on the treated in a nonlinear
    difference-in-differences (Puhani 2012, eq. 7), times 100; covariance by the delta method,
    G V Gᵀ with G the gradient rows Σ_i w_i [p₁(1 − p₁) x_i − p₀(1 − p₀)(x_i − e_j)] / Σ w_i.
    """
    from scipy.special import expit

    x = np.asarray(fit.model.exog, dtype=float)
    beta = np.asarray(fit.params, dtype=float)
    eta = x @ beta
    w = data["base"].to_numpy(dtype=float)
    effects, grads = [], []
    for t in names:
        j = fit.params.index.get_loc(t)
        s = x[:, j] == 1
        p1, p0 = expit(eta[s]), expit(eta[s] - beta[j])
        ws = w[s] / w[s].sum()
        effects.append(100 * float(ws @ (p1 - p0)))
        xs0 = x[s].copy()
        xs0[:, j] = 0.0
        g = ws @ ((p1 * (1 - p1))[:, None] * x[s] - (p0 * (1 - p0))[:, None] * xs0)
        grads.append(100 * g)
    g = np.asarray(grads)
    return np.asarray(effects), g @ cov @ g.T


def _twfe_table(data, confidence, seed):
    """The "twfe" design: the GLM of :func:`_fit` (one participation term, and the event study)
    in percentage points and log-odds, in the table layout of the staggered designs."""
    from scipy.stats import norm

    from .staggered import sup_t_critical

    z = float(norm.ppf(0.5 + confidence / 2))
    rows = []
    reference = data.attrs["reference"]
    for kind, terms in (
        ("att", data[["exposed"]].rename(columns={"exposed": "participation"})),
        ("event_time", _event_terms(data, reference)),
    ):
        fit, cov = _fit_checked(data, terms)
        names = list(terms.columns)
        idx = [fit.params.index.get_loc(t) for t in names]
        pp, v = _marginal_effects(fit, cov, data, names)
        se = np.sqrt(np.diag(v))
        crit = sup_t_critical(v, confidence, seed=seed) if kind == "event_time" else np.nan
        lo_se = np.sqrt(np.diag(cov)[idx])
        for i, t in enumerate(names):
            b = float(fit.params.iloc[idx[i]])
            e = pd.NA if kind == "att" else int(t.removeprefix("rel_year_")) - (reference + 1)
            rows.append(
                {
                    "term": kind,
                    "event_time": e,
                    "estimate": pp[i],
                    "se": se[i],
                    "ci_low": pp[i] - z * se[i],
                    "ci_high": pp[i] + z * se[i],
                    "band_low": pp[i] - crit * se[i],
                    "band_high": pp[i] + crit * se[i],
                    "p_value": float(2 * norm.sf(abs(b) / lo_se[i])),
                    "reference": False,
                    "log_odds": b,
                    "log_odds_ci_low": b - z * lo_se[i],
                    "log_odds_ci_high": b + z * lo_se[i],
                }
            )
        if kind == "event_time":
            rows.append(
                {
                    "term": kind,
                    "event_time": -1,
                    "estimate": 0.0,
                    "reference": True,
                    "log_odds": 0.0,
                }
            )
    table = pd.DataFrame(rows)
    table = pd.concat(
        [
            table[table["term"] == "att"],
            table[table["term"] == "event_time"].sort_values(
                "event_time", key=lambda s: s.astype(int)
            ),
        ]
    ).reset_index(drop=True)
    table["event_time"] = table["event_time"].astype("Int64")
    table.attrs["method"] = (
        "binomial GLM (logit) on counts, trust + year fixed effects (two-way fixed effects: "
        "biased when effects differ by cohort or grow with exposure), SE clustered by trust "
        "(CR1, G/(G-1)); percentage points: base-weighted mean of expit(η) − expit(η − β) over "
        "the exposed trust-years (Puhani 2012), delta-method SE; uniform band: sup-t from the "
        "event-time covariance; p-values from the log-odds coefficients"
    )
    return table


def participation_effect(
    results: pd.DataFrame,
    register: pd.DataFrame,
    *,
    series="q22c",
    design="callaway_santanna",
    control_group="not_yet_treated",
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int | None = 1,
    n_bootstrap: int = 999,
    first_exposed: int | None = None,
    anticipation: int = 0,
    drop_joining_survey: bool = False,
    fieldwork=None,
    missing="error",
    successors=None,
    mergers="combine",
) -> pd.DataFrame:
    """Did trusts that joined Always Events move differently on the item from the rest?

    The effect on joined trusts of joining, over their surveys from the first after joining
    (exposure from the register's dates, see Notes), in **percentage points**, estimated by a
    staggered-adoption difference-in-differences estimator from the ``diff-diff`` package
    (default: Callaway & Sant'Anna 2021) on each trust-year's proportion positive, each trust
    weighted by its mean item base, with trust-clustered inference. Suppressed results are left
    out (never imputed).

    Parameters
    ----------
    results : pandas.DataFrame
        As returned by :func:`read_staff_survey`.
    register : pandas.DataFrame, str or Path
        When each trust joined, read by :func:`aeeval.staff_survey.register_start_years`: a table
        or a CSV / XLSX file (the programme register, checked against its schema, or any file with
        ``org_code`` and ``start_year`` or ``start_date``). Trusts not in the register are the
        comparison group. See Notes for the exposure rule.
    series : str
        Item-map series (one series only: the model never spans a question change).
    design : str
        ``"callaway_santanna"`` (default): group-time effects ATT(g,t), each a 2×2 comparison of a
        joining cohort with the comparison trusts against the cohort's last survey before
        exposure, aggregated over cohorts and surveys (diff-diff ``CallawaySantAnna``, outcome
        regression, universal base period); overall effect and event-time effects with a
        multiplier bootstrap clustered by trust and its sup-t uniform band.
        ``"sun_abraham"``: the interaction-weighted event study (diff-diff ``SunAbraham``).
        ``"imputation"``: Borusyak, Jaravel & Spiess (2024), trust and year effects fitted on
        untreated trust-years only and the effect imputed (diff-diff ``ImputationDiD``).
        ``"etwfe_logit"``: Wooldridge's (2023) extended two-way fixed effects with a logit link on
        the proportions (parallel trends in log-odds rather than percentage points: the scale
        sensitivity; diff-diff ``WooldridgeDiD(method="logit")``, effects on the probability scale).
        ``"twfe"``: the two-way fixed-effects binomial GLM with one participation term (and its
        event study for the event-time rows), kept for comparison: with staggered joining it is
        **biased when effects differ by cohort or grow with exposure**, because already-joined
        trusts serve as comparisons (Goodman-Bacon 2021; see :func:`bacon_decomposition`); its
        rows give log-odds as well. ``"event_study"``: the earlier log-odds table of the TWFE
        event study (``rel_year_k`` terms). ``"did"``: deprecated spelling of ``"twfe"`` that
        still returns the earlier one-row log-odds table (term ``participation``), with a
        ``DeprecationWarning``.
    control_group : {"not_yet_treated", "never_treated"}
        Comparison trusts for ``callaway_santanna``, ``sun_abraham`` and ``etwfe_logit``: trusts
        that never joined plus those that have not joined yet (default), or only those that never
        joined. The imputation estimator always uses every untreated trust-year.
    confidence : float
        Confidence level of the intervals and of the uniform bands.
    seed : int or None
        Seed of the multiplier bootstrap and of the sup-t band draws (default 1, so a report is
        reproducible).
    n_bootstrap : int
        Multiplier-bootstrap draws for ``callaway_santanna``, at least 99 (0: analytical standard
        errors and a sup-t band from the event-time covariance).
    first_exposed : int, optional
        The year rule: the first survey counted as after joining is ``start_year + first_exposed``
        (rel_year = year − start_year; reference ``first_exposed - 1``). Default (None): the date
        rule when the register gives ``start_date``, else the year rule with 1 (the joining year's
        survey counted as before joining — state it when the register has years only). Given
        with a ``start_date`` register, the date's calendar year is used as ``start_year``.
    anticipation : int
        Count this many surveys before the first exposed one as exposed too (effects expected
        from the announcement of joining). Default 0.
    drop_joining_survey : bool
        Leave out each joined trust's survey of its calendar joining year (the year whose timing
        is least certain): a sensitivity analysis.
    fieldwork : str, Path or pandas.DataFrame, optional
        The fieldwork periods for the date rule (default: the bundled
        ``data/schemas/staff_survey_fieldwork.csv``, read by :func:`load_fieldwork`).
    missing : {"error", "exclude"}
        What to do with register trusts that have no unsuppressed results for the series: raise, or
        leave them out and list them in ``attrs["excluded_register_trusts"]`` and ``attrs["note"]``.
    successors : pandas.DataFrame, str or Path, optional
        A predecessor → successor table (schema ``trust_successors``) applied by
        :func:`aeeval.staff_survey.apply_successors` before the model; default none (codes as given).
    mergers : {"combine", "drop"}
        The rule for ``successors``: sum predecessors' counts into the successor (a joiner whose
        code changed stays one trust), or leave every merged trust out. ``attrs["mergers"]`` and
        ``attrs["note"]`` say which and how many trusts it affected.

    Returns
    -------
    pandas.DataFrame
        For every design but ``"did"`` and ``"event_study"``: one ``term="att"`` row (the overall
        effect) then one ``term="event_time"`` row per survey relative to the first exposed one
        (``event_time`` 0; −1 is the reference survey, ``reference=True``, estimate 0): ``term``,
        ``event_time``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (pointwise), ``band_low``,
        ``band_high`` (uniform over the event times), ``p_value``, ``reference``, ``log_odds``,
        ``log_odds_ci_low``, ``log_odds_ci_high`` (``twfe`` and ``etwfe_logit``, the binomial models), ``scale``
        (``"percentage_points"``), ``design``, ``control_group``, ``n_trusts``, ``n_obs``
        (trust-years), ``method``. ``attrs`` holds ``caveat`` (:data:`VOLUNTARY_CAVEAT`),
        ``pretrend`` (the estimator's pre-trend test as a dict, as :func:`pretrend_test` returns
        it), ``n_treated_trusts``, ``excluded_register_trusts``, ``start_year_from``,
        ``exposure_rule`` (the rule in words), ``first_exposed_survey`` (trust → first survey year
        counted as exposed), ``left_out_register_trusts`` (trusts left out, by reason),
        ``event_study`` (the diff-diff event-study results of ``callaway_santanna``, for
        :func:`honest_bounds`) and ``note``. ``"did"`` / ``"event_study"``: ``term``,
        ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``scale`` (``"log_odds"``),
        ``n_trusts``, ``n_obs``, ``method``, with the same ``attrs``.

    Raises
    ------
    ValueError
        A survey year without fieldwork dates under the date rule (naming the years); a register
        trust with no results (``missing="error"``); a term no trust-year carries, or terms
        collinear with the fixed effects (never numpy's ``LinAlgError``).
    aeeval.staff_survey.EstimatorError
        Too few joined trusts (fewer than 2 with surveys both before and after joining) or too
        few comparison trusts for the estimator, saying how many there are and what is needed.

    Notes
    -----
    Exposure. With ``start_date`` (and ``first_exposed`` not given) a trust's first exposed
    survey is the first whose fieldwork **starts after** its start_date: Staff Survey fieldwork
    runs in the autumn (late September or October to November or early December), so a trust
    that joined in January–March is exposed in the same year's survey, one that joined in
    November in the next year's. The bundled fieldwork dates are at month precision (the NHS
    England notices name months), so a trust joining within the start month is counted as joining
    after fieldwork began. Register trusts with no survey before their first exposed one (e.g.
    joiners in early 2015 when the panel starts in 2015) or none from it on (joined after the last
    survey) are left out with a warning, named in ``attrs``. ``anticipation`` moves the first
    exposed survey earlier; the estimators are then given that survey as the start of treatment.

    Staggered joining. Trusts joined in cohorts, and the programme's effect may grow with time in
    it or differ by cohort. The two-way fixed-effects estimate then is a weighted average of 2×2
    comparisons some of which use already-joined trusts as controls, with weights that can be
    negative (Goodman-Bacon 2021; Sun & Abraham 2021): on simulated panels shaped like the real
    acute-trust data it was 15–31 % biased with 50–78 % coverage where the effect grew or
    differed by cohort (issue 16). The staggered designs compare each cohort only with trusts
    not (yet) joined; their validation (bias and coverage per scenario) is in
    ``benchmarks/validation/README.md``. Differences from the reference R packages (``did``,
    ``didimputation``, ``etwfe``) are in ``docs/staggered-deviations.md``.

    Standard errors of ``twfe``, ``did`` and ``event_study``: the cluster-robust sandwich of the
    GLM times G/(G − 1), the factor Stata applies to maximum-likelihood models with
    ``vce(cluster)`` (Cameron & Miller 2015, section III.B). With few joined trusts (under about
    20) cluster-robust intervals can be too narrow (Cameron & Miller 2015, section VI).

    References
    ----------
    Borusyak K, Jaravel X, Spiess J (2024). Revisiting event-study designs: robust and efficient
    estimation. Review of Economic Studies 91(6):3253-3285.
    Callaway B, Sant'Anna PHC (2021). Difference-in-differences with multiple time periods.
    Journal of Econometrics 225(2):200-230.
    Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. Journal of
    Human Resources 50(2):317-372.
    Goodman-Bacon A (2021). Difference-in-differences with variation in treatment timing. Journal of
    Econometrics 225(2):254-277.
    Puhani PA (2012). The treatment effect, the cross difference, and the interaction term in
    nonlinear "difference-in-differences" models. Economics Letters 115(1):85-87.
    Sun L, Abraham S (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. Journal of Econometrics 225(2):175-199.
    Wooldridge JM (2023). Simple approaches to nonlinear difference-in-differences with panel
    data. The Econometrics Journal 26(3):C31-C66.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> fx = ae.participation_effect(ae.read_staff_survey(), reg)
    >>> fx["term"].iloc[0], fx["scale"].iloc[0], fx["design"].iloc[0]
    ('att', 'percentage_points', 'callaway_santanna')
    """
    from .staggered import CONTROL_GROUPS, estimate

    confidence = check_confidence(confidence)
    check_choice("design", design, list(PARTICIPATION_DESIGNS))
    check_choice("control_group", control_group, list(CONTROL_GROUPS))
    if design == "did":
        import warnings

        warnings.warn(
            "design='did' is deprecated: use design='twfe' (the same two-way fixed-effects model, "
            "in percentage points with log-odds beside); 'did' still returns the earlier log-odds "
            "table. The default is now 'callaway_santanna'",
            DeprecationWarning,
            stacklevel=2,
        )
    data, absent, merged = _exposure_panel(
        results,
        register,
        series,
        first_exposed,
        missing,
        anticipation=anticipation,
        drop_joining_survey=drop_joining_survey,
        fieldwork=fieldwork,
        successors=successors,
        mergers=mergers,
    )
    reference = data.attrs["reference"]
    container = None
    if design in ("did", "event_study"):
        out, fitted = _legacy_table(data, design, confidence)
        try:
            pre = (
                _pretrend(data, reference, series, fitted if design == "event_study" else None)
                .iloc[0]
                .to_dict()
            )
        except ValueError as exc:  # no pre-period years: say so rather than fail the estimate
            pre = {"test": "pretrend", "note": str(exc)}
    else:
        if design == "twfe":
            table = _twfe_table(data, confidence, seed)
            try:
                pre = _pretrend(data, reference, series).iloc[0].to_dict()
            except ValueError as exc:
                pre = {"test": "pretrend", "note": str(exc)}
        else:
            table, pre, container = estimate(
                data,
                design,
                control_group=control_group,
                confidence=confidence,
                seed=seed,
                n_bootstrap=n_bootstrap,
            )
            for c in ("log_odds", "log_odds_ci_low", "log_odds_ci_high"):
                if c not in table:
                    table[c] = np.nan
            pre.update(n_trusts=int(data["org_code"].nunique()), n_obs=int(len(data)))
        out = table.assign(
            scale="percentage_points",
            design=design,
            control_group="all_untreated"
            if design == "imputation"
            else ("all_trusts" if design == "twfe" else control_group),
            n_trusts=int(data["org_code"].nunique()),
            n_obs=int(len(data)),
            method=table.attrs["method"],
        )
        out.attrs.update(
            coefficient_columns=[
                "estimate",
                "se",
                "ci_low",
                "ci_high",
                "band_low",
                "band_high",
                "log_odds",
                "log_odds_ci_low",
                "log_odds_ci_high",
            ],
            coefficient_digits=2,
            p_value_floor=table.attrs.get("p_value_floor", 0.0),
        )
    note = VOLUNTARY_CAVEAT
    if merged is not None:
        note += " " + merged["statement"]
    if absent:
        note += (
            f" {len(absent)} register trust(s) had no results for '{series}' and were excluded: "
            f"{', '.join(absent[:20])}{' …' if len(absent) > 20 else ''}."
        )
    floor = out.attrs.get("p_value_floor", 0.0)
    if floor and (out["p_value"] <= floor * (1 + 1e-9)).any():
        note += (
            f" With {round(1 / floor) - 1} bootstrap draws a p-value cannot fall below "
            f"1/({round(1 / floor) - 1} + 1) = {floor:.3g}: a p-value of {floor:.3g} means "
            f"p ≤ {floor:.3g}."
        )
    dropped = data.attrs["no_usable_results"]
    if data.attrs["left_out_note"]:
        note += f" {data.attrs['left_out_note']}."
    if dropped:
        note += (
            f" {len(dropped)} trust(s) had only suppressed results for '{series}' and are not in "
            f"the model: {', '.join(dropped[:20])}{' …' if len(dropped) > 20 else ''}."
        )
    out.attrs.update(
        confidence=confidence,
        caveat=VOLUNTARY_CAVEAT,
        pretrend=pre,
        note=note,
        trusts_without_usable_results=dropped,
        excluded_register_trusts=absent,
        start_year_from=data.attrs["start_year_from"],
        exposure_rule=data.attrs["exposure_rule"],
        left_out_register_trusts=data.attrs["left_out"],
        first_exposed_survey=data.attrs["first_exposed_survey"],
        n_treated_trusts=int(data.loc[data["treated"], "org_code"].nunique()),
        mergers=merged,
        event_study=container,
    )
    if "scale" in out and (out["scale"] == "percentage_points").all():  # not a percentage
        out.attrs["labels"] = {**PP_LABELS, **out.attrs.get("labels", {})}
    return declare(out, rule="none")  # model coefficients over trusts


def pretrend_test(
    results: pd.DataFrame,
    register: pd.DataFrame,
    *,
    series="q22c",
    design="callaway_santanna",
    control_group="not_yet_treated",
    seed: int | None = 1,
    n_bootstrap: int = 999,
    first_exposed: int | None = None,
    anticipation: int = 0,
    drop_joining_survey: bool = False,
    fieldwork=None,
    missing="error",
    successors=None,
    mergers="combine",
) -> pd.DataFrame:
    """Joint test that joined trusts tracked the rest before joining (parallel pre-trends).

    The test of the estimator chosen by ``design`` (as in :func:`participation_effect`):
    ``"callaway_santanna"`` (default) and ``"sun_abraham"``: joint Wald test that every
    pre-joining event-time effect is zero, with the covariance of the estimator's event study
    (influence function, clustered by trust); ``"imputation"``: Borusyak, Jaravel & Spiess
    (2024) eq. 9, leads added to the regression on untreated trust-years, joint Wald test. These
    three refer the Wald statistic to Hotelling's T² (an F test) with ν the harmonic mean over
    the tested terms of (joined trusts behind the term − 1): each term's variance rests on its
    joined trusts, and a χ² reference rejected 9–19 % at a nominal 5 % in simulation with
    cohorts of 10–20 trusts, this one 5.1–5.5 % (``benchmarks/validation/README.md``;
    a deviation from R ``did``'s χ² pre-test, ``docs/staggered-deviations.md``);
    ``"etwfe_logit"``: none (no pre-joining terms against not-yet-joined trusts; a row of NaN
    saying so); ``"twfe"``, ``"event_study"`` and ``"did"``: the joint Wald test of the TWFE
    event study's pre-joining terms (``rel_year_k`` before the reference survey) with the
    trust-clustered covariance (statsmodels ``GLMResults.wald_test``, χ² form, CR1). A small
    p-value is evidence against parallel trends; a large one is not proof of them (the test
    has little power with few pre-years). ``first_exposed``, ``anticipation``,
    ``drop_joining_survey``, ``fieldwork``, ``missing``, ``successors`` and ``mergers`` set the
    panel as in :func:`participation_effect` (``attrs["mergers"]`` says what was done).

    Returns
    -------
    pandas.DataFrame
        One row: ``test``, ``terms`` (tested, comma-separated), ``statistic`` (F, or χ² for
        the TWFE designs), ``df`` (the number of terms), ``df_denom`` (the F test's denominator
        degrees of freedom, ν − k + 1; NaN for χ²), ``p_value``, ``n_trusts``, ``n_obs``,
        ``method``;
        ``attrs["exposure_rule"]``.

    References
    ----------
    Borusyak K, Jaravel X, Spiess J (2024). Revisiting event-study designs: robust and efficient
    estimation. Review of Economic Studies 91(6):3253-3285.
    Callaway B, Sant'Anna PHC (2021). Difference-in-differences with multiple time periods.
    Journal of Econometrics 225(2):200-230.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> ae.pretrend_test(ae.read_staff_survey(), reg)["df"].iloc[0] > 0
    np.True_
    """
    from .staggered import CONTROL_GROUPS, estimate

    check_choice("design", design, list(PARTICIPATION_DESIGNS))
    check_choice("control_group", control_group, list(CONTROL_GROUPS))
    data, _, merged = _exposure_panel(
        results,
        register,
        series,
        first_exposed,
        missing,
        anticipation=anticipation,
        drop_joining_survey=drop_joining_survey,
        fieldwork=fieldwork,
        successors=successors,
        mergers=mergers,
    )
    if design in ("twfe", "event_study", "did"):
        out = _pretrend(data, data.attrs["reference"], series)
    else:
        _, row, _ = estimate(
            data, design, control_group=control_group, seed=seed, n_bootstrap=n_bootstrap
        )
        row.update(n_trusts=int(data["org_code"].nunique()), n_obs=int(len(data)))
        cols = [
            "test",
            "terms",
            "statistic",
            "df",
            "df_denom",
            "p_value",
            "n_trusts",
            "n_obs",
            "method",
        ]
        out = declare(pd.DataFrame([row], columns=cols), rule="none")
    out.attrs["exposure_rule"] = data.attrs["exposure_rule"]
    out.attrs["mergers"] = merged
    return out


def _pretrend(data: pd.DataFrame, reference: int, series: str, fit=None) -> pd.DataFrame:
    terms = _event_terms(data, reference)
    pre = [c for c in terms.columns if int(c.removeprefix("rel_year_")) < reference]
    if not pre:
        raise ValueError(
            f"no survey year of '{series}' falls before any register trust joined: "
            "parallel pre-trends cannot be tested"
        )
    fit, cov = _fit_checked(data, terms) if fit is None else fit
    names = list(fit.params.index)
    restriction = np.zeros((len(pre), len(names)))
    for i, t in enumerate(pre):
        restriction[i, names.index(t)] = 1.0
    wald = fit.wald_test(restriction, cov_p=cov, scalar=True, use_f=False)
    return pd.DataFrame(
        [
            {
                "test": "pretrend",
                "terms": ", ".join(pre),
                "statistic": float(wald.statistic),
                "df": int(len(pre)),
                "df_denom": np.nan,
                "p_value": float(wald.pvalue),
                "n_trusts": int(data["org_code"].nunique()),
                "n_obs": int(len(data)),
                "method": "joint Wald χ² test of pre-joining event-study terms = 0; SE clustered by trust (CR1)",
            }
        ]
    ).pipe(declare, rule="none")  # a test statistic over trusts


def bacon_decomposition(
    results: pd.DataFrame,
    register: pd.DataFrame,
    *,
    series="q22c",
    first_exposed: int | None = None,
    anticipation: int = 0,
    drop_joining_survey: bool = False,
    fieldwork=None,
    missing="error",
    successors=None,
    mergers="combine",
) -> pd.DataFrame:
    """Goodman-Bacon decomposition of the two-way fixed-effects estimate into its 2×2 comparisons.

    The linear TWFE estimate (percentage points, trust and year effects, trusts weighted by their
    mean item base) is a weighted average of every 2×2 difference-in-differences between a
    joining cohort and the trusts that never joined, a later-joining cohort (earlier vs later)
    or an **earlier-joining one (later vs earlier: already-joined trusts as controls)**; the
    last kind is what biases TWFE when effects grow. Computed by diff-diff's
    ``BaconDecomposition``; the panel is built as in :func:`participation_effect` (same exposure,
    merger and left-out rules). A cohort exposed from the panel's first survey has no trust in
    the panel (such trusts are left out), so none is folded into the never-joined group.

    Returns
    -------
    pandas.DataFrame
        One row per comparison: ``treated_group`` and ``control_group`` (first exposed survey
        year, or ``"never_treated"``), ``comparison_type`` (``treated_vs_never``,
        ``earlier_vs_later``, ``later_vs_earlier``), ``estimate`` (percentage points),
        ``weight`` (summing to 1), ``n_treated``, ``n_control``, ``time_start``, ``time_end``.
        ``attrs["twfe_estimate"]`` is the decomposed estimate (Σ weight · estimate).

    References
    ----------
    Goodman-Bacon A (2021). Difference-in-differences with variation in treatment timing. Journal of
    Econometrics 225(2):254-277.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> b = ae.bacon_decomposition(ae.read_staff_survey(), reg)
    >>> round(float((b["weight"] * b["estimate"]).sum() - b.attrs["twfe_estimate"]), 6)
    0.0
    """
    from .staggered import bacon

    data, _, merged = _exposure_panel(
        results,
        register,
        series,
        first_exposed,
        missing,
        anticipation=anticipation,
        drop_joining_survey=drop_joining_survey,
        fieldwork=fieldwork,
        successors=successors,
        mergers=mergers,
    )
    out = bacon(data)
    out.attrs.update(exposure_rule=data.attrs["exposure_rule"], mergers=merged)
    out.attrs.update(coefficient_columns=["estimate", "weight"], coefficient_digits=3)
    return declare(out, rule="none")  # 2×2 comparisons of cohort means over trusts


def honest_bounds(effect: pd.DataFrame, *, m_bar=(0.0, 0.5, 1.0, 1.5, 2.0), confidence=None):
    """Rambachan–Roth bounds on the average post-joining effect under relative-magnitude limits.

    Parallel trends may fail after joining by up to M̄ times the largest change between
    consecutive pre-joining surveys (Δ^RM of Rambachan & Roth 2023). For each M̄, the set of
    average post-joining effects consistent with that (``lower``, ``upper``) and its robust
    confidence interval, from diff-diff's ``HonestDiD(method="relative_magnitude")`` on the
    event study of a ``callaway_santanna`` :func:`participation_effect` result. M̄ = 0 is exact
    parallel trends after joining.

    Parameters
    ----------
    effect : pandas.DataFrame
        A :func:`participation_effect` result with ``design="callaway_santanna"`` (it keeps its
        event study in ``attrs["event_study"]``).
    m_bar : sequence of float
        The M̄ values.
    confidence : float, optional
        Default: the effect's own confidence level.

    Returns
    -------
    pandas.DataFrame
        ``m_bar``, ``lower``, ``upper``, ``ci_low``, ``ci_high`` (percentage points), ``method``.

    References
    ----------
    Rambachan A, Roth J (2023). A more credible approach to parallel trends. Review of Economic
    Studies 90(5):2555-2591.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> hb = ae.honest_bounds(ae.participation_effect(ae.read_staff_survey(), reg))
    >>> bool((hb["ci_high"] - hb["ci_low"]).is_monotonic_increasing)
    True
    """
    from .staggered import honest

    container = effect.attrs.get("event_study")
    if container is None:
        raise EstimatorError(
            "honest_bounds needs a participation_effect result of design='callaway_santanna' "
            f"(this one is design='{effect['design'].iloc[0] if 'design' in effect else 'did'}'"
            "), whose event study it keeps in attrs['event_study']"
        )
    confidence = check_confidence(confidence or effect.attrs.get("confidence", 0.95))
    out = honest(container, m_values=tuple(m_bar), confidence=confidence)
    out["method"] = (
        "HonestDiD relative magnitudes (Rambachan & Roth 2023), average of the post-joining "
        "event-time effects of the Callaway-Sant'Anna event study (diff-diff)"
    )
    out.attrs.update(
        confidence=confidence,
        coefficient_columns=["lower", "upper", "ci_low", "ci_high"],
        coefficient_digits=2,
    )
    return declare(out, rule="none")  # bounds on a model estimate over trusts


#: Table headers of effects in percentage points (the report's default "%" header reads as a share).
PP_LABELS = {
    "estimate": "Effect (pp)",
    "se": "SE (pp)",
    "band_low": "Band low (pp)",
    "band_high": "Band high (pp)",
    "difference": "Difference from primary (pp)",
}


#: The year the COVID-19 pandemic disrupted services and the survey's context (the Staff Survey
#: 2020 ran October–December 2020); :func:`sensitivity_analysis` shows the estimate without it.
COVID_YEAR = 2020


def sensitivity_analysis(
    results: pd.DataFrame,
    register: pd.DataFrame,
    *,
    series="q22c",
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int | None = 1,
    n_bootstrap: int = 999,
    fieldwork=None,
    missing="error",
    successors=None,
    mergers="combine",
) -> pd.DataFrame:
    """The overall effect on joiners under each pre-specified alternative analysis.

    One row per analysis, each a :func:`participation_effect` (its ``att`` row, percentage
    points) that changes one choice of the primary analysis — Callaway & Sant'Anna with
    not-yet-joined and never-joined trusts as the comparison: the comparison group (never-joined
    trusts only), the estimator (Sun & Abraham; the imputation estimator), the scale (Wooldridge's
    extended TWFE with a logit link: parallel trends in log-odds rather than in percentage
    points), the survey years (without the COVID year 2020), the exposure (the joining-year survey
    dropped) and the panel (trusts with a result in every year only); and the two-way fixed
    effects estimate, biased under staggered joining, for comparison. An analysis the data cannot
    support (say, no 2020 survey in the data, or too few trusts left) is a row with no estimate
    and the reason in ``note``. The HonestDiD bounds are :func:`honest_bounds` of the primary
    result.

    Parameters
    ----------
    results, register, series, confidence, seed, n_bootstrap, fieldwork, missing, successors, mergers
        As :func:`participation_effect` (the primary analysis's settings).

    Returns
    -------
    pandas.DataFrame
        ``analysis``, ``design``, ``control_group``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``, ``n_trusts``, ``n_treated_trusts``, ``difference`` (estimate minus the
        primary estimate, percentage points) and ``note``.

    References
    ----------
    Callaway B, Sant'Anna PHC (2021). Difference-in-differences with multiple time periods.
    Journal of Econometrics 225(2):200-230. Roth J, Sant'Anna PHC, Bilinski A, Poe J (2023).
    What's trending in difference-in-differences? Journal of Econometrics 235(2):2218-2244
    (sensitivity to the comparison group, the scale and the panel).

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> s = ae.sensitivity_analysis(ae.read_staff_survey(), reg, missing="exclude")
    >>> s["analysis"].iloc[0], float(s["difference"].iloc[0])
    ('Primary: Callaway & Sant’Anna, not-yet-joined and never-joined comparison', 0.0)
    """
    common = dict(
        series=series,
        confidence=confidence,
        fieldwork=fieldwork,
        missing=missing,
        successors=successors,
        mergers=mergers,
    )
    boot = dict(seed=seed, n_bootstrap=n_bootstrap)
    data, _, _ = _trend_data(results, series, False)
    years = sorted(data["year"].unique())
    try:
        balanced = _trend_data(results, series, True)[0]["org_code"].unique()
    except ValueError as exc:
        balanced = exc
    cs = "callaway_santanna"
    analyses = [
        (
            "Primary: Callaway & Sant’Anna, not-yet-joined and never-joined comparison",
            results,
            dict(design=cs, **boot),
        ),
        (
            "Comparison: never-joined trusts only",
            results,
            dict(design=cs, control_group="never_treated", **boot),
        ),
        ("Estimator: Sun & Abraham", results, dict(design="sun_abraham")),
        ("Estimator: imputation (Borusyak, Jaravel & Spiess)", results, dict(design="imputation")),
        ("Scale: log-odds (extended TWFE, logit link)", results, dict(design="etwfe_logit")),
        (
            f"Years: without {COVID_YEAR} (COVID-19)",
            results[results["year"] != COVID_YEAR]
            if COVID_YEAR in years
            else f"no {COVID_YEAR} survey in the data",
            dict(design=cs, **boot),
        ),
        (
            "Exposure: joining-year survey dropped",
            results,
            dict(design=cs, drop_joining_survey=True, **boot),
        ),
        (
            "Panel: trusts with a result in every year",
            results[results["org_code"].isin(balanced)]
            if not isinstance(balanced, Exception)
            else str(balanced),
            dict(design=cs, **boot),
        ),
        (
            "For comparison: two-way fixed effects (biased under staggered joining)",
            results,
            dict(design="twfe"),
        ),
    ]
    rows = []
    for label, data_used, options in analyses:
        row = {
            "analysis": label,
            "design": options["design"],
            "control_group": options.get("control_group", "not_yet_treated"),
        }
        if isinstance(data_used, str):
            rows.append({**row, "note": data_used})
            continue
        try:
            effect = participation_effect(data_used, register, **common, **options)
        except (EstimatorError, ValueError) as exc:
            rows.append({**row, "note": str(exc).splitlines()[0]})
            continue
        att = effect[effect["term"] == "att"].iloc[0]
        rows.append(
            {
                **row,
                "control_group": att.get("control_group", row["control_group"]),
                "estimate": att["estimate"],
                "ci_low": att["ci_low"],
                "ci_high": att["ci_high"],
                "p_value": att["p_value"],
                "n_trusts": att["n_trusts"],
                "n_treated_trusts": effect.attrs.get("n_treated_trusts"),
                "note": "",
            }
        )
    columns = [
        "analysis",
        "design",
        "control_group",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "n_trusts",
        "n_treated_trusts",
        "difference",
        "note",
    ]
    out = pd.DataFrame(rows).reindex(columns=columns)
    out["estimate"] = out["estimate"].astype(float)
    out["difference"] = out["estimate"] - out["estimate"].iloc[0]
    out["n_trusts"] = out["n_trusts"].astype("Int64")
    out["n_treated_trusts"] = out["n_treated_trusts"].astype("Int64")
    out["note"] = out["note"].fillna("")
    out.attrs.update(
        confidence=confidence,
        coefficient_columns=["estimate", "ci_low", "ci_high", "difference"],
        coefficient_digits=2,
        caveat=VOLUNTARY_CAVEAT,
        labels=PP_LABELS,
    )
    return declare(out, rule="none")  # model estimates over trusts, as participation_effect
