"""Staff Survey figures: the item series over time with its question breaks, and the funnel plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import NHS_COLOURS, figure

__all__ = ["plot_item_trend", "plot_funnel", "plot_event_study"]

_SERIES_COLOURS = [
    NHS_COLOURS[c] for c in ("blue", "orange", "green", "purple", "pink", "aqua_blue")
]


_INTERVAL_LABELS = {
    "clustered": "interval: trusts as sampling units",
    "pooled": "interval: respondents pooled",
}


def plot_item_trend(
    trend: pd.DataFrame, *, by: str | None = None, title: str | None = None, ax=None
):
    """Draw :func:`aeeval.item_trend` output: one line per series and weighting (and ``by`` group),
    never joined across series; a dashed vertical line marks each break where the question changed.

    Base-weighted lines are solid with their interval shaded, the legend saying which interval
    (trusts as sampling units, the default of :func:`aeeval.item_trend`, or respondents pooled);
    trust-mean lines are dotted with error bars. Years inside a series without results leave a gap in the line. With ``by`` (the
    grouping column the trend was computed by), each group has its own colour.

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`aeeval.item_trend` output.
    by : str, optional
        The ``by`` column the trend was computed by (one colour per group).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import aeeval as ae
    >>> ax = plot_item_trend(ae.item_trend(ae.read_staff_survey()))
    >>> ax.get_ylabel()
    '% positive'
    """
    if ax is None:
        _, ax = figure()
    series_order = list(dict.fromkeys(trend.sort_values("year")["series"]))
    groups = [None] if by is None else list(dict.fromkeys(trend[by]))
    for k, s in enumerate(series_order):
        for j, group in enumerate(groups):
            colour = _SERIES_COLOURS[(k if by is None else j) % len(_SERIES_COLOURS)]
            sub = trend[trend["series"] == s]
            if by is not None:
                sub = sub[sub[by] == group]
            if sub.empty:
                continue
            name = s if by is None else f"{group}, {s}"
            years = np.arange(sub["year"].min(), sub["year"].max() + 1)
            for w, g in sub.groupby("weighting", sort=True):
                g = g.groupby("year")[["estimate", "ci_low", "ci_high"]].mean().reindex(years)
                if w == "base":
                    kinds = set(sub.loc[sub["weighting"] == w].get("interval", pd.Series()))
                    how = "; ".join(_INTERVAL_LABELS.get(k, k) for k in sorted(kinds))
                    ax.plot(
                        years,
                        100 * g["estimate"],
                        "-o",
                        color=colour,
                        ms=3,
                        label=f"{name} (base-weighted{', ' + how if how else ''})",
                    )
                    ax.fill_between(
                        years, 100 * g["ci_low"], 100 * g["ci_high"], color=colour, alpha=0.2, lw=0
                    )
                else:
                    ax.errorbar(
                        years,
                        100 * g["estimate"],
                        yerr=[
                            100 * (g["estimate"] - g["ci_low"]),
                            100 * (g["ci_high"] - g["estimate"]),
                        ],
                        fmt=":s",
                        color=colour,
                        ms=3,
                        capsize=2,
                        label=f"{name} (mean of trusts)",
                    )
    spans = [
        (
            trend.loc[trend["series"] == s, "year"].min(),
            trend.loc[trend["series"] == s, "year"].max(),
        )
        for s in series_order
    ]
    for (_, end), (start, _) in zip(spans, spans[1:]):
        x = (end + start) / 2
        ax.axvline(x, color=NHS_COLOURS["dark_grey"], ls="--", lw=1)
        ax.annotate(
            "question changed:\nseparate series",
            (x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            fontsize=7,
            color=NHS_COLOURS["dark_grey"],
        )
    ax.set_xlabel("Survey year")
    ax.set_ylabel("% positive")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or "Staff Survey item by year")
    ax.legend(fontsize=7, loc="lower left", frameon=False)
    return ax


def plot_funnel(flags: pd.DataFrame, *, title: str | None = None, ax=None):
    """Funnel plot of :func:`aeeval.funnel_flags` output: each trust's % against its base, the
    national value and the funnel limits; trusts outside the outermost limits are drawn in red,
    outside the inner limits in orange. The limits are those of the flags (over-dispersion rule,
    φ or τ from ``flags.attrs``), and a caption under the axes states the rule, φ, τ and the χ²
    test of over-dispersion.

    Parameters
    ----------
    flags : pandas.DataFrame
        :func:`aeeval.funnel_flags` output (its ``attrs`` give the centre line and the levels).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import aeeval as ae
    >>> ax = plot_funnel(ae.funnel_flags(ae.read_staff_survey(), year=2020))
    >>> ax.get_xscale()
    'log'
    """
    from ..funnel import funnel_limits

    if ax is None:
        _, ax = figure(height=3.6)
    p0 = flags.attrs["p0"]
    levels = flags.attrs["confidence"]
    method = flags.attrs["method"]
    rule = flags.attrs.get("overdispersion")
    given = {}
    if rule == "multiplicative":
        given = {"overdispersion": rule, "phi": flags.attrs["phi"]}
    elif rule == "additive":
        given = {"overdispersion": rule, "tau2": flags.attrs["tau2"]}
    else:
        given = {"overdispersion": None}
    lo = max(1, int(flags["base"].min() * 0.8))
    hi = int(flags["base"].max() * 1.1) + 1
    grid = np.unique(np.geomspace(lo, hi, 300).round().astype(int))
    styles = ["--", "-"]
    for k, c in enumerate(levels):
        lim = funnel_limits(grid, p0, confidence=c, method=method, **given)
        ls = styles[min(k, 1)]
        ax.plot(
            grid,
            100 * lim["lower"],
            ls,
            color=NHS_COLOURS["mid_grey"],
            lw=1,
            label=f"{100 * c:g}% limits ({method}{', ' + rule if rule else ''})",
        )
        ax.plot(grid, 100 * lim["upper"], ls, color=NHS_COLOURS["mid_grey"], lw=1)
    ax.axhline(100 * p0, color=NHS_COLOURS["dark_blue"], lw=1, label=f"national {100 * p0:.1f}%")
    outer = f"{100 * max(levels):g}%"
    colour = np.where(
        flags["flag"].str.endswith(outer),
        NHS_COLOURS["red"],
        np.where(flags["flag"] == "within", NHS_COLOURS["blue"], NHS_COLOURS["orange"]),
    )
    ax.scatter(flags["base"], 100 * flags["estimate"], s=10, c=list(colour), zorder=3)
    ax.scatter([], [], s=10, c=NHS_COLOURS["red"], label=f"outside {outer} limits")
    ax.set_xscale("log")
    ax.set_xlabel("Base (responses to the item, log scale)")
    ax.set_ylabel("% positive")
    ax.set_title(
        title or f"{flags.attrs['series']} {flags.attrs['year']}: trusts against the national value"
    )
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    if flags.attrs.get("rule"):
        ax.annotate(
            f"Limits: {flags.attrs['rule']}.",
            xy=(0, -0.2),
            xycoords="axes fraction",
            va="top",
            fontsize=6.5,
            wrap=True,
            color=NHS_COLOURS["dark_grey"],
        )
    return ax


def plot_event_study(effect: pd.DataFrame, *, title: str | None = None, ax=None):
    """Event-study plot of a :func:`aeeval.participation_effect` result: each event-time effect
    (surveys relative to the first exposed one, percentage points) with its pointwise interval
    (bars) and the simultaneous band over all event times (shaded), which is the one to read for
    the whole curve; the reference survey (−1) is drawn at 0, and a dashed line marks joining.

    Parameters
    ----------
    effect : pandas.DataFrame
        :func:`aeeval.participation_effect` output with ``event_time`` rows (every design but
        ``"did"``).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> reg = ae.read_table(EXAMPLES / "register.csv", "register")
    >>> ax = plot_event_study(ae.participation_effect(ae.read_staff_survey(), reg, missing="exclude"))
    >>> ax.get_xlabel()
    'Surveys since the first exposed survey (0 = first exposed)'
    """
    rows = effect[effect["term"] == "event_time"].sort_values("event_time")
    if rows.empty:
        raise ValueError(
            "plot_event_study needs a participation_effect result with event-time rows "
            "(design='did' has none: use the default design)"
        )
    if ax is None:
        _, ax = figure(height=3.2)
    t = rows["event_time"].astype(float).to_numpy()
    est = rows["estimate"].astype(float).fillna(0.0).to_numpy()
    confidence = effect.attrs.get("confidence", 0.95)
    if {"band_low", "band_high"} <= set(rows) and rows["band_low"].notna().any():
        band = rows["band_low"].notna().to_numpy()
        band_low = rows["band_low"].to_numpy(dtype=float)[band]
        ax.bar(  # one box per event time: the band is not a line between surveys
            t[band],
            rows["band_high"].to_numpy(dtype=float)[band] - band_low,
            bottom=band_low,
            width=0.5,
            color=NHS_COLOURS["pale_grey"],
            label=f"{100 * confidence:g}% simultaneous band",
        )
    low = rows["ci_low"].to_numpy(dtype=float)
    high = rows["ci_high"].to_numpy(dtype=float)
    ok = ~np.isnan(low)
    ax.errorbar(
        t[ok],
        est[ok],
        yerr=[est[ok] - low[ok], high[ok] - est[ok]],
        fmt="o",
        color=NHS_COLOURS["blue"],
        ms=4,
        capsize=2,
        lw=1,
        label=f"effect, {100 * confidence:g}% interval",
    )
    ax.plot(t[~ok], est[~ok], "o", mfc="white", color=NHS_COLOURS["blue"], ms=4, label="reference")
    ax.axhline(0, color=NHS_COLOURS["mid_grey"], lw=0.8)
    ax.axvline(-0.5, color=NHS_COLOURS["dark_blue"], lw=0.8, ls="--")
    ax.set_xticks(t)
    ax.set_xlabel("Surveys since the first exposed survey (0 = first exposed)")
    ax.set_ylabel("Difference, percentage points")
    design = effect["design"].iloc[0] if "design" in effect else ""
    ax.set_title(title or f"Event study ({design})", loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return ax
