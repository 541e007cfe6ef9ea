"""aeeval: an evaluation and research workbench for NHS England's Always Events programme."""

from importlib.metadata import PackageNotFoundError, version

from .agreement import (
    AgreementError,
    code_agreement,
    cohens_kappa,
    fleiss_kappa,
    interpret_alpha,
    interpret_kappa,
    krippendorff_alpha,
    presence_table,
)
from .coding import code_responses, load_codebook
from .compare import adjust_p, compare_groups, compare_proportions, group_test, trend_test
from .disclosure import suppress
from .evaluation import load_evaluation
from .figures import safe_image
from .measures import ae_four_hour_performance, read_ae_attendances, select_measure
from .proportions import distribution, proportion_ci, proportions
from .qual import (
    QDAFormatError,
    QDAWarning,
    cooccurrence,
    framework_matrix,
    framework_table,
    read_qdc,
    read_qdpx,
    read_qualcoder,
    read_qualcoder_export,
    read_segments,
    read_segments_csv,
    select_quotes,
    theme_frequencies,
    write_qdc,
    write_qdpx,
)
from .reading import read_comparisons, read_proportions, read_tests
from .redaction import redact
from .report import ReportError, run_report
from .schemas import ValidationError, read_table, validate_table
from .spc import TrialLimitsWarning, p_chart, run_chart, runs_limits, spc_summary, xmr
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
from .survey import headline_comparisons, headline_figures, headline_tests, load_survey
from .tables import say, show

try:
    __version__ = version("aeeval")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "load_evaluation",
    "ReportError",
    "run_report",
    "AgreementError",
    "QDAFormatError",
    "QDAWarning",
    "code_agreement",
    "cohens_kappa",
    "cooccurrence",
    "fleiss_kappa",
    "framework_matrix",
    "framework_table",
    "interpret_alpha",
    "interpret_kappa",
    "krippendorff_alpha",
    "presence_table",
    "read_qdc",
    "read_qdpx",
    "read_qualcoder",
    "read_qualcoder_export",
    "read_segments",
    "read_segments_csv",
    "select_quotes",
    "theme_frequencies",
    "write_qdc",
    "write_qdpx",
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
    "redact",
    "safe_image",
    "say",
    "show",
    "suppress",
    "validate_table",
    "TrialLimitsWarning",
    "p_chart",
    "run_chart",
    "runs_limits",
    "spc_summary",
    "xmr",
    "ae_four_hour_performance",
    "read_ae_attendances",
    "select_measure",
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
