"""Figures. Computation lives in the statistics modules; these functions only draw.

One submodule per analysis (``survey``, ``qual``, ``spc``, ``staff_survey``); :mod:`.style` holds the
NHS colours and the deterministic matplotlib settings every figure uses.
"""

from .spc import plot_run_chart, plot_spc
from .style import NHS_COLOURS, figure, use_report_style
from .survey import likert_bars, proportion_dots

__all__ = ["NHS_COLOURS", "figure", "likert_bars", "plot_run_chart", "plot_spc", "proportion_dots",
           "use_report_style"]
