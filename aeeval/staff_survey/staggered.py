"""Staggered-adoption estimators for the participation model: a thin layer over ``diff-diff``.

:func:`aeeval.participation_effect` builds the trust-year panel (exposure from dates, anticipation,
mergers, the trusts left out) and hands it here. This module turns that panel into what the
``diff-diff`` package (Gerber, MIT) expects, calls its Callaway–Sant'Anna, Sun–Abraham,
imputation (Borusyak–Jaravel–Spiess), Wooldridge extended TWFE (logit), Goodman-Bacon and HonestDiD
estimators, and returns tidy tables in percentage points. Nothing here re-derives an estimator;
what is computed here is (i) the outcome in percentage points and the trust's weight, (ii) the
sup-t critical value of a uniform band from an estimator's event-time covariance where the
estimator does not bootstrap one itself, and (iii) a joint Wald test of its pre-joining terms.
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
    from scipy.stats import chi2

    b = np.asarray(b, dtype=float)
    stat = float(b @ np.linalg.pinv(np.asarray(v, dtype=float)) @ b)
    return stat, float(chi2.sf(stat, len(b)))


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
        pre_row = _pretrend(design, res, events, vcov, index)
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
    table["event_time"] = table["event_time"].astype("Int64")
    inference = (
        f"multiplier bootstrap ({n_bootstrap} draws, clustered by trust)"
        if design == "callaway_santanna" and n_bootstrap > 0
        else "analytical SE clustered by trust"
    )
    table.attrs["method"] = (
        f"{DESIGNS[design]} (diff-diff); comparison: "
        + ("all untreated trust-years" if design == "imputation" else control_group)
        + f"; outcome 100·positive/base, trusts weighted by mean item base; {inference}; "
        + f"uniform band: {band_from}"
    )
    return table, pre_row, es if design == "callaway_santanna" else None


def _pretrend(design, res, events, vcov, index) -> dict:
    """The chosen estimator's own test that the pre-joining event-time terms are zero."""
    if design == "imputation":
        t = res.pretrend_test()
        return {
            "test": "pretrend",
            "terms": ", ".join(f"lead_{k}" for k in range(1, int(t["n_leads"]) + 1)),
            "statistic": float(t["f_stat"]),
            "df": int(t["df"]) if np.ndim(t["df"]) == 0 else int(t["n_leads"]),
            "p_value": float(t["p_value"]),
            "method": "Borusyak, Jaravel & Spiess (2024) eq. 9: leads added to the untreated-"
            "observation regression, joint Wald F test, SE clustered by trust (diff-diff)",
        }
    ref = events.get("is_reference", pd.Series(False, index=events.index)).astype(bool)
    pre = events[(events["event_time"] < 0) & ~ref]
    if design == "etwfe_logit" or vcov is None or pre.empty:
        return {
            "test": "pretrend",
            "terms": "",
            "statistic": np.nan,
            "df": 0,
            "p_value": np.nan,
            "method": "none: "
            + (
                "the extended TWFE estimates no pre-joining terms against not-yet-joined trusts"
                if design == "etwfe_logit"
                else "no pre-joining event time to test"
            ),
        }
    pos = [index.index(e) for e in pre["event_time"]]
    stat, p = _wald(pre["effect"].to_numpy(), vcov[np.ix_(pos, pos)])
    return {
        "test": "pretrend",
        "terms": ", ".join(f"event_time_{int(e)}" for e in pre["event_time"]),
        "statistic": stat,
        "df": int(len(pos)),
        "p_value": p,
        "method": "joint Wald χ² test of the pre-joining event-time effects = 0, covariance of "
        f"the {design} event study (influence function, clustered by trust)",
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
