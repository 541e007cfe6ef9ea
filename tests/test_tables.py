"""Formatting of result tables for people."""

import pandas as pd

from aeeval.tables import format_table


def test_dates_floats_and_p_values_are_readable():
    df = pd.DataFrame(
        {
            "period": pd.to_datetime(["2020-03-01 00:00", "2020-03-01 10:30"]),
            "value": [0.82612, 12345.6],
            "p_value": [0.0, 0.0456],
            "team": ["A", None],
        }
    )
    shown = format_table(df)
    assert shown["Period"].tolist() == ["2020-03-01", "2020-03-01 10:30:00"]
    assert shown["Value"].tolist() == ["0.826", "1.23e+04"]
    assert shown["p value"].tolist() == ["<0.001", "0.046"]
    assert shown["Team"].tolist() == ["A", ""]


def test_intervals_merge_and_suppressed_rows_show_a_mark():
    df = pd.DataFrame(
        {
            "n": [44, 3],
            "base": [75, 5],
            "estimate": [44 / 75, None],
            "ci_low": [0.4737, None],
            "ci_high": [0.6912, None],
            "suppressed": [False, True],
        }
    )
    shown = format_table(df)
    assert shown["95% CI"].tolist() == ["47% to 69%", "*"]
    assert shown["%"].tolist() == ["59%", "*"]


def test_words_wrap_and_numbers_stay_on_one_line_in_html():
    from aeeval.tables import html_table

    df = pd.DataFrame(
        {
            "theme": ["What helps"],
            "quote": ["A long quote <with> markup"],
            "n": [4],
            "base": [40],
            "estimate": [0.1],
            "ci_low": [0.03],
            "ci_high": [0.24],
            "suppressed": [False],
        }
    )
    shown = format_table(df)
    assert shown.attrs["text_columns"] == ["Theme", "Quote"]
    page = html_table(shown)
    assert '<th class="text">Quote</th>' in page and '<th class="num">95% CI</th>' in page
    assert '<td class="text">A long quote &lt;with&gt; markup</td>' in page
    assert '<td class="num">3% to 24%</td>' in page and '<td class="num">40</td>' in page


def test_value_labels_turn_codes_into_words_and_leave_other_values():
    df = pd.DataFrame({"variation": ["common_cause", "something_new", None], "months": [3, 4, 5]})
    df.attrs["value_labels"] = {"variation": {"common_cause": "Common cause"}}
    shown = format_table(df)
    assert shown["Variation"].tolist() == ["Common cause", "something_new", ""]
    assert shown["Months"].tolist() == ["3", "4", "5"]


def test_tables_of_nine_columns_or_more_are_marked_wide():
    from aeeval.tables import WIDE_TABLE_COLUMNS, html_table

    narrow = pd.DataFrame({f"c{i}": [i] for i in range(WIDE_TABLE_COLUMNS - 1)})
    wide = pd.DataFrame({f"c{i}": [i] for i in range(WIDE_TABLE_COLUMNS)})
    assert html_table(format_table(narrow)).startswith('<table class="aeeval-table">')
    assert html_table(format_table(wide)).startswith('<table class="aeeval-table wide">')
