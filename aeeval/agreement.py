"""Agreement between coders: Cohen's and Fleiss' kappa, Krippendorff's alpha, per-code agreement.

Every function takes long-format data — one row per coding, with a ``unit`` column (what was coded:
an interview, a segment), a ``coder`` column and a ``value`` column (the code or rating given) — and
returns one tidy row. The statistics are computed by statsmodels
(:func:`statsmodels.stats.inter_rater.cohens_kappa`, :func:`~statsmodels.stats.inter_rater.fleiss_kappa`)
and the ``krippendorff`` package; this module only reshapes, checks and labels.

Reshaping (:func:`rating_table`, :func:`presence_table`) is kept apart from computing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .disclosure import declare
from .errors import AeevalError
from .options import DEFAULT_CONFIDENCE, check_choice, check_confidence

__all__ = [
    "AgreementError",
    "KAPPA_BANDS",
    "ALPHA_BANDS",
    "rating_table",
    "presence_table",
    "cohens_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "pabak",
    "code_agreement",
    "prevalence_note",
    "interpret_kappa",
    "interpret_alpha",
]

#: Landis & Koch (1977) labels for kappa: (lower bound, label), checked from the top.
KAPPA_BANDS = [
    (0.81, "almost perfect"),
    (0.61, "substantial"),
    (0.41, "moderate"),
    (0.21, "fair"),
    (0.0, "slight"),
    (-np.inf, "poor"),
]
#: Krippendorff (2004) thresholds for alpha.
ALPHA_BANDS = [(0.8, "reliable"), (0.667, "tentative conclusions only"), (-np.inf, "unreliable")]

_LABELS = {
    "n": "Units (n)",
    "n_coders": "Coders",
    "percent_agreement": "Agreement",
    "ci_low": "CI",
    "se": "SE",
    "kappa": "Kappa",
    "alpha": "Alpha",
    "ac1": "AC1",
    "pabak": "PABAK",
}


class AgreementError(AeevalError, ValueError):
    """Data that cannot give an agreement statistic (one coder, coder sets that differ, …)."""


# ------------------------------------------------------------------------------------ helpers


def _band(x, bands) -> str:
    if x is None or pd.isna(x):
        return "undefined"
    for lower, label in bands:
        if x >= round(lower, 3) - 1e-12:
            return label
    return bands[-1][1]


def interpret_kappa(kappa: float) -> str:
    """Landis & Koch (1977) label for a kappa value.

    < 0 poor, 0–0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80 substantial,
    0.81–1 almost perfect (values are rounded to two decimals first, as the bands are stated).

    References
    ----------
    Landis JR, Koch GG (1977). The measurement of observer agreement for categorical data.
    Biometrics 33:159–174.

    Examples
    --------
    >>> interpret_kappa(0.43)
    'moderate'
    """
    return _band(None if kappa is None or pd.isna(kappa) else round(kappa, 2), KAPPA_BANDS)


def interpret_alpha(alpha: float) -> str:
    """Krippendorff's reading of alpha: ≥ 0.800 reliable, 0.667–0.800 tentative, below unreliable.

    References
    ----------
    Krippendorff K (2004). Content Analysis: An Introduction to Its Methodology, 2nd ed., p. 241.

    Examples
    --------
    >>> interpret_alpha(0.743)
    'tentative conclusions only'
    """
    return _band(alpha, ALPHA_BANDS)


def _check_columns(data: pd.DataFrame, **columns) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    missing = [f"{k}={v!r}" for k, v in columns.items() if v not in data.columns]
    if missing:
        raise KeyError(
            f"column(s) not in data: {', '.join(missing)}; data has "
            f"{', '.join(map(str, data.columns))}"
        )


def rating_table(data: pd.DataFrame, unit: str, coder: str, value: str) -> pd.DataFrame:
    """Reshape long codings into a units × coders table (a coder who did not code a unit: NaN).

    Raises
    ------
    AgreementError
        When a coder gave the same unit two values (the row numbers are listed).
    """
    _check_columns(data, unit=unit, coder=coder, value=value)
    dup = data.duplicated([unit, coder], keep=False)
    if dup.any():
        rows = data.index[dup][:10].tolist()
        raise AgreementError(
            f"each coder must code each unit once; coder/unit pairs repeat at rows "
            f"{rows} (e.g. {coder}={data.loc[dup, coder].iloc[0]!r}, "
            f"{unit}={data.loc[dup, unit].iloc[0]!r})"
        )
    wide = data.pivot(index=unit, columns=coder, values=value)
    wide.columns.name = coder
    return wide


def presence_table(
    segments: pd.DataFrame, *, unit: str = "interview", coder: str = "coder", code: str = "code"
) -> pd.DataFrame:
    """Long table of whether each coder applied each code in each unit they coded.

    A unit counts as coded by a coder when the coder has at least one segment in it. Columns:
    ``unit``, ``coder``, ``code``, ``present`` (bool) and ``item`` (``"<unit> / <code>"``, one rated
    item, e.g. for Krippendorff's alpha over all codes at once).

    Examples
    --------
    >>> import pandas as pd
    >>> segments = pd.DataFrame({"interview": ["i1", "i1", "i2"], "coder": ["A", "B", "A"],
    ...                          "code": ["staff", "staff", "time"]})
    >>> presence_table(segments)
      interview coder   code  present        item
    0        i1     A  staff     True  i1 / staff
    1        i1     B  staff     True  i1 / staff
    2        i2     A  staff    False  i2 / staff
    3        i1     A   time    False   i1 / time
    4        i1     B   time    False   i1 / time
    5        i2     A   time     True   i2 / time
    """
    _check_columns(segments, unit=unit, coder=coder, code=code)
    coded = segments[[unit, coder]].drop_duplicates()
    codes = pd.DataFrame({code: sorted(segments[code].dropna().unique())})
    grid = coded.merge(codes, how="cross")
    seen = segments[[unit, coder, code]].drop_duplicates().assign(present=True)
    out = grid.merge(seen, on=[unit, coder, code], how="left")
    out["present"] = out["present"].fillna(False).astype(bool)
    out["item"] = out[unit].astype(str) + " / " + out[code].astype(str)
    return out.sort_values([code, unit, coder], ignore_index=True)


def _complete(wide: pd.DataFrame, unit: str, what: str, min_coders: int = 2) -> None:
    """Every unit coded by every coder, at least ``min_coders`` coders."""
    coders = list(wide.columns)
    if len(coders) < min_coders:
        raise AgreementError(
            f"{what} needs at least {min_coders} coders; the data have "
            f"{len(coders)} ({', '.join(map(str, coders)) or 'none'})"
        )
    incomplete = wide.isna().any(axis=1)
    if incomplete.any():
        examples = []
        for u, row in wide[incomplete].head(5).iterrows():
            have = [str(c) for c in coders if pd.notna(row[c])]
            examples.append(f"{unit} {u!r} coded by {', '.join(have) or 'nobody'}")
        raise AgreementError(
            f"{what} needs every unit coded by the same coders ({', '.join(map(str, coders))}); "
            f"{int(incomplete.sum())} unit(s) are coded by a different set: {'; '.join(examples)}. "
            "Drop those units, or use krippendorff_alpha, which allows missing codings."
        )


def _has_order(values: pd.Series) -> bool:
    """Whether the values carry a scale order: numbers, booleans or an ordered categorical."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return bool(values.cat.ordered)
    return pd.api.types.infer_dtype(values, skipna=True) in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
        "boolean",
        "empty",
    )


def _categories(values: pd.Series, categories=None) -> list:
    if categories is not None:
        cats = list(categories)
        unknown = sorted(set(values.dropna()) - set(cats), key=str)
        if unknown:
            raise AgreementError(f"values {unknown} are not among the categories {cats}")
        return cats
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    try:
        return sorted(values.dropna().unique())
    except TypeError:
        return sorted(values.dropna().unique(), key=str)


# ------------------------------------------------------------------------------------ kappa


def cohens_kappa(
    data: pd.DataFrame,
    unit: str,
    coder: str,
    value: str,
    weights: str | None = None,
    *,
    categories=None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Cohen's kappa for two coders, unweighted or weighted, with its standard error.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per unit per coder.
    unit, coder, value : str
        Column names: what was coded, who coded it, the code or rating given.
    weights : {None, "linear", "quadratic"}
        ``None`` is Cohen's (1960) kappa; ``"linear"`` and ``"quadratic"`` give weighted kappa
        (Cohen 1968) with disagreement weights ``|i − j|`` and ``(i − j)²`` over the ordered
        categories.
    categories : sequence, optional
        The categories in scale order. Default: the categories of an ordered categorical column,
        else the sorted distinct values observed (as R ``irr::kappa2`` does). Weighted kappa on
        text values needs ``categories`` (or an ordered categorical): alphabetical order is not
        a scale.
    confidence : float
        Level of the Wald interval ``kappa ± z · se`` (as SAS PROC FREQ reports it), kept within
        kappa's range −1 to 1.

    Returns
    -------
    pandas.DataFrame
        One row: ``coder_1``, ``coder_2``, ``kappa``, ``se``, ``ci_low``, ``ci_high``,
        ``percent_agreement`` (0–1), ``n`` (units), ``interpretation`` (Landis & Koch), ``method``
        (``"cohen"``, ``"cohen_linear"`` or ``"cohen_quadratic"``). Kappa is NaN when chance
        agreement is 1 (both coders used a single category).

    References
    ----------
    Cohen J (1960). A coefficient of agreement for nominal scales. Educ Psychol Meas 20:37–46.
    Cohen J (1968). Weighted kappa. Psychol Bull 70:213–220.
    Fleiss JL, Cohen J, Everitt BS (1969). Large sample standard errors of kappa and weighted kappa.
    Psychol Bull 72:323–327 (the ``se`` statsmodels reports).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "coder": ["A", "B"] * 4,
    ...                   "value": ["x", "x", "y", "y", "x", "y", "y", "y"]})
    >>> round(float(cohens_kappa(d, "unit", "coder", "value")["kappa"].iloc[0]), 3)
    0.5
    """
    from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

    check_choice("weights", weights, (None, "linear", "quadratic"))
    confidence = check_confidence(confidence)
    wide = rating_table(data, unit, coder, value)
    if weights is not None and categories is None and not _has_order(data[value]):
        raise AgreementError(
            f"weights={weights!r} needs the categories in scale order; column "
            f"{value!r} holds text such as {data[value].dropna().iloc[0]!r}, whose "
            "alphabetical order is not a scale. Pass categories=[...] in scale "
            "order or make the column an ordered categorical"
        )
    if wide.shape[1] != 2:
        raise AgreementError(
            f"Cohen's kappa needs exactly 2 coders; column {coder!r} has "
            f"{wide.shape[1]} ({', '.join(map(str, wide.columns))}). "
            "Use fleiss_kappa or krippendorff_alpha for more than two."
        )
    _complete(wide, unit, "Cohen's kappa")
    cats = _categories(data[value], categories)
    a = pd.Categorical(wide.iloc[:, 0], categories=cats)
    b = pd.Categorical(wide.iloc[:, 1], categories=cats)
    table = pd.crosstab(a, b, dropna=False).reindex(index=cats, columns=cats, fill_value=0)
    counts = table.to_numpy(dtype=float)
    n = int(counts.sum())
    p_o = np.trace(counts) / n
    p_e = float((counts.sum(axis=1) / n) @ (counts.sum(axis=0) / n))
    kappa = se = np.nan
    if len(cats) > 1 and p_e < 1 - 1e-12:
        res = sm_cohens_kappa(counts, wt=weights)
        kappa, se = float(res.kappa), float(res.std_kappa)
    z = stats.norm.ppf(0.5 + confidence / 2)
    out = pd.DataFrame(
        {
            "coder_1": [wide.columns[0]],
            "coder_2": [wide.columns[1]],
            "kappa": [kappa],
            "se": [se],
            "ci_low": [max(kappa - z * se, -1.0)],
            "ci_high": [min(kappa + z * se, 1.0)],
            "percent_agreement": [p_o],
            "n": [n],
            "interpretation": [interpret_kappa(kappa)],
            "method": ["cohen" if weights is None else f"cohen_{weights}"],
        }
    )
    return _attrs(out, confidence, ("kappa", "se", "ci_low", "ci_high"))


def fleiss_kappa(
    data: pd.DataFrame,
    unit: str,
    coder: str,
    value: str,
    *,
    method: str = "fleiss",
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Fleiss' kappa for two or more coders who all coded every unit, with standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per unit per coder.
    unit, coder, value : str
        Column names. Fleiss (1971) allows different raters per unit as long as each unit has the
        same number of ratings: label them by position (``"rater 1"`` … ``"rater m"``).
    method : {"fleiss", "randolph"}
        ``"fleiss"``: chance agreement from the observed category shares (Fleiss 1971);
        ``"randolph"``: uniform chance agreement, free-marginal kappa (Randolph 2005).
    confidence : float
        Level of the interval ``kappa ± t(n − 1) · se`` (Student t on n − 1 degrees of freedom,
        as ``irrCAC`` reports it), kept within −1 to 1.

    Returns
    -------
    pandas.DataFrame
        One row: ``kappa``, ``se``, ``ci_low``, ``ci_high``, ``se0``, ``z``, ``p_value``, ``n``
        (units), ``n_coders``, ``percent_agreement`` (mean pairwise agreement per unit),
        ``interpretation``, ``method``.

        - ``se`` is the large-sample standard error of Gwet (2008; 2014, ch. 5), the linearised
          variance ``Σ (κ*_i − κ)² / (n (n − 1))`` over units that ``irrCAC::fleiss.kappa.raw``
          reports (for ``"randolph"``, whose chance agreement is fixed, the same linearisation
          without its chance term, as ``irrCAC::bp.coeff.raw``). The interval uses it.
        - ``se0`` is the standard error *under the hypothesis kappa = 0* of Fleiss, Nee & Landis
          (1979), the one R ``irr::kappam.fleiss`` uses; ``z = kappa / se0`` and ``p_value``
          (two-sided, normal) test kappa = 0 as ``irr`` does. ``se0`` is right only when kappa
          is 0, so it gives no interval. NaN for ``"randolph"``.

    References
    ----------
    Fleiss JL (1971). Measuring nominal scale agreement among many raters. Psychol Bull 76:378–382.
    Fleiss JL, Nee JCM, Landis JR (1979). Large sample variance of kappa in the case of different
    sets of raters. Psychol Bull 86:974–977.
    Gwet KL (2008). Computing inter-rater reliability and its variance in the presence of high
    agreement. Br J Math Stat Psychol 61:29–48.
    Gwet KL (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced Analytics.
    Randolph JJ (2005). Free-marginal multirater kappa. Joensuu Learning and Instruction
    Symposium.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": [1, 1, 1, 2, 2, 2], "coder": ["A", "B", "C"] * 2,
    ...                   "value": ["x", "x", "x", "y", "y", "x"]})
    >>> round(float(fleiss_kappa(d, "unit", "coder", "value")["kappa"].iloc[0]), 3)
    0.25
    """
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

    check_choice("method", method, ("fleiss", "randolph"))
    confidence = check_confidence(confidence)
    wide = rating_table(data, unit, coder, value)
    _complete(wide, unit, "Fleiss' kappa")
    cats = _categories(data[value])
    codes = np.column_stack([pd.Categorical(wide[c], categories=cats).codes for c in wide.columns])
    counts, _ = aggregate_raters(codes, n_cat=len(cats))
    counts = np.asarray(counts, dtype=float)
    n, m = codes.shape
    pa_i = (counts * (counts - 1)).sum(axis=1) / (m * (m - 1))
    agree = float(pa_i.mean())
    kappa = se = se0 = z = p_value = lo = hi = np.nan
    if len(cats) > 1:
        kappa = float(sm_fleiss_kappa(counts, method=method))
        pi = counts.sum(axis=0) / (n * m)
        if method == "fleiss":
            pe = float(pi @ pi)
            # Gwet (2014) linearisation, as irrCAC fleiss.kappa.raw (identity weights, N = ∞):
            # κ*_i = (Pa_i − Pe)/(1 − Pe) − 2(1 − κ)(Pe_i − Pe)/(1 − Pe), Pe_i = Σ_k r_ik π_k / m
            pe_i = counts @ pi / m
            star = (pa_i - pe) / (1 - pe) - 2 * (1 - kappa) * (pe_i - pe) / (1 - pe)
            # Fleiss, Nee & Landis (1979) variance under kappa = 0 (irr kappam.fleiss):
            # 2 / (n m (m − 1)) · [(Σ p q)² − Σ p q (q − p)] / (Σ p q)²
            pq = pi * (1 - pi)
            var0 = (
                2 * (pq.sum() ** 2 - (pq * (1 - 2 * pi)).sum()) / (pq.sum() ** 2 * n * m * (m - 1))
            )
            se0 = float(np.sqrt(var0))
            z = kappa / se0
            p_value = float(2 * stats.norm.sf(abs(z)))
        else:
            pe = 1 / len(cats)
            star = (pa_i - pe) / (1 - pe)
        if n >= 2:
            se = float(np.sqrt(((star - kappa) ** 2).sum() / (n * (n - 1))))
            t = stats.t.ppf(0.5 + confidence / 2, n - 1)
            lo, hi = max(kappa - t * se, -1.0), min(kappa + t * se, 1.0)
    out = pd.DataFrame(
        {
            "kappa": [kappa],
            "se": [se],
            "ci_low": [lo],
            "ci_high": [hi],
            "se0": [se0],
            "z": [z],
            "p_value": [p_value],
            "n": [n],
            "n_coders": [m],
            "percent_agreement": [agree],
            "interpretation": [interpret_kappa(kappa)],
            "method": [method],
        }
    )
    return _attrs(out, confidence, ("kappa", "se", "ci_low", "ci_high", "se0", "z"))


def krippendorff_alpha(
    data: pd.DataFrame,
    unit: str,
    coder: str,
    value: str,
    level: str = "nominal",
    *,
    n_boot: int = 0,
    seed: int | None = 0,
    confidence: float = DEFAULT_CONFIDENCE,
    min_alpha=(0.667, 0.8),
) -> pd.DataFrame:
    """Krippendorff's alpha for any number of coders, with missing codings allowed.

    With ``n_boot`` > 0, also Krippendorff's bootstrapped interval: the algorithm of his
    "Bootstrapping distributions for Krippendorff's alpha" note, as Hayes & Krippendorff's
    KALPHA macro runs it (see Notes for exactly what is resampled).

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per coding. A unit a coder did not code simply has no row (or a
        missing ``value``).
    unit, coder, value : str
        Column names.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement. ``"ordinal"`` needs numbers or an ordered categorical;
        ``"interval"`` and ``"ratio"`` need numbers.
    n_boot : int
        Number of bootstrap samples (0: no interval). KALPHA asks for at least 1,000; Stata's
        ``kalpha`` draws 20,000 by default.
    seed : int or None
        Seed of the bootstrap's random numbers (numpy ``default_rng``): the same data, ``n_boot``
        and seed give the same interval, so a rebuilt report shows the same numbers. ``None``
        draws fresh entropy.
    confidence : float
        Level of the bootstrap interval.
    min_alpha : sequence of float
        Smallest acceptable alphas: for each, the share of bootstrap alphas below it,
        Krippendorff's q, "the probability of failing to reach" it.

    Returns
    -------
    pandas.DataFrame
        One row: ``alpha``, ``n`` (units coded by at least two coders — the pairable units),
        ``n_coders``, ``n_values`` (pairable codings), ``interpretation`` (Krippendorff's 0.667 and
        0.800 thresholds), ``method`` (the level). With ``n_boot`` > 0 also ``ci_low``,
        ``ci_high`` (the bootstrap percentile interval), ``n_boot``, ``n_draws`` (pairs drawn per
        bootstrap sample, ``M`` below) and, for each ``min_alpha`` m, ``q_below_<m>`` (``.``
        written ``_``, e.g. ``q_below_0_8``); ``attrs["bootstrap_alphas"]`` holds the
        bootstrap alphas and ``attrs["confidence"]`` the level. The point estimate is the ``krippendorff`` package's; the
        interval is NaN when alpha is undefined.

    Notes
    -----
    **What is resampled: pairs of values, not units.** Krippendorff's bootstrap draws from the
    observed coincidence matrix ``o_ck`` (the ``n`` pairable values, each unit's ``m_u`` values
    paired with one another and weighted ``1 / (m_u − 1)``):

    1. each unordered pair of values ``{c, k}`` has probability ``o_cc / n`` (``c = k``) or
       ``2 o_ck / n`` (``c ≠ k``);
    2. ``M = min(25 · Q, round(n (m − 1) / 2))`` pairs are drawn with replacement, ``Q`` the
       number of non-zero cells of ``o_ck`` and ``m`` the number of coders;
    3. each sample's alpha is ``1 − Σ δ²(drawn pairs) / (M · D_e)``, the expected disagreement
       ``D_e`` (and, for ordinal data, the metric ``δ²``) held at the observed data's values;
    4. alphas below −1 become −1; a sample whose alpha is 1 because it drew one matching value
       only carries no information about agreement and becomes 0: when one value alone
       matches anywhere in the data, every alpha of 1; otherwise as many (at most) as the
       expected number of such samples, ``round(n_boot · Σ_c (o_cc / n)^M)``.

    The interval is the ``(1 − confidence) / 2`` and ``(1 + confidence) / 2`` percentiles of the
    sorted alphas, indexed as KALPHA indexes them (``⌊0.025 B⌋``-th and ``⌊0.975 B⌋ + 1``-th of
    ``B``). Units are not resampled, so the interval ignores that a unit's values are coded
    together, and ``D_e`` does not vary; ``docs/agreement-methods.md`` lists this and the
    criticism of the method (Gwet 2015; Zapf et al. 2016; Hughes 2022).

    References
    ----------
    Krippendorff K (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
    Communication Departmental Papers 43.
    Hayes AF, Krippendorff K (2007). Answering the call for a standard reliability measure for
    coding data. Communication Methods and Measures 1:77–89.
    Krippendorff K (2004). Content Analysis: An Introduction to Its Methodology, 2nd ed.,
    §11.4. Sage.
    Krippendorff K (2006, revised 2011). Algorithm for bootstrapping a distribution of α.
    Manuscript, Annenberg School for Communication.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4], "coder": ["A", "B"] * 3 + ["A"],
    ...                   "value": ["x", "x", "y", "y", "x", "y", "y"]})
    >>> round(float(krippendorff_alpha(d, "unit", "coder", "value")["alpha"].iloc[0]), 3)
    0.444
    >>> boot = krippendorff_alpha(d, "unit", "coder", "value", n_boot=1000, seed=1)
    >>> list(boot.columns[-6:])
    ['ci_low', 'ci_high', 'n_boot', 'n_draws', 'q_below_0_667', 'q_below_0_8']
    """
    import krippendorff

    check_choice("level", level, ("nominal", "ordinal", "interval", "ratio"))
    _check_columns(data, unit=unit, coder=coder, value=value)
    n_boot = _check_n_boot(n_boot)
    confidence = check_confidence(confidence)
    minima = [float(m) for m in np.atleast_1d(min_alpha)] if min_alpha is not None else []
    data = data[data[value].notna()]
    wide = rating_table(data, unit, coder, value)
    if wide.shape[1] < 2:
        raise AgreementError(
            f"Krippendorff's alpha needs at least 2 coders; column {coder!r} has "
            f"{wide.shape[1]} ({', '.join(map(str, wide.columns)) or 'none'})"
        )
    col = data[value]
    if isinstance(col.dtype, pd.CategoricalDtype):
        if level in ("interval", "ratio"):
            raise AgreementError(
                f"level={level!r} needs numeric values; column {value!r} is categorical"
            )
        if level == "ordinal" and not col.cat.ordered:
            raise AgreementError(
                f"level='ordinal' needs an ordered categorical or numbers; column "
                f"{value!r} is an unordered categorical"
            )
        cats = list(col.cat.categories)
        matrix = np.column_stack(
            [pd.Categorical(wide[c], categories=cats).codes for c in wide.columns]
        ).astype(float)
        matrix[matrix < 0] = np.nan
        domain = list(range(len(cats)))
    elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        matrix = wide.to_numpy(dtype=float, na_value=np.nan)
        domain = None
    else:
        if level != "nominal":
            raise AgreementError(
                f"level={level!r} needs numbers (or an ordered categorical for "
                f"'ordinal'); column {value!r} holds text such as "
                f"{col.iloc[0]!r}"
            )
        cats = _categories(col)
        matrix = np.column_stack(
            [pd.Categorical(wide[c], categories=cats).codes for c in wide.columns]
        ).astype(float)
        matrix[matrix < 0] = np.nan
        domain = list(range(len(cats)))
    counts = (~np.isnan(matrix)).sum(axis=1)
    pairable = counts >= 2
    if not pairable.any():
        raise AgreementError(
            "Krippendorff's alpha needs at least one unit coded by two or more coders; no unit is"
        )
    observed = np.unique(matrix[pairable][~np.isnan(matrix[pairable])])
    if len(observed) < 2:
        alpha = np.nan  # a single value: no disagreement possible, alpha undefined
    else:
        kwargs = {"value_domain": domain} if domain is not None else {}
        alpha = float(
            krippendorff.alpha(reliability_data=matrix.T, level_of_measurement=level, **kwargs)
        )
    out = {
        "alpha": [alpha],
        "n": [int(pairable.sum())],
        "n_coders": [wide.shape[1]],
        "n_values": [int(counts[pairable].sum())],
        "interpretation": [interpret_alpha(alpha)],
        "method": [level],
    }
    columns = ("alpha",)
    if n_boot:
        boot = _alpha_bootstrap(
            matrix[pairable], level, n_boot=n_boot, seed=seed, n_coders=wide.shape[1]
        )
        lo, hi = (
            _kalpha_interval(boot["alphas"], confidence) if np.isfinite(alpha) else (np.nan,) * 2
        )
        out |= {"ci_low": [lo], "ci_high": [hi], "n_boot": [n_boot], "n_draws": [boot["draws"]]}
        for m in minima:
            share = float((boot["alphas"] < m).mean()) if np.isfinite(alpha) else np.nan
            out[f"q_below_{m:g}".replace(".", "_")] = [share]
        columns = ("alpha", "ci_low", "ci_high")
    out = _attrs(pd.DataFrame(out), confidence if n_boot else None, columns)
    if n_boot:
        out.attrs["bootstrap_alphas"] = boot["alphas"]
        out.attrs["labels"] |= {"n_boot": "Bootstrap samples", "n_draws": "Pairs drawn"}
        out.attrs["labels"] |= {
            f"q_below_{m:g}".replace(".", "_"): f"q (alpha < {m:g})" for m in minima
        }
    return out


def _check_n_boot(n_boot) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(
            f"n_boot must be a whole number of bootstrap samples, 0 or more; got {n_boot!r}"
        )
    return int(n_boot)


def _delta(values: np.ndarray, n_c: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's squared metric differences δ²(c, k) between the sorted values."""
    c, k = values[:, None], values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            d = ((c - k) / (c + k)) ** 2
        return np.nan_to_num(d, nan=0.0)  # 0 vs 0: no difference
    # ordinal: (Σ_{g=c..k} n_g − (n_c + n_k) / 2)², with values in scale order
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    i, j = np.arange(len(values))[:, None], np.arange(len(values))[None, :]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return (cum[hi + 1] - cum[lo] - (n_c[i] + n_c[j]) / 2) ** 2


def _coincidences(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Krippendorff's coincidence matrix of a units × coders array (NaN: not coded).

    Returns the sorted distinct values and the matrix ``o_ck``: each unit with ``m_u ≥ 2``
    values adds, for every ordered pair of its values from different coders, ``1 / (m_u − 1)``.
    """
    matrix = np.asarray(matrix, dtype=float)
    m_u = (~np.isnan(matrix)).sum(axis=1)
    matrix = matrix[m_u >= 2]
    m_u = m_u[m_u >= 2]
    values = np.unique(matrix[~np.isnan(matrix)])
    n_uc = np.stack([(matrix == v).sum(axis=1) for v in values], axis=1).astype(float)
    weighted = n_uc / (m_u - 1)[:, None]
    o = weighted.T @ n_uc - np.diag((n_uc / (m_u - 1)[:, None]).sum(axis=0))
    return values, o


def _alpha_bootstrap(
    matrix: np.ndarray,
    level: str,
    *,
    n_boot: int,
    seed: int | None = 0,
    n_coders: int | None = None,
) -> dict:
    """Krippendorff's bootstrap distribution of alpha from a units × coders array.

    The resampling of :func:`krippendorff_alpha` (its Notes say exactly what is drawn). Returns
    a dict: ``alphas`` (the ``n_boot`` bootstrap alphas, after Krippendorff's corrections),
    ``draws`` (``M``, pairs drawn per sample), ``d_o`` and ``d_e`` (observed and expected
    disagreement) and ``alpha`` (``1 − d_o / d_e``, equal to the ``krippendorff`` package's).
    """
    matrix = np.asarray(matrix, dtype=float)
    check_choice("level", level, ("nominal", "ordinal", "interval", "ratio"))
    n_boot = _check_n_boot(n_boot)
    values, o = _coincidences(matrix)
    n_coders = matrix.shape[1] if n_coders is None else n_coders
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    delta = _delta(values, n_c, level)
    d_o = float((o * delta).sum() / n)
    d_e = float((np.outer(n_c, n_c) * delta).sum() / (n * (n - 1)))
    draws = int(min(25 * int((o > 0).sum()), round(n * (n_coders - 1) / 2)))
    upper = np.triu_indices(len(values))
    p = (o * (2 - np.eye(len(values))))[upper] / n  # unordered pairs {c, k}
    rng = np.random.default_rng(seed)
    if d_e <= 0:
        alphas = np.full(n_boot, np.nan)
    else:
        drawn = rng.multinomial(draws, p / p.sum(), size=n_boot)
        alphas = 1 - drawn @ delta[upper] / (draws * d_e)
        alphas[alphas < -1] = -1.0
        ones = alphas == 1
        matching = np.diag(o) > 0
        if ones.any() and matching.sum() == 1:
            alphas[ones] = 0.0
        elif ones.any():
            expected = round(n_boot * float(((np.diag(o) / n) ** draws).sum()))
            alphas[np.flatnonzero(ones)[:expected]] = 0.0
    return {
        "alphas": alphas,
        "draws": draws,
        "d_o": d_o,
        "d_e": d_e,
        "alpha": 1 - d_o / d_e if d_e > 0 else np.nan,
    }


def _kalpha_interval(alphas: np.ndarray, confidence: float) -> tuple[float, float]:
    """KALPHA's percentile interval: the ⌊a·B⌋-th and (⌊(1 − a)·B⌋ + 1)-th sorted alphas."""
    ordered = np.sort(alphas)
    b = len(ordered)
    tail = (1 - confidence) / 2
    low = min(max(int(np.floor(tail * b + 1e-9)), 1), b)
    high = min(int(np.floor((1 - tail) * b + 1e-9)) + 1, b)
    return float(ordered[low - 1]), float(ordered[high - 1])


# ------------------------------------------------------------------ prevalence-robust coefficients


def _pair_tables(data, unit, coder, value, categories, what):
    """For each pair of coders: the q × q table of their codes over the units both coded."""
    from itertools import combinations

    wide = rating_table(data, unit, coder, value)
    if wide.shape[1] < 2:
        raise AgreementError(
            f"{what} needs at least 2 coders; column {coder!r} has {wide.shape[1]} "
            f"({', '.join(map(str, wide.columns)) or 'none'})"
        )
    cats = _categories(data[value], categories)
    for c1, c2 in combinations(wide.columns, 2):
        both = wide[[c1, c2]].dropna()
        if both.empty:
            raise AgreementError(f"no {unit} was coded by both {c1!r} and {c2!r}")
        a = pd.Categorical(both[c1], categories=cats)
        b = pd.Categorical(both[c2], categories=cats)
        table = pd.crosstab(a, b, dropna=False).reindex(index=cats, columns=cats, fill_value=0)
        yield c1, c2, table.to_numpy(dtype=float), cats


def gwet_ac1(
    data: pd.DataFrame,
    unit: str,
    coder: str,
    value: str,
    *,
    categories=None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Gwet's AC1 for each pair of coders: agreement that does not collapse when a code is rare.

    With observed agreement ``Pa`` and ``π_k`` the mean of the two coders' shares of category
    ``k``, chance agreement is ``Pe = Σ π_k (1 − π_k) / (q − 1)`` and ``AC1 = (Pa − Pe) / (1 − Pe)``.
    Unlike Cohen's kappa, ``Pe`` is small when one category dominates, so AC1 stays high when
    coders agree on almost every unit of a rarely present code (the "kappa paradox").

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per unit per coder.
    unit, coder, value : str
        Column names: what was coded, who coded it, the code given.
    categories : sequence, optional
        All the categories a coder could give (``q`` counts them). Default: the categories of a
        categorical column, else the distinct values observed (as R ``irrCAC`` does). Pass
        ``[False, True]`` for presence/absence codes so that ``q = 2`` even when every coding
        is "absent".
    confidence : float
        Level of the interval ``AC1 ± t(n − 1) · se`` (Student t on n − 1 degrees of freedom, as
        ``irrCAC`` reports it), kept within −1 to 1.

    Returns
    -------
    pandas.DataFrame
        One row per pair of coders, over the units both coded: ``coder_1``, ``coder_2``, ``ac1``,
        ``se`` (Gwet 2008, two-rater variance, as ``irrCAC::gwet.ac1.table``), ``ci_low``,
        ``ci_high``, ``percent_agreement`` (Pa), ``chance_agreement`` (Pe), ``n``, ``method``.
        AC1 is NaN when there is a single category.

    Notes
    -----
    The ``se`` is the two-rater formula of Gwet (2008), which ``irrCAC::gwet.ac1.table``
    computes. ``irrCAC::gwet.ac1.raw`` on the same two coders' raw codes uses its many-rater
    linearisation, divided by ``n (n − 1)`` rather than ``n²``: its ``se`` is larger by
    ``√(n / (n − 1))`` (0.5% at n = 100). AC1 itself is the same.

    References
    ----------
    Gwet KL (2008). Computing inter-rater reliability and its variance in the presence of high
    agreement. Br J Math Stat Psychol 61:29–48.
    Gwet KL (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced Analytics.
    Feinstein AR, Cicchetti DV (1990). High agreement but low kappa: I. The problems of two
    paradoxes. J Clin Epidemiol 43:543–549.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "coder": ["A", "B"] * 4,
    ...                   "value": ["x", "x", "y", "y", "x", "y", "y", "y"]})
    >>> round(float(gwet_ac1(d, "unit", "coder", "value")["ac1"].iloc[0]), 3)
    0.529
    """
    confidence = check_confidence(confidence)
    rows = []
    for c1, c2, counts, cats in _pair_tables(data, unit, coder, value, categories, "Gwet's AC1"):
        q, n = len(cats), counts.sum()
        p = counts / n
        pa = float(np.trace(p))
        pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
        ac1 = se = pe = np.nan
        lo = hi = np.nan
        if q >= 2:
            pe = float(pi @ (1 - pi)) / (q - 1)
            ac1 = (pa - pe) / (1 - pe)
            # Gwet (2008) two-rater variance (irrCAC gwet.ac1.table, identity weights):
            # v = [Σ_kl p_kl (w_kl − 2(1 − AC1)(1 − (π_k + π_l)/2)/(q − 1))² − (Pa − 2(1 − AC1)Pe)²]
            #     / (n (1 − Pe)²)
            term = np.eye(q) - 2 * (1 - ac1) * (1 - (pi[:, None] + pi[None, :]) / 2) / (q - 1)
            var = (float((p * term**2).sum()) - (pa - 2 * (1 - ac1) * pe) ** 2) / (
                n * (1 - pe) ** 2
            )
            se = float(np.sqrt(max(var, 0.0)))
            if n >= 2:
                t = stats.t.ppf(0.5 + confidence / 2, n - 1)
                lo, hi = max(ac1 - t * se, -1.0), min(ac1 + t * se, 1.0)
        rows.append(
            {
                "coder_1": c1,
                "coder_2": c2,
                "ac1": ac1,
                "se": se,
                "ci_low": lo,
                "ci_high": hi,
                "percent_agreement": pa,
                "chance_agreement": pe,
                "n": int(n),
                "method": "gwet_ac1",
            }
        )
    return _attrs(pd.DataFrame(rows), confidence, ("ac1", "se", "ci_low", "ci_high"))


def pabak(
    data: pd.DataFrame,
    unit: str,
    coder: str,
    value: str,
    *,
    categories=None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Prevalence- and bias-adjusted kappa (PABAK) for each pair of coders.

    ``PABAK = (q · Pa − 1) / (q − 1)``, which is ``2 · Pa − 1`` for presence/absence codes: the
    kappa two coders would have if every category were equally common and they shared the same
    marginal shares (Byrt, Bishop & Carlin 1993). It is a rescaling of percent agreement.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per unit per coder.
    unit, coder, value : str
        Column names.
    categories : sequence, optional
        All the categories a coder could give (``q`` counts them); default as
        :func:`gwet_ac1`. Pass ``[False, True]`` for presence/absence codes.
    confidence : float
        Level of the interval ``PABAK ± t(n − 1) · se``, kept within −1 to 1 (Student t, as
        ``irrCAC::bp2.table`` reports the Brennan–Prediger coefficient, which for unweighted
        codes is PABAK).

    Returns
    -------
    pandas.DataFrame
        One row per pair of coders, over the units both coded: ``coder_1``, ``coder_2``,
        ``pabak``, ``se``, ``ci_low``, ``ci_high``, ``percent_agreement``, ``n``, ``method``. The
        ``se`` is Pa's binomial standard error scaled by ``q / (q − 1)``:
        ``q / (q − 1) · √(Pa (1 − Pa) / n)``. PABAK is NaN when there is a single category.

    References
    ----------
    Byrt T, Bishop J, Carlin JB (1993). Bias, prevalence and kappa. J Clin Epidemiol 46:423–429.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "coder": ["A", "B"] * 4,
    ...                   "value": ["x", "x", "y", "y", "x", "y", "y", "y"]})
    >>> float(pabak(d, "unit", "coder", "value")["pabak"].iloc[0])
    0.5
    """
    confidence = check_confidence(confidence)
    rows = []
    for c1, c2, counts, cats in _pair_tables(data, unit, coder, value, categories, "PABAK"):
        q, n = len(cats), counts.sum()
        pa = float(np.trace(counts) / n)
        est = se = lo = hi = np.nan
        if q >= 2:
            est = (q * pa - 1) / (q - 1)
            se = q / (q - 1) * float(np.sqrt(pa * (1 - pa) / n))
            if n >= 2:
                t = stats.t.ppf(0.5 + confidence / 2, n - 1)
                lo, hi = max(est - t * se, -1.0), min(est + t * se, 1.0)
        rows.append(
            {
                "coder_1": c1,
                "coder_2": c2,
                "pabak": est,
                "se": se,
                "ci_low": lo,
                "ci_high": hi,
                "percent_agreement": pa,
                "n": int(n),
                "method": "pabak",
            }
        )
    return _attrs(pd.DataFrame(rows), confidence, ("pabak", "se", "ci_low", "ci_high"))


def code_agreement(
    segments: pd.DataFrame,
    *,
    unit: str = "interview",
    coder: str = "coder",
    code: str = "code",
    coders=None,
    min_kappa: float = 0.61,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Per code: do two coders agree on whether the code applies to each double-coded interview?

    Each code becomes a presence/absence rating per interview per coder (:func:`presence_table`);
    Cohen's kappa and percent agreement are computed over the interviews both coders coded.

    Parameters
    ----------
    segments : pandas.DataFrame
        Coded segments (e.g. from :func:`aeeval.read_segments`).
    unit, coder, code : str
        Column names.
    coders : pair of str, optional
        The two coders to compare (default: the only two in the data; more is an error).
    min_kappa : float
        Codes with kappa below this (default 0.61, the Landis & Koch "substantial" band), or with an
        undefined kappa and any disagreement, get ``needs_review = True``: their definition needs
        sharpening.
    confidence : float
        Level of the kappa intervals.

    Returns
    -------
    pandas.DataFrame
        One row per code: ``code`` (and ``theme`` when present), ``n`` (double-coded
        interviews), ``both``, ``coder_1_only``, ``coder_2_only``, ``neither``,
        ``percent_agreement``, ``prevalence`` (share of the two coders' decisions that applied
        the code: ``(2 · both + coder_1_only + coder_2_only) / (2 n)``), ``kappa``, ``se``, ``ci_low``, ``ci_high``, ``interpretation``,
        ``ac1``, ``ac1_ci_low``, ``ac1_ci_high`` (Gwet's AC1, :func:`gwet_ac1`), ``pabak``
        (``2 · agreement − 1``, :func:`pabak`), ``needs_review``. ``attrs["single_coded"]`` lists
        interviews only one coder coded (left out).

    Notes
    -----
    Most codes are absent from most interviews. Kappa then falls even when the coders agree on
    nearly every interview, because its chance agreement is high when "absent" dominates
    (Feinstein & Cicchetti 1990, the kappa paradox). When a code is rare (or nearly always
    present), read AC1 and PABAK beside kappa and the four counts: a low kappa with AC1 and
    PABAK near 1 means the coders agree and the code is rare; low values of all three mean
    they disagree. ``needs_review`` still follows kappa.

    References
    ----------
    Landis JR, Koch GG (1977). Biometrics 33:159–174. O'Connor C, Joffe H (2020). Intercoder
    reliability in qualitative research. Int J Qual Methods 19.
    Feinstein AR, Cicchetti DV (1990). High agreement but low kappa: I. The problems of two
    paradoxes. J Clin Epidemiol 43:543–549. Gwet KL (2008). Br J Math Stat Psychol 61:29–48.
    Byrt T, Bishop J, Carlin JB (1993). J Clin Epidemiol 46:423–429.

    Examples
    --------
    >>> import aeeval as ae
    >>> seg = ae.read_segments(None)
    >>> table = ae.code_agreement(seg)
    >>> int(table["n"].iloc[0])
    12
    """
    _check_columns(segments, unit=unit, coder=coder, code=code)
    all_coders = sorted(segments[coder].dropna().unique())
    if coders is None:
        if len(all_coders) != 2:
            raise AgreementError(
                f"per-code agreement compares two coders; column {coder!r} has "
                f"{len(all_coders)} ({', '.join(map(str, all_coders)) or 'none'}); "
                "pass coders=(first, second)"
            )
        coders = all_coders
    coders = list(coders)
    unknown = [c for c in coders if c not in all_coders]
    if len(coders) != 2 or unknown:
        raise AgreementError(f"coders must be two of {all_coders}; got {coders}")
    seg = segments[segments[coder].isin(coders)]
    by_unit = seg.groupby(unit)[coder].nunique()
    double = by_unit.index[by_unit == 2]
    single = sorted(by_unit.index[by_unit < 2])
    if len(double) == 0:
        raise AgreementError(f"no {unit} was coded by both {coders[0]!r} and {coders[1]!r}")
    pres = presence_table(seg[seg[unit].isin(double)], unit=unit, coder=coder, code=code)
    rows = []
    for name, g in pres.groupby(code, sort=True):
        res = cohens_kappa(
            g, unit, coder, "present", categories=[False, True], confidence=confidence
        ).iloc[0]
        ac1 = gwet_ac1(
            g, unit, coder, "present", categories=[False, True], confidence=confidence
        ).iloc[0]
        wide = g.pivot(index=unit, columns=coder, values="present")[coders]
        a, b = wide[coders[0]], wide[coders[1]]
        disagree = int((a != b).sum())
        review = (res["kappa"] < min_kappa) if pd.notna(res["kappa"]) else disagree > 0
        rows.append(
            {
                code: name,
                "n": int(res["n"]),
                "both": int((a & b).sum()),
                "coder_1_only": int((a & ~b).sum()),
                "coder_2_only": int((~a & b).sum()),
                "neither": int((~a & ~b).sum()),
                "percent_agreement": res["percent_agreement"],
                "prevalence": float((a.sum() + b.sum()) / (2 * len(a))),
                "kappa": res["kappa"],
                "se": res["se"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
                "interpretation": res["interpretation"],
                "ac1": ac1["ac1"],
                "ac1_ci_low": ac1["ci_low"],
                "ac1_ci_high": ac1["ci_high"],
                "pabak": 2 * res["percent_agreement"] - 1,
                "needs_review": bool(review),
            }
        )
    out = pd.DataFrame(rows)
    if "theme" in segments.columns:
        themes = segments[[code, "theme"]].drop_duplicates(code)
        out = themes.merge(out, on=code, how="right")[["theme", *out.columns]]
        out = out.sort_values(["theme", code], ignore_index=True)
    out = _attrs(
        out,
        confidence,
        ("kappa", "se", "ci_low", "ci_high", "ac1", "ac1_ci_low", "ac1_ci_high", "pabak"),
    )
    out.attrs["coders"] = coders
    out.attrs["single_coded"] = [str(u) for u in single]
    out.attrs["percent_columns"] = ["percent_agreement", "prevalence"]
    if code == "code" and "code" in segments.columns:  # words for codes, as the other tables
        from .qual import code_labels

        out.attrs["value_labels"] = {"code": code_labels(segments)}
    out.attrs["labels"] = {
        **out.attrs["labels"],
        "prevalence": "Prevalence",
        "coder_1_only": f"{coders[0]} only",
        "coder_2_only": f"{coders[1]} only",
        "n": "Interviews (n)",
    }
    return out


def prevalence_note(table: pd.DataFrame, *, skewed: float = 0.2, code: str = "code") -> str:
    """Which coefficient to read, from the prevalence of each code in a :func:`code_agreement` table.

    A code is *skewed* when its ``prevalence`` is below ``skewed`` or above ``1 − skewed``: there
    kappa's chance agreement is high and kappa can be low though the coders agree (the kappa
    paradox), so AC1, PABAK and the four counts are read beside it. The sentence names the
    skewed codes, or says that none is skewed and the three coefficients can be read alike.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`code_agreement` (columns ``prevalence``, ``kappa``, ``ac1``).
    skewed : float
        Prevalence below this or above ``1 − skewed`` counts as skewed (default 0.2: a code
        applied in fewer than one in five decisions, or in more than four in five).
    code : str
        Column naming the codes.

    Returns
    -------
    str
        One or two sentences for the report.

    References
    ----------
    Feinstein AR, Cicchetti DV (1990). High agreement but low kappa: I. The problems of two
    paradoxes. J Clin Epidemiol 43:543–549. Byrt T, Bishop J, Carlin JB (1993). Bias,
    prevalence and kappa. J Clin Epidemiol 46:423–429.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"code": ["a", "b"], "prevalence": [0.1, 0.5], "kappa": [0.3, 0.8],
    ...                   "ac1": [0.85, 0.8]})
    >>> print(prevalence_note(t))  # doctest: +ELLIPSIS
    Prevalence is skewed for 1 of the 2 codes (a: applied in 10% of decisions)... for a.
    """
    if not 0 < skewed < 0.5:
        raise ValueError(f"skewed must be between 0 and 0.5 (e.g. 0.2); got {skewed!r}")
    _check_columns(table, code=code, prevalence="prevalence", kappa="kappa", ac1="ac1")
    prev = table["prevalence"]
    low, high = skewed, 1 - skewed
    mask = (prev < low) | (prev > high)
    if not mask.any():
        return (
            f"No code is rare or near-universal: each was applied in {prev.min():.0%} to "
            f"{prev.max():.0%} of the coders' decisions, inside {low:.0%}–{high:.0%}, so kappa's "
            "chance agreement is not inflated by prevalence and kappa, AC1 and PABAK can be read "
            "alike; the kappa bands apply."
        )
    rows = table[mask]
    listed = "; ".join(
        f"{r[code]}: applied in {r['prevalence']:.0%} of decisions" for _, r in rows.iterrows()
    )
    paradox = rows[(rows["ac1"] - rows["kappa"]) >= 0.2][code].astype(str).tolist()
    text = (
        f"Prevalence is skewed for {int(mask.sum())} of the {len(table)} codes ({listed}), outside "
        f"{low:.0%}–{high:.0%}. For these, kappa's chance agreement is high and kappa can be low "
        "though the coders agree (the kappa paradox): read AC1, PABAK and the four counts beside "
        "kappa; a low kappa with AC1 and PABAK near 1 means agreement on a rare (or "
        "near-universal) code, low values of all three mean disagreement."
    )
    if paradox:
        text += f" Here AC1 exceeds kappa by 0.2 or more for {', '.join(paradox)}."
    return text


def _attrs(out: pd.DataFrame, confidence, coefficients) -> pd.DataFrame:
    """How :func:`aeeval.show` should format these columns (coefficients are not percentages)."""
    if confidence is not None:
        out.attrs["confidence"] = confidence
    out.attrs["coefficient_columns"] = list(coefficients)
    out.attrs["percent_columns"] = ["percent_agreement"]
    out.attrs["labels"] = dict(_LABELS)
    # Agreement between coders is about the coding, not about the people interviewed.
    declare(out, rule="none")
    return out
