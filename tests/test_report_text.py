"""The evaluation report says only what its data hold: Methods, executive summary and limitations
are written from what was read and computed, never from fixed text."""

import re

import pandas as pd
import pytest
from conftest import aeeval_cli, pdftext

from aeeval import evaluation
from aeeval.paths import NOTEBOOKS

REPORT_NB = NOTEBOOKS / "05-evaluation-report.ipynb"

#: Themes of the one-coder data set, none of them the bundled examples' themes.
RENAMED = {
    "Challenges": "Obstacles met",
    "What helps": "Enabling conditions",
    "Key learnings": "Lessons for spread",
}
#: Fixed claims the report made whatever its data (before issue 13): none may appear.
OLD_PHRASES = (
    "two coders",
    "shared framework",
    "challenges, what helps, key learnings",
    "Challenges",
    "What helps",
    "Key learnings",
    "either coder",
    "One lead per participating organisation",
    "online survey",
)


def _one_coder(folder):
    """Keep Coder A's segments only and rename the themes."""
    path = folder / "interview_segments.csv"
    segments = pd.read_csv(path, dtype=str, keep_default_na=False)
    segments = segments[segments["coder"] == "Coder A"]
    segments["theme"] = segments["theme"].map(RENAMED)
    assert segments["theme"].notna().all()
    segments.to_csv(path, index=False)
    return folder


def _words(text: str) -> str:
    return " ".join(text.split())


def test_methods_follow_the_data(example_copy):
    ev = evaluation.load_evaluation(_one_coder(example_copy), cohort=2)
    res = evaluation.analyse(ev)
    assert res.agreement is None
    text = " ".join(
        evaluation.methods(ev, res)
        + evaluation.summary_points(ev, res)
        + evaluation.limitations(ev, res)
    )
    assert "coded by one coder," in text
    assert "three themes in the coded data: Enabling conditions, Lessons for spread and " in text
    assert "No agreement statistic was computed: every interview was coded by one coder only" in (
        text
    )
    assert "when the coder applied it" in text
    assert "coded by one coder only: no second coder checked the coding" in text
    for phrase in OLD_PHRASES:
        assert phrase not in text, phrase


def test_methods_name_the_coders_and_the_statistic(example_copy):
    """Three coders: the count and the agreement statistic come from the computed table."""
    path = example_copy / "interview_segments.csv"
    segments = pd.read_csv(path, dtype=str, keep_default_na=False)
    third = segments[segments["coder"] == "Coder A"].assign(coder="Coder C")
    pd.concat([segments, third]).to_csv(path, index=False)
    ev = evaluation.load_evaluation(example_copy, cohort=2)
    res = evaluation.analyse(ev)
    text = " ".join(evaluation.methods(ev, res) + evaluation.summary_points(ev, res))
    assert "coded by three coders" in text
    assert "Agreement between the three coders is Krippendorff's alpha (nominal)" in text
    assert f"Krippendorff's alpha {res.agreement['alpha'].iloc[0]:.3f}" in text
    assert "two coders" not in text


def test_missing_strands_say_why(example_copy):
    for name in ("survey_responses.csv", "interview_segments.csv", "measures.csv"):
        (example_copy / name).unlink()
    ev = evaluation.load_evaluation(example_copy, cohort=1)
    res = evaluation.analyse(ev)
    text = " ".join(evaluation.methods(ev, res))
    assert "No survey of participating organisations was supplied" in text
    assert "No coded interviews were supplied" in text and "no agreement statistic" in text
    assert "No Always Event measures were supplied" in text
    assert "Wilson" not in text and "Krippendorff" not in text and "p-chart" not in text
    summary = " ".join(evaluation.summary_points(ev, res))
    assert "agreement" not in summary.lower() and "interview" not in summary
    disclosure = evaluation.disclosure_methods(min_base=10, ev=ev)
    assert disclosure.startswith(
        "**Disclosure control.** Staff Survey results count people: a result with a base "
        "below 10 is suppressed"
    )
    assert "Survey figures" not in disclosure and "measures" not in disclosure
    assert "interview" not in disclosure  # no interviews: the qualitative rule does not apply


def test_survey_tool_and_questions_are_those_read(example_copy):
    """The tool the export readers recorded is named; only questions the answers hold are."""
    ev = evaluation.load_evaluation(example_copy)
    for table in (ev.programme, ev.responses):  # a question nobody answered
        table["influenced_coproduction"] = table["influenced_coproduction"].where(table.index < 0)
    ev.responses.attrs["survey_tool"] = "SurveyMonkey"
    res = evaluation.analyse(ev)
    text = evaluation.methods(ev, res)[0]
    assert "(SurveyMonkey)" in text and "aeeval's survey responses format" not in text
    assert "“Has your Always Event improved the experience of service users?”" in text
    assert "co-production" not in text
    ev.responses.attrs.pop("survey_tool")
    text = evaluation.methods(ev, res)[0]
    assert "(aeeval's survey responses format)" in text
    assert "worded as in the codebook picker_organisation_survey" in text
    # An export's own wording of a question (the export readers record it) is the one quoted.
    ev.programme.attrs["question_wording"] = {"improved_experience": "Did it help patients?"}
    text = evaluation.methods(ev, res)[0]
    assert "The questions read, worded as in the export: “Did it help patients?”" in text
    assert "improved the experience of service users" not in text


@pytest.mark.slow
def test_one_coder_report_says_so(example_copy, tmp_path):
    """A real `aeeval run` of the evaluation report, read back from its PDF (pdftotext) and HTML."""
    data = _one_coder(example_copy)
    out = tmp_path / "report"
    res = aeeval_cli("run", REPORT_NB, "-p", "data_dir", data, "-p", "cohort", "2", "--out", out)
    assert res.returncode == 0, res.stderr
    pdf = _words(pdftext(out / "report.pdf"))
    html = (out / "report.html").read_text(encoding="utf-8")
    html_words = _words(re.sub(r"<[^>]+>", " ", html))
    methods = pdf[pdf.index("Methods") : pdf.index("Results")]
    for text in (methods, html_words):
        assert "coded by one coder, with three themes in the coded data" in text
        for theme in RENAMED.values():
            assert theme in text
        assert (
            "No agreement statistic was computed: every interview was coded by one coder only"
            in text
        )
    limits = pdf[pdf.index("Limitations") : pdf.index("Appendix: provenance")]
    assert "coded by one coder only" in limits
    assert "Agreement between" not in pdf  # no agreement table or sentence
    for phrase in OLD_PHRASES:
        assert phrase not in pdf, phrase
        assert phrase not in html_words, phrase
