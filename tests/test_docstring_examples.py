"""The Examples in the survey modules' docstrings run and print what they say.

(pytest is not configured with --doctest-modules, so without this the examples — Newcombe's
published intervals among them — were never executed.)
"""

import doctest
import importlib

import pytest

MODULES = ["aeeval.coding", "aeeval.proportions", "aeeval.compare", "aeeval.disclosure",
           "aeeval.reading", "aeeval.survey", "aeeval.plots.survey"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no docstring examples"
    assert result.failed == 0, f"{result.failed} docstring example(s) in {name} failed"


def test_public_survey_functions_have_examples_and_references():
    import aeeval as ae

    for fn in (ae.proportion_ci, ae.proportions, ae.compare_proportions, ae.group_test,
               ae.trend_test, ae.adjust_p, ae.suppress, ae.code_responses, ae.distribution,
               ae.load_survey, ae.headline_figures, ae.headline_comparisons, ae.headline_tests):
        doc = fn.__doc__ or ""
        assert "Examples\n    --------" in doc and ">>> " in doc, f"{fn.__name__} has no runnable example"
    for fn in (ae.proportion_ci, ae.proportions, ae.compare_proportions, ae.group_test,
               ae.trend_test, ae.adjust_p, ae.suppress):
        assert "References\n    ----------" in (fn.__doc__ or ""), f"{fn.__name__} cites no source"
