"""The cohort evaluation report (notebook 05) as a reader meets it: the PDF's text and pages."""

import json
import shutil
import subprocess

import pytest
from conftest import aeeval_cli, pdftext
from statsmodels.stats.proportion import proportion_confint

import aeeval as ae
from aeeval import evaluation
from aeeval.paths import NOTEBOOKS

REPORT_NB = NOTEBOOKS / "05-evaluation-report.ipynb"


def _pct(x):
    return f"{100 * x:.0f}%"


@pytest.mark.slow
def test_cohort_report_pdf(tmp_path):
    out = tmp_path / "cohort-2"
    res = aeeval_cli("run", REPORT_NB, "-p", "cohort", "2", "--out", out)
    assert res.returncode == 0, res.stderr
    text = pdftext(out / "report.pdf")
    pages = text.split("\f")
    # Title page: programme, title, cohort, date, data sources, and nothing else on the page.
    assert "Always Events® programme evaluation" in pages[0] and "Cohort 2" in pages[0]
    assert "Report date:" in pages[0] and "Data sources" in pages[0]
    assert "data/examples/survey_responses.csv" in pages[0]
    assert "data/schemas/" not in pages[0]  # definitions are in the appendix only
    assert "Executive summary" not in pages[0]
    # Sections in order.
    order = [
        text.index(s)
        for s in ("Executive summary", "Methods", "Results", "Limitations", "Appendix: provenance")
    ]
    assert order == sorted(order)
    # Headline figures with intervals, checked against an independent Wilson interval
    # (statsmodels), from the cohort's own responses.
    responses = ae.load_survey(cohort=2)
    answered = responses["improved_experience"].dropna()
    answered = answered[answered != "Don't know"]
    n, base = int((answered == "Yes, definitely").sum()), len(answered)
    low, high = proportion_confint(n, base, method="wilson")
    assert (
        f"{_pct(n / base)} of {base} organisations ({n}; 95% CI {_pct(low)} to {_pct(high)})"
        in " ".join(text.split())
    )
    # Every strand of the example data is reported, and the data are said to be synthetic.
    for phrase in (
        "answered the survey",
        "interview(s) with organisations in Cohort 2",
        "Staff Survey, 2020 (q22c)",
        "Always Event measure(s) tracked by teams",
        "synthetic example data",
    ):
        assert phrase in " ".join(text.split()), phrase
    for code in ("import aeeval", "evaluation.analyse(", "ae.show(", "quotes_per_theme: int"):
        assert code not in text
    info = subprocess.run(
        ["pdfinfo", str(out / "report.pdf")], capture_output=True, text=True
    ).stdout
    assert "595" in info and "842" in info  # A4
    assert f"Page 1 of {len(pages) - 1}" in text
    tables = {t["name"] for t in json.loads((out / "figures.json").read_text())["tables"]}
    assert {
        "headline_figures",
        "response_rate",
        "cohort_comparison",
        "theme_frequencies",
        "quotes",
        "staff_survey_trend",
        "participation_effect",
        "measure_summary",
        "data_sources",
    } <= tables


@pytest.mark.slow
def test_report_on_a_folder_with_only_the_survey(tmp_path, examples):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("register.csv", "survey_responses.csv"):
        shutil.copy(examples / name, data / name)
    out = tmp_path / "out"
    res = aeeval_cli(
        "run",
        REPORT_NB,
        "-p",
        "cohort",
        "1",
        "-p",
        "data_dir",
        data,
        "--out",
        out,
        "--format",
        "html",
    )
    assert res.returncode == 0, res.stderr
    html = (out / "report.html").read_text()
    for said in (
        "No interviews with organisations in Cohort 1.",
        "No Staff Survey results were supplied.",
        "No Always Event measures from teams in Cohort 1.",
        "Not supplied for this report, so not covered: Coded interview segments; "
        "NHS Staff Survey results by trust; Always Event measures by team.",
    ):
        assert said in html, said
    inputs = [i["path"] for i in json.loads((out / "manifest.json").read_text())["inputs"]]
    # The folder's two files and no data file besides (the bundled schemas are read too: the
    # files of a folder are placed by comparing their headers with every schema's columns).
    assert sorted(p for p in inputs if not p.startswith("data/schemas/")) == sorted(
        str(data / name) for name in ("register.csv", "survey_responses.csv")
    )


def test_load_evaluation_narrows_every_table_to_the_cohort():
    ev = evaluation.load_evaluation(cohort=3)
    members = set(ev.members["org_code"])
    assert set(ev.register.loc[ev.register["cohort"] == 3, "org_code"]) == members
    assert set(ev.responses["org_code"]) <= members and set(ev.segments["org_code"]) <= members
    assert set(ev.measures["org_code"]) <= members and not ev.measures.empty
    groups = (
        evaluation.staff_survey_groups(ev)
        .drop_duplicates("org_code")
        .set_index("org_code")["group"]
    )
    assert set(groups[groups == "Cohort 3 trusts"].index) == members
    assert (
        set(groups[groups == evaluation.OTHER_COHORTS].index)
        == set(ev.register["org_code"]) - members
    )


def test_cohort_effect_compares_with_trusts_outside_the_programme_only():
    ev = evaluation.load_evaluation(cohort=1)
    fx = evaluation.staff_survey_effect(ev)
    # Independently: the same model on the cohort's trusts and non-programme trusts only.
    results = ev.staff_survey[
        ~ev.staff_survey["org_code"].isin(
            set(ev.register["org_code"]) - set(ev.members["org_code"])
        )
    ]
    # the report's default: Callaway & Sant'Anna in percentage points (issue 16 item 7)
    direct = ae.participation_effect(results, ev.members, missing="exclude")
    assert fx["design"].iloc[0] == "callaway_santanna" and fx["term"].iloc[0] == "att"
    assert fx["estimate"].iloc[0] == pytest.approx(direct["estimate"].iloc[0])
    assert (
        fx["n_trusts"].iloc[0]
        == results.loc[~results["suppressed"] & (results["series"] == "q22c"), "org_code"].nunique()
    )


def test_response_rate_is_a_wilson_interval_and_suppressed_when_small():
    ev = evaluation.load_evaluation(cohort=4)
    rate = evaluation.response_rate(ev)
    n, base = int(rate["n"].iloc[0]), int(rate["base"].iloc[0])
    assert (n, base) == (ev.responses["org_code"].nunique(), len(ev.members))
    low, high = proportion_confint(n, base, method="wilson")
    assert (rate["ci_low"].iloc[0], rate["ci_high"].iloc[0]) == pytest.approx((low, high))
    assert evaluation.response_rate(ev, min_base=base + 1)["suppressed"].iloc[0]


def test_unknown_cohort_and_missing_register(tmp_path):
    with pytest.raises(
        ValueError, match=r"cohort 9 is not in the register .* \(cohorts: 1, 2, 3, 4\)"
    ):
        evaluation.load_evaluation(cohort=9)
    with pytest.raises(FileNotFoundError, match="no register.csv"):
        evaluation.load_evaluation(tmp_path)


def test_measures_without_org_code_are_in_the_programme_report_and_named_in_cohort_limitations(
    tmp_path, examples
):
    import pandas as pd

    data = tmp_path / "data"
    shutil.copytree(examples, data)
    measures = pd.read_csv(data / "measures.csv").drop(columns="org_code")
    measures.to_csv(data / "measures.csv", index=False)
    programme = evaluation.load_evaluation(data)
    assert sorted(programme.measures["team"].unique()) == sorted(measures["team"].unique())
    cohort = evaluation.load_evaluation(data, cohort=1)
    assert cohort.measures.empty and cohort.unlinked_teams == sorted(measures["team"].unique())
    said = " ".join(evaluation.limitations(cohort, evaluation.Results()))
    assert "5 team(s) in the measures file have no org_code" in said and "Maternity unit A" in said


def test_bootstrap_p_value_at_its_floor_reads_as_an_upper_bound():
    # cohort 1's effect is far from 0: every one of 99 bootstrap draws is on one side, so the
    # bootstrap p-value sits at its floor 1/(99 + 1) and is only an upper bound
    ev = evaluation.load_evaluation(cohort=1)
    res = evaluation.analyse(ev)
    res.effect = evaluation.staff_survey_effect(ev, n_bootstrap=99)
    assert res.effect["p_value"].iloc[0] == pytest.approx(0.01)
    assert "a p-value of 0.01 means p ≤ 0.01" in res.effect.attrs["note"]
    text = " ".join(evaluation.summary_points(ev, res))
    assert "p ≤ 0.01)" in text and "p = 0.010" not in text
