"""NHS identity colours and matplotlib settings that make figures identical run to run."""

from __future__ import annotations

import matplotlib

__all__ = ["NHS_COLOURS", "REPORT_RC", "figure", "use_report_style"]

#: NHS identity guidelines colour palette (https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/).
NHS_COLOURS = {
    "blue": "#005EB8",
    "dark_blue": "#003087",
    "bright_blue": "#0072CE",
    "light_blue": "#41B6E6",
    "aqua_blue": "#00A9CE",
    "dark_grey": "#425563",
    "mid_grey": "#768692",
    "pale_grey": "#E8EDEE",
    "black": "#231F20",
    "green": "#009639",
    "aqua_green": "#00A499",
    "warm_yellow": "#FFB81C",
    "orange": "#ED8B00",
    "red": "#DA291C",
    "purple": "#330072",
    "pink": "#AE2573",
}

#: Fixed fonts, sizes and metadata so that the same data give the same image bytes.
REPORT_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "svg.hashsalt": "aeeval",
    "path.simplify": False,
}


def use_report_style() -> None:
    """Apply :data:`REPORT_RC` to matplotlib (called by :func:`figure`)."""
    matplotlib.rcParams.update(REPORT_RC)


def figure(width: float = 6.5, height: float = 3.2, **kwargs):
    """A new ``(fig, ax)`` in the report style, sized in inches for an A4 page."""
    import matplotlib.pyplot as plt

    use_report_style()
    return plt.subplots(figsize=(width, height), layout="constrained", **kwargs)
