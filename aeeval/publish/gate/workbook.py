"""The disclosure gate's reading of ``tables.xlsx``: every sheet name and cell a reader can see.

The workbook is built from ``figures.json`` alone (:func:`aeeval.publish.figures.write_tables_workbook`),
whose tables :mod:`aeeval.publish.gate.tables` checks for small numbers; here its own text is read
as well, for identifiers and names, so a cell the writer got wrong cannot slip through.
"""

from __future__ import annotations

from pathlib import Path

from ...redaction import find_identifiers
from .text import check_value, mask, value_identifiers

__all__ = ["check_workbook"]


def check_workbook(path: Path, where: str = "tables.xlsx", *, names=()) -> list[str]:
    """Findings of identifiers (e-mail, NHS number, phone, postcode, ``names``) in a workbook.

    Every sheet's name and every cell's value (text, or a number as its digits) is read, with
    its place: ``"tables.xlsx: sheet 'rate', cell B4: …"``. Small numbers are the business of
    the check of ``figures.json``, the records the workbook is made from.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from openpyxl import Workbook
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     book = Workbook()
    ...     book.active.title = "quotes"
    ...     book.active["B4"] = "Ask jo.bloggs@nhs.net"
    ...     book.save(Path(folder, "tables.xlsx"))
    ...     check_workbook(Path(folder, "tables.xlsx"))
    ["tables.xlsx: sheet 'quotes', cell B4: unredacted e-mail address j****************"]
    """
    from openpyxl import load_workbook

    findings = []
    book = load_workbook(str(path), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            shown = mask(sheet.title) if find_identifiers(sheet.title, names) else sheet.title
            place = f"{where}: sheet {shown!r}"  # a name that is an identifier is masked
            findings += check_value(sheet.title, f"{place}, in its name", names=names)
            for row in sheet.iter_rows():
                for cell in row:
                    if (
                        cell.value is None
                        or not hasattr(cell, "coordinate")
                        or not value_identifiers(cell.value, names)  # its place only if needed
                    ):
                        continue
                    findings += check_value(
                        cell.value, f"{place}, cell {cell.coordinate}", names=names
                    )
    finally:
        book.close()
    return findings
