"""Codebooks: turn raw survey answers into ordered categories.

A codebook (YAML, format in ``data/schemas/README.md``) lists each question's options in scale
order with the spellings seen in real exports. :func:`code_responses` normalises spelling (case,
spaces, dashes, apostrophes, punctuation, a leading "Yes, ") and maps every answer to its canonical
label, returning ordered categoricals.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import AeevalError
from .paths import SCHEMAS

__all__ = [
    "Codebook",
    "Question",
    "CodingError",
    "load_codebook",
    "normalise_label",
    "code_responses",
]

DEFAULT_CODEBOOK = SCHEMAS / "survey_codebook.yaml"


class CodingError(AeevalError, ValueError):
    """Raw answers that the codebook does not map. ``unmapped`` is a tidy DataFrame
    (``column``, ``value``, ``count``, ``rows``: where the first few are — spreadsheet rows when
    the data came from :func:`aeeval.read_table`, else index labels)."""

    def __init__(
        self,
        unmapped: pd.DataFrame,
        codebook: str,
        source: str | None = None,
        row_kind: str = "row",
    ):
        self.unmapped = unmapped
        lines = "\n".join(
            f"  column '{r.column}': '{r.value}' ({r.count} row{'s' * (r.count != 1)}"
            f"{_where(r.rows, r.count, row_kind)})"
            for r in unmapped.itertuples()
        )
        where = f" in {source}" if source else ""
        super().__init__(
            f"{len(unmapped)} distinct answer(s){where} are not in the codebook {codebook}:\n"
            f"{lines}\nAdd each as a variant of the right option in the codebook, or code "
            "leniently (strict=False) to treat them as missing."
        )


#: How many rows of each unmapped answer an error lists.
SHOW_ROWS = 5


def _where(rows, count, kind) -> str:
    if not rows:
        return ""
    kind = kind + "s" * (kind == "row" and count != 1)
    more = ", …" if count > len(rows) else ""
    return f": {kind} {', '.join(map(str, rows))}{more}"


def _row_labeller(data: pd.DataFrame):
    """How a person finds a row: the spreadsheet row (header = row 1) when ``data`` came from
    :func:`aeeval.read_table`, else the DataFrame index label. Returns (kind, labeller)."""
    rows = data.attrs.get("rows")
    if rows is not None and len(rows) == len(data):
        return "row", lambda pos: int(rows[pos])
    return "index", lambda pos: data.index[pos]


def _first_rows(positions: np.ndarray, keys: np.ndarray, label) -> dict:
    """The first :data:`SHOW_ROWS` distinct row positions of each key, labelled."""
    pairs = pd.DataFrame(
        {"key": np.asarray(keys, dtype=object), "pos": positions}
    ).drop_duplicates()
    first = pairs.groupby("key", sort=False).head(SHOW_ROWS)
    out: dict = {}
    for key, pos in zip(first["key"], first["pos"]):
        out.setdefault(key, []).append(label(int(pos)))
    return out


@dataclass(frozen=True)
class Question:
    id: str
    column: str
    wording: str
    labels: tuple[str, ...]
    lookup: dict = field(hash=False, compare=False)
    type: str = "single"
    separator: str = ";"
    positive: tuple[str, ...] = ()
    outside_base: tuple[str, ...] = ()
    #: Each option's numeric code (as text, e.g. ``"1"``) → its label, where the codebook
    #: declares ``code:`` (how a survey tool's "numeric values" export writes the answer).
    codes: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def dtype(self) -> pd.CategoricalDtype:
        return pd.CategoricalDtype(list(self.labels), ordered=True)


@dataclass(frozen=True)
class Codebook:
    name: str
    path: str
    questions: dict = field(hash=False, compare=False)

    def __getitem__(self, qid: str) -> Question:
        try:
            return self.questions[qid]
        except KeyError:
            raise KeyError(
                f"question '{qid}' is not in the codebook {self.path} "
                f"(questions: {', '.join(self.questions)})"
            ) from None


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u02bc\u0060\u00b4"), "'")


def normalise_label(text: str) -> str:
    """Fold an answer's spelling so that variants compare equal.

    Lower case; Unicode compatibility form; dashes and curly apostrophes folded; apostrophes dropped
    ("don't" = "dont"); other punctuation becomes a space; spaces collapsed; a leading "yes"
    followed by more words is dropped ("Yes – to some extent" → "to some extent").

    Examples
    --------
    >>> normalise_label("Yes – to some extent ")
    'to some extent'
    >>> normalise_label("Don’t  know")
    'dont know'
    """
    s = unicodedata.normalize("NFKC", str(text)).translate(_DASHES).translate(_QUOTES).lower()
    s = s.replace("'", "")
    s = re.sub(r"[^\w]+", " ", s).strip()
    s = re.sub(r"^yes (?=\w)", "", s)
    return s


def load_codebook(path: str | Path = DEFAULT_CODEBOOK) -> Codebook:
    """Read and check a codebook file (YAML or JSON). Raises ``ValueError`` naming the problem.

    Examples
    --------
    >>> codebook = load_codebook()  # the bundled survey codebook
    >>> codebook.name
    'picker_organisation_survey'
    >>> list(codebook.questions)[:2]
    ['improved_experience', 'influenced_coproduction']
    """
    return _load_codebook(str(path))


@lru_cache(maxsize=16)
def _load_codebook(path: str) -> Codebook:
    import json

    import fastjsonschema  # imports in ms; jsonschema's import costs ~1 s in every kernel

    from .files import InputFileError, format_violation, read_yaml

    p = Path(path)
    try:
        spec = read_yaml(p)  # names the file in every error; anchors and aliases refused
    except InputFileError as exc:
        raise ValueError(f"codebook {exc}") from None
    fmt = json.loads((SCHEMAS / "codebook-format.json").read_text(encoding="utf-8"))
    try:
        fastjsonschema.validate(fmt, spec)
    except fastjsonschema.JsonSchemaValueException as exc:
        where, message = format_violation(exc)
        raise ValueError(f"codebook {p}, at {where}: {message}") from None
    questions = {}
    for q in spec["questions"]:
        labels = tuple(o["label"] for o in q["options"])
        lookup: dict[str, str] = {}
        for o in q["options"]:
            for spelling in [o["label"], *o.get("variants", [])]:
                key = normalise_label(spelling)
                if lookup.get(key, o["label"]) != o["label"]:
                    raise ValueError(
                        f"codebook {p}, question '{q['id']}': the spelling '{spelling}' "
                        f"matches both '{lookup[key]}' and '{o['label']}'"
                    )
                lookup[key] = o["label"]
        codes: dict[str, str] = {}
        for o in q["options"]:
            if "code" in o:
                code = str(o["code"]).strip()
                if code in codes:
                    raise ValueError(
                        f"codebook {p}, question '{q['id']}': the code {code} is given to both "
                        f"'{codes[code]}' and '{o['label']}'"
                    )
                codes[code] = o["label"]
        for role in ("positive", "outside_base"):
            unknown = [x for x in q.get(role, []) if x not in labels]
            if unknown:
                raise ValueError(
                    f"codebook {p}, question '{q['id']}': {role} names "
                    f"{unknown}, which are not options ({', '.join(labels)})"
                )
        questions[q["id"]] = Question(
            id=q["id"],
            column=q["column"],
            wording=q["wording"],
            labels=labels,
            lookup=lookup,
            type=q.get("type", "single"),
            separator=q.get("separator", ";"),
            positive=tuple(q.get("positive", [])),
            outside_base=tuple(q.get("outside_base", [])),
            codes=codes,
        )
    return Codebook(name=spec.get("name", p.stem), path=str(p), questions=questions)


def _as_codebook(codebook) -> Codebook:
    return codebook if isinstance(codebook, Codebook) else load_codebook(codebook)


def code_responses(
    data: pd.DataFrame, codebook=DEFAULT_CODEBOOK, *, questions=None, strict: bool = True
) -> pd.DataFrame:
    """Code raw survey answers into ordered categoricals using a codebook.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey responses as read by ``read_table(path, "survey")``. Not modified.
    codebook : str, Path or Codebook
        The codebook file (default: the bundled ``survey_codebook.yaml``).
    questions : list of str, optional
        Question ids to code (default: every question whose column is in ``data``).
    strict : bool
        ``True`` (default): an answer that matches no option raises :class:`CodingError` listing
        every distinct unmatched answer with its column, count and first rows (the file and its
        spreadsheet rows when ``data`` came from :func:`aeeval.read_table`, header = row 1; else
        index labels). ``False``: such answers become missing and are listed in
        ``result.attrs["unmapped"]``: one record ``{"column", "value", "count", "rows"}`` per
        distinct unmapped answer, ``rows`` holding the first few row labels
        (``pandas.DataFrame(result.attrs["unmapped"])`` makes it a table).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` in which each single-choice question column is an ordered categorical of
        the canonical labels (blank answers missing). A multi-select question becomes one boolean
        column per option, named ``<id>__<label>`` (missing where the answer was blank), in option
        order; ``result.attrs["multi"][id]`` lists those columns.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"improved_experience": ["Yes – definitely", "yes, to some extent ", ""]})
    >>> code_responses(raw)["improved_experience"].tolist()
    ['Yes, definitely', 'Yes, to some extent', nan]
    """
    book = _as_codebook(codebook)
    wanted = (
        questions
        if questions is not None
        else [q.id for q in book.questions.values() if q.column in data.columns]
    )
    out = data.copy()
    unmapped = []
    multi = {}
    row_kind, row_label = _row_labeller(data)
    for qid in wanted:
        q = book[qid]
        if q.column not in data.columns:
            raise KeyError(
                f"column '{q.column}' for question '{qid}' is not in the data "
                f"(columns: {', '.join(map(str, data.columns))})"
            )
        if q.type == "multi":
            # Work by position so that a repeated or unusual index cannot misplace answers.
            raw = pd.Series(data[q.column].to_numpy(), dtype="string")
            blank = (raw.isna() | (raw.str.strip() == "")).to_numpy()
            exploded = raw.where(~blank).str.split(q.separator).explode().str.strip()
            exploded = exploded[exploded.notna() & (exploded != "")]
            coded = exploded.map({v: q.lookup.get(normalise_label(v)) for v in exploded.unique()})
            # Count rows, not mentions: an answer repeated within one cell is one row.
            bad = exploded[coded.isna()]
            bad = bad[~pd.Index(zip(bad.index, bad.to_numpy())).duplicated()]
            where = _first_rows(bad.index.to_numpy(), bad.to_numpy(), row_label)
            unmapped += [(q.column, v, int(c), where[v]) for v, c in bad.value_counts().items()]
            cols = []
            for label in q.labels:
                name = f"{q.id}__{label}"
                values = np.zeros(len(data), dtype=bool)
                values[coded[coded == label].index.unique().to_numpy(dtype=np.int64)] = True
                out[name] = pd.array(np.where(blank, None, values), dtype="boolean")
                cols.append(name)
            out = out.drop(columns=[q.column]) if q.column not in cols else out
            multi[q.id] = cols
            continue
        # Map each distinct spelling once, then index: fast on a million rows.
        codes, distinct = pd.factorize(data[q.column], use_na_sentinel=True)
        label_code = {label: i for i, label in enumerate(q.labels)}
        target = np.full(len(distinct) + 1, -1, dtype=np.int16)  # last slot: missing
        bad_codes = []
        for i, v in enumerate(distinct):
            text = str(v)
            if not text.strip():
                continue
            label = q.lookup.get(normalise_label(text))
            if label is None:
                bad_codes.append(i)
            else:
                target[i] = label_code[label]
        if bad_codes:
            counts = np.bincount(codes[codes >= 0], minlength=len(distinct))
            positions = np.flatnonzero(np.isin(codes, bad_codes))
            where = _first_rows(positions, codes[positions], row_label)
            unmapped += sorted(
                ((q.column, str(distinct[i]), int(counts[i]), where[i]) for i in bad_codes),
                key=lambda r: (-r[2], r[1]),
            )
        out[q.column] = pd.Categorical.from_codes(target[codes], dtype=q.dtype)
    report = pd.DataFrame(unmapped, columns=["column", "value", "count", "rows"])
    if strict and len(report):
        raise CodingError(report, book.path, data.attrs.get("source"), row_kind)
    # Records, not a DataFrame: pandas compares attrs with == when it combines frames, which a
    # DataFrame in attrs breaks (e.g. ``coded[cols].astype("category")`` raised).
    out.attrs["unmapped"] = report.to_dict("records")
    out.attrs["multi"] = multi
    out.attrs["codebook"] = book.path
    return out
