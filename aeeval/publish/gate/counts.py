"""The disclosure gate's check of counts shown outside :func:`aeeval.show`.

A report shows numbers in three places besides its tables: what the notebook printed or displayed
itself (``print()``, ``display(df)``, ``display(Markdown(...))``), its Markdown cells, and the text
of its figures (e.g. a bar annotated "2 of 3"). What "shows counts" means here:

- a table displayed without :func:`aeeval.show` (pandas' HTML table, ``display(df)``), and any
  number in printed output (``print()``, stdout) or in an output that is only plain text: they
  declare no base, so nothing says they are safe;
- in Markdown, HTML and figure text, a count whose denominator is below the report's
  ``min_base`` (:func:`count_findings`): "k of N" or "k/N" (not followed by "interviews", which
  the qualitative rule lets through), "x% of N" (never, whatever is counted), "N patients" (or
  respondents, staff, people …) and "n = N".

Text shown with :func:`aeeval.say` and ``safe="reason"`` is accepted (the reason is kept with
the output); identifiers are checked in it all the same (:mod:`aeeval.publish.gate.text`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ...mime import SAFE_TEXT_MIMETYPE, TABLE_MIMETYPE
from ...options import DEFAULT_MIN_BASE
from .text import html_text

__all__ = ["check_counts", "check_notebook_outputs", "count_findings"]

_INJECTED_TAG = "aeeval-injected"  # cells the report builder adds (not shown in the report)
_FIGURE_TEXT = "application/vnd.aeeval.figure-text+json"
_OF = re.compile(
    r"(?<![\d.,])(\d+)\s*(?:out\s+of|of|/)\s*(\d+)(?![\d.,/])(\s+[A-Za-z-]+)?", re.IGNORECASE
)
_PCT_OF = re.compile(
    r"(\d+(?:\.\d+)?)\s*%\s*(?:of|from)\s+(?:the\s+|all\s+)?(\d+)(?![\d.,])", re.IGNORECASE
)
_PEOPLE = re.compile(
    r"(?<![\d.,])(\d+)\s+(?:(?:more|fewer|other|of\s+the)\s+)?(patients?|respondents?|responders?|"
    r"people|persons?|staff|service\s+users?|users?|carers?|families|relatives|individuals|"
    r"members\s+of\s+staff|responses|answers|mothers|women|men|children|residents|parents)\b",
    re.IGNORECASE,
)
_N_EQUALS = re.compile(r"\bn\s*=\s*(\d+)(?![\d.,])", re.IGNORECASE)
_QUALITATIVE = ("interview", "interviews")
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")


def _small(n: str, min_base: int) -> bool:
    return 1 <= int(n) < min_base


def count_findings(text: str, min_base: int = DEFAULT_MIN_BASE) -> list[str]:
    """The counts below ``min_base`` in a piece of free text, as short descriptions.

    Examples
    --------
    >>> count_findings("2 of 3 patients said so; 3 of 4 interviews; 40 of 50 answered")
    ["'2 of 3 patients' (a count out of fewer than 10)", "'3 patients' (fewer than 10 people)"]
    """
    text = _DATE.sub(" ", str(text))  # 01/04/2018 is a date, not 1 of 4
    found = []
    for m in _OF.finditer(text):
        noun = (m.group(3) or "").strip().lower()
        if _small(m.group(2), min_base) and noun not in _QUALITATIVE:
            found.append(f"'{m.group(0).strip()}' (a count out of fewer than {min_base})")
    for m in _PCT_OF.finditer(text):
        if _small(m.group(2), min_base):
            found.append(f"'{m.group(0).strip()}' (a percentage of fewer than {min_base})")
    for m in _PEOPLE.finditer(text):
        if _small(m.group(1), min_base):
            found.append(f"'{m.group(0).strip()}' (fewer than {min_base} people)")
    for m in _N_EQUALS.finditer(text):
        if _small(m.group(1), min_base):
            found.append(f"'{m.group(0).strip()}' (a base below {min_base})")
    return found


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def check_notebook_outputs(
    nb: dict, *, min_base: int = DEFAULT_MIN_BASE, source: str = "executed.ipynb"
) -> list[str]:
    """Findings of counts in what an executed notebook shows outside :func:`aeeval.show`.

    ``nb`` is the notebook as JSON (a dict). Outputs of :func:`aeeval.show` (checked in
    ``figures.json``), figures (their text is checked by :func:`check_counts`), text marked safe
    with :func:`aeeval.say` and the report builder's own cells are skipped; so is stderr, which
    the report does not show.
    """
    findings = []
    advice = (
        "show tables with ae.show(...), and numbers that disclose nothing with "
        'ae.say(text, safe="why")'
    )
    for index, cell in enumerate(nb.get("cells", []), start=1):
        if _INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.get("cell_type") == "markdown":
            for said in count_findings(_text(cell.get("source", "")), min_base):
                findings.append(f"{source}: Markdown cell {index}: shows {said}")
            continue
        if cell.get("cell_type") != "code":
            continue
        where = f"{source}: cell In [{cell.get('execution_count')}]"
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout" and re.search(r"\d", _text(output.get("text"))):
                    findings.append(
                        f"{where}: printed output (print(), stdout) shows numbers, "
                        f"which declare no base; {advice}"
                    )
                continue
            data = output.get("data", {})
            if (
                kind not in ("display_data", "execute_result")
                or TABLE_MIMETYPE in data
                or _FIGURE_TEXT in data
                or any(k.startswith("image/") for k in data)
            ):
                continue
            if (data.get(SAFE_TEXT_MIMETYPE) or {}).get("reason"):
                continue
            if "text/html" in data and re.search(r"(?i)<table\b", _text(data["text/html"])):
                findings.append(
                    f"{where}: a table shown outside ae.show (e.g. display(df)), "
                    f"which declares no base or disclosure rule; {advice}"
                )
                continue
            shown = (
                html_text(_text(data["text/html"]))
                if "text/html" in data
                else _text(data["text/markdown"])
                if "text/markdown" in data
                else None
            )
            if shown is not None:
                for said in count_findings(shown, min_base):
                    findings.append(f"{where}: shows {said}; {advice}")
            elif re.search(r"\d", _text(data.get("text/plain", ""))):
                findings.append(
                    f"{where}: an output of plain text shows numbers, which declare "
                    f"no base; {advice}"
                )
    return findings


def check_counts(folder: Path, *, figure_texts: list[dict]) -> list[str]:
    """Findings of counts outside :func:`aeeval.show` in a report folder about to be published:
    its ``executed.ipynb`` (:func:`check_notebook_outputs`) and the text of its figures, against
    the report's ``min_base`` parameter (from ``figures.json``; default
    :data:`aeeval.options.DEFAULT_MIN_BASE`)."""
    folder = Path(folder)
    figures = folder / "figures.json"
    parameters = (
        json.loads(figures.read_text(encoding="utf-8")).get("parameters", {})
        if figures.exists()
        else {}
    )
    min_base = parameters.get("min_base")
    if isinstance(min_base, bool) or not isinstance(min_base, int) or min_base < 1:
        min_base = DEFAULT_MIN_BASE
    findings = []
    executed = folder / "executed.ipynb"
    if executed.exists():
        findings += check_notebook_outputs(
            json.loads(executed.read_text(encoding="utf-8")), min_base=min_base
        )
    for fig in figure_texts:
        for text in fig.get("texts", []):
            for said in count_findings(text, min_base):
                findings.append(
                    f"executed.ipynb: figure {fig.get('figure')} of cell In "
                    f"[{fig.get('cell')}]: its text shows {said}"
                )
    return findings
