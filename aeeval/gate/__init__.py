"""The disclosure gate: the last check before a report is published.

Independent of how a report was made, :func:`check_published` reads every file of a report folder
that a reader can open — the tables of ``figures.json``, the text of the PDF and the HTML — and the
text of every figure the notebook showed (see :func:`aeeval.figures.record_figure_text`). Any
finding fails the build, with its location, before anything is moved into place.

The checks live in one module each: :mod:`aeeval.gate.tables` (small numbers and identifiers in
tables), :mod:`aeeval.gate.text` (identifiers in text).
"""

from __future__ import annotations

import json
from pathlib import Path

from .counts import check_counts
from .tables import check_tables
from .text import check_figures, check_text, html_text

__all__ = ["DisclosureError", "check_counts", "check_figures", "check_published", "check_tables",
           "check_text", "html_text"]


class DisclosureError(RuntimeError):
    """A report would disclose: the message lists every finding and where it is."""

    def __init__(self, findings: list[str]):
        self.findings = list(findings)
        super().__init__("the disclosure gate stopped the report:\n  " + "\n  ".join(self.findings))


def check_published(folder: Path, *, figure_texts: list[dict], pdf_pages: list[str] | None = None
                    ) -> list[str]:
    """Every finding in a report folder about to be published (empty when publishable).

    ``folder`` holds ``figures.json`` and ``report.html`` (and ``report.pdf``, whose page text as
    ``pdftotext -layout`` reads it is ``pdf_pages``); ``figure_texts`` as
    :func:`aeeval.figures.collect_figure_texts` gives them.
    """
    folder = Path(folder)
    findings = check_tables(json.loads((folder / "figures.json").read_text(encoding="utf-8")))
    findings += check_text(html_text((folder / "report.html").read_text(encoding="utf-8")),
                           "report.html")
    findings += check_figures(figure_texts)
    findings += check_counts(folder, figure_texts=figure_texts)
    for page, text in enumerate(pdf_pages or [], start=1):
        findings += check_text(text, f"report.pdf page {page}", columns=True)
    return findings
