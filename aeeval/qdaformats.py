"""Read and write coded interview segments: CSV, REFI-QDA (``.qdpx``, ``.qdc``) and QualCoder.

Every reader returns the same long table, one row per coded segment, with the columns of
``data/schemas/interview_segments.schema.json``:

``interview``, ``org_code`` (organisation), ``coder``, ``code``, ``theme`` (parent theme), ``text``,
``start``, ``end`` (character offsets in the transcript, ``end`` exclusive).

**Codes and themes.** A code's theme follows the codebook's shape (the rule used is stated in
the result's ``attrs["theme_rule"]``): a flat codebook (ATLAS.ti, Taguette, NVivo without folders)
makes each code its own theme; a codebook with a single root (e.g. QualCoder categories under one
category) makes the codes one level below the root the themes; otherwise the top-level codes are
the themes, and a code above the theme level is its own theme. ``theme_level=`` picks another
level, ``themes="sets"`` uses REFI-QDA ``<Sets>`` (code groups), and ``themes=`` a mapping
code → theme (dict, DataFrame or CSV/XLSX file with columns ``code``, ``theme``); a mapping that
leaves a coded code without a theme is an error naming it.

**Interviews and organisations.** An interview is one text source; its id is the source name
without the file extension (``INT01.txt`` → ``INT01``). Its organisation comes, in this order, from

1. ``organisations=``: a mapping interview → org_code (dict, DataFrame or CSV path with columns
   ``interview`` and ``org_code``) — used for every interview when given;
2. a variable on the source named ``org_variable`` (default ``"org_code"``): in REFI-QDA a
   ``<VariableValue>`` of the ``<TextSource>`` or of a ``<Case>`` that holds the source; in
   QualCoder a file attribute or an attribute of a case the file belongs to.

An interview with no organisation is an error naming the interview and both ways to supply one.

**Positions.** REFI-QDA ``startPosition``/``endPosition`` count in the unit of the tool that
wrote the file: code points, UTF-16 code units (NVivo; QualCoder, whose Qt editor counts them),
UTF-8 bytes (Taguette), with a CRLF line ending counted as one (ATLAS.ti) or as two characters.
The unit is decided per file from the project's ``origin`` and by checking every selection
against the source text (and against its ``name`` where the tool stores the selected text there),
then converted to Python string indices: ``start``/``end`` index the transcript as stored, end
exclusive, and ``text`` is the transcript between them. When units that fit select different text
and nothing tells them apart, it is an error naming the file and the first disagreeing selection
(``position_unit=`` settles it), never a silent shift. docs/qda-formats.md gives the evidence for
each tool.

Nothing is returned half-read: a file that is not what it claims, an element (anywhere in the
document) in another namespace, a coding that points to a missing source, code or user, a position
outside its transcript, an attribute the REFI-QDA schema requires, or two sources that would be
the same interview raises :class:`QDAFormatError` naming the file, the element or row, and what is
wrong. What the long table cannot hold — selections with no coding, codings of notes, memos,
cases and variables, of whole sources, pictures, audio and video, PDF regions — is counted in one
:class:`QDAWarning` per kind (and in ``attrs["skipped"]``), never dropped silently.
"""

from __future__ import annotations

import copy
import re
import sqlite3
import unicodedata
import uuid
import warnings
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from .errors import AeevalError, AeevalWarning
from .paths import EXAMPLE_FILES, EXAMPLES, SCHEMAS
from .schemas import read_table

__all__ = [
    "SEGMENT_COLUMNS",
    "PROJECT_NS",
    "CODEBOOK_NS",
    "POSITION_UNITS",
    "LINE_ENDINGS",
    "WRITTEN_UNIT",
    "QDAFormatError",
    "QDAWarning",
    "read_segments",
    "read_segments_csv",
    "read_qdpx",
    "read_qdc",
    "read_qualcoder",
    "read_qualcoder_export",
    "is_coded_text_export",
    "qda_report",
    "write_qdpx",
    "write_qdc",
    "codebook_from_segments",
]

SEGMENT_COLUMNS = ["interview", "org_code", "coder", "code", "theme", "text", "start", "end"]
PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: What :func:`write_qdpx` writes in the project's ``<Description>``: the unit of its positions.
WRITTEN_UNIT = (
    "Written by aeeval. startPosition and endPosition count Unicode code points of "
    "the source text as stored (line endings as stored), end exclusive."
)
_CODEBOOK_COLUMNS = ["guid", "code", "parent", "theme", "depth", "codable", "description"]


class QDAWarning(AeevalWarning):
    """Part of a QDA file that is not coded text (uncoded selections, memos, media) was left out."""


class QDAFormatError(AeevalError, ValueError):
    """A QDA file (REFI-QDA or QualCoder) that cannot be read as coded segments."""

    def __init__(self, file, message: str):
        self.file = str(file)
        super().__init__(f"{file}: {message}")


# ------------------------------------------------------------------------------------- tidy


def _tidy(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    for col in SEGMENT_COLUMNS[:6]:
        out[col] = out[col].astype(object)
    out["start"] = out["start"].astype("Int64")
    out["end"] = out["end"].astype("Int64")
    return out.sort_values(["interview", "coder", "start", "end", "code"], ignore_index=True)


def _interview_id(source_name: str) -> str:
    return Path(source_name).stem if "." in source_name else source_name


def _org_mapping(organisations, file) -> dict | None:
    if organisations is None:
        return None
    if isinstance(organisations, dict):
        return {str(k): str(v) for k, v in organisations.items()}
    if isinstance(organisations, (str, Path)):
        organisations = pd.read_csv(organisations, dtype=str)
    if isinstance(organisations, pd.DataFrame):
        missing = {"interview", "org_code"} - set(organisations.columns)
        if missing:
            raise QDAFormatError(
                file,
                f"the organisations table needs columns 'interview' and "
                f"'org_code'; it lacks {sorted(missing)}",
            )
        return dict(
            zip(organisations["interview"].astype(str), organisations["org_code"].astype(str))
        )
    raise TypeError(
        "organisations must be a dict, a DataFrame or a CSV path; got "
        f"{type(organisations).__name__}"
    )


def _assign_orgs(
    interviews: list[str], from_file: dict, mapping: dict | None, file, org_variable: str
) -> dict:
    orgs = {}
    missing = []
    for iv in interviews:
        org = mapping.get(iv) if mapping is not None else from_file.get(iv)
        if org is None or str(org).strip() == "":
            missing.append(iv)
        else:
            orgs[iv] = str(org).strip()
    if missing:
        how = (
            "the organisations mapping has no row for"
            if mapping is not None
            else f"no variable/attribute {org_variable!r} on"
        )
        raise QDAFormatError(
            file,
            f"{how} interview(s) {', '.join(missing)}: every interview needs "
            f"an organisation — give each source a variable {org_variable!r} "
            "(QualCoder: a file or case attribute) or pass organisations= "
            "(a table with columns interview, org_code)",
        )
    return orgs


# ------------------------------------------------------------------------------------- positions

#: The units a QDA tool may count ``startPosition``/``endPosition`` in (see docs/qda-formats.md).
POSITION_UNITS = ("code points", "UTF-16 code units", "UTF-8 bytes")
#: How line endings are counted: each character as stored, a CRLF pair as one, or a bare LF as
#: two (as if it were CRLF).
LINE_ENDINGS = ("as stored", "CRLF as one", "LF as two")

# What each tool's own files say about their unit: (origin contains, units, line endings) to try
# first. Evidence for each: docs/qda-formats.md. Anything else (and a file whose selections do not
# fit these) is tried against every unit and line-ending rule.
_ORIGIN_UNITS = (
    ("nvivo", ("UTF-16 code units",), ("as stored",)),
    ("atlas", ("code points", "UTF-16 code units"), ("CRLF as one",)),
    ("maxqda", ("code points", "UTF-16 code units"), ("as stored", "CRLF as one")),
    ("qualcoder", ("UTF-16 code units",), ("as stored", "CRLF as one")),
    ("taguette", ("UTF-8 bytes",), ("as stored", "CRLF as one")),
    ("aeeval", ("code points",), ("as stored",)),
)
# A project from any other tool: the units and line-ending rules desktop QDA tools are known to use.
_DEFAULT_UNITS = (("code points", "UTF-16 code units"), ("as stored", "CRLF as one"))


def _unit_label(unit: str, endings: str) -> str:
    return unit if endings == "as stored" else f"{unit}, line endings {endings}"


def _offsets(text: str, unit: str, endings: str) -> np.ndarray:
    """Position (in ``unit``) of every character boundary of ``text``: ``len(text) + 1`` values."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
    if unit == "code points":
        widths = np.ones(len(cps), dtype=np.int64)
    elif unit == "UTF-16 code units":
        widths = 1 + (cps > 0xFFFF)
    else:  # UTF-8 bytes
        widths = 1 + (cps > 0x7F) + (cps > 0x7FF) + (cps > 0xFFFF)
    if len(cps) > 1 and endings == "CRLF as one":
        widths[:-1][(cps[:-1] == 13) & (cps[1:] == 10)] = 0
    elif len(cps) and endings == "LF as two":
        lone = cps == 10
        lone[1:] &= cps[:-1] != 13
        widths = widths + lone
    return np.concatenate([[0], np.cumsum(widths)])


def _norm(text: str) -> str:
    """Whitespace-normalised text: XML attribute values turn line breaks into spaces."""
    return " ".join(str(text).split())


def _name_matches(name: str, quote: str) -> bool:
    name, quote = _norm(name), _norm(quote)
    if name == quote:
        return True
    for tail in ("…", "..."):  # a name shortened by its tool
        if name.endswith(tail) and len(name) > len(tail) + 3:
            return quote.startswith(name[: -len(tail)].rstrip())
    return False


def _short_quote(text: str, n: int = 40) -> str:
    text = _norm(text)
    return repr(text if len(text) <= n else text[: n - 1] + "…")


_MIN_CUTS = 3  # selections a wrong unit must cut mid-word before word boundaries decide


def _cuts_word(text: str, i: int, j: int) -> bool:
    """Whether the selection ``text[i:j]`` starts or ends inside a word or a combined character."""

    def inside(k):
        if k <= 0 or k >= len(text):
            return False
        a, b = text[k - 1], text[k]
        return (
            (a.isalnum() and b.isalnum())
            or unicodedata.combining(b) > 0
            or "\u200d" in (a, b)
            or 0xFE00 <= ord(b) <= 0xFE0F
            or 0x1F3FB <= ord(b) <= 0x1F3FF
        )

    return inside(i) or inside(j)


def _resolve_positions(where, origin: str | None, sources: list, forced: str | None = None) -> dict:
    """Convert every selection's positions to Python string indices, in the unit the writer used.

    ``sources`` is a list of ``(source_label, text, selections)``, each selection a tuple
    ``(label, start, end, name)`` (``name`` the text the tool says it selected, or empty). Returns
    ``{"spans": [[(i, j), ...] per source], "unit": label, "reason": sentence}``.
    """
    origin_l = (origin or "").lower()
    units, endings, known = (*_DEFAULT_UNITS, None)
    for needle, u, e in _ORIGIN_UNITS:
        if needle in origin_l:
            units, endings, known = u, e, needle
            break
    all_cands = [(u, e) for u in POSITION_UNITS for e in LINE_ENDINGS]
    preferred = [c for c in all_cands if c[0] in units and c[1] in endings]
    if forced is not None:
        labels = {_unit_label(*c): c for c in all_cands}
        if forced not in labels:
            raise ValueError(f"position_unit must be one of {sorted(labels)}; got {forced!r}")
        preferred, known = [labels[forced]], "position_unit="
    n_sel = sum(len(sels) for _, _, sels in sources)
    if n_sel == 0:
        return {
            "spans": [[] for _ in sources],
            "unit": _unit_label(*preferred[0]),
            "reason": "no text selections to check",
        }

    def spans_for(cand):
        """Indices per selection, or the first selection that does not fit."""
        out = []
        for slabel, text, sels in sources:
            offs = _offsets(text, *cand)
            starts = np.array([s[1] for s in sels], dtype=np.int64)
            ends = np.array([s[2] for s in sels], dtype=np.int64)
            i = np.searchsorted(offs, starts, side="left")
            j = np.searchsorted(offs, ends, side="left")
            ok = (i < len(offs)) & (j < len(offs))
            ok[ok] &= (offs[i[ok]] == starts[ok]) & (offs[j[ok]] == ends[ok])
            if not ok.all():
                k = int(np.argmin(ok))
                return None, (slabel, text, sels[k], int(offs[-1]))
            out.append(list(zip(i.tolist(), j.tolist())))
        return out, None

    def consistent(cands):
        found = {}
        for c in cands:
            spans, _ = spans_for(c)
            if spans is not None:
                found[c] = spans
        return found

    fits = consistent(preferred)
    fell_back = False
    if not fits and len(preferred) < len(all_cands) and forced is None:
        fits, fell_back = consistent([c for c in all_cands if c not in preferred]), True
    if not fits:
        cand = preferred[0]
        _, (slabel, text, sel, size) = spans_for(cand)
        size_ = (
            f"{size}-character transcript"
            if size == len(text)
            else f"transcript ({size} {cand[0]})"
        )
        if repr(slabel) not in sel[0]:
            size_ += f" of source {slabel!r}"
        named = f" (selection name {_short_quote(sel[3])})" if sel[3] else ""
        raise QDAFormatError(
            where,
            f"{sel[0]}: positions {sel[1]}–{sel[2]} lie outside the "
            f"{size_}{named}, or split a character, "
            f"counted in {_unit_label(*cand)}; and no other unit "
            f"({', '.join(POSITION_UNITS)}; line endings "
            f"{', '.join(LINE_ENDINGS)}) fits every selection",
        )

    flat = [sel for _, _, sels in sources for sel in sels]
    texts = [text for _, text, sels in sources for _ in sels]
    quotes = {
        c: [texts[k][i:j] for k, (i, j) in enumerate(x for per in sp for x in per)]
        for c, sp in fits.items()
    }
    named = [k for k, sel in enumerate(flat) if sel[3] and _norm(sel[3])]
    reason_names = ""
    if named:
        by_name = [c for c in fits if all(_name_matches(flat[k][3], quotes[c][k]) for k in named)]
        if by_name:
            fits = {c: fits[c] for c in by_name}
            reason_names = f"the text of {len(named)} selection name(s) matches the source text"
        else:
            reason_names = "the selections' names are not their text, so they were not used"
    groups: dict = {}
    for c in fits:
        groups.setdefault(tuple(_norm(q) for q in quotes[c]), []).append(c)
    reason_words = ""
    if len(groups) > 1:
        # Coders select words: in the right unit no selection starts or ends inside a word. Used
        # only when decisive (one unit cuts none, every other cuts at least _MIN_CUTS).
        flat_spans = {c: [x for per in fits[c] for x in per] for c in fits}
        cuts = {
            key: sum(_cuts_word(texts[k], i, j) for k, (i, j) in enumerate(flat_spans[g[0]]))
            for key, g in groups.items()
        }
        clean = [key for key, n in cuts.items() if n == 0]
        if len(clean) == 1 and all(n >= _MIN_CUTS for key, n in cuts.items() if key != clean[0]):
            others = ", ".join(
                f"{_unit_label(*g[0])} {cuts[key]}" for key, g in groups.items() if key != clean[0]
            )
            groups = {clean[0]: groups[clean[0]]}
            reason_words = (
                f"only in this unit does no selection start or end inside a word "
                f"(of {len(flat)}, the other units cut: {others})"
            )
    if len(groups) > 1:
        reps = [g[0] for g in groups.values()]
        k = next(k for k in range(len(flat)) if len({_norm(quotes[c][k]) for c in reps}) > 1)
        sel = flat[k]
        told = (
            f"the project's origin {origin!r} does not settle it"
            if origin
            else "the project has no origin attribute"
        )
        options = "; ".join(f"{_unit_label(*c)} → {_short_quote(quotes[c][k])}" for c in reps)
        raise QDAFormatError(
            where,
            f"cannot tell which unit the positions count: {sel[0]} "
            f"(name {sel[3]!r}) at {sel[1]}–{sel[2]} selects different "
            f"text in different units ({options}); {told} and no "
            "selection name holds the selected text. Once you know "
            "which unit the writing tool counts in, pass it as "
            "position_unit= (e.g. 'UTF-16 code units')",
        )
    cands = next(iter(groups.values()))
    chosen = cands[0]
    tried = ", ".join(_unit_label(*c) for c in preferred)
    if fell_back:
        why = (
            f"none of the units first tried ({tried}) fits every selection; "
            f"{_unit_label(*chosen)} does"
        )
    elif forced is not None:
        why = "given as position_unit=, and every selection fits"
    elif known and len(preferred) == 1:
        why = f"the origin {origin!r} gives this unit, and every selection fits"
    elif len(cands) > 1:
        why = (
            f"{'the origin ' + repr(origin) + ' allows' if known else 'tried'} {tried}: "
            f"{len(cands)} fit every selection and give the same text"
        )
    else:
        why = (
            f"{'the origin ' + repr(origin) + ' allows' if known else 'tried'} {tried}: "
            "only this one fits every selection"
        )
    if reason_names:
        why += f"; {reason_names}"
    if reason_words:
        why += f"; {reason_words}"
    return {"spans": fits[chosen], "unit": _unit_label(*chosen), "reason": why}


# ------------------------------------------------------------------------------------- themes


def _theme_mapping(themes, where) -> tuple[dict, str]:
    """A ``themes=`` mapping code → theme from a dict, a DataFrame or a CSV/XLSX file."""
    label = "the themes= mapping"
    if isinstance(themes, (str, Path)):
        tpath = Path(themes)
        label = f"the themes= file {tpath.name}"
        try:
            themes = (
                pd.read_excel(tpath, dtype=str)
                if tpath.suffix.lower() == ".xlsx"
                else pd.read_csv(tpath, dtype=str)
            )
        except (OSError, ValueError) as exc:
            raise QDAFormatError(tpath, f"cannot read the themes= table ({exc})") from None
    if isinstance(themes, pd.DataFrame):
        missing = {"code", "theme"} - set(themes.columns)
        if missing:
            raise QDAFormatError(
                where, f"{label} needs columns 'code' and 'theme'; it lacks {sorted(missing)}"
            )
        clash = themes.drop_duplicates(["code", "theme"])["code"].duplicated()
        if clash.any():
            raise QDAFormatError(
                where, f"{label} gives code {themes['code'][clash].iloc[0]!r} more than one theme"
            )
        themes = dict(zip(themes["code"].astype(str), themes["theme"].astype(str)))
    if not isinstance(themes, dict):
        raise TypeError(
            'themes must be None, "sets", a dict code → theme, a DataFrame with '
            f"columns code and theme, or a CSV/XLSX path; got {type(themes).__name__}"
        )
    return {str(k): str(v) for k, v in themes.items()}, label


def _assign_themes(
    where,
    paths: dict,
    labels: dict,
    coded,
    *,
    themes=None,
    theme_level=None,
    sets: dict | None = None,
) -> tuple[dict, str]:
    """Each coded code's theme under the chosen rule, and the rule as a sentence.

    ``paths``: code id → names from the codebook root down to the code; ``labels``: code id →
    how to name it in an error (guid and name); ``coded``: ids of the codes that were applied;
    ``sets``: set name → code ids (REFI-QDA ``<Sets>``), when the format has them.
    """
    coded = list(dict.fromkeys(coded))
    if themes is not None and theme_level is not None:
        raise TypeError("give themes= or theme_level=, not both")
    if isinstance(themes, str) and themes == "sets":
        if sets is None:
            raise QDAFormatError(
                where,
                'themes="sets": this format has no code sets (REFI-QDA '
                "<Sets>); give a themes= table instead",
            )
        out, none, several = {}, [], []
        for cid in coded:
            holders = sorted(name for name, members in sets.items() if cid in members)
            if not holders:
                none.append(labels[cid])
            elif len(holders) > 1:
                several.append(f"{labels[cid]} in sets {', '.join(map(repr, holders))}")
            else:
                out[cid] = holders[0]
        if none or several:
            problems = ([f"code(s) in no <Set>: {'; '.join(none)}"] if none else []) + (
                [f"code(s) in more than one <Set>: {'; '.join(several)}"] if several else []
            )
            raise QDAFormatError(
                where,
                f'themes="sets" needs every coded code in exactly one '
                f"code set: {' — '.join(problems)}",
            )
        return out, (
            f"themes are the {len(sets)} REFI-QDA code sets (<Sets>, code groups); "
            "each code's theme is the set it belongs to"
        )
    if themes is not None:
        mapping, label = _theme_mapping(themes, where)
        missing = [labels[cid] for cid in coded if paths[cid][-1] not in mapping]
        if missing:
            raise QDAFormatError(
                where,
                f"{label} leaves {len(missing)} coded code(s) without a "
                f"theme: {'; '.join(missing)}; every code that was applied "
                "needs a row (code, theme)",
            )
        return (
            {cid: mapping[paths[cid][-1]] for cid in coded},
            f"themes from {label} (code → theme)",
        )
    depths = [len(p) - 1 for p in paths.values()] or [0]
    roots = {p[0] for p in paths.values()}
    if theme_level is not None:
        if not isinstance(theme_level, int) or isinstance(theme_level, bool) or theme_level < 0:
            raise ValueError(f"theme_level must be a whole number ≥ 0; got {theme_level!r}")
        level = theme_level
        rule = (
            f"themes are the codes at level {level} of the codebook (theme_level={level}; "
            "0 = top level); a code above that level is its own theme"
        )
    elif max(depths) == 0:
        level = 0
        rule = "flat codebook: each code is its own theme"
    elif len(roots) == 1:
        level = 1
        rule = (
            f"single-root codebook: the themes are the codes one level below the root "
            f"{next(iter(roots))!r}"
        )
    else:
        level = 0
        rule = "the themes are the top-level codes of the codebook; codes are nested inside"
    return {cid: paths[cid][min(level, len(paths[cid]) - 1)] for cid in coded}, rule


# ------------------------------------------------------------------------------------- CSV


def read_segments_csv(path) -> pd.DataFrame:
    """Coded segments from a CSV (or XLSX) in the project's ``interview_segments`` schema.

    Every row is validated (:func:`aeeval.read_table`); problems are listed by row and column.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> read_segments_csv(EXAMPLES / "interview_segments.csv")["interview"].nunique()
    12
    """
    return read_table(path, "interview_segments")[SEGMENT_COLUMNS]


def read_segments(path=None, **kwargs) -> pd.DataFrame:
    """Coded segments from any supported file, chosen by its name.

    ``.qdpx`` → :func:`read_qdpx`; a QualCoder project folder or its ``data.qda`` →
    :func:`read_qualcoder`; a ``.csv``/``.xlsx`` with QualCoder's coded-text export header →
    :func:`read_qualcoder_export`; any other ``.csv``/``.xlsx`` → :func:`read_segments_csv`.
    ``None`` reads the bundled example. Keyword arguments go to the reader (e.g.
    ``organisations=``, ``themes=``, ``theme_level=``).

    Examples
    --------
    >>> len(read_segments(None).columns)
    8
    """
    if path is None:
        path = EXAMPLES / EXAMPLE_FILES["interview_segments"]
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".qda":
        return read_qualcoder(path, **kwargs)
    if suffix == ".qdpx":
        return read_qdpx(path, **kwargs)
    if suffix == ".qdc":
        raise QDAFormatError(
            path,
            "a REFI-QDA codebook holds codes but no coded segments; read "
            "the project (.qdpx) instead, or read_qdc for the codebook",
        )
    if is_coded_text_export(path):
        return read_qualcoder_export(path, **kwargs)
    if suffix in (".csv", ".xlsx", ".txt"):
        if kwargs:
            raise TypeError(f"read_segments_csv takes no options; got {sorted(kwargs)}")
        return read_segments_csv(path)
    raise ValueError(
        f"{path}: cannot tell how to read coded segments from a '{suffix}' file; "
        "expected .csv, .xlsx, .qdpx or a QualCoder project (.qda)"
    )


# ------------------------------------------------------------------------------------- REFI-QDA

# Namespace versions found in real files: "1.0" (the standard), "1:0" (NVivo 12 for Mac's
# codebook header) and "0:4" (ATLAS.ti's schemaLocation, and pre-1.0 drafts); QualCoder's refi.py
# ("Have found 1.0, 0:4") reads them all.
_NS_VERSIONS = ("1.0", "1:0", "0:4")
#: The REFI-QDA XML schemas (MIT licence, REFI www.qdasoftware.org; provenance in
#: ``data/schemas/refi-qda/README.md``): QDA-XML project 1.0 (18 March 2019) and codebook 1.0.
REFI_SCHEMAS = SCHEMAS / "refi-qda"
_XSD_FILES = {"project": "Project-mrt2019.xsd", "codebook": "Codebook.xsd"}
_MAX_VIOLATIONS = 10


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _parse_xml(data: bytes, file, expected_root: str, kind: str) -> tuple[ET.Element, str]:
    """Parse a REFI-QDA document; return the root and its namespace (one of the known versions)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise QDAFormatError(file, f"not well-formed XML ({exc})") from None
    tag = root.tag
    found_ns, local = tag[1:].split("}", 1) if tag.startswith("{") else ("(none)", tag)
    accepted = [f"urn:QDA-XML:{kind}:{v}" for v in _NS_VERSIONS]
    if local != expected_root or found_ns not in accepted:
        raise QDAFormatError(
            file,
            f"root element is <{local}> in namespace {found_ns!r}; expected "
            f"<{expected_root}> in namespace {accepted[0]!r}",
        )
    _check_namespace(root, found_ns, file)
    _check_schema(root, found_ns, kind, file)
    return root, found_ns


def _local(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _describe(el: ET.Element) -> str:
    bits = [f"{k}={el.get(k)!r}" for k in ("guid", "name") if el.get(k) is not None]
    return f"<{_local(el.tag)}{' ' if bits else ''}{' '.join(bits)}>"


def _check_namespace(root: ET.Element, ns: str, file) -> None:
    """Every element must be in the REFI-QDA namespace: a foreign one would be skipped silently."""
    for parent in root.iter():
        for child in parent:
            if not isinstance(child.tag, str) or child.tag.startswith(f"{{{ns}}}"):
                continue
            found = child.tag[1:].split("}", 1)[0] if child.tag.startswith("{") else "(none)"
            named = f" name={parent.get('name')!r}" if parent.get("name") else ""
            raise QDAFormatError(
                file,
                f"element <{_local(child.tag)}> inside "
                f"<{_local(parent.tag)}{named}> is in namespace {found!r}, "
                f"not {ns!r}",
            )


@lru_cache(maxsize=2)
def _xsd(kind: str):
    import xmlschema  # imported here: only REFI-QDA files need it

    return xmlschema.XMLSchema10(str(REFI_SCHEMAS / _XSD_FILES[kind]))


def _xpath(el: ET.Element, parents: dict) -> str:
    """``/Project/Sources/TextSource[2]/PlainTextSelection[1]``: where an element sits."""
    steps = []
    while el is not None:
        parent = parents.get(el)
        step = _local(el.tag)
        if parent is not None:
            same = [c for c in parent if c.tag == el.tag]
            if len(same) > 1:
                step += f"[{same.index(el) + 1}]"
        steps.append(step)
        el = parent
    return "/" + "/".join(reversed(steps))


def _plain_reason(err, ns: str) -> str:
    """The XSD rule an :class:`xmlschema.XMLSchemaValidationError` reports, in plain words."""
    reason = (err.reason or err.message).replace(f"{{{ns}}}", "")
    kind = getattr(getattr(err, "validator", None), "parent", None)
    type_name = getattr(kind, "local_name", None) or ""
    attr = re.match(r"attribute (\w+)='(.*?)': ", reason)
    what = f"{attr.group(1)}={attr.group(2)!r}" if attr else "the value"
    if "doesn't match any pattern" in reason and type_name == "GUIDType":
        return (
            f"{what} is not a GUID (GUIDType: 8-4-4-4-12 hexadecimal digits, optionally in braces)"
        )
    if "doesn't match any pattern" in reason and type_name == "RGBType":
        return f"{what} is not a colour (RGBType: #RRGGBB or #RGB)"
    builtin = getattr(getattr(err, "validator", None), "name", None) or ""
    if attr and builtin.startswith("{http://www.w3.org/2001/XMLSchema}"):
        return f"{what} is not a valid xs:{builtin.split('}', 1)[1]}"
    group = getattr(err, "validator", None)
    if reason.startswith("Unexpected child") and hasattr(group, "iter_elements"):
        allowed = list(dict.fromkeys(_local(e.name) for e in group.iter_elements() if e.name))
        child, parent = _local(err.invalid_child.tag), _local(err.elem.tag)
        order = ", ".join(allowed)
        if child in allowed:
            return (
                f"out of order or repeated: inside <{parent}> the schema allows, in this "
                f"order, {order}"
            )
        return f"not an element the schema allows inside <{parent}> (it allows {order})"
    if "is not complete" in reason:
        expected = [_local(e.name) for e in (err.expected or []) if getattr(e, "name", None)]
        return f"the content is incomplete: {' or '.join(f'<{e}>' for e in expected)} is required"
    return reason.rstrip(".")


def _check_schema(root: ET.Element, ns: str, kind: str, file) -> None:
    """Validate against the REFI-QDA XSD; every violation named by element path, guid, name, rule.

    Real tools write the namespace as ``…:1.0``, ``…:1:0`` or ``…:0:4`` (see ``_NS_VERSIONS``); the
    variants are renamed to the schema's ``…:1.0`` on a copy before validating. What real tools
    write against the schema and is tolerated is listed in ``docs/qda-formats.md``.
    """
    standard = f"urn:QDA-XML:{kind}:1.0"
    tree = copy.deepcopy(root)
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{ns}}}"):
            el.tag = f"{{{standard}}}{_local(el.tag)}"
    # Tolerated: Taguette writes an empty <Sets/> after <Codes> (the schema wants at least one
    # <Set> in it); it holds nothing, so it is dropped from the copy that is validated.
    for sets in tree.findall(_q(standard, "Sets")):
        if len(sets) == 0 and not (sets.text or "").strip():
            tree.remove(sets)
    errors = list(_xsd(kind).iter_errors(tree))
    if not errors:
        return
    parents = {c: p for p in tree.iter() for c in p}
    lines = []
    for err in errors[:_MAX_VIOLATIONS]:
        el = getattr(err, "invalid_child", None)
        el = el if el is not None else err.elem
        where = f"{_xpath(el, parents)} {_describe(el)}" if el is not None else (err.path or "")
        lines.append(f"  {where}: {_plain_reason(err, standard)}")
    more = len(errors) - _MAX_VIOLATIONS
    if more > 0:
        lines.append(f"  … and {more} more")
    raise QDAFormatError(
        file,
        f"breaks the REFI-QDA {_XSD_FILES[kind]} schema "
        f"({len(errors)} violation(s)):\n" + "\n".join(lines),
    )


def _source_text(
    el: ET.Element, label: str, zf: zipfile.ZipFile, lower: dict, where, ns: str
) -> str | None:
    """A text source's plain text: inline ``<PlainTextContent>`` or an ``internal://`` file."""
    content = el.find(_q(ns, "PlainTextContent"))
    if content is not None:
        return content.text or ""
    ref = el.get("plainTextPath")
    if not ref:
        return None
    if not ref.startswith("internal://"):
        raise QDAFormatError(
            where,
            f"{label}: plainTextPath {ref!r} points outside the .qdpx; "
            "only internal:// sources are read",
        )
    fname = ref.removeprefix("internal://")
    member = lower.get(f"sources/{fname}".lower())
    if member is None:
        raise QDAFormatError(where, f"{label}: its text sources/{fname} is missing from the zip")
    try:
        return zf.read(member).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QDAFormatError(where, f"{label}: {member} is not UTF-8 text ({exc})") from None


def _codes_from(codes_el: ET.Element | None, ns: str, file) -> tuple[pd.DataFrame, dict, dict]:
    """The codebook table, each code's path (names root → code) and its label for messages."""
    rows, paths, labels = [], {}, {}

    def walk(el, parent, theme, depth, path):
        guid, name = el.get("guid"), el.get("name")
        if guid in paths:
            raise QDAFormatError(
                file, f"code guid {guid!r} is used twice (codes {paths[guid][-1]!r} and {name!r})"
            )
        desc = el.find(_q(ns, "Description"))
        rows.append(
            {
                "guid": guid,
                "code": name,
                "parent": parent,
                "theme": theme if theme is not None else pd.NA,
                "depth": depth,
                "codable": el.get("isCodable", "true") != "false",
                "description": desc.text if desc is not None and desc.text else "",
            }
        )
        paths[guid] = [*path, name]
        labels[guid] = f"<Code guid={guid!r} name={name!r}>"
        for child in el.findall(_q(ns, "Code")):
            walk(child, name, theme if theme is not None else name, depth + 1, paths[guid])

    if codes_el is not None:
        for stray in codes_el:
            if stray.tag != _q(ns, "Code"):
                raise QDAFormatError(
                    file,
                    f"unexpected element {stray.tag} in <Codes> (expected "
                    f"<Code> in namespace {ns!r})",
                )
            walk(stray, pd.NA, None, 0, [])
    return pd.DataFrame(rows, columns=_CODEBOOK_COLUMNS), paths, labels


def _sets_from(root: ET.Element, ns: str, where, codes: dict) -> dict | None:
    """REFI-QDA ``<Sets>`` with member codes (project level, or inside the codebook): name → guids."""
    holders = [root.find(_q(ns, "Sets"))]
    cb = root if _local(root.tag) == "CodeBook" else root.find(_q(ns, "CodeBook"))
    if cb is not None and cb is not root:
        holders.append(cb.find(_q(ns, "Sets")))
    elif cb is root:
        holders = [root.find(_q(ns, "Sets"))]
    out = {}
    for holder in holders:
        if holder is None:
            continue
        for st in holder.findall(_q(ns, "Set")):
            members = {m.get("targetGUID") for m in st.findall(_q(ns, "MemberCode"))}
            gone = sorted(members - set(codes))
            if gone:
                raise QDAFormatError(
                    where,
                    f"{_describe(st)}: <MemberCode targetGUID={gone[0]!r}> "
                    "points to no <Code> in the <CodeBook>",
                )
            if members:
                out.setdefault(st.get("name"), set()).update(members)
    return out


def read_qdc(path) -> pd.DataFrame:
    """A REFI-QDA codebook (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``) as a table.

    Returns
    -------
    pandas.DataFrame
        One row per ``<Code>``: ``guid``, ``code``, ``parent`` (name of the enclosing code),
        ``theme`` (the top-level ancestor; missing for top-level codes), ``depth`` (0 = theme),
        ``codable``, ``description``. ``attrs["sets"]`` maps each ``<Set>`` name to the guids of
        its member codes; ``attrs["origin"]`` is the writing tool.

    References
    ----------
    REFI-QDA Standard, Codebook Exchange (https://www.qdasoftware.org/).

    Examples
    --------
    >>> import tempfile, pathlib, aeeval as ae
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codes.qdc"
    >>> ae.write_qdc(ae.read_segments(None), p)
    >>> read_qdc(p).query("depth == 0")["code"].tolist()
    ['Challenges', 'Key learnings', 'What helps']
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise QDAFormatError(path, "file does not exist") from None
    root, ns = _parse_xml(data, path, "CodeBook", "codebook")
    book, paths, _ = _codes_from(root.find(_q(ns, "Codes")), ns, path)
    book.attrs["sets"] = {k: sorted(v) for k, v in _sets_from(root, ns, path, paths).items()}
    book.attrs["origin"] = root.get("origin") or ""
    return book


def _variables(root: ET.Element, ns: str) -> dict:
    out = {}
    vars_el = root.find(_q(ns, "Variables"))
    if vars_el is not None:
        for v in vars_el.findall(_q(ns, "Variable")):
            out[v.get("guid")] = v.get("name")
    return out


def _variable_values(el: ET.Element, ns: str, names: dict) -> dict:
    values = {}
    for vv in el.findall(_q(ns, "VariableValue")):
        ref = vv.find(_q(ns, "VariableRef"))
        name = names.get(ref.get("targetGUID")) if ref is not None else None
        for kind in ("TextValue", "IntegerValue", "FloatValue", "DateValue", "BooleanValue"):
            val = vv.find(_q(ns, kind))
            if name and val is not None and val.text is not None:
                values[name] = val.text.strip()
    return values


def _segments(
    rows,
    where,
    source_file,
    *,
    organisations,
    from_file,
    org_variable,
    skipped,
    origin,
    unit,
    rule,
    n_sources,
    n_codes,
) -> pd.DataFrame:
    """The last step of every QDA reader: each interview's organisation, one warning per kind of
    material skipped, the tidy segments table and its ``attrs`` (``n_sources=None``: the number of
    interviews, for readers that have no list of sources)."""
    interviews = sorted({r["interview"] for r in rows})
    orgs = _assign_orgs(
        interviews, from_file, _org_mapping(organisations, where), where, org_variable
    )
    for r in rows:
        r["org_code"] = orgs[r["interview"]]
    _warn_skipped(where, skipped)
    out = _tidy(rows)
    out.attrs.update(
        {
            "source_file": str(source_file),
            "origin": origin,
            "position_unit": unit["unit"],
            "position_unit_reason": unit["reason"],
            "theme_rule": rule,
            "positions": unit["unit"] != NO_POSITIONS,
            "skipped": {k: sum(v.values()) for k, v in skipped.items()},
            "n_sources": len(interviews) if n_sources is None else n_sources,
            "n_codes": n_codes,
        }
    )
    return out


def _warn_skipped(where, skipped: dict) -> None:
    """One :class:`QDAWarning` per kind of coding that was left out, with its count and places."""
    for kind, places in skipped.items():
        total = sum(places.values())
        where_ = "; ".join(f"{n} in {place}" for place, n in places.items())
        warnings.warn(
            f"{where}: {total} {kind} left out (aeeval reads codings of text "
            f"selections only): {where_}",
            QDAWarning,
            stacklevel=3,
        )


def _count(skipped: dict, kind: str, place: str, n: int = 1) -> None:
    if n:
        per = skipped.setdefault(kind, {})
        per[place] = per.get(place, 0) + n


SKIP_MEDIA = "coding(s) not on a text selection (pictures, audio, video, PDF regions)"
SKIP_WHOLE = "coding(s) of a whole source, not of a text selection"
SKIP_UNCODED = "selection(s) with no coding (annotations, quotations without a code)"
SKIP_NOTES = "coding(s) of notes and memos"
SKIP_CASES = "coding(s) of cases"
SKIP_VARIABLES = "coding(s) of variables"


def read_qdpx(
    path,
    *,
    organisations=None,
    org_variable: str = "org_code",
    themes=None,
    theme_level: int | None = None,
    position_unit: str | None = None,
) -> pd.DataFrame:
    """Coded text segments from a REFI-QDA project exchange file (``.qdpx``).

    A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and the
    source texts under ``sources/``. Read: ``<Users>`` (coders), ``<CodeBook>`` (codes → themes),
    ``<Sets>`` (code groups), ``<Variables>``/``<Cases>`` (organisations), and every
    ``<TextSource>``'s ``<PlainTextSelection>`` with its ``<Coding>``/``<CodeRef>`` (also those in
    a ``<PDFSource>``'s text ``<Representation>``). The coder is the ``creatingUser`` of the
    coding (else of the selection). Source text comes from ``<PlainTextContent>`` or the
    ``plainTextPath="internal://…"`` file.

    **Positions** are converted from the unit the writing tool counted in — code points, UTF-16
    code units (NVivo, QualCoder), UTF-8 bytes (Taguette), with CRLF line endings counted as one
    (ATLAS.ti) or two — to Python string indices. The unit is decided for the whole file from the
    project's ``origin`` and by checking every selection against the source text (against the
    selection's ``name`` where the tool stores the selected text there, and whether selections
    start and end on word boundaries); when units that fit give different text and nothing tells
    them apart it is an error, never a silent shift.
    ``attrs["position_unit"]`` and ``attrs["position_unit_reason"]`` say what was used and why.

    **Themes** follow the codebook's shape (``attrs["theme_rule"]`` states the rule): a flat
    codebook makes each code its own theme; with one root code, the themes are the codes one
    level below it; otherwise the top-level codes are the themes. ``theme_level=`` picks another
    level, ``themes="sets"`` uses the ``<Sets>`` as themes, and a mapping code → theme (dict,
    DataFrame with columns ``code``, ``theme``, or a CSV/XLSX file) groups codes explicitly.

    **Left out, counted:** selections with no coding, codings of notes/memos, cases and variables,
    of whole sources and of pictures, audio, video or PDF regions — one :class:`QDAWarning` per
    kind, counts in ``attrs["skipped"]``.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` file.
    organisations : dict, DataFrame or path, optional
        interview → org_code mapping (see the module notes); default: the ``org_variable`` variable.
    org_variable : str
        Name of the REFI-QDA variable holding the organisation code.
    themes : None, "sets", dict, DataFrame or path, optional
        How codes are grouped into themes (see above); default: the codebook's shape.
    theme_level : int, optional
        Codebook level whose codes are the themes (0 = top level).
    position_unit : str, optional
        The unit the positions count, when the file cannot tell: a unit of
        :data:`POSITION_UNITS`, optionally followed by ``", line endings CRLF as one"`` (or
        ``"LF as two"``). Every selection must still fit it.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SEGMENT_COLUMNS`; ``attrs`` as described above plus ``origin``,
        ``n_sources`` and ``n_codes``.

    References
    ----------
    REFI-QDA Standard 1.5, Project Exchange (https://www.qdasoftware.org/); layout as written by
    QualCoder's ``refi.py`` (RefiExport); units and quirks: docs/qda-formats.md.

    Examples
    --------
    >>> import tempfile, pathlib, aeeval as ae
    >>> seg = ae.read_segments(None)
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "project.qdpx"
    >>> ae.write_qdpx(seg, p)
    >>> back = read_qdpx(p)
    >>> back.equals(seg.sort_values(["interview", "coder", "start", "end", "code"],
    ...                             ignore_index=True))
    True
    >>> back.attrs["position_unit"]
    'code points'
    """
    path = Path(path)
    if not path.is_file():
        raise QDAFormatError(path, "file does not exist")
    if not zipfile.is_zipfile(path):
        raise QDAFormatError(
            path, "not a zip archive; a .qdpx file is a zip holding project.qde and the sources"
        )
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
        if not qde:
            raise QDAFormatError(
                path, f"the zip has no project.qde (it holds {', '.join(names[:8]) or 'nothing'})"
            )
        qde_name = "project.qde" if "project.qde" in qde else qde[0]
        where = f"{path} [{qde_name}]"
        root, ns = _parse_xml(zf.read(qde_name), where, "Project", "project")
        lower = {n.lower(): n for n in names}

        users = {}
        users_el = root.find(_q(ns, "Users"))
        if users_el is not None:
            for u in users_el.findall(_q(ns, "User")):
                users[u.get("guid")] = u.get("name") or u.get("guid")
        cb = root.find(_q(ns, "CodeBook"))
        codebook, paths, labels = _codes_from(
            cb.find(_q(ns, "Codes")) if cb is not None else None, ns, where
        )
        var_names = _variables(root, ns)
        cases_el = root.find(_q(ns, "Cases"))
        case_guids = (
            {c.get("guid") for c in cases_el.findall(_q(ns, "Case"))}
            if cases_el is not None
            else set()
        )
        notes_el = root.find(_q(ns, "Notes"))
        note_guids = (
            {n.get("guid") for n in notes_el.findall(_q(ns, "Note"))}
            if notes_el is not None
            else set()
        )
        sets = _sets_from(root, ns, where, paths)

        sources_el = root.find(_q(ns, "Sources"))
        if sources_el is None:
            raise QDAFormatError(where, "no <Sources> element: nothing was coded")
        guid_to_interview, from_file, texts = {}, {}, []
        all_sources, source_of_interview, skipped = set(), {}, {}
        for src in sources_el:
            kind = _local(src.tag)
            sguid, sname = src.get("guid"), src.get("name") or src.get("guid")
            all_sources.add(sguid)
            # A PDF's text layer is a <Representation> (a text source) inside the <PDFSource>.
            text_el = (
                src
                if kind == "TextSource"
                else (src.find(_q(ns, "Representation")) if kind == "PDFSource" else None)
            )
            if text_el is None:
                _count(
                    skipped,
                    SKIP_MEDIA,
                    f"<{kind} name={sname!r}>",
                    len(src.findall(f".//{_q(ns, 'Coding')}")),
                )
                continue
            interview = _interview_id(sname)
            if interview in source_of_interview:
                raise QDAFormatError(
                    where,
                    f"<{kind} name={sname!r} guid={sguid!r}> and source "
                    f"{source_of_interview[interview]!r} both give interview "
                    f"id {interview!r}; rename one so each interview is one "
                    "source",
                )
            source_of_interview[interview] = sname
            guid_to_interview[sguid] = interview
            org = {
                **_variable_values(text_el, ns, var_names),
                **_variable_values(src, ns, var_names),
            }.get(org_variable)
            if org:
                from_file[interview] = org
            text = _source_text(text_el, f"<{kind} name={sname!r}>", zf, lower, where, ns)
            sels = text_el.findall(_q(ns, "PlainTextSelection"))
            texts.append((interview, sname, text, sels))
            place = f"<{kind} name={sname!r}>"
            _count(skipped, SKIP_WHOLE, place, len(text_el.findall(_q(ns, "Coding"))))
            if text_el is not src:
                _count(skipped, SKIP_WHOLE, place, len(src.findall(_q(ns, "Coding"))))
                _count(
                    skipped,
                    SKIP_MEDIA,
                    place,
                    len(src.findall(f"{_q(ns, 'PDFSelection')}/{_q(ns, 'Coding')}")),
                )
        if notes_el is not None:
            for note in notes_el.findall(_q(ns, "Note")):
                _count(
                    skipped,
                    SKIP_NOTES,
                    _describe(note),
                    len(note.findall(f".//{_q(ns, 'Coding')}")),
                )

    if cases_el is not None:
        for case in cases_el.findall(_q(ns, "Case")):
            org = _variable_values(case, ns, var_names).get(org_variable)
            _count(skipped, SKIP_CASES, _describe(case), len(case.findall(_q(ns, "CodeRef"))))
            for sref in case.findall(_q(ns, "SourceRef")):
                target = sref.get("targetGUID")
                if target not in all_sources:
                    raise QDAFormatError(
                        where,
                        f"<Case name={case.get('name')!r}> points to source "
                        f"{target!r}, which is not among the <Sources>",
                    )
                if (
                    org
                    and target in guid_to_interview
                    and guid_to_interview[target] not in from_file
                ):
                    from_file[guid_to_interview[target]] = org

    # Check every selection and coding first; positions are converted once the unit is known.
    resolve, kept = [], []
    for interview, sname, text, sels in texts:
        checked = []
        for sel in sels:
            label = f"<PlainTextSelection guid={sel.get('guid')!r}> in source {sname!r}"
            if text is None:
                raise QDAFormatError(where, f"{label}: the source has no plain text")
            # Project.xsd's xs:integer (checked by _check_schema) is what int() reads.
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            if not 0 <= start < end:
                raise QDAFormatError(
                    where,
                    f"{label} (name {sel.get('name')!r}): positions "
                    f"{start}–{end} are not a span (REFI-QDA: 0 ≤ start "
                    "< end)",
                )
            codings = []
            for coding in sel.findall(_q(ns, "Coding")):
                target = (
                    coding.find(_q(ns, "CodeRef")).get("targetGUID")
                    if coding.find(_q(ns, "CodeRef")) is not None
                    else None
                )
                if target in case_guids:
                    _count(skipped, SKIP_CASES, f"source {sname!r}")
                    continue
                if target in var_names:
                    _count(skipped, SKIP_VARIABLES, f"source {sname!r}")
                    continue
                if target in note_guids:
                    _count(skipped, SKIP_NOTES, f"source {sname!r}")
                    continue
                if target not in paths:
                    raise QDAFormatError(
                        where,
                        f"{label}: <CodeRef targetGUID={target!r}> points "
                        "to a code that is not in the <CodeBook>",
                    )
                user = coding.get("creatingUser") or sel.get("creatingUser")
                if user is None:
                    raise QDAFormatError(
                        where, f"{label}: no creatingUser, so the coder is unknown"
                    )
                if user not in users:
                    raise QDAFormatError(
                        where, f"{label}: creatingUser {user!r} is not among the <Users>"
                    )
                codings.append((target, users[user]))
            if not sel.findall(_q(ns, "Coding")):
                _count(skipped, SKIP_UNCODED, f"source {sname!r}")
            if codings:
                checked.append((label, start, end, sel.get("name") or "", codings))
        if checked:
            resolve.append((sname, text, [c[:4] for c in checked]))
            kept.append((interview, text, checked))
    unit = _resolve_positions(where, root.get("origin"), resolve, position_unit)
    coded = [t for _, _, checked in kept for c in checked for t, _ in c[4]]
    theme_of, rule = _assign_themes(
        where, paths, labels, coded, themes=themes, theme_level=theme_level, sets=sets
    )
    rows = []
    for (interview, text, checked), spans in zip(kept, unit["spans"]):
        for (_, _, _, _, codings), (i, j) in zip(checked, spans):
            for target, coder in codings:
                rows.append(
                    {
                        "interview": interview,
                        "coder": coder,
                        "code": paths[target][-1],
                        "theme": theme_of[target],
                        "text": text[i:j],
                        "start": i,
                        "end": j,
                    }
                )
    return _segments(
        rows,
        where,
        path,
        organisations=organisations,
        from_file=from_file,
        org_variable=org_variable,
        skipped=skipped,
        origin=root.get("origin") or "",
        unit=unit,
        rule=rule,
        n_sources=len(texts),
        n_codes=len(paths),
    )


# ------------------------------------------------------------------------------------- QualCoder

# QualCoder's own schema (src/qualcoder/__main__.py, create_project in ccbogel/QualCoder):
#   source(id, name, fulltext, mediapath, memo, owner, date)
#   code_cat(catid, name, owner, date, memo, supercatid)
#   code_name(cid, name, memo, catid, owner, date, color)   [later versions: supercid]
#   code_text(cid, fid, seltext, pos0, pos1, owner, date, memo, avid)
#   attribute(attrid, name, attr_type, value, id, date, owner); cases; case_text(caseid, fid, …)
_QC_TABLES = {
    "source": {"id", "name"},
    "code_cat": {"catid", "name", "supercatid"},
    "code_name": {"cid", "name", "catid"},
    "code_text": {"cid", "fid", "seltext", "pos0", "pos1", "owner"},
}


def read_qualcoder(
    path,
    *,
    organisations=None,
    org_variable: str = "org_code",
    themes=None,
    theme_level: int | None = None,
) -> pd.DataFrame:
    """Coded text segments from a QualCoder project (its folder or the ``data.qda`` SQLite file).

    Codes come from ``code_name``, their place in the codebook from the categories in
    ``code_cat`` (following ``supercatid``; sub-codes follow ``supercid`` to their parent code
    first), codings from ``code_text`` (``owner`` = coder, ``fid`` = source, ``pos0``/``pos1``,
    ``seltext``) and interviews from ``source``. Themes follow the codebook's shape as in
    :func:`read_qdpx` (a code in no category is its own theme; categories under one root category
    make the level below it the themes; ``themes=`` and ``theme_level=`` choose otherwise;
    ``attrs["theme_rule"]`` says which). QualCoder stores Qt text-cursor positions, which count
    UTF-16 code units; they are converted to Python string indices, checked against ``seltext``
    (``attrs["position_unit"]``). The organisation is a file attribute ``org_variable``, an attribute
    of a case holding the file, or ``organisations=``. The database is opened read-only. Errors
    name the ``code_text`` row by its rowid (the ``ctid`` column in current QualCoder). Codings of
    pictures (``code_image``) and audio/video (``code_av``) are left out with a
    :class:`QDAWarning` that counts them.

    References
    ----------
    QualCoder database schema, ``create_project`` in ccbogel/QualCoder ``src/qualcoder/__main__.py``.

    Examples
    --------
    >>> read_qualcoder("no/such/project.qda")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    QDAFormatError: no/such/project.qda: no QualCoder database here
    """
    path = Path(path)
    db = path / "data.qda" if path.is_dir() else path
    if not db.is_file():
        raise QDAFormatError(
            path,
            "no QualCoder database here (expected a project folder holding "
            "data.qda, or the data.qda file)",
        )
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {
                r[0] for r in conn.execute("select name from sqlite_master where type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise QDAFormatError(db, f"not an SQLite database ({exc})") from None
        for table, cols in _QC_TABLES.items():
            if table not in tables:
                raise QDAFormatError(db, f"not a QualCoder project: table {table!r} is missing")
            have = {r[1] for r in conn.execute(f"pragma table_info({table})")}
            if cols - have:
                raise QDAFormatError(db, f"table {table!r} lacks column(s) {sorted(cols - have)}")
        sources, texts = {}, {}
        for fid, name, fulltext in conn.execute("select id, name, fulltext from source"):
            sources[fid], texts[fid] = name, fulltext
        by_interview = {}
        for name in sources.values():
            other = by_interview.setdefault(_interview_id(name), name)
            if other != name:
                raise QDAFormatError(
                    db,
                    f"source files {other!r} and {name!r} both give interview "
                    f"id {_interview_id(name)!r}; rename one so each interview "
                    "is one file",
                )
        skipped = {}
        for table, what in (
            ("code_image", "pictures and PDF regions"),
            ("code_av", "audio and video"),
        ):
            if table in tables:
                n = conn.execute(f"select count(*) from {table}").fetchone()[0]
                _count(skipped, SKIP_MEDIA, f"table {table} ({what})", n)
        cats = {
            cid: (name, sup)
            for cid, name, sup in conn.execute("select catid, name, supercatid from code_cat")
        }
        code_cols = {r[1] for r in conn.execute("pragma table_info(code_name)")}
        sup_sql = ", supercid" if "supercid" in code_cols else ", null"
        codes = {
            cid: (name, catid, sup)
            for cid, name, catid, sup in conn.execute(
                f"select cid, name, catid{sup_sql} from code_name"
            )
        }
        codings = conn.execute(
            "select rowid, cid, fid, seltext, pos0, pos1, owner from code_text order by rowid"
        ).fetchall()
        from_file = {}
        if "attribute" in tables:
            for fid, value in conn.execute(
                "select id, value from attribute where attr_type='file' and name=?", (org_variable,)
            ):
                if fid in sources and value:
                    from_file[_interview_id(sources[fid])] = value
            if "case_text" in tables:
                for fid, value in conn.execute(
                    "select distinct ct.fid, a.value from case_text ct join attribute a "
                    "on a.id = ct.caseid and a.attr_type='case' and a.name=?",
                    (org_variable,),
                ):
                    if fid in sources and value:
                        from_file.setdefault(_interview_id(sources[fid]), value)
    except sqlite3.DatabaseError as exc:
        raise QDAFormatError(db, f"cannot read the QualCoder database ({exc})") from None
    finally:
        if "conn" in locals():
            conn.close()

    def cat_path(catid, row, name):
        names, seen = [], set()
        while catid is not None:
            if catid not in cats:
                raise QDAFormatError(
                    db,
                    f"code_text row {row}: code {name!r} points to category "
                    f"{catid}, which is not in code_cat",
                )
            if catid in seen:
                raise QDAFormatError(
                    db,
                    f"code_text row {row}: the categories above code "
                    f"{name!r} loop (code_cat.supercatid returns to catid "
                    f"{catid})",
                )
            seen.add(catid)
            names.append(cats[catid][0])
            catid = cats[catid][1]
        return names[::-1]

    paths, labels = {}, {}

    def code_path(cid, row):
        if cid in paths:
            return paths[cid]
        name, catid, sup = codes[cid]
        chain, parents = [name], {cid}  # code and category ids are separate numberings
        while catid is None and sup is not None:  # sub-code → parent code
            if sup not in codes:
                raise QDAFormatError(
                    db,
                    f"code_text row {row}: code {name!r} has parent code "
                    f"{sup}, which is not in code_name",
                )
            if sup in parents:
                raise QDAFormatError(
                    db,
                    f"code_text row {row}: code {name!r} is its own ancestor "
                    f"(code_name.supercid loops through cid {sup})",
                )
            parents.add(sup)
            chain.append(codes[sup][0])
            _, catid, sup = codes[sup]
        paths[cid] = cat_path(catid, row, name) + chain[::-1]
        labels[cid] = f"code_name cid {cid} name {name!r}"
        return paths[cid]

    checked = {}
    for rowid, cid, fid, seltext, pos0, pos1, owner in codings:
        if cid not in codes:
            raise QDAFormatError(db, f"code_text row {rowid}: cid {cid} is not in code_name")
        if fid not in sources:
            raise QDAFormatError(db, f"code_text row {rowid}: fid {fid} is not in source")
        if not owner:
            raise QDAFormatError(db, f"code_text row {rowid}: no owner, so the coder is unknown")
        if pos0 is None or pos1 is None or not 0 <= int(pos0) < int(pos1):
            raise QDAFormatError(
                db, f"code_text row {rowid}: positions {pos0}–{pos1} are not a valid span"
            )
        code_path(cid, rowid)
        checked.setdefault(fid, []).append(
            (f"code_text row {rowid}", int(pos0), int(pos1), seltext or "", cid, owner)
        )
    # The category tree of every code, coded or not, decides the codebook's shape.
    for cid in codes:
        try:
            code_path(cid, "(none)")
        except QDAFormatError:
            pass  # an uncoded code with a broken parent does not stop the coded ones
    fids = sorted(checked)
    # QualCoder stores Qt text-cursor positions (UTF-16 code units; helpers.doc_end_position) and
    # the selected text (seltext), which settles the unit when they differ.
    unit = _resolve_positions(
        db, "QualCoder", [(sources[f], texts[f] or "", [c[:4] for c in checked[f]]) for f in fids]
    )
    theme_of, rule = _assign_themes(
        db,
        paths,
        labels,
        [c[4] for f in fids for c in checked[f]],
        themes=themes,
        theme_level=theme_level,
    )
    rows = []
    for fid, spans in zip(fids, unit["spans"]):
        text = texts[fid] or ""
        for (_, _, _, _, cid, owner), (i, j) in zip(checked[fid], spans):
            rows.append(
                {
                    "interview": _interview_id(sources[fid]),
                    "coder": owner,
                    "code": codes[cid][0],
                    "theme": theme_of[cid],
                    "text": text[i:j],
                    "start": i,
                    "end": j,
                }
            )
    return _segments(
        rows,
        db,
        db,
        organisations=organisations,
        from_file=from_file,
        org_variable=org_variable,
        skipped=skipped,
        origin="QualCoder project (data.qda)",
        unit=unit,
        rule=rule,
        n_sources=len(sources),
        n_codes=len(codes),
    )


# ------------------------------------------------------------------------------------- QualCoder exports

# QualCoder's "Code text" report exported to CSV or XLSX (ccbogel/QualCoder
# src/qualcoder/report_codes.py, export_csv_file / export_xlsx_file): the first column is "File"
# (or "Case", then "Filename"), then Coder, Coded (the text; "image" or "a/v" for media), Id
# ("ctid:N", "imid:N", "avid:N"), Codename, Coded_Memo, one "Category" column per level (nearest
# category first, from categories_of_code), and FileVar_<name>/CaseVar_<name> when variables
# are exported. The CSV is utf-8-sig with every cell quoted.
_QC_EXPORT_COLUMNS = ("Coder", "Coded", "Id", "Codename", "Coded_Memo")
NO_POSITIONS = (
    "none: a coded-text export holds no positions, so segments are keyed by "
    "interview and code and co-occurrence is by interview only"
)


def _export_rows(path: Path, *, header_only: bool = False) -> list[list[str]] | None:
    """The cells of a CSV/XLSX (first sheet) as strings, or None when it cannot be read."""
    import csv
    import itertools

    try:
        if path.suffix.lower() == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                rows = book.worksheets[0].iter_rows(
                    values_only=True, max_row=1 if header_only else None
                )
                return [["" if v is None else str(v) for v in row] for row in rows]
            finally:
                book.close()
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            return list(itertools.islice(reader, 1) if header_only else reader)
    except (
        OSError,
        ValueError,
        UnicodeDecodeError,
        csv.Error,
        KeyError,
        IndexError,
        zipfile.BadZipFile,
    ):
        return None


def is_coded_text_export(path) -> bool:
    """Whether ``path`` is a CSV/XLSX in the layout of QualCoder's coded-text export.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_coded_text_export(EXAMPLES / "interview_segments.csv")
    False
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx") or not path.is_file():
        return False
    rows = _export_rows(path, header_only=True)
    if not rows:
        return False
    head = [str(h).strip() for h in rows[0]]
    return all(c in head for c in _QC_EXPORT_COLUMNS) and head[0] in ("File", "Case")


def read_qualcoder_export(
    path,
    *,
    organisations=None,
    org_variable: str = "org_code",
    themes=None,
    theme_level: int | None = None,
) -> pd.DataFrame:
    """Coded text from QualCoder's coded-text report exported as CSV or XLSX.

    The export has no positions: ``start`` and ``end`` are missing, segments are keyed by
    interview and code (with their text), and co-occurrence can only be counted by interview
    (``attrs["positions"]`` is False; :func:`aeeval.cooccurrence` with ``by="segment"`` refuses).
    The interview is the ``File`` (or, in a report by case, the ``Filename``) without its
    extension; the codebook path comes from the ``Category`` columns (nearest first), so the
    theme rules of :func:`read_qdpx` apply. The organisation is the ``FileVar_<org_variable>``
    column (exported with "variables") or ``organisations=``. Rows coding pictures or audio/video
    (``Coded`` "image"/"a/v", ``Id`` ``imid:``/``avid:``) are left out with a :class:`QDAWarning`.

    References
    ----------
    ccbogel/QualCoder ``src/qualcoder/report_codes.py`` (``export_csv_file``, ``export_xlsx_file``,
    ``categories_of_code``).

    Examples
    --------
    >>> read_qualcoder_export("no/such/export.csv")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    QDAFormatError: no/such/export.csv: file does not exist
    """
    path = Path(path)
    if not path.is_file():
        raise QDAFormatError(path, "file does not exist")
    rows = _export_rows(path)
    if rows is None:
        raise QDAFormatError(path, "cannot be read as a CSV or XLSX table")
    if not rows:
        raise QDAFormatError(path, "is empty; expected QualCoder's coded-text export")
    head = [str(h).strip() for h in rows[0]]
    missing = [c for c in _QC_EXPORT_COLUMNS if c not in head]
    if missing or head[0] not in ("File", "Case"):
        raise QDAFormatError(
            path,
            "not a QualCoder coded-text export: the header needs File (or "
            "Case, Filename), Coder, Coded, Id, Codename, Coded_Memo, "
            f"Category…; it lacks {missing or ['File']}",
        )
    col = {h: k for k, h in reversed(list(enumerate(head)))}
    file_col = col["Filename"] if head[0] == "Case" and "Filename" in col else 0
    cat_cols = [k for k, h in enumerate(head) if h == "Category"]
    org_col = col.get(f"FileVar_{org_variable}")
    paths, labels, skipped, checked, from_file = {}, {}, {}, [], {}
    for n, row in enumerate(rows[1:], 2):
        row = [str(c) for c in row] + [""] * (len(head) - len(row))
        if not any(c.strip() for c in row):
            continue
        cid = row[col["Id"]].strip()
        if cid.startswith(("imid:", "avid:")):
            _count(skipped, SKIP_MEDIA, f"row {n} ({cid})")
            continue
        source, coder, code = (
            row[file_col].strip(),
            row[col["Coder"]].strip(),
            row[col["Codename"]].strip(),
        )
        for what, value in (("the file name", source), ("Coder", coder), ("Codename", code)):
            if not value:
                raise QDAFormatError(path, f"row {n} (Id {cid!r}): {what} is empty")
        path_ = [row[k].strip() for k in reversed(cat_cols) if row[k].strip()] + [code]
        key = tuple(path_)
        if paths.get(code, key) != key:
            raise QDAFormatError(
                path,
                f"row {n}: code {code!r} sits under categories "
                f"{' / '.join(key[:-1]) or '(none)'} here and "
                f"{' / '.join(paths[code][:-1]) or '(none)'} elsewhere",
            )
        paths[code], labels[code] = key, f"code {code!r}"
        interview = _interview_id(source)
        if org_col is not None and row[org_col].strip():
            from_file[interview] = row[org_col].strip()
        checked.append(
            {
                "interview": interview,
                "coder": coder,
                "code": code,
                "text": row[col["Coded"]],
                "start": pd.NA,
                "end": pd.NA,
            }
        )
    theme_of, rule = _assign_themes(
        path,
        {k: list(v) for k, v in paths.items()},
        labels,
        [r["code"] for r in checked],
        themes=themes,
        theme_level=theme_level,
    )
    for r in checked:
        r["theme"] = theme_of[r["code"]]
    return _segments(
        checked,
        path,
        path,
        organisations=organisations,
        from_file=from_file,
        org_variable=org_variable,
        skipped=skipped,
        origin="QualCoder coded-text export",
        unit={"unit": NO_POSITIONS, "reason": ""},
        rule=rule,
        n_sources=None,
        n_codes=len(paths),
    )


# ------------------------------------------------------------------------------------- validate


def qda_report(path) -> list[str] | None:
    """What ``aeeval validate`` says about a QDA file; ``None`` if ``path`` is not one.

    Reads the file as the reports do (raising :class:`QDAFormatError` on a problem) and
    describes it: sources, codes, themes under the rule used, coders, codings, what was skipped
    and the position unit detected. Warnings are folded into the ``skipped`` line.

    Examples
    --------
    >>> import tempfile, pathlib, aeeval as ae
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.qdpx"
    >>> ae.write_qdpx(ae.read_segments(None), p)
    >>> qda_report(p)[2].split(" (")[0]
    '  positions: code points'
    >>> qda_report(p)[1].split(" (")[0]
    '  12 sources, 17 codes, 3 themes'"""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        book = read_qdc(path)
        sets = book.attrs.get("sets", {})
        return [
            f"{path}: REFI-QDA codebook (origin {book.attrs.get('origin')!r})",
            f"  {len(book)} codes, {int((book['depth'] == 0).sum())} at the top level, "
            f"{len(sets)} code set(s); a codebook holds no codings",
        ]
    if suffix == ".qdpx":
        kind, reader = "REFI-QDA project", read_qdpx
    elif path.is_dir() and (path / "data.qda").is_file() or suffix == ".qda":
        kind, reader = "QualCoder project", read_qualcoder
    elif is_coded_text_export(path):
        kind, reader = "QualCoder coded-text export", read_qualcoder_export
    else:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        seg = reader(path)
    a = seg.attrs
    skipped = "; ".join(f"{n} {kind_}" for kind_, n in a.get("skipped", {}).items()) or "nothing"
    origin = f" (origin {a['origin']!r})" if kind == "REFI-QDA project" else ""
    reason = f" ({a['position_unit_reason']})" if a.get("position_unit_reason") else ""
    return [
        f"{path}: {kind}{origin}",
        f"  {a['n_sources']} sources, {a['n_codes']} codes, {seg['theme'].nunique()} themes "
        f"({a['theme_rule']}), {seg['coder'].nunique()} coders, {len(seg)} codings",
        f"  positions: {a['position_unit']}{reason}",
        f"  skipped: {skipped}",
    ]


# ------------------------------------------------------------------------------------- writers


def _guid(*parts) -> str:
    """A stable GUID for an item, so the same table writes the same file."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "aeeval:" + "/".join(map(str, parts)))).upper()


def codebook_from_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """The two-level codebook (themes → codes) implied by a segments table (as :func:`read_qdc`).

    Examples
    --------
    >>> import aeeval as ae
    >>> book = codebook_from_segments(ae.read_segments(None))
    >>> book.groupby("depth").size().tolist()  # 3 themes, 14 codes
    [3, 14]
    """
    pairs = segments[["theme", "code"]].drop_duplicates().sort_values(["theme", "code"])
    clash = pairs["code"].duplicated(keep=False)
    if clash.any():
        raise ValueError(
            f"code {pairs.loc[clash, 'code'].iloc[0]!r} sits under more than one theme "
            f"({', '.join(pairs.loc[clash, 'theme'].unique())})"
        )
    rows = []
    for theme, g in pairs.groupby("theme", sort=True):
        rows.append(
            {
                "guid": _guid("theme", theme),
                "code": theme,
                "parent": pd.NA,
                "theme": pd.NA,
                "depth": 0,
                "codable": False,
                "description": "",
            }
        )
        for code in g["code"]:
            rows.append(
                {
                    "guid": _guid("code", theme, code),
                    "code": code,
                    "parent": theme,
                    "theme": theme,
                    "depth": 1,
                    "codable": True,
                    "description": "",
                }
            )
    return pd.DataFrame(rows, columns=_CODEBOOK_COLUMNS)


def _codes_xml(parent: ET.Element, codebook: pd.DataFrame, ns: str) -> None:
    codes_el = ET.SubElement(parent, _q(ns, "Codes"))
    elements = {}
    for row in codebook.itertuples():
        attrs = {
            "guid": row.guid,
            "name": row.code,
            "isCodable": "true" if row.codable else "false",
        }
        holder = codes_el if pd.isna(row.parent) else elements[row.parent]
        el = ET.SubElement(holder, _q(ns, "Code"), attrs)
        if row.description:
            ET.SubElement(el, _q(ns, "Description")).text = row.description
        elements[row.code] = el


def _write_xml(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_qdc(segments_or_codebook: pd.DataFrame, path) -> None:
    """Write a REFI-QDA codebook (``.qdc``): themes as non-codable parents, codes nested inside.

    Takes a segments table (themes and codes are taken from it) or a codebook table as
    :func:`read_qdc` returns. The file is written to a temporary name, then moved into place.

    References
    ----------
    REFI-QDA Standard, Codebook Exchange (Codebook.xsd, namespace ``urn:QDA-XML:codebook:1.0``).

    Examples
    --------
    >>> import tempfile, pathlib, aeeval as ae
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codes.qdc"
    >>> write_qdc(ae.read_segments(None), p)
    >>> p.read_text(encoding="utf-8").count('isCodable="false"')  # the three themes
    3
    """
    data = segments_or_codebook
    codebook = data if "guid" in data.columns else codebook_from_segments(data)
    root = ET.Element(_q(CODEBOOK_NS, "CodeBook"), {"origin": "aeeval"})
    _codes_xml(root, codebook, CODEBOOK_NS)
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(_write_xml(root, CODEBOOK_NS))
    tmp.replace(path)  # moved into place only when complete


def _transcript(g: pd.DataFrame, interview) -> str:
    """Rebuild a transcript from its coded segments: texts at their offsets, spaces between."""
    chars: dict[int, str] = {}
    for row in g.itertuples():
        text = str(row.text)
        if len(text) != int(row.end) - int(row.start):
            raise ValueError(
                f"interview {interview!r}, code {row.code!r} at {row.start}–{row.end}: "
                f"the text has {len(text)} characters, not {int(row.end) - int(row.start)}"
                "; pass transcripts= to write_qdpx"
            )
        for i, ch in enumerate(text):
            pos = int(row.start) + i
            if chars.setdefault(pos, ch) != ch:
                raise ValueError(
                    f"interview {interview!r}: segments disagree about the character "
                    f"at offset {pos}; pass transcripts= to write_qdpx"
                )
    length = max(chars) + 1 if chars else 0
    return "".join(chars.get(i, " ") for i in range(length))


def write_qdpx(segments: pd.DataFrame, path, *, transcripts: dict | None = None) -> None:
    """Write coded segments as a REFI-QDA project (``.qdpx``) that QualCoder, NVivo … can import.

    Layout as QualCoder's exporter writes it: ``project.qde`` with ``<Users>`` (one per coder),
    ``<CodeBook>`` (themes as ``isCodable="false"`` codes with the codes nested inside),
    ``<Variables>`` (``org_code``), ``<Sources>`` with one ``<TextSource>`` per interview
    (``plainTextPath="internal://<guid>.txt"``, a ``<VariableValue>`` for ``org_code``) holding a
    ``<PlainTextSelection>`` per segment with its ``<Coding>``/``<CodeRef>``; and the transcripts
    as ``sources/<guid>.txt``.

    **Positions** are written in Unicode code points (Python string indices) of the transcript
    as stored, line endings counted as stored, end exclusive; the project's ``<Description>``
    says so (:data:`WRITTEN_UNIT`) and its ``origin="aeeval"`` tells :func:`read_qdpx` to read
    them back in that unit. Tools that count in UTF-16 code units (NVivo, QualCoder) place a
    selection after an emoji differently; see docs/qda-formats.md.

    Parameters
    ----------
    segments : pandas.DataFrame
        Columns :data:`SEGMENT_COLUMNS`.
    path : str or Path
        The ``.qdpx`` file to write (written to a temporary name, then moved into place).
    transcripts : dict, optional
        interview → full transcript text. Default: rebuilt from the segments (each text at its
        offsets, spaces elsewhere).

    References
    ----------
    REFI-QDA Standard 1.0, Project Exchange (Project.xsd, namespace ``urn:QDA-XML:project:1.0``);
    QualCoder's ``refi.py`` (RefiExport) for the layout.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile, aeeval as ae
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "interviews.qdpx"
    >>> write_qdpx(ae.read_segments(None), p)
    >>> names = zipfile.ZipFile(p).namelist()
    >>> names[0], sum(n.startswith("sources/") for n in names)  # one text per interview
    ('project.qde', 12)
    """
    missing = [c for c in SEGMENT_COLUMNS if c not in segments.columns]
    if missing:
        raise KeyError(f"segments lack column(s) {missing}")
    ns = PROJECT_NS
    codebook = codebook_from_segments(segments)
    code_guid = {(r.theme, r.code): r.guid for r in codebook.itertuples() if r.depth == 1}
    root = ET.Element(_q(ns, "Project"), {"name": Path(path).stem, "origin": "aeeval"})
    users_el = ET.SubElement(root, _q(ns, "Users"))
    description = ET.Element(_q(ns, "Description"))
    description.text = WRITTEN_UNIT
    for coder in sorted(segments["coder"].unique()):
        ET.SubElement(users_el, _q(ns, "User"), {"guid": _guid("user", coder), "name": coder})
    _codes_xml(ET.SubElement(root, _q(ns, "CodeBook")), codebook, ns)
    var_guid = _guid("variable", "org_code")
    vars_el = ET.SubElement(root, _q(ns, "Variables"))
    ET.SubElement(
        vars_el,
        _q(ns, "Variable"),
        {"guid": var_guid, "name": "org_code", "typeOfVariable": "Text"},
    )
    sources_el = ET.SubElement(root, _q(ns, "Sources"))
    files = {}
    for interview, g in segments.groupby("interview", sort=True):
        orgs = g["org_code"].unique()
        if len(orgs) != 1:
            raise ValueError(f"interview {interview!r} has {len(orgs)} organisations: {list(orgs)}")
        text = (transcripts or {}).get(interview)
        if text is None:
            text = _transcript(g, interview)
        sguid = _guid("source", interview)
        files[f"sources/{sguid}.txt"] = text
        src = ET.SubElement(
            sources_el,
            _q(ns, "TextSource"),
            {"guid": sguid, "name": f"{interview}.txt", "plainTextPath": f"internal://{sguid}.txt"},
        )
        g = g.sort_values(["coder", "start", "end", "code"])
        for i, row in enumerate(g.itertuples()):
            if text[int(row.start) : int(row.end)] != row.text:
                raise ValueError(
                    f"interview {interview!r}: the transcript does not hold the text "
                    f"of code {row.code!r} at {row.start}–{row.end}"
                )
            user = _guid("user", row.coder)
            sel = ET.SubElement(
                src,
                _q(ns, "PlainTextSelection"),
                {
                    "guid": _guid("selection", interview, i),
                    "name": row.text,
                    "startPosition": str(int(row.start)),
                    "endPosition": str(int(row.end)),
                    "creatingUser": user,
                },
            )
            coding = ET.SubElement(
                sel, _q(ns, "Coding"), {"guid": _guid("coding", interview, i), "creatingUser": user}
            )
            ET.SubElement(
                coding, _q(ns, "CodeRef"), {"targetGUID": code_guid[(row.theme, row.code)]}
            )
        vv = ET.SubElement(src, _q(ns, "VariableValue"))
        ET.SubElement(vv, _q(ns, "VariableRef"), {"targetGUID": var_guid})
        ET.SubElement(vv, _q(ns, "TextValue")).text = str(orgs[0])
    root.append(description)  # Project.xsd: <Description> comes after <Sources>
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", _write_xml(root, ns))
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))
    tmp.replace(path)
