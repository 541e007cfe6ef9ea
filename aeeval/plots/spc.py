"""Run charts and SPC charts in the NHS "Making Data Count" style. Drawing only: the numbers come
from :mod:`aeeval.spc`.

Grey points for common cause, blue for special-cause improvement, orange for concern, purple for
neutral special causes; dashed process limits, a solid mean, a red dashed target line, and the
variation and assurance icons drawn as small labelled markers in the top-right corner. As in the
Making Data Count icons, a special-cause variation icon carries "H" or "L" (the last point is high
or low), the assurance icon "P", "F" or "?". Lines break at each rebase, and trial limits (fewer
than 12 points) are noted under the chart, as NHSRplotthedots does.
"""

from __future__ import annotations

import pandas as pd

from ..spc import ASSURANCE_WORDS, VARIATION_WORDS, spc_summary
from .style import NHS_COLOURS, figure

__all__ = ["POINT_COLOURS", "plot_run_chart", "plot_spc"]

POINT_COLOURS = {
    "common_cause": NHS_COLOURS["mid_grey"],
    "special_cause_improvement": NHS_COLOURS["light_blue"],
    "special_cause_concern": NHS_COLOURS["orange"],
    "special_cause_neutral_high": NHS_COLOURS["purple"],
    "special_cause_neutral_low": NHS_COLOURS["purple"],
    "not_enough_data": NHS_COLOURS["pale_grey"],
}
_VARIATION_LETTERS = {
    "common_cause": "~",
    "special_cause_improvement": "+",
    "special_cause_concern": "!",
    "special_cause_neutral_high": "H",
    "special_cause_neutral_low": "L",
    "not_enough_data": "?",
}
#: Whether an improvement / concern is a high or a low value, by improvement direction
#: (NHSRplotthedots R/geom_ptd_icon.R: improvement_high / concern_low when increasing is better).
_HIGH_LOW = {
    ("special_cause_improvement", "increase"): "H",
    ("special_cause_improvement", "decrease"): "L",
    ("special_cause_concern", "increase"): "L",
    ("special_cause_concern", "decrease"): "H",
}
TRIAL_LIMITS_NOTE = (
    "Trial limits: some limits rest on fewer than 12 points and will change as data are added."
)


def _variation_icon(point_type: str, improvement_direction: str) -> tuple[str, str]:
    """Letter and label of the Making Data Count variation icon for the last point's type."""
    letter, text = _VARIATION_LETTERS[point_type], VARIATION_WORDS[point_type]
    high_low = _HIGH_LOW.get((point_type, improvement_direction))
    if high_low:
        letter, text = high_low, f"{text} ({'high' if high_low == 'H' else 'low'})"
    return letter, text


_ASSURANCE = {
    "consistent_pass": ("P", ASSURANCE_WORDS["consistent_pass"], NHS_COLOURS["light_blue"]),
    "consistent_fail": ("F", ASSURANCE_WORDS["consistent_fail"], NHS_COLOURS["orange"]),
    "inconsistent": ("?", ASSURANCE_WORDS["inconsistent"], NHS_COLOURS["mid_grey"]),
}


def _icons(ax, icons: list[tuple[str, str, str]]) -> None:
    """Small labelled markers above the top-right corner of the axes, outside the data."""
    x = 0.98
    for label, text, colour in reversed(icons):
        ax.scatter(
            [x],
            [1.07],
            s=230,
            color=colour,
            transform=ax.transAxes,
            clip_on=False,
            zorder=5,
            edgecolors="white",
            linewidths=1,
        )
        ax.text(
            x,
            1.07,
            label,
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="white",
            fontsize=8,
            fontweight="bold",
            zorder=6,
        )
        ax.text(
            x - 0.025,
            1.07,
            text,
            transform=ax.transAxes,
            ha="right",
            va="center",
            fontsize=7,
            color=NHS_COLOURS["dark_grey"],
        )
        x -= 0.22


def plot_spc(
    chart: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    ax=None,
    percent: bool = False,
    icons: bool = True,
):
    """Draw one series of an :func:`aeeval.xmr`, :func:`aeeval.p_chart`, :func:`aeeval.c_chart`,
    :func:`aeeval.u_chart`, :func:`aeeval.g_chart` or :func:`aeeval.t_chart` result.

    The centre line is the chart's ``mean``, or the column its ``centre`` attribute names (the
    median of a g chart, as qicharts2 draws it).

    Parameters
    ----------
    chart : pandas.DataFrame
        The table returned by a chart function for a single series (filter ``by`` first).
    title, ylabel : str
        Figure title and y-axis label (every figure is titled and labelled).
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure`.
    percent : bool
        Show the y axis as percentages (for proportions).
    icons : bool
        Draw the variation and (with a target) assurance icons.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import pandas as pd
    >>> import aeeval as ae
    >>> data = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=12, freq="MS"),
    ...                      "y": [12, 8, 11, 9, 13, 7, 12, 10, 14, 15, 16, 15]})
    >>> ax = plot_spc(ae.xmr(data, "y", "month"), title="A measure", ylabel="Value")
    >>> ax.get_xlabel()
    'Period'
    """
    by = chart.attrs.get("by") or []
    if by and chart.groupby(by, dropna=False).ngroups > 1:
        raise ValueError(f"plot_spc draws one series; filter the chart on {', '.join(by)} first")
    date = chart.attrs["date"]
    if ax is None:
        _, ax = figure()
    x = chart[date]
    centre = chart.attrs.get("centre", "mean")
    for _, seg in chart.groupby("rebase_group", sort=True):
        ax.plot(seg[date], seg["value"], color=NHS_COLOURS["mid_grey"], linewidth=1, zorder=2)
        ax.plot(seg[date], seg[centre], color=NHS_COLOURS["black"], linewidth=1, zorder=1)
        for col in ("lpl", "upl"):
            ax.plot(
                seg[date],
                seg[col],
                color=NHS_COLOURS["dark_grey"],
                linestyle="--",
                linewidth=0.9,
                zorder=1,
            )
    for kind, colour in POINT_COLOURS.items():
        pts = chart[chart["point_type"] == kind]
        if len(pts):
            ax.scatter(
                pts[date], pts["value"], color=colour, s=22, zorder=3, label=VARIATION_WORDS[kind]
            )
    if chart["target"].notna().any():
        ax.plot(
            x,
            chart["target"],
            color=NHS_COLOURS["red"],
            linestyle="--",
            linewidth=1,
            label="Target",
            zorder=1,
        )
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(title, loc="left", pad=18)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Period")
    # trial limits are noted under the chart (NHSRplotthedots: a caption on the plot)
    note = TRIAL_LIMITS_NOTE if chart["trial_limits"].any() else None
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0, -0.17),
        fontsize=7,
        frameon=False,
        ncol=6,
        title=note,
        alignment="left",
        title_fontproperties={"size": 7, "style": "italic"},
    )
    if icons:
        summary = spc_summary(chart, min_base=None).iloc[0]  # the icons of the points drawn
        label, text = _variation_icon(summary["variation"], summary["improvement_direction"])
        shown = [(label, text, POINT_COLOURS[summary["variation"]])]
        if pd.notna(summary["assurance"]):
            shown.append(_ASSURANCE[summary["assurance"]])
        _icons(ax, shown)
    return ax


def plot_run_chart(chart: pd.DataFrame, *, title: str, ylabel: str, ax=None, percent: bool = False):
    """Draw one series of an :func:`aeeval.run_chart` result: points, median, signals.

    Points in a shift or trend are blue (with Anhøj's rules: points of an unusually long run);
    astronomical points (when requested) orange.

    Parameters
    ----------
    chart : pandas.DataFrame
        The table returned by ``run_chart`` for a single series (filter ``by`` first).
    title, ylabel : str
        Figure title and y-axis label.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure`.
    percent : bool
        Show the y axis as percentages (for proportions).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import pandas as pd
    >>> import aeeval as ae
    >>> data = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=12, freq="MS"),
    ...                      "y": [12, 8, 11, 9, 13, 7, 12, 10, 14, 15, 16, 15]})
    >>> ax = plot_run_chart(ae.run_chart(data, "y", "month"), title="A measure", ylabel="Value")
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:1]
    ['Median']
    """
    by = chart.attrs.get("by") or []
    if by and chart.groupby(by, dropna=False).ngroups > 1:
        raise ValueError(
            f"plot_run_chart draws one series; filter the chart on {', '.join(by)} first"
        )
    date = chart.attrs["date"]
    if ax is None:
        _, ax = figure()
    ax.plot(chart[date], chart["value"], color=NHS_COLOURS["mid_grey"], linewidth=1, zorder=2)
    ax.plot(chart[date], chart["median"], color=NHS_COLOURS["black"], linewidth=1, label="Median")
    signal = chart["shift"].fillna(False).astype(bool) | chart["trend"].fillna(False).astype(bool)
    ax.scatter(
        chart[date][~signal],
        chart["value"][~signal],
        color=NHS_COLOURS["mid_grey"],
        s=22,
        zorder=3,
        label="No signal",
    )
    if signal.any():
        ax.scatter(
            chart[date][signal],
            chart["value"][signal],
            color=NHS_COLOURS["light_blue"],
            s=22,
            zorder=3,
            label="Long run" if chart.attrs.get("rules") == "anhoej" else "Shift or trend",
        )
    astro = chart["astronomical"].fillna(False).astype(bool)
    if astro.any():
        ax.scatter(
            chart[date][astro],
            chart["value"][astro],
            color=NHS_COLOURS["orange"],
            s=40,
            zorder=4,
            marker="D",
            label="Astronomical",
        )
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(title, loc="left", pad=18)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Period")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.17), fontsize=7, frameon=False, ncol=6)
    return ax
