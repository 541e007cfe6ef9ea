"""Coded interview segments: theme frequencies, the framework matrix, co-occurrence and quotes.

Input is the long segments table every reader returns (:mod:`aeeval.qdaformats`, re-exported
here): ``interview``, ``org_code``, ``coder``, ``code``, ``theme``, ``text``, ``start``, ``end``.

With double coding the same passage appears once per coder. Counts here treat a code as mentioned in
an interview when *any* coder applied it (pass ``coder=`` to use one coder's coding), and count a
segment once however many coders marked the same span with the same code.

Every quote that leaves this module has been through :func:`aeeval.redact`.
"""

from __future__ import annotations

import pandas as pd

from .disclosure import declare
from .qdaformats import (
    SEGMENT_COLUMNS,
    QDAFormatError,
    QDAWarning,
    read_qdc,
    read_qdpx,
    read_qualcoder,
    read_qualcoder_export,
    read_segments,
    read_segments_csv,
    write_qdc,
    write_qdpx,
)
from .redaction import as_names, redact

__all__ = [
    "SEGMENT_COLUMNS",
    "QDAFormatError",
    "QDAWarning",
    "read_segments",
    "read_segments_csv",
    "read_qdpx",
    "read_qdc",
    "read_qualcoder",
    "read_qualcoder_export",
    "write_qdpx",
    "write_qdc",
    "theme_frequencies",
    "framework_matrix",
    "framework_table",
    "cooccurrence",
    "select_quotes",
    "code_label",
    "code_labels",
]

# One coded span: without positions (QualCoder's coded-text export) the text tells spans apart.
_SPAN = ["interview", "code", "start", "end", "text"]

_FREQ_LABELS = {
    "n_interviews": "Interviews (n)",
    "interviews_base": "Interviews (N)",
    "pct_interviews": "% of interviews",
    "n_organisations": "Organisations (n)",
    "organisations_base": "Organisations (N)",
    "pct_organisations": "% of organisations",
    "n_segments": "Segments",
}


def code_label(code: str) -> str:
    """A code as readers read it: an identifier such as ``protected_time`` becomes "Protected
    time"; a code already written in words ("Protected time", "What matters to you?") is kept.

    Examples
    --------
    >>> code_label("protected_time"), code_label("senior-support"), code_label("Patient voice")
    ('Protected time', 'Senior support', 'Patient voice')
    """
    text = str(code)
    if " " in text.strip() or text != text.lower():  # already words, or capitalised by its author
        return text
    words = " ".join(text.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else text


def code_labels(segments: pd.DataFrame) -> dict:
    """Code → the words a report shows for it: the segments' ``code_label`` column where it has
    one (a label per code, as a codebook gives it), else :func:`code_label`.

    Examples
    --------
    >>> import aeeval as ae
    >>> code_labels(ae.read_segments(None))["protected_time"]
    'Protected time'
    """
    codes = pd.unique(segments["code"].dropna())
    given = {}
    if "code_label" in segments.columns:
        pairs = segments[["code", "code_label"]].dropna().drop_duplicates("code")
        given = {
            c: str(lab) for c, lab in zip(pairs["code"], pairs["code_label"]) if str(lab).strip()
        }
    return {c: given.get(c, code_label(c)) for c in codes}


def _check(segments: pd.DataFrame, coder: str | None) -> pd.DataFrame:
    if not isinstance(segments, pd.DataFrame):
        raise TypeError(f"segments must be a DataFrame; got {type(segments).__name__}")
    missing = [c for c in SEGMENT_COLUMNS if c not in segments.columns]
    if missing:
        raise KeyError(f"segments lack column(s) {missing}; read them with aeeval.read_segments")
    if coder is not None:
        coders = sorted(segments["coder"].unique())
        if coder not in coders:
            raise ValueError(f"coder {coder!r} is not in the segments; coders: {coders}")
        segments = segments[segments["coder"] == coder]
    return segments


def _short(text: str, max_chars: int) -> str:
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut + "…"


def theme_frequencies(
    segments: pd.DataFrame, *, coder: str | None = None, min_base: int | None = None
) -> pd.DataFrame:
    """How many interviews and organisations mention each theme and each code.

    Parameters
    ----------
    segments : pandas.DataFrame
        Coded segments (:data:`SEGMENT_COLUMNS`).
    coder : str, optional
        Count only this coder's coding (default: a mention by any coder counts).
    min_base : int, optional
        Fewest interviews (organisations) whose percentage :func:`aeeval.show` publishes (default
        :data:`aeeval.options.DEFAULT_MIN_BASE`): the table follows the qualitative disclosure
        rule (:data:`aeeval.disclosure.QUALITATIVE_RULE`), counts shown, percentages of fewer
        interviews left out.

    Returns
    -------
    pandas.DataFrame
        One row per theme (``level="theme"``, ``code`` empty) followed by its codes
        (``level="code"``): ``theme``, ``code``, ``level``, ``n_interviews``, ``interviews_base``
        (all interviews in the data), ``pct_interviews`` (0–1), ``n_organisations``,
        ``organisations_base``, ``pct_organisations``, ``n_segments`` (distinct coded spans). Themes
        in alphabetical order, codes by descending ``n_interviews``.

    Examples
    --------
    >>> import aeeval as ae
    >>> f = theme_frequencies(ae.read_segments(None))
    >>> f.loc[f["code"] == "patient_voice", ["n_interviews", "interviews_base"]].values.tolist()
    [[10, 12]]
    """
    all_seg = _check(segments, None)
    seg = _check(segments, coder)
    n_iv, n_org = all_seg["interview"].nunique(), all_seg["org_code"].nunique()
    spans = seg.drop_duplicates(_SPAN)

    def counts(keys):
        g = seg.groupby(keys)
        out = pd.DataFrame(
            {"n_interviews": g["interview"].nunique(), "n_organisations": g["org_code"].nunique()}
        )
        out["n_segments"] = spans.groupby(keys).size()
        return out.reset_index()

    themes = counts(["theme"]).assign(code="", level="theme")
    codes = counts(["theme", "code"]).assign(level="code")
    out = pd.concat([themes, codes], ignore_index=True)
    out["order"] = (out["level"] == "code").astype(int)
    out = out.sort_values(
        ["theme", "order", "n_interviews", "code"],
        ascending=[True, True, False, True],
        ignore_index=True,
    )
    out["interviews_base"] = n_iv
    out["pct_interviews"] = out["n_interviews"] / n_iv
    out["organisations_base"] = n_org
    out["pct_organisations"] = out["n_organisations"] / n_org
    out = out[
        [
            "theme",
            "code",
            "level",
            "n_interviews",
            "interviews_base",
            "pct_interviews",
            "n_organisations",
            "organisations_base",
            "pct_organisations",
            "n_segments",
        ]
    ]
    out.attrs["percent_columns"] = ["pct_interviews", "pct_organisations"]
    out.attrs["labels"] = dict(_FREQ_LABELS)
    out.attrs["value_labels"] = {"code": code_labels(all_seg)}
    declare(
        out,
        rule="interviews",
        base=["interviews_base", "organisations_base"],
        keys=["theme", "code", "level"],
        min_base=min_base,
    )
    return out


def framework_matrix(
    segments: pd.DataFrame, *, names=(), max_chars: int = 120, coder: str | None = None
) -> pd.DataFrame:
    """Framework analysis: organisations × themes, with counts and one redacted quote per cell.

    The quote is from the cell's most frequent code (ties: alphabetical), its shortest segment,
    shortened to ``max_chars`` characters and redacted with :func:`aeeval.redact`.

    Parameters
    ----------
    segments : pandas.DataFrame
        Coded segments.
    names : str or iterable of str
        Person names to redact (e.g. the register's ``contact_name``).
    max_chars : int
        Longest quote shown.
    coder : str, optional
        Use only this coder's coding.

    Returns
    -------
    pandas.DataFrame
        Long (tidy) table, one row per organisation × theme (including empty cells): ``org_code``,
        ``theme``, ``n_interviews``, ``n_codes`` (distinct codes), ``n_segments``, ``codes``
        (comma-separated), ``quote``. :func:`framework_table` turns it into the display matrix.

    References
    ----------
    Ritchie J, Spencer L (1994). Qualitative data analysis for applied policy research. In Bryman &
    Burgess (eds), Analyzing Qualitative Data. Gale NK et al. (2013). Using the framework method for
    the analysis of qualitative data in multi-disciplinary health research. BMC Med Res Methodol 13:117.

    Examples
    --------
    >>> import aeeval as ae
    >>> m = framework_matrix(ae.read_segments(None))
    >>> m["org_code"].nunique() * m["theme"].nunique() == len(m)
    True
    """
    if not isinstance(max_chars, int) or max_chars < 10:
        raise ValueError(f"max_chars must be a whole number of at least 10; got {max_chars!r}")
    names = as_names(names)
    seg = _check(segments, coder)
    spans = seg.drop_duplicates(_SPAN)
    rows = []
    orgs = sorted(_check(segments, None)["org_code"].unique())
    themes = sorted(_check(segments, None)["theme"].unique())
    for org in orgs:
        for theme in themes:
            cell = spans[(spans["org_code"] == org) & (spans["theme"] == theme)]
            quote, codes = "", ""
            if len(cell):
                freq = cell.groupby("code").size().reset_index(name="k")
                top = freq.sort_values(["k", "code"], ascending=[False, True])["code"].iloc[0]
                texts = cell.loc[cell["code"] == top, "text"].astype(str)
                best = texts.iloc[texts.str.len().argmin()]
                # Redact before shortening, so no identifier is cut into an unrecognisable piece.
                quote = _short(redact(best, names=names), max_chars)
                codes = ", ".join(sorted(cell["code"].unique()))
            rows.append(
                {
                    "org_code": org,
                    "theme": theme,
                    "n_interviews": cell["interview"].nunique(),
                    "n_codes": cell["code"].nunique(),
                    "n_segments": len(cell),
                    "codes": codes,
                    "quote": quote,
                }
            )
    return pd.DataFrame(rows)


def framework_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """Reshape :func:`framework_matrix` into the display matrix: one row per organisation, one
    column per theme, each cell ``"3 segments: “quote”"`` (empty when nothing was coded).

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.qual import framework_matrix
    >>> table = ae.framework_table(framework_matrix(ae.read_segments(None)))
    >>> list(table.columns)
    ['org_code', 'Challenges', 'Key learnings', 'What helps']
    >>> table.loc[0, "Challenges"].startswith("1 segment: “")
    True
    """
    missing = {"org_code", "theme", "n_segments", "quote"} - set(matrix.columns)
    if missing:
        raise KeyError(f"not a framework_matrix table: lacks {sorted(missing)}")
    cell = matrix.assign(
        cell=[
            "" if n == 0 else f"{n} segment{'s' if n != 1 else ''}: “{q}”"
            for n, q in zip(matrix["n_segments"], matrix["quote"])
        ]
    )
    wide = cell.pivot(index="org_code", columns="theme", values="cell").reset_index()
    wide.columns.name = None
    # Counts of coded passages per interviewed organisation: shown as counts, no percentages.
    declare(wide, rule="interviews", keys=["org_code"])
    return wide


def cooccurrence(
    segments: pd.DataFrame, *, by: str = "interview", coder: str | None = None
) -> pd.DataFrame:
    """Code × code co-occurrence counts.

    Parameters
    ----------
    segments : pandas.DataFrame
        Coded segments.
    by : {"interview", "segment"}
        ``"interview"``: number of interviews in which both codes were applied (the diagonal is
        the number of interviews with the code). ``"segment"``: number of pairs of segments by the
        same coder in the same interview whose spans overlap (the diagonal is the number of distinct
        spans with the code; two overlapping spans of the same code are not counted as a pair).
    coder : str, optional
        Use only this coder's coding.

    Returns
    -------
    pandas.DataFrame
        Square, symmetric matrix of counts with the codes (sorted by theme, then code) as index and
        columns; ``attrs["method"]`` is ``by`` and ``attrs["themes"]`` maps code → theme.

    Examples
    --------
    >>> import aeeval as ae
    >>> m = cooccurrence(ae.read_segments(None))
    >>> bool((m.values == m.values.T).all())
    True
    """
    if by not in ("interview", "segment"):
        raise ValueError(f"by must be 'interview' or 'segment'; got {by!r}")
    seg = _check(segments, coder)
    if by == "segment" and seg[["start", "end"]].isna().any().any():
        raise ValueError(
            "by='segment' needs positions, and these segments have none (e.g. "
            "QualCoder's coded-text export); use by='interview'"
        )
    order = (
        _check(segments, None)[["theme", "code"]].drop_duplicates().sort_values(["theme", "code"])
    )
    codes = order["code"].tolist()
    out = pd.DataFrame(0, index=pd.Index(codes, name="code"), columns=codes, dtype=int)
    if by == "interview":
        present = pd.crosstab(seg["interview"], seg["code"]).clip(upper=1)
        present = present.reindex(columns=codes, fill_value=0)
        out.loc[:, :] = present.T.to_numpy() @ present.to_numpy()
    else:
        spans = seg.drop_duplicates(["coder", *_SPAN])
        for _, g in spans.groupby(["interview", "coder"]):
            g = g.sort_values("start")
            recs = list(zip(g["code"], g["start"].astype(int), g["end"].astype(int)))
            for i, (c1, s1, e1) in enumerate(recs):
                out.loc[c1, c1] += 1
                for c2, s2, e2 in recs[i + 1 :]:
                    if s2 >= e1:
                        break
                    if c1 != c2 and s1 < e2 and s2 < e1:
                        out.loc[c1, c2] += 1
                        out.loc[c2, c1] += 1
    out.attrs["method"] = by
    out.attrs["themes"] = dict(zip(order["code"], order["theme"]))
    return out


def select_quotes(
    segments: pd.DataFrame,
    *,
    names=(),
    per_theme: int = 3,
    max_chars: int = 160,
    coder: str | None = None,
) -> pd.DataFrame:
    """Short quotes per theme, always redacted.

    Picks, per theme, up to ``per_theme`` distinct quotes of at most ``max_chars`` characters: one
    from each of the theme's codes in turn (most widely mentioned code first), each from a
    different organisation where possible, shortest first. Longer segments are only used when no
    short one exists, and then shortened with an ellipsis. Every quote goes through
    :func:`aeeval.redact` with ``names`` (names, e-mails, UK phones, NHS numbers, postcodes).

    Parameters
    ----------
    segments : pandas.DataFrame
        Coded segments.
    names : str or iterable of str
        Person names to redact, e.g. ``register["contact_name"]`` and interviewee names.
    per_theme : int
        Quotes per theme.
    max_chars : int
        Longest quote.
    coder : str, optional
        Use only this coder's coding.

    Returns
    -------
    pandas.DataFrame
        ``theme``, ``code``, ``interview``, ``org_code``, ``quote``, ``redacted`` (whether anything
        was replaced).

    Examples
    --------
    >>> import aeeval as ae
    >>> q = select_quotes(ae.read_segments(None), per_theme=2)
    >>> q.groupby("theme").size().tolist()
    [2, 2, 2]
    """
    if not isinstance(per_theme, int) or per_theme < 1:
        raise ValueError(f"per_theme must be a whole number of at least 1; got {per_theme!r}")
    if not isinstance(max_chars, int) or max_chars < 10:
        raise ValueError(f"max_chars must be a whole number of at least 10; got {max_chars!r}")
    names = as_names(names)
    seg = _check(segments, coder)
    spans = seg.drop_duplicates(_SPAN).copy()
    spans["clean"] = spans["text"].astype(str).map(lambda t: " ".join(t.split()))
    spans["length"] = spans["clean"].str.len()
    spans["long"] = spans["length"] > max_chars
    reach = seg.groupby("code")["interview"].nunique()
    rows = []
    for theme, g in spans.groupby("theme", sort=True):
        codes = sorted(g["code"].unique(), key=lambda c: (-reach[c], c))
        pools = {c: g[g["code"] == c].sort_values(["long", "length", "interview"]) for c in codes}
        used_text, used_org, picked = set(), set(), []
        while len(picked) < per_theme and any(len(p) for p in pools.values()):
            for c in codes:
                if len(picked) >= per_theme:
                    break
                pool = pools[c]
                pool = pool[~pool["clean"].isin(used_text)]
                pools[c] = pool
                if pool.empty:
                    continue
                fresh = pool[~pool["org_code"].isin(used_org)]
                row = (fresh if len(fresh) else pool).iloc[0]
                used_text.add(row["clean"])
                used_org.add(row["org_code"])
                pools[c] = pool.drop(index=row.name)
                picked.append(row)
        for row in picked:
            # Redact before shortening, so no identifier is cut into an unrecognisable piece.
            safe = redact(row["clean"], names=names)
            rows.append(
                {
                    "theme": theme,
                    "code": row["code"],
                    "interview": row["interview"],
                    "org_code": row["org_code"],
                    "quote": _short(safe, max_chars),
                    "redacted": safe != row["clean"],
                }
            )
    out = pd.DataFrame(
        rows, columns=["theme", "code", "interview", "org_code", "quote", "redacted"]
    )
    out.attrs["value_labels"] = {"code": code_labels(seg)}
    return declare(out, rule="none")  # redacted words, no counts
