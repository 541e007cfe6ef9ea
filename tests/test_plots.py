"""Every figure function of :mod:`aeeval.plots` follows one convention (see its docstring): it is
named ``plot_*``, draws on the Axes passed as ``ax=`` without opening a figure, makes its own
figure without one, and returns the Axes it drew on."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import aeeval as ae  # noqa: E402
import aeeval.plots as plots  # noqa: E402


def _months(values):
    return pd.DataFrame(
        {"month": pd.date_range("2020-01-01", periods=len(values), freq="MS"), "y": values}
    )


VALUES = [12, 8, 11, 9, 13, 7, 12, 10, 14, 15, 16, 15, 17, 18, 16, 19]

# name → (function, a call on real inputs of the statistics function it draws)
CASES = {
    "plot_likert": lambda ax: plots.plot_likert(
        ae.distribution(
            ae.load_survey(),
            "influenced_coproduction",
            by="cohort",
            exclude=["Don't know"],
            min_base=10,
        ),
        by="cohort",
        title="T",
        ax=ax,
    ),
    "plot_proportions": lambda ax: plots.plot_proportions(
        ae.proportions(
            ae.load_survey(),
            "improved_experience",
            "Yes, definitely",
            by="cohort",
            exclude=["Don't know"],
            min_base=10,
        ),
        by="cohort",
        title="T",
        ax=ax,
    ),
    "plot_theme_frequencies": lambda ax: plots.plot_theme_frequencies(
        ae.theme_frequencies(ae.read_segments(None)), ax=ax
    ),
    "plot_cooccurrence": lambda ax: plots.plot_cooccurrence(
        ae.cooccurrence(ae.read_segments(None)), ax=ax
    ),
    "plot_spc": lambda ax: plots.plot_spc(
        ae.xmr(_months(VALUES), "y", "month"), title="T", ylabel="Y", ax=ax
    ),
    "plot_run_chart": lambda ax: plots.plot_run_chart(
        ae.run_chart(_months(VALUES), "y", "month"), title="T", ylabel="Y", ax=ax
    ),
    "plot_item_trend": lambda ax: plots.plot_item_trend(
        ae.item_trend(ae.read_staff_survey()), ax=ax
    ),
    "plot_funnel": lambda ax: plots.plot_funnel(
        ae.funnel_flags(ae.read_staff_survey(), year=2020), ax=ax
    ),
    "plot_event_study": lambda ax: plots.plot_event_study(
        ae.participation_effect(
            ae.read_staff_survey(), ae.paths.EXAMPLES / "register.csv", missing="exclude"
        ),
        ax=ax,
    ),
}


def drawn(ax) -> int:
    """Artists a plot function adds: lines, bars, markers, images and texts."""
    return len(ax.lines) + len(ax.patches) + len(ax.collections) + len(ax.images) + len(ax.texts)


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def test_every_plot_function_is_named_plot_and_takes_ax_and_each_is_tested_here():
    public = {n for n in plots.__all__ if callable(getattr(plots, n))} - {
        "figure",
        "use_report_style",
    }
    assert public == set(CASES), "every figure function has a case in this file"
    for name in public:
        assert name.startswith("plot_")
        param = inspect.signature(getattr(plots, name)).parameters.get("ax")
        assert param is not None and param.kind is param.KEYWORD_ONLY and param.default is None, (
            name
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_draws_on_the_given_axes_without_a_new_figure(name):
    fig, ax = plt.subplots()
    before, empty = plt.get_fignums(), drawn(ax)
    assert empty == 0
    returned = CASES[name](ax)
    assert returned is ax
    assert plt.get_fignums() == before, f"{name} opened a figure although ax= was given"
    assert drawn(ax) > 0, f"{name} drew nothing on the given Axes"
    assert ax.get_title() or ax.get_title(loc="left"), f"{name} left the given Axes untitled"


@pytest.mark.parametrize("name", sorted(CASES))
def test_without_ax_makes_one_report_figure_and_returns_its_axes(name):
    before = set(plt.get_fignums())
    ax = CASES[name](None)
    new = set(plt.get_fignums()) - before
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(new) == 1 and ax.figure.number in new
    assert drawn(ax) > 0


def test_two_plots_share_one_figure_as_panels():
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
    CASES["plot_spc"](left)
    CASES["plot_run_chart"](right)
    assert plt.get_fignums() == [fig.number]
    assert left.get_ylabel() == right.get_ylabel() == "Y"
    assert left.get_legend() is not None and right.get_legend() is not None
