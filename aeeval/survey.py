"""Loading the organisation survey: read, validate, code, and join to the register."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .coding import DEFAULT_CODEBOOK, code_responses, load_codebook
from .compare import adjust_p, compare_groups, group_test, trend_test
from .disclosure import declare
from .options import DEFAULT_CONFIDENCE, DEFAULT_MIN_BASE
from .paths import EXAMPLE_FILES, EXAMPLES
from .proportions import proportions
from .schemas import Problem, ValidationError, read_table

__all__ = ["load_survey", "headline_figures", "headline_comparisons", "headline_tests", "HEADLINES"]

#: The Picker evaluation's headline figures: (name, question id, positive options, wording).
HEADLINES = [
    (
        "improved_definitely",
        "improved_experience",
        ["Yes, definitely"],
        "Always Event definitely improved service users' experience",
    ),
    (
        "improved_some_extent",
        "improved_experience",
        ["Yes, to some extent"],
        "Always Event improved service users' experience to some extent",
    ),
    (
        "influenced_coproduction",
        "influenced_coproduction",
        ["A great deal", "To some extent"],
        "Always Event influenced co-production a great deal or to some extent",
    ),
]

#: Each headline figure's wording, shown in place of its name in tables for readers.
HEADLINE_WORDING = {name: wording for name, _, _, wording in HEADLINES}

REGISTER_COLUMNS = ["cohort", "setting", "region", "org_type"]


def load_survey(
    data_dir: str | Path | None = None,
    *,
    cohort=None,
    codebook=None,
    strict: bool = True,
    survey: str | Path | None = None,
) -> pd.DataFrame:
    """Read the register and the survey export, code the answers and add register columns.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding ``register.csv`` (or ``.xlsx``) and the survey: ``survey_responses.csv``
        (or ``.xlsx``) in aeeval's ``survey`` schema, or a survey tool's own export with its
        survey mapping beside it (:func:`aeeval.read_export`; found by its content, :mod:`aeeval.discovery`);
        default: the bundled synthetic examples.
    survey : str or Path, optional
        The survey file, when it is not found by those rules (a ``survey``-schema table or a
        tool's export with its mapping).
    codebook : str or Path, optional
        Codebook file (default: ``data/schemas/survey_codebook.yaml``).
    cohort : int, optional
        Keep only organisations of this cohort (default: the whole programme).
    strict : bool
        Passed to :func:`aeeval.code_responses`.

    Returns
    -------
    pandas.DataFrame
        One row per responding organisation: coded answers plus ``cohort``, ``setting``,
        ``region`` and ``org_type`` from the register. From an export, ``attrs["survey_tool"]``
        names the tool (and the other ``attrs`` of :func:`aeeval.read_export` are kept).

    Raises
    ------
    ValidationError
        A file breaks its schema, or a response names an organisation missing from the register
        (an :class:`aeeval.ExportError`, a subclass, for an export and its mapping).
    CodingError
        An answer is not in the codebook (with ``strict=True``).

    Examples
    --------
    >>> r = load_survey()                      # the bundled synthetic examples
    >>> len(r), sorted(r["cohort"].unique().tolist())
    (79, [1, 2, 3, 4])
    """
    folder = Path(data_dir) if data_dir is not None else EXAMPLES
    from .exports import read_export, recognise_export

    register_path = find_input(folder, EXAMPLE_FILES["register"])
    if survey is not None:
        survey_path = Path(survey)
    else:
        survey_path = find_input(folder, EXAMPLE_FILES["survey"], required=False)
        if survey_path is None:
            raise FileNotFoundError(
                f"{folder}: no {EXAMPLE_FILES['survey']} (or .xlsx), nor a survey tool's export "
                "with its survey mapping beside it, in this folder"
            )
    register = read_table(register_path, "register")
    if recognise_export(survey_path) is not None:
        survey = read_export(survey_path, codebook=codebook, register=register, strict=strict)
    else:
        survey = read_table(survey_path, "survey")
    unknown = ~survey["org_code"].isin(register["org_code"])
    if unknown.any():
        raise ValidationError(
            [
                Problem(
                    str(survey_path),
                    survey.attrs["rows"][i],
                    "org_code",
                    survey.at[i, "org_code"],
                    "in-register",
                    f"organisation is not in the register {register_path}",
                )
                for i in survey.index[unknown]
            ]
        )
    coded = code_responses(survey, codebook or DEFAULT_CODEBOOK, strict=strict)
    merged = coded.merge(
        register[["org_code", *REGISTER_COLUMNS]], on="org_code", how="left", validate="one_to_one"
    )
    merged.attrs.update(coded.attrs)
    merged.attrs["sources"] = [str(register_path), str(survey_path)]
    if cohort is not None:
        if cohort not in set(register["cohort"].dropna()):
            raise ValueError(
                f"cohort {cohort!r} is not in the register {register_path} "
                f"(cohorts: {', '.join(map(str, sorted(register['cohort'].dropna().unique())))})"
            )
        merged = merged[merged["cohort"] == cohort].reset_index(drop=True)
    return merged


def headline_figures(
    responses: pd.DataFrame,
    *,
    by=None,
    codebook=None,
    confidence: float = DEFAULT_CONFIDENCE,
    min_base: int | None = DEFAULT_MIN_BASE,
    method: str = "wilson",
) -> pd.DataFrame:
    """The Picker headline figures with intervals, one row per figure (and group).

    Each figure's base excludes the question's ``outside_base`` options ("Don't know") and blanks.

    Returns
    -------
    pandas.DataFrame
        ``figure``, ``wording``, grouping columns, then the columns of :func:`aeeval.proportions`.

    Examples
    --------
    >>> h = headline_figures(load_survey())    # Picker: 59 %, 41 % and 52 %
    >>> h[["figure", "n", "base", "estimate"]].round(3)
                        figure   n  base  estimate
    0      improved_definitely  44    75     0.587
    1     improved_some_extent  31    75     0.413
    2  influenced_coproduction  38    73     0.521
    """
    book = load_codebook(codebook or DEFAULT_CODEBOOK)
    parts = []
    for name, qid, positive, wording in HEADLINES:
        q = book[qid]
        table = proportions(
            responses,
            q.column,
            positive,
            by=by,
            exclude=q.outside_base,
            confidence=confidence,
            method=method,
            min_base=min_base,
        )
        table.insert(0, "wording", wording)
        table.insert(0, "figure", name)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["confidence"] = confidence
    declare(
        out,
        rule="people",
        base="base",
        by=by or [],
        keys=["figure", "wording"],
        min_base=min_base,
        measure="headline_figures",
    )
    return out


def headline_comparisons(
    responses: pd.DataFrame,
    *,
    by: str = "cohort",
    groups=None,
    codebook=None,
    confidence: float = DEFAULT_CONFIDENCE,
    min_base: int | None = DEFAULT_MIN_BASE,
) -> pd.DataFrame:
    """Each group (cohort) against the rest of the programme, for every headline figure.

    Differences use Newcombe's hybrid score interval (:func:`aeeval.compare_proportions`);
    p-values are adjusted by Holm and by Benjamini–Hochberg across every row of the table
    (:func:`aeeval.adjust_p`).

    Parameters
    ----------
    responses : pandas.DataFrame
        The whole programme, as returned by :func:`load_survey` without ``cohort``.
    by : str
        Grouping column (default ``"cohort"``).
    groups : list, optional
        Groups to compare with the rest (default all), e.g. ``[1]`` for a cohort report.
    codebook, confidence, min_base
        As in :func:`headline_figures`.

    Returns
    -------
    pandas.DataFrame
        ``figure``, ``by``, then the columns of :func:`aeeval.compare_groups` with ``p_holm`` and
        ``p_benjamini_hochberg`` adjusted over the whole table.

    Examples
    --------
    >>> c = headline_comparisons(load_survey(), groups=[1])
    >>> c[["figure", "cohort", "difference", "ci_low", "ci_high", "p_holm"]].round(3)
                        figure  cohort  difference  ci_low  ci_high  p_holm
    0      improved_definitely       1       0.291   0.040    0.466   0.071
    1     improved_some_extent       1      -0.291  -0.466   -0.040   0.071
    2  influenced_coproduction       1       0.041  -0.204    0.273   0.757
    """
    book = load_codebook(codebook or DEFAULT_CODEBOOK)
    parts = []
    for name, qid, positive, _ in HEADLINES:
        q = book[qid]
        t = compare_groups(
            responses,
            q.column,
            positive,
            by=by,
            exclude=q.outside_base,
            groups=groups,
            confidence=confidence,
            adjust=(),
            min_base=None,
        )
        t.insert(0, "figure", name)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    for m in ("holm", "benjamini_hochberg"):
        out[f"p_{m}"] = adjust_p(out["p_value"].to_numpy(dtype=float), m)
    out = out.drop(columns="suppressed")
    if min_base is not None:
        from .disclosure import suppress

        cols = [
            "n1",
            "estimate1",
            "n2",
            "estimate2",
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
            "p_holm",
            "p_benjamini_hochberg",
        ]
        out["suppressed"] = out["base2"].between(1, min_base - 1)
        # Sibling sets are the groups of one figure (their counts add up to the figure's total).
        out = pd.concat(
            [
                suppress(part, min_base, base="base1", columns=cols, by=[by])
                for _, part in out.groupby("figure", sort=False)
            ]
        ).sort_index()
    out.attrs["confidence"] = confidence
    out.attrs["value_labels"] = {"figure": HEADLINE_WORDING}
    out.attrs["labels"] = {
        "base1": "Base",
        "estimate1": "%",
        "base2": "Rest: base",
        "estimate2": "Rest: %",
        "difference": "Difference",
        "p_value": "p",
        "p_holm": "p (Holm)",
        "p_benjamini_hochberg": "p (BH)",
    }
    declare(
        out,
        rule="people",
        base=["base1", "base2"],
        by=[by],
        keys=["figure", "test"],
        min_base=min_base,
        measure="headline_comparisons",
    )
    return out


def headline_tests(responses: pd.DataFrame, *, by: str = "cohort", codebook=None) -> pd.DataFrame:
    """Does each headline figure differ across groups, and does it trend across ordered groups?

    For each figure: a test across groups (:func:`aeeval.group_test`, χ² or Fisher by Cochran's
    rule) and the Cochran–Armitage trend test (:func:`aeeval.trend_test`) with the groups' sort
    order as scores (cohort 1, 2, 3, …). p-values are adjusted by Holm and Benjamini–Hochberg
    across every row of the table. Fewer than two groups with answers: an empty table.

    Returns
    -------
    pandas.DataFrame
        ``figure``, ``test``, ``groups``, ``base``, ``statistic``, ``p_value``, ``method``,
        ``p_holm``, ``p_benjamini_hochberg``.

    Examples
    --------
    >>> t = headline_tests(load_survey())
    >>> t.loc[t["figure"] == "improved_definitely", ["test", "method", "p_value"]].round(3)
                test            method  p_value
    0  across groups              chi2    0.027
    1          trend  cochran_armitage    0.003
    """
    book = load_codebook(codebook or DEFAULT_CODEBOOK)
    rows = []
    for name, qid, positive, _ in HEADLINES:
        q = book[qid]
        t = proportions(responses, q.column, positive, by=by, exclude=q.outside_base)
        t = t[t["base"] > 0]
        if len(t) < 2 or t["n"].sum() in (0, t["base"].sum()):
            continue
        g = group_test(t["n"], t["base"])
        trend = trend_test(t["n"], t["base"], scores=range(1, len(t) + 1))
        for test, r in (("across groups", g), ("trend", trend)):
            rows.append(
                {
                    "figure": name,
                    "test": test,
                    "groups": int(r["groups"].iloc[0]),
                    "base": int(r["base"].iloc[0]),
                    "statistic": float(r["statistic"].iloc[0]),
                    "p_value": float(r["p_value"].iloc[0]),
                    "method": r["method"].iloc[0],
                }
            )
    out = pd.DataFrame(
        rows, columns=["figure", "test", "groups", "base", "statistic", "p_value", "method"]
    )
    for m in ("holm", "benjamini_hochberg"):
        out[f"p_{m}"] = adjust_p(out["p_value"].to_numpy(dtype=float), m) if len(out) else []
    out.attrs["value_labels"] = {"figure": HEADLINE_WORDING}
    # Tests over the whole programme: the base is every answer; a small one is suppressed.
    declare(out, rule="people", base="base", keys=["figure", "test", "groups"])
    return out


def find_input(folder: Path, filename: str, *, required: bool = True) -> Path | None:
    """The file of ``folder`` for the input bundled as ``filename`` (``survey_responses.csv`` …).

    That name (or the same name as ``.xlsx``), else the one file whose content is that strand
    (:func:`aeeval.discovery.discover`): ``None`` (or :class:`~aeeval.discovery.MissingInputError`,
    a ``FileNotFoundError``, when ``required``) if there is none; two candidates are a
    :class:`~aeeval.discovery.DataFolderError` naming both. A ``filename`` that is no bundled
    input's name is looked up by name only.

    Examples
    --------
    >>> find_input(EXAMPLES, "survey_responses.csv").name
    'survey_responses.csv'
    """
    from .discovery import DataFolderError, MissingInputError, conflict_message, discover

    folder = Path(folder)
    strand = {name: key for key, name in EXAMPLE_FILES.items()}.get(filename)
    if strand is None or not folder.is_dir():
        for candidate in (folder / filename, folder / Path(filename).with_suffix(".xlsx")):
            if candidate.exists():
                return candidate
        found = None
    else:
        d = discover(folder)
        if strand in d.conflicts:
            raise DataFolderError(
                f"{folder}: " + conflict_message(strand, d.conflicts[strand], d.kinds[strand]),
                [p for p in d.problems() if p.rule == "one-file-per-strand"],
            )
        found = d.found.get(strand)
    if found is None and required:
        raise MissingInputError(
            f"{folder}: no {filename} (or .xlsx), nor any file whose header is that of the "
            f"{strand or filename} input, in this folder"
        )
    return found
