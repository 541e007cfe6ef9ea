"""Plots, plain-English readings and the survey notebook run for one cohort."""

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import pytest  # noqa: E402

import aeeval as ae  # noqa: E402
from aeeval.paths import NOTEBOOKS  # noqa: E402
from aeeval.plots import likert_bars, proportion_dots  # noqa: E402


def test_plots_are_titled_labelled_and_skip_suppressed_groups():
    r = ae.load_survey()
    d = ae.distribution(r, "influenced_coproduction", by="cohort", exclude=["Don't know"], min_base=10)
    assert d.groupby("cohort")["estimate"].sum().round(9).eq(1).all()   # shares add up per group
    fig, ax = likert_bars(d, by="cohort", title="Influence")
    assert ax.get_title() == "Influence" and ax.get_xlabel() and ax.get_ylabel() == "cohort"
    t = ae.proportions(r, "improved_experience", "Yes, definitely", by="setting",
                       exclude=["Don't know"], min_base=10)
    fig, ax = proportion_dots(t, by="setting", title="Definitely")
    assert sum("suppressed" in x.get_text() for x in ax.texts) == int(t["suppressed"].sum()) > 0


def test_reading_quotes_the_table():
    h = ae.headline_figures(ae.load_survey())
    text = ae.read_proportions(h)
    assert "59% of 75 organisations (44; 95% CI 47% to 69%)" in text
    assert "52% of 73" in text


@pytest.mark.slow
def test_notebook_for_one_cohort_shows_comparisons(tmp_path):
    from aeeval.report import execute_notebook

    out = tmp_path / "executed.ipynb"
    execute_notebook(NOTEBOOKS / "01-survey-outcomes.ipynb", {"cohort": 1}, out)
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)
    assert "Headline figures, Cohort 1" in text
    assert "Each cohort against the rest of the programme" in text and "Tests across cohorts" in text
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images == 4
