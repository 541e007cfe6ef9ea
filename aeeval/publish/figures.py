"""What a report shows, read from the executed notebook: its tables (``figures.json``) and the text
of its figures (for the disclosure gate).

:func:`aeeval.show` attaches each table's tidy numbers to its output (MIME type
:data:`aeeval.tables.TABLE_MIMETYPE`); here they are collected in notebook order. The document
holds no times or paths that change between runs, so the same inputs and parameters give the same
bytes (:func:`dumps`).

A figure reaches the report as a picture, so its titles, labels and legends are not in the PDF's
text. In a report's kernel :func:`record_figure_text` (run by the report builder before the
notebook's first cell) makes every matplotlib figure the notebook shows also carry its text
(:data:`FIGURE_TEXT_MIMETYPE`); :func:`collect_figure_texts` reads it back for the gate.
"""

from __future__ import annotations

import json

from ..errors import AeevalError
from ..tables import TABLE_MIMETYPE
from .parameters import jsonable

__all__ = [
    "FIGURE_TEXT_MIMETYPE",
    "SAFE_IMAGE",
    "FiguresError",
    "collect_figure_texts",
    "collect_tables",
    "dumps",
    "figure_texts",
    "figures_document",
    "record_figure_text",
    "safe_image",
]

FIGURE_TEXT_MIMETYPE = "application/vnd.aeeval.figure-text+json"
#: The key of an output's metadata that declares a picture safe to publish (:func:`safe_image`).
SAFE_IMAGE = "aeeval/safe-image"


class FiguresError(AeevalError, ValueError):
    """The tables of a notebook cannot be collected (e.g. two tables share a name)."""


def collect_tables(nb) -> list[dict]:
    """The table payloads shown by an executed notebook, each with ``cell``: the execution count
    of the cell that showed it (``In [n]`` in the executed notebook).

    Raises :class:`FiguresError` if two tables share a ``name``: ``figures.json`` keys them by name.
    """
    tables, seen = [], {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIMETYPE)
            if payload is None:
                continue
            name = payload.get("name")
            count = cell.get("execution_count")
            if name in seen:
                raise FiguresError(
                    f"two tables are named {name!r} (cells In [{seen[name]}] and "
                    f"In [{count}]); give each ae.show(...) call its own name="
                )
            seen[name] = count
            tables.append({"cell": count, **payload})
    return tables


def figures_document(nb, *, notebook: str, parameters: dict) -> dict:
    """The ``figures.json`` document: notebook name, parameters and every published table."""
    return {"notebook": notebook, "parameters": jsonable(parameters), "tables": collect_tables(nb)}


def dumps(document: dict) -> str:
    """Serialise deterministically (sorted keys, no NaN)."""
    return (
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )


def _words(text: str) -> str:
    """A figure's text as a reader reads it: white space (line breaks, runs of spaces) as one space."""
    return " ".join(text.split())


def figure_texts(fig) -> dict:
    """What a matplotlib figure says in words.

    ``texts``: every visible, non-blank text — titles, axis and tick labels, legend entries,
    annotations, the cells of ``ax.table()`` — in drawing order, white space normalised (a line
    break is a space), for the disclosure gate. ``joined``: each pair of texts placed one after the
    other on one axes with ``ax.text``/``ax.annotate``, or on the figure with ``fig.text`` (an
    e-mail address written in two pieces), which the gate also reads as one. ``pictures``: how many pictures (RGB or RGBA arrays, such as
    a photograph read from a file) are drawn into it with ``imshow``; the gate refuses them
    unless they are shown with :func:`safe_image` instead. ``alt``: a short description from its
    titles and axis labels, the figure's alternative text in the HTML and the tagged PDF (for
    screen readers), e.g. ``"Chart: Visits by year. Horizontal axis: Year; vertical axis: Visits."``
    """
    from matplotlib.image import AxesImage
    from matplotlib.text import Text

    texts = [_words(t.get_text()) for t in fig.findobj(Text) if t.get_visible()]
    joined = []
    for ax in fig.axes:
        for table in getattr(ax, "tables", []):
            texts += [
                _words(cell.get_text().get_text())
                for cell in table.get_celld().values()
                if cell.get_visible()
            ]
    for group in [fig.texts] + [ax.texts for ax in fig.axes]:  # fig.text(), ax.text(), annotate()
        placed = [_words(t.get_text()) for t in group if t.get_visible()]
        placed = [t for t in placed if t]
        joined += [[a, b] for a, b in zip(placed, placed[1:])]
    pictures = sum(1 for im in fig.findobj(AxesImage) if getattr(im.get_array(), "ndim", 0) == 3)
    return {
        "texts": [t for t in texts if t],
        "joined": joined,
        "pictures": pictures,
        "alt": _description(fig),
    }


def safe_image(filename, *, reason: str, **kwargs) -> None:
    """Show an image file in a report, declared safe to publish (a logo, a diagram, a scan that
    has been checked).

    The disclosure gate refuses every picture a report shows that matplotlib did not draw in the
    report's kernel (``IPython.display.Image``, an ``<img>`` in Markdown or HTML output, a
    photograph drawn with ``imshow``): their content cannot be read for identifiers. This shows
    ``filename`` (``kwargs`` as :class:`IPython.display.Image` takes them) with the declaration
    ``{"aeeval/safe-image": {"reason": reason, "file": <file name>}}`` in the output's metadata,
    published with the executed notebook, so a reviewer sees who vouched for what.

    Raises :class:`ValueError` when ``reason`` is blank.

    Examples
    --------
    Outside a notebook the image is printed as its description; in a notebook it is shown.

    >>> import tempfile
    >>> from pathlib import Path
    >>> PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    ...                     "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db000"
    ...                     "00000049454e44ae426082")  # one transparent pixel
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     logo = Path(folder, "logo.png")
    ...     _ = logo.write_bytes(PNG)
    ...     safe_image(logo, reason="the programme logo: no text, no people")
    <IPython.core.display.Image object>
    >>> safe_image("logo.png", reason=" ")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ae.safe_image needs a reason: say why the picture is safe to publish, ...
    """
    from pathlib import Path

    from IPython.display import Image, display

    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(
            "ae.safe_image needs a reason: say why the picture is safe to publish, "
            "e.g. reason='programme logo, no people or text'"
        )
    display(
        Image(filename=str(filename), **kwargs),
        metadata={SAFE_IMAGE: {"reason": reason.strip(), "file": Path(filename).name}},
    )


def _description(fig) -> str:
    parts = [fig.get_suptitle()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        parts.append(
            " ".join(ax.get_title(loc) for loc in ("left", "center", "right") if ax.get_title(loc))
        )
        labels = "; ".join(
            f"{side} axis: {label}"
            for side, label in (("horizontal", ax.get_xlabel()), ("vertical", ax.get_ylabel()))
            if label
        )
        parts.append(labels[:1].upper() + labels[1:])
    said = [p.strip().rstrip(".") for p in parts if p and p.strip()]
    return "Chart: " + ". ".join(said) + "." if said else "Chart."


def record_figure_text() -> None:
    """In a report's kernel: every matplotlib figure shown from now on also carries its text.

    Adds an IPython display formatter for :data:`FIGURE_TEXT_MIMETYPE`, registered by name
    (matplotlib is not imported until the notebook does) for ``matplotlib.figure.FigureBase``:
    the inline backend clears every formatter's entry for ``Figure`` itself when it starts, and
    formatters look a type's base classes up too. It runs after the PNG formatter has drawn the
    figure, so tick labels are filled in. Outside IPython it does nothing.
    """
    from IPython import get_ipython
    from IPython.core.formatters import JSONFormatter
    from traitlets import ObjectName, Unicode

    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    if FIGURE_TEXT_MIMETYPE not in formatters:

        class FigureTextFormatter(JSONFormatter):
            format_type = Unicode(FIGURE_TEXT_MIMETYPE)
            print_method = ObjectName("_repr_aeeval_figure_text_")

        formatters[FIGURE_TEXT_MIMETYPE] = FigureTextFormatter(parent=shell.display_formatter)
    formatters[FIGURE_TEXT_MIMETYPE].for_type_by_name(
        "matplotlib.figure", "FigureBase", figure_texts
    )


def collect_figure_texts(nb) -> list[dict]:
    """The text of every figure an executed notebook showed: ``{"cell", "figure", "texts",
    "joined", "pictures"}`` (see :func:`figure_texts`), with ``cell`` the execution count
    (``In [n]``) and ``figure`` the figure's number within that cell."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown = [
            o["data"][FIGURE_TEXT_MIMETYPE]
            for o in cell.get("outputs", [])
            if FIGURE_TEXT_MIMETYPE in o.get("data", {})
        ]
        found += [
            {
                "cell": cell.get("execution_count"),
                "figure": k,
                "texts": list(p.get("texts", [])),
                "joined": list(p.get("joined", [])),
                "pictures": p.get("pictures", 0),
            }
            for k, p in enumerate(shown, start=1)
        ]
    return found
