"""Funnel plots: control limits for a proportion around a target, and units judged against them.

:func:`funnel_limits` is generic (any bases and target); :func:`funnel_flags` places each trust's
result of one year of a :func:`aeeval.read_staff_survey` table against them.
:func:`funnel_overdispersion` estimates Spiegelhalter's (2005) over-dispersion (multiplicative φ,
additive τ²) from the units' results, which both functions use to widen the limits.
:func:`aeeval.plots.plot_funnel` draws the result.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .compare import adjust_p
from .disclosure import declare
from .options import check_choice, check_confidence

__all__ = ["funnel_flags", "funnel_limits", "funnel_overdispersion"]

OVERDISPERSION = ["auto", "additive", "multiplicative", None]


def _check_p0(p0) -> float:
    if isinstance(p0, bool) or not np.isscalar(p0) or not 0 < float(p0) < 1:
        raise ValueError(f"p0 must be a proportion strictly between 0 and 1; got {p0!r}")
    return float(p0)


def _check_base(base) -> np.ndarray:
    n = np.atleast_1d(np.asarray(base, dtype=float))
    if (~np.isfinite(n) | (n < 1) | (n != np.round(n))).any():
        bad = n[~np.isfinite(n) | (n < 1) | (n != np.round(n))][0]
        raise ValueError(f"base must be whole numbers ≥ 1; got {bad!r}")
    return n


def funnel_overdispersion(positive, base, p0: float, *, winsorise: float = 0.1) -> dict:
    """Spiegelhalter's (2005) over-dispersion of unit proportions around a target.

    Each unit's z-score is zᵢ = (yᵢ − p0) / sᵢ with yᵢ = positiveᵢ / baseᵢ and
    sᵢ = √(p0(1 − p0) / baseᵢ). The z-scores are winsorised (those below the ``winsorise``
    quantile set to it, those above the 1 − ``winsorise`` quantile set to it; quantiles as
    :func:`numpy.quantile`'s default, R's type 7). Then

    - multiplicative: φ̂ = (1/I) Σ zᵢ² over the I winsorised z-scores;
    - test of over-dispersion: I·φ̂ against χ²(I − 1) (upper tail);
    - additive (DerSimonian–Laird moment estimator): τ̂² = (I·φ̂ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ),
      wᵢ = 1/sᵢ², and τ̂² = 0 when I·φ̂ ≤ I − 1.

    Parameters
    ----------
    positive : array-like
        Numerators (e.g. positive answers) of the units; for a proportion, ``proportion × base``.
    base : array-like
        Denominators, whole numbers ≥ 1, one per unit.
    p0 : float
        Target proportion strictly between 0 and 1.
    winsorise : float
        Share winsorised in each tail, in [0, 0.5) (default 10 %, as Spiegelhalter 2005 and the
        NHS-R FunnelPlotR package).

    Returns
    -------
    dict
        ``n_units``, ``winsorise``, ``phi``, ``tau2`` (proportion scale), ``tau_pp`` (τ in
        percentage points), ``statistic`` (I·φ̂), ``df`` (I − 1), ``p_value``.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24(8):1185-1202, section 6. Spiegelhalter DJ (2005). Handling over-dispersion of
    performance indicators. Quality and Safety in Health Care 14(5):347-351.
    DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical Trials
    7:177-188.

    Examples
    --------
    >>> from aeeval import funnel_overdispersion
    >>> od = funnel_overdispersion([50, 60, 40, 55, 45], [100] * 5, 0.5)
    >>> round(od["phi"], 3), od["df"]          # z = 0, 2, -2, 1, -1 winsorised to ±1.6
    (1.424, 4)
    """
    p0 = _check_p0(p0)
    n = _check_base(base)
    r = np.atleast_1d(np.asarray(positive, dtype=float))
    if r.shape != n.shape:
        raise ValueError(
            f"positive and base must have one value per unit; got {r.size} and {n.size}"
        )
    if (~np.isfinite(r) | (r < 0) | (r > n)).any():
        bad = r[~np.isfinite(r) | (r < 0) | (r > n)][0]
        raise ValueError(f"positive must be counts between 0 and the base; got {bad!r}")
    if isinstance(winsorise, bool) or not 0 <= float(winsorise) < 0.5:
        raise ValueError(f"winsorise must be a share in [0, 0.5); got {winsorise!r}")
    if n.size < 3:
        raise ValueError(f"over-dispersion needs the results of at least 3 units; got {n.size}")
    s = np.sqrt(p0 * (1 - p0) / n)
    z = (r / n - p0) / s
    lo, hi = np.quantile(z, [winsorise, 1 - winsorise])
    zw = np.clip(z, lo, hi)
    units = z.size
    phi = float(np.mean(zw**2))
    w = 1 / s**2
    excess = units * phi - (units - 1)
    tau2 = max(0.0, float(excess / (w.sum() - (w**2).sum() / w.sum())))
    return {
        "n_units": int(units),
        "winsorise": float(winsorise),
        "phi": phi,
        "tau2": tau2,
        "tau_pp": 100 * float(np.sqrt(tau2)),
        "statistic": units * phi,
        "df": int(units - 1),
        "p_value": float(stats.chi2.sf(units * phi, units - 1)),
    }


def _resolve_overdispersion(overdispersion, positive, base, p0, phi, tau2, alpha, winsorise):
    """The rule applied and its numbers: (rule, phi, tau2, estimate dict or None, reason)."""
    check_choice("overdispersion", overdispersion, OVERDISPERSION)
    if overdispersion is None:
        if phi is not None or tau2 is not None:
            raise ValueError("phi / tau2 were given with overdispersion=None; pass the rule too")
        return None, 1.0, 0.0, None, "none requested"
    if phi is not None and overdispersion != "multiplicative":
        raise ValueError(
            f"phi= is used only with overdispersion='multiplicative'; got {overdispersion!r}"
        )
    if tau2 is not None and overdispersion != "additive":
        raise ValueError(
            f"tau2= is used only with overdispersion='additive'; got {overdispersion!r}"
        )
    if overdispersion == "multiplicative" and phi is not None:
        if not np.isfinite(phi) or phi <= 0:
            raise ValueError(f"phi must be a positive number; got {phi!r}")
        return "multiplicative", float(phi), 0.0, None, "phi given"
    if overdispersion == "additive" and tau2 is not None:
        if not np.isfinite(tau2) or tau2 < 0:
            raise ValueError(f"tau2 must be a number ≥ 0; got {tau2!r}")
        return "additive", 1.0, float(tau2), None, "tau2 given"
    if positive is None:
        if overdispersion == "auto":
            return None, 1.0, 0.0, None, "no unit results (positive) to test over-dispersion"
        need = "phi" if overdispersion == "multiplicative" else "tau2"
        raise ValueError(
            f"overdispersion={overdispersion!r} needs the units' results (positive=, one per "
            f"base) to estimate it from, or {need}= directly"
        )
    if overdispersion == "auto" and np.size(positive) < 3:
        warnings.warn(
            f"over-dispersion not tested: {np.size(positive)} unit(s), at least 3 needed; "
            "binomial limits used",
            stacklevel=3,
        )
        return None, 1.0, 0.0, None, "fewer than 3 units, over-dispersion not tested"
    est = funnel_overdispersion(positive, base, p0, winsorise=winsorise)
    if overdispersion == "auto":
        if est["p_value"] < alpha:
            return "additive", 1.0, est["tau2"], est, f"default: the test rejects at {alpha:g}"
        return None, 1.0, 0.0, est, f"default: the test does not reject at {alpha:g}"
    if overdispersion == "multiplicative":
        return "multiplicative", est["phi"], 0.0, est, "requested"
    return "additive", 1.0, est["tau2"], est, "requested"


def _describe(rule, phi, tau2, est, reason) -> str:
    """The rule in words, for the ``method`` column, ``attrs["rule"]`` and the plot caption."""
    test = ""
    if est is not None:
        p = est["p_value"]
        shown = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        lead = "" if rule == "multiplicative" else f"φ = {est['phi']:.2f}, "
        test = (
            f"{lead}χ²({est['df']}) = {est['statistic']:.1f}, {shown}; "
            f"{100 * est['winsorise']:g}% winsorised z-scores; {reason}"
        )
    if rule is None:
        if not test and reason != "none requested":
            test = reason
        return "binomial limits" + (f" ({test})" if test else "")
    if rule == "multiplicative":
        text = f"multiplicative over-dispersion, φ = {phi:.2f}"
    else:
        text = f"additive over-dispersion, τ = {100 * np.sqrt(tau2):.2f} pp"
    return text + (f" ({test})" if test else f" ({reason})")


def funnel_limits(
    base,
    p0: float,
    *,
    confidence=(0.95, 0.998),
    method="normal",
    overdispersion="auto",
    positive=None,
    phi: float | None = None,
    tau2: float | None = None,
    alpha: float = 0.05,
    winsorise: float = 0.1,
) -> pd.DataFrame:
    """Funnel-plot control limits for a proportion around a target ``p0``.

    Usable for any unit-level proportion: pass the units' bases, and their numerators as
    ``positive`` (proportion × base) for the limits to allow for over-dispersion.

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
    overdispersion : {"auto", "additive", "multiplicative", None}
        Widen the limits for between-unit variation beyond binomial (Spiegelhalter 2005, section
        6; φ and τ² from :func:`funnel_overdispersion`, 10 % winsorised z-scores).
        ``"multiplicative"``: p0 + √φ·(binomial limit − p0). ``"additive"`` (random effects, as
        NHS Digital's SHMI): p0 + (binomial limit − p0)·√(s² + τ²)/s with s² = p0(1 − p0)/base,
        i.e. p0 ± z·√(s² + τ²) for ``method="normal"``. ``"auto"`` (default): additive when the
        χ² test of over-dispersion rejects at ``alpha``, else none; binomial when ``positive``
        is not given (nothing to test). ``None``: binomial limits.
    positive : array-like, optional
        The units' numerators, one per ``base``, from which φ / τ² are estimated.
    phi, tau2 : float, optional
        Use this φ (``"multiplicative"``) or τ² (``"additive"``, proportion scale) instead of
        estimating it (e.g. to draw the limits of :func:`funnel_flags` over a grid of bases).
    alpha : float
        Level of the χ² test for ``"auto"`` (default 0.05).
    winsorise : float
        Share of z-scores winsorised in each tail before estimating φ / τ² (default 0.1, as the
        paper and FunnelPlotR). Winsorising protects against outlying units but, where there
        are none, under-estimates τ by about a quarter (tests/test_funnel.py); ``0`` gives the
        plain DerSimonian–Laird estimate.

    Returns
    -------
    pandas.DataFrame
        One row per base and level: ``base``, ``confidence``, ``lower``, ``upper``, ``method``.
        ``attrs``: ``overdispersion`` (the rule applied, or None), ``phi``, ``tau2``, ``tau_pp``,
        ``statistic``, ``df``, ``p_value`` (the χ² test, when estimated), ``rule`` (in words).

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24(8):1185-1202, Appendix A.1.1 and section 6. Spiegelhalter DJ (2005). Handling
    over-dispersion of performance indicators. Quality and Safety in Health Care 14:347-351.

    Examples
    --------
    >>> from aeeval import funnel_limits
    >>> f = funnel_limits(100, 0.5, confidence=0.95)
    >>> round(float(f["lower"].iloc[0]), 4), round(float(f["upper"].iloc[0]), 4)   # 0.5 ± 1.96 × 0.05
    (0.402, 0.598)
    >>> g = funnel_limits(100, 0.5, confidence=0.95, overdispersion="additive", tau2=0.05**2)
    >>> round(float(g["upper"].iloc[0]), 4)     # 0.5 + 1.96 × √(0.05² + 0.05²)
    0.6386
    """
    check_choice("method", method, ["normal", "exact"])
    levels = [confidence] if np.ndim(confidence) == 0 else list(confidence)
    levels = [check_confidence(c) for c in levels]
    p0 = _check_p0(p0)
    n = _check_base(base)
    rule, phi, tau2, est, reason = _resolve_overdispersion(
        overdispersion, positive, n, p0, phi, tau2, alpha, winsorise
    )
    s2 = p0 * (1 - p0) / n
    widen = np.sqrt(phi) * np.sqrt((s2 + tau2) / s2)
    frames = []
    for c in levels:
        tail = (1 - c) / 2
        if method == "normal":
            z = stats.norm.ppf(1 - tail)
            half = z * np.sqrt(p0 * (1 - p0) / n)
            lower, upper = p0 - half, p0 + half
        else:
            lower, upper = (_exact_limit(n, p0, p) for p in (tail, 1 - tail))
        lower, upper = p0 + widen * (lower - p0), p0 + widen * (upper - p0)
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
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(_od_attrs(rule, phi, tau2, est, reason))
    return out


def _od_attrs(rule, phi, tau2, est, reason) -> dict:
    """φ and τ² as estimated (or as given, for the rule that uses them), the test, the rule."""
    keys = ("statistic", "df", "p_value", "n_units", "winsorise")
    if est is not None:
        phi_out, tau2_out = est["phi"], est["tau2"]
    else:
        phi_out = phi if rule == "multiplicative" else None
        tau2_out = tau2 if rule == "additive" else None
    return {
        "overdispersion": rule,
        "phi": phi_out,
        "tau2": tau2_out,
        "tau_pp": None if tau2_out is None else 100 * float(np.sqrt(tau2_out)),
        **{k: (est[k] if est is not None else None) for k in keys},
        "rule": _describe(rule, phi, tau2, est, reason),
    }


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
    overdispersion="auto",
    alpha: float = 0.05,
    fdr: float | None = None,
    winsorise: float = 0.1,
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
    overdispersion : {"auto", "additive", "multiplicative", None}
        As in :func:`funnel_limits`, φ / τ² estimated from the trusts judged (``results``, that
        year, around ``p0``). Default ``"auto"``: additive when the χ² test of over-dispersion
        rejects at ``alpha``, else binomial limits.
    alpha, winsorise
        As in :func:`funnel_limits` (test level 0.05; 10 % winsorised in each tail).
    fdr : float, optional
        Also judge the trusts by a false-discovery-rate rule (Jones, Ohlssen & Spiegelhalter
        2008): Benjamini–Hochberg q-values (:func:`aeeval.adjust_p`) of the two-sided p-values of
        the (over-dispersion-adjusted) z-scores; trusts with q < ``fdr`` are flagged.

    Returns
    -------
    pandas.DataFrame
        ``org_code``, ``benchmark_group``, ``year``, ``series``, ``positive``, ``base``,
        ``estimate``, ``p0``, ``lower`` / ``upper`` at the outermost level, ``flag``
        (``"within"``, ``"above 95%"``, ``"below 99.8%"``, … — the widest limit crossed), ``z``
        (the adjusted z-score, (estimate − p0) / √(φ·s² + τ²), s² = p0(1 − p0)/base),
        ``p_value`` (two-sided), ``method``; with ``fdr``, also ``q_value`` and ``fdr_flag``
        (``"within"``, ``"above"``, ``"below"``). ``attrs`` as :func:`funnel_limits`'s (the rule,
        φ, τ, the χ² test) plus ``p0``, ``confidence``, ``method``, ``year``, ``series``,
        ``n_suppressed``, ``fdr``.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24(8):1185-1202. Jones HE, Ohlssen DI, Spiegelhalter DJ (2008). Use of the false
    discovery rate when comparing multiple health care providers. Journal of Clinical
    Epidemiology 61(3):232-240.

    Examples
    --------
    >>> import aeeval as ae
    >>> f = ae.funnel_flags(ae.read_staff_survey(), year=2020)
    >>> sorted(set(f["flag"]))[:1]
    ['above 95%']
    >>> f.attrs["overdispersion"] in ("additive", None)
    True
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
    if fdr is not None and (isinstance(fdr, bool) or not 0 < float(fdr) < 1):
        raise ValueError(f"fdr must be a q-value threshold strictly between 0 and 1; got {fdr!r}")
    levels = sorted([confidence] if np.ndim(confidence) == 0 else list(confidence))
    positive, base = used["positive"].to_numpy(float), used["base"].to_numpy(float)
    rule, phi, tau2, est, reason = _resolve_overdispersion(
        overdispersion, positive, base, p0, None, None, alpha, winsorise
    )
    given = {"phi": phi} if rule == "multiplicative" else {"tau2": tau2} if rule else {}
    out = used[
        ["org_code", "benchmark_group", "year", "series", "positive", "base", "estimate"]
    ].copy()
    out["p0"] = p0
    flag = pd.Series("within", index=out.index, dtype="str")
    for c in levels:
        lim = funnel_limits(
            out["base"].to_numpy(), p0, confidence=c, method=method, overdispersion=rule, **given
        )
        label = f"{100 * c:g}%"
        flag = flag.mask(out["estimate"].to_numpy() > lim["upper"].to_numpy(), f"above {label}")
        flag = flag.mask(out["estimate"].to_numpy() < lim["lower"].to_numpy(), f"below {label}")
        out["lower"], out["upper"] = lim["lower"].to_numpy(), lim["upper"].to_numpy()
    out["flag"] = flag
    out["z"] = (out["estimate"] - p0) / np.sqrt(phi * p0 * (1 - p0) / out["base"] + tau2)
    out["p_value"] = 2 * stats.norm.sf(np.abs(out["z"]))
    if fdr is not None:
        out["q_value"] = adjust_p(out["p_value"].to_numpy(), "benjamini_hochberg")
        out["fdr_flag"] = np.where(
            out["q_value"] < fdr, np.where(out["z"] > 0, "above", "below"), "within"
        )
    od = _od_attrs(rule, phi, tau2, est, reason)
    out["method"] = f"funnel limits ({method}) around p0 = {p0:.4f}; {od['rule']}"
    if outside_only:
        out = out[out["flag"] != "within"].reset_index(drop=True)
    out.attrs.update(
        **od,
        fdr=fdr,
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
