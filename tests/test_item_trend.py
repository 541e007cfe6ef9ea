"""item_trend's intervals with trusts as sampling units, and item_trend_changes (issue 16, item 5).

Independent computations written here: the linearised variance of a ratio estimator in one-stage
cluster sampling as Lohr (2010) writes it, statsmodels' weighted least squares with a
heteroskedasticity-robust (HC1) covariance, and cluster (trust-level) bootstraps.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.paths import PUBLIC_DATA


@pytest.fixture(scope="module")
def acute():
    assert PUBLIC_DATA.is_dir(), f"the bundled real data are missing: {PUBLIC_DATA}"
    return ae.read_staff_survey(PUBLIC_DATA / "staff_survey_acute_trusts_2012_2019.csv")


def trust_totals(results, series, year):
    used = results[
        (results["series"] == series) & (results["year"] == year) & ~results["suppressed"]
    ]
    per = used.groupby("org_code")[["positive", "base"]].sum()
    return per["positive"].to_numpy(float), per["base"].to_numpy(float)


def lohr_ratio_variance(y, x):
    """Lohr SL (2010), Sampling: Design and Analysis, 2nd ed., ch. 4 (ratio estimation in simple
    random sampling) and ch. 5 (one-stage cluster sampling, clusters of unequal sizes):
    V̂(B̂) = (1 − n/N) · s_e² / (n · x̄²), s_e² = Σ (y_i − B̂ x_i)² / (n − 1),
    here with N → ∞ (no finite-population correction; svydesign(ids=~org_code) without fpc)."""
    n = len(y)
    b = y.sum() / x.sum()
    s2e = ((y - b * x) ** 2).sum() / (n - 1)
    return s2e / (n * x.mean() ** 2)


def cluster_bootstrap_ratios(y, x, reps, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(reps, len(y)))
    return y[idx].sum(axis=1) / x[idx].sum(axis=1)


def test_clustered_se_matches_lohr_and_statsmodels(acute):
    t = ae.item_trend(acute, series="recommend_work").set_index("year")
    from statsmodels.regression.linear_model import WLS

    for year in (2013, 2019):
        y, x = trust_totals(acute, "recommend_work", year)
        row = t.loc[year]
        assert row["interval"] == "clustered" and row["n_trusts"] == len(y)
        assert row["estimate"] == pytest.approx(y.sum() / x.sum(), rel=1e-12)
        assert row["se"] == pytest.approx(math.sqrt(lohr_ratio_variance(y, x)), rel=1e-10)
        # WLS of trust proportions on a constant, weights = bases: the coefficient is Σy/Σx and
        # the HC1 sandwich is n/(n − 1) Σ (y_i − R x_i)² / (Σx)², the same linearised variance.
        fit = WLS(y / x, np.ones(len(y)), weights=x).fit(cov_type="HC1")
        assert row["se"] == pytest.approx(float(fit.bse[0]), rel=1e-8)
        # svyciprop(method="logit"): logit(p) ± t(n−1)·se/(p(1−p)), back-transformed
        from scipy.stats import t as student

        p, q = row["estimate"], student.ppf(0.975, len(y) - 1)
        half = q * row["se"] / (p * (1 - p))
        lo = 1 / (1 + math.exp(-(math.log(p / (1 - p)) - half)))
        hi = 1 / (1 + math.exp(-(math.log(p / (1 - p)) + half)))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-10)


def test_real_panel_width_within_20pc_of_trust_bootstrap(acute):
    # Issue 16 "Done when": the national-trend interval on the real recommend_work 2019 panel
    # is within 20 % of a trust-level bootstrap's width (percentile, 2000 replicates, seeded).
    row = ae.item_trend(acute, series="recommend_work").set_index("year").loc[2019]
    y, x = trust_totals(acute, "recommend_work", 2019)
    boot = cluster_bootstrap_ratios(y, x, 2000, seed=20261201)
    b_lo, b_hi = np.quantile(boot, [0.025, 0.975])
    width = row["ci_high"] - row["ci_low"]
    assert abs(width / (b_hi - b_lo) - 1) < 0.20
    assert row["se"] == pytest.approx(boot.std(ddof=1), rel=0.15)
    pooled = ae.item_trend(acute, series="recommend_work", interval="pooled")
    p = pooled.set_index("year").loc[2019]
    assert p["interval"] == "pooled" and "respondents independent" in p["method"]
    # the pooled Wilson interval is far narrower than the bootstrap says it should be
    assert (p["ci_high"] - p["ci_low"]) < 0.25 * (b_hi - b_lo)


def test_pooled_option_is_the_wilson_interval():
    r = ae.read_staff_survey()
    t = ae.item_trend(r, interval="pooled", confidence=0.95)
    b = t[t["year"] == 2017].iloc[0]
    used = r[(r["series"] == "q22c") & (r["year"] == 2017) & ~r["suppressed"]]
    k, n = int(used["positive"].sum()), int(used["base"].sum())
    # Wilson score interval, Newcombe (1998) eq. 3, written out independently
    z = NormalDist().inv_cdf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((centre - half, centre + half), abs=1e-10)
    assert t.attrs["interval"] == "pooled" and np.isnan(b["se"])


def test_single_trust_groups_fall_back_to_wilson_and_say_so():
    r = ae.read_staff_survey()
    t = ae.item_trend(r, by="org_code")
    assert (t["n_trusts"] <= 1).all()
    one = t[t["n_trusts"] == 1]
    assert set(t["interval"]) == {"pooled"} and one["method"].str.startswith("one trust").all()
    assert one["ci_low"].notna().all() and len(one) > 0.9 * len(t)
    none = t[t["n_trusts"] == 0]  # only a suppressed result: no estimate, said so
    assert none["estimate"].isna().all() and none["method"].str.startswith("no unsuppressed").all()


def test_bad_interval_and_empty_balanced_panel_are_clear_errors():
    r = ae.read_staff_survey()
    with pytest.raises(ValueError, match="interval"):
        ae.item_trend(r, interval="robust")
    # two years, no trust in both
    tiny = pd.DataFrame(
        {
            "org_code": ["A", "B"],
            "year": [2019, 2020],
            "series": "q22c",
            "positive": [50, 60],
            "base": [100, 100],
            "estimate": [0.5, 0.6],
            "suppressed": False,
        }
    )
    with pytest.raises(ValueError, match="balanced=True: no trust"):
        ae.item_trend(tiny, balanced=True)


def test_balanced_keeps_only_trusts_in_every_year(acute):
    t = ae.item_trend(acute, series="recommend_work", balanced=True)
    work = acute[(acute["series"] == "recommend_work") & ~acute["suppressed"]]
    years = work.groupby("org_code")["year"].nunique()
    complete = set(years[years == work["year"].nunique()].index)
    assert set(t["n_trusts"]) == {len(complete)}
    assert t.attrs["balanced_dropped"]["recommend_work"] == sorted(set(work["org_code"]) - complete)
    y, x = trust_totals(acute[acute["org_code"].isin(complete)], "recommend_work", 2016)
    assert t.set_index("year").loc[2016, "estimate"] == pytest.approx(y.sum() / x.sum())


def test_changes_paired_by_trust_against_paired_bootstrap(acute):
    ch = ae.item_trend_changes(acute, series="recommend_work").set_index("year_to")
    row = ch.loc[2019]
    work = acute[(acute["series"] == "recommend_work") & ~acute["suppressed"]]
    a = work[work["year"] == 2018].groupby("org_code")[["positive", "base"]].sum()
    b = work[work["year"] == 2019].groupby("org_code")[["positive", "base"]].sum()
    both = a.index.intersection(b.index)
    assert row["n_unpaired"] == len(a.index.symmetric_difference(b.index)) > 0
    a, b = a.loc[both].to_numpy(float), b.loc[both].to_numpy(float)
    assert row["n_trusts"] == len(both)
    change = b[:, 0].sum() / b[:, 1].sum() - a[:, 0].sum() / a[:, 1].sum()
    assert row["change"] == pytest.approx(change, rel=1e-12)
    # paired trust bootstrap: a resampled trust brings both its years
    rng = np.random.default_rng(16)
    idx = rng.integers(0, len(both), size=(2000, len(both)))
    boot = b[idx, 0].sum(1) / b[idx, 1].sum(1) - a[idx, 0].sum(1) / a[idx, 1].sum(1)
    assert row["se"] == pytest.approx(boot.std(ddof=1), rel=0.15)
    # pairing matters: trusts' years are correlated, so the unpaired SE is much larger
    v1 = lohr_ratio_variance(a[:, 0], a[:, 1])
    v2 = lohr_ratio_variance(b[:, 0], b[:, 1])
    assert row["se"] < 0.7 * math.sqrt(v1 + v2)
    assert row["ci_low"] < row["change"] < row["ci_high"] and 0 <= row["p_value"] <= 1
    bal = ae.item_trend_changes(acute, series="recommend_work", balanced=True)
    assert bal["n_trusts"].nunique() == 1


def simulated_panel(n_trusts, reps, seed, mean=0.6, sd=0.07):
    """Trusts drawn from a superpopulation: p_i ~ Beta with the given mean and sd (between-trust
    variation), bases 300–3000 independent of p_i, positives ~ Binomial(base, p_i). The national
    ratio E[base · p] / E[base] is then the Beta mean exactly. Replicates are coded as years."""
    rng = np.random.default_rng(seed)
    k = mean * (1 - mean) / sd**2 - 1
    p = rng.beta(mean * k, (1 - mean) * k, size=(reps, n_trusts))
    base = rng.integers(300, 3001, size=(reps, n_trusts))
    pos = rng.binomial(base, p)
    return pd.DataFrame(
        {
            "org_code": np.tile([f"T{i:03d}" for i in range(n_trusts)], reps),
            "year": np.repeat(np.arange(reps), n_trusts),
            "series": "q22c",
            "positive": pos.ravel(),
            "base": base.ravel(),
            "estimate": (pos / base).ravel(),
            "suppressed": False,
        }
    )


def test_calibrated_simulation_coverage():
    # fast version of benchmarks/bench_trend_intervals.py: 300 replicates of 150 trusts
    sim = simulated_panel(150, 300, seed=20261201)
    truth = 0.6
    for interval, lo_ok, hi_ok in (("clustered", 0.91, 0.985), ("pooled", 0.0, 0.5)):
        t = ae.item_trend(sim, interval=interval)
        covered = ((t["ci_low"] <= truth) & (truth <= t["ci_high"])).mean()
        assert lo_ok <= covered <= hi_ok, (interval, covered)


def expit_normal_mean(mu, sd):
    """E[expit(mu + sd·Z)], Z standard normal, by 80-point Gauss–Hermite (probabilists') quadrature."""
    z, w = np.polynomial.hermite_e.hermegauss(80)
    return float((w / (1 + np.exp(-(mu + sd * z)))).sum() / w.sum())


def simulated_pairs(n_trusts, reps, seed, mu=0.4, sd=0.3, delta=0.05, noise=0.05):
    """Two survey years per replicate (years 2r, 2r+1): trust effects a_i ~ N(0, sd²) persist,
    logit p_i1 = mu + a_i, logit p_i2 = mu + delta + a_i + e_i, e_i ~ N(0, noise²); bases
    300–3000 drawn afresh each year. The national change is known by quadrature."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0, sd, size=(reps, n_trusts))
    e = rng.normal(0, noise, size=(reps, n_trusts))
    frames = []
    for k, lp in enumerate((mu + a, mu + delta + a + e)):
        base = rng.integers(300, 3001, size=(reps, n_trusts))
        pos = rng.binomial(base, 1 / (1 + np.exp(-lp)))
        frames.append(
            pd.DataFrame(
                {
                    "org_code": np.tile([f"T{i:03d}" for i in range(n_trusts)], reps),
                    "year": np.repeat(2 * np.arange(reps) + k, n_trusts),
                    "series": "q22c",
                    "positive": pos.ravel(),
                    "base": base.ravel(),
                    "estimate": (pos / base).ravel(),
                    "suppressed": False,
                }
            )
        )
    truth = expit_normal_mean(mu + delta, math.hypot(sd, noise)) - expit_normal_mean(mu, sd)
    return pd.concat(frames, ignore_index=True), truth


def test_calibrated_simulation_paired_change_coverage():
    # fast version of the change scenario of benchmarks/bench_trend_intervals.py
    sim, truth = simulated_pairs(150, 300, seed=7)
    ch = ae.item_trend_changes(sim)
    ch = ch[ch["year_from"] % 2 == 0]  # the pairs of one replicate (odd → even spans two)
    assert len(ch) == 300
    covered = ((ch["ci_low"] <= truth) & (truth <= ch["ci_high"])).mean()
    assert 0.91 <= covered <= 0.985, covered
    assert abs(ch["change"].mean() - truth) < 0.1 * truth  # the ratio difference is ~unbiased


def test_changes_of_a_single_year_are_an_empty_table_with_its_columns():
    one = ae.select_staff_survey(ae.read_staff_survey(), years=[2019])
    ch = ae.item_trend_changes(one)
    assert ch.empty and {"year_from", "year_to", "change", "se"} <= set(ch.columns)


def test_changes_by_group_are_the_changes_of_each_group_alone():
    acute = ae.read_staff_survey(
        PUBLIC_DATA / "staff_survey_acute_trusts_2012_2019.csv",
        regions=PUBLIC_DATA / "ods_nhs_trusts_2025.csv",
    )
    ch = ae.item_trend_changes(acute, series="recommend_work", by="region")
    regions = acute["region"].dropna().unique()
    assert len(regions) > 3
    region = sorted(regions)[0]
    alone = ae.item_trend_changes(acute[acute["region"] == region], series="recommend_work")
    mine = ch[ch["region"] == region].drop(columns="region").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone.reset_index(drop=True))
    with pytest.raises(KeyError, match="by column 'nope'"):
        ae.item_trend_changes(acute, by="nope")
