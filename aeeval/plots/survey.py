"""Survey figures: diverging stacked bars for Likert items, dots with intervals by group.

Both draw tidy tables made by :func:`aeeval.distribution` and :func:`aeeval.proportions`;
suppressed groups are labelled, never drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import NHS_COLOURS, figure

__all__ = ["plot_likert", "plot_proportions"]

# Best option first: dark blue → light blue for the favourable side, warm → red for the other.
_POSITIVE = [NHS_COLOURS["dark_blue"], NHS_COLOURS["blue"], NHS_COLOURS["light_blue"]]
_NEGATIVE = [NHS_COLOURS["warm_yellow"], NHS_COLOURS["orange"], NHS_COLOURS["red"]]
_NEUTRAL = NHS_COLOURS["pale_grey"]


def _group_labels(table: pd.DataFrame, by: list) -> list[str]:
    if not by:
        return ["All"]
    return [", ".join(str(v) for v in values) for values in table[by].itertuples(index=False)]


def plot_likert(
    table: pd.DataFrame,
    *,
    by=None,
    title: str,
    favourable: int | None = None,
    xlabel: str = "Share of answers (%)",
    ylabel: str | None = None,
    ax=None,
):
    """Diverging stacked bars: favourable options to the right of 0, the others to the left.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`aeeval.distribution` (``option`` in scale order, best first).
    by : str or list of str, optional
        The grouping columns of ``table`` (one bar per group).
    title : str
        Figure title.
    favourable : int, optional
        How many leading options are favourable (default: half the options; with an odd number
        the middle option is neutral and split across 0).
    xlabel, ylabel : str
        Axis labels (``ylabel`` default: the grouping column names).
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure` sized for the content.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import aeeval as ae
    >>> d = ae.distribution(ae.load_survey(), "influenced_coproduction", by="cohort",
    ...                     exclude=["Don't know"], min_base=10)
    >>> ax = plot_likert(d, by="cohort", title="Influenced co-production")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['A great deal', 'To some extent', 'Very little', 'Not at all']
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    options = (
        list(table["option"].cat.categories)
        if isinstance(table["option"].dtype, pd.CategoricalDtype)
        else list(dict.fromkeys(table["option"]))
    )
    k = len(options)
    fav = k // 2 if favourable is None else int(favourable)
    if not 0 <= fav <= k:
        raise ValueError(
            f"favourable must be between 0 and {k} (the number of options); got {favourable}"
        )
    neutral = k % 2 == 1 and favourable is None
    groups = table[by].drop_duplicates().reset_index(drop=True) if by else pd.DataFrame(index=[0])
    labels = _group_labels(groups, by)
    shares = np.full((len(groups), k), np.nan)
    hidden = np.zeros(len(groups), dtype=bool)
    for gi in range(len(groups)):
        rows = table
        for b in by:
            rows = rows[rows[b] == groups.at[gi, b]]
        for oi, option in enumerate(options):
            r = rows[rows["option"] == option]
            if len(r):
                shares[gi, oi] = r["estimate"].iloc[0]
                hidden[gi] |= bool(r["suppressed"].iloc[0]) if "suppressed" in r else False
    if ax is None:
        _, ax = figure(6.5, 0.45 * len(groups) + 1.6)
    y = np.arange(len(groups))[::-1]
    colours = _POSITIVE[:fav][::-1] if fav <= 3 else [NHS_COLOURS["blue"]] * fav
    colours = colours[::-1]
    neg_count = k - fav - (1 if neutral else 0)
    neg_colours = _NEGATIVE[-neg_count:] if neg_count <= 3 else [NHS_COLOURS["orange"]] * neg_count
    for gi in range(len(groups)):
        if hidden[gi] or np.isnan(shares[gi]).all():
            ax.text(
                0,
                y[gi],
                "suppressed (too few answers)",
                ha="center",
                va="center",
                color=NHS_COLOURS["mid_grey"],
                fontsize=8,
            )
            continue
        s = np.nan_to_num(shares[gi]) * 100
        mid = s[fav] / 2 if neutral else 0.0
        # Favourable: from 0 (or half the neutral) rightwards, the least favourable nearest 0.
        left = mid
        for oi in range(fav - 1, -1, -1):
            ax.barh(
                y[gi],
                s[oi],
                left=left,
                color=colours[oi],
                edgecolor="white",
                height=0.7,
                label=options[oi] if gi == 0 else None,
            )
            left += s[oi]
        right = -mid
        start = fav + (1 if neutral else 0)
        if neutral:
            ax.barh(
                y[gi],
                s[fav],
                left=-mid,
                color=_NEUTRAL,
                edgecolor="white",
                height=0.7,
                label=options[fav] if gi == 0 else None,
            )
        for j, oi in enumerate(range(start, k)):
            ax.barh(
                y[gi],
                -s[oi],
                left=right,
                color=neg_colours[j],
                edgecolor="white",
                height=0.7,
                label=options[oi] if gi == 0 else None,
            )
            right -= s[oi]
    ax.axvline(0, color=NHS_COLOURS["dark_grey"], linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlim(-100, 100)
    ax.set_xticks(np.arange(-100, 101, 25), [f"{abs(v)}" for v in range(-100, 101, 25)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel if ylabel is not None else (" × ".join(by) if by else ""))
    ax.set_title(title)
    handles, names = ax.get_legend_handles_labels()
    order = [names.index(o) for o in options if o in names]
    if order:
        ax.legend(
            [handles[i] for i in order],
            [names[i] for i in order],
            ncols=min(k, 5),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.25 if len(groups) < 4 else -0.12),
            frameon=False,
            fontsize=8,
        )
    return ax


def plot_proportions(
    table: pd.DataFrame,
    *,
    by,
    title: str,
    xlabel: str | None = None,
    ylabel: str | None = None,
    reference: float | None = None,
    ax=None,
):
    """Dot-and-interval plot of a proportion by group (one row per group).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`aeeval.proportions` (``estimate``, ``ci_low``, ``ci_high``, ``suppressed``).
    by : str or list of str
        Grouping columns labelling the rows.
    title, xlabel, ylabel : str
        Title and axis labels.
    reference : float, optional
        A proportion drawn as a dashed vertical line (e.g. the programme figure).
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure` sized for the content.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import aeeval as ae
    >>> t = ae.proportions(ae.load_survey(), "improved_experience", "Yes, definitely",
    ...                    by="cohort", exclude=["Don't know"], min_base=10)
    >>> ax = plot_proportions(t, by="cohort", title="Definitely improved experience")
    >>> ax.get_xlabel()
    'Percentage (95% CI)'
    """
    by = [by] if isinstance(by, str) else list(by)
    labels = _group_labels(table, by)
    if ax is None:
        _, ax = figure(6.5, 0.35 * len(table) + 1.3)
    y = np.arange(len(table))[::-1]
    hidden = (
        table["suppressed"].astype(bool).to_numpy()
        if "suppressed" in table
        else np.zeros(len(table), bool)
    )
    est = table["estimate"].to_numpy(dtype=float) * 100
    lo = table["ci_low"].to_numpy(dtype=float) * 100
    hi = table["ci_high"].to_numpy(dtype=float) * 100
    ok = ~hidden & ~np.isnan(est)
    ax.errorbar(
        est[ok],
        y[ok],
        xerr=[est[ok] - lo[ok], hi[ok] - est[ok]],
        fmt="o",
        color=NHS_COLOURS["blue"],
        ecolor=NHS_COLOURS["dark_blue"],
        capsize=3,
        markersize=5,
    )
    for yi in y[~ok]:
        ax.text(
            50,
            yi,
            "suppressed (too few answers)",
            ha="center",
            va="center",
            color=NHS_COLOURS["mid_grey"],
            fontsize=8,
        )
    if reference is not None:
        ax.axvline(100 * reference, color=NHS_COLOURS["mid_grey"], linestyle="--", linewidth=0.8)
    ax.set_yticks(y, labels)
    if xlabel is None:
        xlabel = f"Percentage ({round(100 * table.attrs.get('confidence', 0.95))}% CI)"
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel if ylabel is not None else " × ".join(by))
    ax.set_title(title)
    return ax
