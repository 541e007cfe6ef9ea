"""Intervals for Krippendorff's alpha (bootstrap) and Fleiss' kappa (standard errors).

Each number is checked against a published value or an independent implementation, with its
source beside it.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import aeeval as ae
from aeeval.agreement import AgreementError

# Hayes & Krippendorff (2007), Communication Methods and Measures 1:77-89, Table 1: five
# observers rate the tone of 40 newspaper articles 0-3 (None: not rated). Transcribed as in
# jucor/krippendorff data-raw/news_tone_hayes2007.csv.
HAYES_2007 = [
    [1, 1, 2, None, 2], [1, 1, 0, 1, None], [2, 3, 3, 3, None], [None, 0, 0, None, 0],
    [0, 0, 0, None, 0], [0, 0, 0, None, 0], [1, 0, 2, None, 1], [1, None, 2, 0, None],
    [2, 2, 2, None, 2], [2, 1, 1, 1, None], [None, 1, 0, 0, None], [0, 0, 0, 0, None],
    [1, 2, 2, 2, None], [3, 3, 2, 2, 3], [1, 1, 1, None, 1], [1, 1, 1, None, 1],
    [2, 1, 2, None, 2], [1, 2, 3, 3, None], [1, 1, 0, 1, None], [0, 0, 0, None, 0],
    [0, 0, 1, 1, None], [0, 0, None, 0, 0], [2, 3, 3, 3, None], [0, 0, 0, 0, None],
    [1, 2, None, 2, 2], [0, 1, 1, 1, None], [0, 0, 0, 1, 0], [1, 2, 1, 2, None],
    [1, 1, 2, 2, None], [1, 1, 2, None, 2], [1, 1, 0, None, 0], [2, 1, 2, 1, None],
    [2, 2, None, 2, 2], [3, 2, 2, 2, None], [2, 2, 2, None, 2], [2, 2, 3, None, 2],
    [2, 2, 2, None, 2], [2, 2, None, 1, 2], [2, 2, 2, 2, None], [1, 1, 1, None, 1],
]  # fmt: skip


def _long(rows, coders=None):
    out = []
    for u, ratings in enumerate(rows, start=1):
        for j, v in enumerate(ratings):
            if v is not None and not (isinstance(v, float) and np.isnan(v)):
                out.append((u, coders[j] if coders else f"obs{j + 1}", v))
    return pd.DataFrame(out, columns=["unit", "coder", "value"])


def _kalpha_macro(rows, level, n_boot, seed):
    """Independent transcription of KALPHA 3.0 (A. F. Hayes's SPSS macro, 2011): coincidences
    built pair by pair, the ordinal metric as the macro writes it, draws by locating uniform
    random numbers in the cumulative pair probabilities (`pmat`), corrections as the macro's."""
    m = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    m = m[(~np.isnan(m)).sum(axis=1) > 1]
    values = sorted(set(m[~np.isnan(m)].tolist()))
    v = len(values)
    index = {x: i for i, x in enumerate(values)}
    coinc = np.zeros((v, v))
    for row in m:
        coded = [index[x] for x in row if not np.isnan(x)]
        for a in range(len(coded)):
            for b in range(len(coded)):
                if a != b:
                    coinc[coded[a], coded[b]] += 1 / (len(coded) - 1)
    nc = coinc.sum(axis=1)
    n = nc.sum()
    delta = np.zeros((v, v))
    for i in range(v):
        for j in range(i + 1, v):
            if level == "ordinal":
                d = (nc[i : j + 1].sum() - nc[i] / 2 - nc[j] / 2) ** 2
            elif level == "interval":
                d = (values[i] - values[j]) ** 2
            else:
                d = 1.0
            delta[i, j] = delta[j, i] = d
    expect = np.outer(nc, nc) / (n - 1) - np.diag(nc) / (n - 1)
    expdis = (expect * delta).sum() / n
    q = int((coinc > 0).sum())
    draws = int(min(25 * q, round((m.shape[1] - 1) * n / 2)))  # n is a float sum of 1/(m_u-1)
    pcoinc = 2 * coinc / n - np.diag(np.diag(coinc)) / n
    cum, dl = [0.0], [0.0]
    for i in range(v):
        for j in range(i, v):
            cum.append(cum[-1] + pcoinc[j, i])
            dl.append(delta[j, i])
    cum, dl = np.array(cum), np.array(dl)
    rng = np.random.RandomState(seed)
    rand = rng.uniform(size=(n_boot, draws))
    cell = np.clip(np.searchsorted(cum, rand, side="left"), 1, len(cum) - 1)
    alphas = 1 - dl[cell].sum(axis=1) / (expdis * draws)
    alphas[alphas < -1] = -1
    nzero = int((np.diag(coinc) > 0).sum())
    nx = round(n_boot * float(((np.diag(coinc) / n) ** draws).sum()))
    ones = np.flatnonzero(alphas == 1)
    if nzero == 1:
        alphas[ones] = 0
    else:
        alphas[ones[:nx]] = 0
    alphas.sort()
    low = alphas[int(0.025 * n_boot) - 1]
    high = alphas[int(0.975 * n_boot) + 1 - 1]
    return low, high, alphas, draws


def test_alpha_point_estimate_and_counts_on_hayes_krippendorff_2007():
    res = ae.krippendorff_alpha(_long(HAYES_2007), "unit", "coder", "value", level="ordinal")
    row = res.iloc[0]
    # Ordinal alpha of these data by the krippendorff package: 0.7598 (KALPHA prints .7598 for
    # them in Hayes & Krippendorff 2007); 40 units, 5 observers, 159 pairable values.
    assert round(row["alpha"], 4) == 0.7598
    assert (row["n"], row["n_coders"], row["n_values"]) == (40, 5, 159)
    assert "ci_low" not in res.columns  # no bootstrap unless asked


@pytest.mark.parametrize("level", ["ordinal", "interval", "nominal"])
def test_bootstrap_matches_an_independent_kalpha_transcription(level):
    res = ae.krippendorff_alpha(
        _long(HAYES_2007), "unit", "coder", "value", level=level, n_boot=20000, seed=7,
        min_alpha=(0.667, 0.8),
    ).iloc[0]  # fmt: skip
    low, high, alphas, draws = _kalpha_macro(HAYES_2007, level, 20000, seed=11)
    # M = min(25 Q, (m - 1) n / 2): 5 observers and 159 values give (5 - 1) · 159 / 2 = 318.
    assert res["n_draws"] == draws
    if level != "nominal":
        assert draws == 318
    # Two Monte-Carlo runs of 20,000 samples: percentiles agree to well within 0.01.
    assert res["ci_low"] == pytest.approx(low, abs=0.006)
    assert res["ci_high"] == pytest.approx(high, abs=0.006)
    assert res["q_below_0_8"] == pytest.approx((alphas < 0.8).mean(), abs=0.015)
    assert res["q_below_0_667"] == pytest.approx((alphas < 0.667).mean(), abs=0.015)
    assert res["ci_low"] < res["alpha"] < res["ci_high"]


def test_bootstrap_spread_is_the_pair_sampling_variance():
    # Independent derivation: drawing M pairs with replacement, Do* has mean Do and variance
    # Var(δ²) / M, Var(δ²) = Σ p δ⁴ − Do² over the pair probabilities, and alpha* = 1 − Do*/De,
    # so sd(alpha*) = sqrt(Var(δ²) / M) / De (interval metric, no correction applies here).
    data = _long(HAYES_2007)
    res = ae.krippendorff_alpha(data, "unit", "coder", "value", level="interval", n_boot=20000)
    boot = res.attrs["bootstrap_alphas"]
    values = np.array([0.0, 1, 2, 3])
    m = np.array([[np.nan if v is None else v for v in r] for r in HAYES_2007], dtype=float)
    o = np.zeros((4, 4))
    for row in m:
        x = row[~np.isnan(row)]
        for a in range(len(x)):
            for b in range(len(x)):
                if a != b:
                    o[int(x[a]), int(x[b])] += 1 / (len(x) - 1)
    n = o.sum()
    delta = (values[:, None] - values[None, :]) ** 2
    p = o / n
    d_o = (p * delta).sum()
    d_e = (np.outer(o.sum(1), o.sum(1)) * delta).sum() / (n * (n - 1))
    assert 1 - d_o / d_e == pytest.approx(res["alpha"].iloc[0])  # same alpha as the package
    sd = np.sqrt(((p * delta**2).sum() - d_o**2) / 318) / d_e
    assert boot.mean() == pytest.approx(res["alpha"].iloc[0], abs=3 * sd / np.sqrt(20000) + 1e-3)
    assert boot.std() == pytest.approx(sd, rel=0.03)


def test_bootstrap_is_seeded_and_reproducible():
    data = _long(HAYES_2007)
    a = ae.krippendorff_alpha(data, "unit", "coder", "value", level="ordinal", n_boot=2000, seed=3)
    b = ae.krippendorff_alpha(data, "unit", "coder", "value", level="ordinal", n_boot=2000, seed=3)
    c = ae.krippendorff_alpha(data, "unit", "coder", "value", level="ordinal", n_boot=2000, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a.attrs["bootstrap_alphas"], c.attrs["bootstrap_alphas"])
    assert a["n_boot"].iloc[0] == 2000 and a.attrs["confidence"] == 0.95


def test_kalpha_corrections_by_hand():
    # Two units, two coders, perfect agreement on two values: o = diag(2, 2), n = 4,
    # M = min(25 · 2, 4 · 1 / 2) = 2. Every sample has alpha 1; a sample that drew the same
    # matching value twice (probability 0.5² + 0.5² = 0.5) is set to 0: round(B · 0.5) of them.
    perfect = _long([[1, 1], [2, 2]], coders="AB")
    res = ae.krippendorff_alpha(perfect, "unit", "coder", "value", n_boot=1000, seed=1)
    boot = res.attrs["bootstrap_alphas"]
    assert res["alpha"].iloc[0] == 1.0 and res["n_draws"].iloc[0] == 2
    assert (boot == 0).sum() == 500 and (boot == 1).sum() == 500
    # One matching value only: units [1, 1] and [1, 2]: o_11 = 2, o_12 = o_21 = 1, n = 4,
    # De = 2 · 3 · 1 / (4 · 3) = 0.5, M = 2, alpha* = 1 − k with k ~ Binomial(2, 1/2) mismatches:
    # alpha* = 1 (k = 0) carries no variation and becomes 0; k = 2 gives −1; k = 1 gives 0.
    one = _long([[1, 1], [1, 2]], coders="AB")
    res = ae.krippendorff_alpha(one, "unit", "coder", "value", n_boot=4000, seed=2)
    boot = res.attrs["bootstrap_alphas"]
    assert set(np.unique(boot)) <= {-1.0, 0.0}
    assert (boot == -1).mean() == pytest.approx(0.25, abs=0.03)


def test_alpha_below_minus_one_is_cut_at_minus_one():
    # Four units [1, 1] and one [1, 2]: n = 10, n_1 = 9, n_2 = 1, De = 2 · 9 / (10 · 9) = 0.2,
    # M = min(25 · 3, 10 · 1 / 2) = 5; the pair {1, 2} has probability 2 · 1 / 10 = 0.2, so
    # alpha* = 1 − k / (5 · 0.2) = 1 − k with k ~ Binomial(5, 0.2): k ≥ 2 gives alpha* ≤ −1,
    # cut to −1 (probability 1 − 0.8⁵ − 5 · 0.2 · 0.8⁴ = 0.26272); k = 0 gives 1 on the one
    # matching value, set to 0.
    data = _long([[1, 1]] * 4 + [[1, 2]], coders="AB")
    res = ae.krippendorff_alpha(data, "unit", "coder", "value", n_boot=20000, seed=0)
    boot = res.attrs["bootstrap_alphas"]
    assert res["alpha"].iloc[0] == pytest.approx(0.0) and res["n_draws"].iloc[0] == 5
    assert set(np.unique(boot)) == {-1.0, 0.0}
    assert (boot == -1).mean() == pytest.approx(0.26272, abs=0.01)
    assert res["ci_low"].iloc[0] == -1


def test_bootstrap_bad_input():
    data = _long(HAYES_2007)
    for bad in (-1, 2.5, True, "100"):
        with pytest.raises(ValueError, match="n_boot must be a whole number"):
            ae.krippendorff_alpha(data, "unit", "coder", "value", n_boot=bad)
    with pytest.raises(ValueError, match="confidence"):
        ae.krippendorff_alpha(data, "unit", "coder", "value", n_boot=10, confidence=95)
    one_value = _long([[1, 1], [1, 1]], coders="AB")
    res = ae.krippendorff_alpha(one_value, "unit", "coder", "value", n_boot=100)
    assert np.isnan(res["alpha"].iloc[0]) and np.isnan(res["ci_low"].iloc[0])


# ----------------------------------------------------------------------------- Fleiss' kappa

# Fleiss (1971), Psychol Bull 76:378-382, Table 1: 30 patients, 6 psychiatrists, 5 diagnoses.
from test_agreement import FLEISS_1971, long  # noqa: E402


def _irr_kappam_fleiss(matrix):
    """R irr::kappam.fleiss (irr 0.84, R/kappam.fleiss.R), transcribed: kappa, z, p.value."""
    ratings = np.asarray(matrix)
    ns, nr = ratings.shape
    lev = np.unique(ratings)
    ttab = np.array([[np.sum(r == x) for x in lev] for r in ratings], dtype=float)
    agree_p = np.sum((np.sum(ttab**2, axis=1) - nr) / (nr * (nr - 1)) / ns)
    chance_p = np.sum(np.sum(ttab, axis=0) ** 2) / (ns * nr) ** 2
    value = (agree_p - chance_p) / (1 - chance_p)
    pj = np.sum(ttab, axis=0) / (ns * nr)
    qj = 1 - pj
    varkappa = (2 / (np.sum(pj * qj) ** 2 * (ns * nr * (nr - 1)))) * (
        np.sum(pj * qj) ** 2 - np.sum(pj * qj * (qj - pj))
    )
    u = value / np.sqrt(varkappa)
    return value, u, 2 * (1 - stats.norm.cdf(abs(u)))


def test_fleiss_null_se_matches_irr_on_fleiss_1971():
    res = ae.fleiss_kappa(long(FLEISS_1971), "unit", "coder", "value").iloc[0]
    kappa, z, p = _irr_kappam_fleiss(FLEISS_1971)
    # Fleiss (1971) p. 381: kappa = .430; irr::kappam.fleiss(diagnoses) prints z = 17.7,
    # p-value = 0 (as issue 19 quotes irr's manual); the transcription gives z = 17.65.
    assert res["kappa"] == pytest.approx(kappa, abs=1e-12)
    assert res["z"] == pytest.approx(z, rel=1e-12)
    assert round(res["z"], 1) == 17.7
    assert res["se0"] == pytest.approx(res["kappa"] / z)
    assert res["p_value"] == pytest.approx(p, abs=1e-15)


# irrCAC raw_gender (Gwet 2014, Handbook of Inter-Rater Reliability): 4 raters, 15 subjects,
# categories a, b, c, no missing ratings (afergadis/irrCAC irrCAC/datasets.py).
GENDER = list(
    zip(
        "a a a a a b b b c a a a a a b".split(),
        "a a a a b a b c c a a a a b a".split(),
        "a b b c a a b b c a b b c a a".split(),
        "c c c c a a b b c c c c c a a".split(),
        strict=True,
    )
)


def test_fleiss_se_and_interval_match_irrcac_gender():
    res = ae.fleiss_kappa(long(GENDER), "unit", "coder", "value").iloc[0]
    # irrCAC fleiss.kappa.raw(raw_gender): pa 0.456, pe 0.375, kappa 0.129, se 0.141,
    # 95% CI (-0.172, 0.430), p 0.37449 (t test on kappa/se, 14 df)
    # (afergadis/irrCAC test/unit/irrCAC/raw/test_fleiss.py, checked there against R irrCAC).
    assert round(res["kappa"], 3) == 0.129
    assert round(res["percent_agreement"], 3) == 0.456
    assert round(res["se"], 3) == 0.141
    assert (round(res["ci_low"], 3), round(res["ci_high"], 3)) == (-0.172, 0.430)
    t_p = 2 * stats.t.sf(res["kappa"] / res["se"], 14)
    assert round(t_p, 5) == 0.37449


def test_randolph_se_matches_irrcac_brennan_prediger_gender():
    # Free-marginal kappa (chance agreement 1/q) is Brennan & Prediger's coefficient.
    # irrCAC bp.coeff.raw(raw_gender): 0.183, se 0.102, 95% CI (-0.035, 0.402)
    # (afergadis/irrCAC test/unit/irrCAC/raw/test_bp.py).
    res = ae.fleiss_kappa(long(GENDER), "unit", "coder", "value", method="randolph").iloc[0]
    assert round(res["kappa"], 3) == 0.183
    assert round(res["se"], 3) == 0.102
    assert (round(res["ci_low"], 3), round(res["ci_high"], 3)) == (-0.035, 0.402)
    assert np.isnan(res["se0"]) and np.isnan(res["z"])


def test_fleiss_interval_covers_the_truth():
    # Simulation: 3 coders, 3 categories, each coder right with probability 0.8, else
    # uniform; population kappa from a very large sample. The 95% interval covers it ~95%.
    rng = np.random.default_rng(19)

    def sample(n):
        truth = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
        wrong = rng.random((n, 3)) > 0.8
        return np.where(wrong, rng.choice(3, size=(n, 3)), truth[:, None])

    big = sample(200_000)
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    target = fleiss_kappa(aggregate_raters(big, n_cat=3)[0])
    hits, reps = 0, 300
    for _ in range(reps):
        r = ae.fleiss_kappa(long(sample(80).tolist()), "unit", "coder", "value").iloc[0]
        hits += r["ci_low"] <= target <= r["ci_high"]
    assert 0.91 <= hits / reps <= 0.985


def test_fleiss_columns_and_errors():
    res = ae.fleiss_kappa(long(GENDER), "unit", "coder", "value", confidence=0.9)
    assert list(res.columns) == [
        "kappa", "se", "ci_low", "ci_high", "se0", "z", "p_value", "n", "n_coders",
        "percent_agreement", "interpretation", "method",
    ]  # fmt: skip
    assert res.attrs["confidence"] == 0.9
    with pytest.raises(ValueError, match="confidence"):
        ae.fleiss_kappa(long(GENDER), "unit", "coder", "value", confidence=1.5)
    with pytest.raises(AgreementError, match="at least 2 coders"):
        ae.fleiss_kappa(long([[1], [2]]), "unit", "coder", "value")
