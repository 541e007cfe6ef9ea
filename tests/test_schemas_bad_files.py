"""Every bad-input case of the walking-skeleton issue, as a user meets it.

Each bad file is checked three ways — ``validate_table``, ``read_table`` and the ``aeeval validate``
command — for: the message naming the file, the row as a spreadsheet shows it (header = row 1), the
column, the offending value and the rule; a non-zero exit; nothing written next to the input; and
the input byte-for-byte unchanged.
"""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import sha256

from aeeval import ValidationError, read_table, validate_table
from aeeval.cli import main

HEADER = "org_code,org_name,org_type,region,setting,cohort,start_date,contact_name"
ROW = "RXA,Example Trust,Acute trust,London,Maternity,1,2016-01-11,Ann Lee"


def _rows(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def _xlsx(rows):
    def build(path: Path) -> None:
        from openpyxl import Workbook

        wb = Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(path)

    return build


XLSX_ROW = [
    "RXA",
    "Example Trust",
    "Acute trust",
    "London",
    "Maternity",
    1,
    dt.datetime(2016, 1, 11),
    "Ann Lee",
]

# name → (file name, content (bytes or a builder), schema, expected (row, column, value, rule)).
# None means the problem has no such part (an empty file has no row; a missing column no value).
BAD_FILES = {
    "missing column": (
        "register_missing.csv",
        (HEADER.rsplit(",", 1)[0] + "\r\n" + ROW.rsplit(",", 1)[0] + "\r\n").encode(),
        "register",
        (1, "contact_name", None, "missing-column"),
    ),
    "extra column": (
        "register_extra.csv",
        (HEADER + ",notes\r\n" + ROW + ",call back\r\n").encode(),
        "register",
        (1, "notes", None, "extra-column"),
    ),
    "wrong type": (
        "register_type.csv",
        _rows(ROW, ROW.replace("RXA", "RXB").replace(",1,", ",one,")),
        "register",
        (3, "cohort", "one", "type:integer"),
    ),
    "wrong type (date)": (
        "register_date.csv",
        _rows(ROW.replace("2016-01-11", "31/02/2016")),
        "register",
        (2, "start_date", "31/02/2016", "type:date"),
    ),
    "blank required value": (
        "register_blank.csv",
        _rows(ROW, ROW.replace("RXA", "RXB").replace("Example Trust", "")),
        "register",
        (3, "org_name", "", "required"),
    ),
    "unknown category": (
        "register_category.csv",
        _rows(ROW.replace("Maternity", "Maternity services")),
        "register",
        (2, "setting", "Maternity services", "categories"),
    ),
    "value not in enum": (
        "register_enum.csv",
        _rows(ROW.replace("Acute trust", "Hospital")),
        "register",
        (2, "org_type", "Hospital", "enum"),
    ),
    "duplicate key": (
        "register_duplicate.csv",
        _rows(ROW, ROW.replace("RXA", "RXB"), ROW.replace(",1,", ",2,")),
        "register",
        (4, "org_code", "RXA", "primary-key"),
    ),
    "duplicate unique value": (
        "survey_duplicate.csv",
        (
            b"response_id,org_code,completed,respondent_role,improved_experience,"
            b"influenced_coproduction,what_helped,comments\r\nR1,RXA,,,No,,,\r\nR2,RXA,,,No,,,\r\n"
        ),
        "survey",
        (3, "org_code", "RXA", "unique"),
    ),
    "row check broken": (
        "measures_check.csv",
        b"team,measure,period,numerator,denominator\r\nWard 7,Named,2019-01-01,31,30\r\n",
        "measures",
        (2, "numerator", "31", "check:numerator<=denominator"),
    ),
    "a different kind of table": (
        "register_other.csv",
        b"team,measure,period,numerator,denominator\r\nA,M,2019-01-01,3,4\r\n",
        "register",
        (1, None, None, "header"),
    ),
    "empty file": ("register_empty.csv", b"", "register", (None, None, None, "empty")),
    "header but no rows": (
        "register_header_only.csv",
        _rows(),
        "register",
        (None, None, None, "empty"),
    ),
    "wrong encoding (bytes undefined in Windows-1252)": (
        "register_bytes.csv",
        _rows(ROW.replace("Ann Lee", "Ann Le")).replace(b"Ann Le", b"A\x81n Lee"),
        "register",
        (2, "contact_name", "A\ufffdn Lee", "encoding"),
    ),
    "wrong encoding (UTF-8 mixed with Windows-1252)": (
        "register_mixed.csv",
        _rows(ROW.replace("Ann Lee", "Zoë Lee"))
        + ROW.replace("RXA", "RXB").replace("Example Trust", "Café Trust").encode("cp1252")
        + b"\r\n",
        "register",
        (3, "org_name", "Caf\ufffd Trust", "encoding"),
    ),
    "wrong encoding (UTF-16 without a byte-order mark)": (
        "register_utf16.csv",
        (HEADER + "\r\n" + ROW + "\r\n").encode("utf-16-le"),
        "register",
        (None, None, None, "encoding"),
    ),
    "ragged row": (
        "register_ragged.csv",
        _rows(ROW + ",Leeds, West Yorkshire"),
        "register",
        (2, None, None, "row-length"),
    ),
    "XLSX header not on row 1 (title rows above)": (
        "register_title.xlsx",
        _xlsx(
            [
                ["Always Events programme register"],
                ["Exported 3 June 2019"],
                HEADER.split(","),
                XLSX_ROW,
            ]
        ),
        "register",
        (3, None, None, "header-row"),
    ),
    "XLSX header not on row 1 (blank rows above)": (
        "register_blank_rows.xlsx",
        _xlsx([[], [], HEADER.split(","), XLSX_ROW]),
        "register",
        (3, None, None, "header-row"),
    ),
    "XLSX wrong type": (
        "register_cell.xlsx",
        _xlsx([HEADER.split(","), XLSX_ROW, ["RXB", *XLSX_ROW[1:5], 1.5, *XLSX_ROW[6:]]]),
        "register",
        (3, "cohort", "1.5", "type:integer"),
    ),
    "XLSX that is really CSV": (
        "register_text.xlsx",
        _rows(ROW),
        "register",
        (None, None, None, "xlsx"),
    ),
}


def _make(folder: Path, case: str) -> tuple[Path, str, tuple]:
    name, content, schema, expected = BAD_FILES[case]
    path = folder / name
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)
    return path, schema, expected


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir())}


def _expected_parts(path: Path, expected: tuple) -> list[str]:
    row, column, value, rule = expected
    parts = [str(path), f"[rule: {rule}]"]
    if row is not None:
        parts.append(f", row {row}")
    if column is not None:
        parts.append(f"column '{column}'")
    if value is not None:
        parts.append(f"value '{value}'")
    return parts


def _matching_line(text: str, parts: list[str]) -> str | None:
    return next((line for line in text.splitlines() if all(p in line for p in parts)), None)


def test_there_are_at_least_ten_bad_files():
    assert len(BAD_FILES) >= 10


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_reported_exactly(tmp_path, case):
    path, schema, expected = _make(tmp_path, case)
    before = _snapshot(tmp_path)

    problems = validate_table(path, schema)
    located = [(p.row, p.column, p.value, p.rule) for p in problems]
    assert expected in located, located
    parts = _expected_parts(path, expected)
    assert _matching_line("\n".join(map(str, problems)), parts), problems

    with pytest.raises(ValidationError) as info:
        read_table(path, schema)
    assert _matching_line(str(info.value), parts), str(info.value)

    assert _snapshot(tmp_path) == before, "validation wrote a file or modified the input"


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_cli_exits_1_and_prints_the_problem(tmp_path, case, capsys):
    path, schema, expected = _make(tmp_path, case)
    before = _snapshot(tmp_path)
    assert main(["validate", str(path), "--schema", schema]) == 1
    out = capsys.readouterr()
    assert _matching_line(out.err, _expected_parts(path, expected)), out.err
    assert "valid against" not in out.out
    assert _snapshot(tmp_path) == before


def test_console_script_on_every_bad_file_at_once(tmp_path):
    """The installed ``aeeval`` command, schemas guessed from the file names, one exit code."""
    made = [_make(tmp_path, case) for case in BAD_FILES]
    before = _snapshot(tmp_path)
    exe = Path(sys.executable).with_name("aeeval")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "aeeval.cli"]
    res = subprocess.run(
        [*cmd, "validate", *(str(p) for p, _, _ in made)], capture_output=True, text=True
    )
    assert res.returncode == 1
    for path, schema, expected in made:
        assert f"{path}: " in res.stderr and f"against schema '{schema}'" in res.stderr
        assert _matching_line(res.stderr, _expected_parts(path, expected)), path
    assert res.stdout == ""
    assert _snapshot(tmp_path) == before


def test_one_bad_file_among_good_ones_still_fails(tmp_path, examples):
    path, schema, _ = _make(tmp_path, "duplicate key")
    res = subprocess.run(
        [sys.executable, "-m", "aeeval.cli", "validate", str(examples / "register.csv"), str(path)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 1
    assert "register.csv: valid against schema 'register'" in res.stdout


def test_title_row_above_an_imperfect_header(tmp_path):
    """A title above a header that also lacks a column: both are said, not 'every column missing'."""
    path = tmp_path / "register.xlsx"
    _xlsx([["Always Events programme register"], HEADER.split(",")[:-1], XLSX_ROW[:-1]])(path)
    found = [(p.row, p.column, p.rule) for p in validate_table(path, "register")]
    assert found == [(2, None, "header-row"), (2, "contact_name", "missing-column")]


def test_folder_and_missing_file_are_problems_not_tracebacks(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "nope.csv"), "--schema", "register"]) == 1
    assert "file does not exist" in capsys.readouterr().err


def test_trailing_blank_columns_as_excel_writes_them_are_ignored(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes((HEADER + ",,\r\n" + ROW + ",,\r\n").encode())
    assert validate_table(path, "register") == []
    path.write_bytes((HEADER + ",,\r\n" + ROW + ",,x\r\n").encode())
    assert {p.rule for p in validate_table(path, "register")} == {"extra-column"}


def test_header_in_another_case_gets_hints_not_the_different_table_message(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes((HEADER.upper() + "\r\n" + ROW + "\r\n").encode())
    found = validate_table(path, "register")
    assert {p.rule for p in found} == {"extra-column", "missing-column"}
    assert any("did you mean 'org_code'" in p.message for p in found)


# ---- the real NHS England A&E file (bundled in data/public), read-only ---------------------------


def test_real_ae_attendances_file_is_valid_and_untouched(public_data):
    path = public_data / "ae_attendances.csv"
    before = sha256(path)
    res = subprocess.run(
        [sys.executable, "-m", "aeeval.cli", "validate", str(path)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"{path}: valid against schema 'ae_attendances'"
    table = read_table(path, "ae_attendances")
    assert len(table) == 12_765  # rows in data/public/README.md
    assert str(table["attendances"].dtype) == "Float64"
    assert table["period"].min() == pd.Timestamp("2016-04-01")
    assert sha256(path) == before


def test_real_file_with_one_broken_cell(public_data, tmp_path):
    """A copy of the real file with breaches > attendances on spreadsheet row 101."""
    lines = (
        (public_data / "ae_attendances.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    )
    period, org, typ, att, _, adm = lines[100].rstrip("\r\n").split(",")
    lines[100] = ",".join([period, org, typ, att, str(float(att) + 1), adm]) + "\n"
    copy = tmp_path / "ae_attendances.csv"
    copy.write_text("".join(lines), encoding="utf-8")
    [pr] = validate_table(copy, "ae_attendances")
    assert (pr.row, pr.column, pr.rule) == (101, "breaches", "check:breaches<=attendances")
