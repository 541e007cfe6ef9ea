"""Codebook coding of raw survey answers."""

import pandas as pd
import pytest

import aeeval as ae
from aeeval.coding import CodingError, normalise_label


@pytest.mark.parametrize("raw", ["Yes, definitely", "Yes – definitely", "yes, definitely ",
                                 "Definitely", "YES - DEFINITELY", "Yes—definitely", "Yes definitely"])
def test_spellings_of_definitely(raw):
    coded = ae.code_responses(pd.DataFrame({"improved_experience": [raw]}))
    assert coded.at[0, "improved_experience"] == "Yes, definitely"


def test_coded_columns_are_ordered_categoricals():
    coded = ae.code_responses(pd.DataFrame({"improved_experience": ["No", "Don’t know", ""]}))
    col = coded["improved_experience"]
    assert col.cat.ordered
    assert list(col.cat.categories) == ["Yes, definitely", "Yes, to some extent", "No", "Don't know"]
    assert col.tolist()[:2] == ["No", "Don't know"] and pd.isna(col.iloc[2])


def test_unmapped_answers_are_listed_with_counts():
    raw = pd.DataFrame({"improved_experience": ["Maybe", "Maybe", "Yes, definitely"],
                        "influenced_coproduction": ["Loads", "A great deal", ""]})
    with pytest.raises(CodingError) as info:
        ae.code_responses(raw)
    msg = str(info.value)
    assert "column 'improved_experience': 'Maybe' (2 rows)" in msg
    assert "column 'influenced_coproduction': 'Loads' (1 row)" in msg


def test_input_is_not_modified():
    raw = pd.DataFrame({"improved_experience": ["Yes – definitely"]})
    ae.code_responses(raw)
    assert raw.at[0, "improved_experience"] == "Yes – definitely"


def test_normalise_label():
    assert normalise_label("Yes – to some extent ") == normalise_label("to some extent")
    assert normalise_label("Don’t know") == normalise_label("Dont know")


def test_codebook_errors_name_the_place(tmp_path):
    bad = tmp_path / "cb.yaml"
    bad.write_text("questions:\n  - id: q1\n    column: q1\n    wording: W\n    options:\n"
                   "      - label: A\n      - label: B\n    positive: [Yes, definitely]\n")
    with pytest.raises(ValueError, match="at questions/0/positive/0"):
        ae.load_codebook(bad)
