"""aeeval: an evaluation and research workbench for NHS England's Always Events programme."""

from importlib.metadata import PackageNotFoundError, version

from .coding import code_responses, load_codebook
from .disclosure import suppress
from .proportions import proportion_ci, proportions
from .schemas import ValidationError, read_table, validate_table
from .staff_survey import (
    funnel_flags,
    funnel_limits,
    item_trend,
    load_item_map,
    participation_effect,
    pretrend_test,
    read_staff_survey,
    select_staff_survey,
)
from .survey import headline_figures, load_survey
from .tables import show

try:
    __version__ = version("aeeval")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "ValidationError",
    "code_responses",
    "funnel_flags",
    "funnel_limits",
    "item_trend",
    "load_item_map",
    "participation_effect",
    "pretrend_test",
    "read_staff_survey",
    "select_staff_survey",
    "headline_figures",
    "load_survey",
    "load_codebook",
    "proportion_ci",
    "proportions",
    "read_table",
    "show",
    "suppress",
    "validate_table",
]
