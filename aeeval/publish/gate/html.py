"""The disclosure gate's reading of a published HTML file: everything a reader can see or follow.

The whole document is read, nothing is stripped from it:

- the rendered text, as a browser lays it out: inline elements (``<span>``, ``<a>``, ``<b>``,
  empty tags, ``<wbr>``) do not split a word, so ``jane<span></span>@nhs.net`` is one address;
  each block element and each table cell is a line of its own, so numbers in neighbouring cells
  are never read as one NHS number; a line break inside a block (``<br>``, a new line in
  ``<pre>``) is a line for the reader, and an identifier split across it is still found;
- every attribute value (``href`` with ``mailto:`` and ``tel:`` links, percent-decoded, ``src``
  apart from the picture data of a ``data:`` URI, ``alt``, ``title``, ``aria-*``, ``data-*`` …);
- comments, the document's ``<title>``, the content of ``<script>`` elements, and of
  ``<style>`` elements what a reader can be shown or follow: strings (CSS ``content:``),
  ``url()`` values and comments (not the colours and sizes, where ``#ff80ab`` would read as a
  postcode), line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

from .text import check_joined, check_text, check_value, value_identifiers

__all__ = ["HTMLReading", "check_html", "read_html"]

#: Elements a browser lays out as blocks (or table cells): each starts a new line.
BLOCKS = frozenset(
    """address article aside blockquote body caption center dd details dialog dir
div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html li
main menu nav ol option p pre section summary table tbody td tfoot th thead tr ul legend
""".split()
)
#: Elements whose content is not laid out as text (read apart, as source lines).
HIDDEN = frozenset({"script", "style", "title", "template", "noscript", "textarea"})
_SPACES = re.compile(r"\s+")
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# What a reader can see or follow in a style sheet: strings (``content: "…"``), url()s, comments.
_CSS_TEXT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|url\([^)]*\)|/\*.*?\*/', re.S)
_URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "cite",
        "poster",
        "srcset",
        "background",
        "longdesc",
        "ping",
        "xlink:href",
    }
)


@dataclass
class HTMLReading:
    """What :func:`read_html` finds in a document.

    ``lines``: the rendered text, one line per block, cell or line of a block; ``soft``: the
    indices ``i`` such that ``lines[i]`` and ``lines[i + 1]`` are two lines of one block (a
    reader reads on from one to the next); ``other``: ``(source line, what, text)`` for every
    attribute value, comment, title, script and style.
    """

    lines: list[str] = field(default_factory=list)
    soft: set[int] = field(default_factory=set)
    other: list[tuple[int, str, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.reading = HTMLReading()
        self.current: list[str] = []  # text of the line being laid out
        self.pending_soft = False  # the line being laid out follows a break inside a block
        self.hidden: list[str] = []  # open hidden elements (script, style …)
        self.hidden_text: list[str] = []
        self.pre = 0

    # --- layout ---
    def _end_line(self, soft: bool) -> None:
        if not self.current:  # nothing laid out since the last line ended (most block tags)
            if not soft:
                self.pending_soft = False
            return
        # Outside <pre> a browser shows any run of white space (non-breaking too) as one space.
        text = (
            _SPACES.sub(" ", "".join(self.current)).strip()
            if not self.pre
            else "".join(self.current).strip()
        )
        self.current = []
        if text:
            if self.pending_soft and self.reading.lines:
                self.reading.soft.add(len(self.reading.lines) - 1)
            self.reading.lines.append(text)
            self.pending_soft = soft
        elif not soft:
            self.pending_soft = False

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if value:
                self._attribute(line, tag, name, value)
        if tag in HIDDEN and tag not in _VOID:
            self.hidden.append(tag)
            return
        if tag == "br":
            self._end_line(soft=True)
        elif tag in BLOCKS:
            self._end_line(soft=False)
            if tag == "pre":
                self.pre += 1

    def handle_startendtag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if value:
                self._attribute(line, tag, name, value)
        if tag == "br":
            self._end_line(soft=True)
        elif tag in BLOCKS:
            self._end_line(soft=False)

    def handle_endtag(self, tag):
        if self.hidden and tag == self.hidden[-1]:
            self.hidden.pop()
            text = "".join(self.hidden_text)
            self.hidden_text = []
            first = self.getpos()[0] - text.count("\n")
            if tag == "style":  # its strings and links, not colours such as #ff80ab
                line, last = first, 0
                for m in _CSS_TEXT.finditer(text):
                    line, last = line + text.count("\n", last, m.start()), m.start()
                    self.reading.other.append((line, "<style>", m.group()))
            else:
                self.reading.other.append((first, f"<{tag}>", text))
            return
        if tag in BLOCKS:
            self._end_line(soft=False)
            if tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data):
        if self.hidden:
            self.hidden_text.append(data)
            return
        if self.pre:
            *lines, last = data.split("\n")
            for piece in lines:
                self.current.append(piece)
                self._end_line(soft=True)
            self.current.append(last)
        else:
            self.current.append(data)

    def handle_comment(self, data):
        self.reading.other.append((self.getpos()[0], "a comment", data))

    def handle_decl(self, decl):
        self.reading.other.append((self.getpos()[0], "the document type", decl))

    def handle_pi(self, data):
        self.reading.other.append((self.getpos()[0], "a processing instruction", data))

    def _attribute(self, line: int, tag: str, name: str, value: str) -> None:
        if name in _URL_ATTRIBUTES or name == "content":
            if value.lstrip().lower().startswith("data:"):
                value = _data_uri_text(value)
            elif "%" in value:  # mailto:jane%40nhs.net is followed as jane@nhs.net
                value = unquote(value)
        self.reading.other.append((line, f"<{tag} {name}=>", value))

    def close(self):
        super().close()
        if self.hidden_text:
            self.reading.other.append(
                (self.getpos()[0], f"<{self.hidden[-1]}>", "".join(self.hidden_text))
            )
        self._end_line(soft=False)


def _data_uri_text(uri: str) -> str:
    """What a ``data:`` URI holds as text: its media type, and its content unless it is a picture
    (``data:image/png;base64,…`` is pixels; ``data:text/html,…`` and SVG are text a reader can
    open)."""
    import base64
    import binascii

    head, _, body = uri.partition(",")
    kind = head.lower()
    if kind.startswith("data:image/") and "svg" not in kind:
        return head
    if kind.endswith(";base64"):
        try:
            return head + " " + base64.b64decode(body).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return uri
    return head + " " + unquote(body)


def read_html(document: str) -> HTMLReading:
    """Read an HTML document as a browser lays it out (see the module's description)."""
    reader = _Reader()
    reader.feed(document)
    reader.close()
    return reader.reading


def check_html(document: str, where: str = "report.html", *, names=()) -> list[str]:
    """Every finding of identifiers (and ``names``) anywhere in an HTML document.

    Rendered text: ``"<where>, line N"`` (N: the line of the text as laid out, one block or cell a
    line); split across a break inside a block: ``"<where>, lines N-N+1"``; attribute values,
    comments, scripts and styles: ``"<where>, source line N, in <a href=>"``.
    """
    reading = read_html(document)
    # Lines of <pre> keep their spacing: two or more spaces are a gap between printed columns.
    findings = check_text("\n".join(reading.lines), where, names=names, columns=True)
    for i in sorted(reading.soft):
        findings += check_joined(
            reading.lines[i],
            reading.lines[i + 1],
            f"{where}, lines {i + 1}-{i + 2} (one block)",
            names=names,
            columns=True,
        )
    for line, what, text in reading.other:
        for offset, piece in enumerate(text.split("\n")):
            if value_identifiers(piece, names):  # its place is written out only when needed
                findings += check_value(
                    piece, f"{where}, source line {line + offset}, in {what}", names=names
                )
    return findings
