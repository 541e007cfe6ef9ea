"""Measures over time: IHI run charts and "Making Data Count" SPC charts (XmR, p and Laney p′).

Computation only — :mod:`aeeval.plots.spc` draws the results. Every chart function takes a long
table (``data=`` plus column names), optionally several series at once (``by=``), and returns one
row per point with the same column names across charts, so that plots and summaries work on any
of them.

Conventions (see ``docs/spc-deviations-from-nhsrplotthedots.md`` for where they differ from the R
package NHSRplotthedots):

* **XmR** (Making Data Count): limits are ``mean ± 2.66 × mean moving range``; the "2 of 3" lines
  are ``mean ± (2/3) × 2.66 × mean moving range`` (2σ, with σ = mean moving range / 1.128). Special
  cause: a point outside the limits; 7 points in a row increasing or decreasing (an equal value
  breaks the run); 2 of 3 consecutive points beyond the same 2σ line (the third point anywhere; a
  point beyond a limit is also beyond 2σ; one high and one low point do not count); 7 points in a
  row on one side of the mean (a point exactly on the mean breaks the run). A special-cause point
  is high or low by its side of the mean, except a point in a trend (and not outside the limits),
  which takes the trend's direction, so one trend gets one colour.
* **IHI run chart**: centre line the median; *useful* observations are those not on the median;
  shift = 6 or more consecutive useful points on one side (points on the median neither count nor
  break the run); trend = 5 or more points all going up or all going down (repeated equal values
  neither add to nor break a trend); too few / too many runs from the exact Swed–Eisenhart
  distribution of the number of runs; astronomical points (opt-in): beyond Tukey's far-out fences.
* Rules are applied within each rebase segment. A rule that needs more points than a segment has
  gives ``<NA>`` ("not enough data"), never a signal.
"""

from __future__ import annotations

import warnings
from math import comb
from numbers import Real

import numpy as np
import pandas as pd

from .errors import AeevalWarning
from .options import DEFAULT_CONFIDENCE, DEFAULT_MIN_BASE, check_choice, check_confidence

__all__ = [
    "ASSURANCE_WORDS",
    "IMPROVEMENT_DIRECTIONS",
    "P_CHART_METHODS",
    "VARIATION_WORDS",
    "TrialLimitsWarning",
    "hide_small_points",
    "p_chart",
    "summary_disclosure",
    "run_chart",
    "runs_distribution",
    "runs_limits",
    "spc_summary",
    "xmr",
]

IMPROVEMENT_DIRECTIONS = ("increase", "decrease", "neutral")
P_CHART_METHODS = ("p", "laney")

#: Making Data Count constants.
XMR_LIMIT = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
MR_SCREEN = 3.267  # D4 for n = 2: moving ranges above 3.267 × mean MR are screened out
D2 = 1.128
TRIAL_LIMIT_POINTS = 12
XMR_RUN = 7  # points needed for the trend and shift rules
IHI_SHIFT = 6
IHI_TREND = 5
IHI_MIN_USEFUL_FOR_RUNS = 10  # the Perla, Provost & Murray (2011) table starts at 10
NOT_ENOUGH_DATA = "not_enough_data"

#: The words charts and tables show for each point type / variation icon and assurance icon.
VARIATION_WORDS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Neutral high",
    "special_cause_neutral_low": "Neutral low",
    NOT_ENOUGH_DATA: "Not enough data",
}
ASSURANCE_WORDS = {
    "consistent_pass": "Passes target",
    "consistent_fail": "Fails target",
    "inconsistent": "Hit and miss",
}


class TrialLimitsWarning(AeevalWarning):
    """Limits were computed from fewer than 12 points: treat them as trial limits."""


# ------------------------------------------------------------------------------ input checks


def _where(data: pd.DataFrame, label) -> str:
    """Describe a row as the user sees it: file and spreadsheet row when read by read_table."""
    source, rows = data.attrs.get("source"), data.attrs.get("rows")
    if source and rows and isinstance(label, (int, np.integer)) and 0 <= label < len(rows):
        return f"{source}, row {rows[label]}"
    return f"row with index {label!r}"


def _fail(problems: list[str], what: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ValueError(f"{what}: {len(problems)} problem(s):\n  {shown}{more}")


def _as_by(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_options(
    improvement_direction: str, target, fix_after_n_points, *, proportion: bool = False
) -> float | None:
    """The one place chart options are validated."""
    check_choice("improvement_direction", improvement_direction, IMPROVEMENT_DIRECTIONS)
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool)
        or not isinstance(fix_after_n_points, (int, np.integer))
        or fix_after_n_points < 2
    ):
        raise ValueError(
            "fix_after_n_points must be a whole number of at least 2 (limits need one "
            f"moving range), or None; got {fix_after_n_points!r}"
        )
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, Real) or not np.isfinite(target):
        raise ValueError(f"target must be a number or None; got {target!r}")
    if proportion and not 0 <= target <= 1:
        raise ValueError(
            f"target is a proportion here and must be between 0 and 1 "
            f"(e.g. 0.8 for 80%); got {target!r}"
        )
    return float(target)


def _prepare(data, date: str, numeric: list[str], by: list[str], what: str) -> pd.DataFrame:
    """Validate columns, dates and values; return a typed copy (the input is never modified)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what}: data must be a pandas DataFrame; got {type(data).__name__}")
    missing = [c for c in [*by, date, *numeric] if c not in data.columns]
    if missing:
        raise KeyError(
            f"{what}: column(s) {', '.join(map(repr, missing))} not in the data "
            f"(columns: {', '.join(map(str, data.columns))})"
        )
    if data.empty:
        raise ValueError(f"{what}: the data has no rows")
    problems: list[str] = []
    out = data[[*by, date]].copy()
    raw_dates = data[date]
    dates = (
        pd.to_datetime(raw_dates, errors="coerce", format="mixed")
        if not pd.api.types.is_datetime64_any_dtype(raw_dates)
        else raw_dates
    )
    for label in data.index[dates.isna().to_numpy()]:
        value = data.at[label, date]
        rule = "missing date" if pd.isna(value) else "not a date"
        problems.append(f"{_where(data, label)}, column '{date}', value '{value}': {rule}")
    out[date] = dates
    for col in numeric:
        raw = data[col]
        if pd.api.types.is_bool_dtype(raw):
            values = pd.Series(np.nan, index=raw.index)
        else:
            values = pd.to_numeric(raw, errors="coerce").astype("float64")
        for label in data.index[~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))]:
            value = data.at[label, col]
            rule = "missing value" if pd.isna(value) else "not a number"
            problems.append(f"{_where(data, label)}, column '{col}', value '{value}': {rule}")
        out[col] = values
    _fail(problems, what)
    groups = out.groupby(by, sort=False, dropna=False) if by else [((), out)]
    for key, frame in groups:
        series = (
            f" (series {dict(zip(by, key if isinstance(key, tuple) else (key,)))})" if by else ""
        )
        d = frame[date]
        dup = d.duplicated(keep=False)
        for label in frame.index[dup.to_numpy()]:
            problems.append(
                f"{_where(data, label)}, column '{date}', value "
                f"'{d[label].date()}': duplicate date{series}; one row per period"
            )
        if not dup.any():
            earlier = d.diff() <= pd.Timedelta(0)
            for pos in np.flatnonzero(earlier.to_numpy()):
                label, prev = frame.index[pos], frame.index[pos - 1]
                problems.append(
                    f"{_where(data, label)}, column '{date}', value '{d[label].date()}': "
                    f"dates must be in increasing order{series}, but this row comes "
                    f"after {d[prev].date()}; sort the data by date first"
                )
    _fail(problems, what)
    return out


def _segments(dates: pd.Series, rebase, series: str) -> np.ndarray:
    """Rebase group (1, 2, …) of each point; limits are recomputed at each rebase date."""
    group = np.ones(len(dates), dtype=int)
    if rebase is None:
        return group
    items = list(rebase) if pd.api.types.is_list_like(rebase) else [rebase]
    first, last = dates.iloc[0], dates.iloc[-1]
    starts = set()
    for item in items:
        when = pd.to_datetime(item, errors="coerce")
        if pd.isna(when):
            raise ValueError(f"rebase date {item!r} is not a date (use YYYY-MM-DD)")
        if when < first or when > last:
            raise ValueError(
                f"rebase date {when.date()} is outside the series{series}, which runs "
                f"from {first.date()} to {last.date()}"
            )
        starts.add(int(np.searchsorted(dates.to_numpy(), when.to_datetime64(), side="left")))
    for start in sorted(starts):
        group[start:] += 1 if start > 0 else 0
    # renumber 1..k in case a rebase fell on the first date
    _, group = np.unique(group, return_inverse=True)
    return group + 1


# ------------------------------------------------------------------------------ rule helpers


def _runs_of_equal(keys: np.ndarray, min_len: int) -> np.ndarray:
    """True for elements in a run of at least ``min_len`` equal, non-zero keys."""
    flag = np.zeros(len(keys), dtype=bool)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if keys[start] != 0 and i - start >= min_len:
                flag[start:i] = True
            start = i
    return flag


def _monotone_runs(y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """(flag, direction) for points in a run of ``points`` strictly rising or falling values."""
    flag = np.zeros(len(y), dtype=bool)
    direction = np.zeros(len(y), dtype=int)
    if len(y) < 2:
        return flag, direction
    d = np.sign(np.diff(y)).astype(int)
    start = 0
    for i in range(1, len(d) + 1):
        if i == len(d) or d[i] != d[start]:
            if d[start] != 0 and i - start >= points - 1:
                flag[start : i + 1] = True
                direction[start : i + 1] = d[start]
            start = i
    return flag, direction


def _two_in_three(y: np.ndarray, low2: np.ndarray, high2: np.ndarray) -> np.ndarray:
    """Points beyond the same 2σ line as at least one other point of 3 consecutive points."""
    flag = np.zeros(len(y), dtype=bool)
    with np.errstate(invalid="ignore"):
        above, below = y > high2, y < low2
    for k in range(len(y) - 2):
        for beyond in (above, below):
            window = beyond[k : k + 3]
            if window.sum() >= 2:
                flag[k : k + 3] |= window
    return flag


def _nullable(values: np.ndarray, enough: np.ndarray) -> pd.array:
    return pd.array(np.where(enough, values, None), dtype="boolean")


def _apply_rules(y, mean, lpl, upl, low2, high2, segment, direction: str) -> dict:
    """Making Data Count rules, segment by segment; ``<NA>`` where a rule lacks data."""
    n = len(y)
    outside = np.zeros(n, bool)
    two = np.zeros(n, bool)
    trend = np.zeros(n, bool)
    trend_dir = np.zeros(n, int)
    shift = np.zeros(n, bool)
    enough = {k: np.zeros(n, bool) for k in ("outside", "two", "trend", "shift")}
    for g in np.unique(segment):
        idx = np.flatnonzero(segment == g)
        ys, m = y[idx], mean[idx]
        has_limits = np.isfinite(lpl[idx]).all() and np.isfinite(upl[idx]).all()
        if has_limits:
            enough["outside"][idx] = True
            with np.errstate(invalid="ignore"):
                outside[idx] = (ys > upl[idx]) | (ys < lpl[idx])
            if len(idx) >= 3:
                enough["two"][idx] = True
                two[idx] = _two_in_three(ys, low2[idx], high2[idx])
        if len(idx) >= XMR_RUN:
            enough["trend"][idx] = True
            trend[idx], trend_dir[idx] = _monotone_runs(ys, XMR_RUN)
            if np.isfinite(m).all():
                enough["shift"][idx] = True
                shift[idx] = _runs_of_equal(np.sign(ys - m).astype(int), XMR_RUN)
    special = outside | two | shift | trend
    # Which way a special cause points, in NHSRplotthedots' order of precedence
    # (ptd_special_cause_type, >= 0.2.2): outside the limits by its side of the mean, then a
    # trend by the trend's direction, then 2-of-3 and shift by their side of the mean.
    side = np.sign(y - mean)
    sign = np.where(outside, side, np.where(trend, trend_dir, side))
    point_type = np.full(n, "common_cause", dtype=object)
    if direction == "neutral":
        point_type[special & (sign > 0)] = "special_cause_neutral_high"
        point_type[special & (sign < 0)] = "special_cause_neutral_low"
    else:
        good = 1 if direction == "increase" else -1
        point_type[special & (sign == good)] = "special_cause_improvement"
        point_type[special & (sign == -good)] = "special_cause_concern"
    point_type[~enough["outside"]] = NOT_ENOUGH_DATA
    return {
        "outside_limits": _nullable(outside, enough["outside"]),
        "two_in_three": _nullable(two, enough["two"]),
        "trend": _nullable(trend, enough["trend"]),
        "shift": _nullable(shift, enough["shift"]),
        "special_cause": _nullable(special, enough["outside"]),
        "point_type": point_type,
    }


def _warn_trial(table: pd.DataFrame, by: list[str], date: str, chart: str) -> None:
    short = table[table["trial_limits"]]
    if short.empty:
        return
    parts = []
    for _, seg in short.groupby([*by, "rebase_group"], sort=False):
        who = ", ".join(f"{c}={seg[c].iloc[0]}" for c in by)
        parts.append(
            f"{who + ': ' if who else ''}limits from {seg['limit_points'].iloc[0]} point(s) "
            f"starting {seg[date].iloc[0].date()}"
        )
    warnings.warn(
        f"{chart}: trial limits — fewer than {TRIAL_LIMIT_POINTS} points were used to "
        f"compute the limits ({'; '.join(parts)}). Treat signals as provisional and "
        "recompute the limits when more data arrive.",
        TrialLimitsWarning,
        stacklevel=3,
    )


def _base_mask(segment: np.ndarray, fix_after_n_points) -> np.ndarray:
    """True for the points each segment's limits are computed from."""
    base = np.ones(len(segment), dtype=bool)
    if fix_after_n_points is not None:
        for g in np.unique(segment):
            idx = np.flatnonzero(segment == g)
            base[idx[fix_after_n_points:]] = False
    return base


# ------------------------------------------------------------------------------ XmR


def _xmr_one(y: np.ndarray, segment: np.ndarray, fix_after_n_points, screen_outliers: bool) -> dict:
    n = len(y)
    mean = np.full(n, np.nan)
    amr = np.full(n, np.nan)
    mr = np.full(n, np.nan)
    excluded = np.zeros(n, dtype=bool)
    points = np.zeros(n, dtype=int)
    base = _base_mask(segment, fix_after_n_points)
    for g in np.unique(segment):
        idx = np.flatnonzero(segment == g)
        ys = y[idx]
        mr[idx[1:]] = np.abs(np.diff(ys))
        b = base[idx]
        points[idx] = b.sum()
        mean[idx] = ys[b].mean()
        base_mr = mr[idx][b][1:]  # the first point of a segment has no moving range
        if len(base_mr) == 0:
            continue
        average = base_mr.mean()
        if screen_outliers:
            keep = base_mr <= MR_SCREEN * average
            excluded[idx[b][1:][~keep]] = True
            average = base_mr[keep].mean()
        amr[idx] = average
    return {"mean": mean, "amr": amr, "moving_range": mr, "excluded": excluded, "points": points}


def xmr(
    data: pd.DataFrame,
    value: str,
    date: str,
    *,
    improvement_direction: str = "increase",
    target: float | None = None,
    rebase=None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    by=None,
) -> pd.DataFrame:
    """XmR (individuals) chart with the NHS "Making Data Count" special-cause rules.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per period (per series when ``by`` is given), sorted by date.
    value, date : str
        Columns holding the measure and the period.
    improvement_direction : {"increase", "decrease", "neutral"}
        Which way is better. Decides whether a special cause is an improvement or a concern;
        ``"neutral"`` labels special causes ``special_cause_neutral_high`` / ``_low``.
    target : float, optional
        A target value, used for the assurance icon (see :func:`spc_summary`).
    rebase : list of dates, optional
        Dates from which the limits are recomputed (a new segment starts at the first period on
        or after each date). A date outside the series is an error.
    fix_after_n_points : int, optional
        Compute each segment's mean and limits from its first ``n`` points only.
    screen_outliers : bool, default True
        Leave moving ranges above 3.267 × the mean moving range out of the limits, then recompute
        the mean moving range.
    by : str or list of str, optional
        Columns identifying separate series (e.g. ``["team", "measure"]``).

    Returns
    -------
    pandas.DataFrame
        One row per point: the ``by`` columns, ``date``, ``value``, ``mean``, ``lpl``, ``upl``,
        ``lower_two_sigma``, ``upper_two_sigma``, ``moving_range``, ``moving_range_excluded``,
        ``rebase_group``, ``limit_points``, ``trial_limits``, ``outside_limits``,
        ``two_in_three``, ``trend``, ``shift``, ``special_cause``, ``point_type``, ``target``.
        Rule columns are ``<NA>`` where a segment has too few points for the rule; ``point_type``
        is ``"not_enough_data"`` where no limits can be computed (a one-point segment).
        A :class:`TrialLimitsWarning` is issued when limits rest on fewer than 12 points.

    References
    ----------
    NHS England / NHS Improvement (2019) *Making Data Count: getting started*.
    Wheeler DJ (2012) *Making sense of data*. SPC Press (XmR constants 2.66 and 3.267).
    NHS-R Community, NHSRplotthedots (R package), ``ptd_spc()``.

    Examples
    --------
    >>> import pandas as pd
    >>> import aeeval as ae
    >>> df = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=12, freq="MS"),
    ...                    "pct": [5, 6, 5, 7, 6, 5, 6, 7, 6, 5, 6, 12]})
    >>> chart = ae.xmr(df, "pct", "month")
    >>> chart["point_type"].iloc[-1]
    'special_cause_improvement'
    """
    by = _as_by(by)
    target = _check_options(improvement_direction, target, fix_after_n_points)
    prepared = _prepare(data, date, [value], by, "xmr")
    pieces = []
    groups = prepared.groupby(by, sort=False, dropna=False) if by else [((), prepared)]
    for key, frame in groups:
        series = f" ({', '.join(f'{c}={k}' for c, k in zip(by, key))})" if by else ""
        y = frame[value].to_numpy(dtype=float)
        segment = _segments(frame[date].reset_index(drop=True), rebase, series)
        calc = _xmr_one(y, segment, fix_after_n_points, screen_outliers)
        mean, amr = calc["mean"], calc["amr"]
        out = frame[[*by, date]].copy()
        out["value"] = y
        out["mean"] = mean
        out["lpl"] = mean - XMR_LIMIT * amr
        out["upl"] = mean + XMR_LIMIT * amr
        out["lower_two_sigma"] = mean - 2 / 3 * XMR_LIMIT * amr
        out["upper_two_sigma"] = mean + 2 / 3 * XMR_LIMIT * amr
        out["moving_range"] = calc["moving_range"]
        out["moving_range_excluded"] = calc["excluded"]
        out["rebase_group"] = segment
        out["limit_points"] = calc["points"]
        out["trial_limits"] = calc["points"] < TRIAL_LIMIT_POINTS
        rules = _apply_rules(
            y,
            mean,
            out["lpl"].to_numpy(),
            out["upl"].to_numpy(),
            out["lower_two_sigma"].to_numpy(),
            out["upper_two_sigma"].to_numpy(),
            segment,
            improvement_direction,
        )
        for k, v in rules.items():
            out[k] = v
        out["target"] = np.nan if target is None else target
        pieces.append(out)
    table = pd.concat(pieces).reset_index(drop=True)
    table.attrs.update(
        chart="xmr",
        improvement_direction=improvement_direction,
        by=by,
        date=date,
        value=value,
        target=target,
    )
    _warn_trial(table, by, date, "xmr")
    return table


# ------------------------------------------------------------------------------ p and p′ charts


def p_chart(
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    date: str,
    *,
    method: str = "p",
    improvement_direction: str = "increase",
    target: float | None = None,
    rebase=None,
    fix_after_n_points: int | None = None,
    by=None,
) -> pd.DataFrame:
    """p-chart for a proportion with varying denominators, or Laney's p′ chart.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per period (per series with ``by``), sorted by date.
    numerator, denominator, date : str
        Columns: events (e.g. patients saying "always"), those asked, and the period.
    method : {"p", "laney"}
        ``"p"``: limits ``p̄ ± 3 √(p̄(1 − p̄)/nᵢ)``. ``"laney"``: Laney's p′ chart for large
        denominators, where between-period variation makes p-chart limits far too narrow:
        ``zᵢ = (pᵢ − p̄)/σ_pᵢ``, ``σ_z = mean |zᵢ − zᵢ₋₁| / 1.128``, limits
        ``p̄ ± 3 σ_pᵢ σ_z``.
    improvement_direction, target, rebase, fix_after_n_points, by
        As in :func:`xmr`; ``target`` is a proportion (0 to 1). ``p̄`` is the pooled proportion
        (Σ numerator / Σ denominator) of each segment's limit points.

    Returns
    -------
    pandas.DataFrame
        As :func:`xmr` (``value`` is the proportion), plus ``numerator``, ``denominator``,
        ``sigma`` (σ of each point, times σ_z for Laney), ``sigma_z`` (1 for the p-chart) and
        ``method``. Limits are clipped to [0, 1]. No moving-range screening.

    References
    ----------
    Montgomery DC (2009) *Introduction to statistical quality control*, 6th ed., §7.2.
    Laney DB (2002) Improved control charts for attributes. *Quality Engineering* 14(4):531–537.

    Examples
    --------
    >>> import pandas as pd
    >>> import aeeval as ae
    >>> df = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=12, freq="MS"),
    ...                    "yes": [30, 32, 29, 35, 31, 30, 33, 28, 34, 30, 31, 40],
    ...                    "asked": [40] * 12})
    >>> ae.p_chart(df, "yes", "asked", "month")["point_type"].iloc[-1]
    'special_cause_improvement'
    """
    check_choice("method", method, P_CHART_METHODS)
    by = _as_by(by)
    target = _check_options(improvement_direction, target, fix_after_n_points, proportion=True)
    prepared = _prepare(data, date, [numerator, denominator], by, "p_chart")
    problems = []
    for label in prepared.index:
        num, den = prepared.at[label, numerator], prepared.at[label, denominator]
        where = _where(data, label)
        if num < 0:
            problems.append(f"{where}, column '{numerator}', value '{num:g}': must not be negative")
        if den <= 0:
            problems.append(f"{where}, column '{denominator}', value '{den:g}': must be above 0")
        elif num > den:
            problems.append(
                f"{where}, column '{numerator}', value '{num:g}': must not exceed "
                f"the denominator ('{denominator}' = {den:g})"
            )
    _fail(problems, "p_chart")
    pieces = []
    groups = prepared.groupby(by, sort=False, dropna=False) if by else [((), prepared)]
    for key, frame in groups:
        series = f" ({', '.join(f'{c}={k}' for c, k in zip(by, key))})" if by else ""
        num = frame[numerator].to_numpy(dtype=float)
        den = frame[denominator].to_numpy(dtype=float)
        p = num / den
        segment = _segments(frame[date].reset_index(drop=True), rebase, series)
        base = _base_mask(segment, fix_after_n_points)
        pbar = np.full(len(p), np.nan)
        sigma_z = np.ones(len(p))
        points = np.zeros(len(p), dtype=int)
        for g in np.unique(segment):
            idx = np.flatnonzero(segment == g)
            b = idx[base[idx]]
            points[idx] = len(b)
            pbar[idx] = num[b].sum() / den[b].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma_p = np.sqrt(pbar * (1 - pbar) / den)
            if method == "laney":
                z = (p - pbar) / sigma_p
                for g in np.unique(segment):
                    idx = np.flatnonzero(segment == g)
                    zb = z[idx[base[idx]]]
                    sigma_z[idx] = np.mean(np.abs(np.diff(zb))) / D2 if len(zb) >= 2 else np.nan
        # p̄ of 0 or 1: no variation, hence no limits (the rules then report "not enough data")
        sigma = np.where(sigma_p > 0, sigma_p * sigma_z, np.nan)
        out = frame[[*by, date]].copy()
        out["numerator"] = num
        out["denominator"] = den
        out["value"] = p
        out["mean"] = pbar
        out["sigma"] = sigma
        out["sigma_z"] = sigma_z
        out["lpl"] = np.clip(pbar - 3 * sigma, 0, 1)
        out["upl"] = np.clip(pbar + 3 * sigma, 0, 1)
        out["lower_two_sigma"] = np.clip(pbar - 2 * sigma, 0, 1)
        out["upper_two_sigma"] = np.clip(pbar + 2 * sigma, 0, 1)
        out["rebase_group"] = segment
        out["limit_points"] = points
        out["trial_limits"] = points < TRIAL_LIMIT_POINTS
        rules = _apply_rules(
            p,
            pbar,
            out["lpl"].to_numpy(),
            out["upl"].to_numpy(),
            out["lower_two_sigma"].to_numpy(),
            out["upper_two_sigma"].to_numpy(),
            segment,
            improvement_direction,
        )
        for k, v in rules.items():
            out[k] = v
        out["target"] = np.nan if target is None else target
        out["method"] = "laney_p_prime" if method == "laney" else "p"
        pieces.append(out)
    table = pd.concat(pieces).reset_index(drop=True)
    table.attrs.update(
        chart="p_prime" if method == "laney" else "p",
        by=by,
        date=date,
        value="value",
        improvement_direction=improvement_direction,
        target=target,
    )
    _warn_trial(table, by, date, "p_chart")
    return table


# ------------------------------------------------------------------------------ summary


def spc_summary(chart: pd.DataFrame, *, min_base: int | None = DEFAULT_MIN_BASE) -> pd.DataFrame:
    """One row per series of an :func:`xmr` or :func:`p_chart` result: the two icons.

    ``variation`` is the type of the last point (the Making Data Count variation icon).
    ``assurance`` compares the target with the last segment's limits, direction-aware:
    ``consistent_pass`` when every point within the limits meets the target, ``consistent_fail``
    when none can, ``inconsistent`` otherwise; ``<NA>`` without a target or when the
    improvement direction is ``"neutral"`` (there is no pass or fail).

    A p-chart's summary also gives ``denominator``, the number of patients of the last period,
    and follows the disclosure rule for counts about people: a series whose last period has a
    denominator of 1 to ``min_base`` − 1 is ``suppressed`` — its value, limits, target and icons
    are blank (a latest month of 2 of 3 patients is not published as 67 %).

    Parameters
    ----------
    chart : pandas.DataFrame
        The table returned by :func:`xmr` or :func:`p_chart`.
    min_base : int, optional
        Smallest denominator of the last period shown (default
        :data:`aeeval.options.DEFAULT_MIN_BASE`; ``None``: no suppression). Not used for an XmR
        chart, which has no denominator.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n_points``, ``date`` (last period), ``denominator`` (p-charts),
        ``value`` (last value), ``mean``, ``lpl``, ``upl`` (last segment), ``target``,
        ``trial_limits``, ``variation``, ``assurance``, ``improvement_direction``, and for a
        p-chart ``suppressed``.

    References
    ----------
    NHS England / NHS Improvement (2019) *Making Data Count: getting started* (icons).

    Examples
    --------
    >>> import pandas as pd
    >>> import aeeval as ae
    >>> df = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=12, freq="MS"),
    ...                    "pct": [95, 96, 95, 97, 96, 95, 96, 97, 96, 95, 96, 95]})
    >>> ae.spc_summary(ae.xmr(df, "pct", "month", target=90))["assurance"].iloc[0]
    'consistent_pass'
    """
    needed = {"date", "by", "improvement_direction"}
    if not needed <= set(chart.attrs):
        raise ValueError(
            "spc_summary needs the table returned by aeeval.xmr or aeeval.p_chart "
            "(its attributes were lost; pass the chart table unchanged)"
        )
    by, date, direction = (
        chart.attrs["by"],
        chart.attrs["date"],
        chart.attrs["improvement_direction"],
    )
    rows = []
    groups = chart.groupby(by, sort=False, dropna=False) if by else [((), chart)]
    for key, frame in groups:
        last = frame.iloc[-1]
        target = last["target"]
        assurance = pd.NA
        if pd.notna(target) and direction != "neutral" and pd.notna(last["upl"]):
            increasing = direction == "increase"
            if target > last["upl"]:
                assurance = "consistent_fail" if increasing else "consistent_pass"
            elif target < last["lpl"]:
                assurance = "consistent_pass" if increasing else "consistent_fail"
            else:
                assurance = "inconsistent"
        counts = {"denominator": last["denominator"]} if "denominator" in frame else {}
        rows.append(
            {
                **dict(zip(by, key)),
                "n_points": len(frame),
                "date": last[date],
                **counts,
                "value": last["value"],
                "mean": last["mean"],
                "lpl": last["lpl"],
                "upl": last["upl"],
                "target": target,
                "trial_limits": bool(last["trial_limits"]),
                "variation": last["point_type"],
                "assurance": assurance,
                "improvement_direction": direction,
            }
        )
    out = pd.DataFrame(rows)
    out["assurance"] = out["assurance"].astype("string")
    out.attrs["value_labels"] = {"variation": VARIATION_WORDS, "assurance": ASSURANCE_WORDS}
    if "denominator" not in out:
        return out  # an XmR chart's values may or may not count people: the caller says
    return summary_disclosure(out, by=by, min_base=min_base)


def hide_small_points(
    chart: pd.DataFrame, denominators=None, *, min_base: int | None = DEFAULT_MIN_BASE
) -> pd.DataFrame:
    """A copy of a chart for drawing, without the points of periods with fewer than ``min_base``
    patients (their ``value`` blank): a chart is a picture the disclosure gate cannot read, and a
    point of 2 of 3 patients drawn at 67 % would publish it. Limits and signals are those of the
    whole series, as computed.

    Parameters
    ----------
    chart : pandas.DataFrame
        A :func:`p_chart` result (its ``denominator`` is used), or a :func:`run_chart` /
        :func:`xmr` result with ``denominators``.
    denominators : pandas.Series, optional
        The number of patients of each period, indexed by the chart's date.
    min_base : int, optional
        Smallest denominator drawn (default :data:`aeeval.options.DEFAULT_MIN_BASE`; ``None``:
        every point).

    Returns
    -------
    pandas.DataFrame
        The chart (attributes kept) with ``value`` blank where the period has 1 to
        ``min_base`` − 1 patients.
    """
    out = chart.copy()
    if min_base is None:
        return out
    if denominators is not None:
        counts = pd.to_numeric(out[chart.attrs["date"]].map(denominators), errors="coerce")
    elif "denominator" in out:
        counts = pd.to_numeric(out["denominator"], errors="coerce")
    else:
        raise ValueError(
            "hide_small_points needs the denominators of a chart without a "
            "denominator column (e.g. a run chart): pass them indexed by date"
        )
    out.loc[(counts >= 1) & (counts < min_base), "value"] = np.nan
    return out


def summary_disclosure(
    summary: pd.DataFrame, *, by=(), min_base: int | None = DEFAULT_MIN_BASE
) -> pd.DataFrame:
    """Declare (and, with ``min_base``, apply) the disclosure rule of a p-chart summary: counts
    about people, the base being the last period's ``denominator``. Series are not siblings (they
    add up to no published total), so only the small ones themselves are suppressed."""
    from .disclosure import declaration, declare, kept_columns, suppress

    keys = list(
        dict.fromkeys(
            [*by, "team", "measure", "n_points", "date", "trial_limits", "improvement_direction"]
        )
    )
    declare(summary, rule="people", base="denominator", keys=keys, min_base=min_base)
    if min_base is None:
        return summary
    keep = set(kept_columns(declaration(summary, name="spc_summary")))
    out = suppress(
        summary,
        min_base,
        base="denominator",
        secondary=False,
        columns=[c for c in summary.columns if c not in keep],
    )
    out["assurance"] = out["assurance"].astype("string")
    return out


# ------------------------------------------------------------------------------ run charts


def runs_distribution(n_above: int, n_below: int) -> dict[int, float]:
    """Exact distribution of the number of runs about the centre line, given the two counts.

    With ``n_above`` points above the line and ``n_below`` below, in random order, the number of
    runs R has P(R = 2k) = 2·C(a−1, k−1)·C(b−1, k−1) / C(a+b, a) and
    P(R = 2k+1) = [C(a−1, k)·C(b−1, k−1) + C(a−1, k−1)·C(b−1, k)] / C(a+b, a)
    (Swed & Eisenhart 1943). :func:`runs_limits` takes its tails.

    Parameters
    ----------
    n_above, n_below : int
        Points above and below the centre line (points on it are not counted), each ≥ 0.

    Returns
    -------
    dict
        Number of runs → probability, only the runs that can occur (they sum to 1).

    References
    ----------
    Swed FS, Eisenhart C (1943) Tables for testing randomness of grouping in a sequence of
    alternatives. *Ann Math Stat* 14(1):66–87.

    Examples
    --------
    >>> from aeeval.spc import runs_distribution
    >>> runs_distribution(2, 2)   # AABB, ABBA, ABAB and their mirror images: 6 orders
    {2: 0.3333333333333333, 3: 0.3333333333333333, 4: 0.3333333333333333}
    """
    if n_above < 0 or n_below < 0:
        raise ValueError("counts must not be negative")
    if n_above == 0 or n_below == 0:
        return {1: 1.0} if n_above + n_below else {0: 1.0}
    total = comb(n_above + n_below, n_above)
    pmf = {}
    for r in range(2, n_above + n_below + 1):
        k = r // 2
        if r % 2 == 0:
            ways = 2 * comb(n_above - 1, k - 1) * comb(n_below - 1, k - 1)
        else:
            ways = comb(n_above - 1, k) * comb(n_below - 1, k - 1) + comb(
                n_above - 1, k - 1
            ) * comb(n_below - 1, k)
        if ways:
            pmf[r] = ways / total
    return pmf


def runs_limits(
    n_above: int, n_below: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[int, int]:
    """Range of the number of runs expected from random variation, computed exactly.

    Uses the exact conditional distribution of the number of runs given ``n_above`` points above
    and ``n_below`` below the centre line (Swed & Eisenhart 1943). The range is
    ``(low, high)``, inclusive: fewer than ``low`` runs is "too few", more than ``high`` "too
    many"; each tail outside the range has probability at most ``(1 − confidence) / 2``.

    References
    ----------
    Swed FS, Eisenhart C (1943) Tables for testing randomness of grouping in a sequence of
    alternatives. *Ann Math Stat* 14(1):66–87.
    Perla RJ, Provost LP, Murray SK (2011) The run chart: a simple analytical tool for learning
    from variation in healthcare processes. *BMJ Qual Saf* 20:46–51 (Table 1).

    Examples
    --------
    >>> from aeeval import runs_limits
    >>> runs_limits(10, 10)
    (7, 15)
    """
    confidence = check_confidence(confidence)
    tail = (1 - confidence) / 2
    pmf = runs_distribution(int(n_above), int(n_below))
    values = sorted(pmf)
    cdf = np.cumsum([pmf[r] for r in values])
    sf = 1 - np.concatenate([[0.0], cdf[:-1]])  # P(R >= r)
    eps = 1e-12
    low = next(r for r, c in zip(values, cdf) if c > tail + eps)
    high = max(r for r, s in zip(values, sf) if s > tail + eps)
    return int(low), int(high)


def run_chart(
    data: pd.DataFrame,
    value: str,
    date: str,
    *,
    by=None,
    astronomical: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """IHI run chart: median, shifts, trends, number of runs and (opt-in) astronomical points.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per period (per series with ``by``), sorted by date.
    value, date : str
        Columns holding the measure and the period.
    by : str or list of str, optional
        Columns identifying separate series.
    astronomical : bool, default False
        Flag astronomical points: beyond Tukey's far-out fences (below Q1 − 3 IQR or above
        Q3 + 3 IQR). Off by default because the IHI rule is a judgement, not a formula.
    confidence : float, default 0.95
        For the expected range of the number of runs (see :func:`runs_limits`).

    Returns
    -------
    pandas.DataFrame
        One row per point: the ``by`` columns, ``date``, ``value``, ``median``, ``useful`` (not on
        the median), ``shift`` (part of 6+ consecutive useful points on one side; points on the
        median neither count nor break the run), ``trend`` (part of 5+ points all rising or all
        falling; equal consecutive values neither add nor break), ``astronomical`` (``<NA>``
        unless requested), and per series ``n_useful``, ``runs``, ``runs_low``, ``runs_high``,
        ``runs_signal`` (``"too_few"``, ``"too_many"`` or ``"none"``). A rule with too few points
        (shift: 6 useful points, trend: 5 points, runs: 10 useful points) is ``<NA>``.

    References
    ----------
    Perla RJ, Provost LP, Murray SK (2011) The run chart: a simple analytical tool for learning
    from variation in healthcare processes. *BMJ Qual Saf* 20:46–51.
    Swed FS, Eisenhart C (1943) *Ann Math Stat* 14(1):66–87.

    Examples
    --------
    >>> import pandas as pd
    >>> import aeeval as ae
    >>> df = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=12, freq="MS"),
    ...                    "pct": [5, 6, 4, 5, 6, 4, 8, 9, 8, 9, 10, 9]})
    >>> int(ae.run_chart(df, "pct", "month")["shift"].sum())  # 6 below, then 6 above the median
    12
    """
    confidence = check_confidence(confidence)
    by = _as_by(by)
    prepared = _prepare(data, date, [value], by, "run_chart")
    pieces = []
    groups = prepared.groupby(by, sort=False, dropna=False) if by else [((), prepared)]
    for _, frame in groups:
        y = frame[value].to_numpy(dtype=float)
        n = len(y)
        median = float(np.median(y))
        side = np.sign(y - median).astype(int)
        useful = side != 0
        useful_idx = np.flatnonzero(useful)
        shift = np.zeros(n, dtype=bool)
        shift[useful_idx] = _runs_of_equal(side[useful_idx], IHI_SHIFT)
        # trend: collapse repeated equal values, then look for 5 points all rising or all falling
        keep = np.concatenate([[True], y[1:] != y[:-1]])
        rep = np.cumsum(keep) - 1
        distinct_trend, _ = _monotone_runs(y[keep], IHI_TREND)
        trend = distinct_trend[rep]
        out = frame[[*by, date]].copy()
        out["value"] = y
        out["median"] = median
        out["useful"] = useful
        out["shift"] = _nullable(shift, np.full(n, len(useful_idx) >= IHI_SHIFT))
        out["trend"] = _nullable(trend, np.full(n, n >= IHI_TREND))
        if astronomical:
            q1, q3 = np.percentile(y, [25, 75])
            far = (y < q1 - 3 * (q3 - q1)) | (y > q3 + 3 * (q3 - q1))
            out["astronomical"] = pd.array(far, dtype="boolean")
        else:
            out["astronomical"] = pd.array([pd.NA] * n, dtype="boolean")
        sides = side[useful_idx]
        n_useful = len(sides)
        out["n_useful"] = n_useful
        if n_useful >= IHI_MIN_USEFUL_FOR_RUNS:
            runs = int(1 + np.count_nonzero(sides[1:] != sides[:-1]))
            low, high = runs_limits(int((sides > 0).sum()), int((sides < 0).sum()), confidence)
            signal = "too_few" if runs < low else "too_many" if runs > high else "none"
            out["runs"], out["runs_low"], out["runs_high"] = runs, low, high
            out["runs_signal"] = signal
        else:
            for col in ("runs", "runs_low", "runs_high"):
                out[col] = pd.array([pd.NA] * n, dtype="Int64")
            out["runs_signal"] = NOT_ENOUGH_DATA
        for col in ("runs", "runs_low", "runs_high"):
            out[col] = out[col].astype("Int64")
        pieces.append(out)
    table = pd.concat(pieces).reset_index(drop=True)
    table.attrs.update(chart="run", by=by, date=date, value=value)
    return table
