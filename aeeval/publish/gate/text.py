"""The disclosure gate's check of published text: identifiers (e-mail addresses, NHS numbers, UK
telephone numbers, postcodes, listed names) in the PDF's and the HTML's text, in the text of
figures, and in every value of a JSON document whatever its type.

Every check reads text through :func:`aeeval.redaction.find_identifiers`, so invisible
characters, look-alike letters, accents and full-width forms are folded first
(:func:`aeeval.redaction.normalise`). No message repeats an identifier or a name: each is masked
(:func:`mask`).
"""

from __future__ import annotations

import re

from ...redaction import find_identifiers

__all__ = [
    "KINDS",
    "check_figures",
    "check_joined",
    "check_text",
    "check_value",
    "html_text",
    "mask",
    "value_identifiers",
    "value_text",
]

_COLUMN_GAP = re.compile(r"[^\S\r\n]{2,}")  # two or more spaces in page-layout text
#: How a finding names each kind of identifier.
KINDS = {
    "email": "e-mail address",
    "nhs_number": "NHS number",
    "phone": "telephone number",
    "postcode": "postcode",
    "name": "name",
}
_CONTAINERS = (dict, list, tuple)  # what check_value reads item by item
# Only digits and the marks around numbers: tick labels, bar labels, counts.
_NUMERIC = re.compile(r"[\d\s.,/%()+\-\u2212]*")


def mask(value: str) -> str:
    """An identifier with all but its first character masked, for messages."""
    kept = value[0] if value else ""
    return kept + "*" * (len(value) - 1)


def _said(ident) -> str:
    return f"unredacted {KINDS.get(ident.kind, ident.kind)} {mask(ident.value)}"


def _cells_of_a_printed_table(ident) -> bool:
    """An NHS number read across the cells of a table printed in fixed-width columns (a
    DataFrame's text, ``print(df)``): cells are one space apart there, so "2666 3181 84" is two
    counts and a percentage. There, only an NHS number written as one is one: ten digits, or
    3-3-4 ("943 476 5919"), or with hyphens, dots or slashes."""
    if ident.kind != "nhs_number" or not re.fullmatch(r"[\d ]+", ident.value):
        return False
    return [len(g) for g in ident.value.split()] not in ([10], [3, 3, 4])


def check_text(
    text: str, where: str, *, columns: bool = False, names=(), printed: bool = False
) -> list[str]:
    """Findings of identifiers (e-mail, NHS number, phone, postcode, names) in published text.

    ``where`` names the place (e.g. ``"report.pdf page 3"``); each finding adds the line number
    and the identifier with all but its first character masked. With ``columns`` the text is laid
    out as on the page (``pdftotext -layout``) and a gap of two or more spaces is a gap between
    columns: the pieces either side are checked apart, so numbers in neighbouring table cells
    ("2666  3181  84%") are never read as one NHS number. Words inside a cell are one space apart,
    and the HTML check reads the same words with each cell on its own line. ``names`` are
    person names to find too (see :func:`aeeval.redaction.find_identifiers`). With ``printed``
    the text is a program's printed output, where tables are laid out in columns one space apart:
    digits spaced otherwise than an NHS number is written (3-3-4) are cells, not one number.
    """
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for piece in _COLUMN_GAP.split(line) if columns else [line]:
            for ident in find_identifiers(piece, names):
                if not (printed and _cells_of_a_printed_table(ident)):
                    findings.append(f"{where}, line {number}: {_said(ident)}")
    return findings


def check_joined(
    left: str, right: str, where: str, *, names=(), numbers: bool = True, columns: bool = False
) -> list[str]:
    """Findings of identifiers that a break between ``left`` and ``right`` splits.

    For two pieces of text a reader reads on (a line break inside a paragraph, two texts placed
    side by side in a figure): ``"020 7946"`` + ``"0018"``, ``"jane.doe"`` + ``"@nhs.net"``. Only
    identifiers that cross the break are reported (the rest are found in each piece on its own).
    With ``numbers=False``, NHS and telephone numbers made of two purely numeric pieces are left
    out: neighbouring bar or tick labels ("25956", "40372") are not one number. With ``columns``
    (page-layout text, see :func:`check_text`) only the last column of ``left`` and the first of
    ``right`` are joined.
    """
    if columns:
        left, right = _COLUMN_GAP.split(left)[-1], _COLUMN_GAP.split(right)[0]
    findings = []
    joined = f"{left} {right}"
    for ident in find_identifiers(joined, names):
        if not ident.start < len(left) < ident.end:
            continue
        if (
            not numbers
            and ident.kind in ("nhs_number", "phone")
            and _NUMERIC.fullmatch(left)
            and _NUMERIC.fullmatch(right)
        ):
            continue
        findings.append(f"{where}: {_said(ident)}")
    return findings


def value_text(value) -> str | None:
    """A JSON scalar as the text it would show: strings as they are, numbers as their digits
    (an NHS number kept in a float column, ``9434765919.0``, is ``"9434765919"``); ``None`` for
    ``null`` and booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def value_identifiers(value, names=()) -> list:
    """The identifiers :func:`check_value` reports in a JSON scalar: those in its text
    (:func:`value_text`), and in a number of 9 or 10 digits with none, a telephone number that
    lost its leading 0 when it was stored as a number.

    Examples
    --------
    >>> [i.kind for i in value_identifiers(2079460018)]
    ['phone']
    """
    text = value_text(value)
    if not text:
        return []
    found = find_identifiers(text, names)
    if not found and isinstance(value, int | float) and len(text) in (9, 10):
        found = [ident for ident in find_identifiers("0" + text) if ident.kind == "phone"]
    return found


def check_value(value, where: str, *, names=(), key_word: str = "key") -> list[str]:
    """Findings of identifiers in any JSON value, whatever its type: strings, numbers (as their
    digits, see :func:`value_text`), and every key and item of objects and arrays, however deep.

    ``where`` names the value; an item's place is added to it (``"…, column 'quote'"`` with
    ``key_word="column"``, ``"…, item 2"``), never the identifier itself.
    """
    # A place is written out only for a key or item with something to report: most have none.
    findings = []
    if isinstance(value, dict):
        for key, item in value.items():
            text = str(key)
            in_key = find_identifiers(text, names)
            if not in_key and not isinstance(item, _CONTAINERS):
                if not value_identifiers(item, names):
                    continue
            shown = repr(mask(text)) if in_key or len(text) > 40 else repr(text)
            label = f"{where}, {key_word} {shown}"
            for ident in in_key:
                findings.append(f"{label}, in the {key_word}'s own name: {_said(ident)}")
            findings += check_value(item, label, names=names)
    elif isinstance(value, _CONTAINERS):
        for i, item in enumerate(value, start=1):
            if isinstance(item, _CONTAINERS) or value_identifiers(item, names):
                findings += check_value(item, f"{where}, item {i}", names=names)
    else:
        findings += [f"{where}: {_said(ident)}" for ident in value_identifiers(value, names)]
    return findings


def check_figures(figures: list[dict], *, source: str = "executed.ipynb", names=()) -> list[str]:
    """Findings of identifiers in the text of figures (titles, labels, legends, annotations,
    table cells), which the PDF holds only as pictures. ``figures`` as
    :func:`aeeval.publish.figures.collect_figure_texts` gives them; each text is checked on its own, so
    neighbouring tick labels are never read as one number, and each pair of texts placed next
    to each other on one axes (``joined``: an e-mail address written with two ``ax.text``
    calls) is checked across the join.
    """
    findings = []
    for fig in figures:
        where = f"{source}: figure {fig['figure']} of cell In [{fig['cell']}]"
        for text in fig["texts"]:
            for ident in find_identifiers(text, names):
                findings.append(f"{where}, in a title, label or legend: {_said(ident)}")
        for left, right in fig.get("joined", []):
            findings += check_joined(
                left,
                right,
                f"{where}, across two texts placed side by side",
                names=names,
                numbers=False,
            )
    return findings


def html_text(document: str) -> str:
    """The visible text of an HTML report as a browser lays it out: one line per block or table
    cell (see :func:`aeeval.publish.gate.html.read_html`)."""
    from .html import read_html

    return "\n".join(read_html(document).lines)
