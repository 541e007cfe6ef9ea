"""proportion_ci and proportions against published values."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import aeeval as ae

# Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Stat Med 17:857-872: the paper's illustrative 95 % intervals for 81/263, 15/148, 0/20 and
# 1/29, method 3 = Wilson score, method 5 = Clopper-Pearson ("exact"), printed to 4 decimals.
NEWCOMBE_1998 = [
    # count, base, wilson (low, high), clopper_pearson (low, high)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize("count, base, wilson, exact", NEWCOMBE_1998)
def test_newcombe_1998_single_proportion(count, base, wilson, exact):
    # Printed to 4 decimals: agreement to half a unit in the last place (5e-5).
    assert ae.proportion_ci(count, base, method="wilson") == pytest.approx(wilson, abs=5e-5)
    assert ae.proportion_ci(count, base, method="clopper_pearson") == pytest.approx(exact, abs=5e-5)


Z95 = 1.959963984540054  # standard normal 97.5th percentile


@pytest.mark.parametrize("count, base", [(81, 263), (15, 148), (1, 29), (7, 9), (3, 5), (40, 41)])
def test_every_method_against_its_textbook_formula(count, base):
    """Independent implementations, from the formulas in the papers (not statsmodels)."""
    p, z = count / base, Z95
    # Wilson (1927); Newcombe (1998) eq. 3.
    centre = (2 * count + z * z) / (2 * (base + z * z))
    half = z * np.sqrt(z * z + 4 * count * (1 - p)) / (2 * (base + z * z))
    wilson = (centre - half, centre + half)
    assert ae.proportion_ci(count, base, method="wilson") == pytest.approx(wilson, abs=1e-12)
    # Clopper & Pearson (1934): Beta quantiles (count, base - count + 1) and (count + 1, base - count).
    exact = (
        stats.beta.ppf(0.025, count, base - count + 1),
        stats.beta.ppf(0.975, count + 1, base - count),
    )
    assert ae.proportion_ci(count, base, method="clopper_pearson") == pytest.approx(
        exact, abs=1e-10
    )
    # Agresti & Coull (1998): add z²/2 successes and z²/2 failures, then Wald; clipped to [0, 1].
    n_t = base + z * z
    p_t = (count + z * z / 2) / n_t
    half = z * np.sqrt(p_t * (1 - p_t) / n_t)
    ac = (max(p_t - half, 0.0), min(p_t + half, 1.0))
    assert ae.proportion_ci(count, base, method="agresti_coull") == pytest.approx(ac, abs=1e-12)
    # Jeffreys (Brown, Cai & DasGupta 2001, §4.1.2): Beta(count + ½, base - count + ½) quantiles.
    jeff = stats.beta.ppf([0.025, 0.975], count + 0.5, base - count + 0.5)
    assert ae.proportion_ci(count, base, method="jeffreys") == pytest.approx(tuple(jeff), abs=1e-10)


def test_jeffreys_ends_follow_brown_cai_dasgupta():
    # Brown, Cai & DasGupta (2001) §4.1.2: lower limit 0 at x = 0 and upper limit 1 at x = n; the
    # other end is still the Beta(x + ½, n − x + ½) quantile.
    low, high = ae.proportion_ci(0, 20, method="jeffreys")
    assert low == 0.0 and high == pytest.approx(stats.beta.ppf(0.975, 0.5, 20.5), abs=1e-10)
    low, high = ae.proportion_ci(20, 20, method="jeffreys")
    assert high == 1.0 and low == pytest.approx(stats.beta.ppf(0.025, 20.5, 0.5), abs=1e-10)


def test_ends_are_exact_at_zero_and_at_base():
    for method in ("wilson", "clopper_pearson", "agresti_coull", "jeffreys"):
        low, _ = ae.proportion_ci(0, 12, method=method)
        _, high = ae.proportion_ci(12, 12, method=method)
        assert low == 0.0 and high == 1.0, method


def test_arrays_in_arrays_out():
    low, high = ae.proportion_ci([81, 0], [263, 20])
    assert isinstance(low, np.ndarray) and low.shape == (2,)
    assert high[1] == pytest.approx(0.1611, abs=1e-4)


# Each bad input: the message names the argument (and its position in an array), the value and
# the rule it breaks.
@pytest.mark.parametrize(
    "count, base, confidence, method, message",
    [
        (5, 0, 0.95, "wilson", "base = 0: a base must be at least 1"),
        ([1, 2, 0], [4, 4, 0], 0.95, "wilson", r"base\[2\] = 0: a base must be at least 1"),
        (
            6,
            5,
            0.95,
            "wilson",
            r"count \(6\) is larger than its base \(5\): a count cannot exceed its base",
        ),
        (
            [1, 6],
            [4, 5],
            0.95,
            "wilson",
            r"count \(6\) is larger than its base \(5\) at position 1",
        ),
        (
            -1,
            5,
            0.95,
            "wilson",
            "count = -1 is negative: counts and bases must be whole numbers ≥ 0",
        ),
        (
            1.5,
            5,
            0.95,
            "wilson",
            "count = 1.5 is not a whole number: counts and bases must be whole",
        ),
        ([2, 2.5], 5, 0.95, "wilson", r"count\[1\] = 2.5 is not a whole number"),
        (1, -5, 0.95, "wilson", "base = -5 is negative"),
        (float("nan"), 5, 0.95, "wilson", "count = nan is missing or infinite"),
        ("3", 5, 0.95, "wilson", None),  # a numeric string is a number: accepted
        ("a", 5, 0.95, "wilson", "count = 'a' is not a number"),
        ([1, 2], [3, 4, 5], 0.95, "wilson", r"same length .* got shapes \(2,\) and \(3,\)"),
        (1, 5, 1.0, "wilson", "confidence must be a number strictly between 0 and 1 .*got 1.0"),
        (1, 5, 0, "wilson", "strictly between 0 and 1 .*got 0$"),
        (1, 5, 95, "wilson", "strictly between 0 and 1 .*got 95$"),
        (
            1,
            5,
            0.95,
            "wald",
            "method must be one of 'wilson', 'clopper_pearson', 'agresti_coull', "
            "'jeffreys'; got 'wald'",
        ),
    ],
)
def test_bad_input(count, base, confidence, method, message):
    if message is None:
        ae.proportion_ci(count, base, confidence, method)
        return
    with pytest.raises(ValueError, match=message):
        ae.proportion_ci(count, base, confidence, method)


def test_proportions_table_shape_and_exclusions():
    df = pd.DataFrame({"q": ["Yes"] * 6 + ["No"] * 4 + ["Don't know", None], "g": ["a"] * 12})
    t = ae.proportions(df, "q", "Yes", by="g", exclude=["Don't know"])
    assert list(t.columns) == [
        "g",
        "n",
        "base",
        "excluded",
        "estimate",
        "ci_low",
        "ci_high",
        "method",
        "suppressed",
    ]
    row = t.iloc[0]
    assert (row.n, row.base, row.excluded) == (6, 10, 1)
    assert (row.ci_low, row.ci_high) == pytest.approx(ae.proportion_ci(6, 10))


def test_min_base_suppresses_values_but_not_zero_bases():
    # Three groups: the small one is suppressed, the next-smallest ("mid") too (secondary
    # suppression: otherwise small = total - mid - big), the largest stays.
    df = pd.DataFrame(
        {
            "q": ["Yes"] * 3 + ["No"] * 2 + ["Yes"] * 20 + ["No"] * 12,
            "g": ["small"] * 5 + ["big"] * 20 + ["mid"] * 12,
        }
    )
    t = ae.proportions(df, "q", "Yes", by="g", min_base=10).set_index("g")
    assert t.loc["small", "suppressed"] and pd.isna(t.loc["small", "estimate"])
    assert pd.isna(t.loc["small", "n"]) and pd.isna(t.loc["small", "ci_low"])
    assert t.loc["mid", "suppressed"] and pd.isna(t.loc["mid", "n"])
    assert not t.loc["big", "suppressed"] and t.loc["big", "estimate"] == 1.0


# --- weights, properties, bad input -------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def test_weighted_proportion_matches_an_independent_computation():
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "q": rng.choice(["Yes", "No", "Don't know"], 300),
            "g": rng.choice(["a", "b"], 300),
            "w": rng.uniform(0.2, 3.0, 300),
        }
    )
    t = ae.proportions(df, "q", "Yes", by="g", exclude=["Don't know"], weights="w").set_index("g")
    assert list(t.columns)[-4:] == ["design_effect", "effective_base", "method", "suppressed"]
    for g, part in df.groupby("g"):
        inb = part[part["q"] != "Don't know"]
        w, y = inb["w"].to_numpy(), (inb["q"] == "Yes").to_numpy()
        p = (w * y).sum() / w.sum()
        n_eff = w.sum() ** 2 / (w**2).sum()  # Kish (1965) effective sample size
        deff = len(w) * (w**2).sum() / w.sum() ** 2  # Kish design effect 1 + CV²(w)
        assert deff == pytest.approx(1 + np.var(w) / np.mean(w) ** 2)
        # Wilson interval on the effective base, from its closed form (Wilson 1927).
        z = 1.959963984540054
        centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
        half = z / (1 + z * z / n_eff) * np.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2))
        row = t.loc[g]
        assert row["estimate"] == pytest.approx(p)
        assert row["effective_base"] == pytest.approx(n_eff)
        assert row["design_effect"] == pytest.approx(deff)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((centre - half, centre + half))
        assert row["n"] == y.sum() and row["base"] == len(y)


def test_equal_weights_give_the_unweighted_answer():
    df = pd.DataFrame({"q": ["Yes"] * 7 + ["No"] * 5, "w": 2.5})
    t = ae.proportions(df, "q", "Yes", weights="w")
    u = ae.proportions(df, "q", "Yes")
    assert t.at[0, "design_effect"] == pytest.approx(1.0)
    assert (t.at[0, "ci_low"], t.at[0, "ci_high"]) == pytest.approx(
        (u.at[0, "ci_low"], u.at[0, "ci_high"])
    )


def test_top_two_box_and_grouped_counts_match_pandas():
    r = ae.load_survey()
    t = ae.proportions(
        r,
        "influenced_coproduction",
        ["A great deal", "To some extent"],
        by="cohort",
        exclude=["Don't know"],
    )
    answered = r[
        r["influenced_coproduction"].notna() & (r["influenced_coproduction"] != "Don't know")
    ]
    ref = answered.groupby("cohort")["influenced_coproduction"].agg(
        n=lambda s: s.isin(["A great deal", "To some extent"]).sum(), base="size"
    )
    assert t.set_index("cohort")[["n", "base"]].equals(ref.astype("int64"))
    assert t["n"].sum() == 38 and t["base"].sum() == 73  # 52 % of 73 (data/examples/README.md)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        # A positive option that is not in the codebook (a typo): named, with the options it could be.
        (
            dict(positive="Yes, definately"),
            ValueError,
            r"positive option\(s\) \['Yes, definately'\] are not answers to 'improved_experience' "
            r"\(options: Yes, definitely, Yes, to some extent, No, Don't know\)",
        ),
        (
            dict(positive=["Yes, definitely", "Maybe"]),
            ValueError,
            r"positive option\(s\) \['Maybe'\]",
        ),
        (
            dict(positive="Yes, definitely", exclude=["Dont know"]),
            ValueError,
            r"exclude option\(s\) \['Dont know'\] are not answers",
        ),
        (
            dict(positive="No", exclude=["No"]),
            ValueError,
            r"\['No'\] are both positive and excluded",
        ),
        (
            dict(positive="Yes, definitely", by="trust"),
            KeyError,
            "grouping column 'trust' is not in the data",
        ),
        (
            dict(positive="Yes, definitely", weights="w"),
            KeyError,
            "weights column 'w' is not in the data",
        ),
        (
            dict(positive="Yes, definitely", confidence=0),
            ValueError,
            "strictly between 0 and 1 .*got 0$",
        ),
        (
            dict(positive="Yes, definitely", confidence=1.5),
            ValueError,
            "strictly between 0 and 1 .*got 1.5",
        ),
        (
            dict(positive="Yes, definitely", method="wald"),
            ValueError,
            "method must be one of .*got 'wald'",
        ),
        (
            dict(positive=[]),
            ValueError,
            "positive must name at least one answer to 'improved_experience'",
        ),
    ],
)
def test_proportions_bad_input(kwargs, error, message):
    r = ae.load_survey()
    with pytest.raises(error, match=message):
        ae.proportions(r, "improved_experience", **kwargs)


def test_negative_weights_name_the_row():
    df = pd.DataFrame({"q": ["Yes", "No"], "w": [1.0, -2.0]})
    with pytest.raises(ValueError, match=r"row 1: weight -2.0 must be a finite number ≥ 0"):
        ae.proportions(df, "q", "Yes", weights="w")


@settings(max_examples=200, deadline=None)
@given(
    base=st.integers(1, 500),
    frac=st.floats(0, 1),
    conf=st.floats(0.5, 0.99),
    method=st.sampled_from(["wilson", "clopper_pearson", "agresti_coull", "jeffreys"]),
)
def test_interval_contains_estimate_and_widens_with_confidence(base, frac, conf, method):
    count = round(frac * base)
    low, high = ae.proportion_ci(count, base, conf, method)
    assert 0 <= low <= count / base <= high <= 1
    low2, high2 = ae.proportion_ci(count, base, min(conf + 0.005, 0.999), method)
    assert low2 <= low + 1e-12 and high2 >= high - 1e-12


def test_multi_select_option_share():
    raw = pd.DataFrame(
        {"what_helped": ["Training; Senior support", "Training", "", "Time", "training"]}
    )
    coded = ae.code_responses(raw)
    t = ae.proportions(coded, "what_helped__National training", True)
    # 3 of the 4 who answered ticked it; the blank answer is outside the base.
    assert (t.at[0, "n"], t.at[0, "base"]) == (3, 4)
    assert (t.at[0, "ci_low"], t.at[0, "ci_high"]) == pytest.approx(ae.proportion_ci(3, 4))


@settings(max_examples=150, deadline=None)
@given(
    answers=st.lists(
        st.tuples(
            st.sampled_from(["Yes", "No", "Don't know", None]),
            st.sampled_from(["a", "b", "c"]),
            st.floats(0.05, 20.0),
        ),
        min_size=1,
        max_size=80,
    ),
    conf=st.floats(0.5, 0.99),
    weighted=st.booleans(),
    method=st.sampled_from(["wilson", "clopper_pearson", "agresti_coull", "jeffreys"]),
)
def test_table_intervals_contain_the_estimate_and_widen(answers, conf, weighted, method):
    df = pd.DataFrame(answers, columns=["q", "g", "w"])
    kw = dict(by="g", exclude=["Don't know"], method=method, weights="w" if weighted else None)
    t = ae.proportions(df, "q", "Yes", confidence=conf, **kw)
    wider = ae.proportions(df, "q", "Yes", confidence=min(conf + 0.005, 0.999), **kw)
    ok = t["base"] > 0
    assert t.loc[~ok, ["estimate", "ci_low", "ci_high"]].isna().all().all()
    lo, est, hi = (t.loc[ok, c].to_numpy(dtype=float) for c in ("ci_low", "estimate", "ci_high"))
    assert ((0 <= lo) & (lo <= hi) & (hi <= 1)).all()
    if not (weighted and method == "jeffreys"):  # see the next test
        assert ((lo <= est + 1e-12) & (est <= hi + 1e-12)).all()
    assert (wider.loc[ok, "ci_low"].to_numpy() <= lo + 1e-12).all()
    assert (wider.loc[ok, "ci_high"].to_numpy() >= hi - 1e-12).all()


def test_weighted_jeffreys_is_the_beta_interval_at_the_effective_counts_even_off_the_estimate():
    # Found by Hypothesis: weights 10 (Yes) and 0.5 (No) give estimate 10/10.5 = 0.952 but an
    # effective base of only (10.5)²/100.25 = 1.0998. Jeffreys' equal-tailed 50% interval,
    # Beta(x + ½, n − x + ½) at x = 0.952·1.0998, ends below the estimate; the ends are fixed at
    # 0 and 1 only at x = 0 and x = n (Brown, Cai & DasGupta 2001), and x < n here. Wilson's
    # interval, the default, always holds the estimate.
    from scipy.stats import beta

    df = pd.DataFrame({"q": ["Yes", "No"], "w": [10.0, 0.5]})
    t = ae.proportions(df, "q", "Yes", confidence=0.5, method="jeffreys", weights="w").iloc[0]
    n_eff = 10.5**2 / (10.0**2 + 0.5**2)
    x_eff = 10 / 10.5 * n_eff
    assert t["effective_base"] == pytest.approx(n_eff)
    assert (t["ci_low"], t["ci_high"]) == pytest.approx(
        beta.ppf([0.25, 0.75], x_eff + 0.5, n_eff - x_eff + 0.5)
    )
    assert t["ci_high"] < t["estimate"] == pytest.approx(10 / 10.5)
    wilson = ae.proportions(df, "q", "Yes", confidence=0.5, weights="w").iloc[0]
    assert wilson["ci_low"] <= wilson["estimate"] <= wilson["ci_high"]


def test_public_signatures_are_the_ones_issue_3_promises():
    # "keep these names and columns stable; other code and checks call them" (issue 3).
    import inspect

    def sig(fn):  # names, keyword-only marker and defaults, without annotations
        out = []
        for p in inspect.signature(fn).parameters.values():
            if p.kind is p.KEYWORD_ONLY and "*" not in out:
                out.append("*")
            out.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
        return ", ".join(out)

    assert sig(ae.proportion_ci) == "count, base, confidence=0.95, method='wilson'"
    assert sig(ae.proportions) == (
        "data, column, positive, *, by=None, exclude=(), confidence=0.95, "
        "method='wilson', min_base=None, weights=None, cluster=None"
    )
    assert sig(ae.compare_proportions) == (
        "n1, base1, n2, base2, confidence=0.95, *, measure='difference', method=None"
    )
    assert sig(ae.code_responses).startswith("data, codebook=")
    cols = ae.compare_proportions(5, 10, 3, 10).columns
    assert {"difference", "ci_low", "ci_high", "p_value", "method"} <= set(cols)


def test_inputs_are_not_modified():
    r = ae.load_survey()
    r["w"] = np.linspace(0.5, 2.0, len(r))
    before = r.copy()
    ae.proportions(
        r,
        "improved_experience",
        "Yes, definitely",
        by=["cohort", "setting"],
        exclude=["Don't know"],
        weights="w",
        min_base=10,
    )
    ae.distribution(r, "influenced_coproduction", by="cohort", min_base=10)
    ae.compare_groups(r, "improved_experience", "Yes, definitely", by="cohort", min_base=10)
    pd.testing.assert_frame_equal(r, before)
