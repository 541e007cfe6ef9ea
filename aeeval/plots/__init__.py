"""Figures. Computation lives in the statistics modules; these functions only draw.

One submodule per analysis (``survey``, ``qual``, ``spc``, ``staff_survey``); :mod:`.style` holds the
NHS colours and the deterministic matplotlib settings every figure uses.

Every drawing function is named ``plot_*`` and follows one convention:

- it takes the table a statistics function returned, then keyword-only options;
- ``ax=`` (a :class:`matplotlib.axes.Axes`) draws on that Axes, for example one panel of a
  figure of several; without it a new figure in the report style is made with :func:`figure`,
  sized for what it shows;
- it returns the Axes it drew on (``ax.figure`` is its figure), never a new figure when ``ax``
  was given.

================================  ====================================================
:func:`plot_likert`               Likert answers as diverging stacked bars (:func:`aeeval.distribution`)
:func:`plot_proportions`          a proportion by group with its interval (:func:`aeeval.proportions`)
:func:`plot_theme_frequencies`    interviews mentioning each code (:func:`aeeval.theme_frequencies`)
:func:`plot_cooccurrence`         code co-occurrence heatmap (:func:`aeeval.cooccurrence`)
:func:`plot_spc`                  an XmR or p-chart (:func:`aeeval.xmr`, :func:`aeeval.p_chart`)
:func:`plot_run_chart`            a run chart (:func:`aeeval.run_chart`)
:func:`plot_item_trend`           a Staff Survey item by year (:func:`aeeval.item_trend`)
:func:`plot_funnel`               trusts against funnel limits (:func:`aeeval.funnel_flags`)
:func:`plot_event_study`          joiners' event-time effects with bands (:func:`aeeval.participation_effect`)
================================  ====================================================

Examples
--------
>>> import matplotlib.pyplot as plt
>>> import aeeval as ae
>>> from aeeval.plots import plot_proportions
>>> t = ae.proportions(ae.load_survey(), "improved_experience", "Yes, definitely",
...                    by="cohort", exclude=["Don't know"], min_base=10)
>>> fig, (left, right) = plt.subplots(1, 2)
>>> plot_proportions(t, by="cohort", title="Definitely improved", ax=left) is left
True
"""

from .qual import plot_cooccurrence, plot_theme_frequencies
from .spc import plot_run_chart, plot_spc
from .staff_survey import plot_event_study, plot_funnel, plot_item_trend
from .style import NHS_COLOURS, figure, use_report_style
from .survey import plot_likert, plot_proportions

__all__ = [
    "NHS_COLOURS",
    "figure",
    "plot_cooccurrence",
    "plot_event_study",
    "plot_funnel",
    "plot_item_trend",
    "plot_likert",
    "plot_proportions",
    "plot_run_chart",
    "plot_spc",
    "plot_theme_frequencies",
    "use_report_style",
]
