"""proportions(..., cluster=) and cluster_variance against R survey's published output.

tests/data/survey_api.db is the SQLite file R's survey package ships (survey 4.5,
inst/api.db, github.com/cran/survey at 4834b8b): the California API school samples of the
package's examples. ``apiclus1`` is a one-stage cluster sample of 15 of the 757 school districts
(``dnum``), every school of a sampled district, weight ``pw``, population ``fpc`` = 757.

aeeval has no finite population correction (organisations are drawn with replacement), so a
published standard error of ``svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)`` is
aeeval's times ``sqrt(1 - 15/757)``: with one stage, survey multiplies the with-replacement
variance by ``(N - n)/N`` (R/multistage.R, ``onestrat``: ``f <- (fpc - nPSU)/fpc``).
"""

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import aeeval as ae
from aeeval.disclosure import apply_rule, declaration

API_DB = Path(__file__).parent / "data" / "survey_api.db"
FPC = np.sqrt(1 - 15 / 757)


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    with sqlite3.connect(API_DB) as con:
        return pd.read_sql("SELECT * FROM apiclus1", con)


# --- published R survey output -----------------------------------------------------------------

# survey vignette "A survey analysis example" (inst/doc/survey.Rnw, survey.pdf p. 3):
# svymean(make.formula(vars), dclus1, na.rm=TRUE) — na.rm drops the 26 schools missing avg.ed,
# leaving 157; the factor levels are proportions. Printed: mean to 6 decimals, SE to 4.
VIGNETTE_PROPORTIONS = [
    ("sch_wide", 0.872611, 0.0247),
    ("comp_imp", 0.726115, 0.0365),
    ("awards", 0.707006, 0.0397),
    ("yr_rnd", 0.057325, 0.0358),
]


@pytest.mark.parametrize("column, mean, se", VIGNETTE_PROPORTIONS)
def test_survey_vignette_proportions_and_standard_errors(apiclus1, column, mean, se):
    answered = apiclus1[apiclus1["avg_ed"].notna()]
    t = ae.proportions(answered, column, "Yes", cluster="dnum", weights="pw", method="mean")
    row = t.iloc[0]
    assert row["estimate"] == pytest.approx(mean, abs=5e-7)
    # "mean": p ± t(14)·se (clipped at 0), so the upper half gives the standard error back.
    half = (row["ci_high"] - row["estimate"]) / stats.t.ppf(0.975, 14)
    assert half * FPC == pytest.approx(se, abs=5e-5)
    assert row["n_clusters"] == 15
    r = ae.cluster_variance((answered[column] == "Yes"), answered["dnum"], weights=answered["pw"])
    assert r["se"].item() * FPC == pytest.approx(se, abs=5e-5)


def test_survey_vignette_mean_and_domain_means(apiclus1):
    d = apiclus1
    # Same vignette, p. 2: svymean(~api00, dclus1) → 644.17, SE 23.542.
    r = ae.cluster_variance(d["api00"], d["dnum"], weights=d["pw"])
    assert r["mean"].item() == pytest.approx(644.17, abs=5e-3)
    assert r["se"].item() * FPC == pytest.approx(23.542, abs=5e-4)
    # p. 3: svyby(~ell+meals, ~stype, design=dclus1, svymean) — domains of the whole design:
    # every one of the 15 districts counts, whether it has schools of the type or not.
    published = {"E": (29.69444, 1.411617), "H": (15.00000, 5.347065), "M": (22.68000, 2.952862)}
    for stype, (mean, se) in published.items():
        r = ae.cluster_variance(d["ell"], d["dnum"], weights=d["pw"], domain=d["stype"] == stype)
        assert r["mean"].item() == pytest.approx(mean, abs=5e-6)
        assert r["se"].item() * FPC == pytest.approx(se, abs=5e-7)
        assert r["clusters"].item() == 15


def test_survey_design_effect_with_replacement():
    # survey tests/deff.Rout.save (Takahiro Tsuchiya's example): des.pps <- svydesign(ids=~1,
    # weights=~pps.w, data=kigyo); svymean(~uriage, des.pps, deff='replace') →
    # mean 243.914, SE 48.752, DEff 1.9741. ids=~1: every row is its own cluster.
    uriage = [15, 143, 21, 51, 337, 50, 274, 145, 15, 86]
    pps_w = [20, 200, 11, 25, 550, 30, 250, 100, 10, 55]
    r = ae.cluster_variance(uriage, range(10), weights=pps_w).iloc[0]
    assert r["mean"] == pytest.approx(243.914, abs=5e-4)
    assert r["se"] == pytest.approx(48.752, abs=5e-4)
    assert r["design_effect"] == pytest.approx(1.9741, abs=5e-5)


# --- independent implementations (statsmodels) ----------------------------------------------------


def test_logit_interval_equals_statsmodels_cluster_robust_logistic_fit(apiclus1):
    # svyciprop(method="logit") fits svyglm(y ~ 1, family=quasibinomial) and takes the Wald
    # interval on the logit scale with t on degf = 14. statsmodels' cluster-robust sandwich for
    # an intercept-only logistic GLM has the same variance: its small-sample factor
    # G/(G-1)·(N-1)/(N-K) is survey's G/(G-1) when K = 1.
    d = apiclus1
    y = (d["sch_wide"] == "Yes").to_numpy(float)
    fit = sm.GLM(y, np.ones(len(y)), family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d["dnum"])[0]}
    )
    t = stats.t.ppf(0.975, 14)
    expected = 1 / (1 + np.exp(-(fit.params[0] + np.array([-t, t]) * fit.bse[0])))
    row = ae.proportions(d, "sch_wide", "Yes", cluster="dnum", method="logit").iloc[0]
    # IRLS stops at statsmodels' tolerance (1e-8 on the deviance): agreement to 1e-9.
    assert [float(row["ci_low"]), float(row["ci_high"])] == pytest.approx(expected, abs=1e-9)
    # deff="replace": the design variance over p(1-p)/(n-1), svyvar's divisor n - 1.
    p, n = y.mean(), len(y)
    var_design = (fit.bse[0] * p * (1 - p)) ** 2
    assert row["design_effect"] == pytest.approx(var_design / (p * (1 - p) / (n - 1)), rel=1e-10)
    assert row["effective_base"] == pytest.approx(n / row["design_effect"], rel=1e-12)


def test_groups_are_domains_of_the_whole_design(apiclus1):
    # A domain's variance as statsmodels' cluster-robust WLS with weight 0 outside the domain:
    # the clusters without a school of the type still count in G (= 15).
    d = apiclus1
    y = (d["sch_wide"] == "Yes").to_numpy(float)
    groups = pd.factorize(d["dnum"])[0]
    t = ae.proportions(d, "sch_wide", "Yes", by="stype", cluster="dnum", method="mean")
    for _, row in t.iterrows():
        inside = (d["stype"] == row["stype"]).to_numpy(float)
        fit = sm.WLS(y, np.ones(len(y)), weights=inside).fit(
            cov_type="cluster", cov_kwds={"groups": groups}
        )
        q = stats.t.ppf(0.975, row["n_clusters"] - 1)  # degf: the domain's clusters - 1
        assert row["estimate"] == pytest.approx(fit.params[0], abs=1e-12)
        expected = np.clip(fit.params[0] + np.array([-q, q]) * fit.bse[0], 0, 1)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(expected, abs=1e-12)
    assert t.set_index("stype")["n_clusters"].to_dict() == {"E": 15, "H": 8, "M": 12}


def test_unequal_weights_equal_statsmodels_weighted_cluster_robust_fit():
    # apiclus2 (two-stage sample, 9 distinct weights pw, 18.9 to 272.5), clustered by district and
    # analysed at the first stage only (ultimate clusters, as svydesign(id=~dnum, weights=~pw)).
    with sqlite3.connect(API_DB) as con:
        d = pd.read_sql("SELECT * FROM apiclus2", con)
    assert d["pw"].nunique() > 5
    y = (d["sch_wide"] == "Yes").to_numpy(float)
    groups = pd.factorize(d["dnum"])[0]
    t = ae.proportions(
        d, "sch_wide", "Yes", by="stype", cluster="dnum", weights="pw", method="mean"
    )
    for _, row in t.iterrows():
        w = d["pw"].to_numpy(float) * (d["stype"] == row["stype"]).to_numpy(float)
        fit = sm.WLS(y, np.ones(len(y)), weights=w).fit(
            cov_type="cluster", cov_kwds={"groups": groups}
        )
        q = stats.t.ppf(0.975, row["n_clusters"] - 1)
        assert row["estimate"] == pytest.approx(fit.params[0], abs=1e-12)
        expected = np.clip(fit.params[0] + np.array([-q, q]) * fit.bse[0], 0, 1)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(expected, abs=1e-12)
        # deff = var / (S²/n), S² = Σw(y - p)²/Σw · n/(n - 1) (svyvar).
        inside = w > 0
        p, n = fit.params[0], inside.sum()
        s2 = np.average((y[inside] - p) ** 2, weights=w[inside]) * n / (n - 1)
        assert row["design_effect"] == pytest.approx(fit.bse[0] ** 2 / (s2 / n), rel=1e-10)


def test_wilson_and_korn_graubard_are_the_binomial_intervals_on_the_effective_size(apiclus1):
    # svyciprop "wilson": Wilson's score interval on n_eff = p(1-p)/var with t(df) for z;
    # "beta" (Korn & Graubard 1998): Clopper-Pearson on n_eff·(t_{n-1}/t_df)². Checked with
    # statsmodels' proportion_confint at the equivalent normal level / effective size.
    d = apiclus1
    r = ae.cluster_variance(d["comp_imp"] == "Yes", d["dnum"]).iloc[0]
    p, var, n, df = r["mean"], r["se"] ** 2, len(d), 14
    n_eff = p * (1 - p) / var
    alpha = 2 * stats.norm.sf(stats.t.ppf(0.975, df))
    wilson = proportion_confint(p * n_eff, n_eff, alpha=alpha, method="wilson")
    row = ae.proportions(d, "comp_imp", "Yes", cluster="dnum").iloc[0]
    assert row["method"] == "wilson"
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(wilson, abs=1e-12)
    kg_n = n_eff * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2
    beta = proportion_confint(p * kg_n, kg_n, alpha=0.05, method="beta")
    row = ae.proportions(d, "comp_imp", "Yes", cluster="dnum", method="korn_graubard").iloc[0]
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(beta, abs=1e-12)


# --- suppression on the effective base ------------------------------------------------------------


def clustered_sample(icc_high: bool, orgs: int = 4, per_org: int = 6) -> pd.DataFrame:
    """Respondents in organisations; answers alike within one (icc_high) or mixed."""
    answers = []
    for k in range(orgs):
        share = (0.9 if k % 2 == 0 else 0.1) if icc_high else 0.5
        yes = round(share * per_org)
        answers += ["Yes"] * yes + ["No"] * (per_org - yes)
    return pd.DataFrame({"org": np.repeat([f"o{k}" for k in range(orgs)], per_org), "q": answers})


def test_a_small_effective_base_is_suppressed_although_the_base_is_not():
    df = clustered_sample(icc_high=True, orgs=4, per_org=6)  # base 24, effective base 7.04
    open_table = ae.proportions(df, "q", "Yes", cluster="org")
    assert open_table["base"].item() == 24
    assert open_table["effective_base"].item() < 10
    assert open_table.attrs["base_columns"] == ["base", "effective_base"]
    t = ae.proportions(df, "q", "Yes", cluster="org", min_base=10)
    assert t["suppressed"].item()
    assert t[["n", "estimate", "ci_low", "ci_high", "design_effect"]].isna().all(axis=None)
    assert t["base"].item() == 24 and t["effective_base"].item() < 10
    # Published without min_base, ae.show's rule (apply_rule) suppresses it the same way.
    shown = apply_rule(open_table, declaration(open_table, name="clustered"))
    assert shown["suppressed"].item() and np.isnan(shown["estimate"].item())
    # Unclustered, the same answers are shown: the base alone is above min_base.
    assert not ae.proportions(df, "q", "Yes", min_base=10)["suppressed"].item()


def test_the_disclosure_gate_holds_a_published_table_to_the_effective_base():
    from aeeval.publish.gate.tables import check_tables
    from aeeval.tables import table_payload

    df = clustered_sample(icc_high=True, orgs=4, per_org=6)  # base 24, effective base 7.04
    t = ae.proportions(df, "q", "Yes", cluster="org")
    declared = declaration(t, name="clustered")
    leaked = table_payload(t, name="clustered", title="t", min_base=10, declared=declared)
    findings = check_tables({"tables": [leaked]})
    assert len(findings) == 1
    assert "effective_base 7.04" in findings[0] and "is below min_base 10" in findings[0]
    assert "estimate=0.5" in findings[0]
    shown = apply_rule(t, declared)
    payload = table_payload(shown, name="clustered", title="t", min_base=10, declared=declared)
    assert check_tables({"tables": [payload]}) == []


def test_low_design_effect_keeps_the_row():
    df = clustered_sample(icc_high=False, orgs=6, per_org=6)  # same share in every org
    t = ae.proportions(df, "q", "Yes", cluster="org", min_base=10).iloc[0]
    assert t["design_effect"] < 1 and t["effective_base"] > t["base"]
    assert not t["suppressed"] and t["estimate"] == 0.5


def test_sibling_of_a_suppressed_group_is_suppressed_too():
    a = clustered_sample(icc_high=True, orgs=4, per_org=6).assign(g="a")  # effective base 7.04
    b = clustered_sample(icc_high=False, orgs=4, per_org=6).assign(g="b")
    b["org"] = "p" + b["org"]
    t = ae.proportions(pd.concat([a, b]), "q", "Yes", by="g", cluster="org", min_base=10)
    assert t["suppressed"].tolist() == [True, True]  # b would give a away by subtraction


# --- edge cases and bad input ------------------------------------------------------------------


def test_all_positive_group_and_single_organisation_group():
    df = pd.DataFrame(
        {
            "org": ["a"] * 5 + ["b"] * 5 + ["c"] * 5,
            "g": ["x"] * 10 + ["y"] * 5,
            "q": ["Yes"] * 10 + ["Yes", "No", "No", "Yes", "No"],
        }
    )
    t = ae.proportions(df, "q", "Yes", by="g", cluster="org", method="logit").set_index("g")
    # All positive: no variance; Korn & Graubard's convention, n_eff = n = 10, df = 1.
    x = t.loc["x"]
    kg_n = 10 * (stats.t.ppf(0.025, 9) / stats.t.ppf(0.025, 1)) ** 2
    assert x["ci_high"] == 1.0
    assert x["ci_low"] == pytest.approx(stats.beta.ppf(0.025, kg_n, 1), abs=1e-12)
    assert np.isnan(x["design_effect"]) and x["effective_base"] == 10
    # One organisation: zero degrees of freedom, no interval and no design effect.
    y = t.loc["y"]
    assert y["n_clusters"] == 1 and y["estimate"] == 0.4
    assert np.isnan([y["ci_low"], y["ci_high"], y["design_effect"], y["effective_base"]]).all()


def test_bad_cluster_input_names_the_problem():
    df = clustered_sample(icc_high=True)
    df.loc[3, "org"] = None
    with pytest.raises(ValueError, match=r"cluster column 'org', row 3: no organisation"):
        ae.proportions(df, "q", "Yes", cluster="org")
    with pytest.raises(KeyError, match="cluster column 'trust' is not in the data"):
        ae.proportions(df, "q", "Yes", cluster="trust")
    with pytest.raises(ValueError, match="method must be one of 'wilson', 'logit'"):
        ae.proportions(df, "q", "Yes", cluster="org", method="jeffreys")
    one = df.assign(org="a")
    with pytest.raises(ValueError, match="needs at least 2"):
        ae.proportions(one, "q", "Yes", cluster="org")
    # A row outside the base may lack an organisation.
    df.loc[3, "q"] = None
    assert ae.proportions(df, "q", "Yes", cluster="org")["base"].item() == 23


def test_input_is_not_modified():
    df = clustered_sample(icc_high=True).assign(w=1.5)
    before = df.copy()
    ae.proportions(df, "q", "Yes", cluster="org", weights="w", min_base=10)
    pd.testing.assert_frame_equal(df, before)


# --- coverage by simulation ----------------------------------------------------------------------


def test_clustered_interval_covers_where_the_naive_one_does_not():
    # 20 organisations × 15 respondents, organisation shares Beta(2, 2)·... around 0.5
    # (intra-class correlation 0.2): the naive Wilson interval treats 300 respondents as
    # independent and undercovers; the design-based one should be close to 95 %.
    rng = np.random.default_rng(20261201)
    reps, orgs, per = 300, 20, 15
    hit_naive = hit_cluster = 0
    for _ in range(reps):
        share = rng.beta(2, 2, size=orgs)  # mean 0.5, ICC 1/(2 + 2 + 1) = 0.2
        yes = rng.random((orgs, per)) < share[:, None]
        df = pd.DataFrame(
            {"org": np.repeat(np.arange(orgs), per), "q": np.where(yes.ravel(), "Yes", "No")}
        )
        naive = ae.proportions(df, "q", "Yes").iloc[0]
        clus = ae.proportions(df, "q", "Yes", cluster="org", method="logit").iloc[0]
        hit_naive += naive["ci_low"] <= 0.5 <= naive["ci_high"]
        hit_cluster += clus["ci_low"] <= 0.5 <= clus["ci_high"]
    # Binomial noise of 300 reps: sd ≈ 1.3 points at 95 %.
    assert hit_cluster / reps > 0.90
    assert hit_naive / reps < 0.75
