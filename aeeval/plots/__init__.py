"""Figures. Computation lives in the statistics modules; these functions only draw.

One submodule per analysis (``survey``, ``qual``, ``spc``, ``staff_survey``); :mod:`.style` holds the
NHS colours and the deterministic matplotlib settings every figure uses.
"""

from .spc import plot_run_chart, plot_spc
from .style import NHS_COLOURS, figure, use_report_style

__all__ = ["NHS_COLOURS", "figure", "plot_run_chart", "plot_spc", "use_report_style"]
