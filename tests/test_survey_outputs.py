"""Plots, plain-English readings and the survey notebook run for one cohort."""

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import aeeval as ae  # noqa: E402
from aeeval.paths import NOTEBOOKS  # noqa: E402
from aeeval.plots import plot_likert, plot_proportions  # noqa: E402


def test_plots_are_titled_labelled_and_skip_suppressed_groups():
    r = ae.load_survey()
    d = ae.distribution(
        r, "influenced_coproduction", by="cohort", exclude=["Don't know"], min_base=10
    )
    assert d.groupby("cohort")["estimate"].sum().round(9).eq(1).all()  # shares add up per group
    ax = plot_likert(d, by="cohort", title="Influence")
    assert ax.get_title() == "Influence" and ax.get_xlabel() and ax.get_ylabel() == "cohort"
    t = ae.proportions(
        r,
        "improved_experience",
        "Yes, definitely",
        by="setting",
        exclude=["Don't know"],
        min_base=10,
    )
    ax = plot_proportions(t, by="setting", title="Definitely")
    assert sum("suppressed" in x.get_text() for x in ax.texts) == int(t["suppressed"].sum()) > 0


def _bars(ax):
    """(left edge, right edge, colour) of each drawn bar, by bar centre y."""
    out = {}
    for r in ax.patches:
        x0, x1 = sorted((r.get_x(), r.get_x() + r.get_width()))
        out.setdefault(round(r.get_y() + r.get_height() / 2, 6), []).append(
            (round(x0, 9), round(x1, 9))
        )
    return {y: sorted(v) for y, v in out.items()}


def test_likert_bars_diverge_at_zero_with_the_shares_of_the_table():
    scale = pd.CategoricalDtype(["Great", "Good", "Poor", "Bad"], ordered=True)
    q = ["Great"] * 4 + ["Good"] * 3 + ["Poor"] * 2 + ["Bad"] + ["Great"] * 5 + ["Bad"] * 5
    df = pd.DataFrame({"q": pd.Series(q, dtype=scale), "g": ["x"] * 10 + ["y"] * 10})
    ax = plot_likert(ae.distribution(df, "q", by="g"), by="g", title="T")
    bars = _bars(ax)
    top, bottom = max(bars), min(bars)  # group x is drawn on top
    # x: Good 0→30 then Great 30→70 on the right; Poor 0→−20 then Bad −20→−30 on the left.
    assert bars[top] == [(-30, -20), (-20, 0), (0, 30), (30, 70)]
    assert bars[bottom] == [(-50, 0), (0, 0), (0, 0), (0, 50)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Great", "Good", "Poor", "Bad"]


def test_likert_bars_split_a_neutral_middle_option_across_zero():
    scale = pd.CategoricalDtype(["Agree", "Neither", "Disagree"], ordered=True)
    q = pd.Series(["Agree"] * 5 + ["Neither"] * 2 + ["Disagree"] * 3, dtype=scale)
    ax = plot_likert(ae.distribution(pd.DataFrame({"q": q}), "q"), title="T")
    [bars] = _bars(ax).values()
    assert bars == [(-40, -10), (-10, 10), (10, 60)]


def test_proportion_dots_draw_each_estimate_and_interval():
    df = pd.DataFrame(
        {"q": ["Yes"] * 6 + ["No"] * 4 + ["Yes"] * 2 + ["No"] * 18, "g": ["a"] * 10 + ["b"] * 20}
    )
    t = ae.proportions(df, "q", "Yes", by="g")
    ax = plot_proportions(t, by="g", title="T")
    line = ax.lines[0]  # the dots
    assert list(line.get_xdata()) == pytest.approx([60, 10])
    segments = ax.collections[0].get_segments()  # the interval bars
    drawn = np.array([sorted(seg[:, 0]) for seg in segments]).ravel()
    expected = 100 * np.array([*ae.proportion_ci(6, 10), *ae.proportion_ci(2, 20)])
    assert drawn == pytest.approx(expected)


def test_reading_quotes_the_table():
    h = ae.headline_figures(ae.load_survey())
    text = ae.read_proportions(h)
    assert "59% of 75 organisations (44; 95% CI 47% to 69%)" in text
    assert "52% of 73" in text


def test_reading_of_a_single_shown_group_names_no_highest_or_lowest():
    t = ae.headline_figures(ae.load_survey(cohort=2), by="cohort")
    text = ae.read_proportions(t, by="cohort")
    assert "highest" not in text and "lowest" not in text
    first = t.iloc[0]
    assert (
        f"{first['wording']}: cohort 2 {100 * first['estimate']:.0f}% (95% CI "
        f"{100 * first['ci_low']:.0f}% to {100 * first['ci_high']:.0f}%)."
    ) in text


def test_comparison_and_test_tables_show_each_figures_wording_and_keep_its_name():
    from aeeval.survey import HEADLINES
    from aeeval.tables import format_table, table_payload

    r = ae.load_survey()
    for table in (ae.headline_comparisons(r, groups=[1]), ae.headline_tests(r)):
        shown = format_table(table)
        assert set(shown["Figure"]) <= {wording for *_, wording in HEADLINES}
        assert "Always Event definitely improved service users' experience" in set(shown["Figure"])
        names = {rec["figure"] for rec in table_payload(table, name="t", title="t")["records"]}
        assert "improved_definitely" in names  # figures.json keeps the names


def test_notebook_defaults_are_the_project_defaults():
    # papermill needs literals in the parameters cell: pin them to the one project setting.
    from papermill.translators import PythonTranslator

    from aeeval.options import DEFAULT_CONFIDENCE, DEFAULT_MIN_BASE

    nb = nbformat.read(NOTEBOOKS / "01-survey-outcomes.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params = {p.name: p for p in PythonTranslator.inspect(cell)}
    assert set(params) == {"cohort", "data_dir", "codebook", "confidence", "min_base"}
    assert int(params["min_base"].default) == DEFAULT_MIN_BASE
    assert float(params["confidence"].default) == DEFAULT_CONFIDENCE


@pytest.mark.slow
def test_notebook_for_one_cohort_shows_comparisons(tmp_path):
    from aeeval.publish.report import execute_notebook

    out = tmp_path / "executed.ipynb"
    execute_notebook(NOTEBOOKS / "01-survey-outcomes.ipynb", {"cohort": 1}, out)
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(
        o.get("data", {}).get("text/plain", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "Headline figures, Cohort 1" in text
    assert (
        "Each cohort against the rest of the programme" in text and "Tests across cohorts" in text
    )
    images = sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert images == 4
