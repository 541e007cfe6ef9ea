"""Gwet's AC1 and PABAK against published irrCAC values, a hand calculation and a simulation."""

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.agreement import AgreementError

# Two published contingency tables shipped with R irrCAC (Gwet 2014, Handbook of Inter-Rater
# Reliability, 4th ed.), rater 1 in rows, rater 2 in columns (AC1 and PABAK are symmetric).
# cont3x3abstractors: 100 pregnant women classified by two abstractors (Ectopic, AIU, NIU).
CONT3X3 = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
# cont4x4diagnosis: 223 psychiatric patients, clinical vs research diagnosis.
CONT4X4 = [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]]


def _long(table, coders=("r1", "r2")):
    rows, u = [], 0
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                u += 1
                rows += [(u, coders[0], i), (u, coders[1], j)]
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


def test_ac1_matches_irrcac_cont3x3abstractors():
    # irrCAC gwet.ac1.table(cont3x3abstractors): AC1 0.849, 95% CI (0.764, 0.935), as printed
    # by the package and checked in the Python port's tests
    # (afergadis/irrCAC test/unit/irrCAC/table/test_gwet.py).
    r = ae.gwet_ac1(_long(CONT3X3), "unit", "coder", "value").iloc[0]
    assert round(r["ac1"], 3) == 0.849
    assert round(r["ci_low"], 3) == 0.764
    assert round(r["ci_high"], 3) == 0.935
    assert r["percent_agreement"] == pytest.approx(0.89)  # (13 + 20 + 56) / 100
    assert r["n"] == 100


def test_ac1_matches_irrcac_cont4x4diagnosis():
    # irrCAC gwet.ac1.table(cont4x4diagnosis): AC1 0.456, se 0.043, 95% CI (0.371, 0.542)
    # (afergadis/irrCAC test/unit/irrCAC/table/test_gwet.py).
    r = ae.gwet_ac1(_long(CONT4X4), "unit", "coder", "value").iloc[0]
    assert round(r["ac1"], 3) == 0.456
    assert round(r["se"], 3) == 0.043
    assert round(r["ci_low"], 3) == 0.371
    assert round(r["ci_high"], 3) == 0.542


def test_pabak_matches_irrcac_brennan_prediger():
    # Unweighted, PABAK (q·Pa − 1)/(q − 1) is Brennan & Prediger's coefficient.
    # irrCAC bp2.table(cont3x3abstractors): 0.835, 95% CI (0.742, 0.928);
    # bp2.table(cont4x4diagnosis): 0.450, se 0.044, CI (0.363, 0.537)
    # (afergadis/irrCAC test/unit/irrCAC/table/test_brennan_prediger.py).
    r3 = ae.pabak(_long(CONT3X3), "unit", "coder", "value").iloc[0]
    assert round(r3["pabak"], 3) == 0.835
    assert (round(r3["ci_low"], 3), round(r3["ci_high"], 3)) == (0.742, 0.928)
    r4 = ae.pabak(_long(CONT4X4), "unit", "coder", "value").iloc[0]
    assert round(r4["pabak"], 3) == 0.450
    assert round(r4["se"], 3) == 0.044
    assert (round(r4["ci_low"], 3), round(r4["ci_high"], 3)) == (0.363, 0.537)


def test_kappa_paradox_table():
    # Feinstein & Cicchetti (1990) 2x2 table a=80, b=10, c=5, d=5: agreement 0.85, kappa 0.32.
    # By hand: π_yes = (0.90 + 0.85)/2 = 0.875, Pe = 2·0.875·0.125 = 0.21875,
    # AC1 = (0.85 − 0.21875)/(1 − 0.21875) = 0.808; PABAK = 2·0.85 − 1 = 0.70.
    d = _long([[80, 10], [5, 5]])
    kappa = ae.cohens_kappa(d, "unit", "coder", "value")["kappa"].iloc[0]
    ac1 = ae.gwet_ac1(d, "unit", "coder", "value")["ac1"].iloc[0]
    pab = ae.pabak(d, "unit", "coder", "value")
    assert round(kappa, 2) == 0.32
    assert ac1 == pytest.approx((0.85 - 0.21875) / 0.78125)
    assert pab["pabak"].iloc[0] == pytest.approx(0.70)
    # se: Pa's binomial se scaled by q/(q − 1) = 2
    assert pab["se"].iloc[0] == pytest.approx(2 * np.sqrt(0.85 * 0.15 / 100))


def test_one_row_per_coder_pair_and_categories():
    d = _long(CONT3X3, coders=("A", "B"))
    c = d[d["coder"] == "A"].assign(coder="C")
    out = ae.gwet_ac1(pd.concat([d, c]), "unit", "coder", "value")
    assert list(zip(out["coder_1"], out["coder_2"])) == [("A", "B"), ("A", "C"), ("B", "C")]
    assert out.loc[1, "ac1"] == pytest.approx(1.0)  # C copies A
    # An unused category changes q and so PABAK: 4 categories instead of 3.
    q4 = ae.pabak(d, "unit", "coder", "value", categories=[0, 1, 2, 3])["pabak"].iloc[0]
    assert q4 == pytest.approx((4 * 0.89 - 1) / 3)


def test_errors_are_actionable():
    d = _long(CONT3X3)
    with pytest.raises(AgreementError, match="at least 2 coders"):
        ae.gwet_ac1(d[d["coder"] == "r1"], "unit", "coder", "value")
    with pytest.raises(AgreementError, match="not among the categories"):
        ae.pabak(d, "unit", "coder", "value", categories=[0, 1])
    with pytest.raises(KeyError, match="column"):
        ae.gwet_ac1(d, "unit", "rater", "value")


def test_ac1_interval_covers_the_truth():
    # Simulation with a known population table of two coders on a rare code (10% present):
    # the 95% interval should cover the population AC1 about 95% of the time.
    rng = np.random.default_rng(19)
    p = np.array([[0.06, 0.03], [0.04, 0.87]])
    pi = (p.sum(0) + p.sum(1)) / 2
    pe = float(pi @ (1 - pi))
    truth = (np.trace(p) - pe) / (1 - pe)
    hits, reps = 0, 300
    for _ in range(reps):
        counts = rng.multinomial(200, p.ravel()).reshape(2, 2).tolist()
        r = ae.gwet_ac1(_long(counts), "unit", "coder", "value", categories=[0, 1]).iloc[0]
        hits += r["ci_low"] <= truth <= r["ci_high"]
    assert 0.91 <= hits / reps <= 0.985


def test_code_agreement_reports_ac1_and_pabak():
    seg = ae.read_segments(None)
    table = ae.code_agreement(seg)
    pres = ae.presence_table(seg)
    first = table["code"].iloc[0]
    g = pres[pres["code"] == first]
    g = g[
        g["interview"].isin(g.groupby("interview")["coder"].nunique().loc[lambda s: s == 2].index)
    ]
    expect = ae.gwet_ac1(g, "interview", "coder", "present", categories=[False, True]).iloc[0]
    row = table.iloc[0]
    assert row["ac1"] == pytest.approx(expect["ac1"], nan_ok=True)
    assert row["ac1_ci_low"] == pytest.approx(expect["ci_low"], nan_ok=True)
    assert np.allclose(table["pabak"], 2 * table["percent_agreement"] - 1)
    assert {"kappa", "ac1", "pabak"} <= set(table.attrs["coefficient_columns"])


def _irrcac_raw_se(table):
    """irrCAC gwet.ac1.raw's standard error, transcribed (identity weights, N = Inf)."""
    agree = []  # n × q: how many of the two raters put unit i in category k
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            r = np.zeros(len(table))
            r[i] += 1
            r[j] += 1
            agree += [r] * count
    a = np.array(agree)
    n, q = a.shape
    ri = a.sum(axis=1)
    pa_i = (a * (a - 1)).sum(axis=1) / (ri * (ri - 1))
    pi = (a / ri[:, None]).mean(axis=0)
    pe = float(pi @ (1 - pi)) / (q - 1)
    ac1 = (pa_i.mean() - pe) / (1 - pe)
    x = (pa_i - pe) / (1 - pe) - 2 * (1 - ac1) * ((a @ (1 - pi)) / ri / (q - 1) - pe) / (1 - pe)
    return float(np.sqrt(((x - ac1) ** 2).sum() / (n * (n - 1))))


@pytest.mark.parametrize("table", [CONT3X3, CONT4X4])
def test_se_differs_from_irrcac_raw_by_n_over_n_minus_1(table):
    # Deliberate: aeeval uses Gwet's (2008) two-rater variance (irrCAC gwet.ac1.table, whose
    # values are published above). irrCAC gwet.ac1.raw on the same two raters divides by
    # n(n − 1) instead of n², so its se is larger by exactly √(n / (n − 1)).
    r = ae.gwet_ac1(_long(table), "unit", "coder", "value").iloc[0]
    assert _irrcac_raw_se(table) == pytest.approx(r["se"] * np.sqrt(r["n"] / (r["n"] - 1)))
