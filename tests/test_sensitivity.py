"""sensitivity_analysis: each row is the analysis it names, and a row the data cannot support says
why; plot_event_study draws what the effect table holds."""

import warnings

import pandas as pd
import pytest

import aeeval as ae
from aeeval.paths import EXAMPLES
from aeeval.plots import plot_event_study


@pytest.fixture(scope="module")
def data():
    warnings.simplefilter("ignore")
    return ae.read_staff_survey(), ae.read_table(EXAMPLES / "register.csv", "register")


def _att(effect: pd.DataFrame) -> pd.Series:
    return effect[effect["term"] == "att"].iloc[0]


def test_each_row_is_the_analysis_it_names(data):
    results, register = data
    s = ae.sensitivity_analysis(results, register, missing="exclude").set_index("analysis")
    direct = {
        "Comparison: never-joined trusts only": ae.participation_effect(
            results, register, missing="exclude", control_group="never_treated"
        ),
        "Estimator: imputation (Borusyak, Jaravel & Spiess)": ae.participation_effect(
            results, register, missing="exclude", design="imputation"
        ),
        "Years: without 2020 (COVID-19)": ae.participation_effect(
            results[results["year"] != 2020], register, missing="exclude"
        ),
        "Exposure: joining-year survey dropped": ae.participation_effect(
            results, register, missing="exclude", drop_joining_survey=True
        ),
    }
    for label, effect in direct.items():
        att = _att(effect)
        assert s.loc[label, "estimate"] == pytest.approx(att["estimate"], abs=1e-12), label
        assert s.loc[label, "ci_low"] == pytest.approx(att["ci_low"], abs=1e-12), label
    primary = _att(ae.participation_effect(results, register, missing="exclude"))
    assert s["difference"].to_numpy() == pytest.approx(
        (s["estimate"] - primary["estimate"]).to_numpy()
    )
    assert s.iloc[0]["estimate"] == primary["estimate"] and (s["note"] == "").all()


def test_an_analysis_the_data_cannot_support_is_a_row_that_says_why(data):
    results, register = data
    before = results[results["year"] < 2020]
    s = ae.sensitivity_analysis(before, register, missing="exclude").set_index("analysis")
    row = s.loc["Years: without 2020 (COVID-19)"]
    assert pd.isna(row["estimate"]) and row["note"] == "no 2020 survey in the data"
    assert s["estimate"].notna().sum() == len(s) - 1


def test_event_study_plot_draws_every_term_and_the_band(data):
    results, register = data
    effect = ae.participation_effect(results, register, missing="exclude")
    ax = plot_event_study(effect)
    terms = effect[effect["term"] == "event_time"]
    boxes = [p for p in ax.patches]  # one box of the simultaneous band per estimated term
    assert len(boxes) == terms["band_low"].notna().sum()
    heights = sorted(round(b.get_height(), 9) for b in boxes)
    want = sorted(round(h, 9) for h in (terms["band_high"] - terms["band_low"]).dropna())
    assert heights == want
    with pytest.raises(ValueError, match="event-time rows"):
        plot_event_study(effect[effect["term"] == "att"])
