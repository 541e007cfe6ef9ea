"""Comparing proportions between groups: differences with intervals, tests, p-value adjustment.

Each function wraps statsmodels or scipy; this module validates inputs and returns tidy tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from .disclosure import declare
from .options import DEFAULT_CONFIDENCE, check_choice, check_confidence, check_counts

__all__ = [
    "compare_proportions",
    "group_test",
    "trend_test",
    "adjust_p",
    "holm_step_down",
    "compare_groups",
    "GROUP_TEST_METHODS",
    "ADJUST_METHODS",
    "EFFECT_MEASURES",
    "DIFFERENCE_METHODS",
    "miettinen_nurminen",
]

#: Tests across groups: ``"auto"`` picks ``"chi2"`` when every expected count is at least 5
#: (Cochran's rule) and ``"fisher"`` otherwise.
GROUP_TEST_METHODS = ("auto", "chi2", "fisher")
#: p-value adjustments: aeeval name → :func:`statsmodels.stats.multitest.multipletests` name.
#: :func:`adjust_p` also accepts the statsmodels names themselves (``"fdr_bh"``, ``"simes-hochberg"``).
ADJUST_METHODS = {
    "holm": "holm",
    "benjamini_hochberg": "fdr_bh",
    "bonferroni": "bonferroni",
    "sidak": "sidak",
    "holm_sidak": "holm-sidak",
    "hochberg": "simes-hochberg",
    "hommel": "hommel",
    "benjamini_yekutieli": "fdr_by",
    "two_stage_bh": "fdr_tsbh",
    "two_stage_bky": "fdr_tsbky",
}
_STATSMODELS_ADJUST = {v: k for k, v in ADJUST_METHODS.items()}
#: Measures of :func:`compare_proportions` → (statsmodels ``compare``, interval method).
EFFECT_MEASURES = {
    "difference": ("diff", "newcomb"),
    "risk_ratio": ("ratio", "log-adjusted"),
    "odds_ratio": ("odds-ratio", "logit-adjusted"),
}
#: Interval methods for ``measure="difference"`` of :func:`compare_proportions`.
DIFFERENCE_METHODS = ("newcombe", "miettinen_nurminen")
#: Seed and size of the Monte Carlo Fisher test for tables larger than 2 × 2 (fixed, so a report
#: gives the same p-value every run).
FISHER_SEED = 20150401
FISHER_RESAMPLES = 100_000


def _pair(n, base, group):
    names = (f"n{group}", f"base{group}")
    if np.ndim(n) or np.ndim(base):
        raise ValueError(
            f"{names[0]} and {names[1]} must be single numbers; got {n!r} and {base!r}"
        )
    count, total = check_counts(n, base, names)
    return int(count), int(total)


def compare_proportions(
    n1,
    base1,
    n2,
    base2,
    confidence: float = DEFAULT_CONFIDENCE,
    *,
    measure: str = "difference",
    method: str | None = None,
) -> pd.DataFrame:
    """Two independent proportions compared: difference, risk ratio or odds ratio, with an interval.

    Parameters
    ----------
    n1, base1 : int
        Positive answers and base of the first group.
    n2, base2 : int
        Positive answers and base of the second group.
    confidence : float
        Confidence level of the interval, strictly between 0 and 1.
    measure : {"difference", "risk_ratio", "odds_ratio"}
        ``"difference"`` (default): estimate1 − estimate2 with Newcombe's hybrid score interval.
        ``"risk_ratio"``: estimate1 / estimate2 with the Katz log interval, 0.5 added to each
        count and base (statsmodels' default ``"log-adjusted"``; Pettigrew, Gart & Thomas 1986),
        so a zero count still gives a finite interval. ``"odds_ratio"``: the odds ratio with
        Woolf's logit interval, 0.5 added to each of the four cells (statsmodels' default
        ``"logit-adjusted"``; Gart 1966, the adjustment Agresti 2013 §3.1.3 gives for small
        counts). Both intervals by
        :func:`statsmodels.stats.proportion.confint_proportions_2indep`.
    method : {"newcombe", "miettinen_nurminen"}, optional
        The interval for ``"difference"`` (default ``"newcombe"``): ``"miettinen_nurminen"`` is
        the score interval of Miettinen & Nurminen (1985), Newcombe's (1998) method 6, with
        their variance factor N/(N − 1) (:func:`miettinen_nurminen`). Ratios take only their
        default method (``None``).

    Returns
    -------
    pandas.DataFrame
        One row. For ``"difference"``: ``n1``, ``base1``, ``estimate1``, ``n2``, ``base2``,
        ``estimate2``, ``difference`` (estimate1 − estimate2), ``ci_low``, ``ci_high``,
        ``p_value``, ``method`` (``"newcombe"``: the hybrid score interval, Newcombe 1998 method
        10, built from the two Wilson intervals; or ``"miettinen_nurminen"``) and ``test`` (``"z_pooled"``: the two-sided
        pooled z test, the same as Pearson's χ² on the 2 × 2 table without continuity
        correction; p = 1 when both groups are all positive or all negative). For a ratio the
        same columns with ``measure`` (the measure's name) before ``risk_ratio`` or
        ``odds_ratio`` in place of ``difference`` (the unadjusted ratio of the observed
        proportions or odds; infinite or missing when a denominator is zero), ``ci_low`` and
        ``ci_high`` on the ratio scale, ``method`` ``"log_adjusted"`` or ``"logit_adjusted"``,
        and the same test of p1 = p2. ``attrs["measure"]`` names the measure.

    References
    ----------
    Newcombe RG (1998). Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Statistics in Medicine 17:873-890.
    Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for the risk
    ratio in cohort studies. Biometrics 34:469-474.
    Pettigrew HM, Gart JJ, Thomas DG (1986). The bias and higher cumulants of the logarithm of a
    binomial variate. Biometrika 73:425-435.
    Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in Medicine
    4:213-226.
    Woolf B (1955). On estimating the relation between blood group and disease. Annals of Human
    Genetics 19:251-253. Gart JJ (1966). Alternative analyses of contingency tables. JRSS B
    28:164-179. Agresti A (2013). Categorical Data Analysis, 3rd ed., Wiley, §3.1.

    Examples
    --------
    >>> r = compare_proportions(56, 70, 48, 80)   # Newcombe (1998) Table II, example (a)
    >>> r[["difference", "ci_low", "ci_high"]].round(4)
       difference  ci_low  ci_high
    0         0.2  0.0524   0.3339
    >>> r = compare_proportions(56, 70, 48, 80, measure="risk_ratio")
    >>> r[["measure", "risk_ratio", "ci_low", "ci_high"]].round(4)
          measure  risk_ratio  ci_low  ci_high
    0  risk_ratio      1.3333   1.076   1.6445
    >>> r = compare_proportions(56, 70, 48, 80, method="miettinen_nurminen")  # Newcombe method 6
    >>> r[["difference", "ci_low", "ci_high"]].round(4)
       difference  ci_low  ci_high
    0         0.2  0.0528   0.3382
    """
    confidence = check_confidence(confidence)
    check_choice("measure", measure, list(EFFECT_MEASURES))
    if measure == "difference":
        method = check_choice(
            "method", "newcombe" if method is None else method, DIFFERENCE_METHODS
        )
    elif method is not None:
        raise ValueError(
            f"method applies to measure='difference' only; got method={method!r} for {measure!r}"
        )
    n1, base1 = _pair(n1, base1, 1)
    n2, base2 = _pair(n2, base2, 2)
    compare, interval = EFFECT_MEASURES[measure]
    if method == "miettinen_nurminen":
        low, high = miettinen_nurminen(n1, base1, n2, base2, confidence)
    else:
        low, high = confint_proportions_2indep(
            n1, base1, n2, base2, method=interval, compare=compare, alpha=1 - confidence
        )
    p1, p2 = n1 / base1, n2 / base2
    pooled = (n1 + n2) / (base1 + base2)
    var = pooled * (1 - pooled) * (1 / base1 + 1 / base2)
    p_value = 1.0 if var == 0 else float(2 * stats.norm.sf(abs(p1 - p2) / np.sqrt(var)))
    if measure == "difference":
        estimate = {"difference": [p1 - p2]}
        low, high = float(max(low, -1.0)), float(min(high, 1.0))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            q1, q2 = np.float64(p1), np.float64(p2)
            ratio = q1 / q2 if measure == "risk_ratio" else (q1 / (1 - q1)) / (q2 / (1 - q2))
        estimate = {"measure": [measure], measure: [float(ratio)]}
        low, high = float(low), float(high)
        method = interval.replace("-", "_")
    out = pd.DataFrame(
        {
            "n1": [n1],
            "base1": [base1],
            "estimate1": [p1],
            "n2": [n2],
            "base2": [base2],
            "estimate2": [p2],
            **estimate,
            "ci_low": [low],
            "ci_high": [high],
            "p_value": [p_value],
            "method": [method],
            "test": ["z_pooled"],
        }
    )
    out.attrs["measure"] = measure
    out.attrs["confidence"] = confidence
    return out


def miettinen_nurminen(n1, base1, n2, base2, confidence: float = DEFAULT_CONFIDENCE):
    """Miettinen–Nurminen score interval for the difference of two independent proportions.

    The differences δ not rejected by the score test ``|p̂1 − p̂2 − δ| / √V(δ) < z``, with
    ``V(δ) = [p̃1(1 − p̃1)/base1 + p̃2(1 − p̃2)/base2] · N/(N − 1)``, ``N = base1 + base2`` and
    ``p̃1 = p̃2 + δ`` the maximum likelihood estimates restricted to the difference δ (the root of
    a cubic, in the closed form of Farrington & Manning 1990). Each end is found by
    :func:`scipy.optimize.brentq`.

    statsmodels' ``confint_proportions_2indep(method="score", compare="diff")`` is this
    interval in name, but its restricted estimate has a wrong coefficient (statsmodels issue
    #10269, open): for 56/70 vs 48/80 it gives 0.0526 to 0.3440 against Newcombe's 0.0528 to
    0.3382. aeeval computes it itself until the fix is released.

    Parameters
    ----------
    n1, base1, n2, base2 : int
        Positive answers and bases of the two groups (checked by :func:`compare_proportions`).
    confidence : float
        Confidence level.

    Returns
    -------
    (low, high)
        Floats in [−1, 1].

    References
    ----------
    Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in Medicine
    4:213-226. Farrington CP, Manning G (1990). Test statistics and sample size formulae for
    comparative binomial trials with null hypothesis of non-zero risk difference or non-unity
    relative risk. Statistics in Medicine 9:1447-1454. Newcombe RG (1998), Statistics in
    Medicine 17:873-890, method 6.

    Examples
    --------
    >>> [round(x, 4) for x in miettinen_nurminen(56, 70, 48, 80)]   # Newcombe (1998) Table II
    [0.0528, 0.3382]
    """
    confidence = check_confidence(confidence)
    n1, base1 = _pair(n1, base1, 1)
    n2, base2 = _pair(n2, base2, 2)
    q = stats.norm.ppf(1 - (1 - confidence) / 2)
    estimate = n1 / base1 - n2 / base2

    def score(delta):
        if delta == estimate:
            return 0.0
        p1, p2 = _restricted_mle(n1, base1, n2, base2, delta)
        big_n = base1 + base2
        var = (p1 * (1 - p1) / base1 + p2 * (1 - p2) / base2) * big_n / (big_n - 1)
        with np.errstate(divide="ignore"):
            return (estimate - delta) / np.sqrt(var)

    edge = 1 - 1e-10
    low = -1.0 if score(-edge) < q else optimize.brentq(lambda d: score(d) - q, -edge, estimate)
    high = 1.0 if score(edge) > -q else optimize.brentq(lambda d: score(d) + q, estimate, edge)
    return float(low), float(high)


def _restricted_mle(x1, n1, x2, n2, delta):
    """Maximum likelihood estimates of p1, p2 under p1 − p2 = δ (Farrington & Manning 1990)."""
    theta = n2 / n1
    r1, r2 = x1 / n1, x2 / n2
    a = 1 + theta
    b = -(1 + theta + r1 + theta * r2 + delta * (theta + 2))
    c = delta * delta + delta * (2 * r1 + theta + 1) + r1 + theta * r2
    d = -r1 * delta * (1 + delta)
    v = b**3 / (27 * a**3) - b * c / (6 * a * a) + d / (2 * a)
    u = np.sign(v) * np.sqrt(max(b * b / (9 * a * a) - c / (3 * a), 0.0))
    cos_arg = 0.0 if u == 0 else np.clip(v / u**3, -1.0, 1.0)
    w = (np.pi + np.arccos(cos_arg)) / 3
    p1 = float(np.clip(2 * u * np.cos(w) - b / (3 * a), 0.0, 1.0))
    p2 = float(np.clip(p1 - delta, 0.0, 1.0))
    return p1, p2


def _check_groups(n, base):
    n = np.atleast_1d(np.asarray(n))
    base = np.atleast_1d(np.asarray(base))
    if n.ndim != 1 or n.shape != base.shape:
        raise ValueError(
            f"n and base must be lists of the same length; got {n.shape} and {base.shape}"
        )
    if len(n) < 2:
        raise ValueError(f"a test across groups needs at least 2 groups; got {len(n)}")
    count, total = check_counts(n, base, ("n", "base"))
    return count, total


def group_test(n, base, method: str = "auto") -> pd.DataFrame:
    """Test whether a proportion differs across groups (a groups × 2 table).

    Parameters
    ----------
    n, base : array-like of int
        Positive answers and base of each group (bases at least 1).
    method : {"auto", "chi2", "fisher"}
        ``"chi2"``: Pearson's χ² test of independence (no continuity correction),
        :func:`scipy.stats.chi2_contingency`. ``"fisher"``: Fisher's exact test,
        :func:`scipy.stats.fisher_exact` — exact for 2 groups, and for more groups the
        Freeman–Halton extension estimated by Monte Carlo with a fixed seed
        (:data:`FISHER_RESAMPLES` tables). ``"auto"``: χ² when every expected count is at least 5,
        else Fisher.

    Returns
    -------
    pandas.DataFrame
        One row: ``groups``, ``n``, ``base``, ``statistic`` (χ², or NaN for Fisher), ``dof``,
        ``min_expected``, ``p_value``, ``method`` (``"chi2"``, ``"fisher_exact"`` or
        ``"fisher_monte_carlo"``).

    References
    ----------
    Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley, §3.2 and §3.5.
    Freeman GH, Halton JH (1951). Note on an exact treatment of contingency, goodness of fit and
    other problems of significance. Biometrika 38:141-149.

    Examples
    --------
    >>> group_test([3, 1], [4, 4], method="fisher")["p_value"].round(4).item()   # tea tasting
    0.4857
    """
    check_choice("method", method, GROUP_TEST_METHODS)
    count, total = _check_groups(n, base)
    table = np.column_stack([count, total - count]).astype(np.int64)
    if (table.sum(axis=0) == 0).any():
        raise ValueError("every answer is in one category (all positive or none): nothing to test")
    expected = stats.contingency.expected_freq(table)
    min_expected = float(expected.min())
    if method == "auto":
        method = "chi2" if min_expected >= 5 else "fisher"
    if method == "chi2":
        res = stats.chi2_contingency(table, correction=False)
        statistic, dof, p_value, name = (
            float(res.statistic),
            int(res.dof),
            float(res.pvalue),
            "chi2",
        )
    elif len(table) == 2:
        p_value, statistic, dof, name = (
            float(stats.fisher_exact(table).pvalue),
            np.nan,
            1,
            "fisher_exact",
        )
    else:
        mc = stats.MonteCarloMethod(
            n_resamples=FISHER_RESAMPLES, rng=np.random.default_rng(FISHER_SEED)
        )
        p_value = float(stats.fisher_exact(table, method=mc).pvalue)
        statistic, dof, name = np.nan, len(table) - 1, "fisher_monte_carlo"
    return pd.DataFrame(
        {
            "groups": [len(table)],
            "n": [int(count.sum())],
            "base": [int(total.sum())],
            "statistic": [statistic],
            "dof": [dof],
            "min_expected": [min_expected],
            "p_value": [p_value],
            "method": [name],
        }
    )


def trend_test(n, base, scores=None) -> pd.DataFrame:
    """Cochran–Armitage test for a linear trend in a proportion across ordered groups.

    Parameters
    ----------
    n, base : array-like of int
        Positive answers and base of each group, in order (e.g. cohorts 1, 2, 3, 4).
    scores : array-like of float, optional
        Score of each group (default 1, 2, 3, …). Must not all be equal.

    Returns
    -------
    pandas.DataFrame
        One row: ``groups``, ``n``, ``base``, ``slope`` (weighted least-squares change in the
        proportion per unit of score), ``statistic`` (χ² on 1 degree of freedom), ``z`` (signed:
        positive when the proportion rises with the score), ``p_value`` (two-sided),
        ``method`` = ``"cochran_armitage"``.

    Notes
    -----
    With ``p̄ = Σn/Σbase`` and ``s̄ = Σ base·s / Σbase``,
    ``χ² = [Σ n (s − s̄)]² / (p̄ (1 − p̄) Σ base (s − s̄)²)``, the form used by R's
    ``prop.trend.test``. It equals the linear-by-linear association statistic ``M²`` times
    ``N/(N − 1)`` (Agresti 2013, §3.4.6); ``statsmodels.stats.contingency_tables.Table.
    test_ordinal_association`` computes ``M``.

    References
    ----------
    Armitage P (1955). Tests for linear trends in proportions and frequencies. Biometrics
    11:375-386. Agresti A (2013). Categorical Data Analysis, 3rd ed., §3.4.6 and §5.3.5.

    Examples
    --------
    >>> smokers, patients = [83, 90, 129, 70], [86, 93, 136, 82]   # R ?prop.trend.test
    >>> trend_test(smokers, patients)["statistic"].round(4).item()
    8.2249
    """
    count, total = _check_groups(n, base)
    s = np.arange(1.0, len(count) + 1) if scores is None else np.asarray(scores, dtype=float)
    if s.shape != count.shape:
        raise ValueError(
            f"scores must give one number per group ({len(count)}); got {s.shape[0] if s.ndim else s}"
        )
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite numbers")
    big_n = total.sum()
    p_bar = count.sum() / big_n
    s_bar = (total * s).sum() / big_n
    sxx = (total * (s - s_bar) ** 2).sum()
    if sxx == 0:
        raise ValueError("scores are all equal (or only one group has answers): no trend to test")
    if p_bar in (0.0, 1.0):
        raise ValueError("every answer is in one category (all positive or none): nothing to test")
    t = (count * (s - s_bar)).sum()
    z = t / np.sqrt(p_bar * (1 - p_bar) * sxx)
    return pd.DataFrame(
        {
            "groups": [len(count)],
            "n": [int(count.sum())],
            "base": [int(big_n)],
            "slope": [t / sxx],
            "statistic": [z * z],
            "z": [z],
            "p_value": [float(2 * stats.norm.sf(abs(z)))],
            "method": ["cochran_armitage"],
        }
    )


def adjust_p(p_values, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons.

    Parameters
    ----------
    p_values : array-like of float
        p-values in [0, 1]; missing values (NaN) are left missing and not counted.
    method : str
        One of :data:`ADJUST_METHODS` (or its statsmodels name, given in brackets).
        Family-wise error rate: ``"holm"`` (Holm's step-down; ``"holm"``), ``"bonferroni"``,
        ``"sidak"``, ``"holm_sidak"`` (``"holm-sidak"``), ``"hochberg"`` (Hochberg's step-up,
        ``"simes-hochberg"``; assumes independent or positively dependent tests), ``"hommel"``.
        False discovery rate: ``"benjamini_hochberg"`` (``"fdr_bh"``), ``"benjamini_yekutieli"``
        (``"fdr_by"``; any dependence), ``"two_stage_bh"`` (``"fdr_tsbh"``) and
        ``"two_stage_bky"`` (``"fdr_tsbky"``, Benjamini, Krieger & Yekutieli 2006). The two-stage
        adjusted values depend on the level of the first stage, here statsmodels' 0.05: compare
        them with 0.05 only. Holm by :func:`holm_step_down`, the others by
        :func:`statsmodels.stats.multitest.multipletests`.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    References
    ----------
    Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal
    of Statistics 6:65-70. Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate.
    JRSS B 57:289-300. Hochberg Y (1988). A sharper Bonferroni procedure for multiple tests of
    significance. Biometrika 75:800-802. Hommel G (1988). A stagewise rejective multiple test
    procedure based on a modified Bonferroni test. Biometrika 75:383-386. Benjamini Y, Yekutieli
    D (2001). The control of the false discovery rate in multiple testing under dependency. Annals
    of Statistics 29:1165-1188. Benjamini Y, Krieger AM, Yekutieli D (2006). Adaptive linear
    step-up procedures that control the false discovery rate. Biometrika 93:491-507.

    Examples
    --------
    >>> adjust_p([0.01, 0.02, 0.03, 0.04, 0.05], "holm").round(2).tolist()
    [0.05, 0.08, 0.09, 0.09, 0.09]
    >>> adjust_p([0.01, 0.02, 0.03, 0.04, 0.05], "hochberg").round(2).tolist()  # (m − i + 1)·p(i)
    [0.05, 0.05, 0.05, 0.05, 0.05]
    """
    if isinstance(method, str):
        method = _STATSMODELS_ADJUST.get(method, method)  # the statsmodels spelling → aeeval's
    check_choice("method", method, list(ADJUST_METHODS))
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError("p_values must be a flat list of numbers")
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        i = int(np.flatnonzero(ok & ((p < 0) | (p > 1)))[0])
        raise ValueError(f"p-values must lie between 0 and 1; got {float(p[i])!r} at position {i}")
    out = np.full(p.shape, np.nan)
    if ok.any():
        if method == "holm":
            out[ok] = holm_step_down(p[ok])
        else:
            out[ok] = multipletests(p[ok], method=ADJUST_METHODS[method])[1]
    return out


def holm_step_down(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values of finite p-values (no NaN), in the input order.

    Sorted ascending, the k-th smallest of m p-values is multiplied by m − k + 1; the running
    maximum keeps the adjusted values in the order of the raw ones, and they are capped at 1
    (Holm 1979; Wright 1992, "Adjusted p-values for simultaneous inference", Biometrics 48:1005).
    The same arithmetic as :func:`statsmodels.stats.multitest.multipletests` with
    ``method="holm"``, without its ``gc.collect()`` (a scan of every object in the process, ~50 ms
    in a report kernel). :func:`adjust_p` is the checked entry point (ranges, NaN).

    Parameters
    ----------
    p_values : array-like of float
        p-values in [0, 1], none missing.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values.

    Examples
    --------
    >>> holm_step_down([0.01, 0.04, 0.03, 0.005]).round(3).tolist()  # R: p.adjust(p, "holm")
    [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1))
    out = np.empty_like(stepped)
    out[order] = np.minimum(stepped, 1.0)
    return out


def compare_groups(
    data: pd.DataFrame,
    column: str,
    positive,
    *,
    by: str,
    exclude=(),
    groups=None,
    confidence: float = DEFAULT_CONFIDENCE,
    adjust=("holm", "benjamini_hochberg"),
    min_base: int | None = None,
) -> pd.DataFrame:
    """Each group against the rest of the data: difference in proportion, interval and tests.

    Counts come from :func:`aeeval.proportions`; each comparison from
    :func:`compare_proportions`; p-values are adjusted across the rows of the table
    (:func:`adjust_p`), giving one ``p_<method>`` column per adjustment.

    Parameters
    ----------
    data, column, positive, exclude
        As in :func:`aeeval.proportions`.
    by : str
        The grouping column (e.g. ``"cohort"``).
    groups : list, optional
        Groups to compare with the rest (default: every group).
    confidence : float
        Confidence level.
    adjust : iterable of str
        Adjustment methods (see :func:`adjust_p`).
    min_base : int, optional
        Suppress comparisons for a group (or a rest) whose base is below this, and a sibling
        comparison so that none can be recovered from the total (:func:`aeeval.suppress`).

    Returns
    -------
    pandas.DataFrame
        ``by``, then the columns of :func:`compare_proportions`, the adjusted p-values and
        ``suppressed``. Groups without answers are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": ["Yes"] * 30 + ["No"] * 10 + ["Yes"] * 15 + ["No"] * 25,
    ...                    "g": ["a"] * 40 + ["b"] * 40})
    >>> compare_groups(df, "q", "Yes", by="g")[["g", "difference", "p_holm"]].round(3)
       g  difference  p_holm
    0  a       0.375   0.001
    1  b      -0.375   0.001
    """
    from .disclosure import suppress
    from .proportions import proportions

    confidence = check_confidence(confidence)
    adjust = [adjust] if isinstance(adjust, str) else list(adjust)
    for m in adjust:
        check_choice("adjust", m, list(ADJUST_METHODS))
    table = proportions(data, column, positive, by=by, exclude=exclude)
    table = table[table["base"] > 0].reset_index(drop=True)
    if groups is not None:
        missing = [g for g in groups if g not in set(table[by])]
        if missing:
            raise ValueError(f"group(s) {missing} have no answers to '{column}' in column '{by}'")
    total_n, total_base = int(table["n"].sum()), int(table["base"].sum())
    rows = []
    for g, n, b in zip(table[by], table["n"], table["base"]):
        if groups is not None and g not in groups:
            continue
        if total_base - b == 0:
            continue
        row = compare_proportions(int(n), int(b), total_n - int(n), total_base - int(b), confidence)
        row.insert(0, by, g)
        rows.append(row)
    if not rows:
        out = pd.DataFrame(
            columns=[
                by,
                "n1",
                "base1",
                "estimate1",
                "n2",
                "base2",
                "estimate2",
                "difference",
                "ci_low",
                "ci_high",
                "p_value",
                "method",
                "test",
            ]
        )
    else:
        out = pd.concat(rows, ignore_index=True)
    for m in adjust:
        out[f"p_{m}"] = adjust_p(out["p_value"].to_numpy(dtype=float), m) if len(out) else []
    out["suppressed"] = False
    if min_base is not None and len(out):
        value_cols = [
            "n1",
            "estimate1",
            "n2",
            "estimate2",
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
            *[f"p_{m}" for m in adjust],
        ]
        small_rest = out["base2"].between(1, min_base - 1)
        out["suppressed"] = small_rest
        out = suppress(out, min_base, base="base1", columns=value_cols)
    out.attrs["confidence"] = confidence
    declare(out, rule="people", base=["base1", "base2"], keys=[by, "test"], min_base=min_base)
    return out
