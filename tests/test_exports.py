"""Survey tools' exports read as the tools wrote them (aeeval.exports).

The fixtures in tests/fixtures/exports/ are written by hand in each tool's layout, from the tools'
public descriptions and public projects' copies of real exports (Qualtrics: "Understanding Your
Dataset", three header rows, StartDate … UserLanguage; SurveyMonkey: the two-row CSV with
Respondent ID … Custom Data 1; Microsoft Forms: ID, Start time, Completion time, Email, Name, Last
modified time; Google Forms: Timestamp, Email Address; SmartSurvey: no public description found —
docs/user-guide/survey-exports.md says what is and is not sourced). Every one holds the same twelve answers as survey_responses.csv, in aeeval's
own schema, and the done-when test shows they give the same headline figures. The XLSX
exports (Microsoft Forms only writes XLSX) are built here cell by cell with openpyxl, as Excel
holds them (date-times as date-time cells), never with aeeval's own writer.
"""

import csv
import json
import shutil
import warnings
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import aeeval_cli, sha256
from hypothesis import given
from hypothesis import strategies as st

import aeeval as ae
from aeeval.discovery import DataFolderError, discover
from aeeval.exports import (
    ExportError,
    SurveyExportWarning,
    match_organisations,
    parse_dates,
    read_export,
    read_mapping,
    recognise_export,
    survey_map,
    write_survey_map,
)
from aeeval.survey import load_survey

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
REFERENCE = FIXTURES / "survey_responses.csv"

CSV_EXPORTS = {
    "surveymonkey.csv": "SurveyMonkey",
    "qualtrics_text.csv": "Qualtrics",
    "qualtrics_numeric.csv": "Qualtrics",
    "google_forms.csv": "Google Forms",
    "smartsurvey.csv": "SmartSurvey",
}

# The twelve respondents' personal data as the fixtures hold them: none may survive reading.
PERSONAL = [
    "jo.smith@example.org",
    "a.khan@example.org",
    "l.owen@example.org",
    "203.0.113.17",
    "198.51.100.7",
    "Asha",
    "Khan",
    "EXT-0001",
    "51.5072",
    "wave-2",
    "Jo Smith",
]

MS_FORMS_QUESTIONS = [
    "Which organisation are you answering for?",
    "What is your role?",
    "Has your Always Event improved the experience of service users?",
    "Has your Always Event influenced co-production work in your organisation?",
    "What helped your Always Event? (select all that apply)",
    "Any other comments?",
]


def _reference_rows():
    with open(REFERENCE, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_ms_forms(path: Path, *, serial_dates: bool = False) -> Path:
    """A Microsoft Forms "Open in Excel" workbook: ID, Start time, Completion time, Email, Name,
    Last modified time, then one column per question; date-times as Excel date-time cells (or,
    with ``serial_dates``, as the bare serial numbers a sheet without date formats holds);
    choices of a multiple-answer question joined by ';' with a trailing ';'."""
    from openpyxl import Workbook

    names = {r["org_code"]: r["org_name"] for r in csv.DictReader(open(FIXTURES / "register.csv"))}
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
        + MS_FORMS_QUESTIONS
    )
    for i, r in enumerate(_reference_rows(), start=1):
        done = datetime.fromisoformat(r["completed"]).replace(hour=10, minute=15, second=32)
        start = done.replace(minute=2)
        if serial_dates:
            epoch = datetime(1899, 12, 30)
            done, start = [(d - epoch).total_seconds() / 86400 for d in (done, start)]
        helped = "".join(f"{x};" for x in r["what_helped"].split(";") if x)
        ws.append(
            [i, start, done, "anonymous", None, None, names[r["org_code"]], r["respondent_role"]]
            + [r["improved_experience"] or None, r["influenced_coproduction"], helped]
            + [r["comments"] or None]
        )
    wb.save(path)
    (path.with_name(f"{path.stem}.mapping.yml")).write_text(
        "tool: Microsoft Forms\n"
        "fields:\n  response_id: ID\n  org_code: G\n  completed: Completion time\n"
        "  respondent_role: What is your role?\n  comments: Any other comments?\n"
        "questions:\n"
        f"  improved_experience: {MS_FORMS_QUESTIONS[2]}\n"
        f"  influenced_coproduction: {MS_FORMS_QUESTIONS[3]}\n"
        f"  what_helped: {MS_FORMS_QUESTIONS[4]}\n",
        encoding="utf-8",
    )
    return path


#: The XLSX download of each CSV fixture: the same cells, date-times as date-time cells (as the
#: tool's own XLSX holds them) where the format is given, else text.
XLSX_COPIES = {
    "google_forms.xlsx": ("google_forms.csv", "%d/%m/%Y %H:%M:%S"),
    "surveymonkey.xlsx": ("surveymonkey.csv", None),
    "qualtrics_text.xlsx": ("qualtrics_text.csv", "%Y-%m-%d %H:%M:%S"),
    "smartsurvey.xlsx": ("smartsurvey.csv", "%d/%m/%Y %H:%M"),
}


def write_xlsx_copy(path: Path) -> Path:
    from openpyxl import Workbook

    source, date_format = XLSX_COPIES[path.name]
    wb = Workbook()
    ws = wb.active
    with open(FIXTURES / source, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            cells = []
            for c in row:
                if date_format:
                    try:
                        c = datetime.strptime(c, date_format)
                    except ValueError:
                        pass
                cells.append(c if c != "" else None)
            ws.append(cells)
    wb.save(path)
    mapping = FIXTURES / f"{Path(source).stem}.mapping.yml"
    if not mapping.exists():
        mapping = FIXTURES / "survey_mapping.yml"
    shutil.copy(mapping, path.with_name(f"{path.stem}.mapping.yml"))
    return path


def export_folder(tmp_path: Path, name: str) -> Path:
    """A data folder as an evaluator has it: register.csv, the export, its mapping."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(FIXTURES / "register.csv", folder)
    if name == "ms_forms.xlsx":
        write_ms_forms(folder / name)
    elif name == "ms_forms_serial.xlsx":
        write_ms_forms(folder / name, serial_dates=True)
    elif name in XLSX_COPIES:
        write_xlsx_copy(folder / name)
    else:
        shutil.copy(FIXTURES / name, folder)
        own = FIXTURES / f"{Path(name).stem}.mapping.yml"
        shutil.copy(own if own.exists() else FIXTURES / "survey_mapping.yml", folder)
    return folder


ALL_EXPORTS = [
    *CSV_EXPORTS,
    "ms_forms.xlsx",
    "ms_forms_serial.xlsx",
    *XLSX_COPIES,
]
TOOL = {
    **CSV_EXPORTS,
    "ms_forms.xlsx": "Microsoft Forms",
    "ms_forms_serial.xlsx": "Microsoft Forms",
    "google_forms.xlsx": "Google Forms",
    "surveymonkey.xlsx": "SurveyMonkey",
    "qualtrics_text.xlsx": "Qualtrics",
    "smartsurvey.xlsx": "SmartSurvey",
}


@pytest.fixture
def reference(tmp_path):
    folder = tmp_path / "reference"
    folder.mkdir()
    shutil.copy(FIXTURES / "register.csv", folder)
    shutil.copy(REFERENCE, folder)
    return ae.load_survey(folder)


# ------------------------------------------------------------------------------ done when


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_each_tool_gives_the_same_headline_figures_as_aeevals_own_schema(name, tmp_path, reference):
    folder = export_folder(tmp_path, name)
    before = {p.name: sha256(p) for p in folder.iterdir()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        responses = ae.load_survey(folder)
    assert responses.attrs["survey_tool"] == TOOL[name]
    got = ae.headline_figures(responses)
    want = ae.headline_figures(reference)
    cols = ["figure", "n", "base", "estimate", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(got[cols], want[cols])
    # Counted by hand from survey_responses.csv: "Yes, definitely" R01 R03 R05 R08 R09 R12 (6),
    # "to some extent" R02 R07 R10 (3) of 10 (R06 Don't know, R11 blank); co-production "a great
    # deal" or "to some extent" R01 R02 R03 R05 R08 R10 R11 R12 (8) of 11 (R06 Don't know).
    assert got[["n", "base"]].to_numpy().tolist() == [[6, 10], [3, 10], [8, 11]]
    same = ["org_code", "completed", "respondent_role", "comments", "cohort", "setting"]
    pd.testing.assert_frame_equal(responses[same], reference[same])
    multi = reference.attrs["multi"]["what_helped"]
    pd.testing.assert_frame_equal(responses[multi], reference[multi])
    assert {p.name: sha256(p) for p in folder.iterdir()} == before  # inputs only read


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_the_tool_is_recognised_from_the_header(name, tmp_path):
    folder = export_folder(tmp_path, name)
    assert recognise_export(folder / name) == TOOL[name]
    assert discover(folder).found["survey"] == folder / name  # found by its content


def test_files_that_are_not_exports_are_not_recognised(tmp_path, examples):
    assert recognise_export(REFERENCE) is None
    assert recognise_export(FIXTURES / "register.csv") is None
    assert recognise_export(examples / "survey_responses.csv") is None
    assert recognise_export(FIXTURES / "surveymonkey.mapping.yml") is None
    assert recognise_export(tmp_path / "missing.csv") is None
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert recognise_export(broken) is None


# --------------------------------------------------------------------------- personal data


@pytest.mark.parametrize("name", [*CSV_EXPORTS, "ms_forms.xlsx"])
def test_personal_data_are_dropped_on_reading_and_the_warning_names_them(name, tmp_path):
    folder = export_folder(tmp_path, name)
    with pytest.warns(SurveyExportWarning) as caught:
        table = read_export(folder / name)
    dropped = table.attrs["dropped_columns"]
    expected = {
        "SurveyMonkey": [
            "IP Address",
            "Email Address",
            "First Name",
            "Last Name",
            "Custom Data 1",
        ],
        "Qualtrics": [
            "IPAddress",
            "RecipientLastName",
            "RecipientFirstName",
            "RecipientEmail",
            "ExternalReference",
            "LocationLatitude",
            "LocationLongitude",
        ],
        "Google Forms": ["Email Address"],
        "SmartSurvey": ["IP Address", "Unique ID", "Name", "Email", "Custom Value"],
        "Microsoft Forms": ["Email", "Name"],
    }[TOOL[name]]
    assert dropped == expected
    message = str(caught[0].message)
    assert all(c in message for c in expected)
    cells = {str(v) for v in table.astype(str).to_numpy().ravel()} | set(table.columns)
    cells |= {str(v) for v in table.attrs.values()}
    assert not [p for p in PERSONAL if any(p in c for c in cells)]


def test_unused_columns_are_set_aside_not_an_error(tmp_path):
    folder = export_folder(tmp_path, "qualtrics_text.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        table = read_export(folder / "qualtrics_text.csv")
    assert table.attrs["unused_columns"] == [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "DistributionChannel",
        "UserLanguage",
    ]
    assert list(table.columns) == [f["name"] for f in ae.schemas.load_schema("survey")["fields"]]


def test_a_mapping_may_not_name_a_personal_data_column(tmp_path):
    folder = export_folder(tmp_path, "google_forms.csv")
    mapping = folder / "google_forms.mapping.yml"
    mapping.write_text(mapping.read_text().replace("What is your role?", "Email Address"))
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(folder / "google_forms.csv")
    (p,) = exc.value.problems
    assert (p.column, p.value, p.rule) == ("respondent_role", "Email Address", "personal-data")


# ----------------------------------------------------------------------------------- dates


def test_dates_in_every_form_the_tools_write():
    from openpyxl.utils.datetime import from_excel  # an independent reading of Excel serials

    serial = "46349.4274"
    values = [
        "11/23/2026 10:15:32 AM",  # SurveyMonkey (US)
        "2026-11-23 10:15:32",  # Qualtrics, ISO; an XLSX date-time cell reads this way
        "2026-11-23T10:15:32Z",
        serial,  # Excel serial number
        "",
    ]
    got = parse_dates(values, [3, 4, 5, 6, 7])
    assert got == [date(2026, 11, 23)] * 3 + [from_excel(float(serial)).date(), None]
    assert from_excel(float(serial)).date() == date(2026, 11, 23)
    assert parse_dates(["23/11/2026 10:15", "01/12/2026 09:00"], [2, 3]) == [
        date(2026, 11, 23),
        date(2026, 12, 1),
    ]
    assert parse_dates(["12/01/2026"], [2], date_format="monthfirst") == [date(2026, 12, 1)]
    assert parse_dates(["12/01/2026"], [2], date_format="dayfirst") == [date(2026, 1, 12)]


def test_day_and_month_that_cannot_be_told_apart_are_an_error_naming_the_rows():
    with pytest.raises(ExportError) as exc:
        parse_dates(["01/12/2026 10:00", "", "03/11/2026 09:00"], [4, 5, 6], file="x.csv")
    (p,) = exc.value.problems
    assert p.rule == "date-order" and p.row == 4
    assert "rows 4, 6" in p.message and "date_format" in p.message
    with pytest.raises(ExportError) as exc:  # one column, both orders
        parse_dates(["23/11/2026", "11/23/2026"], [2, 3])
    assert exc.value.problems[0].rule == "date-order"
    with pytest.raises(ExportError) as exc:
        parse_dates(["23/11/2026"], [2], date_format="monthfirst")
    assert exc.value.problems[0].rule == "date-order"
    with pytest.raises(ExportError) as exc:
        parse_dates(["yesterday", "31/02/2026", "2026-02-30"], [2, 3, 4])
    assert [(p.row, p.rule) for p in exc.value.problems] == [
        (2, "date"),
        (4, "date"),
        (3, "date"),
    ]


def test_an_ambiguous_export_names_its_rows_and_date_format_settles_it(tmp_path):
    folder = export_folder(tmp_path, "google_forms.csv")
    export = folder / "google_forms.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    # Keep only the responses of 1 and 2 December: every date reads either way.
    kept = [lines[0]] + [line for line in lines[1:] if line.startswith(("01/12", "02/12"))]
    export.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(export)
    (p,) = exc.value.problems
    assert (p.column, p.row, p.rule) == ("Timestamp", 2, "date-order")
    assert "rows 2, 3" in p.message
    mapping = folder / "google_forms.mapping.yml"
    mapping.write_text("date_format: dayfirst\n" + mapping.read_text(), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        table = read_export(export)
    assert table["completed"].dt.date.tolist() == [date(2026, 12, 1), date(2026, 12, 2)]


# --------------------------------------------------------------------------- organisations


REGISTER = pd.DataFrame(
    {
        "org_code": ["RAE", "RR8", "RXF", "ZZ1", "ZZ2"],
        "org_name": [
            "Bradford Teaching Hospitals NHS Foundation Trust",
            "Leeds Teaching Hospitals NHS Trust",
            "Mid Yorkshire Teaching NHS Trust",
            "Example Vale NHS Foundation Trust",
            "Example Vale Foundation Trust",
        ],
    }
)


def test_organisation_names_are_matched_to_register_codes():
    got = match_organisations(
        [
            "Leeds Teaching Hospitals NHS Trust",  # exact
            "bradford teaching hospitals nhs ft",  # case, "NHS FT"
            "Bradford Teaching Hospitals Foundation Trust",
            "Mid-Yorkshire Teaching NHS Trust.",  # punctuation
            "rr8",  # a code, any case
            "",
        ],
        REGISTER,
        [2, 3, 4, 5, 6, 7],
    )
    assert got == ["RR8", "RAE", "RAE", "RXF", "RR8", ""]
    amp = pd.DataFrame({"org_code": ["ZX03"], "org_name": ["Coast & Country NHS Trust"]})
    assert match_organisations(["Coast and Country NHS Trust"], amp, [2]) == ["ZX03"]


def test_unmatched_and_ambiguous_organisations_list_the_closest_register_names():
    with pytest.raises(ExportError) as exc:
        match_organisations(
            [
                "Leeds Teaching Hospital Trust",
                "Example Vale NHS FT",
                "Leeds Teaching Hospital Trust",
            ],
            REGISTER,
            [3, 4, 5],
            file="export.csv",
            column="Q1",
        )
    unmatched, ambiguous = exc.value.problems
    assert (unmatched.row, unmatched.column, unmatched.rule) == (3, "Q1", "organisation-unmatched")
    assert "also rows 5" in unmatched.message
    assert "Leeds Teaching Hospitals NHS Trust" in unmatched.message
    assert ambiguous.rule == "organisation-ambiguous" and "ZZ1, ZZ2" in ambiguous.message


# ------------------------------------------------------------------------------- answers


def test_an_undeclared_code_is_an_error_naming_the_rows(tmp_path):
    folder = export_folder(tmp_path, "qualtrics_numeric.csv")
    export = folder / "qualtrics_numeric.csv"
    text = export.read_text(encoding="utf-8")
    export.write_text(text.replace("Ward manager,1,1,3,", "Ward manager,7,1,3,"), "utf-8")
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(export)
    assert exc.value.tool == "Qualtrics" and str(exc.value).startswith("Qualtrics export: ")
    (p,) = exc.value.problems
    # The fifth response: row 8 of the spreadsheet (three header rows).
    assert (p.row, p.column, p.value, p.rule) == (8, "Q3", "7", "codebook-code")
    assert "1 = Yes, definitely" in p.message


def test_numeric_answers_need_codes_in_the_codebook(tmp_path):
    import yaml

    folder = export_folder(tmp_path, "qualtrics_numeric.csv")
    spec = yaml.safe_load((ae.paths.SCHEMAS / "survey_codebook.yaml").read_text())
    for q in spec["questions"]:
        for o in q["options"]:
            o.pop("code")
    book = folder / "no_codes.yaml"
    book.write_text(yaml.safe_dump(spec))
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(folder / "qualtrics_numeric.csv", codebook=book)
    assert {p.column for p in exc.value.problems} == {"Q3", "Q4", "Q5"}
    assert all(p.rule == "codebook-code" for p in exc.value.problems)


def test_a_code_given_twice_in_a_codebook_is_refused(tmp_path):
    import yaml

    spec = yaml.safe_load((ae.paths.SCHEMAS / "survey_codebook.yaml").read_text())
    spec["questions"][0]["options"][1]["code"] = 1
    book = tmp_path / "twice.yaml"
    book.write_text(yaml.safe_dump(spec))
    with pytest.raises(ValueError, match="code 1 is given to both"):
        ae.load_codebook(book)


def test_answers_not_in_the_codebook_are_listed_with_their_spreadsheet_rows(tmp_path):
    folder = export_folder(tmp_path, "surveymonkey.csv")
    export = folder / "surveymonkey.csv"
    text = export.read_text(encoding="utf-8")
    export.write_text(text.replace("Matron,No,Very little", "Matron,Perhaps,Very little"), "utf-8")
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(export)
    (p,) = exc.value.problems
    # The fourth response is on row 6: two header rows.
    assert (p.row, p.value, p.rule) == (6, "Perhaps", "codebook")
    assert p.column == "Has your Always Event improved the experience of service users?"
    with warnings.catch_warnings():  # coded leniently, the answer is missing and listed
        warnings.simplefilter("ignore", SurveyExportWarning)
        lenient = ae.load_survey(folder, strict=False)
    assert lenient["improved_experience"].isna().sum() == 2  # R11's blank and R04's "Perhaps"
    assert [(u["value"], u["rows"]) for u in lenient.attrs["unmapped"]] == [("Perhaps", [6])]


def test_free_text_is_kept_and_declared_free_text_for_redaction(tmp_path):
    folder = export_folder(tmp_path, "smartsurvey.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        table = read_export(folder / "smartsurvey.csv")
    comment = table.loc[2, "comments"]
    assert comment == "Call Jo Bloggs on 01632 960123 for more."
    comments = next(
        f for f in ae.schemas.load_schema("survey")["fields"] if f["name"] == "comments"
    )
    assert "free text" in comments["title"]
    assert ae.redact(comment, names=["Jo Bloggs"]) == "Call [name] on [phone] for more."


# ------------------------------------------------------------------------------- mappings


def test_a_mapping_naming_a_column_the_export_lacks(tmp_path):
    folder = export_folder(tmp_path, "qualtrics_text.csv")
    mapping = folder / "qualtrics_text.mapping.yml"
    mapping.write_text(
        mapping.read_text().replace("improved_experience: Q3", "improved_experience: Q9")
    )
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(folder / "qualtrics_text.csv")
    (p,) = exc.value.problems
    assert (p.file, p.column, p.value, p.rule) == (
        str(mapping),
        "improved_experience",
        "Q9",
        "mapping-column",
    )


def test_a_mapping_is_checked_against_its_format(tmp_path):
    bad = tmp_path / "survey_mapping.yml"
    bad.write_text("fields:\n  org_code: Q1\n  organisation: Q2\n")
    with pytest.raises(ExportError) as exc:
        read_mapping(bad)
    assert exc.value.problems[0].rule == "mapping-format"
    bad.write_text("fields:\n  org_code: Q1\ndate_format: yearfirst\n")
    with pytest.raises(ExportError, match="date_format"):
        read_mapping(bad)
    bad.write_text("questions:\n  improved_experience: Q3\n")
    with pytest.raises(ExportError, match="fields"):
        read_mapping(bad)


def test_an_unknown_layout_says_which_layouts_were_expected(tmp_path):
    other = tmp_path / "export.csv"
    other.write_text("Response,Org,Answer\n1,ZX01,Yes\n")
    with pytest.raises(ExportError) as exc:
        read_export(other, {"fields": {"org_code": "Org"}})
    (p,) = exc.value.problems
    assert p.rule == "export-layout" and p.row == 1
    for tool in ("SurveyMonkey", "Qualtrics", "Microsoft Forms", "Google Forms", "SmartSurvey"):
        assert tool in p.message


def test_two_exports_with_mappings_in_one_folder_are_an_error(tmp_path):
    folder = export_folder(tmp_path, "google_forms.csv")
    shutil.copy(FIXTURES / "surveymonkey.csv", folder)
    shutil.copy(FIXTURES / "surveymonkey.mapping.yml", folder)
    with pytest.raises(DataFolderError) as exc:
        load_survey(folder)
    assert "google_forms.csv, surveymonkey.csv" in str(exc.value)


def test_survey_map_matches_wording_closely_and_lists_what_it_could_not(tmp_path):
    export = tmp_path / "responses.csv"
    export.write_text(
        "Timestamp,Your organisation,"
        "Has the Always Event improved the experience of your service users?,"
        "How did you hear about the programme?\n"
        "23/11/2026 10:15,ZX01,Yes,Newsletter\n",
        encoding="utf-8",
    )
    mapping, unmatched = survey_map(export)
    assert mapping["questions"] == {
        "improved_experience": "Has the Always Event improved the experience of your service users?"
    }
    assert mapping["fields"] == {"org_code": "Your organisation", "completed": "Timestamp"}
    assert "question influenced_coproduction" in unmatched
    assert "question what_helped" in unmatched


# ---------------------------------------------------------------------------------- CLI


def test_cli_survey_map_writes_a_mapping_that_loads_and_never_overwrites(tmp_path, reference):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(FIXTURES / "register.csv", folder)
    shutil.copy(FIXTURES / "surveymonkey.csv", folder)
    result = aeeval_cli("survey-map", "surveymonkey.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "wrote surveymonkey.mapping.yml" in result.stdout
    assert "no problems" in result.stdout
    mapping = folder / "surveymonkey.mapping.yml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        loaded = ae.load_survey(folder)
    assert ae.headline_figures(loaded)["n"].tolist() == [6, 3, 8]
    mapping.write_text(mapping.read_text() + "# edited by hand\n")
    before = sha256(mapping)
    again = aeeval_cli("survey-map", "surveymonkey.csv", cwd=folder)
    assert again.returncode == 1 and "--force" in again.stderr
    assert "Traceback" not in again.stderr and sha256(mapping) == before
    forced = aeeval_cli("survey-map", "surveymonkey.csv", "--force", cwd=folder)
    assert forced.returncode == 0 and "# edited by hand" not in mapping.read_text()


def test_cli_survey_map_refuses_a_file_that_is_no_export(tmp_path):
    shutil.copy(REFERENCE, tmp_path)
    result = aeeval_cli("survey-map", "survey_responses.csv", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "export-layout" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey_responses.csv"]


def test_cli_validate_reads_an_export_with_its_mapping(tmp_path):
    folder = export_folder(tmp_path, "qualtrics_numeric.csv")
    ok = aeeval_cli("validate", folder / "qualtrics_numeric.csv")
    assert ok.returncode == 0, ok.stderr
    assert "valid Qualtrics export" in ok.stdout and "12 response(s)" in ok.stdout
    assert "IPAddress" in ok.stdout  # named as dropped


@pytest.mark.parametrize(
    "breakage, rule",
    [
        (("Q3", "Q9"), "mapping-column"),  # the mapping names a column the export lacks
        (("ZX07,Matron", "ZX99,Matron"), "in-register"),  # a code not in the register
        (("2026-11-26 13:58:02", "26/11/2026 13:58"), "date"),  # slashed among ISO: fine …
    ],
)
def test_cli_validate_bad_exports_exit_1_without_traceback_and_change_nothing(
    tmp_path, breakage, rule
):
    folder = export_folder(tmp_path, "qualtrics_text.csv")
    export, mapping = folder / "qualtrics_text.csv", folder / "qualtrics_text.mapping.yml"
    old, new = breakage
    target = mapping if rule == "mapping-column" else export
    target.write_text(target.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    before = {p.name: sha256(p) for p in folder.iterdir()}
    result = aeeval_cli("validate", export)
    if rule == "date":  # … a slashed date with day 26 is read day first: still valid
        assert result.returncode == 0, result.stderr
    elif rule == "in-register":  # read_export matches codes against the register
        assert result.returncode == 1 and "organisation-unmatched" in result.stderr
    else:
        assert result.returncode == 1 and f"[rule: {rule}]" in result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: sha256(p) for p in folder.iterdir()} == before


def test_write_survey_map_writes_a_mapping_in_its_own_format(tmp_path):
    shutil.copy(FIXTURES / "smartsurvey.csv", tmp_path)
    out = tmp_path / "survey_mapping.yml"
    written, unmatched = write_survey_map(tmp_path / "smartsurvey.csv", out)
    assert written == out and unmatched == []
    spec = read_mapping(out)  # checked against survey-mapping-format.json
    assert spec["tool"] == "SmartSurvey" and spec["fields"]["response_id"] == "UserID"
    with pytest.raises(FileExistsError):
        write_survey_map(tmp_path / "smartsurvey.csv", out)


def test_a_qualtrics_legacy_export_without_the_import_id_row(tmp_path, reference):
    folder = export_folder(tmp_path, "qualtrics_text.csv")
    export = folder / "qualtrics_text.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    assert lines[2].startswith('"{""ImportId""')
    export.write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")
    mapping = folder / "qualtrics_text.mapping.yml"
    mapping.write_text(mapping.read_text().replace("QID4", "Q4").replace("QID6_TEXT", "Q6"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        responses = ae.load_survey(folder)
    assert responses.attrs["header_rows"] == 2 and responses.attrs["rows"][0] == 3
    cols = ["figure", "n", "base", "estimate"]
    pd.testing.assert_frame_equal(
        ae.headline_figures(responses)[cols], ae.headline_figures(reference)[cols]
    )


def test_names_without_a_register_are_an_error_not_a_pattern_failure(tmp_path):
    shutil.copy(FIXTURES / "google_forms.csv", tmp_path)
    shutil.copy(FIXTURES / "google_forms.mapping.yml", tmp_path)
    with pytest.raises(ExportError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        read_export(tmp_path / "google_forms.csv")
    problems = exc.value.problems
    assert len(problems) == 12 and {p.rule for p in problems} == {"organisation-register"}
    assert problems[0].row == 2 and problems[0].value == "Example Riverside NHS Foundation Trust"


def test_cli_validate_an_export_without_a_mapping_says_how_to_write_one(tmp_path):
    shutil.copy(FIXTURES / "surveymonkey.csv", tmp_path)
    result = aeeval_cli("validate", "surveymonkey.csv", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "SurveyMonkey export" in result.stderr
    assert "aeeval survey-map surveymonkey.csv" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["surveymonkey.csv"]


def test_cli_validate_ambiguous_dates_names_the_rows(tmp_path):
    folder = export_folder(tmp_path, "smartsurvey.csv")
    export = folder / "smartsurvey.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    # The responses of 1 and 2 December only (rows 2 and 3 once the others are gone).
    export.write_text("\n".join([lines[0], *lines[-2:]]) + "\n", encoding="utf-8")
    before = sha256(export)
    result = aeeval_cli("validate", export)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "column 'Ended'" in result.stderr and "rows 2, 3" in result.stderr
    assert "[rule: date-order]" in result.stderr and sha256(export) == before


def test_microsoft_forms_older_id_header_and_us_dates(tmp_path):
    # An older Microsoft Forms download as public projects show it: "Id", US dates without
    # seconds, "anonymous" in Email, each choice followed by ';'.
    export = tmp_path / "forms.csv"
    export.write_text(
        "Id,Start time,Completion time,Email,Name,Which organisation are you answering for?,"
        "What helped your Always Event? (select all that apply)\n"
        "1,10/9/2026 11:02,10/9/2026 11:03,anonymous,,ZX01,Senior support;Protected time;\n"
        "2,10/13/2026 09:00,10/13/2026 09:05,anonymous,,ZX02,National training;\n",
        encoding="utf-8",
    )
    assert recognise_export(export) == "Microsoft Forms"
    mapping, _ = survey_map(export)
    assert mapping["fields"]["response_id"] == "Id"
    assert mapping["fields"]["completed"] == "Completion time"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyExportWarning)
        table = read_export(export, mapping)
    assert table["completed"].dt.date.tolist() == [date(2026, 10, 9), date(2026, 10, 13)]
    assert table["what_helped"].tolist() == ["Senior support;Protected time", "National training"]


@pytest.mark.slow
def test_a_report_from_an_export_holds_none_of_its_personal_data(tmp_path):
    folder = export_folder(tmp_path, "surveymonkey.csv")
    out = tmp_path / "report"
    result = aeeval_cli(
        "run", "survey-outcomes", "-p", "data_dir", folder, "--out", out, "--format", "html"
    )
    assert result.returncode == 0, result.stderr
    published = {
        p.name: p.read_text(encoding="utf-8")
        for p in out.iterdir()
        if p.is_file() and p.suffix != ".xlsx"
    }
    book = openpyxl.load_workbook(out / "tables.xlsx")  # every sheet name and cell, as text
    published["tables.xlsx"] = "\n".join(
        [ws.title for ws in book] + [str(c.value) for ws in book for r in ws.iter_rows() for c in r]
    )
    assert {"report.html", "executed.ipynb", "figures.json", "manifest.json"} <= set(published)
    sheet = book["headline_figures"]  # the hand counts reach the board-paper workbook too
    assert [r[1] for r in sheet.iter_rows(min_row=4, max_row=6, values_only=True)] == [6, 3, 8]
    leaks = [(name, p) for name, text in published.items() for p in PERSONAL if p in text]
    assert not leaks
    figures = json.loads(published["figures.json"])
    table = next(t for t in figures["tables"] if t["name"] == "headline_figures")
    assert [r["n"] for r in table["records"]] == [6, 3, 8]  # the hand counts, through the report
    read = {Path(f["path"]).name for f in json.loads(published["manifest.json"])["inputs"]}
    assert {"surveymonkey.csv", "surveymonkey.mapping.yml", "register.csv"} <= read


@given(
    st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)), max_size=30),
    st.sampled_from(["dayfirst", "monthfirst"]),
    st.booleans(),
)
def test_slashed_dates_read_back_whatever_the_column_holds(days, order, with_time):
    # Python's own strftime writes the column; one date with a day above 12 settles the order.
    days = [*days, date(2026, 11, 23)]
    pattern = "%d/%m/%Y" if order == "dayfirst" else "%m/%d/%Y"
    if with_time:
        pattern += " %I:%M:%S %p" if order == "monthfirst" else " %H:%M"
    values = [datetime(d.year, d.month, d.day, 10, 15, 32).strftime(pattern) for d in days]
    assert parse_dates(values, list(range(2, len(values) + 2))) == days


def _evaluated(folder: Path, out: Path) -> dict:
    """``aeeval evaluate`` of ``folder`` as an evaluator runs it: report name → figures.json."""
    res = aeeval_cli("evaluate", folder, "--out", out, "--format", "html", "--jobs", "2", "-q")
    assert res.returncode == 0, res.stdout + res.stderr
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/figures.json"))}


@pytest.fixture(scope="module")
def evaluated_reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference") / "data"
    folder.mkdir()
    shutil.copy(FIXTURES / "register.csv", folder)
    shutil.copy(REFERENCE, folder)
    return _evaluated(folder, folder.parent / "out")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "surveymonkey.csv",
        "qualtrics_numeric.csv",
        "ms_forms.xlsx",
        "google_forms.csv",
        "smartsurvey.csv",
    ],
)
def test_each_tool_s_export_goes_through_aeeval_evaluate_with_only_its_mapping(
    name, tmp_path, evaluated_reference
):
    """Issue 13's done-when: the export in its tool's layout, a mapping beside it, and the same
    answers in aeeval's own schema give the same figures in every report `aeeval evaluate`
    builds (programme and each cohort); the data table says which tool's export was read."""
    folder = export_folder(tmp_path, name)
    before = {p.name: sha256(p) for p in folder.iterdir()}
    got = _evaluated(folder, tmp_path / "out")
    assert sorted(got) == sorted(evaluated_reference) == ["cohort-1", "cohort-2", "programme"]
    for report, figures in got.items():
        tables = {t["name"]: t["records"] for t in figures["tables"]}
        want = {t["name"]: t["records"] for t in evaluated_reference[report]["tables"]}
        assert "headline_figures" in tables
        for table in set(want) - {"data_sources"}:
            assert tables[table] == want[table], (report, table)
        survey = [r for r in tables["data_sources"] if r["file"] == name]
        assert survey and survey[0]["read_as"].startswith(f"a {TOOL[name]} export")
    assert {p.name: sha256(p) for p in folder.iterdir()} == before  # inputs only read
