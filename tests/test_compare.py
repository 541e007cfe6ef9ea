"""Comparisons between groups against published values and independent implementations."""

import gc
import math
from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.multitest import multipletests

import aeeval as ae
from aeeval.compare import ADJUST_METHODS

# Newcombe RG (1998) Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Stat Med 17:873-890, Table II, method 10 (hybrid score), 95 %.
NEWCOMBE_TABLE_II = [
    # n1, base1, n2, base2, (low, high)
    (56, 70, 48, 80, (0.0524, 0.3339)),  # example (a)
    (9, 10, 3, 10, (0.1705, 0.8090)),  # example (b)
    (6, 7, 2, 7, (0.0582, 0.8062)),  # example (c)
    (5, 56, 0, 29, (-0.0381, 0.1926)),  # example (d)
    (0, 10, 0, 20, (-0.1611, 0.2775)),  # example (e)
    (0, 10, 0, 10, (-0.2775, 0.2775)),  # example (f)
    (10, 10, 0, 20, (0.6791, 1.0000)),  # example (g)
    (10, 10, 0, 10, (0.6075, 1.0000)),  # example (h)
]


@pytest.mark.parametrize("n1, b1, n2, b2, ci", NEWCOMBE_TABLE_II)
def test_newcombe_1998_table_ii_method_10(n1, b1, n2, b2, ci):
    r = ae.compare_proportions(n1, b1, n2, b2)
    assert list(r.columns)[6:] == ["difference", "ci_low", "ci_high", "p_value", "method", "test"]
    assert r.at[0, "difference"] == pytest.approx(n1 / b1 - n2 / b2)
    # Printed to 4 decimals: agreement to half a unit in the last place.
    assert (r.at[0, "ci_low"], r.at[0, "ci_high"]) == pytest.approx(ci, abs=5e-5)
    assert r.at[0, "method"] == "newcombe"


def test_newcombe_interval_is_built_from_the_two_wilson_intervals():
    # Independent check: Newcombe's method 10 formula from the two Wilson limits (his eq. 10).
    n1, b1, n2, b2 = 16, 20, 28, 55
    p1, p2 = n1 / b1, n2 / b2
    l1, u1 = ae.proportion_ci(n1, b1)
    l2, u2 = ae.proportion_ci(n2, b2)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    r = ae.compare_proportions(n1, b1, n2, b2)
    assert (r.at[0, "ci_low"], r.at[0, "ci_high"]) == pytest.approx((low, high), abs=1e-12)


def test_p_value_equals_pearson_chi_square_without_correction():
    r = ae.compare_proportions(56, 70, 48, 80)
    chi2 = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert r.at[0, "p_value"] == pytest.approx(chi2.pvalue, rel=1e-10)
    assert ae.compare_proportions(0, 10, 0, 20).at[0, "p_value"] == 1.0


def test_wider_at_higher_confidence():
    a = ae.compare_proportions(56, 70, 48, 80, confidence=0.90)
    b = ae.compare_proportions(56, 70, 48, 80, confidence=0.99)
    assert b.at[0, "ci_low"] < a.at[0, "ci_low"] and b.at[0, "ci_high"] > a.at[0, "ci_high"]


def test_fisher_exact_two_by_two_lady_tasting_tea():
    # Fisher (1935) tea-tasting: 3 of 4 right in each cup type; two-sided p = 0.4857
    # (R: fisher.test(matrix(c(3, 1, 1, 3), 2)) gives p-value = 0.4857).
    r = ae.group_test([3, 1], [4, 4], method="fisher")
    assert r.at[0, "p_value"] == pytest.approx(0.4857, abs=1e-4)
    assert r.at[0, "method"] == "fisher_exact"


def test_chi_square_across_groups_matches_scipy_and_auto_choice():
    n, base = [16, 12, 9, 7], [20, 17, 20, 18]
    table = np.column_stack([n, np.subtract(base, n)])
    expected = stats.chi2_contingency(table, correction=False)
    r = ae.group_test(n, base, method="chi2")
    assert r.at[0, "statistic"] == pytest.approx(expected.statistic)
    assert r.at[0, "p_value"] == pytest.approx(expected.pvalue)
    assert r.at[0, "dof"] == 3
    # Expected counts below 5 → Fisher under "auto" (Cochran's rule).
    assert ae.group_test([2, 0, 1], [4, 4, 4]).at[0, "method"] == "fisher_monte_carlo"


def test_fisher_r_by_2_close_to_exact_enumeration():
    # Independent exact Freeman-Halton p-value by enumerating every table with the margins.
    n, base = [3, 0, 4], [5, 4, 6]
    k = sum(n)

    def prob(x):  # hypergeometric probability of a table with these margins
        return np.prod([math.comb(b, xi) for xi, b in zip(x, base)]) / math.comb(sum(base), k)

    observed = prob(n)
    p = sum(
        prob(x)
        for x in product(*[range(b + 1) for b in base])
        if sum(x) == k and prob(x) <= observed * (1 + 1e-7)
    )
    r = ae.group_test(n, base, method="fisher")
    assert r.at[0, "p_value"] == pytest.approx(p, abs=0.005)  # Monte Carlo, 100,000 tables
    assert ae.group_test(n, base, method="fisher").equals(r)  # fixed seed: same every run


def test_cochran_armitage_r_prop_trend_test_example():
    # R documentation ?prop.trend.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
    # prop.trend.test(smokers, patients) → X-squared = 8.2249, df = 1, p-value = 0.004132
    r = ae.trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    assert r.at[0, "statistic"] == pytest.approx(8.2249, abs=1e-4)
    assert r.at[0, "p_value"] == pytest.approx(0.004132, abs=1e-6)
    assert r.at[0, "z"] < 0  # the proportion of smokers falls across the groups


def test_cochran_armitage_agrees_with_statsmodels_linear_by_linear():
    # Agresti (2013) §3.4.6 Table 3.8: infant malformation by alcohol consumption, scores 0, 0.5,
    # 1.5, 4, 7; Agresti reports M² = 6.57. Cochran-Armitage = M² · N / (N − 1).
    present = np.array([48, 38, 5, 1, 1])
    absent = np.array([17066, 14464, 788, 126, 37])
    scores = [0, 0.5, 1.5, 4.0, 7.0]
    r = ae.trend_test(present, present + absent, scores=scores)
    res = Table(np.column_stack([absent, present])).test_ordinal_association(
        row_scores=np.array(scores), col_scores=np.array([0, 1])
    )
    m2 = ((res.statistic - res.null_mean) / res.null_sd) ** 2
    big_n = (present + absent).sum()
    assert r.at[0, "statistic"] == pytest.approx(m2 * big_n / (big_n - 1), rel=1e-9)
    assert m2 == pytest.approx(6.57, abs=0.01)


def test_holm_and_bh_against_hand_worked_r_p_adjust():
    # p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") → 0.03, 0.06, 0.06, 0.02
    #   (sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06)
    # p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") → 0.02, 0.04, 0.04, 0.02
    #   (sorted from the top: 0.04·4/4 = 0.04, 0.03·4/3 = 0.04, 0.01·4/2 = 0.02, 0.005·4/1 = 0.02)
    p = [0.01, 0.04, 0.03, 0.005]
    assert ae.adjust_p(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert ae.adjust_p(p, "benjamini_hochberg") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    out = ae.adjust_p([0.01, np.nan, 0.04], "holm")
    assert np.isnan(out[1]) and out[[0, 2]] == pytest.approx([0.02, 0.04])


# p-values with ties, exact 0 and 1, values whose Holm product passes 1, subnormals and NaN.
P_VALUES = st.lists(
    st.one_of(st.sampled_from([0.0, 1.0, 0.01, 0.05, 0.3, 0.6, np.nan, 5e-324]), st.floats(0, 1)),
    min_size=1,
    max_size=40,
)


def _check_against_statsmodels(p, method):
    p = np.asarray(p, dtype=float)
    ok = ~np.isnan(p)
    got = ae.adjust_p(p, method)
    assert got.shape == p.shape and np.isnan(got[~ok]).all()  # NaN stays NaN and is not counted
    if not ok.any():
        return got
    # the independent implementation: statsmodels on the non-missing values only (its Holm branch
    # runs gc.collect(); frozen, that skips the test process's objects: 0.07 → 0.002 s a call)
    gc.freeze()
    try:
        want = multipletests(p[ok], method=ADJUST_METHODS[method])[1]
    finally:
        gc.unfreeze()
    np.testing.assert_allclose(got[ok], want, rtol=1e-15, atol=0)
    q, adj = p[ok], got[ok]
    assert (adj >= q).all() and (adj <= 1).all()  # never below the raw p-value; capped at 1
    order = np.argsort(q, kind="stable")
    assert (
        np.diff(adj[order]) >= 0
    ).all()  # monotone: a smaller p is never adjusted above a larger
    for value in np.unique(q):
        assert len(set(adj[q == value])) == 1  # ties get one adjusted value
    return got


@settings(max_examples=400, deadline=None)
@given(P_VALUES)
def test_holm_in_numpy_matches_statsmodels_multipletests(p):
    _check_against_statsmodels(p, "holm")


@settings(max_examples=100, deadline=None)
@given(P_VALUES, st.sampled_from(["benjamini_hochberg", "bonferroni"]))
def test_other_adjustments_are_still_statsmodels(p, method):
    _check_against_statsmodels(p, method)


def test_holm_matches_statsmodels_on_seeded_tables_with_many_ties():
    rng = np.random.default_rng(20261201)
    for _ in range(500):
        m = int(rng.integers(1, 300))
        p = rng.uniform(0, 1, m) ** 3  # many small p-values, so products pass 1 and get capped
        p = np.round(p, int(rng.integers(1, 4)))  # rounded: ties at every size
        p[rng.random(m) < 0.1] = np.nan
        got = _check_against_statsmodels(p, "holm")
    assert (got == 1).any()  # the cap was exercised


def test_holm_cap_and_single_value():
    assert ae.adjust_p([0.6, 0.5, 0.7], "holm").tolist() == [1.0, 1.0, 1.0]  # 0.5·3 > 1
    assert ae.adjust_p([0.2], "holm").tolist() == [0.2]
    assert np.isnan(ae.adjust_p([np.nan, np.nan], "holm")).all()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ae.compare_proportions(5, 0, 1, 4), "base1 = 0: a base must be at least 1"),
        (lambda: ae.compare_proportions(1, 4, 0, 0), "base2 = 0: a base must be at least 1"),
        (lambda: ae.compare_proportions(6, 5, 1, 4), r"n1 \(6\) is larger than its base1 \(5\)"),
        (lambda: ae.compare_proportions(1, 5, 5, 4), r"n2 \(5\) is larger than its base2 \(4\)"),
        (
            lambda: ae.compare_proportions(-1, 5, 1, 4),
            "n1 = -1 is negative: counts and bases must be whole",
        ),
        (lambda: ae.compare_proportions(1.5, 5, 1, 4), "n1 = 1.5 is not a whole number"),
        (lambda: ae.compare_proportions(1, 5, 1, 4.5), "base2 = 4.5 is not a whole number"),
        (lambda: ae.compare_proportions([1, 2], 5, 1, 4), "n1 and base1 must be single numbers"),
        (
            lambda: ae.compare_proportions(1, 5, 1, 4, confidence=95),
            "strictly between 0 and 1 .*got 95$",
        ),
        (
            lambda: ae.compare_proportions(1, 5, 1, 4, confidence=-0.5),
            "strictly between 0 and 1 .*got -0.5",
        ),
        (
            lambda: ae.group_test([1, 2], [4, 4], method="g"),
            "method must be one of 'auto', 'chi2', 'fisher'; got 'g'",
        ),
        (
            lambda: ae.group_test([1, 5], [4, 4]),
            r"n \(5\) is larger than its base \(4\) at position 1",
        ),
        (lambda: ae.group_test([1, -2], [4, 4]), r"n\[1\] = -2 is negative"),
        (lambda: ae.group_test([1, 2], [4, 0]), r"base\[1\] = 0: a base must be at least 1"),
        (lambda: ae.group_test([1], [4]), "at least 2 groups; got 1"),
        (lambda: ae.group_test([0, 0], [4, 4]), "nothing to test"),
        (lambda: ae.trend_test([1, 2.5], [4, 4]), r"n\[1\] = 2.5 is not a whole number"),
        (lambda: ae.trend_test([1, 2], [4, 4], scores=[1, 1]), "scores are all equal"),
        (
            lambda: ae.trend_test([1, 2, 3], [4, 4, 4], scores=[1, 2]),
            r"one number per group \(3\); got 2",
        ),
        (lambda: ae.adjust_p([0.2, 1.5]), "p-values must lie between 0 and 1; got 1.5"),
        (
            lambda: ae.adjust_p([0.2], "fdr"),
            "method must be one of 'holm', 'benjamini_hochberg', 'bonferroni', 'sidak', .*; got 'fdr'",
        ),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_compare_groups_and_headline_comparisons_on_examples():
    r = ae.load_survey()
    t = ae.compare_groups(
        r, "improved_experience", "Yes, definitely", by="cohort", exclude=["Don't know"]
    )
    row = t.set_index("cohort").loc[1]
    # Cohort 1: 16 of 20 against the rest 28 of 55 (counts from the example data).
    ref = ae.compare_proportions(16, 20, 28, 55)
    assert row["difference"] == pytest.approx(ref.at[0, "difference"])
    assert row["p_holm"] == pytest.approx(ae.adjust_p(t["p_value"], "holm")[0])
    one = ae.headline_comparisons(r, groups=[1])
    assert set(one["cohort"]) == {1} and len(one) == 3
    tests = ae.headline_tests(r)
    assert set(tests["test"]) == {"across groups", "trend"}


def test_comparisons_suppress_small_groups_and_a_sibling():
    df = pd.DataFrame(
        {
            "q": ["Yes"] * 3 + ["No"] * 2 + ["Yes"] * 30 + ["No"] * 20 + ["Yes"] * 9 + ["No"] * 6,
            "g": ["a"] * 5 + ["b"] * 50 + ["c"] * 15,
        }
    )
    t = ae.compare_groups(df, "q", "Yes", by="g", min_base=10).set_index("g")
    assert t.loc["a", "suppressed"] and t.loc["c", "suppressed"] and not t.loc["b", "suppressed"]
    assert (
        t.loc[["a", "c"], ["n1", "n2", "estimate1", "difference", "p_value", "p_holm"]]
        .isna()
        .all()
        .all()
    )


# --- Miettinen–Nurminen ------------------------------------------------------------------------


def _mn_by_brute_force(x1, n1, x2, n2, confidence=0.95):
    """Independent MN interval: the restricted MLE by numerical maximisation of the binomial
    likelihood (scipy's bounded scalar minimiser), the ends by bisection on a fine grid."""
    from scipy import optimize

    q = stats.norm.ppf(1 - (1 - confidence) / 2)
    est = x1 / n1 - x2 / n2

    def z(d):
        def nll(p2):
            p1 = p2 + d
            terms = [(x1, p1), (n1 - x1, 1 - p1), (x2, p2), (n2 - x2, 1 - p2)]
            return -sum(k * np.log(max(p, 1e-300)) for k, p in terms if k)

        p2 = optimize.minimize_scalar(
            nll, bounds=(max(0, -d), min(1, 1 - d)), method="bounded", options={"xatol": 1e-13}
        ).x
        p1, big_n = p2 + d, n1 + n2
        var = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * big_n / (big_n - 1)
        return (est - d) / np.sqrt(var) if var > 0 else np.sign(est - d) * np.inf

    def end(lo, hi, target):  # bisection: z is decreasing in d
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if z(mid) > target else (lo, mid)
        return (lo + hi) / 2

    low = -1.0 if z(-1 + 1e-9) < q else end(-1 + 1e-9, est, q)
    high = 1.0 if z(1 - 1e-9) > -q else end(est, 1 - 1e-9, -q)
    return low, high


def test_miettinen_nurminen_published_values():
    # Newcombe (1998) Table II, example (a), method 6 (Miettinen-Nurminen): 0.0528 to 0.3382.
    r = ae.compare_proportions(56, 70, 48, 80, method="miettinen_nurminen")
    assert (r.at[0, "ci_low"], r.at[0, "ci_high"]) == pytest.approx((0.0528, 0.3382), abs=5e-5)
    assert r.at[0, "method"] == "miettinen_nurminen"
    assert r.at[0, "difference"] == pytest.approx(0.2)
    # Miettinen & Nurminen (1985) example 4, 0/10 vs 0/20, as R sasLM::RDmn1(0, 10, 0, 20) prints
    # it (quoted in gsDesign issue #193): -0.1657585 to 0.2843637. sasLM's root search stops at a
    # coarser tolerance: agreement to 2e-5 (aeeval's ends agree with the brute force to 1e-7).
    r = ae.compare_proportions(0, 10, 0, 20, method="miettinen_nurminen")
    assert (r.at[0, "ci_low"], r.at[0, "ci_high"]) == pytest.approx(
        (-0.1657585, 0.2843637), abs=2e-5
    )


@pytest.mark.parametrize("n1, b1, n2, b2, ci", NEWCOMBE_TABLE_II)
def test_miettinen_nurminen_equals_brute_force_on_newcombes_examples(n1, b1, n2, b2, ci):
    got = ae.miettinen_nurminen(n1, b1, n2, b2)
    assert got == pytest.approx(_mn_by_brute_force(n1, b1, n2, b2), abs=1e-7)
    assert got[0] <= n1 / b1 - n2 / b2 <= got[1]


def test_miettinen_nurminen_equals_brute_force_at_random_and_other_levels():
    rng = np.random.default_rng(7)
    for _ in range(15):
        b1, b2 = rng.integers(1, 60, size=2)
        n1, n2 = rng.integers(0, b1 + 1), rng.integers(0, b2 + 1)
        conf = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
        got = ae.miettinen_nurminen(int(n1), int(b1), int(n2), int(b2), conf)
        want = _mn_by_brute_force(int(n1), int(b1), int(n2), int(b2), conf)
        assert got == pytest.approx(want, abs=1e-7), (n1, b1, n2, b2, conf)


def test_statsmodels_score_difference_interval_still_differs():
    # statsmodels issue #10269 (open): its restricted MLE for compare="diff" has a wrong
    # coefficient, so aeeval does not wrap it. When this fails, statsmodels is fixed: wrap
    # confint_proportions_2indep(method="score", compare="diff") instead.
    from statsmodels.stats.proportion import confint_proportions_2indep

    sm = confint_proportions_2indep(56, 70, 48, 80, method="score", compare="diff")
    assert abs(float(sm[1]) - ae.miettinen_nurminen(56, 70, 48, 80)[1]) > 1e-3


def test_method_is_checked():
    with pytest.raises(ValueError, match="method must be one of 'newcombe', 'miettinen_nurminen'"):
        ae.compare_proportions(5, 10, 3, 10, method="wald")
    with pytest.raises(ValueError, match="method applies to measure='difference' only"):
        ae.compare_proportions(5, 10, 3, 10, measure="risk_ratio", method="miettinen_nurminen")
