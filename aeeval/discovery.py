"""Which file of a data folder is which strand of the evaluation, told by its content.

An evaluator drops files into one folder as the tools wrote them: the register, the survey
answers, the coded interviews (a table, a ``.qdpx``, a QualCoder project or its coded-text export),
Staff Survey results, Always Event measures and, optionally, the survey codebook. Their names are
free. :func:`discover` looks at every entry of the folder and asks each **recogniser** of
:data:`STRANDS` whether the entry is its strand; a recogniser is one function ``path -> str |
None`` that returns what the file is (``"aeeval's register schema"``) or ``None``.
Adding a kind of input is one line in :data:`STRANDS`.

The rules, in order:

1. **Not inputs, skipped on purpose** (:func:`skipped`): hidden entries (``.name``), Office lock
   files (``~$name``), ``README`` files of any extension, survey mappings (``survey_mapping.yml``,
   ``<export>.mapping.yml``: read beside their export, not on their own) and Python package
   markers (``__init__.py``, ``__pycache__``; aeeval's bundled folders carry them).
2. **Today's names** (``register.csv``, ``survey_responses.csv``, ``interview_segments.csv``,
   ``staff_survey.csv``, ``measures.csv``, each also as ``.xlsx``) place a file whatever it holds,
   so a broken file of a known name is validated and its problems listed, not called unknown.
3. **Content**: a table's header (within its first rows) holding at least half of a strand's
   schema columns belongs to the schema it shares the most columns with; the other recognisers
   read the file's own marks (a ``.qdpx``, a QualCoder ``data.qda``, QualCoder's coded-text
   export header, a Staff Survey layout, a codebook's ``questions:``).
4. An entry no recogniser takes — or that two strands claim equally, or that cannot be read — is
   **unplaced**: :func:`aeeval.load_evaluation` warns and the report's data table lists it;
   ``aeeval evaluate`` refuses the folder. Never silently ignored.
5. **Two files for one strand** are an error naming both — except that a table with a header and
   no rows (a template left blank, as ``aeeval init`` writes the register twice) is set aside
   beside a filled-in one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import AeevalError, AeevalWarning
from .paths import EXAMPLE_FILES

__all__ = [
    "STRANDS",
    "STRAND_NAMES",
    "DataFolderError",
    "MissingInputError",
    "UnplacedFileWarning",
    "Discovery",
    "discover",
    "check_folder",
    "conflict_message",
    "skipped",
    "is_register",
    "is_survey",
    "is_survey_export",
    "is_interviews",
    "is_staff_survey",
    "is_measures",
    "is_codebook",
]

#: What each strand is called in messages ("several … files").
STRAND_NAMES = {
    "register": "register",
    "survey": "survey",
    "interview_segments": "coded-interview",
    "staff_survey": "Staff Survey results",
    "measures": "measures",
    "codebook": "survey codebook",
}
_TABLES = ("register", "survey", "interview_segments", "staff_survey", "measures")
_TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")
_HEADER_ROWS = 11  # a header may sit under up to ten title rows (schemas.read_table says which)
BY_NAME = "placed by its name"  # what a file of a bundled input's name is said to be
_QUALCODER_PARTS = ("documents", "images", "audio", "video")  # folders of a QualCoder project


class DataFolderError(AeevalError, ValueError):
    """A data folder that cannot be read as one evaluation: two files for one strand, or (in
    ``aeeval evaluate``) files it cannot place. ``problems`` holds each as a
    :class:`aeeval.schemas.Problem`."""

    def __init__(self, message: str, problems=()):
        self.problems = list(problems)
        super().__init__(message)


class MissingInputError(AeevalError, FileNotFoundError):
    """A data folder without the one input every report needs: the register."""


class UnplacedFileWarning(AeevalWarning):
    """A file of the data folder that is no strand of the evaluation; it is not read."""


# ------------------------------------------------------------------------------ reading headers


@lru_cache(maxsize=256)
def _cells(path: str, mtime: int, size: int) -> tuple[tuple[tuple[str, ...], ...], str | None]:
    """The first rows of a CSV/XLSX as stripped text, or ``((), reason)`` when unreadable."""
    from .schemas import ValidationError, read_cells

    try:
        records, _ = read_cells(Path(path))
    except ValidationError as exc:
        return (), exc.problems[0].message
    return tuple(tuple(c.strip() for c in r) for r in records[:_HEADER_ROWS]), None


def _head(path: Path) -> tuple[tuple[tuple[str, ...], ...], str | None]:
    if not path.is_file() or path.suffix.lower() not in _TABLE_SUFFIXES:
        return (), None
    st = path.stat()
    return _cells(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _schema_fields(schema: str) -> frozenset:
    from .schemas import load_schema

    return frozenset(f["name"].casefold() for f in load_schema(schema)["fields"])


def _blank_table(path: Path) -> bool:
    """A table with a header and no rows: a template not filled in (``aeeval init`` writes the
    register as CSV and as XLSX; the one left blank is not a second register)."""
    rows, reason = _head(path)
    return reason is None and len(rows) == 1


def _table_schema(path: Path) -> tuple[str | None, str]:
    """The schema a table's header follows best (at least half its columns), and why; ``None``
    when none does or two do equally."""
    rows, reason = _head(path)
    if reason is not None:
        return None, reason
    best: dict[str, float] = {}
    for row in rows:
        seen = {c.casefold() for c in row if c}
        for schema in _TABLES:
            fields = _schema_fields(schema)
            share = len(fields & seen) / len(fields)
            if share >= 0.5:
                best[schema] = max(best.get(schema, 0.0), share)
    if not best:
        return None, ""
    top = max(best.values())
    winners = sorted(s for s, v in best.items() if v == top)
    if len(winners) > 1:
        return None, f"its header fits the {' and the '.join(winners)} schemas equally"
    return winners[0], ""


def _schema_table(schema: str) -> Callable[[Path], str | None]:
    def recognise(path: Path) -> str | None:
        return f"aeeval's {schema} schema" if _table_schema(path)[0] == schema else None

    return recognise


# ---------------------------------------------------------------------------------- recognisers


def is_register(path) -> str | None:
    """``path`` is a programme register: a table whose header holds the register schema's columns.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_register(EXAMPLES / "register.csv"), is_register(EXAMPLES / "measures.csv")
    ("aeeval's register schema", None)
    """
    return _schema_table("register")(Path(path))


def is_survey(path) -> str | None:
    """``path`` is survey answers in aeeval's ``survey`` schema (by its header). A survey tool's
    own export is recognised by :func:`aeeval.exports.recognise_export`.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_survey(EXAMPLES / "survey_responses.csv")
    "aeeval's survey schema"
    """
    return _schema_table("survey")(Path(path))


def is_survey_export(path) -> str | None:
    """``path`` is a survey tool's own export (SurveyMonkey, Qualtrics, Microsoft Forms, Google
    Forms, SmartSurvey: :func:`aeeval.exports.recognise_export`, from its header rows); it is read
    with the survey mapping beside it.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_survey_export(EXAMPLES / "survey_responses.csv") is None  # aeeval's own table
    True
    """
    from .exports import recognise_export

    tool = recognise_export(path)
    return f"a {tool} export" if tool else None


def is_interviews(path) -> str | None:
    """``path`` holds coded interviews: a REFI-QDA project (``.qdpx``), a QualCoder project (a
    folder holding ``data.qda``, or ``data.qda`` itself), QualCoder's coded-text export, or a
    table in the ``interview_segments`` schema.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_interviews(EXAMPLES / "interview_segments.csv")
    "aeeval's interview_segments schema"
    """
    from .qdaformats import is_coded_text_export

    path = Path(path)
    if path.suffix.lower() == ".qdpx" and path.is_file():
        return "REFI-QDA project"
    if (path.is_dir() and (path / "data.qda").is_file()) or (
        path.name == "data.qda" and path.is_file()
    ):
        return "QualCoder project"
    if is_coded_text_export(path):
        return "QualCoder coded-text export"
    return _schema_table("interview_segments")(path)


def is_staff_survey(path) -> str | None:
    """``path`` is trust-level Staff Survey results in a layout :func:`aeeval.read_staff_survey`
    reads from its header (tidy, published wide, the real panels).

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_staff_survey(EXAMPLES / "staff_survey.csv")
    "aeeval's staff_survey schema"
    """
    from .staff_survey.reading import results_layout

    path = Path(path)
    tidy = _schema_table("staff_survey")(path)
    if tidy:
        return tidy
    rows, _ = _head(path)
    if rows and _table_schema(path)[0] is None:
        layout = results_layout(list(rows[0]))
        if layout is not None:
            return f"Staff Survey results ({layout.replace('_', ' ')} layout)"
    return None


def is_measures(path) -> str | None:
    """``path`` is Always Event measures: a table in the ``measures`` schema.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> is_measures(EXAMPLES / "measures.csv")
    "aeeval's measures schema"
    """
    return _schema_table("measures")(Path(path))


def is_codebook(path) -> str | None:
    """``path`` is a survey codebook: a YAML (or JSON) mapping with a ``questions:`` list (its
    format is checked when it is read, :func:`aeeval.load_codebook`).

    Examples
    --------
    >>> from aeeval.paths import SCHEMAS
    >>> is_codebook(SCHEMAS / "survey_codebook.yaml")
    'survey codebook'
    """
    from .files import InputFileError, read_yaml

    path = Path(path)
    if path.suffix.lower() not in (".yml", ".yaml", ".json") or not path.is_file():
        return None
    try:
        spec = read_yaml(path)
    except (InputFileError, ValueError):
        return None
    if isinstance(spec, dict) and isinstance(spec.get("questions"), list):
        return "survey codebook"
    return None


#: The recognisers, in the order they are asked: ``(strand, function)``. A strand may have several
#: (the survey: aeeval's schema, and each tool's export once :mod:`aeeval.exports` is merged).
STRANDS: list[tuple[str, Callable[[Path], str | None]]] = [
    ("register", is_register),
    ("survey", is_survey),
    ("survey", is_survey_export),
    ("interview_segments", is_interviews),
    ("staff_survey", is_staff_survey),
    ("measures", is_measures),
    ("codebook", is_codebook),
]


# ------------------------------------------------------------------------------------ discovery


def skipped(path) -> str | None:
    """Why a folder entry is not an input at all (``None``: it should be placed).

    Examples
    --------
    >>> skipped("data/.DS_Store"), skipped("data/~$register.xlsx"), skipped("data/README.md")
    ('hidden', 'an Office lock file', 'a README')
    >>> skipped("data/survey_mapping.yml"), skipped("data/wave3.mapping.yml"), skipped("a.csv")
    ('a survey mapping', 'a survey mapping', None)
    """
    name = Path(path).name
    lower = name.casefold()
    if name.startswith("~$"):
        return "an Office lock file"
    if name.startswith("."):
        return "hidden"
    if lower.split(".")[0] == "readme":
        return "a README"
    if lower in ("survey_mapping.yml", "survey_mapping.yaml") or lower.endswith(
        (".mapping.yml", ".mapping.yaml")
    ):
        return "a survey mapping"
    if lower in ("__init__.py", "__pycache__"):
        return "a Python package marker"
    return None


@dataclass
class Discovery:
    """What :func:`discover` found in a folder.

    ``found``: strand → path; ``kinds``: strand → {path: what the file is}; ``unplaced``: ``(path,
    reason)`` for every entry no recogniser took; ``conflicts``: strand → the paths that all
    claim it; ``skipped``: ``(path, why)`` of entries that are not inputs.
    """

    folder: Path
    found: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    unplaced: list = field(default_factory=list)
    conflicts: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)

    def problems(self) -> list:
        """Conflicts and unplaced entries as :class:`aeeval.schemas.Problem` lines."""
        from .schemas import Problem

        out = [
            Problem(
                str(self.folder),
                None,
                None,
                None,
                "one-file-per-strand",
                conflict_message(strand, paths, self.kinds.get(strand, {})),
            )
            for strand, paths in self.conflicts.items()
        ]
        out += [
            Problem(
                str(p),
                None,
                None,
                None,
                "readable" if why.startswith("cannot be read") else "placed",
                f"not an input aeeval can place: {why}",
            )
            for p, why in self.unplaced
        ]
        return out

    def kind(self, strand: str) -> str | None:
        """What the file found for ``strand`` is (``None``: no file)."""
        path = self.found.get(strand)
        return None if path is None else self.kinds.get(strand, {}).get(path)

    def check(self) -> None:
        """Raise :class:`DataFolderError` for two files claiming one strand."""
        if self.conflicts:
            raise DataFolderError(
                f"{self.folder}: "
                + "; ".join(
                    conflict_message(s, p, self.kinds.get(s, {})) for s, p in self.conflicts.items()
                ),
                [q for q in self.problems() if q.rule == "one-file-per-strand"],
            )

    def warn(self) -> None:
        """One :class:`UnplacedFileWarning` per unplaced entry."""
        for path, why in self.unplaced:
            warnings.warn(
                f"{path}: not read, not an input aeeval can place ({why}); it is listed in the "
                "report's data table",
                UnplacedFileWarning,
                stacklevel=3,
            )


def conflict_message(strand: str, paths, kinds: dict) -> str:
    """``several NOUN files (a, b) — …`` for two (or more) files claiming one strand.

    Examples
    --------
    >>> from pathlib import Path
    >>> a, b = Path("d/a.qdpx"), Path("d/b.qdpx")
    >>> conflict_message("interview_segments", [a, b], {a: "REFI-QDA project"})
    'several coded-interview files (a.qdpx, b.qdpx) — a.qdpx: REFI-QDA project; b.qdpx: placed by its name; keep one in the folder and move the others out'
    """
    names = ", ".join(p.name for p in paths)
    what = "; ".join(f"{p.name}: {kinds.get(p, BY_NAME)}" for p in paths)
    return (
        f"several {STRAND_NAMES[strand]} files ({names}) — {what}; keep one in the "
        "folder and move the others out"
    )


def _by_name(path: Path) -> str | None:
    for strand, filename in EXAMPLE_FILES.items():
        stem = Path(filename).stem
        if path.is_file() and path.name in (filename, f"{stem}.xlsx"):
            return strand
    return None


def _place(path: Path, strands) -> tuple[str | None, str, str | None]:
    """``(strand, what the file is, None)``, or ``(None, "", reason)`` when a recogniser could
    not read it, or ``(None, "", None)`` when none took it. A bundled input's name places a file
    whatever it holds; its content, when it agrees, still says what it is."""
    named = _by_name(path)
    for strand, recognise in strands:
        if named is not None and strand != named:
            continue
        try:
            kind = recognise(path)
        except (AeevalError, OSError, ValueError) as exc:  # a recogniser must not stop the rest
            if named is None:
                return None, "", f"cannot be read: {exc}"
            continue
        if kind:
            return strand, kind, None
    return (named, BY_NAME, None) if named is not None else (None, "", None)


def _unplaced_reason(path: Path) -> str:
    if path.is_dir():
        return "a folder that is not a QualCoder project (no data.qda in it)"
    if path.suffix.lower() == ".qdc":
        return "a REFI-QDA codebook holds codes but no coded interviews; give the .qdpx project"
    rows, reason = _head(path)
    if reason:
        return f"cannot be read: {reason}"
    schema, why = _table_schema(path)
    if why:
        return why
    if rows:
        found = ", ".join(c or "(blank)" for c in rows[0][:8])
        more = " …" if len(rows[0]) > 8 else ""
        return (
            f"its header ({found}{more}) is not that of any input: the register, survey, "
            "interview_segments, staff_survey or measures schema (data/schemas/), a survey tool's "
            "export (SurveyMonkey, Qualtrics, Microsoft Forms, Google Forms, SmartSurvey), a "
            "Staff Survey results layout or QualCoder's coded-text export"
        )
    return (
        f"a '{path.suffix or path.name}' file is no input: expected CSV/XLSX tables, a .qdpx, a "
        "QualCoder project or a survey codebook (YAML)"
    )


def discover(folder, *, strands=None) -> Discovery:
    """Place every entry of ``folder`` in its strand (see the module's rules).

    Parameters
    ----------
    folder : str or Path
        The data folder (not searched below its top level).
    strands : list of (str, callable), optional
        The recognisers (default :data:`STRANDS`).

    Returns
    -------
    Discovery
        Nothing is raised for conflicts or unplaced entries: :meth:`Discovery.check` raises,
        :meth:`Discovery.problems` lists.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> d = discover(EXAMPLES)
    >>> sorted(d.found), d.unplaced, d.conflicts
    (['interview_segments', 'measures', 'register', 'staff_survey', 'survey'], [], {})
    """
    folder = Path(folder)
    strands = STRANDS if strands is None else strands
    out = Discovery(folder)
    claims: dict[str, list[Path]] = {}
    kinds: dict[str, dict] = {}
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    project = (folder / "data.qda").is_file()  # the folder is itself a QualCoder project
    for path in entries:
        why = skipped(path)
        if why is None and project and path.is_dir() and path.name in _QUALCODER_PARTS:
            why = "part of the QualCoder project (data.qda) of this folder"
        if why is not None:
            out.skipped.append((path, why))
            continue
        strand, kind, failed = _place(path, strands)
        if strand is None:
            out.unplaced.append((path, failed or _unplaced_reason(path)))
            continue
        claims.setdefault(strand, []).append(path)
        kinds.setdefault(strand, {})[path] = kind
    for strand, paths in claims.items():
        filled = [p for p in paths if not _blank_table(p)]
        if len(paths) > 1 and filled:  # e.g. aeeval init's register template left blank
            for p in paths:
                if p not in filled:
                    out.skipped.append(
                        (p, f"a blank template (a header, no rows) beside {filled[0].name}")
                    )
            paths = filled
        if len(paths) > 1:
            out.conflicts[strand] = paths
        out.found[strand] = paths[0] if len(paths) == 1 else None
    out.found = {k: v for k, v in out.found.items() if v is not None}
    out.kinds = kinds
    return out


# ------------------------------------------------------------------------------------- checking


def _as_problems(exc: Exception, path: Path, rule: str) -> list:
    """Every problem an input reader raised, as :class:`aeeval.schemas.Problem` lines."""
    from .coding import CodingError
    from .schemas import Problem, ValidationError

    if isinstance(exc, (ValidationError, DataFolderError)) and exc.problems:
        return list(exc.problems)
    if isinstance(exc, CodingError):
        return [
            Problem(
                str(path),
                r.rows[0] if len(r.rows) else None,
                r.column,
                str(r.value),
                "in-codebook",
                f"answer not in the codebook ({r.count} row(s)"
                + (f": rows {', '.join(map(str, r.rows))}" if len(r.rows) > 1 else "")
                + "); add it as a variant of the right option",
            )
            for r in exc.unmapped.itertuples()
        ]
    from .files import printable

    return [Problem(str(path), None, None, None, rule, printable(str(exc)))]


def check_folder(folder, *, codebook=None) -> tuple[Discovery, list]:
    """Every problem of a data folder at once, as ``aeeval evaluate`` checks it before building.

    Each entry is placed (:func:`discover`); an unplaced entry or two files for one strand is a
    problem, and so is a missing register. Each placed file is then read by the reader the report
    uses — the register, survey, measures and interview tables against their schemas (every row),
    a QDA project with its REFI-QDA checks, Staff Survey results, the codebook — and the survey
    answers are coded and matched to the register. Nothing is written.

    Returns
    -------
    discovery : Discovery
    problems : list of aeeval.schemas.Problem
        Empty when the folder can be evaluated.

    Examples
    --------
    >>> from aeeval.paths import EXAMPLES
    >>> found, problems = check_folder(EXAMPLES)
    >>> problems
    []
    """
    from .coding import load_codebook
    from .qdaformats import QDAWarning
    from .qual import read_segments
    from .schemas import Problem, read_table
    from .staff_survey import read_staff_survey
    from .survey import load_survey

    folder = Path(folder)
    if not folder.is_dir():
        return Discovery(folder), [
            Problem(str(folder), None, None, None, "folder", "no such folder")
        ]
    found = discover(folder)
    problems = found.problems()
    paths = found.found
    if "register" not in paths and "register" not in found.conflicts:
        problems.append(
            Problem(
                str(folder),
                None,
                None,
                None,
                "register",
                "no register: a table whose header holds the register schema's columns "
                "(org_code, org_name, org_type, region, setting, cohort, start_date; "
                "see `aeeval init`) says which organisations are in each cohort",
            )
        )
    readers = {
        "register": lambda p: read_table(p, "register"),
        "interview_segments": read_segments,
        "staff_survey": read_staff_survey,
        "measures": lambda p: read_table(p, "measures"),
        "codebook": load_codebook,
    }
    ok = set()
    for strand, path in paths.items():
        if strand == "survey":
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", QDAWarning)  # counted and said in the report
                table = readers[strand](path)
        except (AeevalError, ValueError, OSError, TypeError) as exc:
            problems += _as_problems(exc, path, strand)
            continue
        if strand == "register" and table["cohort"].dropna().empty:
            problems.append(
                Problem(str(path), None, "cohort", None, "cohorts", "the register has no rows")
            )
            continue
        ok.add(strand)
    if "survey" in paths:
        book = codebook if codebook is not None else paths.get("codebook")
        usable = "register" in ok and ("codebook" not in paths or "codebook" in ok)
        try:
            if usable:  # coded with the codebook, and every org_code in the register
                load_survey(folder, codebook=book)
            else:  # the register or codebook is broken: the survey's own table only
                read_table(paths["survey"], "survey")
        except (AeevalError, ValueError, OSError) as exc:
            problems += _as_problems(exc, paths["survey"], "survey")
    return found, problems
