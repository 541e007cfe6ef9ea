"""The one root of aeeval's exceptions and warnings.

Every error aeeval raises on purpose is an :class:`AeevalError`, so a program (or a notebook) can
catch them all with one ``except``; each also keeps the built-in class it always had
(:class:`ValueError` for bad input, :class:`RuntimeError` for a failed step), so existing
``except ValueError`` code keeps working. Their messages and structured fields are unchanged:
``ValidationError.problems``, ``CodingError.unmapped``, ``QDAFormatError.file``,
``DisclosureError.findings``, ``ReportError.cell`` / ``ename`` / ``evalue`` …

=========================  =====================  ========================================
class                      module                 raised when
=========================  =====================  ========================================
``InputFileError``         :mod:`aeeval.files`    a file cannot be read
``ValidationError``        :mod:`aeeval.schemas`  a table breaks its schema
``CodingError``            :mod:`aeeval.coding`   answers the codebook does not map
``ExportError``            :mod:`aeeval.exports`  a survey tool's export its mapping cannot read
``DeclarationError``       :mod:`aeeval.disclosure`  a table does not declare its base/rule
``AgreementError``         :mod:`aeeval.agreement`  data that give no agreement statistic
``ChartError``             :mod:`aeeval.spc`      data or options a run or SPC chart cannot use
``EstimatorError``         :mod:`aeeval.staff_survey`  a panel an estimator cannot fit
``QDAFormatError``         :mod:`aeeval.qdaformats`  a QDA file that cannot be read
``ParameterError``         ``aeeval.publish.parameters``  a parameter a notebook does not declare
``ConfigError``            ``aeeval.publish.build``  a build config that cannot run
``OutputError``            ``aeeval.publish.outdir``  an output folder aeeval may not write
``FiguresError``           ``aeeval.publish.figures``  tables that cannot be collected
``BrowserError``           ``aeeval.publish.browser``  Chromium or pdftotext missing or failed
``InputChangedError``      ``aeeval.publish.provenance``  an input changed during a run
``DisclosureError``        ``aeeval.publish.gate``  a report would disclose
``ReportError``            ``aeeval.publish.report``  a report could not be built
=========================  =====================  ========================================

Warnings have one root too, :class:`AeevalWarning` (``QDAWarning``, ``TrialLimitsWarning``,
``SurveyExportWarning``).
"""

__all__ = ["AeevalError", "AeevalWarning"]


class AeevalError(Exception):
    """The root of every exception aeeval raises on purpose."""


class AeevalWarning(UserWarning):
    """The root of every warning aeeval issues."""
