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
    assert out["suppressed"].tolist() == [True, False, True, False]   # c is the next smallest
    assert out["base"].tolist() == [3, 40, 15, 90]                     # bases stay visible


def test_zero_bases_are_not_suppressed_nor_chosen_as_siblings():
    t = pd.DataFrame({"g": list("abc"), "n": [0, 2, 20], "base": [0, 4, 30]})
    out = ae.suppress(t, 10, by="g").set_index("g")
    assert not out.loc["a", "suppressed"] and out.loc["a", "n"] == 0
    assert out.loc["b", "suppressed"] and out.loc["c", "suppressed"]


def test_two_way_tables_suppress_along_both_margins():
    t = pd.DataFrame({"cohort": [1, 1, 2, 2], "setting": ["x", "y", "x", "y"],
                      "n": [1, 20, 30, 40], "base": [2, 25, 35, 50]})
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


answers = st.lists(st.tuples(st.sampled_from(["Yes", "No", "Don't know", None]),
                             st.sampled_from(["a", "b", "c", "d"]), st.sampled_from([1, 2, 3])),
                   min_size=1, max_size=120)


@settings(max_examples=150, deadline=None)
@given(rows=answers, min_base=st.integers(1, 15), weighted=st.booleans())
def test_suppression_never_leaks_a_small_group(rows, min_base, weighted):
    df = pd.DataFrame(rows, columns=["q", "g", "h"])
    df["w"] = np.linspace(0.5, 2.0, len(df))
    kw = {"weights": "w"} if weighted else {}
    full = ae.proportions(df, "q", "Yes", by=["g", "h"], exclude=["Don't know"], **kw)
    out = ae.proportions(df, "q", "Yes", by=["g", "h"], exclude=["Don't know"], min_base=min_base, **kw)
    small = out["base"].between(1, min_base - 1)
    assert out.loc[small, "suppressed"].all()
    hidden = out["suppressed"]
    for col in VALUE_COLUMNS:
        if col in out:
            assert out.loc[hidden, col].isna().all(), col
    # No hidden count can be recovered by subtraction from a row or column total.
    for fixed in ("g", "h"):
        for _, part in out.groupby(fixed):
            live = part[part["base"] > 0]
            if len(live) > 1:  # a group alone in its set equals the total (documented limit)
                assert live["suppressed"].sum() != 1, (fixed, part)
    # Shown rows keep their true values.
    shown = ~hidden
    pd.testing.assert_series_equal(out.loc[shown, "estimate"], full.loc[shown, "estimate"])
