"""aeeval: an evaluation and research workbench for NHS England's Always Events programme.

``import aeeval`` is lazy (PEP 562): a public name is imported from its submodule the first time
it is used, so the command line (``aeeval --help``, ``aeeval validate``) and a report kernel's
first cell do not load scipy, statsmodels or matplotlib they do not need. ``ae.NAME`` and
``from aeeval import NAME`` work as before; ``ae.SUBMODULE`` (e.g. ``ae.qual``) imports it.

Examples
--------
>>> import aeeval as ae
>>> [round(x, 3) for x in ae.proportion_ci(3, 10, method="wilson")]  # imports aeeval.proportions
[0.108, 0.603]
>>> "proportion_ci" in dir(ae)
True
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

# Every public name → the submodule (of aeeval) that defines it. To move a function, edit its
# submodule here; __all__, __getattr__ and __dir__ follow.
_EXPORTS = {
    "load_evaluation": "evaluation",
    "AeevalError": "errors",
    "AeevalWarning": "errors",
    "ReportError": "publish.report",
    "run_report": "publish.report",
    "AgreementError": "agreement",
    "QDAFormatError": "qual",
    "QDAWarning": "qual",
    "code_agreement": "agreement",
    "cohens_kappa": "agreement",
    "cooccurrence": "qual",
    "fleiss_kappa": "agreement",
    "gwet_ac1": "agreement",
    "framework_matrix": "qual",
    "framework_table": "qual",
    "interpret_alpha": "agreement",
    "interpret_kappa": "agreement",
    "krippendorff_alpha": "agreement",
    "pabak": "agreement",
    "presence_table": "agreement",
    "prevalence_note": "agreement",
    "read_qdc": "qual",
    "read_qdpx": "qual",
    "read_qualcoder": "qual",
    "read_qualcoder_export": "qual",
    "read_segments": "qual",
    "read_segments_csv": "qual",
    "select_quotes": "qual",
    "code_label": "qual",
    "code_labels": "qual",
    "theme_frequencies": "qual",
    "write_qdc": "qual",
    "write_qdpx": "qual",
    "ValidationError": "schemas",
    "ExportError": "exports",
    "SurveyExportWarning": "exports",
    "read_export": "exports",
    "recognise_export": "exports",
    "survey_map": "exports",
    "write_survey_map": "exports",
    "code_responses": "coding",
    "funnel_flags": "funnel",
    "funnel_limits": "funnel",
    "funnel_overdispersion": "funnel",
    "apply_successors": "staff_survey",
    "item_trend": "staff_survey",
    "item_trend_changes": "staff_survey",
    "load_fieldwork": "staff_survey",
    "load_item_map": "staff_survey",
    "participation_effect": "staff_survey",
    "bacon_decomposition": "staff_survey",
    "EstimatorError": "staff_survey",
    "honest_bounds": "staff_survey",
    "pretrend_test": "staff_survey",
    "sensitivity_analysis": "staff_survey",
    "read_staff_survey": "staff_survey",
    "select_staff_survey": "staff_survey",
    "headline_figures": "survey",
    "load_survey": "survey",
    "load_codebook": "coding",
    "proportion_ci": "proportions",
    "proportions": "proportions",
    "cluster_variance": "proportions",
    "read_table": "schemas",
    "redact": "redaction",
    "safe_image": "publish.figures",
    "say": "tables",
    "show": "tables",
    "suppress": "disclosure",
    "validate_table": "schemas",
    "ChartError": "spc",
    "TrialLimitsWarning": "spc",
    "anhoej_limits": "spc",
    "c_chart": "spc",
    "g_chart": "spc",
    "p_chart": "spc",
    "run_chart": "spc",
    "runs_limits": "spc",
    "spc_summary": "spc",
    "t_chart": "spc",
    "u_chart": "spc",
    "xmr": "spc",
    "ae_four_hour_performance": "measures",
    "read_ae_attendances": "measures",
    "select_measure": "measures",
    "adjust_p": "compare",
    "compare_groups": "compare",
    "compare_proportions": "compare",
    "miettinen_nurminen": "compare",
    "distribution": "proportions",
    "group_test": "compare",
    "headline_comparisons": "survey",
    "headline_tests": "survey",
    "read_comparisons": "reading",
    "read_proportions": "reading",
    "read_tests": "reading",
    "trend_test": "compare",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    elif name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("aeeval")
        except PackageNotFoundError:  # running from a source tree that is not installed
            value = "0.0.0+unknown"
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")  # ae.qual, ae.publish, ...
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # resolved once; later lookups do not reach __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """Keeps a public name that is also a submodule's name (``proportions``) bound to the function.

    Importing a submodule sets it as an attribute of its package; eagerly, ``from .proportions
    import proportions`` overwrote that at once. Lazily, the submodule may be imported later (by
    another submodule), so that binding is refused here and ``__getattr__`` gives the function.
    The submodule itself stays importable (``from aeeval.proportions import ...``).
    """

    def __setattr__(self, name, value):
        if (
            name in _EXPORTS
            and isinstance(value, types.ModuleType)
            and value.__name__ == f"{__name__}.{name}"
        ):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
