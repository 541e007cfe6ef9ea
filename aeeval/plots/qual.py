"""Figures for coded interviews: theme frequency bars and the code co-occurrence heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from .style import NHS_COLOURS, figure

__all__ = ["plot_cooccurrence", "plot_theme_frequencies"]

_THEME_COLOURS = [
    NHS_COLOURS[c] for c in ("blue", "aqua_green", "warm_yellow", "purple", "pink", "dark_grey")
]


def plot_theme_frequencies(frequencies: pd.DataFrame, *, title: str | None = None, ax=None):
    """Horizontal bars: interviews mentioning each code, coloured by theme.

    Parameters
    ----------
    frequencies : pandas.DataFrame
        :func:`aeeval.theme_frequencies` (its ``level="code"`` rows are drawn).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure` sized for the content.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import aeeval as ae
    >>> ax = plot_theme_frequencies(ae.theme_frequencies(ae.read_segments(None)))
    >>> ax.get_xlabel()
    'Interviews mentioning the code (of 12)'
    """
    codes = frequencies[frequencies["level"] == "code"]
    if codes.empty:
        raise ValueError("no codes to plot: the frequency table has no level='code' rows")
    base = int(codes["interviews_base"].iloc[0])
    themes = list(dict.fromkeys(codes["theme"]))
    colour = {t: _THEME_COLOURS[i % len(_THEME_COLOURS)] for i, t in enumerate(themes)}
    if ax is None:
        _, ax = figure(6.5, 0.28 * len(codes) + 1.2)
    y = np.arange(len(codes))[::-1]
    ax.barh(y, codes["n_interviews"], color=[colour[t] for t in codes["theme"]])
    ax.set_yticks(y, codes["code"].str.replace("_", " "))
    for yi, n in zip(y, codes["n_interviews"]):
        ax.text(n + 0.1, yi, f"{n}", va="center", fontsize=8)
    ax.set_xlim(0, base + 0.8)
    ax.set_xlabel(f"Interviews mentioning the code (of {base})")
    ax.set_ylabel("Code")
    handles = [Patch(color=colour[t], label=t) for t in themes]
    ax.legend(handles=handles, title="Theme", loc="lower right", frameon=False)
    ax.set_title(title or "Codes by number of interviews mentioning them")
    return ax


def plot_cooccurrence(matrix: pd.DataFrame, *, title: str | None = None, ax=None):
    """Heatmap of :func:`aeeval.cooccurrence` with the counts written in the cells.

    Parameters
    ----------
    matrix : pandas.DataFrame
        :func:`aeeval.cooccurrence` (by interview or by segment; the colour bar says which).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes; default a new :func:`aeeval.plots.figure` sized for the content.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``ax`` when given, else that of a new figure (``ax.figure``).

    Examples
    --------
    >>> import aeeval as ae
    >>> ax = plot_cooccurrence(ae.cooccurrence(ae.read_segments(None)))
    >>> ax.get_title()
    'Code co-occurrence (interviews with both codes)'
    """
    if matrix.empty:
        raise ValueError("no codes to plot: the co-occurrence matrix is empty")
    labels = [str(c).replace("_", " ") for c in matrix.columns]
    if ax is None:
        size = 0.32 * len(labels) + 2.2
        _, ax = figure(size + 1.0, size)
    values = matrix.to_numpy()
    im = ax.imshow(values, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    top = values.max() or 1
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(
                j,
                i,
                str(values[i, j]),
                ha="center",
                va="center",
                fontsize=6,
                color="white" if values[i, j] > top / 2 else NHS_COLOURS["black"],
            )
    by = matrix.attrs.get("method", "interview")
    what = "Interviews with both codes" if by == "interview" else "Overlapping segment pairs"
    ax.figure.colorbar(im, ax=ax, label=what, shrink=0.7)
    ax.set_xlabel("Code")
    ax.set_ylabel("Code")
    ax.set_title(title or f"Code co-occurrence ({what.lower()})")
    return ax
