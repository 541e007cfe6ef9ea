"""Reshaping helpers for measures over time: pick one Always Event series, and turn NHS A&E
attendances into monthly 4-hour performance. No statistics here — see :mod:`aeeval.spc`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .paths import PUBLIC_DATA
from .schemas import read_table

__all__ = ["AE_FILE", "ae_four_hour_performance", "read_ae_attendances", "select_measure"]

#: The real NHS England A&E file bundled in data/public (see its README for provenance).
AE_FILE = "ae_attendances.csv"


def select_measure(measures: pd.DataFrame, team: str, measure: str | None = None) -> pd.DataFrame:
    """Rows of one team's measure from a ``measures`` table, in date order.

    ``measure=None`` picks the team's only measure; a team with several must name one. Unknown
    names raise ``ValueError`` listing the ones that exist.

    Examples
    --------
    >>> import aeeval as ae
    >>> from aeeval.paths import EXAMPLES
    >>> m = ae.read_table(EXAMPLES / "measures.csv", "measures")
    >>> len(ae.select_measure(m, "Maternity unit A"))
    36
    """
    for col in ("team", "measure", "period"):
        if col not in measures.columns:
            raise KeyError(
                f"column '{col}' not in the measures table (read it with "
                "read_table(path, 'measures'))"
            )
    teams = measures["team"].dropna().unique().tolist()
    if team not in teams:
        raise ValueError(
            f"team {team!r} is not in the measures table; teams: {', '.join(map(repr, teams))}"
        )
    rows = measures[measures["team"] == team]
    names = rows["measure"].dropna().unique().tolist()
    if measure is None:
        if len(names) != 1:
            raise ValueError(
                f"team {team!r} has {len(names)} measures; choose one with measure=: "
                f"{', '.join(map(repr, names))}"
            )
        measure = names[0]
    elif measure not in names:
        raise ValueError(
            f"team {team!r} has no measure {measure!r}; its measures: {', '.join(map(repr, names))}"
        )
    return rows[rows["measure"] == measure].sort_values("period")


def read_ae_attendances(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the NHS England A&E attendances file (``ae_attendances`` schema).

    ``path=None`` reads the bundled ``ae_attendances.csv`` from :data:`aeeval.paths.PUBLIC_DATA`
    (``data/public/``, or the folder ``AEEVAL_PUBLIC_DATA`` names).

    Examples
    --------
    >>> ae = read_ae_attendances()  # the bundled NHS England data
    >>> list(ae.columns)
    ['period', 'org_code', 'type', 'attendances', 'breaches', 'admissions']
    >>> len(ae)
    12765
    """
    path = Path(path) if path is not None else PUBLIC_DATA / AE_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"A&E attendances file not found at {path}; the real NHS data are "
            "bundled in data/public (AEEVAL_PUBLIC_DATA, when set, names another "
            "folder holding ae_attendances.csv)"
        )
    return read_table(path, "ae_attendances")


def ae_four_hour_performance(ae_data: pd.DataFrame, org_code: str) -> pd.DataFrame:
    """One trust's monthly 4-hour performance, all department types together.

    Returns ``period``, ``org_code``, ``attendances``, ``breaches``, ``within_4h``
    (attendances − breaches) and ``performance`` (1 − breaches / attendances), sorted by period:
    ready for ``p_chart(…, "within_4h", "attendances", "period")``.

    Examples
    --------
    >>> rf4 = ae_four_hour_performance(read_ae_attendances(), "RF4")
    >>> rf4.iloc[0]
    period         2016-04-01 00:00:00
    org_code                       RF4
    attendances                22034.0
    breaches                    4104.0
    within_4h                  17930.0
    performance               0.813742
    Name: 0, dtype: object
    """
    codes = ae_data["org_code"].dropna().unique()
    if org_code not in codes:
        raise ValueError(
            f"org_code {org_code!r} is not in the A&E data ({len(codes)} trusts, "
            f"e.g. {', '.join(sorted(codes)[:8])})"
        )
    rows = ae_data[ae_data["org_code"] == org_code]
    out = rows.groupby("period", as_index=False)[["attendances", "breaches"]].sum()
    out.insert(1, "org_code", org_code)
    out["within_4h"] = out["attendances"] - out["breaches"]
    out["performance"] = 1 - out["breaches"] / out["attendances"]
    return out.sort_values("period").reset_index(drop=True)
