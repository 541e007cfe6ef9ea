"""Notebook 03 executed for real through papermill, on the bundled example and on the real panels."""

import json

import nbformat
import pandas as pd
import pytest

from aeeval.paths import NOTEBOOKS
from aeeval.publish.report import execute_notebook
from aeeval.tables import TABLE_MIMETYPE

pytestmark = pytest.mark.slow
NB = NOTEBOOKS / "03-staff-survey-q22c.ipynb"


def tables(path):
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            payload = o.get("data", {}).get(TABLE_MIMETYPE)
            if payload:
                payload = json.loads(payload) if isinstance(payload, str) else payload
                out[payload["name"]] = payload
    return out, nb


def real_register(path, codes, start_date):
    """A test register of real trust codes (NOT the Always Events membership, which is not public)."""
    pd.DataFrame(
        {
            "org_code": codes,
            "org_name": [f"Test trust {c}" for c in codes],
            "org_type": "Acute trust",
            "region": "London",
            "setting": "Maternity",
            "cohort": 1,
            "start_date": start_date,
            "contact_name": "",
        }
    ).to_csv(path, index=False)
    return path


def test_notebook_on_examples(tmp_path):
    out = tmp_path / "executed.ipynb"
    execute_notebook(NB, {}, out, cwd=tmp_path)
    t, nb = tables(out)
    assert {
        "item_map",
        "item_trend",
        "item_trend_by_group",
        "item_trend_by_region",
        "item_trend_changes",
        "primary_estimate",
        "event_study",
        "pretrend_test",
        "sensitivity",
        "honest_bounds",
        "bacon_decomposition",
        "funnel_outside",
    } <= set(t)
    primary = t["primary_estimate"]["records"][0]
    # The example's built-in effect is +0.12 log-odds on an item near 60 %: about
    # 100 * 0.12 * 0.6 * 0.4 = 2.9 percentage points.
    assert primary["term"] == "att" and primary["ci_low"] <= 2.9 <= primary["ci_high"]
    sensitivity = t["sensitivity"]["records"]
    assert sensitivity[0]["estimate"] == primary["estimate"] and len(sensitivity) == 9
    assert all(r["ci_low"] <= 2.9 <= r["ci_high"] for r in sensitivity if r["note"] == "")
    kinds = {r["comparison_type"] for r in t["bacon_decomposition"]["records"]}
    assert "later_vs_earlier" in kinds
    assert all(r["flag"].endswith("99.8%") for r in t["funnel_outside"]["records"])
    figures = [
        o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(figures) == 3  # national trend, event study, funnel


def test_notebook_on_real_acute_panel(tmp_path, public_data):
    raw = pd.read_csv(public_data / "staff_survey_acute_trusts_2012_2019.csv")
    codes = sorted(raw.dropna(subset=["RecommendWork.Index.dichot"])["Code"].unique())[:25]
    reg = tmp_path / "register.csv"  # a researcher's comparison list: org_code and start_year only
    pd.DataFrame({"org_code": codes, "start_year": 2016}).to_csv(reg, index=False)
    out = tmp_path / "executed.ipynb"
    execute_notebook(
        NB,
        {
            "data_path": str(public_data / "staff_survey_acute_trusts_2012_2019.csv"),
            "benchmark_groups_path": str(public_data / "staff_survey_benchmark_groups.csv"),
            "regions_path": str(public_data / "ods_nhs_trusts_2025.csv"),
            "register_path": str(reg),
            "series": "recommend_work",
            "later_series": None,
            "years": list(range(2013, 2020)),
        },
        out,
        cwd=tmp_path,
    )
    t, _ = tables(out)
    years = {r["year"] for r in t["item_trend"]["records"]}
    assert years == set(range(2013, 2020))
    assert t["primary_estimate"]["records"][0]["n_trusts"] > 100
    regions = {r["region"] for r in t["item_trend_by_region"]["records"]}
    assert regions == {
        "London",
        "South East",
        "South West",
        "East of England",
        "Midlands",
        "North West",
        "North East and Yorkshire",
    }


def test_notebook_on_real_org_results(tmp_path, public_data):
    raw = pd.read_csv(public_data / "staff_survey_org_results_2021_2024.csv")
    acute = raw[raw["Benchmarking group"] == "Acute and Acute & Community Trusts"]
    codes = sorted(acute["ODS code"].unique())[:30]
    reg = real_register(tmp_path / "register.csv", codes, "2022-04-01")
    # with start_date the April 2022 joiners are first exposed in the 2022 survey (fieldwork from
    # September), leaving 2021 as the reference and no pre-trend to test, and a later date needs the
    # 2023 fieldwork dates, which are not public: this test uses the year rule (start_year only)
    pd.read_csv(reg).drop(columns="start_date").assign(start_year=2022).to_csv(reg, index=False)
    out = tmp_path / "executed.ipynb"
    execute_notebook(
        NB,
        {
            "data_path": str(public_data / "staff_survey_org_results_2021_2024.csv"),
            "register_path": str(reg),
            "series": "stress",
            "later_series": None,
            "benchmark_group": "Acute and Acute & Community Trusts",
            "funnel_year": 2023,
        },
        out,
        cwd=tmp_path,
    )
    t, _ = tables(out)
    assert {r["benchmark_group"] for r in t["item_trend_by_group"]["records"]} == {
        "Acute and Acute & Community Trusts"
    }
    assert t["pretrend_test"]["records"][0]["df"] == 1  # 2021 is the only pre-joining year
