"""``aeeval evaluate`` and ``aeeval init`` as an evaluator runs them: real CLI processes."""

import json
import shutil
from datetime import datetime

import openpyxl
import pytest
import yaml
from conftest import aeeval_cli, sha256

from aeeval.discovery import discover
from aeeval.paths import EXAMPLES, NOTEBOOKS
from aeeval.schemas import load_schema


def _hashes(folder):
    return {p.relative_to(folder): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_evaluate_on_the_examples_builds_what_make_demo_builds(tmp_path):
    # make demo's evaluation entries exactly as notebooks/demo.yml has them, built by aeeval build.
    demo = yaml.safe_load((NOTEBOOKS / "demo.yml").read_text(encoding="utf-8"))
    entries = [r for r in demo["reports"] if r.get("notebook") == "05-evaluation-report.ipynb"]
    assert len(entries) == 2
    config = {
        "output_dir": "demo",
        "formats": ["pdf", "html"],
        "reports": [dict(r, notebook=str(NOTEBOOKS / r["notebook"])) for r in entries],
    }
    (tmp_path / "demo.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    built = aeeval_cli("build", tmp_path / "demo.yml", "--jobs", "2", "-q", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    before = _hashes(EXAMPLES)
    run = aeeval_cli("evaluate", EXAMPLES, "--jobs", "2", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "cohorts 1, 2, 3, 4: 5 report(s)" in run.stdout
    assert "5 of 5 report(s) built" in run.stdout  # build's summary table
    assert _hashes(EXAMPLES) == before
    ours = tmp_path / "reports" / "evaluation"  # the default: ./reports/evaluation/
    demo_out = tmp_path / "demo" / "evaluation"
    folders = sorted(p.name for p in ours.iterdir())
    assert folders == sorted(p.name for p in demo_out.iterdir())
    assert folders == ["cohort-1", "cohort-2", "cohort-3", "cohort-4", "programme"]
    for name in folders:
        mine = json.loads((ours / name / "figures.json").read_text(encoding="utf-8"))
        theirs = json.loads((demo_out / name / "figures.json").read_text(encoding="utf-8"))
        # Every table, every number. The differences: evaluate names the data folder it was
        # given, so papermill injects a parameters cell into the programme report too (the demo
        # gives it no parameter), which moves each table one cell down.
        assert mine["parameters"] == {**theirs["parameters"], "data_dir": str(EXAMPLES)}
        shift = 1 if name == "programme" else 0
        assert [t.pop("cell") for t in mine["tables"]] == [
            t.pop("cell") + shift for t in theirs["tables"]
        ]
        assert mine["tables"] == theirs["tables"], name
        assert mine["notebook"] == theirs["notebook"]
        assert (ours / name / "report.pdf").stat().st_size > 0


def test_evaluate_lists_every_problem_of_the_folder_and_builds_nothing(tmp_path):
    folder = tmp_path / "wave3"
    shutil.copytree(EXAMPLES, folder)
    shutil.copy(EXAMPLES / "register.csv", folder / "Copy of register.csv")  # two registers
    (folder / "agenda.csv").write_text("item,owner\nwelcome,chair\n", encoding="utf-8")
    (folder / "export.csv").write_bytes("Organisation,Réponse\n".encode("utf-16"))  # unreadable
    survey = (folder / "survey_responses.csv").read_text(encoding="utf-8-sig")
    (folder / "survey_responses.csv").write_text(
        survey.replace("10/06/2019", "31/31/2019", 1), encoding="utf-8"
    )
    before = _hashes(folder)
    run = aeeval_cli("evaluate", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert run.returncode == 1, run.stdout
    err = run.stderr
    assert f"{folder}: 4 problem(s); nothing was built" in err
    assert "several register files (Copy of register.csv, register.csv)" in err
    assert "agenda.csv: not an input aeeval can place: its header (item, owner)" in err
    assert "export.csv: not an input aeeval can place: cannot be read: file is UTF-16" in err
    assert "[rule: readable]" in err
    assert "survey_responses.csv, row 2, column 'completed', value '31/31/2019'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "reports").exists()
    assert _hashes(folder) == before  # inputs unchanged


def test_evaluate_refuses_an_output_folder_inside_the_data_folder(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLES, folder)
    run = aeeval_cli("evaluate", folder, "--out", folder / "reports", cwd=tmp_path)
    assert run.returncode == 1
    assert "is inside the data folder" in run.stderr and "Traceback" not in run.stderr
    assert not (folder / "reports").exists()
    assert aeeval_cli("evaluate", folder, "--jobs", "0").returncode == 2


def test_init_writes_a_starter_folder_with_drop_down_lists(tmp_path):
    folder = tmp_path / "wave3"
    run = aeeval_cli("init", folder)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "register.csv",
        "register.xlsx",
        "survey_mapping.yml",
    ]
    fields = load_schema("register")["fields"]
    names = [f["name"] for f in fields]
    assert (folder / "register.csv").read_text(encoding="utf-8") == ",".join(names) + "\n"
    # The workbook read back with openpyxl: the header, and a data validation on each field
    # the schema constrains, listing exactly the schema's options.
    book = openpyxl.load_workbook(folder / "register.xlsx")
    sheet = book["register"]
    assert [c.value for c in sheet[1]] == names
    rules = {str(v.sqref).split(":")[0][0]: v for v in sheet.data_validations.dataValidation}
    letter = {f["name"]: chr(ord("A") + i) for i, f in enumerate(fields)}
    for field in fields:
        options = field.get("constraints", {}).get("enum") or field.get("categories")
        if not options:
            continue
        rule = rules[letter[field["name"]]]
        assert rule.type == "list" and rule.showErrorMessage
        assert str(rule.sqref) == f"{letter[field['name']]}2:{letter[field['name']]}1001"
        sheet_name, cells = rule.formula1.lstrip("=").split("!")
        source = book[sheet_name.strip("'")][cells.replace("$", "")]
        assert [row[0].value for row in source] == options, field["name"]
    assert {rules[letter["cohort"]].type, rules[letter["start_date"]].type} == {"whole", "date"}
    assert (rules[letter["cohort"]].formula1, rules[letter["cohort"]].formula2) == ("1", "50")
    mapping = yaml.safe_load((folder / "survey_mapping.yml").read_text(encoding="utf-8"))
    assert set(mapping) == {"fields", "questions"} and "org_code" in mapping["fields"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "aeeval evaluate FOLDER" in readme and "`org_type` (string)" in readme
    # The folder as written is refused by evaluate until one register is filled in.
    check = aeeval_cli("evaluate", folder, "--out", tmp_path / "out")
    assert check.returncode == 1
    assert "several register files (register.csv, register.xlsx)" in check.stderr
    # Filled in as Excel stores it (cohort a number, start_date a date cell), it is a register.
    for name, value in [
        ("org_code", "RXX01"),
        ("org_name", "Example NHS Trust"),
        ("org_type", "Acute trust"),
        ("region", "London"),
        ("setting", "Maternity"),
        ("cohort", 1),
        ("start_date", datetime(2026, 1, 12)),
    ]:
        sheet.cell(2, names.index(name) + 1, value)
    book.save(folder / "register.xlsx")
    valid = aeeval_cli("validate", folder / "register.xlsx")
    assert valid.returncode == 0, valid.stderr
    assert "valid against schema 'register'" in valid.stdout
    # The CSV template left blank beside it is set aside, not a second register.
    found = discover(folder)
    assert found.found["register"] == folder / "register.xlsx" and not found.conflicts
    assert (
        folder / "register.csv",
        "a blank template (a header, no rows) beside register.xlsx",
    ) in (found.skipped)
    (folder / "register.xlsx").rename(folder / "filled.xlsx")
    (folder / "copy.csv").write_text(
        (folder / "register.csv").read_text(encoding="utf-8") + "ZZ1,x,,,,,,\n"
    )
    assert set(discover(folder).conflicts["register"]) == {
        folder / "copy.csv",
        folder / "filled.xlsx",
    }
    (folder / "copy.csv").unlink()
    (folder / "filled.xlsx").rename(folder / "register.xlsx")
    # Never overwrites: a non-empty folder is refused and left as it was.
    before = _hashes(folder)
    again = aeeval_cli("init", folder)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "nothing" not in again.stdout
    assert _hashes(folder) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no work folder left
