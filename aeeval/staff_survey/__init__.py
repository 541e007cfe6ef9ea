"""NHS Staff Survey: reading and harmonising trust results (:mod:`.reading`) and the models that
take them (:mod:`.models`).

Every name is importable from here (``from aeeval.staff_survey import item_trend``); the funnel
limits, which are not specific to the Staff Survey, live in :mod:`aeeval.funnel` and are
re-exported here too.
"""

from ..funnel import funnel_flags, funnel_limits
from .mergers import MERGER_RULES, apply_successors
from .models import (
    COVID_YEAR,
    PARTICIPATION_DESIGNS,
    VOLUNTARY_CAVEAT,
    bacon_decomposition,
    honest_bounds,
    item_trend,
    item_trend_changes,
    participation_effect,
    pretrend_test,
    sensitivity_analysis,
)
from .reading import (
    FIELDWORK,
    ITEM_MAP,
    NHSER_NAMES,
    RESULT_COLUMNS,
    load_fieldwork,
    load_item_map,
    read_staff_survey,
    register_start_years,
    select_staff_survey,
)
from .staggered import EstimatorError

__all__ = [
    "COVID_YEAR",
    "FIELDWORK",
    "ITEM_MAP",
    "MERGER_RULES",
    "NHSER_NAMES",
    "RESULT_COLUMNS",
    "PARTICIPATION_DESIGNS",
    "VOLUNTARY_CAVEAT",
    "EstimatorError",
    "apply_successors",
    "bacon_decomposition",
    "honest_bounds",
    "funnel_flags",
    "funnel_limits",
    "item_trend",
    "item_trend_changes",
    "load_fieldwork",
    "load_item_map",
    "participation_effect",
    "pretrend_test",
    "sensitivity_analysis",
    "read_staff_survey",
    "register_start_years",
    "select_staff_survey",
]
