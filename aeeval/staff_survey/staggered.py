"""Staggered-adoption estimators for the participation model: a thin layer over ``diff-diff``.

:func:`aeeval.participation_effect` builds the trust-year panel (exposure from dates, anticipation,
mergers, the trusts left out) and hands it here. This module turns that panel into what the
``diff-diff`` package (Gerber, MIT) expects, calls its Callaway–Sant'Anna, Sun–Abraham,
imputation (Borusyak–Jaravel–Spiess), Wooldridge extended TWFE (logit), Goodman-Bacon and HonestDiD
estimators, and returns tidy tables in percentage points. Nothing here re-derives an estimator;
what is computed here is (i) the outcome in percentage points and the trust's weight, (ii) the
sup-t critical value of a uniform band from an estimator's event-time covariance where the
estimator does not bootstrap one itself, and (iii) a joint Wald test of its pre-joining terms, referred to Hotelling's T² with the
joined trusts' degrees of freedom.
Differences from the reference R packages are in ``docs/staggered-deviations.md``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import AeevalError

__all__ = [
    "DESIGNS",
    "EstimatorError",
    "bacon",
    "estimate",
    "honest",
    "joined_per_term",
    "small_sample_wald",
    "sup_t_critical",
]

#: design name -> what it is, in words (for ``method``)
DESIGNS = {
    "callaway_santanna": "Callaway & Sant'Anna (2021) ATT(g,t), outcome regression, aggregated",
    "sun_abraham": "Sun & Abraham (2021) interaction-weighted event study",
    "imputation": "Borusyak, Jaravel & Spiess (2024) imputation estimator",
    "etwfe_logit": "Wooldridge (2023) extended TWFE, logit link (parallel trends in log-odds)",
}
CONTROL_GROUPS = ("not_yet_treated", "never_treated")


class EstimatorError(AeevalError, ValueError):
    """A staggered-adoption estimator cannot be computed on this panel (too few joined trusts,
    a cohort with no comparison trusts …); the message says how many there are and what is needed."""


def frame(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel in ``diff-diff``'s layout: ``y`` in percentage points, ``p`` a proportion,
    ``g`` the first exposed survey year (0 for comparison trusts) and ``w`` the trust's weight,
    its mean item base over the panel's years (the estimators need one weight per trust)."""
    pos = panel["positive"].astype(float).to_numpy()
    base = panel["base"].astype(float).to_numpy()
    d = pd.DataFrame(
        {
            "org_code": panel["org_code"].astype(str).to_numpy(),
            "year": panel["year"].astype(int).to_numpy(),
            "y": 100 * pos / base,
            "p": pos / base,
            "g": panel["first_exposed_year"].fillna(0).astype(int).to_numpy(),
        }
    )
    d["w"] = pd.Series(base).groupby(d["org_code"]).transform("mean").to_numpy()
    return d


def sup_t_critical(vcov, confidence: float, *, seed=None, draws: int = 20000) -> float:
    """Critical value of a sup-t (uniform) band from an estimate's covariance matrix.

    The ``confidence`` quantile of max_k |Z_k| / σ_k for Z ~ N(0, ``vcov``), by ``draws`` Monte
    Carlo draws (Montiel Olea & Plagborg-Møller 2019, eq. 3; the same construction R ``did``
    uses with its bootstrap draws in place of the normal ones). With one term it is the normal
    quantile.

    References
    ----------
    Montiel Olea JL, Plagborg-Møller M (2019). Simultaneous confidence bands: theory,
    implementation, and an application to SVARs. Journal of Applied Econometrics 34(1):1-17.

    Examples
    --------
    >>> import numpy as np
    >>> round(sup_t_critical(np.eye(1), 0.95, seed=1), 2)
    1.96
    >>> sup_t_critical(np.eye(5), 0.95, seed=1) > 2.5
    True
    """
    from scipy.stats import norm

    vcov = np.atleast_2d(np.asarray(vcov, dtype=float))
    if vcov.shape[0] == 1:
        return float(norm.ppf(0.5 + confidence / 2))
    sd = np.sqrt(np.diag(vcov))
    corr = vcov / np.outer(sd, sd)
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal(np.zeros(len(sd)), corr, size=draws, method="eigh")
    return float(np.quantile(np.abs(z).max(axis=1), confidence))


def _wald(b, v):
    b = np.asarray(b, dtype=float)
    return float(b @ np.linalg.pinv(np.asarray(v, dtype=float)) @ b)


def joined_per_term(d: pd.DataFrame, events, *, base: bool) -> list[int]:
    """How many joined trusts each pre-joining event-time term rests on: those observed at the
    term's survey (first exposed year + event time) and, with ``base`` (Callaway–Sant'Anna's
    universal base period), at the reference survey the year before the first exposed one."""
    joined = d[d["g"] > 0]
    seen = set(zip(joined["org_code"], joined["year"]))
    firsts = joined.groupby("org_code")["g"].first()
    return [
        int(
            sum(
                (code, g + int(e)) in seen and (not base or (code, g - 1) in seen)
                for code, g in firsts.items()
            )
        )
        for e in events
    ]


def small_sample_wald(stat: float, n_joined) -> tuple[float, float, float]:
    """The joint Wald statistic ``stat`` of k pre-joining terms referred to Hotelling's T²
    distribution: ``F = stat (ν − k + 1) / (k ν)`` against F(k, ν − k + 1), where ν is the
    harmonic mean over the terms of (joined trusts behind the term − 1).

    Each term's variance is estimated from its joined trusts (the comparison trusts are many
    more), so the covariance has about ν degrees of freedom, not the number of trusts; a χ²
    reference ignores that and rejected 9–19 % at a nominal 5 % with cohorts of 10–20 trusts,
    this reference 5.1–5.5 % (``benchmarks/validation/README.md``). Returns ``(F, ν − k + 1,
    p)``; NaN where ν ≤ k − 1 (fewer joined trusts than the test needs)."""
    from scipy.stats import f

    n = np.asarray(n_joined, dtype=float)
    k = len(n)
    if k == 0 or (n < 2).any():
        return np.nan, np.nan, np.nan
    nu = float(k / np.sum(1.0 / (n - 1)))
    df2 = nu - k + 1
    if df2 <= 0:
        return np.nan, np.nan, np.nan
    stat_f = stat * df2 / (k * nu)
    return float(stat_f), float(df2), float(f.sf(stat_f, k, df2))


def _check_treated(d: pd.DataFrame, design: str, control_group: str):
    """Enough joined trusts and comparison trusts for the estimator, else EstimatorError."""
    cohorts = d.loc[d["g"] > 0].groupby("g")["org_code"].nunique()
    n_treated = int(cohorts.sum())
    n_never = int(d.loc[d["g"] == 0, "org_code"].nunique())
    if n_treated < 2:
        raise EstimatorError(
            f"design='{design}' needs at least 2 joined trusts with surveys before and after "
            f"joining; there is {n_treated}"
        )
    if n_never < 2 and (control_group == "never_treated" or design in ("sun_abraham",)):
        raise EstimatorError(
            f"design='{design}' with control_group='{control_group}' compares joined trusts with "
            f"trusts that never joined: it needs at least 2, and there are {n_never}. Use "
            "control_group='not_yet_treated' or more comparison trusts"
        )
    return n_treated, cohorts


def _fit(design, d, *, control_group, confidence, seed, n_bootstrap):
    import diff_diff as dd

    alpha = 1 - confidence
    survey = dd.SurveyDesign(weights="w", psu="org_code")
    common = dict(outcome="y", unit="org_code", time="year", first_treat="g", survey_design=survey)
    if design == "callaway_santanna":
        est = dd.CallawaySantAnna(
            control_group=control_group,
            estimation_method="reg",
            alpha=alpha,
            n_bootstrap=n_bootstrap,
            seed=seed,
            base_period="universal",
            cband=n_bootstrap > 0,
        )
        return est.fit(d, **common)
    if design == "sun_abraham":
        est = dd.SunAbraham(control_group=control_group, alpha=alpha, cluster="org_code")
        return est.fit(d, **common)
    if design == "imputation":
        est = dd.ImputationDiD(alpha=alpha, cluster="org_code", pretrends=True)
        return est.fit(d, **common)
    est = dd.WooldridgeDiD(
        method="logit", control_group=control_group, alpha=alpha, cluster="org_code"
    )
    return est.fit(d, **(common | {"outcome": "p"}))


def _quiet():
    """diff-diff's notes that are expected here, not news to the user: the weights are rescaled to
    mean 1 (the estimates do not change), the reference event time has no standard error, and
    the logit solver's events-per-variable note (about propensity scores, which no design here
    fits)."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.filterwarnings("ignore", message=r"pweight weights normalized")
    warnings.filterwarnings("ignore", message=r".*non-finite or zero bootstrap SE")
    warnings.filterwarnings("ignore", message=r".*cluster= partition differs")
    # the ETWFE logit's solver speaks of a propensity score; its outcome is a fitted proportion
    warnings.filterwarnings("ignore", message=r"Low Events Per Variable")
    return ctx


def estimate(
    panel: pd.DataFrame,
    design: str,
    *,
    control_group: str = "not_yet_treated",
    confidence: float = 0.95,
    seed=None,
    n_bootstrap: int = 999,
):
    """Fit ``design`` on the participation panel; returns ``(table, pretrend, container)``.

    ``table``: one ``att`` row (the overall effect on joined trusts over their exposed surveys) and
    one row per event time (surveys since the first exposed one, ``event_time`` 0; the reference
    survey −1 has estimate 0 and no interval), in percentage points, with pointwise
    (``ci_low``/``ci_high``) and uniform (``band_low``/``band_high``) intervals. ``pretrend``: the
    estimator's own test that the pre-joining event-time terms are zero (dict). ``container``: the
    diff-diff event-study results (for :func:`honest`), or None.

    Examples
    --------
    See :func:`aeeval.participation_effect`.
    """
    from scipy.stats import norm

    if design not in DESIGNS:
        raise ValueError(f"design must be one of {', '.join(DESIGNS)}, not {design!r}")
    if control_group not in CONTROL_GROUPS:
        raise ValueError(
            f"control_group must be one of {', '.join(CONTROL_GROUPS)}, not {control_group!r}"
        )
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)):
        raise ValueError(f"n_bootstrap must be a whole number ≥ 0, not {n_bootstrap!r}")
    if n_bootstrap < 0 or 0 < n_bootstrap < 99:
        raise ValueError(
            f"n_bootstrap must be 0 (analytical standard errors) or at least 99, not {n_bootstrap}"
        )
    d = frame(panel)
    n_treated, cohorts = _check_treated(d, design, control_group)
    ctx = _quiet()
    try:
        res = _fit(
            design,
            d,
            control_group=control_group,
            confidence=confidence,
            seed=seed,
            n_bootstrap=n_bootstrap,
        )
        es = None
        if design in ("callaway_santanna", "imputation"):
            es = res.aggregate("event_study")
            events = es.to_dataframe().rename(columns={"att": "effect"})
            vcov, index = (None, None)
            if es.vcov is not None:
                vcov, index = np.asarray(es.vcov, dtype=float), list(es.vcov_index)
        elif design == "sun_abraham":
            events = res.to_dataframe().rename(columns={"relative_period": "event_time"})
            vcov = np.asarray(res.event_study_vcov, dtype=float)
            index = list(res.event_study_vcov_index)
        else:
            res.aggregate("event_study")
            events = pd.DataFrame(
                [
                    {
                        "event_time": e,
                        "effect": v["att"],
                        "se": v["se"],
                        "p_value": v["p_value"],
                        "conf_int_lower": v["conf_int"][0],
                        "conf_int_upper": v["conf_int"][1],
                    }
                    for e, v in sorted(res.event_study_effects.items())
                ]
            )
            vcov = index = None
        pre_row = _pretrend(design, res, events, vcov, index, d)
    except (np.linalg.LinAlgError, ValueError) as exc:
        if isinstance(exc, AeevalError):
            raise
        sizes = ", ".join(f"{int(g)}: {int(n)}" for g, n in cohorts.items())
        raise EstimatorError(
            f"design='{design}' cannot be estimated on this panel ({n_treated} joined trust(s) by "
            f"first exposed survey {sizes}; {d.loc[d['g'] == 0, 'org_code'].nunique()} never "
            f"joined; {d['year'].nunique()} survey years): {exc}. Each joining cohort needs "
            "comparison trusts observed in the same years; use more trusts, "
            "control_group='not_yet_treated' or another design"
        ) from None
    finally:
        ctx.__exit__(None, None, None)
    if "effect" not in events:
        events = events.rename(columns={"att": "effect"})
    events["event_time"] = events["event_time"].astype(int)
    if design == "sun_abraham" and -1 not in set(events["event_time"]):  # its reference survey
        events = pd.concat(
            [events, pd.DataFrame({"event_time": [-1], "effect": [0.0], "is_reference": [True]})]
        )
        events = events.sort_values("event_time", ignore_index=True)
        events["is_reference"] = events["is_reference"].fillna(False).astype(bool)
    is_ref = (
        events["is_reference"].astype(bool)
        if "is_reference" in events
        else pd.Series(False, index=events.index)
    )
    # a uniform band: diff-diff's bootstrap sup-t band where it gives one (Callaway-Sant'Anna);
    # else the sup-t critical value from the event-time covariance; Bonferroni without one
    est_rows = events[~is_ref]
    band_from = ""
    if "cband_lower" in events and events.loc[~is_ref, "cband_lower"].notna().all():
        band_low, band_high = events["cband_lower"], events["cband_upper"]
        band_from = "multiplier-bootstrap sup-t band (diff-diff)"
    else:
        if vcov is not None and index is not None:
            pos = [index.index(e) for e in est_rows["event_time"]]
            crit = sup_t_critical(vcov[np.ix_(pos, pos)], confidence, seed=seed)
            band_from = "sup-t band from the event-time covariance"
        else:
            crit = float(norm.ppf(1 - (1 - confidence) / (2 * max(len(est_rows), 1))))
            band_from = "Bonferroni band (no event-time covariance from the estimator)"
        band_low = events["effect"] - crit * events["se"]
        band_high = events["effect"] + crit * events["se"]
    scale = 100.0 if design == "etwfe_logit" else 1.0
    rows = [
        {
            "term": "att",
            "event_time": pd.NA,
            "estimate": scale * float(res.overall_att),
            "se": scale * float(res.overall_se),
            "ci_low": scale * float(res.overall_conf_int[0]),
            "ci_high": scale * float(res.overall_conf_int[1]),
            "band_low": np.nan,
            "band_high": np.nan,
            "p_value": float(res.overall_p_value),
            "reference": False,
        }
    ]
    for i, r in events.iterrows():
        ref = bool(is_ref[i])
        rows.append(
            {
                "term": "event_time",
                "event_time": int(r["event_time"]),
                "estimate": 0.0 if ref else scale * float(r["effect"]),
                "se": np.nan if ref else scale * float(r["se"]),
                "ci_low": np.nan if ref else scale * float(r["conf_int_lower"]),
                "ci_high": np.nan if ref else scale * float(r["conf_int_upper"]),
                "band_low": np.nan if ref else scale * float(band_low[i]),
                "band_high": np.nan if ref else scale * float(band_high[i]),
                "p_value": np.nan if ref else float(r["p_value"]),
                "reference": ref,
            }
        )
    table = pd.DataFrame(rows)
    if design == "etwfe_logit":
        table = _with_log_odds(table, d, confidence)
    table["event_time"] = table["event_time"].astype("Int64")
    # a bootstrap p-value is at least 1/(B + 1): at that floor it means p ≤ 1/(B + 1)
    bootstrapped = design == "callaway_santanna" and n_bootstrap > 0
    inference = (
        f"multiplier bootstrap ({n_bootstrap} draws, clustered by trust)"
        if bootstrapped
        else "analytical SE clustered by trust"
    )
    table.attrs["p_value_floor"] = 1 / (n_bootstrap + 1) if bootstrapped else 0.0
    table.attrs["method"] = (
        f"{DESIGNS[design]} (diff-diff); comparison: "
        + ("all untreated trust-years" if design == "imputation" else control_group)
        + f"; outcome 100·positive/base, trusts weighted by mean item base; {inference}; "
        + f"uniform band: {band_from}"
    )
    return table, pre_row, es if design == "callaway_santanna" else None


def _with_log_odds(table: pd.DataFrame, d: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """The extended TWFE effects on the log-odds scale, beside the percentage points.

    diff-diff reports the logit model's effects as differences of fitted proportions only, so
    the same model (Wooldridge 2023 eq. 3.5: a fractional logit of the proportion on cohort and
    year dummies and one indicator per exposed cohort × year cell, trusts weighted as for
    diff-diff) is fitted here with statsmodels, with the trust-clustered covariance. The overall
    log-odds effect is the cells' coefficients averaged by their number of trusts, as diff-diff
    averages the cells' percentage points; each event time's averages its cells the same way;
    intervals by the delta method (normal)."""
    import statsmodels.api as sm
    from scipy.stats import norm

    x = pd.get_dummies(d["g"], prefix="g", drop_first=True, dtype=float)
    x = x.join(pd.get_dummies(d["year"], prefix="y", drop_first=True, dtype=float))
    x.insert(0, "const", 1.0)
    exposed = d[(d["g"] > 0) & (d["year"] >= d["g"])]
    cells = exposed.groupby(["g", "year"]).size()
    for g, t in cells.index:
        x[f"cell_{g}_{t}"] = ((d["g"] == g) & (d["year"] == t)).astype(float).to_numpy()
    with warnings.catch_warnings():
        # statsmodels warns that cluster covariances are "not fully supported" with
        # var_weights; for this model its covariance equals the sandwich written out with the
        # weighted scores (tests/test_staggered.py), so the warning is not news to the user
        warnings.filterwarnings("ignore", message="cov_type not fully supported")
        fit = sm.GLM(d["p"], x, family=sm.families.Binomial(), var_weights=d["w"]).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(d["org_code"])[0]}
        )
    names = list(fit.params.index)
    cov = np.asarray(fit.cov_params(), dtype=float)
    z = float(norm.ppf(0.5 + confidence / 2))

    def average(keep) -> tuple[float, float, float]:
        a = np.zeros(len(names))
        for (g, t), n in cells[keep].items():
            a[names.index(f"cell_{g}_{t}")] = n
        a /= a.sum()
        b, se = float(a @ fit.params.to_numpy()), float(np.sqrt(a @ cov @ a))
        return b, b - z * se, b + z * se

    event = np.array([t - g for g, t in cells.index])
    out = table.copy()
    for c in ("log_odds", "log_odds_ci_low", "log_odds_ci_high"):
        out[c] = np.nan
    for i, r in out.iterrows():
        if r["term"] == "att":
            keep = np.ones(len(cells), dtype=bool)
        elif not r["reference"] and int(r["event_time"]) in set(event):
            keep = event == int(r["event_time"])
        else:
            continue
        out.loc[i, ["log_odds", "log_odds_ci_low", "log_odds_ci_high"]] = average(keep)
    return out


def _pretrend(design, res, events, vcov, index, d) -> dict:
    """The chosen estimator's own test that the pre-joining event-time terms are zero: its joint
    Wald statistic, referred to Hotelling's T² with the joined trusts' degrees of freedom
    (:func:`small_sample_wald`)."""
    small = (
        "; F reference with ν = harmonic mean of (joined trusts behind each term − 1), "
        "Hotelling's T² (a χ² reference over-rejects with cohorts of 10–20 trusts)"
    )
    none = {"test": "pretrend", "terms": "", "statistic": np.nan, "df": 0, "df_denom": np.nan}
    if design == "imputation":
        t = res.pretrend_test()
        leads = sorted(int(e) for e in (t.get("lead_coefficients") or {}))
        if not leads or not np.isfinite(t["f_stat"]):
            return none | {"p_value": np.nan, "method": "none: no pre-joining lead to test"}
        stat, df2, p = small_sample_wald(
            float(t["f_stat"]) * len(leads), joined_per_term(d, leads, base=False)
        )
        return {
            "test": "pretrend",
            "terms": ", ".join(f"lead_{-e}" for e in leads),
            "statistic": stat,
            "df": len(leads),
            "df_denom": df2,
            "p_value": p,
            "method": "Borusyak, Jaravel & Spiess (2024) eq. 9: leads added to the untreated-"
            "observation regression, joint Wald test, SE clustered by trust (diff-diff)" + small,
        }
    ref = events.get("is_reference", pd.Series(False, index=events.index)).astype(bool)
    pre = events[(events["event_time"] < 0) & ~ref]
    if design == "etwfe_logit" or vcov is None or pre.empty:
        return none | {
            "p_value": np.nan,
            "method": "none: "
            + (
                "the extended TWFE estimates no pre-joining terms against not-yet-joined trusts"
                if design == "etwfe_logit"
                else "no pre-joining event time to test"
            ),
        }
    pos = [index.index(e) for e in pre["event_time"]]
    terms = [int(e) for e in pre["event_time"]]
    stat, df2, p = small_sample_wald(
        _wald(pre["effect"].to_numpy(), vcov[np.ix_(pos, pos)]),
        joined_per_term(d, terms, base=design == "callaway_santanna"),
    )
    return {
        "test": "pretrend",
        "terms": ", ".join(f"event_time_{e}" for e in terms),
        "statistic": stat,
        "df": len(terms),
        "df_denom": df2,
        "p_value": p,
        "method": "joint Wald test of the pre-joining event-time effects = 0, covariance of "
        f"the {design} event study (influence function, clustered by trust)" + small,
    }


def bacon(panel: pd.DataFrame) -> pd.DataFrame:
    """Goodman-Bacon decomposition of the two-way fixed-effects estimate (diff-diff).

    Unweighted by base: ``diff-diff``'s ``BaconDecomposition`` takes survey weights, and they are
    passed (each trust's mean base) so that the decomposed estimate is the base-weighted TWFE.
    Returns one row per 2×2 comparison.
    """
    import diff_diff as dd

    d = frame(panel)
    ctx = _quiet()
    try:
        r = dd.BaconDecomposition().fit(
            d,
            outcome="y",
            unit="org_code",
            time="year",
            first_treat="g",
            survey_design=dd.SurveyDesign(weights="w"),
        )
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise EstimatorError(f"the Bacon decomposition cannot be computed: {exc}") from None
    finally:
        ctx.__exit__(None, None, None)
    out = r.to_dataframe()
    out.attrs["twfe_estimate"] = float(r.twfe_estimate)
    return out


def honest(container, *, m_values=(0.0, 0.5, 1.0, 1.5, 2.0), confidence=0.95) -> pd.DataFrame:
    """Rambachan–Roth relative-magnitude bounds on the average post-joining effect (diff-diff).

    One row per M̄: the identified set (``lower``, ``upper``) and the robust confidence interval
    (``ci_low``, ``ci_high``), in the container's units (percentage points).
    """
    import diff_diff as dd

    rows = []
    ctx = _quiet()
    try:
        for m in m_values:
            r = dd.HonestDiD(method="relative_magnitude", M=float(m), alpha=1 - confidence).fit(
                container
            )
            rows.append(
                {
                    "m_bar": float(m),
                    "lower": float(r.lb),
                    "upper": float(r.ub),
                    "ci_low": float(r.ci_lb),
                    "ci_high": float(r.ci_ub),
                }
            )
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise EstimatorError(f"HonestDiD bounds cannot be computed: {exc}") from None
    finally:
        ctx.__exit__(None, None, None)
    return pd.DataFrame(rows)
