"""Staff Survey: item map, reader (tidy, wide XLSX, real panels), suppression, trends, models, funnels."""

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.paths import EXAMPLES
from aeeval.schemas import ValidationError

TIDY_HEADER = "org_code,year,item,positive,estimate,base\n"


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def wide_xlsx(path, sheets):
    """Test fixture generator for the published wide layout: one sheet per benchmark group, one row per
    organisation, ``q22c_<year>`` a 0–1 proportion and ``q22c_n_<year>`` its base."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        years = sorted({y for r in rows for y in r["values"]})
        header = ["org_code", "org_name"]
        for y in years:
            header += [f"q22c_{y}", f"q22c_n_{y}"]
        ws.append(header)
        for r in rows:
            line = [r["org_code"], f"Trust {r['org_code']}"]
            for y in years:
                p, n = r["values"].get(y, (None, None))
                line += [p, n]
            ws.append(line)
    wb.save(path)
    return path


# ------------------------------------------------------------------------------------- item map


def test_item_map_covers_every_year_of_both_series():
    m = ae.load_item_map()
    for series in ("q22c", "acts_on_concerns"):
        assert sorted(m.loc[m["series"] == series, "year"]) == list(range(2015, 2026))
    q = m[m["series"] == "q22c"]
    assert q.loc[q["status"] == "asked", "year"].tolist() == list(range(2015, 2021))
    assert set(q.loc[q["status"] == "asked", "item"]) == {"q22c"}
    assert set(q.loc[q["year"] >= 2021, "status"]) == {"not_asked"}  # explicit gaps
    later = m[(m["series"] == "acts_on_concerns") & (m["status"] == "asked")]
    assert dict(zip(later["year"], later["item"])) == {
        2021: "q21b",
        2022: "q23b",
        2023: "q25b",
        2024: "q25b",
        2025: "q25b",
    }  # design.md
    assert set(later["flag"]) == {"different_question"}
    assert (q["flag"] == "").all()
    assert (
        dict(zip(m["year"], m["min_base"]))[2018] == 11
        and dict(zip(m["year"], m["min_base"]))[2019] == 10
    )
    # every item-year in the bundled example is mapped
    ex = pd.read_csv(EXAMPLES / "staff_survey.csv")
    asked = set(zip(m.loc[m["status"] == "asked", "year"], m.loc[m["status"] == "asked", "item"]))
    assert set(zip(ex["year"], ex["item"])) <= asked


def test_item_map_rejects_duplicate_series_year(tmp_path):
    text = (
        ae.staff_survey.ITEM_MAP.read_text(encoding="utf-8").rstrip("\n")
        + "\n"
        + "q22c,2016,asked,q22c,Q22c,x,Yes|No,Yes,,,11,,dup\n"
    )
    with pytest.raises(ValidationError, match="more than one row"):
        ae.load_item_map(write(tmp_path / "map.csv", text))


# ------------------------------------------------------------------------------------- reading


def test_read_example_columns_series_and_suppression():
    r = ae.read_staff_survey()
    assert list(r.columns) == [
        "org_code",
        "year",
        "series",
        "item",
        "positive",
        "base",
        "estimate",
        "suppressed",
        "benchmark_group",
        "region",
    ]
    assert set(r.loc[r["series"] == "q22c", "year"]) == set(range(2015, 2021))
    assert set(r.loc[r["series"] == "acts_on_concerns", "item"]) == {"q21b", "q23b", "q25b"}
    raw = pd.read_csv(EXAMPLES / "staff_survey.csv")
    small = raw[raw["base"] < np.where(raw["year"] <= 2018, 11, 10)]
    assert len(small) > 0
    flagged = r[r["suppressed"]]
    assert set(zip(flagged["org_code"], flagged["year"])) == set(
        zip(small["org_code"], small["year"])
    )
    assert flagged["estimate"].isna().all() and flagged["positive"].isna().all()
    assert (flagged["base"] > 0).all()  # base stays visible
    kept = r[~r["suppressed"]]
    assert np.allclose(kept["estimate"], kept["positive"].astype(float) / kept["base"])
    assert len(r) == len(raw)  # no row silently dropped


def test_thresholds_11_older_10_recent_and_configurable(tmp_path):
    f = write(
        tmp_path / "s.csv",
        TIDY_HEADER + "RAA,2018,q22c,6,,10\nRAA,2019,q22c,6,,10\nRAA,2020,q22c,5,,9\n",
    )
    r = ae.read_staff_survey(f)
    assert r.set_index("year")["suppressed"].to_dict() == {2018: True, 2019: False, 2020: True}
    assert not ae.read_staff_survey(f, min_base=1)["suppressed"].any()
    r = ae.read_staff_survey(f, min_base={2019: 11})
    assert r.set_index("year")["suppressed"].to_dict() == {2018: True, 2019: True, 2020: True}
    with pytest.raises(ValueError, match="min_base"):
        ae.read_staff_survey(f, min_base=0)


def test_wide_xlsx_one_sheet_per_benchmark_group(tmp_path):
    path = wide_xlsx(
        tmp_path / "published.xlsx",
        {
            "Acute Trusts": [
                {"org_code": "RAA", "values": {2019: (0.625, 400), 2020: (0.7, 9)}},
                {"org_code": "RBB", "values": {2019: (0.5, 200), 2020: (0.55, 220)}},
            ],
            "Community Trusts": [{"org_code": "RCC", "values": {2019: (0.4, 50)}}],
        },
    )
    r = ae.read_staff_survey(path).set_index(["org_code", "year"])
    assert r.loc[("RAA", 2019), "positive"] == 250  # 0.625 × 400
    assert r.loc[("RAA", 2019), "benchmark_group"] == "Acute Trusts"
    assert r.loc[("RCC", 2019), "benchmark_group"] == "Community Trusts"
    assert r.loc[("RAA", 2020), "suppressed"] and pd.isna(
        r.loc[("RAA", 2020), "estimate"]
    )  # 9 < 10
    assert r.loc[("RAA", 2020), "base"] == 9


# ------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "line, match",
    [
        ("RAA,2030,q22c,5,,20", "2030 is not in the item map"),
        ("RAA,2019,q99z,5,,20", "'q99z' is not in the item map for 2019"),
        ("RAA,2021,q22c,5,,20", "'q22c' is not in the item map for 2021"),
        ("RAA,2019,q22c,0,,0", "at least 1"),
    ],
)
def test_tidy_bad_input_names_row_and_rule(tmp_path, line, match):
    f = write(tmp_path / "bad.csv", TIDY_HEADER + "RZZ,2019,q22c,5,,20\n" + line + "\n")
    with pytest.raises(ValidationError, match=match) as info:
        ae.read_staff_survey(f)
    assert info.value.problems[0].row == 3 and "bad.csv" in str(info.value)


def test_tidy_duplicate_and_out_of_range(tmp_path):
    dup = write(tmp_path / "dup.csv", TIDY_HEADER + "RAA,2019,q22c,5,,20\nRAA,2019,q22c,6,,20\n")
    with pytest.raises(ValidationError, match="duplicate key"):
        ae.read_staff_survey(dup)
    # 1.2 is now read as a percentage (issue 16 item 6: percentages 0-100 are detected per file);
    # above 100 is out of range on either scale
    over = write(tmp_path / "over.csv", TIDY_HEADER + "RAA,2019,q22c,,120,20\n")
    with pytest.raises(ValidationError, match="maximum"):
        ae.read_staff_survey(over)


def test_wide_bad_input(tmp_path):
    # 62 alone is a percentage since issue 16 item 6; 62 next to 0.62 mixes the scales
    pct = wide_xlsx(
        tmp_path / "pct.xlsx",
        {
            "A": [
                {"org_code": "RAA", "values": {2019: (62, 400)}},
                {"org_code": "RBB", "values": {2019: (0.62, 400)}},
            ]
        },
    )
    with pytest.raises(ValidationError, match="must use one scale") as info:
        ae.read_staff_survey(pct)
    assert "q22c_2019" in str(info.value) and "row 3" in str(info.value)
    zero = wide_xlsx(
        tmp_path / "zero.xlsx", {"A": [{"org_code": "RAA", "values": {2019: (0.5, 0)}}]}
    )
    with pytest.raises(ValidationError, match="at least 1"):
        ae.read_staff_survey(zero)
    twice = wide_xlsx(
        tmp_path / "twice.xlsx",
        {
            "A": [{"org_code": "RAA", "values": {2019: (0.5, 40)}}],
            "B": [{"org_code": "RAA", "values": {2019: (0.6, 40)}}],
        },
    )
    with pytest.raises(ValidationError, match="second result for RAA in 2019") as info:
        ae.read_staff_survey(twice)
    assert "sheet 'A'" in str(info.value) and "sheet 'B'" in str(info.value)


@pytest.mark.parametrize(
    "header, line, column, match",
    [
        (
            "org_code,q22c_2030,q22c_n_2030",
            "RAA,0.5,100",
            "q22c_2030",
            "2030 is not in the item map",
        ),
        (
            "org_code,q99z_2019,q99z_n_2019",
            "RAA,0.5,100",
            "q99z_2019",
            "'q99z' is not in the item map for 2019",
        ),
        ("org_code,q22c_2019,q22c_n_2019", "RAA,-0.1,100", "q22c_2019", "between 0 and 1"),
        # the base problem names the file's own base column (issue 16 item 6), not "base"
        ("org_code,q22c_2019,q22c_n_2019", "RAA,0.5,-4", "q22c_n_2019", "at least 1"),
        ("org_code,q22c_2019,q22c_n_2019", "RAA,0.5,10.5", "q22c_n_2019", "whole number"),
    ],
)
def test_wide_csv_bad_input_names_row_and_column(tmp_path, header, line, column, match):
    f = write(tmp_path / "wide.csv", f"{header}\n{line}\n")
    with pytest.raises(ValidationError, match=match) as info:
        ae.read_staff_survey(f)
    assert (info.value.problems[0].row, info.value.problems[0].column) == (2, column)


def test_org_results_duplicate_trust_year(tmp_path):
    f = write(
        tmp_path / "org.csv",
        "ODS code,Year,Benchmarking group,Stress_base,Stress_rate\n"
        "RAA,2022,Acute,300,45.5\nRBB,2022,Acute,300,40\nRAA,2022,Acute,310,44\n",
    )
    with pytest.raises(
        ValidationError, match=r"second result for RAA in 2022.*first is at .*row 2"
    ) as info:
        ae.read_staff_survey(f)
    assert info.value.problems[0].row == 4


def test_register_trust_with_only_suppressed_results():
    results, register = simulate(6)
    code = register["org_code"].iloc[0]
    hidden = results["org_code"] == code
    results.loc[hidden, "suppressed"] = True
    results.loc[hidden, ["positive", "estimate"]] = pd.NA
    with pytest.raises(ValueError, match=f"no unsuppressed 'q22c' results: {code}"):
        ae.participation_effect(results, register)
    fx = ae.participation_effect(results, register, missing="exclude")
    assert fx.attrs["excluded_register_trusts"] == [code] and code in fx.attrs["note"]
    assert fx["n_trusts"].iloc[0] == results["org_code"].nunique() - 1


def test_rate_above_100_percent(tmp_path):
    f = write(
        tmp_path / "org.csv",
        "ODS code,Year,Benchmarking group,Stress_base,Stress_rate\n"
        "RAA,2022,Acute,300,45.5\nRBB,2022,Acute,300,120\n",
    )
    with pytest.raises(ValidationError, match="between 0 and 100") as info:
        ae.read_staff_survey(f)
    assert info.value.problems[0].row == 3 and info.value.problems[0].column == "Stress_rate"


@pytest.mark.parametrize(
    "header, line, column, match",
    [
        # the real acute-panel layout: a year the map has no row for, and a year it has but not this item
        (
            '"Code","Year.Index","Responses","RecommendWork.Index.dichot"\n',
            "RAA,2011,300,0.5",
            "Year.Index",
            "2011 is not in the item map",
        ),
        (
            '"Code","Year.Index","Responses","RecommendWork.Index.dichot"\n',
            "RAA,2020,300,0.5",
            "RecommendWork.Index.dichot",
            "'RecommendWork.Index.dichot' is not in the item map for 2020",
        ),
        # the real 2021-2024 organisation-results layout, a 2025 file before the map covers it
        (
            "ODS code,Year,Benchmarking group,Stress_base,Stress_rate\n",
            "RBB,2025,Acute,300,45.5",
            "Stress_rate",
            "'Stress' is not in the item map for 2025",
        ),
    ],
)
def test_real_layouts_unmapped_year_is_an_error_not_a_dropped_row(
    tmp_path, header, line, column, match
):
    good = "RAA,2019,300,0.5" if "Code" in header else "RAA,2024,Acute,300,45.5"
    f = write(tmp_path / "real.csv", header + good + "\n" + line + "\n")
    with pytest.raises(ValidationError, match=match) as info:
        ae.read_staff_survey(f)
    problem = info.value.problems[0]
    assert (problem.row, problem.column) == (3, column)


def test_real_layout_blank_row_of_unmapped_year_is_not_a_result(tmp_path):
    # a trust-year with nothing published and no map row for that year is neither a result nor an error
    f = write(
        tmp_path / "real.csv",
        '"Code","Year.Index","Responses","RecommendWork.Index.dichot"\n'
        "RAA,2019,300,0.5\nRAA,2011,NA,NA\nRAA,2018,NA,NA\n",
    )
    r = ae.read_staff_survey(f)
    assert r["year"].tolist() == [2019]
    ex = r.attrs["exclusions"]
    assert ex["year"].tolist() == [2018] and ex["row"].tolist() == [4]  # mapped year, blank: listed


def test_register_trust_without_results_is_error_or_reported(tmp_path):
    results = ae.read_staff_survey()
    reg = ae.read_table(EXAMPLES / "register.csv", "register")
    extra = pd.concat([reg, reg.iloc[[0]].assign(org_code="RXX9")], ignore_index=True)
    with pytest.raises(ValueError, match="RXX9"):
        ae.participation_effect(results, extra)
    fx = ae.participation_effect(results, extra, missing="exclude")
    assert fx.attrs["excluded_register_trusts"] == ["RXX9"] and "RXX9" in fx.attrs["note"]
    assert "voluntary" in fx.attrs["caveat"]


# ------------------------------------------------------------------------------------- trend


def test_item_trend_against_formulas():
    r = ae.read_staff_survey()
    t = ae.item_trend(r, weighting=["base", "trust_mean"], interval="pooled", confidence=0.95)
    used = r[(r["series"] == "q22c") & (r["year"] == 2017) & ~r["suppressed"]]
    b = t[(t["year"] == 2017) & (t["weighting"] == "base")].iloc[0]
    k, n = int(used["positive"].sum()), int(used["base"].sum())
    # Wilson score interval, Newcombe (1998) eq. 3, written out independently
    z = NormalDist().inv_cdf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert b["estimate"] == pytest.approx(p)
    assert b["ci_low"] == pytest.approx(centre - half, abs=1e-10)
    assert b["ci_high"] == pytest.approx(centre + half, abs=1e-10)
    m = t[(t["year"] == 2017) & (t["weighting"] == "trust_mean")].iloc[0]
    x = used["estimate"].to_numpy()
    from scipy.stats import t as student

    se = x.std(ddof=1) / math.sqrt(len(x))
    q = student.ppf(0.975, len(x) - 1)
    assert m["estimate"] == pytest.approx(x.mean())
    assert (m["ci_low"], m["ci_high"]) == pytest.approx((x.mean() - q * se, x.mean() + q * se))
    assert m["n_trusts"] == len(x) and m["n_suppressed"] == 1


def test_item_trend_by_region_from_ods_lookup(public_data):
    r = ae.read_staff_survey(
        public_data / "staff_survey_acute_trusts_2012_2019.csv",
        regions=public_data / "ods_nhs_trusts_2025.csv",
    )
    ods = pd.read_csv(public_data / "ods_nhs_trusts_2025.csv", dtype=str)
    # RJ1 is Guy's and St Thomas' (ODS nhser_code Y56 = London, data/public/README.md)
    assert ods.loc[ods["org_code"] == "RJ1", "nhser_code"].iloc[0] == "Y56"
    assert set(r.loc[r["org_code"] == "RJ1", "region"]) == {"London"}
    t = ae.item_trend(r, series="recommend_work", by="region")
    assert set(t["region"].dropna()) <= set(ae.staff_survey.NHSER_NAMES.values())
    # per region and year the groups add up to the national figure: no trust lost to a blank region
    national = ae.item_trend(r, series="recommend_work").set_index("year")
    sums = t.groupby("year")[["n_trusts", "positive", "base"]].sum()
    assert (sums["n_trusts"] == national["n_trusts"]).all() and (
        sums["base"] == national["base"]
    ).all()
    unknown = r.attrs["region_unknown"]
    assert set(unknown) == set(r.loc[r["region"].isna(), "org_code"])


def test_regions_lookup_names_codes_and_wide_column(tmp_path):
    f = write(
        tmp_path / "w.csv",
        "org_code,region,q22c_2019,q22c_n_2019\nRAA,London,0.5,100\nRBB,,0.6,100\nRCC,,0.7,100\n",
    )
    lookup = pd.DataFrame({"ODS code": ["RAA", "RBB"], "nhser_code": ["Y62", "Y61"]})
    r = ae.read_staff_survey(f, regions=lookup).set_index("org_code")
    assert r.loc["RAA", "region"] == "London"  # the file's own column first
    assert r.loc["RBB", "region"] == "East of England" and pd.isna(r.loc["RCC", "region"])
    assert ae.read_staff_survey(f, regions=lookup).attrs["region_unknown"] == ["RCC"]
    t = ae.item_trend(ae.read_staff_survey(f, regions=lookup), by="region")
    assert t["n_trusts"].sum() == 3 and t["region"].isna().sum() == 1  # RCC shown as a blank region
    with pytest.raises(KeyError, match="nhser_code"):
        ae.read_staff_survey(f, regions=pd.DataFrame({"org_code": ["RAA"], "area": ["x"]}))


# ------------------------------------------------------------------------------------- funnel


def exact_limit_reference(n, p0, p):
    """Spiegelhalter (2005) Appendix A.1.1, from binomial probabilities summed with math.comb.

    r_p = the smallest r with P(R <= r) >= p; limit = (r_p - alpha) / n with
    alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1)). The same construction as the Stata
    package funnelcompar 1.1 (Gini & Forni 2010, SSC; funnelcompar.ado: Mata invbinom2 for r_p, then
    _lb/_ub = (rp - (binomial(n, rp, theta) - lev) / (binomial(n, rp, theta) - binomial(n, rp - 1,
    theta))) / n, clipped to [0, 1]), written here independently of scipy's binom.ppf/cdf."""
    cdf, r = 0.0, -1
    prev = 0.0
    while cdf < p:
        r += 1
        prev = cdf
        cdf += math.comb(n, r) * p0**r * (1 - p0) ** (n - r)
    alpha = (cdf - p) / (cdf - prev)
    return max(0.0, min(1.0, (r - alpha) / n))


@pytest.mark.parametrize("n", [20, 57, 150, 400])
@pytest.mark.parametrize("p0", [0.3, 0.62])
def test_funnel_exact_against_independent_binomial(n, p0):
    f = ae.funnel_limits([n], p0, method="exact")
    for c in (0.95, 0.998):
        row = f[f["confidence"] == c].iloc[0]
        tail = (1 - c) / 2
        assert row["lower"] == pytest.approx(exact_limit_reference(n, p0, tail), abs=1e-9)
        assert row["upper"] == pytest.approx(exact_limit_reference(n, p0, 1 - tail), abs=1e-9)


def test_funnel_normal_against_formula_and_exact_converges():
    f = ae.funnel_limits([25, 100, 900], 0.6, confidence=(0.95, 0.998))
    for c in (0.95, 0.998):
        z = NormalDist().inv_cdf(1 - (1 - c) / 2)  # 1.95996…, 3.0902…
        for n in (25, 100, 900):
            row = f[(f["confidence"] == c) & (f["base"] == n)].iloc[0]
            half = z * math.sqrt(0.6 * 0.4 / n)
            assert (row["lower"], row["upper"]) == pytest.approx((0.6 - half, 0.6 + half))
    big = 20000
    e = ae.funnel_limits([big], 0.6, method="exact", confidence=0.95).iloc[0]
    nrm = ae.funnel_limits([big], 0.6, method="normal", confidence=0.95).iloc[0]
    assert abs(e["lower"] - nrm["lower"]) < 1e-3 and abs(e["upper"] - nrm["upper"]) < 1e-3
    with pytest.raises(ValueError, match="base"):
        ae.funnel_limits([0], 0.5)
    with pytest.raises(ValueError, match="p0"):
        ae.funnel_limits([10], 1.0)


def test_funnel_flags_match_limits():
    r = ae.read_staff_survey()
    f = ae.funnel_flags(r, year=2020, confidence=(0.95, 0.998), method="exact", overdispersion=None)
    assert f.attrs["n_suppressed"] == 1
    outer = ae.funnel_limits(f["base"].to_numpy(), f.attrs["p0"], confidence=0.998, method="exact")
    above = f["estimate"].to_numpy() > outer["upper"].to_numpy()
    assert (f.loc[above, "flag"] == "above 99.8%").all() and above.sum() > 0


# ------------------------------------------------------------------------------------- models


def simulate(seed, effect=0.25, n_trusts=60, pretrend=0.0):
    rng = np.random.default_rng(seed)
    years = range(2015, 2021)
    level = rng.normal(0.3, 0.4, n_trusts)
    year_fx = dict(zip(years, rng.normal(0, 0.1, 6)))
    rows, register = [], []
    for i in range(n_trusts):
        code = f"R{i:03d}"
        start = int(rng.choice([2016, 2017, 2018])) if i < n_trusts // 2 else None
        if start:
            register.append({"org_code": code, "start_year": start})
        for y in years:
            logit = level[i] + year_fx[y]
            if start and y >= start + 1:
                logit += effect
            if start:
                logit += pretrend * (y - 2015)
            base = int(rng.integers(200, 600))
            pos = int(rng.binomial(base, 1 / (1 + math.exp(-logit))))
            rows.append(
                {
                    "org_code": code,
                    "year": y,
                    "series": "q22c",
                    "item": "q22c",
                    "positive": pos,
                    "base": base,
                    "estimate": pos / base,
                    "suppressed": False,
                    "benchmark_group": None,
                }
            )
    results = pd.DataFrame(rows).astype({"positive": "Int64"})
    return results, pd.DataFrame(register)


def test_did_recovers_known_effect_over_seeds():
    true = 0.25
    estimates, covered = [], 0
    for seed in range(20):
        results, register = simulate(seed, effect=true)
        fx = ae.participation_effect(results, register, design="twfe").iloc[0]
        estimates.append(fx["log_odds"])
        covered += fx["log_odds_ci_low"] <= true <= fx["log_odds_ci_high"]
        if seed == 0:
            assert fx["log_odds_ci_low"] <= true <= fx["log_odds_ci_high"]
            assert fx["n_trusts"] == 60 and fx["n_obs"] == 360 and fx["term"] == "att"
            assert fx["scale"] == "percentage_points" and fx["design"] == "twfe"
    assert abs(np.mean(estimates) - true) < 0.02  # bias small over 20 seeds
    assert covered >= 16  # nominal 95 %: 19/20 expected; ≥ 16 allows for 20 draws


def cluster_sandwich(data, columns, groups):
    """Independent trust-clustered covariance for a binomial GLM: fitted with the statsmodels formula
    interface on proportions with var_weights = base (an equivalent parameterisation of the counts
    model), then bread = (X'WX)^-1, W = base·μ(1−μ); meat = Σ_trusts (Σ_i X_i (positive_i − base_i μ_i))
    (…)'; V = G/(G−1) · bread · meat · bread (Cameron & Miller 2015, eq. 11 and III.B; the G/(G−1)
    factor Stata uses for maximum-likelihood models)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    frame = data.assign(p=data["positive"].astype(float) / data["base"])
    formula = "p ~ C(org_code) + C(year) + " + " + ".join(f"Q('{c}')" for c in columns)
    fit = smf.glm(formula, frame, family=sm.families.Binomial(), var_weights=frame["base"]).fit()
    X = fit.model.exog
    mu = fit.fittedvalues.to_numpy()
    n = frame["base"].to_numpy(dtype=float)
    bread = np.linalg.inv(X.T @ (X * (n * mu * (1 - mu))[:, None]))
    scores = X * (frame["positive"].to_numpy(dtype=float) - n * mu)[:, None]
    codes = pd.factorize(groups)[0]
    g = codes.max() + 1
    summed = np.zeros((g, X.shape[1]))
    np.add.at(summed, codes, scores)
    cov = g / (g - 1) * bread @ (summed.T @ summed) @ bread
    names = [f"Q('{c}')" for c in columns]
    idx = [fit.model.exog_names.index(c) for c in names]
    return fit.params[names].to_numpy(), cov[np.ix_(idx, idx)], fit


def test_clustered_standard_errors_against_independent_sandwich():
    results, register = simulate(5, effect=0.25)
    fx = ae.participation_effect(results, register, design="twfe", confidence=0.95).iloc[0]
    start = dict(zip(register["org_code"], register["start_year"]))
    data = results.assign(
        participation=[
            float(c in start and y >= start[c] + 1)
            for c, y in zip(results["org_code"], results["year"])
        ]
    )
    est, cov, fit = cluster_sandwich(data, ["participation"], data["org_code"])
    se = math.sqrt(cov[0, 0])
    z = NormalDist().inv_cdf(0.975)
    assert fx["log_odds"] == pytest.approx(est[0], abs=1e-7)
    assert (fx["log_odds_ci_high"] - fx["log_odds_ci_low"]) / (2 * z) == pytest.approx(se, rel=1e-5)
    assert fx["p_value"] == pytest.approx(2 * (1 - NormalDist().cdf(abs(est[0]) / se)), rel=1e-5)
    # statsmodels' own default also multiplies by (N−1)/(N−K), K counting all 66 columns (trust
    # dummies included): documented as deliberately not used (wider than the sandwich above)
    import statsmodels.api as sm

    pos = data["positive"].to_numpy(dtype=float)
    counts = np.column_stack([pos, data["base"].to_numpy(dtype=float) - pos])
    default = sm.GLM(counts, fit.model.exog, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["org_code"])[0]}
    )
    n_obs, k = fit.model.exog.shape
    assert default.bse[fit.model.exog_names.index("Q('participation')")] == pytest.approx(
        se * math.sqrt((n_obs - 1) / (n_obs - k)), rel=1e-5
    )
    assert "G/(G-1)" in fx["method"]


def test_pretrend_wald_against_independent_sandwich():
    results, register = simulate(3, effect=0.25, pretrend=0.05)
    start = dict(zip(register["org_code"], register["start_year"]))
    rel = [
        y - start[c] if c in start else None for c, y in zip(results["org_code"], results["year"])
    ]
    levels = sorted({r for r in rel if r is not None and r != 0})
    data = results.assign(**{f"rel_year_{k}": [float(r == k) for r in rel] for k in levels})
    est, cov, _ = cluster_sandwich(data, [f"rel_year_{k}" for k in levels], data["org_code"])
    pre = [i for i, k in enumerate(levels) if k < 0]
    b = est[pre]
    wald = float(b @ np.linalg.solve(cov[np.ix_(pre, pre)], b))
    from scipy.stats import chi2

    got = ae.pretrend_test(results, register, design="twfe").iloc[0]
    assert got["statistic"] == pytest.approx(wald, rel=1e-5) and got["df"] == len(pre)
    assert got["p_value"] == pytest.approx(chi2.sf(wald, len(pre)), rel=1e-5)
    es = ae.participation_effect(results, register, design="event_study")
    assert es["term"].tolist() == [f"rel_year_{k}" for k in levels]
    assert np.allclose(es["estimate"], est, atol=1e-7)


def test_register_start_year_or_start_date():
    results, register = simulate(2)
    by_year = ae.participation_effect(results, register)
    assert by_year.attrs["start_year_from"] == "start_year"
    # the programme register's start_date, ISO or UK day-first as Excel writes it, gives the same year
    uk = register.assign(start_date=[f"13/04/{y}" for y in register["start_year"]]).drop(
        columns="start_year"
    )
    iso = register.assign(start_date=[f"{y}-11-30" for y in register["start_year"]]).drop(
        columns="start_year"
    )
    for reg in (uk, iso, iso.assign(start_date=pd.to_datetime(iso["start_date"]))):
        # first_exposed given: the year rule on the date's calendar year
        fx = ae.participation_effect(results, reg, first_exposed=1)
        assert fx.attrs["start_year_from"] == "start_date (calendar year)"
        assert fx["estimate"].iloc[0] == pytest.approx(by_year["estimate"].iloc[0])
    # by default a start_date sets exposure by fieldwork dates (tests/test_exposure.py): joined on
    # 30 November, after that year's fieldwork began, the next year's survey is the first exposed
    fx = ae.participation_effect(results, iso)
    assert fx.attrs["start_year_from"] == "start_date (fieldwork dates)"
    assert fx["estimate"].iloc[0] == pytest.approx(by_year["estimate"].iloc[0])
    # start_year wins over start_date when both are given
    both = register.assign(start_date="01/01/2030")
    assert ae.participation_effect(results, both)["estimate"].iloc[0] == pytest.approx(
        by_year["estimate"].iloc[0]
    )
    with pytest.raises(ValueError, match=r"row 3 .*start_date.*'someday'"):
        ae.participation_effect(
            results, uk.assign(start_date=["01/04/2016", "someday", *uk["start_date"][2:]])
        )
    with pytest.raises(ValueError, match="start_year"):
        ae.participation_effect(results, register.assign(start_year=2016.5))


def test_register_from_file_minimal_or_programme(tmp_path):
    results, register = simulate(4)
    expected = ae.participation_effect(results, register)["estimate"].iloc[0]
    minimal = tmp_path / "reg.csv"
    register.to_csv(minimal, index=False)
    assert ae.participation_effect(results, minimal)["estimate"].iloc[0] == pytest.approx(expected)
    # the programme register file (schema-checked) with start_date
    ex = ae.participation_effect(ae.read_staff_survey(), EXAMPLES / "register.csv")
    assert ex.attrs["start_year_from"] == "start_date (fieldwork dates)"
    bad = write(tmp_path / "bad.csv", "org_code,start_year\nR000,2016\nr-1,2017\n")
    with pytest.raises(ValidationError, match="not an ODS code") as info:
        ae.participation_effect(results, bad)
    assert info.value.problems[0].row == 3
    dup = write(tmp_path / "dup.csv", "org_code,start_year\nR000,2016\nR001,2017\nR000,2018\n")
    with pytest.raises(ValueError, match=r"dup.csv row 4 names R000 a second time"):
        ae.participation_effect(results, dup)
    blank = write(tmp_path / "blank.csv", "org_code,start_year\nR000,2016\nR001,\n")
    with pytest.raises(ValueError, match=r"blank.csv row 3 \(R001\), column 'start_year'"):
        ae.participation_effect(results, blank)


def test_event_study_terms_and_pretrend_test():
    results, register = simulate(3, effect=0.25)
    es = ae.participation_effect(results, register, design="event_study")
    post = es[es["term"].isin(["rel_year_1", "rel_year_2"])]
    pre = es[es["term"].isin(["rel_year_-1", "rel_year_-2"])]
    assert ((post["ci_low"] <= 0.25) & (0.25 <= post["ci_high"])).all()
    assert ((pre["ci_low"] <= 0) & (0 <= pre["ci_high"])).all()
    assert "rel_year_0" not in set(es["term"])  # the reference year
    ok = ae.pretrend_test(results, register, design="twfe")
    assert ok["p_value"].iloc[0] > 0.01 and ok["df"].iloc[0] == 3  # rel -3, -2, -1
    # treated trusts drifting upwards before joining: the test must say so, for every design
    bad_results, bad_register = simulate(3, effect=0.25, pretrend=0.15)
    for design in ("twfe", "callaway_santanna", "sun_abraham", "imputation"):
        bad = ae.pretrend_test(bad_results, bad_register, design=design)["p_value"].iloc[0]
        assert bad < 0.001, design
        assert ae.pretrend_test(results, register, design=design)["p_value"].iloc[0] > 0.01
    assert es.attrs["pretrend"]["p_value"] == pytest.approx(ok["p_value"].iloc[0])


def test_example_register_effect_recovered():
    # data/examples carries +0.12 log-odds for register trusts from the first survey whose
    # fieldwork follows joining (aeeval/datasets.py): the default date rule
    reg = ae.read_table(EXAMPLES / "register.csv", "register")
    fx = ae.participation_effect(ae.read_staff_survey(), reg, design="twfe").iloc[0]
    assert fx["log_odds_ci_low"] <= 0.12 <= fx["log_odds_ci_high"]


# ------------------------------------------------------------------------------------- real data


def test_real_acute_panel_loads(public_data):
    r = ae.read_staff_survey(
        public_data / "staff_survey_acute_trusts_2012_2019.csv",
        benchmark_groups=public_data / "staff_survey_benchmark_groups.csv",
    )
    assert r.attrs["layout"] == "acute_panel"
    assert set(r["series"]) == {"recommend_work", "recommend_care"}
    work = r[(r["series"] == "recommend_work") & ~r["suppressed"]]
    assert work["year"].min() == 2012 and work["year"].max() == 2019
    assert work["estimate"].between(0, 1).all() and (work["base"] >= 11).all()
    raw = pd.read_csv(public_data / "staff_survey_acute_trusts_2012_2019.csv")
    published = raw["RecommendWork.Index.dichot"].notna() | raw["Responses"].notna()
    assert len(r[r["series"] == "recommend_work"]) == int(published.sum())
    ex = r.attrs["exclusions"]
    assert len(ex[ex["item"] == "RecommendWork.Index.dichot"]) == int((~published).sum())
    assert r["benchmark_group"].notna().mean() > 0.5
    t = ae.item_trend(r, series="recommend_work")
    assert t["n_trusts"].min() > 100


def test_real_org_results_load(public_data):
    r = ae.read_staff_survey(public_data / "staff_survey_org_results_2021_2024.csv")
    assert r.attrs["layout"] == "org_results" and set(r["year"]) == {2021, 2022, 2023, 2024}
    raw = pd.read_csv(public_data / "staff_survey_org_results_2021_2024.csv")
    stress = r[r["series"] == "stress"].set_index(["org_code", "year"])
    row = raw[raw["ODS code"] == "RJ1"].iloc[0]
    assert stress.loc[("RJ1", int(row["Year"])), "estimate"] == pytest.approx(
        round(row["Stress_rate"] / 100 * row["Stress_base"]) / row["Stress_base"]
    )
    ex = r.attrs["exclusions"]
    assert "01T/01V" in set(ex["org_code"]) and ex["reason"].str.contains("ODS").all()
    # every organisation row becomes a result or a listed exclusion: none silently dropped
    assert len(stress) + len(ex[ex["item"] == "Stress"]) == len(raw)
    assert "Acute and Acute & Community Trusts" in set(r["benchmark_group"])


def test_funnel_of_one_group_is_centred_on_the_reference_value():
    results = ae.read_staff_survey()
    results = results.assign(
        benchmark_group=np.where(results["org_code"].str.startswith("ZA"), "A", "B")
    )
    group = ae.select_staff_survey(results, benchmark_group="A")
    national = results[
        (results["series"] == "q22c") & (results["year"] == 2019) & ~results["suppressed"]
    ]
    p_national = national["positive"].sum() / national["base"].sum()  # pooled by hand
    flags = ae.funnel_flags(group, year=2019, reference=results)
    assert flags["p0"].iloc[0] == pytest.approx(p_national)
    assert set(flags["org_code"]) <= set(group["org_code"])
    own = ae.funnel_flags(group, year=2019)["p0"].iloc[0]
    in_group = national[national["org_code"].isin(group["org_code"])]
    assert own == pytest.approx(in_group["positive"].sum() / in_group["base"].sum())
    assert own != pytest.approx(p_national)


def test_participation_effect_is_shown_in_log_odds_not_percent():
    # The evaluation report showed "95% CI 10.390% to 13.590%" for a log-odds of 0.12.
    from aeeval.tables import format_table

    results, register = simulate(5, effect=0.25)
    with pytest.warns(DeprecationWarning, match="use design='twfe'"):
        fx = ae.participation_effect(results, register, design="did")
    assert fx["term"].tolist() == ["participation"] and fx["scale"].iloc[0] == "log_odds"
    twfe = ae.participation_effect(results, register, design="twfe")
    assert fx["estimate"].iloc[0] == pytest.approx(twfe["log_odds"].iloc[0])  # same model
    shown = format_table(
        fx.drop(columns="method").rename(columns={"estimate": "log_odds"}).round(4)
    )
    low, high = fx[["ci_low", "ci_high"]].round(4).iloc[0]
    assert shown["95% CI"].iloc[0] == f"{low:.3f} to {high:.3f}"
    assert "%" not in "".join(shown.iloc[0])


def test_register_start_years_reads_the_year_each_trust_joined_from_the_programme_register():
    from aeeval.staff_survey import register_start_years

    # independent: the register's own start_date column, parsed by pandas, day first as in the file
    raw = pd.read_csv(EXAMPLES / "register.csv", dtype=str)
    expected = dict(
        zip(
            raw["org_code"],
            pd.to_datetime(raw["start_date"], dayfirst=True, format="mixed").dt.year,
        )
    )
    years = register_start_years(EXAMPLES / "register.csv")
    assert dict(zip(years["org_code"], years["start_year"])) == expected
    assert years.attrs["start_year_from"] == "start_date (calendar year)"
    twice = pd.DataFrame({"org_code": ["RXA", "RXB", "RXA"], "start_year": [2016, 2017, 2018]})
    with pytest.raises(ValueError, match="row 4 names RXA a second time"):
        register_start_years(twice)
