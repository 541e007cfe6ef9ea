"""The bundled example data: reproducible from its seed, and shaped as the issue asks."""

import pandas as pd

import aeeval as ae
from aeeval.datasets import EXAMPLE_FILES, generate_examples
from aeeval.paths import QI_EXAMPLES


def test_committed_examples_are_what_the_generator_writes(tmp_path, examples):
    written = generate_examples(tmp_path)
    assert set(EXAMPLE_FILES) <= set(written)
    for key, path in written.items():
        bundled = (examples if key in EXAMPLE_FILES else QI_EXAMPLES) / path.name
        assert path.read_bytes() == bundled.read_bytes(), key


def test_examples_are_marked_synthetic(examples):
    assert "synthetic" in (examples / "README.md").read_text().lower()


def test_register_shape(examples):
    reg = ae.read_table(examples / "register.csv", "register")
    assert 120 <= len(reg) <= 130
    assert reg["cohort"].nunique() >= 3
    assert set(reg["setting"].dropna()) == {
        "Maternity",
        "Children's services",
        "Learning disability",
        "Mental health",
        "Outpatients",
        "Acute inpatient wards",
        "Community nursing",
    }


def test_survey_rounds_to_published_picker_figures():
    # Published (Picker evaluation of Always Events): 59 % definitely, 41 % to some extent,
    # 52 % influenced co-production a great deal or to some extent; 79 respondents.
    responses = ae.load_survey()
    assert len(responses) == 79
    h = ae.headline_figures(responses).set_index("figure")["estimate"]
    assert round(100 * h["improved_definitely"]) == 59
    assert round(100 * h["improved_some_extent"]) == 41
    assert round(100 * h["influenced_coproduction"]) == 52


def test_survey_labels_are_spelt_many_ways(examples):
    raw = ae.read_table(examples / "survey_responses.csv", "survey")
    spellings = raw["improved_experience"].dropna().unique()
    assert len(spellings) >= 8
    assert any("–" in s for s in spellings) and any(s != s.strip() for s in spellings)


def test_interviews_two_coders_twelve_interviews(examples):
    seg = ae.read_table(examples / "interview_segments.csv", "interview_segments")
    assert seg["interview"].nunique() == 12
    assert set(seg["coder"]) == {"Coder A", "Coder B"}
    assert {"Challenges", "What helps", "Key learnings"} == set(seg["theme"])
    assert {"protected_time", "staff_engagement", "patient_voice", "senior_support"} <= set(
        seg["code"]
    )


def test_staff_survey_panel(examples):
    ss = ae.read_table(examples / "staff_survey.csv", "staff_survey")
    assert 220 <= ss["org_code"].nunique() <= 240
    assert sorted(ss["year"].unique()) == list(range(2015, 2025))
    items = ss.groupby("year")["item"].unique().map(lambda x: list(x))
    assert all(items[y] == ["q22c"] for y in range(2015, 2021))
    assert all(items[y] != ["q22c"] for y in range(2021, 2025))
    assert (ss["base"] < 11).any(), "some small bases exercise suppression"


def test_event_counts_follow_the_measures_schema():
    falls = ae.read_table(QI_EXAMPLES / "event_counts.csv", "measures")
    assert falls["team"].nunique() == 1 and len(falls) == 36
    # a count with exposure: a c or u chart fits; the synthetic drop at month 18 is a shift
    chart = ae.c_chart(falls, "numerator", "period")
    assert chart["shift"].to_numpy(dtype=bool)[18:].any()


def test_measures_monthly(examples):
    m = ae.read_table(examples / "measures.csv", "measures")
    assert m["team"].nunique() >= 4
    per_team = m.groupby("team")["period"].agg(["min", "max", "count"])
    assert (per_team["count"] >= 24).all()
    assert (m["period"].dt.day == 1).all() and isinstance(m["period"].iloc[0], pd.Timestamp)
