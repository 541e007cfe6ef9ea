"""Plain-English readings of tidy result tables, for the note under each published table.

These functions only describe numbers already in a table (and respect its suppression); they
compute nothing new, so notebooks can print a reading without holding any logic.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["read_proportions", "read_comparisons", "read_tests"]


def _pct(x) -> str:
    return f"{100 * x:.0f}%"


def _ci(row, confidence) -> str:
    return f"{round(100 * confidence)}% CI {_pct(row.ci_low)} to {_pct(row.ci_high)}"


def _label(row, by) -> str:
    return ", ".join(f"{b.replace('_', ' ')} {getattr(row, b)}" for b in by)


def read_proportions(
    table: pd.DataFrame, *, by=None, subject: str = "organisations", label: str = "figure"
) -> str:
    """One sentence per figure of a :func:`aeeval.proportions` (or headline) table.

    Without ``by``: the estimate, interval and counts of each row. With ``by``: the highest and
    lowest shown group of each figure, and whether their intervals overlap; suppressed groups
    are counted, never described.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"wording": ["Said yes"], "n": [44], "base": [75], "estimate": [44 / 75],
    ...                   "ci_low": [0.4737], "ci_high": [0.6912], "suppressed": [False]})
    >>> read_proportions(t)
    'Said yes: 59% of 75 organisations (44; 95% CI 47% to 69%).'
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    confidence = table.attrs.get("confidence", 0.95)
    if "wording" not in table.columns:
        table = table.assign(wording="Positive answers")
    key = "figure" if "figure" in table.columns else "wording"
    sentences = []
    for _, part in table.groupby(key, sort=False):
        wording = part["wording"].iloc[0]
        shown = part[~part["suppressed"].astype(bool) & part["estimate"].notna()]
        hidden = int(part["suppressed"].astype(bool).sum())
        if not by:
            for row in shown.itertuples():
                sentences.append(
                    f"{wording}: {_pct(row.estimate)} of {row.base} {subject} "
                    f"({int(row.n)}; {_ci(row, confidence)})."
                )
            if hidden:
                sentences.append(f"{wording}: too few answers to publish (suppressed).")
            continue
        if shown.empty:
            sentences.append(f"{wording}: every group has too few answers to publish.")
            continue
        hi = shown.loc[shown["estimate"].idxmax()]
        lo = shown.loc[shown["estimate"].idxmin()]
        if len(shown) == 1:  # one group shown: nothing is highest or lowest
            text = f"{wording}: {_label(hi, by)} {_pct(hi.estimate)} ({_ci(hi, confidence)})"
        else:
            text = (
                f"{wording}: highest in {_label(hi, by)} ({_pct(hi.estimate)}, "
                f"{_ci(hi, confidence)}), lowest in {_label(lo, by)} ({_pct(lo.estimate)}, "
                f"{_ci(lo, confidence)})"
            )
        if len(shown) > 1:
            overlap = hi.ci_low <= lo.ci_high
            text += (
                "; their intervals overlap (the tests below say whether groups differ)"
                if overlap
                else "; their intervals do not overlap"
            )
        text += "."
        if hidden:
            text += f" {hidden} group(s) suppressed (too few answers)."
        sentences.append(text)
    return " ".join(sentences)


def read_comparisons(
    table: pd.DataFrame, *, by: str = "cohort", adjusted: str = "p_holm", threshold: float = 0.05
) -> str:
    """Sentences for a group-versus-rest comparison table (:func:`aeeval.headline_comparisons`).

    Names the comparisons whose adjusted p-value is below ``threshold`` and says how many were
    made; differences are in percentage points with their interval.

    Examples
    --------
    >>> import aeeval as ae
    >>> responses = ae.load_survey(None)  # the bundled synthetic example
    >>> print(read_comparisons(ae.headline_comparisons(responses, by="cohort")))  # doctest: +ELLIPSIS
    12 comparison(s) of a cohort with the rest of the programme (Holm-adjusted across the table). None differs after adjustment (adjusted p ≥ 0.05); ...
    """
    confidence = table.attrs.get("confidence", 0.95)
    shown = table[~table["suppressed"].astype(bool)] if "suppressed" in table else table
    if shown.empty:
        return "No comparison can be published (too few answers)."
    name = adjusted.removeprefix("p_").replace("_", "–").title()
    hits = shown[shown[adjusted] < threshold]
    what = "figure" if "figure" in shown.columns else None
    parts = [
        f"{len(shown)} comparison(s) of a {by} with the rest of the programme"
        f" ({name}-adjusted across the table)."
    ]
    if hits.empty:
        best = shown.loc[shown["p_value"].idxmin()]
        parts.append(
            f"None differs after adjustment (adjusted p ≥ {threshold:g}); the largest "
            f"unadjusted signal is {by} {getattr(best, by)}"
            + (f" on {best.figure.replace('_', ' ')}" if what else "")
            + f": {100 * best.difference:+.0f} points ({round(100 * confidence)}% CI "
            f"{100 * best.ci_low:+.0f} to {100 * best.ci_high:+.0f}), p = {best.p_value:.3f}."
        )
    else:
        for row in hits.itertuples():
            parts.append(
                f"{by.capitalize()} {getattr(row, by)}"
                + (f" on {row.figure.replace('_', ' ')}" if what else "")
                + f" differs by {100 * row.difference:+.0f} points "
                f"({round(100 * confidence)}% CI {100 * row.ci_low:+.0f} to "
                f"{100 * row.ci_high:+.0f}; adjusted p = {getattr(row, adjusted):.3f})."
            )
    hidden = len(table) - len(shown)
    if hidden:
        parts.append(f"{hidden} comparison(s) suppressed (too few answers).")
    return " ".join(parts)


def read_tests(table: pd.DataFrame, *, adjusted: str = "p_holm", threshold: float = 0.05) -> str:
    """Sentences for a table of tests across groups (:func:`aeeval.headline_tests`).

    Examples
    --------
    >>> import aeeval as ae
    >>> responses = ae.load_survey(None)  # the bundled synthetic example
    >>> print(read_tests(ae.headline_tests(responses, by="cohort")))  # doctest: +ELLIPSIS
    Improved definitely: no clear evidence that it differs across groups (chi2, p = 0.027, adjusted p = 0.107). ...
    """
    if table.empty:
        return "Fewer than two groups have answers, so there is nothing to compare."
    parts = []
    for row in table.itertuples():
        p_adj = getattr(row, adjusted)
        what = (
            "differs across groups"
            if row.test == "across groups"
            else "trends across the ordered groups"
        )
        verdict = (
            "evidence that it"
            if (not math.isnan(p_adj) and p_adj < threshold)
            else "no clear evidence that it"
        )
        parts.append(
            f"{row.figure.replace('_', ' ').capitalize()}: {verdict} {what} "
            f"({row.method.replace('_', ' ')}, p = {row.p_value:.3f}, adjusted p = {p_adj:.3f})."
        )
    return " ".join(parts)
