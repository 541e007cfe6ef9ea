"""The disclosure gate: the last check before a report is published.

Independent of how a report was made, :func:`check_published` reads every byte of a report
folder that a reader can see or follow — ``figures.json`` whole, every cell of ``tables.xlsx``,
the PDF (page text, links, alternative text, outline, metadata), the HTML (rendered text, attributes, comments, scripts,
styles), the executed notebook (sources, comments, every output's every MIME type) — and the
text of every figure the notebook showed (see :func:`aeeval.publish.figures.record_figure_text`), for
identifiers and for the names of the register's contacts and of a names list. Any finding fails
the build, with its location, before anything is moved into place.

The checks live in one module each: :mod:`aeeval.publish.gate.tables` (small numbers and identifiers in
tables), :mod:`aeeval.publish.gate.text` (identifiers in text, figures and JSON values),
:mod:`aeeval.publish.gate.html`, :mod:`aeeval.publish.gate.pdf`, :mod:`aeeval.publish.gate.notebook` (reading each kind
of file) and :mod:`aeeval.publish.gate.names` (which names to look for).
"""

from __future__ import annotations

import json
from pathlib import Path

from ...errors import AeevalError
from .counts import check_counts
from .html import check_html
from .names import register_names
from .notebook import check_notebook
from .tables import check_tables
from .text import check_figures, check_text, check_value, html_text
from .workbook import check_workbook

__all__ = [
    "DisclosureError",
    "check_counts",
    "check_document",
    "check_figures",
    "check_html",
    "check_notebook",
    "check_published",
    "check_tables",
    "check_text",
    "check_workbook",
    "html_text",
]


class DisclosureError(AeevalError, RuntimeError):
    """A report would disclose: the message lists every finding and where it is."""

    def __init__(self, findings: list[str]):
        self.findings = list(findings)
        super().__init__("the disclosure gate stopped the report:\n  " + "\n  ".join(self.findings))


def check_document(figures: dict, *, source: str = "figures.json", names=()) -> list[str]:
    """Findings in a ``figures.json`` document outside its tables' rows (which
    :func:`check_tables` reads): every key and value, whatever its type — notebook, parameters,
    table names, titles, columns."""
    rest = {k: v for k, v in figures.items() if k != "tables"}
    findings = check_value(rest, source, names=names)
    for table in figures.get("tables", []):
        where = f"{source}: table '{table.get('name')}' (cell In [{table.get('cell')}])"
        findings += check_value(
            {k: v for k, v in table.items() if k != "records"}, where, names=names
        )
    return findings


def check_published(
    folder: Path,
    *,
    figure_texts: list[dict],
    pdf_pages: list[str] | None = None,
    names=(),
    inputs=(),
) -> list[str]:
    """Every finding in a report folder about to be published (empty when publishable).

    ``folder`` holds ``figures.json``, ``tables.xlsx``, ``report.html``, ``executed.ipynb``,
    ``manifest.json`` (and ``report.pdf``, whose page text as ``pdftotext -layout`` reads it is ``pdf_pages``);
    ``figure_texts`` as :func:`aeeval.publish.figures.collect_figure_texts` gives them. ``names``: person
    names to look for besides those of the register's contact columns, which are read from the
    register among ``inputs`` (the files the kernel read, :func:`aeeval.publish.gate.names.register_names`).
    """
    import nbformat

    folder = Path(folder)
    found, findings = register_names(inputs)
    names = tuple(sorted({*[n for n in names if n and n.strip()], *found}))
    figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    findings += check_tables(figures, names=names)
    findings += check_document(figures, names=names)
    if (folder / "tables.xlsx").exists():  # made from figures.json; its own text is read too
        findings += check_workbook(folder / "tables.xlsx", names=names)
    findings += check_html(
        (folder / "report.html").read_text(encoding="utf-8"), "report.html", names=names
    )
    if (folder / "executed.ipynb").exists():
        findings += check_notebook(
            nbformat.read(str(folder / "executed.ipynb"), as_version=4), names=names
        )
    if (folder / "manifest.json").exists():  # parameters, parameter files' and inputs' paths
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        findings += check_value(manifest, "manifest.json", names=names)
    findings += check_figures(figure_texts, names=names)
    findings += check_counts(folder, figure_texts=figure_texts)
    if (folder / "report.pdf").exists():
        from .pdf import check_pdf

        findings += check_pdf(folder / "report.pdf", pages=pdf_pages, names=names)
    return findings
