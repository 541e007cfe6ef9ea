"""Staggered-adoption designs of participation_effect (issue 16 items 1 and 8).

Each estimator (wrapped from diff-diff) is checked against an independent computation on a small
panel, written out here from the estimator's paper: Callaway & Sant'Anna's ATT(g,t) as 2×2
differences of weighted cohort means, the imputation estimator as a weighted OLS on untreated
trust-years, Sun & Abraham as the saturated cohort × event-time regression, the TWFE percentage
points as Puhani's (2012) effect on the treated from a statsmodels GLM, the Bacon decomposition
against a statsmodels weighted TWFE regression, and HonestDiD at M̄ = 0 against the average
post-joining effect. A small fast version of benchmarks/validation/ ends the file.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.staff_survey import EstimatorError

YEARS = range(2015, 2020)


def small_panel(seed, *, n_never=20, cohorts=((2016, 10), (2017, 10)), effect=None):
    """Trusts × 2015-2019 counts (bases 200-2000); joiners by start_year, first exposed the year
    after (the year rule); ``effect(first_exposed, year)`` in percentage points."""
    rng = np.random.default_rng(seed)
    effect = effect or (lambda g, t: 2.0 + 1.0 * (t - g))
    starts = [y for y, n in cohorts for _ in range(n)] + [None] * n_never
    year_fx = dict(zip(YEARS, rng.normal(0, 1.5, 5)))
    rows, register = [], []
    for i, s in enumerate(starts):
        code = f"R{i:03d}"
        level = rng.normal(60, 6)
        if s is not None:
            register.append({"org_code": code, "start_year": s})
        size = rng.integers(200, 2001)
        for y in YEARS:
            tau = effect(s + 1, y) if s is not None and y >= s + 1 else 0.0
            p = np.clip(level + year_fx[y] + tau + rng.normal(0, 1.5), 1, 99) / 100
            base = int(size * rng.uniform(0.9, 1.1))
            pos = int(rng.binomial(base, p))
            rows.append(
                dict(
                    org_code=code,
                    year=y,
                    series="q22c",
                    item="q22c",
                    positive=pos,
                    base=base,
                    estimate=pos / base,
                    suppressed=False,
                    benchmark_group=None,
                )
            )
    return pd.DataFrame(rows).astype({"positive": "Int64"}), pd.DataFrame(register)


def wide(results, register):
    """Outcome in percentage points by trust × year, each trust's first exposed year (0: never)
    and its weight, the mean base (the unit weight aeeval gives the estimators)."""
    y = (100 * results["positive"].astype(float) / results["base"]).set_axis(results.index)
    table = results.assign(y=y).pivot(index="org_code", columns="year", values="y")
    w = results.groupby("org_code")["base"].mean()
    g = pd.Series(0, index=table.index)
    for c, s in zip(register["org_code"], register["start_year"]):
        g[c] = s + 1
    return table, g, w


def hand_att_gt(table, g, w, cohort, t, control):
    """Callaway & Sant'Anna (2021) eq. 2.6 and 2.7, no covariates, base period cohort − 1:
    weighted mean of Y_t − Y_{g−1} over the cohort minus the same over the comparison trusts
    (never joined, or not joined by t: first exposed after t)."""
    diff = table[t] - table[cohort - 1]
    treated = g == cohort
    comp = (g == 0) | ((g > t) & (g != cohort)) if control == "not_yet_treated" else (g == 0)
    return np.average(diff[treated], weights=w[treated]) - np.average(diff[comp], weights=w[comp])


@pytest.mark.parametrize("control", ["not_yet_treated", "never_treated"])
def test_callaway_santanna_against_hand_2x2_did(control):
    results, register = small_panel(1)
    fx = ae.participation_effect(results, register, control_group=control, n_bootstrap=0)
    table, g, w = wide(results, register)
    cells = {}
    for cohort in (2017, 2018):
        for t in range(cohort, 2020):
            cells[cohort, t] = hand_att_gt(table, g, w, cohort, t, control)
    size = {c: w[g == c].sum() for c in (2017, 2018)}
    # "simple" aggregation (did::aggte type="simple"): post cells weighted by cohort size
    overall = sum(size[c] * v for (c, _), v in cells.items()) / sum(size[c] for c, _ in cells)
    assert fx.iloc[0]["estimate"] == pytest.approx(overall, abs=1e-8)
    # event time e: cohorts with g + e in the panel, weighted by size (aggte type="dynamic")
    es = fx[fx["term"] == "event_time"].set_index("event_time")
    for e in (0, 1):
        got = [(size[c], cells[c, c + e]) for c in (2017, 2018) if c + e <= 2019]
        expect = sum(s * v for s, v in got) / sum(s for s, _ in got)
        assert es.loc[e, "estimate"] == pytest.approx(expect, abs=1e-8)
    assert es.loc[2, "estimate"] == pytest.approx(cells[2017, 2019], abs=1e-8)
    assert es.loc[-1, "estimate"] == 0 and es.loc[-1, "reference"]
    # the uniform band is wider than the pointwise interval on every event time
    est = es[~es["reference"]]
    assert ((est["band_low"] < est["ci_low"]) & (est["band_high"] > est["ci_high"])).all()
    assert fx.attrs["pretrend"]["df"] == len(es[es.index < -1])


def test_imputation_against_weighted_ols_on_untreated_trust_years():
    import statsmodels.api as sm

    results, register = small_panel(2)
    fx = ae.participation_effect(results, register, design="imputation")
    table, g, w = wide(results, register)
    long = table.stack().rename("y").reset_index()
    long["g"] = long["org_code"].map(g)
    long["w"] = long["org_code"].map(w)
    treated = (long["g"] > 0) & (long["year"] >= long["g"])
    # Borusyak, Jaravel & Spiess (2024) Theorem 1, steps 1-3: trust + year effects fitted on
    # the untreated trust-years (weighted), Y(0) imputed for treated ones, τ averaged with weights
    x = pd.get_dummies(long[["org_code"]].astype(str), drop_first=False, dtype=float)
    x = x.join(pd.get_dummies(long["year"], prefix="y", drop_first=True, dtype=float))
    fit = sm.WLS(long.loc[~treated, "y"], x[~treated], weights=long.loc[~treated, "w"]).fit()
    tau = long.loc[treated, "y"] - fit.predict(x[treated])
    overall = np.average(tau, weights=long.loc[treated, "w"])
    assert fx.iloc[0]["estimate"] == pytest.approx(overall, abs=1e-6)
    e0 = (long["year"] - long["g"] == 0) & treated
    es = fx[fx["term"] == "event_time"].set_index("event_time")
    expect = np.average(tau[e0[treated].to_numpy()], weights=long.loc[e0, "w"])
    assert es.loc[0, "estimate"] == pytest.approx(expect, abs=1e-6)
    assert "Borusyak" in fx.attrs["pretrend"]["method"]


def test_sun_abraham_against_saturated_interaction_regression():
    import statsmodels.api as sm

    results, register = small_panel(3)
    fx = ae.participation_effect(
        results, register, design="sun_abraham", control_group="never_treated"
    )
    table, g, w = wide(results, register)
    long = table.stack().rename("y").reset_index()
    long["g"] = long["org_code"].map(g)
    long["w"] = long["org_code"].map(w)
    # Sun & Abraham (2021) eq. 28: trust + year effects and cohort × event-time indicators for
    # every event time but −1, never-joined trusts the comparison; eq. 30: the event-time effect
    # is the cohort-share weighted average of the cohort effects
    x = pd.get_dummies(long[["org_code"]].astype(str), drop_first=False, dtype=float)
    x = x.join(pd.get_dummies(long["year"], prefix="y", drop_first=True, dtype=float))
    rel = long["year"] - long["g"]
    names = []
    for c in (2017, 2018):
        for e in sorted(set(rel[long["g"] == c]) - {-1}):
            name = f"c{c}_e{e}"
            x[name] = ((long["g"] == c) & (rel == e)).astype(float)
            names.append((c, e, name))
    fit = sm.WLS(long["y"], x, weights=long["w"]).fit()
    size = {c: w[g == c].sum() for c in (2017, 2018)}
    es = fx[fx["term"] == "event_time"].set_index("event_time")
    for e in (-3, 0, 1, 2):
        got = [(size[c], fit.params[n]) for c, k, n in names if k == e]
        expect = sum(s * v for s, v in got) / sum(s for s, _ in got)
        assert es.loc[e, "estimate"] == pytest.approx(expect, abs=1e-6), e


def test_twfe_percentage_points_are_the_effect_on_the_treated_of_the_glm():
    import statsmodels.api as sm
    from scipy.special import expit

    results, register = small_panel(4)
    fx = ae.participation_effect(results, register, design="twfe").iloc[0]
    table, g, _ = wide(results, register)
    data = results.assign(g=results["org_code"].map(g))
    data["exposed"] = ((data["g"] > 0) & (data["year"] >= data["g"])).astype(float)
    x = pd.get_dummies(data[["org_code"]], drop_first=True, dtype=float)
    x = sm.add_constant(x.join(pd.get_dummies(data["year"], prefix="y", drop_first=True)))
    x = x.astype(float).assign(exposed=data["exposed"])
    pos = data["positive"].astype(float)
    fit = sm.GLM(np.column_stack([pos, data["base"] - pos]), x, family=sm.families.Binomial())
    b = fit.fit().params
    eta = x @ b
    s = data["exposed"] == 1
    # Puhani (2012) eq. 7: E[expit(η) − expit(η − β) | treated, exposed], weighted by base
    ame = 100 * np.average(expit(eta[s]) - expit(eta[s] - b["exposed"]), weights=data["base"][s])
    assert fx["estimate"] == pytest.approx(ame, abs=1e-6)
    assert fx["log_odds"] == pytest.approx(b["exposed"], abs=1e-7)
    assert "biased" in fx["method"]


def test_etwfe_logit_against_pooled_fractional_logit():
    import statsmodels.api as sm
    from scipy.special import expit

    results, register = small_panel(9)
    fx = ae.participation_effect(results, register, design="etwfe_logit")
    table, g, w = wide(results, register)
    long = (table / 100).stack().rename("p").reset_index()
    long["g"] = long["org_code"].map(g)
    long["w"] = long["org_code"].map(w)
    # Wooldridge (2023) eq. 3.5 and section 4: pooled (fractional) logit on cohort dummies, year
    # dummies and cohort × year indicators for every treated cell (t ≥ g); not-yet-joined
    # trust-years are the comparison. ATT(g,t) = mean over the cohort in t of
    # expit(η) − expit(η − δ_gt); the overall effect averages the cells by their size
    x = pd.get_dummies(long["g"], prefix="g", drop_first=True, dtype=float)
    x = sm.add_constant(x.join(pd.get_dummies(long["year"], prefix="y", drop_first=True)))
    x = x.astype(float)
    cells = [(c, t) for c in (2017, 2018) for t in range(c, 2020)]
    for c, t in cells:
        x[f"d{c}_{t}"] = ((long["g"] == c) & (long["year"] == t)).astype(float)
    fit = sm.GLM(long["p"], x, family=sm.families.Binomial(), var_weights=long["w"]).fit()
    eta = x @ fit.params
    att, size = [], []
    for c, t in cells:
        s = (long["g"] == c) & (long["year"] == t)
        d = fit.params[f"d{c}_{t}"]
        att.append(np.average(expit(eta[s]) - expit(eta[s] - d), weights=long.loc[s, "w"]))
        size.append(s.sum())
    overall = 100 * np.average(att, weights=size)
    assert fx.iloc[0]["estimate"] == pytest.approx(overall, abs=1e-4)
    # the log-odds scale: the cells' δ_gt averaged by their size, delta-method interval with the
    # trust-clustered sandwich written out (bread (X'WVX)⁻¹, meat Σ_trust s s', CR1 factor)
    delta = np.array([fit.params[f"d{c}_{t}"] for c, t in cells])
    a = np.asarray(size, dtype=float) / np.sum(size)
    xs, mu, wt = x.to_numpy(), fit.fittedvalues.to_numpy(), long["w"].to_numpy()
    bread = np.linalg.inv(xs.T @ (xs * (wt * mu * (1 - mu))[:, None]))
    score = pd.DataFrame(xs * (wt * (long["p"].to_numpy() - mu))[:, None])
    per_trust = score.groupby(long["org_code"].to_numpy()).sum().to_numpy()
    n_g, n, k = len(per_trust), len(xs), xs.shape[1]
    cov = bread @ (per_trust.T @ per_trust) @ bread * n_g / (n_g - 1) * (n - 1) / (n - k)
    pos = [list(x.columns).index(f"d{c}_{t}") for c, t in cells]
    se = float(np.sqrt(a @ cov[np.ix_(pos, pos)] @ a))
    assert fx.iloc[0]["log_odds"] == pytest.approx(a @ delta, abs=1e-6)
    assert fx.iloc[0]["log_odds_ci_high"] - fx.iloc[0]["log_odds"] == pytest.approx(
        1.959964 * se, rel=1e-4
    )
    # event time 0: the cells (2017, 2017) and (2018, 2018), averaged by their size
    e0 = fx[(fx["term"] == "event_time") & (fx["event_time"] == 0)].iloc[0]
    assert e0["log_odds"] == pytest.approx(
        np.average(delta[[0, 3]], weights=[size[0], size[3]]), abs=1e-6
    )


def test_bacon_decomposition_adds_up_to_weighted_twfe_regression():
    import statsmodels.api as sm

    results, register = small_panel(5)
    bd = ae.bacon_decomposition(results, register)
    table, g, w = wide(results, register)
    long = table.stack().rename("y").reset_index()
    long["d"] = ((long["org_code"].map(g) > 0) & (long["year"] >= long["org_code"].map(g))) * 1.0
    x = pd.get_dummies(long[["org_code"]].astype(str), drop_first=False, dtype=float)
    x = x.join(pd.get_dummies(long["year"], prefix="y", drop_first=True, dtype=float))
    fit = sm.WLS(long["y"], x.assign(d=long["d"]), weights=long["org_code"].map(w)).fit()
    # Goodman-Bacon (2021) Theorem 1: the TWFE coefficient is the weighted sum of the 2×2s
    assert bd["weight"].sum() == pytest.approx(1)
    assert float((bd["weight"] * bd["estimate"]).sum()) == pytest.approx(fit.params["d"], abs=1e-6)
    assert set(bd["comparison_type"]) >= {"treated_vs_never", "later_vs_earlier"}


def test_honest_bounds_at_zero_is_the_average_post_effect():
    results, register = small_panel(6)
    fx = ae.participation_effect(results, register)
    hb = ae.honest_bounds(fx, m_bar=[0, 1])
    post = fx[(fx["term"] == "event_time") & (fx["event_time"] >= 0)]["estimate"]
    # Rambachan & Roth (2023): with M̄ = 0 the identified set is the point estimate of the target
    # (here the equal-weighted average of the post-joining event-time effects)
    assert hb.iloc[0]["lower"] == pytest.approx(post.mean(), abs=1e-6)
    assert hb.iloc[0]["upper"] == pytest.approx(post.mean(), abs=1e-6)
    assert (
        hb.iloc[1]["ci_high"] - hb.iloc[1]["ci_low"] > hb.iloc[0]["ci_high"] - hb.iloc[0]["ci_low"]
    )
    with pytest.raises(EstimatorError, match="callaway_santanna"):
        ae.honest_bounds(ae.participation_effect(results, register, design="twfe"))


def test_too_few_trusts_for_an_estimator_is_a_clear_error():
    results, register = small_panel(7, n_never=1, cohorts=((2016, 3), (2017, 3)))
    for design in ("sun_abraham", "callaway_santanna"):
        with pytest.raises(EstimatorError, match=r"at least 2, and there are 1") as info:
            ae.participation_effect(results, register, design=design, control_group="never_treated")
        assert isinstance(info.value, ae.AeevalError)
    with pytest.raises(ValueError, match="control_group"):
        ae.participation_effect(results, register, control_group="later")
    for bad in (-1, 10, 2.5):
        with pytest.raises(ValueError, match="n_bootstrap"):
            ae.participation_effect(results, register, n_bootstrap=bad)
    with pytest.raises(EstimatorError, match=r"only 1 register trust\(s\).*at least 2"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ae.participation_effect(results, register.iloc[:1])


def test_seed_makes_the_bootstrap_reproducible():
    results, register = small_panel(8)
    a = ae.participation_effect(results, register, seed=3)
    b = ae.participation_effect(results, register, seed=3)
    c = ae.participation_effect(results, register, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["band_low"].dropna(), c["band_low"].dropna())


def test_fast_validation_default_unbiased_where_twfe_is_not():
    # small version of benchmarks/validation/run.py (scenario "both": effects growing with
    # exposure and differing by cohort): 12 panels of 250 trusts for the default, 4 for TWFE
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "validation"))
    from simulate import panel

    rng = np.random.default_rng(2026)
    rows = []
    for r in range(12):
        results, register, truth = panel(rng, "both")
        for design in ("callaway_santanna", "twfe") if r < 4 else ("callaway_santanna",):
            fx = ae.participation_effect(results, register, design=design, n_bootstrap=199, seed=r)
            att = fx.iloc[0]
            covered = att["ci_low"] <= truth <= att["ci_high"]
            rows.append((design, att["estimate"] / truth - 1, covered))
    df = pd.DataFrame(rows, columns=["design", "bias", "covered"]).groupby("design").mean()
    # 12 panels: the mean's sd is about 12 % / √12 = 3.5 % of the truth (RMSE in the README)
    assert abs(df.loc["callaway_santanna", "bias"]) < 0.08
    assert df.loc["callaway_santanna", "covered"] >= 9 / 12
    assert df.loc["twfe", "bias"] < -0.15  # README: about −28 % in this scenario


def test_small_sample_pretrend_reference_is_hotellings_t2():
    # With every term resting on the same n joined trusts, the Wald statistic of a mean vector
    # with covariance S/n is Hotelling's one-sample T², and the reference is its exact F
    # (Hotelling 1931): statsmodels' test_mvmean is the independent computation.
    from statsmodels.stats.multivariate import test_mvmean

    from aeeval.staff_survey.staggered import small_sample_wald

    rng = np.random.default_rng(5)
    x = rng.normal(0.2, 1.0, size=(23, 3))
    n = len(x)
    b, v = x.mean(axis=0), np.cov(x.T) / n
    wald = float(b @ np.linalg.solve(v, b))
    stat, df2, p = small_sample_wald(wald, [n] * 3)
    ref = test_mvmean(x, mean_null=np.zeros(3))
    assert ref.t2 == pytest.approx(wald, rel=1e-10)
    assert stat == pytest.approx(ref.statistic, rel=1e-10) and (3, df2) == tuple(ref.df)
    assert p == pytest.approx(ref.pvalue, rel=1e-10)
    # fewer joined trusts than the test needs: no p-value rather than a wrong one
    assert np.isnan(small_sample_wald(wald, [3, 3, 3])[2])


def test_pretrend_terms_count_the_joined_trusts_behind_them():
    from aeeval.staff_survey.staggered import frame, joined_per_term

    # 2015-2019, cohorts first exposed 2017 and 2018 (10 trusts each), 20 never joined
    results, register = small_panel(4)
    fx = ae.participation_effect(results, register)
    pre = fx.attrs["pretrend"]
    assert pre["terms"] == "event_time_-3, event_time_-2"
    # event time −2 (base −1): both cohorts; −3: only the 2018 cohort (2015 vs 2017)
    d = frame(
        results.assign(
            first_exposed_year=results["org_code"].map(
                dict(zip(register["org_code"], register["start_year"] + 1))
            )
        )
    )
    assert joined_per_term(d, [-3, -2], base=True) == [10, 20]
    nu = 2 / (1 / 9 + 1 / 19)
    assert pre["df_denom"] == pytest.approx(nu - 1)
    assert 0 <= pre["p_value"] <= 1
