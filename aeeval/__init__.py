"""aeeval: an evaluation and research workbench for NHS England's Always Events programme."""

from importlib.metadata import PackageNotFoundError, version

from .coding import code_responses, load_codebook
from .compare import adjust_p, compare_groups, compare_proportions, group_test, trend_test
from .disclosure import suppress
from .proportions import distribution, proportion_ci, proportions
from .reading import read_comparisons, read_proportions, read_tests
from .schemas import ValidationError, read_table, validate_table
from .survey import headline_comparisons, headline_figures, headline_tests, load_survey
from .tables import show

try:
    __version__ = version("aeeval")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "ValidationError",
    "code_responses",
    "headline_figures",
    "load_survey",
    "load_codebook",
    "proportion_ci",
    "proportions",
    "read_table",
    "show",
    "suppress",
    "validate_table",
    "adjust_p",
    "compare_groups",
    "compare_proportions",
    "distribution",
    "group_test",
    "headline_comparisons",
    "headline_tests",
    "read_comparisons",
    "read_proportions",
    "read_tests",
    "trend_test",
]
