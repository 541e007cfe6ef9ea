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

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

from ..errors import AeevalError
from ..mime import TABLE_MIMETYPE
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
    "sheet_names",
    "write_tables_workbook",
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


# --- tables.xlsx: every published table as a sheet, for board papers ---------------------------

#: Characters Excel refuses in a sheet name, and its longest sheet name.
_SHEET_BAD = "[]:*?/\\"
SHEET_NAME_MAX = 31


def sheet_names(names) -> list[str]:
    """A sheet name for each table name: Excel's characters only, at most 31 characters, unique
    whatever the case (Excel compares sheet names without case).

    Examples
    --------
    >>> sheet_names(["headline_figures", "a/b", "x" * 40, "x" * 40, "Headline_Figures"])
    ['headline_figures', 'a_b', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx_2', 'Headline_Figures_2']
    """
    out, seen = [], set()
    for name in names:
        base = "".join("_" if c in _SHEET_BAD else c for c in str(name)).strip("'") or "table"
        base = base[:SHEET_NAME_MAX]
        candidate, k = base, 1
        while candidate.lower() in seen:
            k += 1
            suffix = f"_{k}"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _default_display(table: dict) -> dict:
    """How to show a table recorded without :func:`aeeval.show`'s display record: its columns as
    they are, declared percentages as percentages, suppressed rows marked in derived columns."""
    percents = set(table.get("percent_columns") or ())
    kept = {
        *(table.get("base_columns") or ()),
        *(table.get("by") or ()),
        *(table.get("key_columns") or ()),
    }
    columns = []
    for col in table.get("columns", []):
        if col in ("suppressed", "method"):
            continue
        kind = "percent" if col in percents else "value"
        columns.append(
            {"heading": col, "columns": [col], "format": kind, "digits": 0, "mark": col not in kept}
        )
    return {"columns": columns, "suppressed_mark": "*", "footnotes": []}


def _excel_format(kind: str, digits) -> str | None:
    places = "." + "0" * int(digits) if digits else ""
    if kind in ("percent", "percent_interval"):
        return f"0{places}%"
    if kind in ("coefficient", "coefficient_interval", "p_value"):
        return f"0{places}"
    if kind == "count":
        return "0"
    return None


def _cell_value(value, kind: str, labels: dict):
    """A record's value as the sheet holds it: numbers stay numbers (formatted by the column),
    codes become the words the report shows."""
    if value is None:
        return None
    if kind == "value":
        if isinstance(value, str):
            return labels.get(value, value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, float):
            return float(f"{value:.3g}")  # as the report shows it: 3 significant figures
        return value
    if kind == "p_value" and isinstance(value, (int, float)) and value < 0.001:
        return "<0.001"
    if kind == "count" and isinstance(value, (int, float)):
        return int(value)
    return value


def write_tables_workbook(document: dict, path) -> None:
    """Write ``tables.xlsx``: one sheet per table of a ``figures.json`` document, as the report
    shows it — title, column headings, the words shown for codes, percentages in Excel's ``%``
    format, counts as whole numbers, intervals as two cells under one heading, ``*`` where the
    report suppresses a figure, and the notes printed under the table.

    Built from the document alone, the records the disclosure gate reads in ``figures.json``
    (and the gate reads the workbook too): nothing reaches it that the gated tables do not hold.
    A report without tables gets one sheet saying so.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from openpyxl import load_workbook
    >>> doc = {"tables": [{"name": "rate", "title": "Answered", "columns": ["n", "base",
    ...        "estimate", "suppressed"], "percent_columns": ["estimate"], "base_columns": ["base"],
    ...        "records": [{"n": 18, "base": 35, "estimate": 0.514, "suppressed": False}]}]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_tables_workbook(doc, Path(folder, "tables.xlsx"))
    ...     sheet = load_workbook(Path(folder, "tables.xlsx"))["rate"]
    ...     [c.value for c in sheet[1]][:1], [c.value for c in sheet[3]], sheet["C4"].number_format
    (['Answered'], ['n', 'base', 'estimate'], '0%')
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    book = Workbook()
    book.remove(book.active)
    tables = document.get("tables", [])
    if not tables:
        sheet = book.create_sheet("No tables")
        sheet["A1"] = "This report publishes no tables."
    for table, name in zip(tables, sheet_names(t.get("name") for t in tables)):
        sheet = book.create_sheet(name)
        how = table.get("display") or _default_display(table)
        mark = how.get("suppressed_mark", "*")
        sheet.cell(1, 1, table.get("title") or table.get("name")).font = Font(bold=True, size=12)
        col = 1
        layout = []  # (first column, spec)
        for spec in how["columns"]:
            width = 2 if spec["format"].endswith("_interval") else 1
            head = sheet.cell(3, col, spec["heading"])
            head.font = bold
            head.alignment = Alignment(wrap_text=True, vertical="bottom")
            if width == 2:
                sheet.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 1)
            layout.append((col, spec))
            col += width
        row = 4
        for record in table.get("records", []):
            hidden = bool(record.get("suppressed"))
            for first, spec in layout:
                kind, fmt = spec["format"], _excel_format(spec["format"], spec.get("digits"))
                for k, source in enumerate(spec["columns"]):
                    if hidden and spec.get("mark", True):
                        value = mark if k == 0 else None
                    else:
                        value = _cell_value(record.get(source), kind, spec.get("labels", {}))
                    cell = sheet.cell(row, first + k, value)
                    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                        cell.number_format = fmt
            row += 1
        notes = [table.get("note")] + list(how.get("footnotes", []))
        for note in filter(None, notes):
            row += 1
            sheet.cell(row, 1, note)
        for first, spec in layout:
            letter = sheet.cell(3, first).column_letter
            sheet.column_dimensions[letter].width = max(10, min(40, len(spec["heading"]) + 2))
    book.properties.creator = "aeeval"
    book.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    Path(path).write_bytes(_fixed_times(buffer.getvalue()))


#: The time written into ``tables.xlsx`` (its document properties and every zip entry): openpyxl
#: writes the time of saving, and the same tables should give the same bytes, like figures.json.
_FIXED_TIME = dt.datetime(2000, 1, 1)


def _fixed_times(data: bytes) -> bytes:
    """The workbook ``data`` with every time in it fixed: the zip entries' and the core
    properties' ``modified``, which openpyxl sets to the time of saving."""
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()
