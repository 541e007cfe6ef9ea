"""The disclosure gate's reading of a published PDF: its page text and every string a viewer can
show or follow.

Page text is read as poppler's ``pdftotext -layout`` lays it out (:func:`aeeval.publish.browser.pdf_text`:
what the tests and readers' tools see), column by column. Everything else is read with pypdf
(imported here only, so nothing else pays for it): every text string reachable from the
document's catalogue and its information dictionary — link annotations (``/URI`` of ``mailto:``
and ``tel:`` links, tooltips), the structure tree of the tagged PDF (``/Alt`` of figures,
``/ActualText``, titles), the outline (bookmarks), named destinations, the metadata
(``/Info``, and the XMP packet's text and attribute values) — except the page content streams
(that is the page text), fonts and pictures.
"""

from __future__ import annotations

import re
from pathlib import Path

from .text import check_text, check_value

__all__ = ["check_pdf", "pdf_strings"]

# Keys not followed: links back up the trees (parents, pages of structure elements, the parent
# tree, which only points back into the structure tree), resources (fonts, pictures) and page
# content (read as page text).
_SKIP = frozenset(
    {
        "/Parent",
        "/P",
        "/Pg",
        "/ParentTree",
        "/Resources",
        "/Font",
        "/XObject",
        "/Prev",
        "/Last",
        "/IDTree",
        "/Page",
        "/D",
        "/Dest",
    }
)
_PLACES = {
    "/Outlines": "the outline (bookmarks)",
    "/StructTreeRoot": "the structure tree (alt text)",
    "/Dests": "the named destinations",
    "/Names": "the named destinations",
    "/Metadata": "the XMP metadata",
    "/AcroForm": "the form fields",
}
# Machine identifiers in XMP (uuid:5a4f2b10-…) are not people's.
_UUID = re.compile(r"(?i)\buu?id:[0-9a-f-]+")


def pdf_strings(path: Path) -> list[tuple[str, str]]:
    """Every text string of a PDF outside its page content: ``(place, text)`` pairs, the place
    as a reader would look for it (``"link annotation on page 3 (/URI)"``, ``"the outline
    (bookmarks)"``, ``"the metadata (/Title)"``)."""
    from pypdf import PdfReader
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        StreamObject,
        TextStringObject,
    )

    reader = PdfReader(str(path))
    found: list[tuple[str, str]] = []
    seen: set[int] = set()

    def walk(obj, place: str, key: str = "") -> None:
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, TextStringObject):
            found.append((f"{place} ({key})" if key else place, str(obj)))
        elif isinstance(obj, ByteStringObject):
            found.append((f"{place} ({key})" if key else place, bytes(obj).decode("latin-1")))
        elif isinstance(obj, StreamObject):
            if (
                key == "/Metadata"
                or obj.get("/Type") == "/Metadata"
                or obj.get("/Subtype") == "/XML"
            ):
                found.extend((place, text) for text in _xmp_texts(obj.get_data()))
        elif isinstance(obj, DictionaryObject):
            if obj.get("/Type") in ("/Page", "/Pages"):
                return  # reached from a destination: pages are read one by one below
            for k, v in obj.items():
                if k in _SKIP:
                    continue
                if place == "the named destinations":
                    found.append((place, str(k)))
                walk(v, place, k)
        elif isinstance(obj, ArrayObject):
            for v in obj:
                walk(v, place, key)
        elif isinstance(obj, NameObject) and place == "the named destinations" and key == "/Names":
            found.append((place, str(obj)))

    info = reader.trailer.get("/Info")
    if info is not None:
        walk(info, "the metadata")
    root = reader.trailer["/Root"]
    for k, v in root.items():
        if k not in ("/Pages", "/Type"):
            walk(v, _PLACES.get(k, f"the document catalogue ({k})"), k)
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots", None) or []:
            annot = annot.get_object()
            kind = str(annot.get("/Subtype", "/Annot")).lstrip("/").lower()
            for k, v in annot.items():
                if k in _SKIP or k in ("/Subtype", "/Type"):
                    continue
                walk(v, f"{kind} annotation on page {number}", k)
    return found


def _xmp_texts(data: bytes) -> list[str]:
    """Text and attribute values of an XMP packet (or any XML), machine ids left out."""
    import xml.etree.ElementTree as ET

    try:
        tree = ET.fromstring(data)
    except ET.ParseError:
        return [_UUID.sub(" ", data.decode("utf-8", "replace"))]
    texts = []
    for element in tree.iter():
        texts += [v for v in element.attrib.values()]
        texts += [t for t in (element.text, element.tail) if t and t.strip()]
    return [_UUID.sub(" ", t) for t in texts]


def check_pdf(
    path: Path, where: str = "report.pdf", *, pages: list[str] | None = None, names=()
) -> list[str]:
    """Every finding of identifiers (and ``names``) in a PDF.

    ``pages`` is its page text as :func:`aeeval.publish.browser.pdf_text` reads it (``"<where> page 3,
    line 12"``); every other string is found with :func:`pdf_strings` (``"<where>, link
    annotation on page 3 (/URI)"``).
    """
    findings = []
    for page, text in enumerate(pages or [], start=1):
        findings += check_text(text, f"{where} page {page}", columns=True, names=names)
    for place, text in pdf_strings(Path(path)):
        for offset, line in enumerate(text.splitlines() or [""], start=1):
            label = f"{where}, {place}" + (f", line {offset}" if "\n" in text.strip() else "")
            findings += check_value(line, label, names=names)
    return findings
