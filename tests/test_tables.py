"""Formatting of result tables for people."""

import pandas as pd

from aeeval.tables import format_table


def test_dates_floats_and_p_values_are_readable():
    df = pd.DataFrame({"period": pd.to_datetime(["2020-03-01 00:00", "2020-03-01 10:30"]),
                       "value": [0.82612, 12345.6], "p_value": [0.0, 0.0456], "team": ["A", None]})
    shown = format_table(df)
    assert shown["Period"].tolist() == ["2020-03-01", "2020-03-01 10:30:00"]
    assert shown["Value"].tolist() == ["0.826", "1.23e+04"]
    assert shown["p value"].tolist() == ["<0.001", "0.046"]
    assert shown["Team"].tolist() == ["A", ""]


def test_intervals_merge_and_suppressed_rows_show_a_mark():
    df = pd.DataFrame({"n": [44, 3], "base": [75, 5], "estimate": [44 / 75, None],
                       "ci_low": [0.4737, None], "ci_high": [0.6912, None], "suppressed": [False, True]})
    shown = format_table(df)
    assert shown["95% CI"].tolist() == ["47% to 69%", "*"]
    assert shown["%"].tolist() == ["59%", "*"]
