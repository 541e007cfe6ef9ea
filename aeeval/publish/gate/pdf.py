"""The disclosure gate's reading of a published PDF: its page text and every string a viewer can
show or follow.

Page text is read as poppler's ``pdftotext -layout`` lays it out (:func:`aeeval.publish.browser.pdf_text`:
what the tests and readers' tools see), column by column. Everything else is read with pikepdf
(qpdf's parser, imported here only, so nothing else pays for it): every text string reachable
from the document's catalogue and its information dictionary — link annotations (``/URI`` of
``mailto:`` and ``tel:`` links, tooltips), the structure tree of the tagged PDF (``/Alt`` of
figures, ``/ActualText``, titles), the outline (bookmarks), named destinations, the metadata
(``/Info``, and the XMP packet's text and attribute values) — except the page content streams
(that is the page text), fonts and pictures. How this differs from the pypdf reading it replaced
(issue 18): docs/disclosure-rules.md, "How the gate reads a PDF".
"""

from __future__ import annotations

import codecs
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
    (bookmarks)"``, ``"the metadata (/Title)"``).

    The objects are read with pikepdf (qpdf's parser); the keys of each dictionary are followed
    in sorted order, the pages in page order. Each string's bytes are decoded as a PDF text
    string by :func:`_text_string`.

    Examples
    --------
    >>> import pikepdf, tempfile
    >>> pdf = pikepdf.new()
    >>> pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Q3")))
    >>> path = Path(tempfile.mkdtemp()) / "r.pdf"
    >>> pdf.save(path)
    >>> pdf_strings(path)
    [('the metadata (/Title)', 'Q3')]
    """
    import pikepdf

    found: list[tuple[str, str]] = []
    seen: set[int] = set()
    named = "the named destinations"

    def walk(obj, place: str, key: str = "") -> None:
        if not isinstance(obj, pikepdf.Object):
            return  # numbers, booleans and null: pikepdf gives them as Python values
        if obj.is_indirect:
            if obj.objgen[0] in seen:
                return
            seen.add(obj.objgen[0])
        if isinstance(obj, pikepdf.String):
            found.append((f"{place} ({key})" if key else place, _text_string(bytes(obj))))
        elif isinstance(obj, pikepdf.Stream):
            if (
                key == "/Metadata"
                or obj.get("/Type") == "/Metadata"
                or obj.get("/Subtype") == "/XML"
            ):
                found.extend((place, text) for text in _xmp_texts(obj.read_bytes()))
        elif isinstance(obj, pikepdf.Dictionary):
            if obj.get("/Type") in ("/Page", "/Pages"):
                return  # reached from a destination: pages are read one by one below
            for k, v in obj.items():
                if k in _SKIP:
                    continue
                if place == named:
                    found.append((place, k))
                walk(v, place, k)
        elif isinstance(obj, pikepdf.Array):
            for v in obj:
                walk(v, place, key)
        elif isinstance(obj, pikepdf.Name) and place == named and key == "/Names":
            found.append((place, str(obj)))

    with pikepdf.open(path) as pdf:
        info = pdf.trailer.get("/Info")
        if info is not None:
            walk(info, "the metadata")
        for k, v in pdf.Root.items():
            if k not in ("/Pages", "/Type"):
                walk(v, _PLACES.get(k, f"the document catalogue ({k})"), k)
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.obj.get("/Annots") or []:
                kind = str(annot.get("/Subtype", "/Annot")).lstrip("/").lower()
                for k, v in annot.items():
                    if k in _SKIP or k in ("/Subtype", "/Type"):
                        continue
                    walk(v, f"{kind} annotation on page {number}", k)
    return found


def _text_string(raw: bytes) -> str:
    """A PDF string's bytes as text, decoded as pypdf 7 decodes them (this gate read PDFs with
    pypdf before, and finds the same strings).

    A text string (ISO 32000-2:2020, 7.9.2.2) is UTF-16BE after the byte order mark FE FF,
    UTF-8 after EF BB BF, else PDFDocEncoding (Annex D). Like pypdf: FF FE marks UTF-16LE; a
    string without a mark whose first byte is 00 is read as UTF-16BE, one whose second byte is
    00 as UTF-16LE; UTF-8 that does not decode is read as PDFDocEncoding, mark included. Bytes
    that are none of these (UTF-16 that does not decode; bytes 00, 16, 7F, 9F or AD, which
    pypdf's PDFDocEncoding table leaves undefined) are read as Latin-1, byte for byte.

    Examples
    --------
    >>> _text_string(b"\\xfe\\xff\\x00L\\x00S\\x001")
    'LS1'
    >>> _text_string(b"\\x80 item")  # PDFDocEncoding 200 (octal) is a bullet
    '• item'
    >>> _text_string(b"caf\\xe9\\x7f")  # 7F is undefined in PDFDocEncoding: Latin-1
    'café\\x7f'

    References
    ----------
    .. [1] ISO 32000-2:2020, Document management — Portable document format — Part 2: PDF 2.0,
       7.9.2.2 (text string type) and Annex D (PDFDocEncoding).
    .. [2] pypdf 7.1, ``pypdf/generic/_utils.py``: ``create_string_object``,
       ``_create_unicode_string_object``, ``decode_pdfdocencoding``.
    """
    import pikepdf  # noqa: F401  (registers the "pdfdoc" codec)

    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            pass  # read as PDFDocEncoding below
    else:
        try:
            if raw.startswith((codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)):
                return raw.decode("utf-16")
            if raw.startswith(b"\x00"):
                return raw.decode("utf-16-be")
            if raw[1:2] == b"\x00":
                return raw.decode("utf-16-le")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    if b"\x00" in raw or b"\x16" in raw:  # defined by pikepdf's codec, not by pypdf's table
        return raw.decode("latin-1")
    try:
        return raw.decode("pdfdoc")
    except UnicodeDecodeError:  # 7F, 9F, AD
        return raw.decode("latin-1")


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
