"""Agreement statistics against published reference values (source beside each number)."""

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.agreement import AgreementError, presence_table, rating_table
from aeeval.tables import format_table


def long(matrix, coders=None, missing=None):
    """units × coders list → long table (unit, coder, value), skipping ``missing`` cells."""
    rows = []
    for u, ratings in enumerate(matrix, start=1):
        for j, v in enumerate(ratings):
            if v is missing or (isinstance(v, float) and np.isnan(v)):
                continue
            rows.append({"unit": u, "coder": coders[j] if coders else f"rater {j + 1}", "value": v})
    return pd.DataFrame(rows)


def from_table(table, cats):
    """Two coders' ratings that reproduce a square contingency table."""
    rows, u = [], 0
    for i, a in enumerate(cats):
        for j, b in enumerate(cats):
            for _ in range(table[i][j]):
                u += 1
                rows += [
                    {"unit": u, "coder": "A", "value": a},
                    {"unit": u, "coder": "B", "value": b},
                ]
    return pd.DataFrame(rows)


# SAS/STAT PROC FREQ agreement example, 3×3 table, as used in statsmodels' own tests
# (statsmodels/stats/tests/test_inter_rater.py, TestUnweightedCohens / TestWeightedCohens).
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_cohens_kappa_sas_example():
    res = ae.cohens_kappa(from_table(SAS_TABLE, [1, 2, 3]), "unit", "coder", "value").iloc[0]
    # SAS: Kappa 0.4842, ASE 0.1380, 95% limits 0.2137 to 0.7547.
    assert res["kappa"] == pytest.approx(0.4842, abs=5e-5)
    assert res["se"] == pytest.approx(0.1380, abs=5e-5)
    assert res["ci_low"] == pytest.approx(0.2137, abs=5e-5)
    assert res["ci_high"] == pytest.approx(0.7547, abs=5e-5)
    assert res["percent_agreement"] == pytest.approx(13 / 19)  # diagonal 0 + 8 + 5 of 19
    assert res["n"] == 19 and res["method"] == "cohen" and res["interpretation"] == "moderate"


def test_weighted_cohens_kappa_sas_example():
    # SAS weighted kappa (Cicchetti-Allison = linear weights for 3 equally spaced categories):
    # Kappa 0.4701, ASE 0.1457, 95% limits 0.1845 to 0.7558.
    res = ae.cohens_kappa(
        from_table(SAS_TABLE, [1, 2, 3]), "unit", "coder", "value", weights="linear"
    ).iloc[0]
    assert res["kappa"] == pytest.approx(0.4701, abs=5e-5)
    assert res["se"] == pytest.approx(0.1457, abs=5e-5)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((0.1845, 0.7558), abs=5e-5)


# R irr package, data(anxiety): 20 subjects rated by 3 raters (values copied from irr).
ANXIETY = [
    [3, 3, 2],
    [3, 6, 1],
    [3, 4, 4],
    [4, 6, 4],
    [5, 2, 3],
    [5, 4, 2],
    [2, 2, 1],
    [3, 4, 6],
    [5, 3, 1],
    [2, 3, 1],
    [2, 2, 1],
    [6, 3, 2],
    [1, 3, 3],
    [5, 3, 3],
    [2, 2, 1],
    [2, 2, 1],
    [1, 1, 3],
    [2, 3, 3],
    [4, 3, 2],
    [3, 4, 2],
]


@pytest.mark.parametrize(
    "weights, expected",
    [
        (None, -0.006289308),  # irr::kappa2(anxiety[, 2:3])
        ("linear", 0.1459075),  # irr::kappa2(anxiety[, 2:3], "equal")
        ("quadratic", 0.2520325),  # irr::kappa2(anxiety[, 2:3], "squared")
    ],
)
def test_cohens_kappa_matches_r_irr(weights, expected):
    data = long([r[1:] for r in ANXIETY], coders=["rater2", "rater3"])
    res = ae.cohens_kappa(data, "unit", "coder", "value", weights=weights)
    assert res["kappa"].iloc[0] == pytest.approx(expected, abs=1e-6)


# Fleiss (1971) Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (as in statsmodels' tests).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]


def test_fleiss_kappa_fleiss_1971():
    res = ae.fleiss_kappa(long(FLEISS_1971), "unit", "coder", "value").iloc[0]
    # Fleiss (1971) p. 381: kappa = 0.430; R irr::kappam.fleiss(diagnoses) = 0.4302445.
    assert res["kappa"] == pytest.approx(0.4302445, abs=1e-7)
    assert (res["n"], res["n_coders"]) == (30, 6)
    # Fleiss (1971): mean per-subject agreement P-bar = .556.
    assert res["percent_agreement"] == pytest.approx(0.556, abs=5e-4)


def test_fleiss_kappa_two_coders_equals_scott_pi_order_free():
    # Independent check: Fleiss' kappa for 2 raters is Scott's pi; by hand for the table
    # [[2, 1], [0, 1]] (4 units): p_o = 3/4, shares x = 5/8, y = 3/8, p_e = 34/64, pi = 0.4667.
    data = from_table([[2, 1], [0, 1]], ["x", "y"])
    assert ae.fleiss_kappa(data, "unit", "coder", "value")["kappa"].iloc[0] == pytest.approx(
        (0.75 - 34 / 64) / (1 - 34 / 64)
    )


# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", example C: 4 observers,
# 12 units, missing values (also the krippendorff package's docstring example).
K2011 = [
    [1, 1, np.nan, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [np.nan, 5, 5, 5],
    [np.nan, np.nan, 1, 1],
    [np.nan, 3, np.nan, np.nan],
]


@pytest.mark.parametrize(
    "level, expected",
    [
        ("nominal", 0.743),  # Krippendorff (2011) p. 5 / krippendorff docs
        ("ordinal", 0.815),  # Krippendorff (2011) / krippendorff docs
        ("interval", 0.849),  # Krippendorff (2011) p. 7
        ("ratio", 0.797),  # Krippendorff (2011) / krippendorff docs
    ],
)
def test_krippendorff_2011_example(level, expected):
    res = ae.krippendorff_alpha(
        long(K2011, coders="ABCD"), "unit", "coder", "value", level=level
    ).iloc[0]
    assert round(res["alpha"], 3) == expected
    # Unit 12 has one value only, so 11 units are pairable.
    assert (res["n"], res["n_coders"]) == (11, 4)


def test_krippendorff_ordinal_labels_follow_category_order():
    labels = ["very low", "low", "mid", "high", "very high"]
    data = long(K2011, coders="ABCD")
    data["value"] = pd.Categorical(
        [labels[int(v) - 1] for v in data["value"]], categories=labels, ordered=True
    )
    assert (
        round(
            ae.krippendorff_alpha(data, "unit", "coder", "value", level="ordinal")["alpha"].iloc[0],
            3,
        )
        == 0.815
    )
    data["value"] = data["value"].astype(str)  # text: nominal only
    assert round(ae.krippendorff_alpha(data, "unit", "coder", "value")["alpha"].iloc[0], 3) == 0.743
    with pytest.raises(AgreementError, match="needs numbers"):
        ae.krippendorff_alpha(data, "unit", "coder", "value", level="interval")


def test_wikipedia_alpha_example():
    # Wikipedia "Krippendorff's alpha", computational example: 3 coders, 15 units, nominal 0.691.
    data = [
        [np.nan, 1, np.nan],
        [np.nan, np.nan, np.nan],
        [np.nan, 2, 2],
        [np.nan, 1, 1],
        [np.nan, 3, 3],
        [3, 3, 4],
        [4, 4, 4],
        [1, 3, np.nan],
        [2, np.nan, 2],
        [1, np.nan, 1],
        [1, np.nan, 1],
        [3, np.nan, 3],
        [3, np.nan, 3],
        [np.nan, np.nan, np.nan],
        [3, np.nan, 4],
    ]
    res = ae.krippendorff_alpha(long(data, coders="ABC"), "unit", "coder", "value")
    assert round(res["alpha"].iloc[0], 3) == 0.691


def test_interpretation_bands():
    # Landis & Koch (1977) bands.
    assert [
        ae.interpret_kappa(k) for k in (-0.1, 0.0, 0.2, 0.21, 0.4, 0.41, 0.6, 0.61, 0.8, 0.81, 1)
    ] == [
        "poor",
        "slight",
        "slight",
        "fair",
        "fair",
        "moderate",
        "moderate",
        "substantial",
        "substantial",
        "almost perfect",
        "almost perfect",
    ]
    # Krippendorff (2004): 0.667 and 0.800.
    assert [ae.interpret_alpha(a) for a in (0.5, 0.667, 0.799, 0.8)] == [
        "unreliable",
        "tentative conclusions only",
        "tentative conclusions only",
        "reliable",
    ]
    assert ae.interpret_kappa(np.nan) == "undefined"


def test_one_coder_is_an_error():
    data = pd.DataFrame({"unit": [1, 2], "coder": ["A", "A"], "value": ["x", "y"]})
    for f, message in (
        (
            ae.cohens_kappa,
            r"Cohen's kappa needs exactly 2 coders; column 'coder' has "
            r"1 \(A\)",
        ),
        (ae.fleiss_kappa, r"Fleiss' kappa needs at least 2 coders; the data have 1 \(A\)"),
        (
            ae.krippendorff_alpha,
            r"Krippendorff's alpha needs at least 2 coders; column "
            r"'coder' has 1 \(A\)",
        ),
    ):
        with pytest.raises(AgreementError, match=message):
            f(data, "unit", "coder", "value")
    seg = pd.DataFrame({"interview": ["I1", "I2"], "coder": ["A", "A"], "code": ["c", "c"]})
    with pytest.raises(
        AgreementError,
        match=r"per-code agreement compares two coders; column 'coder' "
        r"has 1 \(A\)",
    ):
        ae.code_agreement(seg)
    # Two coders who never coded the same unit: nothing to compare.
    apart = pd.DataFrame({"unit": [1, 2], "coder": ["A", "B"], "value": ["x", "y"]})
    with pytest.raises(
        AgreementError, match="at least one unit coded by two or more coders; no unit is"
    ):
        ae.krippendorff_alpha(apart, "unit", "coder", "value")
    with pytest.raises(AgreementError, match=r"no interview was coded by both 'A' and 'B'"):
        ae.code_agreement(apart.rename(columns={"unit": "interview", "value": "code"}))


def test_different_coder_sets_are_an_error():
    data = pd.DataFrame(
        {
            "unit": [1, 1, 2, 3, 3],
            "coder": ["A", "B", "A", "A", "B"],
            "value": ["x", "x", "y", "y", "y"],
        }
    )
    with pytest.raises(AgreementError, match=r"unit 2 coded by A"):
        ae.cohens_kappa(data, "unit", "coder", "value")
    with pytest.raises(
        AgreementError,
        match=r"Fleiss' kappa needs every unit coded by the same coders "
        r"\(A, B\); 1 unit\(s\) are coded by a different set: "
        r"unit 2 coded by A\.",
    ):
        ae.fleiss_kappa(data, "unit", "coder", "value")
    # A missing value counts as not coded.
    gap = data.assign(value=["x", None, "y", "y", "y"])
    with pytest.raises(AgreementError, match=r"unit 1 coded by A; unit 2 coded by A"):
        ae.cohens_kappa(gap, "unit", "coder", "value")
    # Krippendorff's alpha allows the missing coding.
    assert ae.krippendorff_alpha(data, "unit", "coder", "value")["n"].iloc[0] == 2


def test_bad_input_messages():
    data = pd.DataFrame({"unit": [1, 1, 1], "coder": ["A", "A", "B"], "value": ["x", "y", "x"]})
    with pytest.raises(AgreementError, match="repeat at rows"):
        ae.cohens_kappa(data, "unit", "coder", "value")
    with pytest.raises(KeyError, match="rating"):
        ae.cohens_kappa(data, "unit", "coder", "rating")
    with pytest.raises(ValueError, match="weights must be one of"):
        ae.cohens_kappa(data, "unit", "coder", "value", weights="square")
    three = pd.DataFrame({"unit": [1, 1, 1], "coder": ["A", "B", "C"], "value": ["x"] * 3})
    with pytest.raises(AgreementError, match="exactly 2 coders"):
        ae.cohens_kappa(three, "unit", "coder", "value")


def test_inputs_not_modified():
    data = long(K2011, coders="ABCD")
    before = data.copy()
    ae.krippendorff_alpha(data, "unit", "coder", "value", level="interval")
    pd.testing.assert_frame_equal(data, before)


def test_kappa_undefined_when_one_category():
    data = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": ["A", "B"] * 2, "value": [True] * 4})
    res = ae.cohens_kappa(data, "unit", "coder", "value", categories=[False, True]).iloc[0]
    assert np.isnan(res["kappa"]) and res["percent_agreement"] == 1


def test_reshaping_helpers():
    wide = rating_table(long(K2011, coders="ABCD"), "unit", "coder", "value")
    assert wide.shape == (12, 4) and np.isnan(wide.loc[1, "C"])
    seg = pd.DataFrame(
        {"interview": ["I1", "I1", "I2"], "coder": ["A", "B", "A"], "code": ["c1", "c2", "c1"]}
    )
    pres = presence_table(seg)
    assert len(pres) == 3 * 2  # (I1, A), (I1, B), (I2, A) × two codes
    assert (
        pres.query("interview == 'I1' and coder == 'B' and code == 'c1'")["present"].item() is False
    )


def test_code_agreement_by_hand():
    # Two coders, 4 interviews. Code "a": A codes I1, I2; B codes I1, I3 → table
    # both=1, A only=1, B only=1, neither=1: p_o = 0.5, p_e = 0.5, kappa = 0.
    seg = pd.DataFrame(
        {
            "interview": ["I1", "I2", "I1", "I3", "I3", "I4", "I2", "I4"],
            "coder": ["A", "A", "B", "B", "A", "A", "B", "B"],
            "code": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "theme": ["T"] * 8,
        }
    )
    out = ae.code_agreement(seg).set_index("code")
    assert out.loc["a", ["both", "coder_1_only", "coder_2_only", "neither"]].tolist() == [
        1,
        1,
        1,
        1,
    ]
    assert out.loc["a", "kappa"] == pytest.approx(0.0)
    assert out.loc["a", "percent_agreement"] == 0.5 and bool(out.loc["a", "needs_review"])
    assert (out["n"] == 4).all()


def test_code_agreement_on_examples_and_single_coded_interviews(examples):
    seg = ae.read_segments(examples / "interview_segments.csv")
    out = ae.code_agreement(seg)
    assert len(out) == seg["code"].nunique() and (out["n"] == 12).all()
    # Same kappa as cohens_kappa on the presence table of one code.
    pres = presence_table(seg)
    one = ae.cohens_kappa(
        pres[pres["code"] == "patient_voice"],
        "interview",
        "coder",
        "present",
        categories=[False, True],
    )
    assert out.set_index("code").loc["patient_voice", "kappa"] == pytest.approx(
        one["kappa"].iloc[0]
    )
    dropped = seg[~((seg["interview"] == "INT01") & (seg["coder"] == "Coder B"))]
    out2 = ae.code_agreement(dropped)
    assert out2.attrs["single_coded"] == ["INT01"] and (out2["n"] == 11).all()
    with pytest.raises(AgreementError, match="two coders"):
        ae.code_agreement(seg[seg["coder"] == "Coder A"])


def test_show_formats_kappa_as_decimals_not_percent():
    res = ae.cohens_kappa(from_table(SAS_TABLE, [1, 2, 3]), "unit", "coder", "value")
    shown = format_table(res)
    assert shown["Kappa"].iloc[0] == "0.48"
    assert shown["95% CI"].iloc[0] == "0.21 to 0.75"
    assert shown["Agreement"].iloc[0] == "68%"
    assert shown["Units (n)"].iloc[0] == "19"


def test_weighted_kappa_on_text_needs_the_scale_order():
    # "High" < "Low" < "Medium" alphabetically: weighting by that order would be silently wrong.
    d = pd.DataFrame(
        {
            "unit": [1, 1, 2, 2, 3, 3, 4, 4],
            "coder": ["A", "B"] * 4,
            "value": ["Low", "Low", "High", "Medium", "Medium", "Medium", "High", "High"],
        }
    )
    with pytest.raises(
        AgreementError,
        match=r"weights='linear' needs the categories in scale order; "
        r"column 'value' holds text such as 'Low'",
    ):
        ae.cohens_kappa(d, "unit", "coder", "value", weights="linear")
    scale = ["Low", "Medium", "High"]
    given = ae.cohens_kappa(d, "unit", "coder", "value", weights="linear", categories=scale)
    d["value"] = pd.Categorical(d["value"], categories=scale, ordered=True)
    ordered = ae.cohens_kappa(d, "unit", "coder", "value", weights="linear")
    # By hand: table rows A, columns B over Low/Medium/High = [[1,0,0],[0,1,0],[0,1,1]]; linear
    # disagreement weights |i-j|/2: observed 0.5 × 1/4 = 0.125; expected from margins A (1,1,2)/4
    # and B (1,2,1)/4: sum w_ij a_i b_j = 0.0625 + 0.0625 + 0.03125 + 0.03125 + 0.125 + 0.125
    # = 0.4375; kappa = 1 - 0.125/0.4375 = 5/7. (Alphabetical order would give 0.5.)
    assert given["kappa"].iloc[0] == pytest.approx(5 / 7) == ordered["kappa"].iloc[0]
