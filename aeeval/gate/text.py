"""The disclosure gate's check of published text: identifiers (e-mail addresses, NHS numbers, UK
telephone numbers, postcodes) in the PDF's and the HTML's text and in the text of figures.
"""

from __future__ import annotations

import html
import re

from ..redaction import find_identifiers

__all__ = ["KINDS", "check_figures", "check_text", "html_text", "mask"]

_COLUMN_GAP = re.compile(r"[^\S\r\n]{2,}")  # two or more spaces in page-layout text
#: How a finding names each kind of identifier.
KINDS = {"email": "e-mail address", "nhs_number": "NHS number", "phone": "telephone number",
         "postcode": "postcode"}


def mask(value: str) -> str:
    """An identifier with all but its first character masked, for messages."""
    kept = value[0] if value else ""
    return kept + "*" * (len(value) - 1)


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
                                f"{KINDS.get(ident.kind, ident.kind)} {mask(ident.value)}")
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
                                f"{KINDS.get(ident.kind, ident.kind)} {mask(ident.value)}")
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
