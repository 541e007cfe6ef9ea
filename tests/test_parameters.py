"""Notebook parameters: declared names and types are enforced before any kernel starts."""

import datetime as dt

import pytest
from conftest import write_notebook

from aeeval.publish.parameters import (
    ParameterError,
    check_parameters,
    declared_parameters,
    jsonable,
    parse_cli_value,
)

PARAMS = """cohort: int = None  # cohort number
confidence: float = 0.95  # confidence level
team: str = "A"  # team name
rebase: list = None  # rebase dates
show: bool = True  # show plots"""


@pytest.fixture
def nb(tmp_path):
    return write_notebook(tmp_path / "p.ipynb", PARAMS, "print(cohort)")


def test_declared_parameters_with_types(nb):
    declared = declared_parameters(nb)
    assert {k: v["inferred_type_name"] for k, v in declared.items()} == {
        "cohort": "int",
        "confidence": "float",
        "team": "str",
        "rebase": "list",
        "show": "bool",
    }


def test_good_values_pass_and_are_normalised(nb):
    out = check_parameters(
        nb,
        {
            "cohort": 2,
            "confidence": 1,
            "team": dt.date(2020, 1, 2),
            "rebase": [dt.date(2018, 6, 1)],
            "show": False,
        },
    )
    assert out == {
        "cohort": 2,
        "confidence": 1.0,
        "team": "2020-01-02",
        "rebase": [dt.date(2018, 6, 1)],
        "show": False,
    }
    assert isinstance(out["confidence"], float)
    assert check_parameters(nb, {"cohort": None, "rebase": None}) == {
        "cohort": None,
        "rebase": None,
    }


def test_unknown_and_wrongly_typed_parameters_are_listed_together(nb):
    with pytest.raises(ParameterError) as err:
        check_parameters(
            nb, {"cohrt": 1, "cohort": "two", "confidence": True, "rebase": "2018-06-01"}
        )
    msg = str(err.value)
    assert str(nb) in msg
    assert (
        "unknown parameter(s) cohrt; the notebook declares: cohort, confidence, team, rebase, show"
        in msg
    )
    assert (
        "parameter cohort must be int (the notebook declares `cohort: int`); got 'two' (str)" in msg
    )
    assert "parameter confidence must be float" in msg and "got True (bool)" in msg
    assert "parameter rebase must be list" in msg


def test_missing_notebook(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        declared_parameters(tmp_path / "nope.ipynb")


def test_cli_values_are_read_by_declared_type(nb):
    declared = declared_parameters(nb)
    assert parse_cli_value("0123", declared["team"]) == "0123"  # text stays text
    assert parse_cli_value("2", declared["cohort"]) == 2
    assert parse_cli_value("null", declared["cohort"]) is None
    assert parse_cli_value("None", declared["team"]) is None
    assert parse_cli_value("[2018-06-01, 2019-01-01]", declared["rebase"]) == [
        dt.date(2018, 6, 1),
        dt.date(2019, 1, 1),
    ]
    assert parse_cli_value("abc", declared["cohort"]) == "abc"  # then refused by type


def test_jsonable():
    assert jsonable({"d": dt.date(2018, 6, 1), "l": [dt.datetime(2018, 6, 1, 12, 30)], 1: 2}) == {
        "d": "2018-06-01",
        "l": ["2018-06-01T12:30:00"],
        "1": 2,
    }
