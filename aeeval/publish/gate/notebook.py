"""The disclosure gate's reading of the published ``executed.ipynb``: all of it.

Decision: the executed notebook is published whole and the gate reads every byte of it, rather
than publishing a copy with sources, comments and unread outputs stripped. It is the report's
audit trail — what ran, with which parameters, giving which outputs — and a stripped copy would
no longer reproduce or explain the figures; a reader who opens it sees everything, so everything
is checked:

- every cell's source (code with its comments, Markdown, raw), line by line, and its metadata;
- every output: stream text, error messages and tracebacks, and each MIME type of a rich output —
  the ``text/plain`` alternative as much as the ``text/html`` one (read as
  :mod:`aeeval.publish.gate.html` reads a page: attributes, comments, scripts), ``text/markdown``,
  ``text/latex``, SVG, every JSON payload whatever its values' types — and its metadata;
- the notebook's metadata (papermill's record of the parameters included).

Two payloads are checked where they are published with better places to name: the tables of
``ae.show`` (:data:`aeeval.tables.TABLE_MIMETYPE`, in ``figures.json``) and the text of figures
(:data:`aeeval.publish.figures.FIGURE_TEXT_MIMETYPE`, :func:`aeeval.publish.gate.text.check_figures`).

Pictures: a figure matplotlib drew in the report's kernel carries its text (see
:func:`aeeval.publish.figures.record_figure_text`), so the gate has read it. Any other picture — a PNG or
JPEG output without that text (``IPython.display.Image``, a saved figure shown from its file), an
``<img>`` or ``![…](…)`` in Markdown or HTML, an attachment of a Markdown cell, an RGB picture
drawn into a figure with ``imshow`` — cannot be read and fails the gate, unless it is shown with
:func:`aeeval.publish.figures.safe_image`, which records in the output's metadata who declared it safe
and why.
"""

from __future__ import annotations

import re

from ...mime import TABLE_MIMETYPE
from ..figures import FIGURE_TEXT_MIMETYPE, SAFE_IMAGE
from .html import check_html
from .text import check_text, check_value

__all__ = ["check_notebook"]

_CHECKED_ELSEWHERE = frozenset({TABLE_MIMETYPE, FIGURE_TEXT_MIMETYPE})
_IMG = re.compile(r"(?i)<img\b|!\[[^\]]*\]\([^)]*\)")
_ADVICE = (
    "cannot be read for identifiers; show a picture that is safe to publish with "
    "ae.safe_image(path, reason=...)"
)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _cell_place(where: str, cell, index: int) -> str:
    if cell.get("cell_type") == "code":
        count = cell.get("execution_count")
        return (
            f"{where}: cell In [{count}]"
            if count is not None
            else f"{where}: code cell {index} (not run)"
        )
    return f"{where}: {cell.get('cell_type', 'unknown')} cell {index}"


def check_notebook(nb, where: str = "executed.ipynb", *, names=()) -> list[str]:
    """Every finding in an executed notebook (a node as :func:`nbformat.read` gives it): identifiers
    and ``names`` anywhere in it, and pictures the gate cannot read (see the module's
    description)."""
    findings = check_value(
        dict(nb.get("metadata", {})), f"{where}: the notebook's metadata", names=names
    )
    for index, cell in enumerate(nb.get("cells", []), start=1):
        place = _cell_place(where, cell, index)
        source = _text(cell.get("source", ""))
        findings += check_text(source, f"{place}, source", names=names)
        findings += check_value(dict(cell.get("metadata", {})), f"{place}, metadata", names=names)
        if cell.get("cell_type") == "markdown":
            if _IMG.search(source) or cell.get("attachments"):
                findings.append(f"{place}: a picture in Markdown {_ADVICE}")
            findings += check_value(
                list(cell.get("attachments") or {}), f"{place}, attachment names", names=names
            )
        for k, output in enumerate(cell.get("outputs", []), start=1):
            findings += _check_output(output, f"{place}, output {k}", names)
    return findings


def _check_output(output, place: str, names) -> list[str]:
    kind = output.get("output_type")
    findings = check_value(dict(output.get("metadata", {})), f"{place}, metadata", names=names)
    if kind == "stream":
        return findings + check_text(
            _text(output.get("text", "")),
            f"{place} ({output.get('name', 'stream')})",
            names=names,
            columns=True,
            printed=True,
        )
    if kind == "error":
        findings += check_value(output.get("ename", ""), f"{place}, error name", names=names)
        findings += check_value(output.get("evalue", ""), f"{place}, error message", names=names)
        return findings + check_text(
            "\n".join(output.get("traceback", [])), f"{place}, traceback", names=names
        )
    data = dict(output.get("data", {}))
    safe = str((output.get("metadata", {}).get(SAFE_IMAGE) or {}).get("reason", "")).strip()
    drawn = data.get(FIGURE_TEXT_MIMETYPE)
    if isinstance(drawn, dict) and drawn.get("pictures") and not safe:
        findings.append(
            f"{place}: a figure with {drawn['pictures']} picture(s) drawn into it "
            f"with imshow (RGB data, e.g. a photograph read from a file) {_ADVICE}"
        )
    for mime, value in data.items():
        at = f"{place} ({mime})"
        if mime in _CHECKED_ELSEWHERE:
            continue
        if mime.startswith("image/") and mime != "image/svg+xml":
            if drawn is None and not safe:
                findings.append(
                    f"{at}: a picture not drawn by matplotlib in the report's kernel {_ADVICE}"
                )
            continue
        if mime in ("text/html", "image/svg+xml"):
            text = _text(value)
            findings += check_html(text, at, names=names)
            if ((mime == "image/svg+xml" and drawn is None) or _IMG.search(text)) and not safe:
                findings.append(f"{at}: a picture in HTML output {_ADVICE}")
        elif mime == "text/markdown":
            text = _text(value)
            findings += check_text(text, at, names=names)
            if _IMG.search(text) and not safe:
                findings.append(f"{at}: a picture in Markdown output {_ADVICE}")
        elif isinstance(value, str | list) and mime.startswith("text/"):
            findings += check_text(
                _text(value), at, names=names, columns=True, printed=mime == "text/plain"
            )
        else:
            findings += check_value(value, at, names=names)
    return findings
