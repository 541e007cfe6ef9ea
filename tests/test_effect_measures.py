"""Risk ratio and odds ratio in compare_proportions; every multipletests method in adjust_p."""

import gc

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests

import aeeval as ae
from aeeval.compare import ADJUST_METHODS, EFFECT_MEASURES

# Physicians' Health Study, aspirin and myocardial infarction: placebo 189 / 11034, aspirin
# 104 / 11037 (Agresti A, Categorical Data Analysis, 2nd ed. 2002, Table 2.3 and §2.3.3): sample
# odds ratio 1.832, Woolf 95% interval (1.44, 2.33), computed there without the 0.5 adjustment.
PHS = (189, 11034, 104, 11037)


def test_odds_ratio_matches_agresti_published_values():
    r = ae.compare_proportions(*PHS, measure="odds_ratio")
    assert r.at[0, "method"] == "logit_adjusted"
    assert round(r.at[0, "odds_ratio"], 3) == 1.832  # the point estimate is unadjusted
    # the 0.5 added to each cell moves the limits by at most 0.006 at these counts
    # (ours 1.4376, 2.3246; Agresti's unadjusted Woolf 1.44, 2.33)
    np.testing.assert_allclose([r.at[0, "ci_low"], r.at[0, "ci_high"]], [1.44, 2.33], atol=0.01)
    # the unadjusted Woolf interval (statsmodels Table2x2) reproduces the published numbers
    t = Table2x2(np.array([[189, 11034 - 189], [104, 11037 - 104]]))
    assert np.round(t.oddsratio_confint(), 2).tolist() == [1.44, 2.33]


def _katz(x1, n1, x2, n2, z):
    # R epitools::riskratio.wald (epitools 0.5-10, R/riskratio.wald.R): SE of log RR is
    # sqrt(1/a1 - 1/n1 + 1/a0 - 1/n0) (Katz et al. 1978), written out here independently
    log_rr = np.log((x1 / n1) / (x2 / n2))
    se = np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    return np.exp(log_rr - z * se), np.exp(log_rr + z * se)


@pytest.mark.parametrize(
    "x1, n1, x2, n2",
    [(56, 70, 48, 80), (9, 12, 2, 15), (0, 20, 5, 20), (3, 3, 1, 10), *[PHS]],
)
@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
def test_risk_ratio_interval_is_katz_with_half_added(x1, n1, x2, n2, confidence):
    r = ae.compare_proportions(x1, n1, x2, n2, confidence, measure="risk_ratio")
    z = stats.norm.isf((1 - confidence) / 2)
    # Pettigrew, Gart & Thomas (1986): 0.5 added to each count and each base
    low, high = _katz(x1 + 0.5, n1 + 0.5, x2 + 0.5, n2 + 0.5, z)
    np.testing.assert_allclose([r.at[0, "ci_low"], r.at[0, "ci_high"]], [low, high], rtol=1e-12)
    np.testing.assert_allclose(r.at[0, "risk_ratio"], (x1 / n1) / (x2 / n2), rtol=1e-15)


@pytest.mark.parametrize(
    "x1, n1, x2, n2", [(56, 70, 48, 80), (9, 12, 2, 15), (0, 20, 5, 20), (3, 3, 1, 10), PHS]
)
def test_odds_ratio_interval_is_woolf_on_the_table_with_half_added(x1, n1, x2, n2):
    r = ae.compare_proportions(x1, n1, x2, n2, 0.95, measure="odds_ratio")
    # independent implementation: statsmodels Table2x2 (Woolf's logit interval) on the four
    # cells with 0.5 added to each (Gart 1966; Agresti 2013 §3.1.3)
    cells = np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float) + 0.5
    low, high = Table2x2(cells).oddsratio_confint(alpha=0.05)
    np.testing.assert_allclose([r.at[0, "ci_low"], r.at[0, "ci_high"]], [low, high], rtol=1e-12)
    # and the Woolf formula by hand: exp(log OR ± z sqrt(Σ 1/cell))
    (a, b), (c, d) = cells
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    want = np.exp(np.log(a * d / (b * c)) + np.array([-1, 1]) * stats.norm.isf(0.025) * se)
    np.testing.assert_allclose([r.at[0, "ci_low"], r.at[0, "ci_high"]], want, rtol=1e-12)


def test_large_counts_agree_with_unadjusted_table2x2():
    t = Table2x2(np.array([[PHS[0], PHS[1] - PHS[0]], [PHS[2], PHS[3] - PHS[2]]]))
    rr = ae.compare_proportions(*PHS, measure="risk_ratio")
    orr = ae.compare_proportions(*PHS, measure="odds_ratio")
    assert rr.at[0, "risk_ratio"] == pytest.approx(t.riskratio, rel=1e-12)
    assert orr.at[0, "odds_ratio"] == pytest.approx(t.oddsratio, rel=1e-12)
    # Table2x2 is the unadjusted Katz / Woolf interval; the 0.5 adjustment shifts it < 0.3 %
    np.testing.assert_allclose(rr[["ci_low", "ci_high"]].iloc[0], t.riskratio_confint(), rtol=3e-3)
    np.testing.assert_allclose(orr[["ci_low", "ci_high"]].iloc[0], t.oddsratio_confint(), rtol=3e-3)
    # epitools::riskratio.wald's formula, unadjusted, equals Table2x2's to rounding
    np.testing.assert_allclose(
        _katz(*PHS, stats.norm.isf(0.025)), t.riskratio_confint(), rtol=1e-12
    )


def test_difference_is_unchanged_by_default_and_shares_the_test():
    default = ae.compare_proportions(56, 70, 48, 80)
    explicit = ae.compare_proportions(56, 70, 48, 80, measure="difference")
    assert default.equals(explicit) and "measure" not in default.columns
    assert list(default.columns) == [
        "n1", "base1", "estimate1", "n2", "base2", "estimate2", "difference",
        "ci_low", "ci_high", "p_value", "method", "test",
    ]  # fmt: skip
    assert default.attrs["measure"] == "difference"
    for m in ("risk_ratio", "odds_ratio"):
        r = ae.compare_proportions(56, 70, 48, 80, measure=m)
        assert r.at[0, "p_value"] == default.at[0, "p_value"]  # the same test of p1 = p2
        assert list(r.columns) == [
            "n1", "base1", "estimate1", "n2", "base2", "estimate2", "measure", m,
            "ci_low", "ci_high", "p_value", "method", "test",
        ]  # fmt: skip
        assert r.attrs["measure"] == m
        assert r.at[0, "ci_low"] < r.at[0, m] < r.at[0, "ci_high"]


def test_zero_counts_give_finite_intervals_and_honest_estimates():
    rr = ae.compare_proportions(5, 20, 0, 20, measure="risk_ratio")
    assert (
        rr.at[0, "risk_ratio"] == np.inf and np.isfinite(rr[["ci_low", "ci_high"]].to_numpy()).all()
    )
    orr = ae.compare_proportions(0, 20, 0, 20, measure="odds_ratio")
    assert np.isnan(orr.at[0, "odds_ratio"]) and orr.at[0, "ci_low"] < 1 < orr.at[0, "ci_high"]


def test_unknown_measure_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="measure must be one of 'difference', 'risk_ratio'"):
        ae.compare_proportions(5, 10, 3, 10, measure="relative_risk")
    assert list(EFFECT_MEASURES) == ["difference", "risk_ratio", "odds_ratio"]


@pytest.mark.parametrize(
    "measure, truth", [("risk_ratio", 0.3 / 0.15), ("odds_ratio", (0.3 / 0.7) / (0.15 / 0.85))]
)
def test_coverage_by_simulation(measure, truth):
    # truth known: p1 = 0.3, p2 = 0.15, bases 60 and 80; the 95% interval covers ~95%
    rng = np.random.default_rng(20261201)
    x1 = rng.binomial(60, 0.3, 400)
    x2 = rng.binomial(80, 0.15, 400)
    rows = [ae.compare_proportions(int(a), 60, int(b), 80, measure=measure) for a, b in zip(x1, x2)]
    cover = [r.at[0, "ci_low"] <= truth <= r.at[0, "ci_high"] for r in rows]
    assert 0.92 <= np.mean(cover) <= 0.98  # binomial SE of 400 draws at 0.95: 0.011


# --- adjust_p ----------------------------------------------------------------------------------

ALL_STATSMODELS = [
    "bonferroni", "sidak", "holm-sidak", "holm", "simes-hochberg", "hommel",
    "fdr_bh", "fdr_by", "fdr_tsbh", "fdr_tsbky",
]  # fmt: skip


def test_every_multipletests_method_has_a_name():
    assert sorted(ADJUST_METHODS.values()) == sorted(ALL_STATSMODELS)
    assert all(name.isidentifier() for name in ADJUST_METHODS)  # usable as p_<name> columns


def _statsmodels(p, method):
    gc.freeze()  # statsmodels' Holm runs gc.collect(); frozen, it skips the test's objects
    try:
        return multipletests(p, method=method)[1]
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("name, sm_name", list(ADJUST_METHODS.items()))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adjust_p_equals_multipletests_with_nan_left_out(name, sm_name, seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 6), rng.uniform(0, 1, 14)])
    p[rng.choice(20, 4, replace=False)] = np.nan
    ok = ~np.isnan(p)
    want = _statsmodels(p[ok], sm_name)
    for method in (name, sm_name):  # the aeeval name and the statsmodels spelling
        got = ae.adjust_p(p, method)
        assert np.isnan(got[~ok]).all()
        np.testing.assert_allclose(got[ok], want, rtol=1e-15, atol=0)


def test_adjust_p_hand_computed_values():
    # by hand (Hochberg 1988; Benjamini & Yekutieli 2001): Hochberg's (m - i + 1) p_(i) with the
    # running minimum from the largest is 0.05 for each of these; BH here is also 0.05 each, and
    # BY is BH times sum_{k=1}^{m} 1/k = 2.2833 (m = 5)
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    assert ae.adjust_p(p, "hochberg").round(12).tolist() == [0.05] * 5
    by = [round(0.05 * sum(1 / k for k in range(1, 6)), 12)] * 5
    assert ae.adjust_p(p, "benjamini_yekutieli").round(12).tolist() == by
    # Bonferroni and Sidak: m p and 1 - (1 - p)^m
    np.testing.assert_allclose(ae.adjust_p(p, "bonferroni"), np.minimum(5 * np.array(p), 1))
    np.testing.assert_allclose(ae.adjust_p(p, "sidak"), 1 - (1 - np.array(p)) ** 5, rtol=1e-14)


def test_adjust_p_refuses_unknown_names_listing_the_clear_ones():
    with pytest.raises(ValueError, match="method must be one of 'holm', 'benjamini_hochberg'"):
        ae.adjust_p([0.1, 0.2], "fdr")
    with pytest.raises(ValueError, match="method must be one of"):
        ae.adjust_p([0.1, 0.2], ["holm"])


def test_compare_groups_takes_every_adjustment_by_name():
    df = ae.load_survey()  # the bundled example survey: each setting against the rest
    out = ae.compare_groups(
        df, "improved_experience", "Yes, definitely", by="setting", adjust=tuple(ADJUST_METHODS)
    )
    assert len(out) >= 2
    for name in ADJUST_METHODS:
        want = ae.adjust_p(out["p_value"].to_numpy(dtype=float), name)
        np.testing.assert_allclose(out[f"p_{name}"], want, rtol=0, atol=0)
