"""A data folder's files found by their content (aeeval.discovery, ae.load_evaluation)."""

import json
import shutil
import warnings

import pandas as pd
import pytest

import aeeval as ae
from aeeval import evaluation
from aeeval.discovery import DataFolderError, UnplacedFileWarning, check_folder, discover

# QualCoder's coded-text report exported to CSV, in the layout its source writes
# (ccbogel/QualCoder src/qualcoder/report_codes.py, export_csv_file: utf-8-sig, every cell
# quoted; File, Coder, Coded, Id, Codename, Coded_Memo, one Category column per level, then
# FileVar_<name> when variables are exported). Written by hand here.
QUALCODER_EXPORT = (
    "\ufeff"
    '"File","Coder","Coded","Id","Codename","Coded_Memo","Category","FileVar_org_code"\r\n'
    '"INT01.txt","default","Getting the night staff involved took months.","ctid:1",'
    '"staff_engagement","","Challenges","ZA16"\r\n'
    '"INT02.txt","default","The board backed it from the start.","ctid:2",'
    '"senior_support","","What helps","ZA02"\r\n'
)


def _renamed(examples, folder):
    """The bundled inputs under the names an evaluator's own files might have."""
    folder.mkdir()
    names = {
        "register.csv": "Programme register 2026.csv",
        "survey_responses.csv": "wave 3 responses.csv",
        "staff_survey.csv": "nss_results.csv",
        "measures.csv": "AE measures.csv",
    }
    for bundled, name in names.items():
        shutil.copy(examples / bundled, folder / name)
    (folder / "coded interviews.csv").write_text(QUALCODER_EXPORT, encoding="utf-8", newline="")
    return folder


def test_every_strand_is_found_by_its_content_whatever_its_name(tmp_path, examples):
    folder = _renamed(examples, tmp_path / "wave3")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnplacedFileWarning)  # nothing left unplaced
        ev = ae.load_evaluation(folder, cohort=2)
    assert {k: p.name for k, p in ev.sources.items()} == {
        "register": "Programme register 2026.csv",
        "survey": "wave 3 responses.csv",
        "interview_segments": "coded interviews.csv",
        "staff_survey": "nss_results.csv",
        "measures": "AE measures.csv",
    }
    assert ev.kinds["interview_segments"] == "QualCoder coded-text export"
    assert ev.kinds["survey"] == "aeeval's survey schema"
    # The same tables as from the bundled names: content decides, not the name.
    bundled = ae.load_evaluation(cohort=2)
    pd.testing.assert_frame_equal(ev.responses, bundled.responses)
    pd.testing.assert_frame_equal(ev.measures, bundled.measures)
    assert sorted(ev.all_segments["interview"]) == ["INT01", "INT02"]
    assert ev.unplaced == []


def test_a_file_it_cannot_place_is_warned_about_and_listed_in_the_data_table(tmp_path, examples):
    folder = _renamed(examples, tmp_path / "wave3")
    (folder / "notes.csv").write_text("meeting,date\nkick-off,2026-01-05\n", encoding="utf-8")
    (folder / "old exports").mkdir()
    # Not inputs, skipped on purpose: neither warned about nor listed.
    (folder / "README.md").write_text("# wave 3\n", encoding="utf-8")
    (folder / "survey_mapping.yml").write_text("fields:\n  org_code: Q5\n", encoding="utf-8")
    (folder / "~$Programme register 2026.xlsx").write_bytes(b"\x00lock")
    (folder / ".DS_Store").write_bytes(b"\x00")
    with pytest.warns(UnplacedFileWarning) as caught:
        ev = ae.load_evaluation(folder)
    said = sorted(str(w.message) for w in caught)
    assert len(said) == 2
    assert "notes.csv: not read" in said[0] and "its header (meeting, date)" in said[0]
    assert "old exports: not read" in said[1] and "no data.qda" in said[1]
    table = evaluation.data_sources(ev)
    unused = table[table["source"].str.startswith("Not used")]
    assert unused["file"].tolist() == ["notes.csv", "old exports"]


def test_two_candidates_for_one_strand_is_an_error_naming_both(tmp_path, examples):
    folder = tmp_path / "data"
    shutil.copytree(examples, folder)
    shutil.copy(examples / "register.csv", folder / "register (1).csv")
    # The bundled name places a file whatever it holds (so its problems are listed, later).
    (folder / "register.csv").write_text("organisation,wave\nZA01,1\n", encoding="utf-8")
    with pytest.raises(DataFolderError) as err:
        ae.load_evaluation(folder)
    message = str(err.value)
    assert "several register files (register (1).csv, register.csv)" in message
    assert "register (1).csv: aeeval's register schema" in message
    assert "register.csv: placed by its name" in message
    # load_survey, which finds the register the same way, refuses too.
    with pytest.raises(DataFolderError, match=r"several register files"):
        ae.load_survey(folder)


def test_staff_survey_in_the_published_wide_layout_and_a_folder_codebook(tmp_path, examples):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(examples / "register.csv", folder / "register.csv")
    shutil.copy(examples / "survey_responses.csv", folder / "answers.csv")
    # The benchmark report's wide layout: q22c_<year> proportions and q22c_n_<year> bases.
    (folder / "benchmark.csv").write_text(
        "org_code,q22c_2019,q22c_n_2019,q22c_2020,q22c_n_2020\n"
        "ZA01,0.61,765,0.63,701\nZB01,0.55,420,0.58,433\n",
        encoding="utf-8",
    )
    # A codebook of this wave: the bundled one with one more spelling of an answer.
    book = (ae.paths.SCHEMAS / "survey_codebook.yaml").read_text(encoding="utf-8")
    (folder / "wave3_codebook.yaml").write_text(book, encoding="utf-8")
    found = discover(folder)
    assert found.kind("staff_survey") == "Staff Survey results (wide layout)"
    assert found.kind("codebook") == "survey codebook"
    ev = ae.load_evaluation(folder)
    assert ev.codebook == folder / "wave3_codebook.yaml"
    assert ev.responses.attrs["codebook"] == str(folder / "wave3_codebook.yaml")
    assert sorted(ev.staff_survey["org_code"].unique()) == ["ZA01", "ZB01"]
    table = evaluation.data_sources(ev)
    assert table.loc[table["source"] == "Survey codebook", "file"].tolist() == [
        "wave3_codebook.yaml"
    ]


def test_check_folder_lists_every_problem_of_every_file(tmp_path, examples):
    folder = tmp_path / "data"
    shutil.copytree(examples, folder)
    measures = (folder / "measures.csv").read_text(encoding="utf-8").splitlines()
    cells = measures[1].split(",")
    cells[4] = "41"  # row 2: numerator 41 of denominator 40
    measures[1] = ",".join(cells)
    (folder / "measures.csv").write_text("\n".join(measures) + "\n", encoding="utf-8")
    survey = (folder / "survey_responses.csv").read_text(encoding="utf-8-sig")
    (folder / "survey_responses.csv").write_text(
        survey.replace('"yes, definitely "', "Absolutely", 1), encoding="utf-8"
    )
    (folder / "stray.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    _, problems = check_folder(folder)
    seen = {(p.file.rsplit("/", 1)[-1], p.row, p.column, p.value, p.rule) for p in problems}
    # Every problem of every file at once: the stray file, a measures row, a survey answer.
    assert seen == {
        ("stray.csv", None, None, None, "placed"),
        ("measures.csv", 2, "numerator", "41", "check:numerator<=denominator"),
        ("survey_responses.csv", 2, "improved_experience", "Absolutely", "in-codebook"),
    }


def test_a_survey_tool_export_is_placed_by_its_header_and_competes_with_other_survey_files(
    tmp_path, examples
):
    """The survey tools' exports join discovery as one recogniser in STRANDS
    (``is_survey_export``): the file is placed whatever its name, and it competes with the other
    survey files like any other."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(examples / "register.csv", folder / "register.csv")
    # Google Forms' download: "Timestamp", then one column per question (written by hand).
    export = folder / "Always Events survey (Responses).csv"
    export.write_text(
        "Timestamp,Which organisation do you work for?\n2026/11/23 10:15:02 AM GMT,ZA01\n",
        encoding="utf-8",
    )
    found = discover(folder)
    assert found.unplaced == []
    assert found.found["survey"] == export and found.kind("survey") == "a Google Forms export"
    shutil.copy(examples / "survey_responses.csv", folder / "answers.csv")
    found = discover(folder)
    assert list(found.conflicts) == ["survey"]
    assert "several survey files (Always Events survey (Responses).csv, answers.csv)" in (
        found.problems()[0].message
    )


@pytest.mark.slow
def test_the_report_lists_a_file_it_could_not_place(tmp_path, examples):
    from conftest import aeeval_cli

    folder = _renamed(examples, tmp_path / "wave3")
    (folder / "minutes.csv").write_text("meeting,date\nkick-off,2026-01-05\n", encoding="utf-8")
    out = tmp_path / "report"
    run = aeeval_cli(
        "run", "evaluation-report", "-p", "data_dir", folder, "--out", out, "--format", "html"
    )
    assert run.returncode == 0, run.stderr
    tables = {t["name"]: t for t in json.loads((out / "figures.json").read_text())["tables"]}
    rows = {r["file"]: r["source"] for r in tables["data_sources"]["records"]}
    assert rows["minutes.csv"] == "Not used: not an input aeeval can place"
    assert rows["wave 3 responses.csv"] == "Survey of participating organisations"
    assert rows["coded interviews.csv"] == "Coded interview segments"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "minutes.csv" in html and "Not used: not an input aeeval can place" in html


def test_qda_projects_are_placed_by_their_form_and_a_qdc_is_named_as_no_input(tmp_path, examples):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(examples / "register.csv", folder / "register.csv")
    project = folder / "wave3 interviews.qda"  # QualCoder keeps a project as NAME.qda/data.qda
    project.mkdir()
    (project / "data.qda").write_bytes(b"SQLite format 3\x00")
    (folder / "codebook.qdc").write_text("<CodeBook/>", encoding="utf-8")
    found = discover(folder)
    assert found.found["interview_segments"] == project
    assert found.kind("interview_segments") == "QualCoder project"
    assert found.unplaced == [
        (
            folder / "codebook.qdc",
            "a REFI-QDA codebook holds codes but no coded interviews; give the .qdpx project",
        )
    ]
    (folder / "export.qdpx").write_bytes(b"PK\x03\x04")
    with pytest.raises(DataFolderError, match=r"several coded-interview files \(export\.qdpx, "):
        discover(folder).check()
