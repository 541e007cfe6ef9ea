"""proportion_ci and proportions against published values."""

import numpy as np
import pandas as pd
import pytest

import aeeval as ae

# Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Stat Med 17:857-872, Table II (95 %): method 3 = Wilson score, method 5 = Clopper-Pearson.
NEWCOMBE_1998 = [
    # count, base, wilson (low, high), clopper_pearson (low, high)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0579, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize("count, base, wilson, exact", NEWCOMBE_1998)
def test_newcombe_1998_table_ii(count, base, wilson, exact):
    assert ae.proportion_ci(count, base, method="wilson") == pytest.approx(wilson, abs=1e-4)
    assert ae.proportion_ci(count, base, method="clopper_pearson") == pytest.approx(exact, abs=1.5e-4)


def test_ends_are_exact_at_zero_and_at_base():
    for method in ("wilson", "clopper_pearson", "agresti_coull", "jeffreys"):
        low, _ = ae.proportion_ci(0, 12, method=method)
        _, high = ae.proportion_ci(12, 12, method=method)
        assert low == 0.0 and high == 1.0, method


def test_arrays_in_arrays_out():
    low, high = ae.proportion_ci([81, 0], [263, 20])
    assert isinstance(low, np.ndarray) and low.shape == (2,)
    assert high[1] == pytest.approx(0.1611, abs=1e-4)


@pytest.mark.parametrize("count, base, confidence, method, message", [
    (5, 0, 0.95, "wilson", "base must be at least 1"),
    (6, 5, 0.95, "wilson", "larger than its base"),
    (-1, 5, 0.95, "wilson", "whole number"),
    (1.5, 5, 0.95, "wilson", "whole number"),
    (1, 5, 1.0, "wilson", "strictly between 0 and 1"),
    (1, 5, 0.95, "wald", "method must be one of"),
])
def test_bad_input(count, base, confidence, method, message):
    with pytest.raises(ValueError, match=message):
        ae.proportion_ci(count, base, confidence, method)


def test_proportions_table_shape_and_exclusions():
    df = pd.DataFrame({"q": ["Yes"] * 6 + ["No"] * 4 + ["Don't know", None],
                       "g": ["a"] * 12})
    t = ae.proportions(df, "q", "Yes", by="g", exclude=["Don't know"])
    assert list(t.columns) == ["g", "n", "base", "excluded", "estimate", "ci_low", "ci_high",
                               "method", "suppressed"]
    row = t.iloc[0]
    assert (row.n, row.base, row.excluded) == (6, 10, 1)
    assert (row.ci_low, row.ci_high) == pytest.approx(ae.proportion_ci(6, 10))


def test_min_base_suppresses_values_but_not_zero_bases():
    # Three groups: the small one is suppressed, the next-smallest ("mid") too (secondary
    # suppression: otherwise small = total - mid - big), the largest stays.
    df = pd.DataFrame({"q": ["Yes"] * 3 + ["No"] * 2 + ["Yes"] * 20 + ["No"] * 12,
                       "g": ["small"] * 5 + ["big"] * 20 + ["mid"] * 12})
    t = ae.proportions(df, "q", "Yes", by="g", min_base=10).set_index("g")
    assert t.loc["small", "suppressed"] and pd.isna(t.loc["small", "estimate"])
    assert pd.isna(t.loc["small", "n"]) and pd.isna(t.loc["small", "ci_low"])
    assert t.loc["mid", "suppressed"] and pd.isna(t.loc["mid", "n"])
    assert not t.loc["big", "suppressed"] and t.loc["big", "estimate"] == 1.0
