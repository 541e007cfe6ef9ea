"""Loading the organisation survey: read, validate, code, and join to the register."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .coding import DEFAULT_CODEBOOK, code_responses, load_codebook
from .options import DEFAULT_CONFIDENCE, DEFAULT_MIN_BASE
from .paths import EXAMPLE_FILES, EXAMPLES
from .proportions import proportions
from .schemas import Problem, ValidationError, read_table

__all__ = ["load_survey", "headline_figures", "HEADLINES"]

#: The Picker evaluation's headline figures: (name, question id, positive options, wording).
HEADLINES = [
    ("improved_definitely", "improved_experience", ["Yes, definitely"],
     "Always Event definitely improved service users' experience"),
    ("improved_some_extent", "improved_experience", ["Yes, to some extent"],
     "Always Event improved service users' experience to some extent"),
    ("influenced_coproduction", "influenced_coproduction", ["A great deal", "To some extent"],
     "Always Event influenced co-production a great deal or to some extent"),
]

REGISTER_COLUMNS = ["cohort", "setting", "region", "org_type"]


def load_survey(data_dir: str | Path | None = None, *, cohort=None, codebook=None,
                strict: bool = True) -> pd.DataFrame:
    """Read the register and the survey export, code the answers and add register columns.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding ``register.csv`` (or ``.xlsx``) and ``survey_responses.csv`` (or ``.xlsx``);
        default: the bundled synthetic examples.
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
        ``region`` and ``org_type`` from the register.

    Raises
    ------
    ValidationError
        A file breaks its schema, or a response names an organisation missing from the register.
    """
    folder = Path(data_dir) if data_dir is not None else EXAMPLES
    register_path = _find(folder, EXAMPLE_FILES["register"])
    survey_path = _find(folder, EXAMPLE_FILES["survey"])
    register = read_table(register_path, "register")
    survey = read_table(survey_path, "survey")
    unknown = ~survey["org_code"].isin(register["org_code"])
    if unknown.any():
        raise ValidationError([
            Problem(str(survey_path), survey.attrs["rows"][i], "org_code", survey.at[i, "org_code"], "in-register",
                    f"organisation is not in the register {register_path}")
            for i in survey.index[unknown]])
    coded = code_responses(survey, codebook or DEFAULT_CODEBOOK, strict=strict)
    merged = coded.merge(register[["org_code", *REGISTER_COLUMNS]], on="org_code", how="left",
                         validate="one_to_one")
    merged.attrs.update(coded.attrs)
    merged.attrs["sources"] = [str(register_path), str(survey_path)]
    if cohort is not None:
        if cohort not in set(register["cohort"].dropna()):
            raise ValueError(f"cohort {cohort!r} is not in the register {register_path} "
                             f"(cohorts: {', '.join(map(str, sorted(register['cohort'].dropna().unique())))})")
        merged = merged[merged["cohort"] == cohort].reset_index(drop=True)
    return merged


def headline_figures(responses: pd.DataFrame, *, by=None, codebook=None,
                     confidence: float = DEFAULT_CONFIDENCE, min_base: int | None = DEFAULT_MIN_BASE,
                     method: str = "wilson") -> pd.DataFrame:
    """The Picker headline figures with intervals, one row per figure (and group).

    Each figure's base excludes the question's ``outside_base`` options ("Don't know") and blanks.

    Returns
    -------
    pandas.DataFrame
        ``figure``, ``wording``, grouping columns, then the columns of :func:`aeeval.proportions`.
    """
    book = load_codebook(codebook or DEFAULT_CODEBOOK)
    parts = []
    for name, qid, positive, wording in HEADLINES:
        q = book[qid]
        table = proportions(responses, q.column, positive, by=by, exclude=q.outside_base,
                            confidence=confidence, method=method, min_base=min_base)
        table.insert(0, "wording", wording)
        table.insert(0, "figure", name)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["confidence"] = confidence
    return out


def _find(folder: Path, filename: str) -> Path:
    for candidate in (folder / filename, folder / Path(filename).with_suffix(".xlsx")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{folder}: no {filename} (or .xlsx) in this folder")
