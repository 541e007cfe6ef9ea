"""Suppression: primary, secondary, and property tests that nothing small leaks."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aeeval as ae
from aeeval.disclosure import VALUE_COLUMNS
from aeeval.options import DEFAULT_MIN_BASE


def test_default_min_base_is_the_one_project_setting():
    import inspect

    assert inspect.signature(ae.suppress).parameters["min_base"].default == DEFAULT_MIN_BASE == 10


def test_friends_and_family_style_secondary_suppression():
    t = pd.DataFrame({"site": list("abcd"), "n": [2, 30, 12, 50], "base": [3, 40, 15, 90]})
    out = ae.suppress(t, 10, by="site").set_index("site")
    assert out["suppressed"].tolist() == [True, False, True, False]  # c is the next smallest
    assert out["base"].tolist() == [3, 40, 15, 90]  # bases stay visible


def test_zero_bases_are_not_suppressed_nor_chosen_as_siblings():
    t = pd.DataFrame({"g": list("abc"), "n": [0, 2, 20], "base": [0, 4, 30]})
    out = ae.suppress(t, 10, by="g").set_index("g")
    assert not out.loc["a", "suppressed"] and out.loc["a", "n"] == 0
    assert out.loc["b", "suppressed"] and out.loc["c", "suppressed"]


def test_two_way_tables_suppress_along_both_margins():
    t = pd.DataFrame(
        {
            "cohort": [1, 1, 2, 2],
            "setting": ["x", "y", "x", "y"],
            "n": [1, 20, 30, 40],
            "base": [2, 25, 35, 50],
        }
    )
    out = ae.suppress(t, 10, by=["cohort", "setting"])
    # (1, x) small → (1, y) hidden in its cohort row and (2, x) in its setting column → (2, y) too.
    assert out["suppressed"].all()


def test_input_is_not_modified_and_bad_min_base():
    t = pd.DataFrame({"n": [1, 20], "base": [2, 25]})
    before = t.copy()
    ae.suppress(t, 10)
    pd.testing.assert_frame_equal(t, before)
    for bad in (0, 2.5, True, "10"):
        with pytest.raises(ValueError, match="min_base must be a whole number"):
            ae.suppress(t, bad)


def test_suppressed_rows_together_must_reach_min_base():
    # Cohorts of 3 and 4 are both suppressed, but the programme total minus the cohort of 50
    # would publish them as one group of 7 < 10: the 50 is suppressed too.
    t = pd.DataFrame({"g": list("abc"), "n": [2, 3, 30], "base": [3, 4, 50]})
    assert ae.suppress(t, 10, by="g")["suppressed"].tolist() == [True, True, True]
    # 3 + 8 = 11 ≥ 10: the two small cohorts protect each other; the large one stays.
    t = pd.DataFrame({"g": list("abc"), "n": [2, 3, 30], "base": [3, 8, 50]})
    assert ae.suppress(t, 10, by="g")["suppressed"].tolist() == [True, True, False]


answers = st.lists(
    st.tuples(
        st.sampled_from(["Yes", "No", "Don't know", None]),
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from([1, 2, 3]),
    ),
    min_size=1,
    max_size=120,
)


def _assert_no_leak(out, full, base, min_base, visible, sets):
    """Nothing in a suppressed row but ``visible`` columns; no suppressed count or group of
    suppressed counts below ``min_base`` recoverable from a set's total; shown rows unchanged."""
    hidden = out["suppressed"].astype(bool)
    small = out[base].between(1, min_base - 1)
    assert hidden[small].all()
    for col in out.columns.difference(visible):
        assert out.loc[hidden, col].isna().all(), f"suppressed rows show '{col}'"
    for fixed in sets:
        for _, part in out.groupby(fixed, observed=True) if fixed else [(None, out)]:
            live = part[part[base] > 0]
            secret = live[live["suppressed"]]
            if len(secret) and len(secret) < len(live):
                # Subtracting the shown rows from the total gives the hidden rows' sum: it must
                # cover at least two rows and min_base answers.
                assert len(secret) >= 2 and secret[base].sum() >= min_base, (fixed, part)
    shown = ~hidden
    pd.testing.assert_frame_equal(
        out.loc[shown, visible], full.loc[shown, visible], check_dtype=False
    )
    for col in out.columns.difference(visible):
        np.testing.assert_allclose(
            out.loc[shown, col].to_numpy(dtype=float), full.loc[shown, col].to_numpy(dtype=float)
        )


@settings(max_examples=150, deadline=None)
@given(
    rows=answers,
    min_base=st.integers(1, 15),
    weighted=st.booleans(),
    method=st.sampled_from(["wilson", "clopper_pearson", "agresti_coull", "jeffreys"]),
)
def test_suppression_never_leaks_a_small_group(rows, min_base, weighted, method):
    df = pd.DataFrame(rows, columns=["q", "g", "h"])
    df["w"] = np.linspace(0.5, 2.0, len(df))
    kw = {"weights": "w"} if weighted else {}
    kw |= {"by": ["g", "h"], "exclude": ["Don't know"], "method": method}
    full = ae.proportions(df, "q", "Yes", **kw)
    out = ae.proportions(df, "q", "Yes", min_base=min_base, **kw)
    # Columns a suppressed row may show (documented in aeeval.suppress); nothing else.
    visible = ["g", "h", "base", "method", "suppressed"]
    _assert_no_leak(out, full, "base", min_base, visible, sets=["g", "h"])
    for col in VALUE_COLUMNS:
        if col in out:
            assert out.loc[out["suppressed"], col].isna().all(), col


# Group sizes drawn directly, so that small groups beside large ones are common.
groups = st.lists(
    st.tuples(st.integers(0, 25), st.integers(0, 25), st.integers(0, 3)), min_size=1, max_size=6
)


def _frame(sizes):
    rows = [
        (answer, f"g{i}")
        for i, (yes, no, dk) in enumerate(sizes)
        for answer, k in (("Yes", yes), ("No", no), ("Don't know", dk))
        for _ in range(k)
    ]
    return pd.DataFrame(rows or [("Yes", "g0")], columns=["q", "g"])


@settings(max_examples=150, deadline=None)
@given(sizes=groups, min_base=st.integers(1, 15))
def test_one_way_suppression_never_leaks(sizes, min_base):
    df = _frame(sizes)
    full = ae.proportions(df, "q", "Yes", by="g", exclude=["Don't know"])
    out = ae.proportions(df, "q", "Yes", by="g", exclude=["Don't know"], min_base=min_base)
    _assert_no_leak(out, full, "base", min_base, ["g", "base", "method", "suppressed"], sets=[None])


@settings(max_examples=75, deadline=None)
@given(rows=answers, min_base=st.integers(1, 15))
def test_distribution_suppression_never_leaks(rows, min_base):
    df = pd.DataFrame(rows, columns=["q", "g", "h"])
    df["q"] = pd.Categorical(df["q"], categories=["Yes", "No", "Don't know"], ordered=True)
    full = ae.distribution(df, "q", by="g", exclude=["Don't know"])
    out = ae.distribution(df, "q", by="g", exclude=["Don't know"], min_base=min_base)
    visible = ["g", "option", "base", "method", "suppressed"]
    # Options of a group share one base: suppressed together. Groups of an option add up.
    assert (out.groupby("g", observed=True)["suppressed"].nunique() <= 1).all()
    _assert_no_leak(out, full, "base", min_base, visible, sets=["option"])


@settings(max_examples=100, deadline=None)
@given(sizes=groups, min_base=st.integers(1, 15))
def test_comparison_suppression_never_leaks(sizes, min_base):
    df = _frame(sizes)
    full = ae.compare_groups(df, "q", "Yes", by="g", exclude=["Don't know"])
    out = ae.compare_groups(df, "q", "Yes", by="g", exclude=["Don't know"], min_base=min_base)
    if out.empty:
        return
    visible = ["g", "base1", "base2", "method", "test", "suppressed"]
    # A comparison is also withheld when the rest of the programme is small.
    assert out.loc[out["base2"].between(1, min_base - 1), "suppressed"].all()
    _assert_no_leak(out, full, "base1", min_base, visible, sets=[None])
