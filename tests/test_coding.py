"""Codebook coding of raw survey answers."""

import csv

import pandas as pd
import pytest

import aeeval as ae
from aeeval.coding import CodingError, normalise_label


@pytest.mark.parametrize(
    "raw",
    [
        "Yes, definitely",
        "Yes – definitely",
        "yes, definitely ",
        "Definitely",
        "YES - DEFINITELY",
        "Yes—definitely",
        "Yes definitely",
    ],
)
def test_spellings_of_definitely(raw):
    coded = ae.code_responses(pd.DataFrame({"improved_experience": [raw]}))
    assert coded.at[0, "improved_experience"] == "Yes, definitely"


def test_coded_columns_are_ordered_categoricals():
    coded = ae.code_responses(pd.DataFrame({"improved_experience": ["No", "Don’t know", ""]}))
    col = coded["improved_experience"]
    assert col.cat.ordered
    assert list(col.cat.categories) == [
        "Yes, definitely",
        "Yes, to some extent",
        "No",
        "Don't know",
    ]
    assert col.tolist()[:2] == ["No", "Don't know"] and pd.isna(col.iloc[2])


def test_unmapped_answers_are_listed_with_counts():
    raw = pd.DataFrame(
        {
            "improved_experience": ["Maybe", "Maybe", "Yes, definitely"],
            "influenced_coproduction": ["Loads", "A great deal", ""],
        }
    )
    with pytest.raises(CodingError) as info:
        ae.code_responses(raw)
    msg = str(info.value)
    assert "2 distinct answer(s) are not in the codebook" in msg and "survey_codebook.yaml" in msg
    assert "column 'improved_experience': 'Maybe' (2 rows: index 0, 1)" in msg
    assert "column 'influenced_coproduction': 'Loads' (1 row: index 0)" in msg
    assert info.value.unmapped.to_dict("records") == [
        {"column": "improved_experience", "value": "Maybe", "count": 2, "rows": [0, 1]},
        {"column": "influenced_coproduction", "value": "Loads", "count": 1, "rows": [0]},
    ]


def test_unmapped_answers_in_a_file_name_the_file_and_spreadsheet_rows(example_copy):
    # A real export read through its schema: the error names the file and the rows a person sees
    # in a spreadsheet (header = row 1), the first five of each answer.
    path = example_copy / "survey_responses.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    col = records[0].index("influenced_coproduction")
    for i in (2, 4, 5, 6, 7, 8, 9):  # spreadsheet rows 3, 5, ..., 10
        records[i][col] = "Quite a bit"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(records)
    with pytest.raises(CodingError) as info:
        ae.load_survey(example_copy)
    msg = str(info.value)
    assert f"1 distinct answer(s) in {path} are not in the codebook" in msg
    assert "column 'influenced_coproduction': 'Quite a bit' (7 rows: rows 3, 5, 6, 7, 8, …)" in msg
    lenient = ae.load_survey(example_copy, strict=False)
    assert lenient.attrs["unmapped"] == [
        {
            "column": "influenced_coproduction",
            "value": "Quite a bit",
            "count": 7,
            "rows": [3, 5, 6, 7, 8],
        }
    ]


def test_input_is_not_modified():
    raw = pd.DataFrame({"improved_experience": ["Yes – definitely"]})
    ae.code_responses(raw)
    assert raw.at[0, "improved_experience"] == "Yes – definitely"


def test_a_bare_yes_is_not_guessed():
    # "Yes" alone could be "Yes, definitely" or "Yes, to some extent": an error, not a guess.
    with pytest.raises(CodingError, match="'yes' \\(1 row: index 0\\)"):
        ae.code_responses(pd.DataFrame({"improved_experience": ["yes"]}))


def test_normalise_label():
    assert normalise_label("Yes – to some extent ") == normalise_label("to some extent")
    assert normalise_label("Don’t know") == normalise_label("Dont know")


def test_codebook_errors_name_the_place(tmp_path):
    bad = tmp_path / "cb.yaml"
    bad.write_text(
        "questions:\n  - id: q1\n    column: q1\n    wording: W\n    options:\n"
        "      - label: A\n      - label: B\n    positive: [Yes, definitely]\n"
    )
    with pytest.raises(ValueError, match="at questions/0/positive/0"):
        ae.load_codebook(bad)


def test_codebook_positive_option_that_is_not_an_option(tmp_path):
    # (Unquoted YAML "Yes" is a boolean, which the format check above reports; this is a string.)
    bad = tmp_path / "cb.yaml"
    bad.write_text(
        "questions:\n  - id: q1\n    column: q1\n    wording: W\n    options:\n"
        "      - label: A\n      - label: B\n    positive: [A, Maybe]\n"
    )
    with pytest.raises(
        ValueError,
        match=r"question 'q1': positive names \['Maybe'\], which are not "
        r"options \(A, B\)",
    ):
        ae.load_codebook(bad)


def test_lenient_mode_codes_missing_and_reports():
    raw = pd.DataFrame({"improved_experience": ["Maybe", "Yes, definitely", "Maybe", "Perhaps"]})
    coded = ae.code_responses(raw, strict=False)
    assert coded["improved_experience"].isna().tolist() == [True, False, True, True]
    report = pd.DataFrame(coded.attrs["unmapped"])
    assert report.to_dict("records") == [
        {"column": "improved_experience", "value": "Maybe", "count": 2, "rows": [0, 2]},
        {"column": "improved_experience", "value": "Perhaps", "count": 1, "rows": [3]},
    ]
    # attrs hold plain records, so combining frames still works (pandas compares attrs).
    coded[["improved_experience"]].astype("category")


@pytest.mark.parametrize(
    "raw, label",
    [
        ("Yes - to some extent", "Yes, to some extent"),
        ("Yes — to some extent.", "Yes, to some extent"),
        ("  TO SOME EXTENT ", "Yes, to some extent"),
        ("Don't Know", "Don't know"),
        ("not sure", "Don't know"),
        ("No.", "No"),
        ("yes,definitely", "Yes, definitely"),
        ("Yes,\u00a0definitely", "Yes, definitely"),  # non-breaking space (spreadsheet exports)
        ("Yes\tdefinitely", "Yes, definitely"),
        ("“Yes, definitely”", "Yes, definitely"),
        ("Yes-definitely", "Yes, definitely"),
        ("Yes \u2012 to some extent", "Yes, to some extent"),
        ("  don\u2019t KNOW!", "Don't know"),
    ],
)
def test_label_variants(raw, label):
    assert (
        ae.code_responses(pd.DataFrame({"improved_experience": [raw]})).at[0, "improved_experience"]
        == label
    )


def test_multi_select_one_boolean_column_per_option_and_unmapped():
    raw = pd.DataFrame(
        {"what_helped": ["Senior support; the patient voice", "", "Training;time"]}, index=[5, 5, 7]
    )  # a repeated index must not misplace answers
    coded = ae.code_responses(raw)
    cols = coded.attrs["multi"]["what_helped"]
    assert cols[0] == "what_helped__Senior support" and "what_helped" not in coded
    assert coded[cols[0]].tolist() == [True, pd.NA, False]
    assert coded["what_helped__Patient voice"].tolist() == [True, pd.NA, False]
    assert coded["what_helped__Protected time"].tolist() == [False, pd.NA, True]
    with pytest.raises(CodingError, match="'Luck' \\(2 rows: index 4, 6\\)"):
        ae.code_responses(
            pd.DataFrame(
                {"what_helped": ["Training; Luck", "Luck;luck; Luck", ""]}, index=[4, 6, 8]
            )
        )


def test_unknown_question_and_missing_column():
    with pytest.raises(KeyError, match="question 'q9' is not in the codebook"):
        ae.code_responses(pd.DataFrame({"x": [1]}), questions=["q9"])
    with pytest.raises(KeyError, match="column 'improved_experience'"):
        ae.code_responses(pd.DataFrame({"x": [1]}), questions=["improved_experience"])
