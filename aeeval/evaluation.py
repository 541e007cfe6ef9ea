"""The cohort evaluation report: gather what a cohort's data hold and say it in plain English.

:func:`load_evaluation` reads whichever of the five input tables a data folder holds (register,
survey, interview segments, staff survey, measures) and narrows each to the organisations in scope.
The other functions reshape those tables for the report — the staff survey split into comparison
groups, one SPC chart per team — and write the sentences of its executive summary and limitations.
The statistics themselves are those of :mod:`aeeval.proportions`, :mod:`aeeval.qual`,
:mod:`aeeval.staff_survey` and :mod:`aeeval.spc`; nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .disclosure import QUALITATIVE_RULE, declare
from .options import DEFAULT_CONFIDENCE, DEFAULT_MIN_BASE
from .paths import EXAMPLE_FILES, EXAMPLES
from .proportions import proportion_ci
from .schemas import read_table

__all__ = [
    "Evaluation",
    "Results",
    "load_evaluation",
    "analyse",
    "data_sources",
    "response_rate",
    "staff_survey_groups",
    "staff_survey_effect",
    "measure_charts",
    "measure_summary",
    "summary_points",
    "methods",
    "limitations",
    "bullets",
    "disclosure_methods",
]

SOURCES = {
    "register": "Programme register",
    "survey": "Survey of participating organisations",
    "interview_segments": "Coded interview segments",
    "staff_survey": "NHS Staff Survey results by trust",
    "measures": "Always Event measures by team",
}
OUTSIDE = "Not in the programme"
OTHER_COHORTS = "Other cohorts"


@dataclass
class Evaluation:
    """The data of one evaluation report; a table is ``None`` when the data folder lacks it."""

    cohort: int | None
    scope: str
    register: pd.DataFrame
    members: pd.DataFrame
    sources: dict = field(default_factory=dict)
    programme: pd.DataFrame | None = None
    responses: pd.DataFrame | None = None
    all_segments: pd.DataFrame | None = None
    segments: pd.DataFrame | None = None
    staff_survey: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    unlinked_teams: list = field(default_factory=list)
    kinds: dict = field(default_factory=dict)
    unplaced: list = field(default_factory=list)
    codebook: Path | None = None

    @property
    def synthetic(self) -> bool:
        """True when the data are the bundled synthetic examples."""
        return any(
            Path(p).resolve().parent == EXAMPLES.resolve()
            for p in self.sources.values()
            if p is not None
        )

    @property
    def contact_names(self) -> list[str]:
        """Names to redact from quotes: the register's contacts."""
        if "contact_name" not in self.register.columns:
            return []
        return self.register["contact_name"].dropna().astype(str).tolist()


@dataclass
class Results:
    """Every table of an evaluation report; ``None`` where the cohort's data hold nothing for it."""

    rate: pd.DataFrame | None = None
    headlines: pd.DataFrame | None = None
    by_setting: pd.DataFrame | None = None
    comparisons: pd.DataFrame | None = None
    improved: pd.DataFrame | None = None
    themes: pd.DataFrame | None = None
    quotes: pd.DataFrame | None = None
    agreement: pd.DataFrame | None = None
    trend: pd.DataFrame | None = None
    effect: pd.DataFrame | None = None
    charts: dict = field(default_factory=dict)
    measures: pd.DataFrame | None = None
    notes: dict = field(default_factory=dict)


def load_evaluation(data_dir=None, *, cohort=None, codebook=None) -> Evaluation:
    """Read a data folder for an evaluation report of one cohort (or the whole programme).

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding the register (required) and any of the survey answers, the coded
        interviews, Staff Survey results, Always Event measures and a survey codebook; default: the
        bundled synthetic examples. Each file is found by its content, whatever its name
        (:func:`aeeval.discovery.discover`; the bundled names ``register.csv``,
        ``survey_responses.csv``, ``interview_segments.csv``, ``staff_survey.csv``,
        ``measures.csv``, or ``.xlsx``, still place a file by name) and validated against its
        schema. The coded interviews may be a QDA tool's own file, read as it is: one ``.qdpx``,
        a QualCoder project (``*.qda`` folder or ``data.qda``) or its coded-text export.
    cohort : int, optional
        Report on this cohort's organisations (default: the whole programme).
    codebook : str or Path, optional
        Survey codebook (default: a codebook YAML in the folder, else
        ``data/schemas/survey_codebook.yaml``).

    Returns
    -------
    Evaluation
        ``responses`` are the coded survey answers of organisations in scope (``programme``: all);
        ``segments`` the coded interview segments of interviews with organisations in scope
        (``all_segments``: all, for coder agreement); ``staff_survey`` every trust's harmonised
        results; ``measures`` the series of teams whose ``org_code`` is in scope (the whole
        programme also keeps teams without an ``org_code``; they are listed in ``unlinked_teams``).
        ``kinds`` says what each file is; ``unplaced`` lists ``(path, reason)`` of every file of
        the folder that is no input (each also an :class:`aeeval.discovery.UnplacedFileWarning`).

    Raises
    ------
    DataFolderError
        Two files of the folder are the same strand (both are named).
    MissingInputError
        No register (a ``FileNotFoundError``).

    Examples
    --------
    >>> from aeeval.evaluation import load_evaluation
    >>> ev = load_evaluation(cohort=2)
    >>> ev.scope, len(ev.members), len(ev.responses), ev.segments["interview"].nunique()
    ('Cohort 2', 35, 18, 4)
    """
    from .discovery import MissingInputError, discover
    from .qual import read_segments
    from .staff_survey import read_staff_survey
    from .survey import load_survey

    folder = Path(data_dir) if data_dir is not None else EXAMPLES
    if not folder.is_dir():
        raise MissingInputError(f"data folder {folder} does not exist")
    found = discover(folder)
    found.check()  # two files for one strand: an error naming both
    found.warn()  # a file it cannot place: never silently ignored
    sources = {key: found.found.get(key) for key in SOURCES}
    if sources["register"] is None:
        raise MissingInputError(
            f"{folder}: no {EXAMPLE_FILES['register']} (or .xlsx), nor any table whose header "
            "holds the register schema's columns: the register says which organisations are in "
            "each cohort"
        )
    if codebook is None:
        codebook = found.found.get("codebook")
    register = read_table(sources["register"], "register")
    cohorts = sorted(register["cohort"].dropna().unique())
    if cohort is not None and cohort not in cohorts:
        raise ValueError(
            f"cohort {cohort!r} is not in the register {sources['register']} "
            f"(cohorts: {', '.join(map(str, cohorts))})"
        )
    members = register if cohort is None else register[register["cohort"] == cohort]
    in_scope = set(members["org_code"])
    ev = Evaluation(
        cohort=cohort,
        scope="the whole programme" if cohort is None else f"Cohort {cohort}",
        register=register,
        members=members.reset_index(drop=True),
        sources=sources,
        kinds={key: found.kind(key) for key in found.found},
        unplaced=list(found.unplaced),
        codebook=Path(codebook) if codebook is not None else None,
    )
    if sources["survey"] is not None:
        ev.programme = load_survey(folder, codebook=codebook)
        ev.responses = ev.programme[ev.programme["org_code"].isin(in_scope)].reset_index(drop=True)
    if sources["interview_segments"] is not None:
        ev.all_segments = read_segments(sources["interview_segments"])
        ev.segments = ev.all_segments[ev.all_segments["org_code"].isin(in_scope)].reset_index(
            drop=True
        )
    if sources["staff_survey"] is not None:
        ev.staff_survey = read_staff_survey(sources["staff_survey"])
    if sources["measures"] is not None:
        measures = read_table(sources["measures"], "measures")
        linked = measures["org_code"].notna()
        ev.unlinked_teams = sorted(measures.loc[~linked, "team"].unique())
        keep = measures["org_code"].isin(in_scope)
        if cohort is None:  # the whole programme: every team, linked to an organisation or not
            keep |= ~linked
        ev.measures = measures[keep].reset_index(drop=True)
    return ev


def analyse(
    ev: Evaluation,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_base: int | None = DEFAULT_MIN_BASE,
    codebook=None,
    staff_series: str = "q22c",
    measure_direction: str = "increase",
    measure_target: float | None = None,
    quotes_per_theme: int = 2,
    max_quote_chars: int = 160,
) -> Results:
    """Run the analyses of an evaluation report on whatever ``ev`` holds.

    Survey: response rate, headline figures (all, by care setting), the cohort against the rest
    of the programme, and every answer to the experience question. Interviews: theme frequencies,
    redacted quotes, and Krippendorff's alpha of the two coders over every code and interview of
    the programme. Staff Survey: the item's trend for the scope's trusts, other cohorts and trusts
    outside the programme, and the participation model against trusts outside the programme.
    Measures: a p-chart and its variation/assurance summary per team. A part whose data are
    absent (or empty for this scope) stays ``None``; ``notes`` says why a model could not be fitted.
    """
    from .agreement import krippendorff_alpha, presence_table
    from .proportions import distribution
    from .qual import select_quotes, theme_frequencies
    from .staff_survey import item_trend
    from .survey import headline_comparisons, headline_figures

    res = Results()
    if codebook is None:
        codebook = ev.codebook  # the folder's own codebook, which coded the answers
    if ev.responses is not None and not ev.responses.empty:
        res.rate = response_rate(ev, confidence=confidence, min_base=min_base)
        common = {"codebook": codebook, "confidence": confidence, "min_base": min_base}
        res.headlines = headline_figures(ev.responses, **common)
        by_setting = headline_figures(ev.responses, by="setting", **common)
        if by_setting["estimate"].isna().all():  # every setting suppressed (or without answers)
            res.notes["by_setting"] = (
                f"Too few organisations in each care setting of {ev.scope} answered to publish "
                f"figures by setting (the minimum base is {min_base})."
            )
        else:
            res.by_setting = by_setting
            res.improved = distribution(
                ev.responses,
                "improved_experience",
                by="setting",
                exclude=["Don't know"],
                confidence=confidence,
                min_base=min_base,
            )
        if ev.cohort is not None and ev.programme["cohort"].nunique() > 1:
            res.comparisons = headline_comparisons(ev.programme, groups=[ev.cohort], **common)
    if ev.segments is not None and not ev.segments.empty:
        res.themes = theme_frequencies(ev.segments, min_base=min_base)
        res.quotes = select_quotes(
            ev.segments,
            names=ev.contact_names,
            per_theme=quotes_per_theme,
            max_chars=max_quote_chars,
        )[["theme", "quote"]]
        if ev.all_segments["coder"].nunique() > 1:
            res.agreement = krippendorff_alpha(
                presence_table(ev.all_segments), "item", "coder", "present", level="nominal"
            )
    if ev.staff_survey is not None:
        res.trend = item_trend(
            staff_survey_groups(ev), series=staff_series, by="group", confidence=confidence
        )
        try:
            res.effect = staff_survey_effect(ev, series=staff_series, confidence=confidence)
        except ValueError as exc:  # e.g. no trust of this cohort has results for the series
            res.notes["effect"] = f"The participation model could not be fitted: {exc}"
    res.charts = measure_charts(ev, improvement_direction=measure_direction, target=measure_target)
    if res.charts:
        res.measures = measure_summary(res.charts, min_base=min_base)
    return res


def data_sources(ev: Evaluation) -> pd.DataFrame:
    """One row per input table: its file (or "not supplied") and how much of it is in scope;
    then the survey codebook when the data folder holds one, and one row per file of the folder
    that is no input ("Not used: …", :attr:`Evaluation.unplaced`), so none is passed over
    unseen."""
    counts = {
        "register": (len(ev.members), len(ev.members)),
        "survey": _sizes(ev.responses, "org_code"),
        "interview_segments": _sizes(ev.segments, "interview"),
        "staff_survey": _sizes(
            None
            if ev.staff_survey is None
            else ev.staff_survey[ev.staff_survey["org_code"].isin(ev.members["org_code"])],
            "org_code",
        ),
        "measures": _sizes(ev.measures, "team"),
    }
    units = {
        "register": "organisation(s)",
        "survey": "responding organisation(s)",
        "interview_segments": "interview(s)",
        "staff_survey": "trust(s)",
        "measures": "team(s)",
    }
    read_as = {key: ev.kinds.get(key) or "" for key in SOURCES}
    dropped = ev.programme.attrs.get("dropped_columns") if ev.programme is not None else None
    if dropped:  # a survey tool's export: say which personal-data columns were never read in
        read_as["survey"] += f"; personal-data columns dropped on reading: {', '.join(dropped)}"
    rows = []
    for key, title in SOURCES.items():
        path = ev.sources.get(key)
        n, records = counts[key]
        rows.append(
            {
                "source": title,
                "file": Path(path).name if path is not None else "not supplied",
                "read_as": read_as[key] if path is not None else "",
                "in_scope": f"{n} {units[key]}" if path is not None else "",
                "rows": records if path is not None else pd.NA,
            }
        )
    if ev.codebook is not None and ev.sources.get("survey") is not None:
        rows.append(
            {
                "source": "Survey codebook",
                "file": ev.codebook.name,
                "read_as": ev.kinds.get("codebook") or "survey codebook",
                "in_scope": "",
                "rows": pd.NA,
            }
        )
    for path, _ in ev.unplaced:  # the reason is in the warning; the table names the file
        rows.append(
            {
                "source": "Not used: not an input aeeval can place",
                "file": Path(path).name,
                "read_as": "",
                "in_scope": "",
                "rows": pd.NA,
            }
        )
    out = pd.DataFrame(rows)
    out["rows"] = out["rows"].astype("Int64")
    out.attrs["labels"] = {
        "source": "Data",
        "file": "File",
        "read_as": "Read as",
        "in_scope": f"In {ev.scope}",
        "rows": "Rows in scope",
    }
    # The size of each input in scope: the bases the other tables show anyway, no results.
    return declare(out, rule="none")


def _sizes(table, unit: str) -> tuple[int, int]:
    if table is None:
        return 0, 0
    return int(table[unit].nunique()), len(table)


def response_rate(
    ev: Evaluation,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_base: int | None = DEFAULT_MIN_BASE,
) -> pd.DataFrame:
    """Organisations in scope that answered the survey: ``n`` of ``base`` with a Wilson interval.

    Returns one row (``n``, ``base``, ``estimate``, ``ci_low``, ``ci_high``, ``method``,
    ``suppressed``), suppressed below ``min_base`` like every published proportion.
    """
    from .disclosure import suppress

    n = 0 if ev.responses is None else int(ev.responses["org_code"].nunique())
    base = len(ev.members)
    low, high = proportion_ci(n, base, confidence=confidence)
    out = pd.DataFrame(
        {
            "n": [n],
            "base": [base],
            "estimate": [n / base],
            "ci_low": [low],
            "ci_high": [high],
            "method": ["wilson"],
        }
    )
    out = suppress(out, min_base) if min_base is not None else out.assign(suppressed=False)
    out.attrs["confidence"] = confidence
    out.attrs["labels"] = {"n": "Answered (n)", "base": "Organisations in scope"}
    return declare(out, rule="people", base="base", keys=[], min_base=min_base)


def staff_survey_groups(ev: Evaluation) -> pd.DataFrame:
    """Staff Survey results with a ``group`` column: the scope's trusts, other cohorts' trusts
    (for a cohort report) and trusts outside the programme."""
    if ev.staff_survey is None:
        raise ValueError("no staff survey results in this evaluation's data folder")
    results = ev.staff_survey
    members = set(ev.members["org_code"])
    programme = set(ev.register["org_code"])
    label = "Programme trusts" if ev.cohort is None else f"Cohort {ev.cohort} trusts"
    group = pd.Series(OUTSIDE, index=results.index, dtype=object)
    group[results["org_code"].isin(programme)] = OTHER_COHORTS
    group[results["org_code"].isin(members)] = label
    return results.assign(group=group)


def staff_survey_effect(
    ev: Evaluation,
    *,
    series: str = "q22c",
    design: str = "callaway_santanna",
    confidence: float = DEFAULT_CONFIDENCE,
    n_bootstrap: int = 999,
) -> pd.DataFrame:
    """:func:`aeeval.participation_effect` of the scope's trusts against trusts outside the
    programme; other cohorts' trusts are left out of the comparison (they joined too). The
    default design is participation_effect's (Callaway & Sant'Anna, percentage points, with
    ``n_bootstrap`` multiplier-bootstrap draws)."""
    from .staff_survey import participation_effect

    grouped = staff_survey_groups(ev)
    compared = grouped[grouped["group"] != OTHER_COHORTS].drop(columns="group")
    return participation_effect(
        compared,
        ev.members,
        series=series,
        design=design,
        confidence=confidence,
        missing="exclude",
        n_bootstrap=n_bootstrap,
    )


def measure_charts(
    ev: Evaluation, *, improvement_direction: str = "increase", target: float | None = None
) -> dict[tuple[str, str], pd.DataFrame]:
    """A p-chart (:func:`aeeval.p_chart`) for each team's measure in scope: (team, measure) → chart."""
    from .measures import select_measure
    from .spc import p_chart

    if ev.measures is None or ev.measures.empty:
        return {}
    charts = {}
    for (team, measure), _ in ev.measures.groupby(["team", "measure"], sort=True):
        series = select_measure(ev.measures, team, measure)
        charts[(team, measure)] = p_chart(
            series,
            "numerator",
            "denominator",
            "period",
            improvement_direction=improvement_direction,
            target=target,
        )
    return charts


def measure_summary(charts: dict, *, min_base: int | None = DEFAULT_MIN_BASE) -> pd.DataFrame:
    """:func:`aeeval.spc_summary` of each chart, with ``team`` and ``measure`` first; a measure
    whose latest month has fewer than ``min_base`` patients is suppressed."""
    from .spc import spc_summary, summary_disclosure

    parts = [
        spc_summary(chart, min_base=min_base).assign(team=team, measure=measure)
        for (team, measure), chart in charts.items()
    ]
    if not parts:
        return pd.DataFrame(
            columns=[
                "team",
                "measure",
                "n_points",
                "date",
                "value",
                "mean",
                "variation",
                "assurance",
            ]
        )
    out = pd.concat(parts, ignore_index=True)
    first = ["team", "measure"]
    out = out[first + [c for c in out.columns if c not in first]]
    out.attrs["percent_columns"] = ["value", "mean", "lpl", "upl", "target"]
    out.attrs["value_labels"] = parts[0].attrs["value_labels"]  # concat keeps no attrs
    out.attrs["labels"] = {
        "date": "Latest month",
        "value": "Latest",
        "mean": "Mean",
        "n_points": "Months",
        "lpl": "Lower limit",
        "upl": "Upper limit",
        "target": "Target",
        "denominator": "Patients",
    }
    return summary_disclosure(out, min_base=min_base)


def _pct(x) -> str:
    return f"{100 * x:.0f}%"


def _p(p: float, floor: float = 0.0) -> str:
    """``p`` after "p " in a sentence; a bootstrap p-value at its floor 1/(B + 1) is an upper
    bound."""
    if floor and p <= floor * (1 + 1e-9):
        return f"≤ {floor:.3g}"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


def _count(n: int, singular: str, plural: str | None = None) -> str:
    """``3, "coder"`` → "three coders": small counts in words, as a sentence says them."""
    word = _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)
    return f"{word} {singular if n == 1 else (plural or singular + 's')}"


def _listing(items) -> str:
    """ "a", "b", "c" → "a, b and c"."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _survey_tool(ev: Evaluation) -> str:
    """The survey tool whose export was read (set by the export readers), or aeeval's format."""
    for table in (ev.responses, ev.programme):
        if table is not None and table.attrs.get("survey_tool"):
            return str(table.attrs["survey_tool"])
    return "aeeval's survey responses format"


def _questions_read(ev: Evaluation, codebook=None) -> tuple:
    """The codebook's questions that the survey answers hold (a column with an answer in it)."""
    from .coding import DEFAULT_CODEBOOK, load_codebook

    table = ev.programme if ev.programme is not None else ev.responses
    book = load_codebook(codebook or table.attrs.get("codebook") or DEFAULT_CODEBOOK)
    multi = table.attrs.get("multi", {})
    out = []
    for q in book.questions.values():
        columns = multi.get(q.id) or [q.column]
        present = [c for c in columns if c in table.columns]
        if present and table[present].notna().any().any():
            out.append(q)
    return out, book


def _coders(segments) -> int:
    return 0 if segments is None else int(segments["coder"].nunique())


def _segments_file(ev: Evaluation) -> str:
    path = ev.sources.get("interview_segments")
    if path is None:
        return ""
    path = Path(path)
    if path.suffix.lower() == ".qdpx":
        return f"the REFI-QDA project {path.name}"
    if path.suffix.lower() == ".qda" or path.name == "data.qda":
        return f"the QualCoder project {path.name}"
    return f"the coded segments table {path.name}"


def _agreement_absent(ev: Evaluation, res: Results) -> str | None:
    """Why the report has no agreement statistic between coders (``None`` when it has one)."""
    if res.agreement is not None:
        return None
    if ev.all_segments is None or ev.all_segments.empty:
        return "No agreement statistic was computed: no coded interviews were supplied."
    n = _coders(ev.all_segments)
    if n < 2:
        return (
            "No agreement statistic was computed: every interview was coded by "
            f"{_count(n, 'coder')} only, and agreement needs a second coder of the same "
            "interviews."
        )
    return "No agreement statistic was computed for the coders' coding."


def methods(
    ev: Evaluation,
    res: Results,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    codebook=None,
    staff_series: str = "q22c",
) -> list[str]:
    """The paragraphs of the report's Methods section (Markdown), each from what was read and run.

    Survey: the tool whose export was read, the questions it held (their wording in the
    codebook), how answers were coded, the interval and comparison computed. Interviews: the
    file, the number of coders, the themes in the coded data, the agreement statistic computed —
    or why none was. Staff Survey and measures: the series, model and chart actually used. A
    strand without data says so and why. The disclosure paragraph is :func:`disclosure_methods`.

    Examples
    --------
    >>> from aeeval.evaluation import analyse, load_evaluation, methods
    >>> ev = load_evaluation(cohort=2)
    >>> text = methods(ev, analyse(ev))
    >>> "coded by two coders" in text[1], "Challenges, Key learnings and What helps" in text[1]
    (True, True)
    """
    out = []
    level = f"{confidence:.0%}"
    if ev.sources.get("survey") is None:
        out.append(
            "**Survey.** No survey of participating organisations was supplied (no survey "
            "export in the data folder), so this report has no survey results."
        )
    else:
        questions, book = _questions_read(ev, codebook)
        file = Path(ev.sources["survey"]).name
        table = ev.programme if ev.programme is not None else ev.responses
        in_export = table.attrs.get("question_wording") or {}  # set by the export readers
        asked = "; ".join(f"“{in_export.get(q.id, q.wording)}”" for q in questions)
        where = (
            "worded as in the export"
            if any(q.id in in_export for q in questions)
            else f"worded as in the codebook {book.name}"
        )
        text = (
            f"**Survey.** The survey answers were read from {file} ({_survey_tool(ev)}), one "
            f"answer per organisation. The questions read, {where}: "
            f"{asked or 'none of the codebook questions'}. Every spelling of an answer was coded "
            f"onto one of the options of the codebook {book.name}."
        )
        if res.headlines is not None:
            headline_qs = [q for q in questions if q.outside_base]
            outside = sorted({o for q in headline_qs for o in q.outside_base})
            methods_used = sorted(set(res.headlines["method"].dropna()))
            text += (
                " Percentages are of organisations that answered the question; blank answers"
                + (f" and {_listing(f'“{o}”' for o in outside)}" if outside else "")
                + f" are outside the base. Intervals are {level} "
                + _listing(_INTERVALS.get(m, m) for m in methods_used)
                + " intervals."
            )
            if res.comparisons is not None:
                how = _listing(_INTERVALS.get(m, m) for m in sorted(set(res.comparisons["method"])))
                text += (
                    f" {ev.scope} is compared with the rest of the programme by the difference "
                    f"in percentage points with {how} interval, p-values adjusted by Holm's "
                    "method."
                )
            elif ev.cohort is not None:
                text += (
                    f" {ev.scope} is not compared with the rest of the programme: the survey "
                    "holds answers from one cohort only."
                )
        else:
            text += f" No organisation in {ev.scope} answered, so no figures are shown."
        out.append(text)

    if ev.sources.get("interview_segments") is None:
        out.append(
            "**Interviews.** No coded interviews were supplied (no interview segments table, "
            ".qdpx or QualCoder project in the data folder), so this report has no interview "
            "results and no agreement statistic."
        )
    else:
        seg = ev.all_segments
        n_coders = _coders(seg)
        themes = sorted(seg["theme"].dropna().astype(str).unique())
        rule = seg.attrs.get("theme_rule")
        text = (
            f"**Interviews.** The interviews were read from {_segments_file(ev)}, coded by "
            f"{_count(n_coders, 'coder')}, with {_count(len(themes), 'theme')} in the coded "
            f"data: {_listing(themes)}"
            + (f" ({rule})" if rule else "")
            + ". "
            + (
                "A code counts as raised in an interview when any coder applied it."
                if n_coders > 1
                else "A code counts as raised in an interview when the coder applied it."
            )
        )
        if res.agreement is not None:
            a = res.agreement.iloc[0]
            text += (
                f" Agreement between the {_count(int(a['n_coders']), 'coder')} is "
                f"Krippendorff's alpha ({a['method']}) over every code and interview of the "
                "programme: 0.800 or more is reliable, 0.667 to 0.800 supports tentative "
                "conclusions only."
            )
        else:
            text += " " + _agreement_absent(ev, res)
        if res.quotes is not None:
            text += (
                " Quotes are short and redacted (names from the register, e-mail addresses, "
                "telephone numbers, NHS numbers and postcodes removed)."
            )
        elif ev.segments is not None and ev.segments.empty:
            text += f" No interview was with an organisation in {ev.scope}."
        out.append(text)

    if ev.staff_survey is None:
        out.append(
            "**NHS Staff Survey.** No Staff Survey results were supplied, so this report has no "
            "Staff Survey trend or participation model."
        )
    else:
        text = f"**NHS Staff Survey.** Trust results for the item series {staff_series}"
        if res.trend is not None and not res.trend.empty:
            years = sorted(res.trend["year"].unique())
            text += f" ({years[0]}–{years[-1]})" if len(years) > 1 else f" ({years[0]})"
        text += (
            " are harmonised across survey years with the item map in data/schemas/; a changed "
            "question is a separate series and never joined."
        )
        if res.effect is not None and not res.effect.empty:
            text += (
                f" The trusts of {ev.scope} are compared with trusts outside the programme: "
                f"{res.effect['method'].iloc[0]}."
            )
        elif "effect" in res.notes:
            text += " " + res.notes["effect"]
        out.append(text)

    if ev.sources.get("measures") is None:
        out.append(
            "**Always Event measures.** No Always Event measures were supplied, so this report "
            "has no SPC charts."
        )
    elif res.measures is None:
        out.append(
            f"**Always Event measures.** No team in {ev.scope} tracks an Always Event measure "
            "in the measures file."
        )
    else:
        target = (
            "with assurance against the target given"
            if res.measures["assurance"].notna().any()
            else "with no target given, so no assurance icon"
        )
        out.append(
            "**Always Event measures.** Each team's monthly share of patients saying the event "
            "happened is read on a p-chart by the NHS *Making Data Count* rules, with its "
            f"variation icon, {target}."
        )
    return out


_INTERVALS = {
    "wilson": "Wilson score",
    "newcombe": "Newcombe's hybrid score",
    "clopper_pearson": "Clopper–Pearson exact",
    "agresti_coull": "Agresti–Coull",
    "jeffreys": "Jeffreys",
    "wald": "Wald",
}


def summary_points(ev: Evaluation, res: Results, *, top_codes: int = 3) -> list[str]:
    """Sentences for the executive summary, from the tables the report publishes.

    Only what the tables show is described: suppressed figures are never quoted.
    """
    from .qual import code_label
    from .reading import read_proportions

    rate, headlines, themes, trend, effect, measures = (
        res.rate,
        res.headlines,
        res.themes,
        res.trend,
        res.effect,
        res.measures,
    )
    points = []
    if rate is not None and not rate["suppressed"].iloc[0]:
        r = rate.iloc[0]
        points.append(
            f"{int(r['n'])} of {int(r['base'])} organisations in {ev.scope} answered the "
            f"survey ({_pct(r['estimate'])})."
        )
    if headlines is not None and not headlines.empty:
        points.append(read_proportions(headlines))
    if themes is not None and not themes.empty:
        codes = (
            themes[themes["level"] == "code"]
            .sort_values(["n_interviews", "code"], ascending=[False, True])
            .head(top_codes)
        )
        n = int(themes["interviews_base"].iloc[0])
        words = themes.attrs.get("value_labels", {}).get("code", {})
        listed = ", ".join(
            f"{words.get(c, code_label(c))} ({k} of {n} interviews)"
            for c, k in zip(codes["code"], codes["n_interviews"])
        )
        points.append(
            f"{n} interview(s) with organisations in {ev.scope}; the codes raised in most "
            f"interviews: {listed}."
        )
    if res.agreement is not None:
        a = res.agreement.iloc[0]
        points.append(
            f"Agreement between the {_count(int(a['n_coders']), 'coder')}: Krippendorff's alpha "
            f"{a['alpha']:.3f} over every code and interview of the programme "
            f"({a['interpretation']})."
        )
    elif ev.all_segments is not None and not ev.all_segments.empty:
        points.append(_agreement_absent(ev, res))
    if trend is not None and not trend.empty:
        year = int(trend["year"].max())
        latest = trend[(trend["year"] == year) & trend["estimate"].notna()]
        parts = [
            f"{g} {_pct(e)} ({_pct(lo)} to {_pct(hi)})"
            for g, e, lo, hi in zip(
                latest["group"], latest["estimate"], latest["ci_low"], latest["ci_high"]
            )
        ]
        if parts:
            points.append(
                f"Staff Survey, {year} ({trend['series'].iloc[0]}): " + "; ".join(parts) + "."
            )
    if "effect" in res.notes:
        points.append(res.notes["effect"])
    if effect is not None and not effect.empty:
        overall = effect[effect["term"] == "att"] if "term" in effect else effect
        e = overall.iloc[0]
        scale = (
            "percentage points"
            if "scale" not in effect or (e["scale"] == "percentage_points")
            else "log-odds"
        )
        points.append(
            f"After joining, the trusts of {ev.scope} moved by {e['estimate']:+.2f} "
            f"{scale} relative to trusts outside the programme ("
            f"{round(100 * effect.attrs.get('confidence', 0.95))}% CI {e['ci_low']:+.2f} to "
            f"{e['ci_high']:+.2f}, p {_p(e['p_value'], effect.attrs.get('p_value_floor', 0.0))}); joining was voluntary, so this "
            "is an association, not proof of an effect."
        )
    if measures is not None and not measures.empty:
        counts = measures["variation"].value_counts()
        said = ", ".join(f"{k} {v.replace('_', ' ')}" for v, k in counts.items())
        text = f"{len(measures)} Always Event measure(s) tracked by teams in {ev.scope}; latest month: {said}"
        if "assurance" in measures and measures["assurance"].notna().any():
            a = measures["assurance"].dropna().value_counts()
            text += "; against target: " + ", ".join(
                f"{k} {v.replace('_', ' ')}" for v, k in a.items()
            )
        points.append(text + ".")
    return points


def limitations(
    ev: Evaluation,
    res: Results,
    *,
    min_base: int | None = DEFAULT_MIN_BASE,
    staff_series: str = "q22c",
) -> list[str]:
    """The limits a reader should know, from the data this report holds."""
    from .staff_survey import VOLUNTARY_CAVEAT

    rate = res.rate
    out = []
    if ev.synthetic:
        out.append(
            "These are the bundled synthetic example data, not real NHS results: the report "
            "shows what the evaluation produces, not what the programme achieved."
        )
    if ev.responses is not None:
        text = (
            "The survey has one answer per organisation, about its own Always Event; answers "
            "are self-reported and may be more favourable than an independent assessment."
        )
        if rate is not None and not rate["suppressed"].iloc[0]:
            r = rate.iloc[0]
            text += (
                f" {int(r['base']) - int(r['n'])} of {int(r['base'])} organisations in scope did "
                "not answer and may differ from those that did."
            )
        out.append(text)
    if min_base is not None:
        out.append(
            f"Figures based on fewer than {min_base} answers are suppressed, with the next "
            "smallest where needed so that none can be worked out by subtraction; small "
            "groups are therefore not reported on their own."
        )
    if ev.segments is not None:
        n = ev.segments["interview"].nunique()
        out.append(
            f"{n} interview(s) fall in {ev.scope}: theme counts describe what was raised in "
            "them, not how common a view is across all organisations."
        )
        if _coders(ev.all_segments) == 1:
            out.append(
                "The interviews were coded by one coder only: no second coder checked the "
                "coding, so how reliably the codes were applied is not known."
            )
        attrs = ev.all_segments.attrs if ev.all_segments is not None else {}
        if attrs.get("theme_rule"):  # read from a QDA tool's file: how codes became themes
            out.append(f"Themes: {attrs['theme_rule']}.")
        if attrs.get("positions") is False:
            out.append(
                "The coded interviews came without text positions (a coded-text export): "
                "codes are counted per interview, and co-occurrence is by interview only."
            )
    if ev.staff_survey is not None:
        text = VOLUNTARY_CAVEAT
        other = sorted(set(ev.staff_survey["series"].dropna()) - {staff_series})
        if other:
            text += (
                f" The Staff Survey file also holds the series {_listing(other)}: "
                f"different questions, never joined to {staff_series}."
            )
        out.append(text)
    if ev.unlinked_teams and ev.cohort is not None:
        out.append(
            f"{len(ev.unlinked_teams)} team(s) in the measures file have no org_code, so "
            f"they belong to no cohort and are not shown: {', '.join(ev.unlinked_teams)}."
        )
    if ev.measures is not None and not ev.measures.empty:
        out.append(
            "SPC charts show whether a measure changed beyond its usual variation; they do "
            "not say why it changed."
        )
    missing = [SOURCES[k] for k, p in ev.sources.items() if p is None]
    if missing:
        out.append("Not supplied for this report, so not covered: " + "; ".join(missing) + ".")
    return out


def disclosure_methods(
    *, min_base: int | None = DEFAULT_MIN_BASE, ev: Evaluation | None = None
) -> str:
    """The methods paragraph on disclosure control (Markdown), with the rules the report follows.

    Counts about people follow ``min_base``; counts of interviews follow the qualitative rule
    (:data:`aeeval.disclosure.QUALITATIVE_RULE`), which uses the same threshold. With ``ev``, only
    the strands its data folder holds are named (the qualitative rule only with interviews).

    Examples
    --------
    >>> from aeeval.evaluation import disclosure_methods
    >>> disclosure_methods(min_base=10)[:77]
    '**Disclosure control.** Survey figures, Staff Survey results and Always Event'
    """
    threshold = DEFAULT_MIN_BASE if min_base is None else min_base
    people = {
        "survey": "Survey figures",
        "staff_survey": "Staff Survey results",
        "measures": "Always Event measures",
    }
    if ev is not None:
        people = {k: v for k, v in people.items() if ev.sources.get(k) is not None}
    interviews = ev is None or ev.sources.get("interview_segments") is not None
    text = "**Disclosure control.** "
    if people:
        text += (
            _listing(people.values())
            + f" count people: a result with a base below {threshold} is suppressed, and so "
            "is the next-smallest group where a suppressed figure could otherwise be worked out "
            "from a total (a report whose other tables would still give one away is not built). "
            "A suppressed row shows its base and nothing "
            "computed from it: no count, percentage, interval or difference. "
        )
    if interviews:
        text += QUALITATIVE_RULE.format(min_base=threshold) + " "
    return text + (
        "Before publication every table, the text of this report and the words in its "
        "figures are checked again for small numbers and identifiers; a report that would "
        "disclose is not built."
    )


def bullets(lines) -> str:
    """Markdown bullet list of sentences (for ``IPython.display.Markdown``)."""
    return "\n".join(f"- {line}" for line in lines)
