"""The disclosure gate: the last check before a report is published.

Independent of how a table was made, every table in ``figures.json``, the text of the PDF (and
HTML) and the text of every figure (see :func:`aeeval.figures.record_figure_text`) are scanned.
A row whose base is below its table's ``min_base`` must be flagged ``suppressed`` and show no
value; no text may hold an e-mail address, NHS number, UK telephone number or postcode. Any
finding fails the build, with its location, before anything is moved into place.
"""

from __future__ import annotations

import html
import re
from numbers import Real

from .disclosure import VALUE_COLUMNS
from .options import DEFAULT_MIN_BASE
from .redaction import find_identifiers

__all__ = ["DisclosureError", "check_figures", "check_tables", "check_text", "html_text"]

#: Columns that must be blank in a row whose base is below ``min_base``.
GATED_COLUMNS = (*VALUE_COLUMNS, "positive", "n1", "estimate1", "n2", "estimate2", "difference",
                 "p_value", "p_holm", "p_benjamini_hochberg")
_BASE = re.compile(r"base\d?")
_COLUMN_GAP = re.compile(r"[^\S\r\n]{2,}")  # two or more spaces in page-layout text
_KINDS = {"email": "e-mail address", "nhs_number": "NHS number", "phone": "telephone number",
          "postcode": "postcode"}


class DisclosureError(RuntimeError):
    """A report would disclose: the message lists every finding and where it is."""

    def __init__(self, findings: list[str]):
        self.findings = list(findings)
        super().__init__("the disclosure gate stopped the report:\n  " + "\n  ".join(self.findings))


def _mask(value: str) -> str:
    kept = value[0] if value else ""
    return kept + "*" * (len(value) - 1)


def _row_label(record: dict, columns: list[str], index: int) -> str:
    """Row as a reader finds it: its number in the table (1 = first row) and its label columns."""
    labels = [f"{c}={record[c]}" for c in columns  # short labels only; never repeat an identifier
              if isinstance(record.get(c), str) and c not in GATED_COLUMNS
              and len(record[c]) <= 40 and not find_identifiers(record[c])][:2]
    return f"row {index + 1}" + (f" ({', '.join(labels)})" if labels else "")


def check_tables(figures: dict, *, source: str = "figures.json") -> list[str]:
    """Findings in the tables of a ``figures.json`` document (empty when publishable).

    A table without ``min_base`` is held to the project default
    (:data:`aeeval.options.DEFAULT_MIN_BASE`): safe unless it says otherwise.
    """
    findings = []
    for table in figures.get("tables", []):
        name = table.get("name")
        min_base = table.get("min_base") or DEFAULT_MIN_BASE
        columns = table.get("columns", [])
        bases = [c for c in columns if _BASE.fullmatch(c)]
        where = f"{source}: table '{name}' (cell In [{table.get('cell')}])"
        for i, record in enumerate(table.get("records", [])):
            row = _row_label(record, columns, i)
            for b in bases:
                value = record.get(b)
                if not isinstance(value, Real) or isinstance(value, bool) or not 1 <= value < min_base:
                    continue
                shown = [f"{c}={record[c]}" for c in GATED_COLUMNS if record.get(c) is not None]
                if not record.get("suppressed") or shown:
                    findings.append(
                        f"{where}, {row}: {b} {value} is below min_base {min_base} but the row is "
                        + ("not suppressed" if not record.get("suppressed") else "suppressed")
                        + (f" and shows {', '.join(shown)}" if shown else ""))
                break
            for column, value in record.items():
                for ident in find_identifiers(value) if isinstance(value, str) else ():
                    findings.append(f"{where}, {row}, column '{column}': unredacted "
                                    f"{_KINDS.get(ident.kind, ident.kind)} {_mask(ident.value)}")
    return findings


def check_text(text: str, where: str, *, columns: bool = False) -> list[str]:
    """Findings of identifiers (e-mail, NHS number, phone, postcode) in published text.

    ``where`` names the place (e.g. ``"report.pdf page 3"``); each finding adds the line number
    and the identifier with all but its first character masked. With ``columns`` the text is laid
    out as on the page (``pdftotext -layout``) and a gap of two or more spaces is a gap between
    columns: the pieces either side are checked apart, so numbers in neighbouring table cells
    ("2666  3181  84%") are never read as one NHS number. Words inside a cell are one space apart,
    and the HTML check reads the same words with each cell on its own line.
    """
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for piece in _COLUMN_GAP.split(line) if columns else [line]:
            for ident in find_identifiers(piece):
                findings.append(f"{where}, line {number}: unredacted "
                                f"{_KINDS.get(ident.kind, ident.kind)} {_mask(ident.value)}")
    return findings


def check_figures(figures: list[dict], *, source: str = "executed.ipynb") -> list[str]:
    """Findings of identifiers in the text of figures (titles, labels, legends), which the PDF
    holds only as pictures. ``figures`` as :func:`aeeval.figures.collect_figure_texts` gives them;
    each text is checked on its own, so neighbouring tick labels are never read as one number."""
    findings = []
    for fig in figures:
        where = f"{source}: figure {fig['figure']} of cell In [{fig['cell']}]"
        for text in fig["texts"]:
            for ident in find_identifiers(text):
                findings.append(f"{where}, in a title, label or legend: unredacted "
                                f"{_KINDS.get(ident.kind, ident.kind)} {_mask(ident.value)}")
    return findings


def html_text(document: str) -> str:
    """The visible text of an HTML report, one line per block or table cell (no styles, no scripts).

    Table cells are put on lines of their own so that numbers in neighbouring cells are never read
    as one telephone or NHS number.
    """
    document = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", document)
    document = re.sub(r"(?i)<(br|/p|/div|/li|/h\d|/tr|/td|/th|/pre|/caption|/header)\b[^>]*>", "\n",
                      document)
    document = re.sub(r"<[^>]+>", " ", document)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", html.unescape(line)).strip() for line in document.split("\n"))
    return "\n".join(line for line in lines if line)
