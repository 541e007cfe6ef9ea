"""read_table / validate_table / `aeeval validate` against good and bad files."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import sha256

from aeeval import ValidationError, read_table, validate_table
from aeeval.datasets import EXAMPLE_FILES
from aeeval.schemas import guess_schema, list_schemas, load_schema

REGISTER_HEADER = "org_code,org_name,org_type,region,setting,cohort,start_date,contact_name"
GOOD_ROW = "RXA,Example Trust,Acute trust,London,Maternity,1,2016-01-11,Ann Lee"


def write(tmp_path, text, name="register.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def problems_of(path, schema="register"):
    before = sha256(path) if Path(path).exists() else None
    found = validate_table(path, schema)
    if before is not None:
        assert sha256(path) == before, "validation modified the input file"
    return found


@pytest.mark.parametrize("name", list(EXAMPLE_FILES))
def test_bundled_examples_are_valid(examples, name):
    table = read_table(examples / EXAMPLE_FILES[name], name)
    assert len(table) > 0
    assert list(table.columns) == [f["name"] for f in load_schema(name)["fields"]]


def test_types_are_nullable_and_ordered(examples):
    reg = read_table(examples / "register.csv", "register")
    assert str(reg["cohort"].dtype) == "Int64"
    assert isinstance(reg["setting"].dtype, pd.CategoricalDtype)
    # The register lists regions in a fixed order but says nothing of ranking them: unordered.
    assert reg["region"].cat.ordered is False
    assert list(reg["region"].cat.categories) == load_schema("register")["fields"][3]["categories"]
    assert pd.api.types.is_datetime64_any_dtype(reg["start_date"])
    staff = read_table(examples / "staff_survey.csv", "staff_survey")
    assert str(staff["positive"].dtype) == "Int64" and staff["estimate"].isna().all()


def test_ordered_categories_follow_the_schema(tmp_path):
    schema = {
        "fields": [
            {
                "name": "answer",
                "type": "string",
                "categories": ["Always", "Usually", "Never"],
                "categoriesOrdered": True,
            }
        ]
    }
    p = write(tmp_path, "answer\nNever\nAlways\n\n", "x.csv")
    t = read_table(p, schema)
    assert t["answer"].cat.ordered and list(t["answer"].cat.categories) == [
        "Always",
        "Usually",
        "Never",
    ]
    assert t["answer"].min() == "Always"


def test_blank_integers_are_missing_not_zero_or_float(tmp_path):
    p = write(
        tmp_path,
        "org_code,year,item,positive,estimate,base\nRXA,2019,q22c,,0.61,40\nRXA,2020,q22c,25,,40\n",
        "staff_survey.csv",
    )
    t = read_table(p, "staff_survey")
    assert str(t["positive"].dtype) == "Int64" and str(t["year"].dtype) == "Int64"
    assert t["positive"].isna().tolist() == [True, False] and t.at[1, "positive"] == 25
    assert str(t["estimate"].dtype) == "Float64" and pd.isna(t.at[1, "estimate"])


def test_thousands_separators_but_not_decimal_commas(tmp_path):
    head = "period,org_code,type,attendances,breaches,admissions\n"
    p = write(tmp_path, head + '2019-01-01,RXA,1,"21,289.0",2879,"1,5"\n', "ae.csv")
    [pr] = problems_of(p, "ae_attendances")
    assert (pr.column, pr.value, pr.rule) == ("admissions", "1,5", "type:number")
    q = write(tmp_path, head + '2019-01-01,RXA,1,"21,289.0",2879,5\n', "ae2.csv")
    assert read_table(q, "ae_attendances").at[0, "attendances"] == 21289


# ---- bad files: each gives file, row (as a spreadsheet shows it), column, value and rule ----------


def test_missing_column(tmp_path):
    p = write(
        tmp_path,
        "org_code,org_name,org_type,region,setting,cohort,start_date\n"
        + GOOD_ROW.rsplit(",", 1)[0]
        + "\n",
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.rule) == (1, "contact_name", "missing-column")


def test_extra_column_with_hint(tmp_path):
    p = write(tmp_path, REGISTER_HEADER + ",Cohort_Name\n" + GOOD_ROW + ",x\n")
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.rule) == (1, "Cohort_Name", "extra-column")
    q = write(
        tmp_path, REGISTER_HEADER.replace("cohort", "Cohort") + "\n" + GOOD_ROW + "\n", "r2.csv"
    )
    assert any("did you mean 'cohort'" in p.message for p in problems_of(q))


def test_columns_in_another_order_are_fine(tmp_path):
    cols = REGISTER_HEADER.split(",")
    vals = GOOD_ROW.split(",")
    p = write(tmp_path, ",".join(reversed(cols)) + "\n" + ",".join(reversed(vals)) + "\n")
    assert problems_of(p) == []
    assert list(read_table(p, "register").columns) == cols


def test_wrong_type(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n{GOOD_ROW}\n"
        + GOOD_ROW.replace("RXA", "RXB").replace(",1,", ",one,")
        + "\n",
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.value, pr.rule) == (3, "cohort", "one", "type:integer")
    assert "register.csv, row 3, column 'cohort', value 'one'" in str(pr)


def test_blank_required_value(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n{GOOD_ROW}\n"
        + GOOD_ROW.replace("RXA", "RXB").replace("Example Trust", "  ")
        + "\n",
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.rule) == (3, "org_name", "required")


def test_unknown_category(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n" + GOOD_ROW.replace("Maternity", "Maternity services") + "\n",
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.value, pr.rule) == (
        2,
        "setting",
        "Maternity services",
        "categories",
    )


def test_duplicate_key(tmp_path):
    p = write(
        tmp_path, f"{REGISTER_HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace(',1,', ',2,')}\n{GOOD_ROW}\n"
    )
    found = problems_of(p)
    assert [(x.row, x.rule) for x in found] == [(3, "primary-key"), (4, "primary-key")]
    assert "row 2" in found[0].message


def test_empty_file_and_header_only(tmp_path):
    assert [x.rule for x in problems_of(write(tmp_path, "", "a.csv"))] == ["empty"]
    assert [x.rule for x in problems_of(write(tmp_path, "\n\n", "b.csv"))] == ["empty"]
    assert [x.rule for x in problems_of(write(tmp_path, REGISTER_HEADER + "\n", "c.csv"))] == [
        "empty"
    ]


def test_wrong_encoding(tmp_path):
    # 0x81 is undefined in Windows-1252 and invalid in UTF-8: neither encoding fits.
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n".encode()
        + GOOD_ROW.replace("Ann", "A\x81n").encode("latin-1")
        + b"\n",
    )
    [pr] = problems_of(p)
    assert pr.rule == "encoding" and pr.row == 2
    u16 = write(tmp_path, f"{REGISTER_HEADER}\n{GOOD_ROW}\n", "u16.csv", encoding="utf-16")
    assert "UTF-16" in problems_of(u16)[0].message


def test_windows_1252_and_bom_are_read(tmp_path):
    row = GOOD_ROW.replace("Ann Lee", "Zoë O’Neill – lead")
    cp = write(tmp_path, f"{REGISTER_HEADER}\r\n{row}\r\n", "cp.csv", encoding="cp1252")
    bom = write(tmp_path, f"{REGISTER_HEADER}\n{row}\n", "bom.csv", encoding="utf-8-sig")
    for p in (cp, bom):
        assert read_table(p, "register").at[0, "contact_name"] == "Zoë O’Neill – lead"


def test_pattern_and_range(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n"
        + GOOD_ROW.replace("RXA", "rx-a").replace(",1,", ",0,").replace("2016-01-11", "2014-12-31")
        + "\n",
    )
    rules = {(x.column, x.rule) for x in problems_of(p)}
    assert rules == {("org_code", "pattern"), ("cohort", "minimum"), ("start_date", "minimum")}


def test_uk_dates_and_bad_dates(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n{GOOD_ROW.replace('2016-01-11', '11/01/2016')}\n"
        f"{GOOD_ROW.replace('RXA', 'RXB').replace('2016-01-11', '31/02/2016')}\n",
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.value) == (3, "start_date", "31/02/2016")
    good = write(
        tmp_path, f"{REGISTER_HEADER}\n{GOOD_ROW.replace('2016-01-11', '11/01/2016')}\n", "g.csv"
    )
    assert read_table(good, "register").at[0, "start_date"] == pd.Timestamp("2016-01-11")


def test_row_numbers_count_blank_lines_and_multiline_cells(tmp_path):
    text = (
        f"{REGISTER_HEADER}\n{GOOD_ROW}\n\n"
        'RXB,"Trust with\na line break",Acute trust,London,Maternity,1,2016-01-11,x\n'
        + GOOD_ROW.replace("RXA", "RXC").replace(",1,", ",x,")
        + "\n"
    )
    [pr] = problems_of(write(tmp_path, text))
    assert pr.row == 5  # header 1, row 2, blank 3, two-line record 4, bad record 5


def test_row_numbers_are_one_object_not_copied_by_pandas(tmp_path):
    text = f"{REGISTER_HEADER}\n{GOOD_ROW}\n\n{GOOD_ROW.replace('RXA', 'RXB')}\n"
    table = read_table(write(tmp_path, text), "register")
    assert list(table.attrs["rows"]) == [2, 4]
    derived = table[table["org_code"] == "RXB"].copy()  # pandas deep-copies attrs on each step
    assert derived.attrs["rows"] is table.attrs["rows"]
    with pytest.raises(TypeError):
        table.attrs["rows"][0] = 3  # immutable, so sharing cannot let one table change another


def test_cross_field_check(tmp_path):
    p = write(
        tmp_path,
        "team,measure,period,numerator,denominator\nA,M,2019-01-01,5,4\nA,M,2019-02-01,4,0\n",
        "measures.csv",
    )
    found = problems_of(p, "measures")
    assert {(x.row, x.column, x.rule) for x in found} == {
        (2, "numerator", "check:numerator<=denominator"),
        (3, "denominator", "minimum"),
    }


def test_ragged_row(tmp_path):
    p = write(tmp_path, f"{REGISTER_HEADER}\n{GOOD_ROW},surplus\n")
    [pr] = problems_of(p)
    assert (pr.row, pr.rule) == (2, "row-length")


def test_read_table_raises_with_every_problem(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n" + GOOD_ROW.replace(",1,", ",x,").replace("Maternity", "Nope") + "\n",
    )
    with pytest.raises(ValidationError) as info:
        read_table(p, "register")
    assert len(info.value.problems) == 2
    assert "column 'cohort'" in str(info.value) and "column 'setting'" in str(info.value)


def test_unknown_schema_name():
    with pytest.raises(ValueError, match="unknown schema 'nope'"):
        load_schema("nope")


# ---- XLSX ---------------------------------------------------------------------------------------


def _xlsx(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_is_read_and_typed(tmp_path):
    import datetime as dt

    p = _xlsx(
        tmp_path / "register.xlsx",
        [
            REGISTER_HEADER.split(","),
            [
                "RXA",
                "Example",
                "Acute trust",
                "London",
                "Maternity",
                1,
                dt.datetime(2016, 1, 11),
                "Ann",
            ],
        ],
    )
    t = read_table(p, "register")
    assert t.at[0, "cohort"] == 1 and t.at[0, "start_date"] == pd.Timestamp("2016-01-11")


def test_xlsx_header_not_on_row_1(tmp_path):
    p = _xlsx(
        tmp_path / "register.xlsx",
        [["Always Events register export"], [], REGISTER_HEADER.split(","), GOOD_ROW.split(",")],
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.rule) == (3, "header-row")
    assert "row 3, not row 1" in pr.message


def test_xlsx_bad_cell_row_number(tmp_path):
    p = _xlsx(
        tmp_path / "register.xlsx",
        [
            REGISTER_HEADER.split(","),
            GOOD_ROW.split(","),
            GOOD_ROW.replace("RXA", "RXB").replace(",1,", ",1.5,").split(","),
        ],
    )
    [pr] = problems_of(p)
    assert (pr.row, pr.column, pr.value) == (3, "cohort", "1.5")


# ---- independent implementation: frictionless-py flags the same cells ----------------------------


def test_same_cells_flagged_as_frictionless(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    rows = [
        GOOD_ROW,
        GOOD_ROW.replace("RXA", "RXB").replace(",1,", ",x,"),
        GOOD_ROW.replace("RXA", "RXC").replace("Acute trust", "Hospital"),
        GOOD_ROW.replace("RXA", "R-D").replace("2016-01-11", "2016-13-01"),
        GOOD_ROW.replace("RXA", "RXE").replace("Example Trust", ""),
        GOOD_ROW.replace("RXA", "RXF").replace(",1,", ",0,"),
    ]
    p = write(tmp_path, REGISTER_HEADER + "\n" + "\n".join(rows) + "\n")
    schema = dict(load_schema("register"))
    # frictionless has no 'categories' and no "any" date format: compare the rules both have.
    fields = []
    for f in schema["fields"]:
        f = {k: v for k, v in f.items() if k not in ("categories", "categoriesOrdered")}
        if f.get("format") == "any":
            f["format"] = "default"
        fields.append(f)
    resource = frictionless.Resource(
        path=p.name,
        basepath=str(p.parent),
        schema=frictionless.Schema.from_descriptor(
            {"fields": fields, "primaryKey": schema["primaryKey"]}
        ),
        encoding="utf-8",
    )
    theirs = {(e.row_number, e.field_name) for e in resource.validate().tasks[0].errors}
    ours = {(x.row, x.column) for x in problems_of(p)}
    assert ours == theirs
    assert len(ours) == 6  # row 5 breaks both the code pattern and the date


# ---- the command line -------------------------------------------------------------------------


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "aeeval.cli", *map(str, args)], capture_output=True, text=True
    )


def test_cli_validate_good_files(examples):
    paths = [examples / f for f in EXAMPLE_FILES.values()]
    res = run_cli("validate", *paths)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("valid against schema") == len(paths)


def test_cli_validate_bad_file_lists_every_problem(tmp_path):
    p = write(
        tmp_path,
        f"{REGISTER_HEADER}\n" + GOOD_ROW.replace(",1,", ",x,").replace("Maternity", "Nope") + "\n",
        "my_register.csv",
    )
    before = sha256(p)
    res = run_cli("validate", p, "--schema", "register")
    assert res.returncode == 1
    assert f"{p}, row 2, column 'cohort', value 'x'" in res.stderr
    assert f"{p}, row 2, column 'setting', value 'Nope'" in res.stderr
    assert sha256(p) == before


def test_cli_guesses_schema_and_refuses_to_guess(tmp_path, examples):
    assert guess_schema(examples / "survey_responses.csv") == "survey"
    p = write(tmp_path, "a,b\n1,2\n", "mystery.csv")
    res = run_cli("validate", p)
    assert res.returncode == 1 and "--schema" in res.stderr
    assert set(list_schemas()) >= {
        "register",
        "survey",
        "interview_segments",
        "staff_survey",
        "measures",
    }
