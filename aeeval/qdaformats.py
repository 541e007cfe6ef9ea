"""Read and write coded interview segments: CSV, REFI-QDA (``.qdpx``, ``.qdc``) and QualCoder.

Every reader returns the same long table, one row per coded segment, with the columns of
``data/schemas/interview_segments.schema.json``:

``interview``, ``org_code`` (organisation), ``coder``, ``code``, ``theme`` (parent theme), ``text``,
``start``, ``end`` (character offsets in the transcript, ``end`` exclusive).

**Codes and themes.** A code's theme is its top-level ancestor in the codebook: in REFI-QDA the
outermost ``<Code>`` it is nested in, in QualCoder the top category (``code_cat``) above it. A code
that is not nested under a theme is an error (it cannot be counted under a theme).

**Interviews and organisations.** An interview is one text source; its id is the source name
without the file extension (``INT01.txt`` → ``INT01``). Its organisation comes, in this order, from

1. ``organisations=``: a mapping interview → org_code (dict, DataFrame or CSV path with columns
   ``interview`` and ``org_code``) — used for every interview when given;
2. a variable on the source named ``org_variable`` (default ``"org_code"``): in REFI-QDA a
   ``<VariableValue>`` of the ``<TextSource>`` or of a ``<Case>`` that holds the source; in
   QualCoder a file attribute or an attribute of a case the file belongs to.

An interview with no organisation is an error naming the interview and both ways to supply one.

**Positions.** REFI-QDA ``startPosition``/``endPosition`` are character (code point) offsets into
the source's plain text; like QualCoder's exporter (``code_text.pos0``/``pos1``) the end is read as
exclusive, and the selected text is taken from the source text.

Nothing is returned half-read: a file that is not what it claims, an element (anywhere in the
document) in another namespace, a coding that points to a missing source, code or user, a position
outside its transcript, or two sources that would be the same interview raises
:class:`QDAFormatError` naming the file, the element or row, and what is wrong. Codings the long
table cannot hold (pictures, audio and video, PDF regions, whole sources) are counted in a
:class:`QDAWarning`, never dropped silently.
"""

from __future__ import annotations

import sqlite3
import uuid
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from .errors import AeevalError, AeevalWarning
from .paths import EXAMPLE_FILES, EXAMPLES
from .schemas import read_table

__all__ = [
    "SEGMENT_COLUMNS",
    "PROJECT_NS",
    "CODEBOOK_NS",
    "QDAFormatError",
    "QDAWarning",
    "read_segments",
    "read_segments_csv",
    "read_qdpx",
    "read_qdc",
    "read_qualcoder",
    "write_qdpx",
    "write_qdc",
    "codebook_from_segments",
]

SEGMENT_COLUMNS = ["interview", "org_code", "coder", "code", "theme", "text", "start", "end"]
PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_CODEBOOK_COLUMNS = ["guid", "code", "parent", "theme", "depth", "codable", "description"]


class QDAWarning(AeevalWarning):
    """Part of a QDA file that is not coded text (pictures, audio, whole-source codings) was left out."""


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
            raise QDAFormatError(file, f"the organisations table needs columns 'interview' and "
                                       f"'org_code'; it lacks {sorted(missing)}")
        return dict(zip(organisations["interview"].astype(str), organisations["org_code"].astype(str)))
    raise TypeError("organisations must be a dict, a DataFrame or a CSV path; got "
                    f"{type(organisations).__name__}")


def _assign_orgs(interviews: list[str], from_file: dict, mapping: dict | None, file,
                 org_variable: str) -> dict:
    orgs = {}
    missing = []
    for iv in interviews:
        org = mapping.get(iv) if mapping is not None else from_file.get(iv)
        if org is None or str(org).strip() == "":
            missing.append(iv)
        else:
            orgs[iv] = str(org).strip()
    if missing:
        how = ("the organisations mapping has no row for" if mapping is not None
               else f"no variable/attribute {org_variable!r} on")
        raise QDAFormatError(file, f"{how} interview(s) {', '.join(missing)}: every interview needs "
                                   f"an organisation — give each source a variable {org_variable!r} "
                                   "(QualCoder: a file or case attribute) or pass organisations= "
                                   "(a table with columns interview, org_code)")
    return orgs


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

    ``.csv``/``.xlsx`` → :func:`read_segments_csv`; ``.qdpx`` → :func:`read_qdpx`; a QualCoder
    project folder or its ``data.qda`` → :func:`read_qualcoder`. ``None`` reads the bundled example.
    Keyword arguments go to the reader (e.g. ``organisations=``).

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
    if suffix in (".csv", ".xlsx", ".txt"):
        if kwargs:
            raise TypeError(f"read_segments_csv takes no options; got {sorted(kwargs)}")
        return read_segments_csv(path)
    raise ValueError(f"{path}: cannot tell how to read coded segments from a '{suffix}' file; "
                     "expected .csv, .xlsx, .qdpx or a QualCoder project (.qda)")


# ------------------------------------------------------------------------------------- REFI-QDA


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _parse_xml(data: bytes, file, expected_root: str, ns: str) -> ET.Element:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise QDAFormatError(file, f"not well-formed XML ({exc})") from None
    if root.tag != _q(ns, expected_root):
        tag = root.tag
        found_ns, local = (tag[1:].split("}", 1) if tag.startswith("{") else ("(none)", tag))
        raise QDAFormatError(file, f"root element is <{local}> in namespace {found_ns!r}; expected "
                                   f"<{expected_root}> in namespace {ns!r}")
    _check_namespace(root, ns, file)
    return root


def _local(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _check_namespace(root: ET.Element, ns: str, file) -> None:
    """Every element must be in the REFI-QDA namespace: a foreign one would be skipped silently."""
    for parent in root.iter():
        for child in parent:
            if not isinstance(child.tag, str) or child.tag.startswith(f"{{{ns}}}"):
                continue
            found = child.tag[1:].split("}", 1)[0] if child.tag.startswith("{") else "(none)"
            named = f" name={parent.get('name')!r}" if parent.get("name") else ""
            raise QDAFormatError(file, f"element <{_local(child.tag)}> inside "
                                       f"<{_local(parent.tag)}{named}> is in namespace {found!r}, "
                                       f"not {ns!r}")


def _source_text(el: ET.Element, label: str, zf: zipfile.ZipFile, lower: dict, where,
                 ns: str) -> str | None:
    """A text source's plain text: inline ``<PlainTextContent>`` or an ``internal://`` file."""
    content = el.find(_q(ns, "PlainTextContent"))
    if content is not None:
        return content.text or ""
    ref = el.get("plainTextPath")
    if not ref:
        return None
    if not ref.startswith("internal://"):
        raise QDAFormatError(where, f"{label}: plainTextPath {ref!r} points outside the .qdpx; "
                                    "only internal:// sources are read")
    fname = ref.removeprefix("internal://")
    member = lower.get(f"sources/{fname}".lower())
    if member is None:
        raise QDAFormatError(where, f"{label}: its text sources/{fname} is missing from the zip")
    try:
        return zf.read(member).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QDAFormatError(where, f"{label}: {member} is not UTF-8 text ({exc})") from None


def _codes_from(codes_el: ET.Element | None, ns: str, file) -> pd.DataFrame:
    rows = []

    def walk(el, parent, theme, depth):
        guid, name = el.get("guid"), el.get("name")
        if not guid or not name:
            raise QDAFormatError(file, f"<Code> element {el.attrib} has no guid or no name")
        desc = el.find(_q(ns, "Description"))
        rows.append({"guid": guid, "code": name, "parent": parent,
                     "theme": theme if theme is not None else pd.NA, "depth": depth,
                     "codable": el.get("isCodable", "true") != "false",
                     "description": desc.text if desc is not None and desc.text else ""})
        for child in el.findall(_q(ns, "Code")):
            walk(child, name, theme if theme is not None else name, depth + 1)

    if codes_el is not None:
        for stray in codes_el:
            if stray.tag != _q(ns, "Code"):
                raise QDAFormatError(file, f"unexpected element {stray.tag} in <Codes> (expected "
                                           f"<Code> in namespace {ns!r})")
            walk(stray, pd.NA, None, 0)
    out = pd.DataFrame(rows, columns=_CODEBOOK_COLUMNS)
    dup = out["guid"].duplicated()
    if dup.any():
        raise QDAFormatError(file, f"code guid {out.loc[dup, 'guid'].iloc[0]!r} is used twice")
    return out


def read_qdc(path) -> pd.DataFrame:
    """A REFI-QDA codebook (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``) as a table.

    Returns
    -------
    pandas.DataFrame
        One row per ``<Code>``: ``guid``, ``code``, ``parent`` (name of the enclosing code),
        ``theme`` (the top-level ancestor; missing for top-level codes), ``depth`` (0 = theme),
        ``codable``, ``description``.

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
    root = _parse_xml(data, path, "CodeBook", CODEBOOK_NS)
    return _codes_from(root.find(_q(CODEBOOK_NS, "Codes")), CODEBOOK_NS, path)


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


def read_qdpx(path, *, organisations=None, org_variable: str = "org_code") -> pd.DataFrame:
    """Coded text segments from a REFI-QDA project exchange file (``.qdpx``).

    A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and the
    source texts under ``sources/``. Read: ``<Users>`` (coders), ``<CodeBook>`` (nested codes →
    themes), ``<Variables>``/``<Cases>`` (organisations), and every ``<TextSource>``'s
    ``<PlainTextSelection>`` with its ``<Coding>``/``<CodeRef>`` (also those in a ``<PDFSource>``'s
    text ``<Representation>``). The coder is the ``creatingUser`` of the coding (else of the
    selection). Source text comes from ``<PlainTextContent>`` or the ``plainTextPath="internal://…"``
    file. Codings that are not on a text selection — of pictures, audio, video, PDF regions or a
    whole source — cannot become segments: they are left out with a :class:`QDAWarning` that counts
    them per source.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` file.
    organisations : dict, DataFrame or path, optional
        interview → org_code mapping (see the module notes); default: the ``org_variable`` variable.
    org_variable : str
        Name of the REFI-QDA variable holding the organisation code.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SEGMENT_COLUMNS`.

    References
    ----------
    REFI-QDA Standard 1.5, Project Exchange (https://www.qdasoftware.org/); layout as written by
    QualCoder's ``refi.py`` (RefiExport).

    Examples
    --------
    >>> import tempfile, pathlib, aeeval as ae
    >>> seg = ae.read_segments(None)
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "project.qdpx"
    >>> ae.write_qdpx(seg, p)
    >>> read_qdpx(p).equals(seg.sort_values(["interview", "coder", "start", "end", "code"],
    ...                                     ignore_index=True))
    True
    """
    path = Path(path)
    if not path.is_file():
        raise QDAFormatError(path, "file does not exist")
    if not zipfile.is_zipfile(path):
        raise QDAFormatError(path, "not a zip archive; a .qdpx file is a zip holding project.qde "
                                   "and the sources")
    ns = PROJECT_NS
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
        if not qde:
            raise QDAFormatError(path, f"the zip has no project.qde (it holds "
                                       f"{', '.join(names[:8]) or 'nothing'})")
        qde_name = "project.qde" if "project.qde" in qde else qde[0]
        where = f"{path} [{qde_name}]"
        root = _parse_xml(zf.read(qde_name), where, "Project", ns)
        lower = {n.lower(): n for n in names}

        users = {}
        users_el = root.find(_q(ns, "Users"))
        if users_el is not None:
            for u in users_el.findall(_q(ns, "User")):
                users[u.get("guid")] = u.get("name") or u.get("guid")
        cb = root.find(_q(ns, "CodeBook"))
        codebook = _codes_from(cb.find(_q(ns, "Codes")) if cb is not None else None, ns, where)
        codes = codebook.set_index("guid")
        var_names = _variables(root, ns)

        sources_el = root.find(_q(ns, "Sources"))
        if sources_el is None:
            raise QDAFormatError(where, "no <Sources> element: nothing was coded")
        guid_to_interview, from_file, selections = {}, {}, []
        all_sources, source_of_interview, skipped = set(), {}, []
        for src in sources_el:
            kind = _local(src.tag)
            sguid, sname = src.get("guid"), src.get("name") or src.get("guid")
            all_sources.add(sguid)
            # A PDF's text layer is a <Representation> (a text source) inside the <PDFSource>.
            text_el = src if kind == "TextSource" else (
                src.find(_q(ns, "Representation")) if kind == "PDFSource" else None)
            if text_el is None:
                n = len(src.findall(f".//{_q(ns, 'Coding')}"))
                if n:
                    skipped.append(f"{n} in <{kind} name={sname!r}>")
                continue
            interview = _interview_id(sname)
            if interview in source_of_interview:
                raise QDAFormatError(where, f"<{kind} name={sname!r} guid={sguid!r}> and source "
                                            f"{source_of_interview[interview]!r} both give interview "
                                            f"id {interview!r}; rename one so each interview is one "
                                            "source")
            source_of_interview[interview] = sname
            guid_to_interview[sguid] = interview
            org = {**_variable_values(text_el, ns, var_names),
                   **_variable_values(src, ns, var_names)}.get(org_variable)
            if org:
                from_file[interview] = org
            text = _source_text(text_el, f"<{kind} name={sname!r}>", zf, lower, where, ns)
            for sel in text_el.findall(_q(ns, "PlainTextSelection")):
                selections.append((interview, sname, text, sel))
            # Codings outside text selections: on the whole source, or on PDF regions.
            n = len(text_el.findall(_q(ns, "Coding")))
            if text_el is not src:
                n += (len(src.findall(_q(ns, "Coding")))
                      + len(src.findall(f"{_q(ns, 'PDFSelection')}/{_q(ns, 'Coding')}")))
            if n:
                skipped.append(f"{n} in <{kind} name={sname!r}> (on the whole source or a region, "
                               "not on a text selection)")
        if skipped:
            warnings.warn(f"{where}: coding(s) not on a text selection were left out: "
                          f"{'; '.join(skipped)}", QDAWarning, stacklevel=2)

    cases_el = root.find(_q(ns, "Cases"))
    if cases_el is not None:
        for case in cases_el.findall(_q(ns, "Case")):
            org = _variable_values(case, ns, var_names).get(org_variable)
            for sref in case.findall(_q(ns, "SourceRef")):
                target = sref.get("targetGUID")
                if target not in all_sources:
                    raise QDAFormatError(where, f"<Case name={case.get('name')!r}> points to source "
                                                f"{target!r}, which is not among the <Sources>")
                if org and target in guid_to_interview and guid_to_interview[target] not in from_file:
                    from_file[guid_to_interview[target]] = org

    rows = []
    for interview, sname, text, sel in selections:
        label = f"<PlainTextSelection guid={sel.get('guid')!r}> in source {sname!r}"
        if text is None:
            raise QDAFormatError(where, f"{label}: the source has no plain text")
        try:
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        except (TypeError, ValueError):
            raise QDAFormatError(where, f"{label}: startPosition/endPosition "
                                        f"{sel.get('startPosition')!r}/{sel.get('endPosition')!r} "
                                        "are not whole numbers") from None
        if not 0 <= start < end <= len(text):
            raise QDAFormatError(where, f"{label}: positions {start}–{end} lie outside the "
                                        f"{len(text)}-character transcript")
        codings = sel.findall(_q(ns, "Coding"))
        if not codings:
            raise QDAFormatError(where, f"{label}: has no <Coding>")
        for coding in codings:
            ref = coding.find(_q(ns, "CodeRef"))
            target = ref.get("targetGUID") if ref is not None else None
            if target not in codes.index:
                raise QDAFormatError(where, f"{label}: <CodeRef targetGUID={target!r}> points to a "
                                            "code that is not in the <CodeBook>")
            user = coding.get("creatingUser") or sel.get("creatingUser")
            if user is None:
                raise QDAFormatError(where, f"{label}: no creatingUser, so the coder is unknown")
            if user not in users:
                raise QDAFormatError(where, f"{label}: creatingUser {user!r} is not among the "
                                            "<Users>")
            code = codes.loc[target]
            if pd.isna(code["theme"]):
                raise QDAFormatError(where, f"{label}: code {code['code']!r} is not nested under a "
                                            "theme in the <CodeBook>")
            rows.append({"interview": interview, "coder": users[user], "code": code["code"],
                         "theme": code["theme"], "text": text[start:end], "start": start,
                         "end": end})
    interviews = sorted({r["interview"] for r in rows})
    orgs = _assign_orgs(interviews, from_file, _org_mapping(organisations, where), where,
                        org_variable)
    for r in rows:
        r["org_code"] = orgs[r["interview"]]
    return _tidy(rows)


# ------------------------------------------------------------------------------------- QualCoder

# QualCoder's own schema (src/qualcoder/__main__.py, create_project in ccbogel/QualCoder):
#   source(id, name, fulltext, mediapath, memo, owner, date)
#   code_cat(catid, name, owner, date, memo, supercatid)
#   code_name(cid, name, memo, catid, owner, date, color)   [later versions: supercid]
#   code_text(cid, fid, seltext, pos0, pos1, owner, date, memo, avid)
#   attribute(attrid, name, attr_type, value, id, date, owner); cases; case_text(caseid, fid, …)
_QC_TABLES = {"source": {"id", "name"}, "code_cat": {"catid", "name", "supercatid"},
              "code_name": {"cid", "name", "catid"},
              "code_text": {"cid", "fid", "seltext", "pos0", "pos1", "owner"}}


def read_qualcoder(path, *, organisations=None, org_variable: str = "org_code") -> pd.DataFrame:
    """Coded text segments from a QualCoder project (its folder or the ``data.qda`` SQLite file).

    Codes come from ``code_name``, their themes from the top category in ``code_cat`` (following
    ``supercatid``; sub-codes follow ``supercid`` to their parent code first), codings from
    ``code_text`` (``owner`` = coder, ``fid`` = source, ``pos0``/``pos1``, ``seltext``) and
    interviews from ``source``. The organisation is a file attribute ``org_variable``, an attribute
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
        raise QDAFormatError(path, "no QualCoder database here (expected a project folder holding "
                                   "data.qda, or the data.qda file)")
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        except sqlite3.DatabaseError as exc:
            raise QDAFormatError(db, f"not an SQLite database ({exc})") from None
        for table, cols in _QC_TABLES.items():
            if table not in tables:
                raise QDAFormatError(db, f"not a QualCoder project: table {table!r} is missing")
            have = {r[1] for r in conn.execute(f"pragma table_info({table})")}
            if cols - have:
                raise QDAFormatError(db, f"table {table!r} lacks column(s) {sorted(cols - have)}")
        sources, lengths = {}, {}
        for fid, name, length in conn.execute("select id, name, length(fulltext) from source"):
            sources[fid], lengths[fid] = name, length
        by_interview = {}
        for name in sources.values():
            other = by_interview.setdefault(_interview_id(name), name)
            if other != name:
                raise QDAFormatError(db, f"source files {other!r} and {name!r} both give interview "
                                         f"id {_interview_id(name)!r}; rename one so each interview "
                                         "is one file")
        skipped = []
        for table, what in (("code_image", "pictures and PDF regions"),
                            ("code_av", "audio and video")):
            if table in tables:
                n = conn.execute(f"select count(*) from {table}").fetchone()[0]
                if n:
                    skipped.append(f"{n} in table {table} ({what})")
        cats = {cid: (name, sup) for cid, name, sup in
                conn.execute("select catid, name, supercatid from code_cat")}
        code_cols = {r[1] for r in conn.execute("pragma table_info(code_name)")}
        sup_sql = ", supercid" if "supercid" in code_cols else ", null"
        codes = {cid: (name, catid, sup) for cid, name, catid, sup in
                 conn.execute(f"select cid, name, catid{sup_sql} from code_name")}
        codings = conn.execute("select rowid, cid, fid, seltext, pos0, pos1, owner from code_text "
                               "order by rowid").fetchall()
        from_file = {}
        if "attribute" in tables:
            for fid, value in conn.execute("select id, value from attribute where attr_type='file' "
                                           "and name=?", (org_variable,)):
                if fid in sources and value:
                    from_file[_interview_id(sources[fid])] = value
            if "case_text" in tables:
                for fid, value in conn.execute(
                        "select distinct ct.fid, a.value from case_text ct join attribute a "
                        "on a.id = ct.caseid and a.attr_type='case' and a.name=?", (org_variable,)):
                    if fid in sources and value:
                        from_file.setdefault(_interview_id(sources[fid]), value)
    except sqlite3.DatabaseError as exc:
        raise QDAFormatError(db, f"cannot read the QualCoder database ({exc})") from None
    finally:
        if "conn" in locals():
            conn.close()

    def theme_of(cid, row):
        name, catid, sup = codes[cid]
        parents = {cid}  # code ids and category ids are separate numberings: separate loop guards
        while catid is None and sup is not None:  # sub-code → parent code
            if sup not in codes:
                raise QDAFormatError(db, f"code_text row {row}: code {name!r} has parent code "
                                         f"{sup}, which is not in code_name")
            if sup in parents:
                raise QDAFormatError(db, f"code_text row {row}: code {name!r} is its own ancestor "
                                         f"(code_name.supercid loops through cid {sup})")
            parents.add(sup)
            _, catid, sup = codes[sup]
        if catid is None:
            raise QDAFormatError(db, f"code_text row {row}: code {name!r} is in no category "
                                     "(code_cat), so it has no theme")
        categories = set()
        while True:
            if catid not in cats:
                raise QDAFormatError(db, f"code_text row {row}: code {name!r} points to category "
                                         f"{catid}, which is not in code_cat")
            if catid in categories:
                raise QDAFormatError(db, f"code_text row {row}: the categories above code {name!r} "
                                         f"loop (code_cat.supercatid returns to catid {catid})")
            categories.add(catid)
            cat_name, parent = cats[catid]
            if parent is None:
                return cat_name
            catid = parent

    rows = []
    for rowid, cid, fid, seltext, pos0, pos1, owner in codings:
        if cid not in codes:
            raise QDAFormatError(db, f"code_text row {rowid}: cid {cid} is not in code_name")
        if fid not in sources:
            raise QDAFormatError(db, f"code_text row {rowid}: fid {fid} is not in source")
        if not owner:
            raise QDAFormatError(db, f"code_text row {rowid}: no owner, so the coder is unknown")
        if pos0 is None or pos1 is None or not 0 <= int(pos0) < int(pos1):
            raise QDAFormatError(db, f"code_text row {rowid}: positions {pos0}–{pos1} are not a "
                                     "valid span")
        if lengths[fid] is not None and int(pos1) > lengths[fid]:
            raise QDAFormatError(db, f"code_text row {rowid}: positions {pos0}–{pos1} lie outside "
                                     f"the {lengths[fid]}-character text of source {sources[fid]!r}")
        rows.append({"interview": _interview_id(sources[fid]), "coder": owner,
                     "code": codes[cid][0], "theme": theme_of(cid, rowid), "text": seltext or "",
                     "start": int(pos0), "end": int(pos1)})
    if skipped:
        warnings.warn(f"{db}: codings of media cannot become text segments and were left out: "
                      f"{'; '.join(skipped)}", QDAWarning, stacklevel=2)
    interviews = sorted({r["interview"] for r in rows})
    orgs = _assign_orgs(interviews, from_file, _org_mapping(organisations, db), db, org_variable)
    for r in rows:
        r["org_code"] = orgs[r["interview"]]
    return _tidy(rows)


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
        raise ValueError(f"code {pairs.loc[clash, 'code'].iloc[0]!r} sits under more than one theme "
                         f"({', '.join(pairs.loc[clash, 'theme'].unique())})")
    rows = []
    for theme, g in pairs.groupby("theme", sort=True):
        rows.append({"guid": _guid("theme", theme), "code": theme, "parent": pd.NA, "theme": pd.NA,
                     "depth": 0, "codable": False, "description": ""})
        for code in g["code"]:
            rows.append({"guid": _guid("code", theme, code), "code": code, "parent": theme,
                         "theme": theme, "depth": 1, "codable": True, "description": ""})
    return pd.DataFrame(rows, columns=_CODEBOOK_COLUMNS)


def _codes_xml(parent: ET.Element, codebook: pd.DataFrame, ns: str) -> None:
    codes_el = ET.SubElement(parent, _q(ns, "Codes"))
    elements = {}
    for row in codebook.itertuples():
        attrs = {"guid": row.guid, "name": row.code, "isCodable": "true" if row.codable else "false"}
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
            raise ValueError(f"interview {interview!r}, code {row.code!r} at {row.start}–{row.end}: "
                             f"the text has {len(text)} characters, not {int(row.end) - int(row.start)}"
                             "; pass transcripts= to write_qdpx")
        for i, ch in enumerate(text):
            pos = int(row.start) + i
            if chars.setdefault(pos, ch) != ch:
                raise ValueError(f"interview {interview!r}: segments disagree about the character "
                                 f"at offset {pos}; pass transcripts= to write_qdpx")
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
    for coder in sorted(segments["coder"].unique()):
        ET.SubElement(users_el, _q(ns, "User"), {"guid": _guid("user", coder), "name": coder})
    _codes_xml(ET.SubElement(root, _q(ns, "CodeBook")), codebook, ns)
    var_guid = _guid("variable", "org_code")
    vars_el = ET.SubElement(root, _q(ns, "Variables"))
    ET.SubElement(vars_el, _q(ns, "Variable"), {"guid": var_guid, "name": "org_code",
                                               "typeOfVariable": "Text"})
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
        src = ET.SubElement(sources_el, _q(ns, "TextSource"), {
            "guid": sguid, "name": f"{interview}.txt", "plainTextPath": f"internal://{sguid}.txt"})
        g = g.sort_values(["coder", "start", "end", "code"])
        for i, row in enumerate(g.itertuples()):
            if text[int(row.start):int(row.end)] != row.text:
                raise ValueError(f"interview {interview!r}: the transcript does not hold the text "
                                 f"of code {row.code!r} at {row.start}–{row.end}")
            user = _guid("user", row.coder)
            sel = ET.SubElement(src, _q(ns, "PlainTextSelection"), {
                "guid": _guid("selection", interview, i), "name": row.text,
                "startPosition": str(int(row.start)), "endPosition": str(int(row.end)),
                "creatingUser": user})
            coding = ET.SubElement(sel, _q(ns, "Coding"), {"guid": _guid("coding", interview, i),
                                                          "creatingUser": user})
            ET.SubElement(coding, _q(ns, "CodeRef"), {"targetGUID": code_guid[(row.theme, row.code)]})
        vv = ET.SubElement(src, _q(ns, "VariableValue"))
        ET.SubElement(vv, _q(ns, "VariableRef"), {"targetGUID": var_guid})
        ET.SubElement(vv, _q(ns, "TextValue")).text = str(orgs[0])
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", _write_xml(root, ns))
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))
    tmp.replace(path)
