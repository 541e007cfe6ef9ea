"""Red team, bad input (issue 17, item 4): the files a careless or hostile user hands aeeval.

Each case goes through the real ``aeeval validate`` / ``aeeval run`` / ``aeeval build`` command
where a user meets it and asserts the promise: exit code 1, a message naming the file (and the
row as the spreadsheet shows it, the column, the value and the rule where there is one), no
traceback, no hang, and the input byte-for-byte unchanged.
"""

import datetime as dt
import gzip
import hashlib
import json
import os
import pickle
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import aeeval_cli, sha256, write_notebook

from aeeval import read_table, validate_table
from aeeval.paths import ROOT
from aeeval.schemas import MAX_CELL_CHARS

HEADER = "org_code,org_name,org_type,region,setting,cohort,start_date,contact_name"
ROW = "RXA,Example Trust,Acute trust,London,Maternity,1,2016-01-11,Ann Lee"
XLSX_HEADER = HEADER.split(",")
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
MEASURES = "team,measure,period,numerator,denominator"
NON_FINITE = ["inf", "-inf", "nan", "NaN", "1e999", "Infinity"]
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def cli(*args, timeout=120, cwd=None):
    """``aeeval_cli`` for a case that hung before it was fixed: a hang fails the test, not the
    suite."""
    cmd = [sys.executable, "-m", "aeeval.cli", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def assert_clean_failure(res, *parts):
    """Exit 1, every part on one line of stderr, no traceback, no control character printed."""
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    line = next((ln for ln in res.stderr.splitlines() if all(p in ln for p in parts)), None)
    assert line is not None, (parts, res.stderr)
    assert not CONTROL.search(res.stderr + res.stdout), repr(res.stderr)


def snapshot(folder: Path) -> dict:
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def rewrite_zip(src: Path, dest: Path, part: str, edit) -> None:
    """Copy an XLSX with one part's XML edited (as another program would have written it)."""
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def register_xlsx(path: Path, *rows) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(XLSX_HEADER)
    for r in rows or [XLSX_ROW]:
        wb.active.append(r)
    wb.save(path)
    return path


SHEET = "xl/worksheets/sheet1.xml"


# ---- 1. bounded XLSX reading ----------------------------------------------------------------


def test_a_styled_empty_cell_at_xfd1048576_does_not_make_validate_read_a_million_rows(tmp_path):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = tmp_path / "register.xlsx"
    wb = Workbook()
    wb.active.append(XLSX_HEADER)
    wb.active.append(XLSX_ROW)
    wb.active["XFD1048576"].font = Font(bold=True)  # a real style on an empty cell
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        xml = z.read(SHEET)
    assert b'<dimension ref="A1:XFD1048576"' in xml and b'r="XFD1048576" s="' in xml
    before = sha256(path)

    start = time.monotonic()
    problems = validate_table(path, "register")
    in_process = time.monotonic() - start
    assert problems == [] and in_process < 3, in_process
    table = read_table(path, "register")
    assert table.shape == (1, 8) and table.attrs["rows"] == (2,)

    start = time.monotonic()
    res = cli("validate", path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"{path}: valid against schema 'register'"
    assert time.monotonic() - start < 15  # the command's own start-up included; it hung > 120 s
    assert sha256(path) == before


def test_a_stray_value_at_xfd1048576_is_named_without_reading_a_million_rows(tmp_path):
    path = register_xlsx(tmp_path / "register.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active["XFD1048576"] = "x"  # typed far away by mistake: data, not style
    wb.save(path)
    start = time.monotonic()
    res = cli("validate", path, timeout=60)
    assert_clean_failure(res, str(path), "row 1048576", "cell XFD1048576", "[rule: row-length]")
    assert time.monotonic() - start < 15


@pytest.mark.parametrize(
    "dimension", [b'<dimension ref="A1:B2" />', b""], ids=["dimension too small", "no dimension"]
)
def test_a_wrong_or_missing_dimension_loses_no_cell(tmp_path, dimension):
    made = register_xlsx(
        tmp_path / "made.xlsx", XLSX_ROW, ["RXB", *XLSX_ROW[1:5], 2, *XLSX_ROW[6:]]
    )
    path = tmp_path / "register.xlsx"

    def edit(
        xml: bytes,
    ) -> bytes:  # openpyxl writes "<x />" with the standard library, "<x/>" with lxml
        xml, found = re.subn(rb'<dimension ref="A1:H3" ?/>', dimension, xml)
        assert found == 1
        return xml

    rewrite_zip(made, path, SHEET, edit)
    table = read_table(path, "register")
    assert table["org_code"].tolist() == ["RXA", "RXB"]
    assert table["contact_name"].tolist() == ["Ann Lee", "Ann Lee"]  # column H, outside A1:B2
    assert table["cohort"].tolist() == [1, 2]
    # and a bad cell outside the claimed dimension is still found, by row and column
    bad = tmp_path / "register_bad.xlsx"
    rewrite_zip(
        register_xlsx(
            tmp_path / "m2.xlsx", XLSX_ROW, ["RXB", *XLSX_ROW[1:5], "two", *XLSX_ROW[6:]]
        ),
        bad,
        SHEET,
        edit,
    )
    res = cli("validate", bad, "--schema", "register")
    assert_clean_failure(
        res, str(bad), "row 3", "column 'cohort'", "value 'two'", "[rule: type:integer]"
    )


# ---- 2. pipes, devices and sockets ------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "register.csv"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path):
    path = tmp_path / "register_sock.csv"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    yield path
    sock.close()


def test_a_named_pipe_is_refused_without_being_opened(fifo):
    # Opening a FIFO for reading blocks until a writer comes: the timeout catches a hang.
    res = cli("validate", fifo, "--schema", "register", timeout=60)
    assert_clean_failure(
        res, str(fifo), "is a named pipe (FIFO), not a regular file", "[rule: file]"
    )
    res = cli("validate", fifo, timeout=60)  # schema guessed from the name: the same answer
    assert_clean_failure(res, str(fifo), "named pipe")


def test_a_device_and_a_socket_are_refused(unix_socket):
    res = cli("validate", "/dev/zero", "--schema", "register", timeout=60)
    assert_clean_failure(res, "/dev/zero", "is a device, not a regular file", "[rule: file]")
    res = cli("validate", unix_socket, "--schema", "register", timeout=60)
    assert_clean_failure(res, str(unix_socket), "is a socket, not a regular file")


def test_a_pipe_as_parameters_file_or_build_config_is_refused(tmp_path, fifo):
    nb = write_notebook(tmp_path / "nb.ipynb", "cohort: int = None  # cohort")
    res = cli("run", nb, "-f", fifo, "--out", tmp_path / "out", "--format", "html", timeout=60)
    assert_clean_failure(res, str(fifo), "named pipe")
    assert not (tmp_path / "out").exists()
    notebook = tmp_path / "nb-pipe.ipynb"
    os.mkfifo(notebook)
    res = cli("run", notebook, "--out", tmp_path / "out", "--format", "html", timeout=60)
    assert_clean_failure(res, f"notebook {notebook}: is a named pipe")
    config = tmp_path / "demo.yml"
    os.mkfifo(config)
    res = cli("build", config, timeout=60)
    assert res.returncode == 2 and f"{config}: is a named pipe" in res.stderr, res.stderr


# ---- 3. formulas without cached values --------------------------------------------------------


def test_formulas_saved_without_values_are_an_error_naming_each_cell(tmp_path):
    # openpyxl writes formulas as a program that does not calculate does: no cached value.
    path = register_xlsx(
        tmp_path / "register.xlsx",
        XLSX_ROW,
        ["RXB", *XLSX_ROW[1:5], "=F2+1", *XLSX_ROW[6:]],
        ["RXC", *XLSX_ROW[1:5], 3, *XLSX_ROW[6:7], '=CONCAT("Ann", " Lee")'],
    )
    before = sha256(path)
    res = cli("validate", path)
    assert_clean_failure(
        res,
        str(path),
        "row 3",
        "column 'cohort'",
        "value '=F2+1'",
        "sheet 'Sheet', cell F3",
        "[rule: formula-without-value]",
    )
    assert_clean_failure(
        res, str(path), "row 4", "column 'contact_name'", "cell H4", "[rule: formula-without-value]"
    )
    assert sha256(path) == before


def test_formulas_with_cached_values_are_read_as_their_values(tmp_path):
    made = register_xlsx(
        tmp_path / "made.xlsx",
        XLSX_ROW,
        ["RXB", *XLSX_ROW[1:5], "=F2+1", *XLSX_ROW[6:7], '=A2&" Lee"'],
    )
    path = tmp_path / "register.xlsx"

    def cache(xml: bytes) -> bytes:  # what Excel or LibreOffice saves: the formula and its value
        empty = rb"<v(?: />|></v>)"  # openpyxl's empty value: "<v />", or "<v></v>" with lxml
        xml, found = re.subn(rb"<f>F2\+1</f>" + empty, b"<f>F2+1</f><v>2</v>", xml)
        assert found == 1
        xml = re.sub(
            rb'(<c r="H3")([^>]*)><f>(.*?)</f>' + empty, rb'\1 t="str"><f>\3</f><v>Bea Lee</v>', xml
        )
        assert b"<v>Bea Lee</v>" in xml
        return xml

    rewrite_zip(made, path, SHEET, cache)
    res = cli("validate", path)
    assert res.returncode == 0, res.stderr
    table = read_table(path, "register")
    assert table["cohort"].tolist() == [1, 2]
    assert table["contact_name"].tolist() == ["Ann Lee", "Bea Lee"]


# ---- 4. non-finite numbers --------------------------------------------------------------------


def test_non_finite_values_are_refused_as_counts(tmp_path):
    path = tmp_path / "measures.csv"
    rows = [f"Ward {i},Named nurse,2019-{i:02d}-01,{v},30" for i, v in enumerate(NON_FINITE, 1)]
    rows += [f"Ward 9,Named nurse,2019-09-01,3,{v}" for v in ["1e999"]]
    path.write_text("\n".join([MEASURES, *rows]) + "\n")
    before = sha256(path)
    res = cli("validate", path)
    for row, value in enumerate(NON_FINITE, start=2):
        assert_clean_failure(
            res,
            str(path),
            f"row {row}",
            "column 'numerator'",
            f"value '{value}'",
            "[rule: type:integer]",
        )
    assert_clean_failure(res, str(path), "row 8", "column 'denominator'", "value '1e999'")
    assert sha256(path) == before


def test_non_finite_values_are_refused_as_numbers(tmp_path):
    path = tmp_path / "ae_attendances.csv"
    rows = [f"2016-04-01,R{i:02d},1,{v},1,1" for i, v in enumerate(NON_FINITE)]
    path.write_text(
        "period,org_code,type,attendances,breaches,admissions\n" + "\n".join(rows) + "\n"
    )
    before = sha256(path)
    res = cli("validate", path)
    for row, value in enumerate(NON_FINITE, start=2):
        assert_clean_failure(
            res,
            str(path),
            f"row {row}",
            "column 'attendances'",
            f"value '{value}'",
            "expected a finite number",
            "[rule: type:number]",
        )
    assert sha256(path) == before


def test_a_non_finite_float_parameter_is_refused_before_the_kernel_starts(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", "confidence: float = 0.95  # confidence level")
    for value in (".inf", ".nan", "[.inf]"):
        res = cli(
            "run", nb, "-p", "confidence", value, "--out", tmp_path / "out", "--format", "html"
        )
        assert_clean_failure(res, "parameter confidence must be float", "finite")
    assert not (tmp_path / "out").exists()


# ---- 5. very long cells -----------------------------------------------------------------------

SURVEY = (
    "response_id,org_code,completed,respondent_role,improved_experience,"
    "influenced_coproduction,what_helped,comments"
)


def test_cells_up_to_the_documented_limit_are_read_and_longer_ones_named(tmp_path):
    assert MAX_CELL_CHARS == 32_767  # Excel's cell limit, as data/schemas/README.md says
    assert "32,767 characters" in (ROOT / "data/schemas/README.md").read_text()
    path = tmp_path / "survey.csv"
    path.write_text(f"{SURVEY}\nR1,RXA,,,No,,,{'x' * MAX_CELL_CHARS}\n")
    table = read_table(path, "survey")
    assert len(table["comments"].iloc[0]) == MAX_CELL_CHARS

    path.write_text(f'{SURVEY}\nR1,RXA,,,No,,,ok\nR2,RXB,,,No,,,"{"y" * 150_000}"\n')
    before = sha256(path)
    res = cli("validate", path)
    assert_clean_failure(
        res,
        str(path),
        "row 3",
        "column 'comments'",
        "150,000 characters",
        "more than the 32,767",
        "[rule: cell-length]",
    )
    assert len(res.stderr) < 2000  # the value is shortened, not echoed in full
    assert sha256(path) == before


def test_an_xlsx_cell_over_the_limit_is_named_by_row_and_column(tmp_path):
    from openpyxl import Workbook

    made = tmp_path / "made.xlsx"
    wb = Workbook()
    wb.active.append(SURVEY.split(","))
    wb.active.append(["R1", "RXA", None, None, "No", None, None, "z" * MAX_CELL_CHARS])
    wb.save(made)  # openpyxl itself cuts a cell at Excel's limit: another program wrote more
    path = tmp_path / "survey.xlsx"
    rewrite_zip(made, path, SHEET, lambda xml: xml.replace(b"z" * MAX_CELL_CHARS, b"z" * 40_000))
    res = cli("validate", path)
    assert_clean_failure(
        res, str(path), "row 2", "column 'comments'", "40,000 characters", "[rule: cell-length]"
    )


def test_an_unclosed_quote_running_to_the_end_is_named_by_row_and_column(tmp_path):
    path = tmp_path / "survey.csv"
    tail = "".join(f"R{i},RXA,,,No,,,fine\n" for i in range(3, 8000))
    path.write_text(f'{SURVEY}\nR1,RXA,,,No,,,ok\nR2,RXB,,,No,,,"an unclosed quote\n{tail}')
    res = cli("validate", path)
    assert_clean_failure(
        res, str(path), "row 3", "column 'comments'", "unclosed quote", "[rule: cell-length]"
    )


# ---- 6. control characters --------------------------------------------------------------------


def test_control_characters_in_a_file_are_escaped_in_every_message(tmp_path):
    path = tmp_path / "register\x1b[2J.csv"
    evil = ['"Example \x1b[31mTrust\r\nrow 99: all clear"', "Matern\x9b2Jity\u202e", "Ann \x07Lee"]
    path.write_text(
        f"{HEADER}\nRXA,{evil[0]},Acute trust,London,{evil[1]},x,2016-01-11,{evil[2]}\n",
        encoding="utf-8",
    )
    before = sha256(path)
    res = cli("validate", path, "--schema", "register")
    shown = str(path).replace("\x1b", "\\x1b")
    assert_clean_failure(res, shown, "row 2", "column 'setting'", "value 'Matern\\x9b2Jity\\u202e'")
    assert_clean_failure(res, shown, "row 2", "column 'cohort'", "[rule: type:integer]")
    assert not any(line.startswith("row 99") for line in res.stderr.splitlines())
    assert sha256(path) == before


def test_control_characters_in_a_parameter_value_are_escaped(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", "cohort: int = None  # cohort")
    res = cli("run", nb, "-p", "cohort", "[\x1b[31m]", "--out", tmp_path / "o", "--format", "html")
    assert_clean_failure(res, "-p cohort")


def test_control_characters_written_as_yaml_escapes_in_a_config_are_escaped(tmp_path):
    config = tmp_path / "build.yml"
    config.write_text('reports:\n  - notebook: "\\e[31mnope\\r.ipynb"\n')
    res = cli("build", config)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "\\x1b[31mnope\\r.ipynb does not exist" in res.stderr, res.stderr
    assert not CONTROL.search(res.stderr), repr(res.stderr)


# ---- 7. thousands separators ------------------------------------------------------------------


def test_thousands_separators_as_the_schema_readme_documents_them(tmp_path):
    readme = (ROOT / "data/schemas/README.md").read_text()
    assert "`1,234`" in readme and "`1,5`" in readme
    path = tmp_path / "measures.csv"
    path.write_text(f'{MEASURES}\nWard 7,Named,2019-01-01,"1,234","12,000"\n')
    assert validate_table(path, "measures") == []
    table = read_table(path, "measures")
    assert table["numerator"].tolist() == [1234] and table["denominator"].tolist() == [12000]
    assert aeeval_cli("validate", path).returncode == 0

    path.write_text(
        f'{MEASURES}\nWard 7,Named,2019-01-01,"1,5",30\n'
        f'Ward 7,Named,2019-02-01,"1,234.5",2000\nWard 7,Named,2019-03-01,"12,34",99\n'
    )
    res = cli("validate", path)
    for row, value in ((2, "1,5"), (3, "1,234.5"), (4, "12,34")):
        assert_clean_failure(
            res,
            str(path),
            f"row {row}",
            "column 'numerator'",
            f"value '{value}'",
            "[rule: type:integer]",
        )


# ---- 8. YAML anchors and aliases --------------------------------------------------------------

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


@pytest.fixture
def list_notebook(tmp_path):
    return write_notebook(tmp_path / "nb.ipynb", "rebase: list = None  # rebase dates")


def test_an_alias_bomb_in_a_parameters_file_is_refused_at_once(tmp_path, list_notebook):
    params = tmp_path / "params.yaml"
    params.write_text(BOMB + "\nrebase: *i\n")
    assert len(params.read_bytes()) < 1024  # 9**9 values once expanded
    before = sha256(params)
    res = cli(
        "run", list_notebook, "-f", params, "--out", tmp_path / "o", "--format", "html", timeout=60
    )
    assert_clean_failure(
        res, str(params), "line 1", "anchors (&name) and aliases (*name) are not allowed"
    )
    assert sha256(params) == before and not (tmp_path / "o").exists()


def test_an_alias_in_a_p_value_is_refused(tmp_path, list_notebook):
    res = cli(
        "run", list_notebook, "-p", "rebase", "[&a [1, 2], *a]", "--out", tmp_path / "o", timeout=60
    )
    assert_clean_failure(res, "-p rebase", "aliases (*name) are not allowed")


def test_an_alias_bomb_in_a_build_config_is_refused(tmp_path, list_notebook):
    config = tmp_path / "build.yml"
    config.write_text(BOMB + "\nreports:\n  - notebook: nb.ipynb\n    parameters: {rebase: *i}\n")
    res = cli("build", config, timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{config}, line 1" in res.stderr and "aliases (*name) are not allowed" in res.stderr


def test_every_yaml_read_of_user_input_goes_through_one_loader():
    """No ``yaml.safe_load``/``yaml.load`` in aeeval but the one loader of aeeval/files.py."""
    calls = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "aeeval").rglob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"yaml\.(safe_)?(load|load_all|full_load|unsafe_load)\(", line)
    ]
    assert calls == [], calls


# ---- 9. every file error names the file -------------------------------------------------------


@pytest.mark.parametrize("case", ["windows-1252", "utf-16", "missing", "folder"])
def test_a_bad_parameters_file_is_named(tmp_path, case):
    nb = write_notebook(tmp_path / "nb.ipynb", 'team: str = "A"  # team name')
    params = tmp_path / "params.yaml"
    expected = {
        "windows-1252": "line 2: byte 0xe9 is not UTF-8: the file is Windows-1252",
        "utf-16": "is UTF-16 text",
        "missing": "file does not exist",
        "folder": "is a folder, not a file",
    }[case]
    if case == "windows-1252":
        params.write_bytes("# parameters\nteam: Caf\u00e9 team\n".encode("cp1252"))
    elif case == "utf-16":
        params.write_bytes("team: B\n".encode("utf-16"))
    elif case == "folder":
        params.mkdir()
    before = snapshot(tmp_path)
    res = cli("run", nb, "-f", params, "--out", tmp_path / "o", "--format", "html")
    assert_clean_failure(res, f"{params}: ", expected)
    assert snapshot(tmp_path) == before and not (tmp_path / "o").exists()


def test_a_bad_schema_file_or_codebook_is_named(tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(f"{HEADER}\n{ROW}\n")
    schema = tmp_path / "mine.json"
    schema.write_bytes('{"fields": [{"name": "caf\u00e9"}]}'.encode("cp1252"))
    res = cli("validate", register, "--schema", schema)
    assert_clean_failure(res, f"schema file {schema}: line 1", "Windows-1252")
    folder = tmp_path / "schemas.json"
    folder.mkdir()
    res = cli("validate", register, "--schema", folder)
    assert_clean_failure(res, f"schema file {folder}: is a folder")

    from aeeval import load_codebook

    codebook = tmp_path / "codebook.yaml"
    codebook.write_bytes("name: caf\u00e9\n".encode("cp1252"))
    with pytest.raises(ValueError, match=rf"codebook {re.escape(str(codebook))}: line 1"):
        load_codebook(codebook)


# ---- 10. the manifest records each input as the kernel read it --------------------------------

RECORD = """
import json, sys
import aeeval.publish.provenance as prov
prov.record_inputs()
data = sys.argv[1]
first = open(data, "rb").read()
with open(data, "w") as fh:          # changed after it was read (a write: not an input)
    fh.write("changed\\n")
print(json.dumps(prov.read_inputs()))
"""


def test_the_kernel_hashes_a_file_as_it_opens_it(tmp_path):
    data = tmp_path / "counts.bin"
    data.write_bytes(b"as read\n")
    res = subprocess.run(
        [sys.executable, "-c", RECORD, data], capture_output=True, text=True, check=True
    )
    (entry,) = json.loads(res.stdout)
    assert entry["path"] == str(data) and entry["bytes"] == 8
    assert entry["sha256"] == hashlib.sha256(b"as read\n").hexdigest()  # not the file's bytes now

    from aeeval.publish.provenance import InputChangedError, verify_inputs

    with pytest.raises(InputChangedError, match=r"counts\.bin \(read as sha256 "):
        verify_inputs([entry])


@pytest.mark.slow
def test_manifest_records_every_file_the_kernel_read_whatever_its_suffix(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with gzip.open(data / "counts.csv.gz", "wt") as fh:
        fh.write("ward,n\nA,12\n")
    (data / "model.pkl").write_bytes(pickle.dumps({"slope": 0.5}))
    (data / "notes.unlisted").write_text("not read\n")
    before = snapshot(data)
    nb = write_notebook(
        tmp_path / "nb.ipynb",
        'data_dir: str = "."  # data folder',
        "import pickle\nimport pandas as pd\n"
        "counts = pd.read_csv(f'{data_dir}/counts.csv.gz')\n"
        "with open(f'{data_dir}/model.pkl', 'rb') as fh:\n    model = pickle.load(fh)\n"
        "shown = (len(counts), model)  # no print: numbers in stdout fail the disclosure gate",
    )
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "-p", "data_dir", data, "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    inputs = {i["path"]: i for i in json.loads((out / "manifest.json").read_text())["inputs"]}
    assert set(inputs) == {(data / "counts.csv.gz").as_posix(), (data / "model.pkl").as_posix()}
    for name in ("counts.csv.gz", "model.pkl"):
        entry = inputs[(data / name).as_posix()]
        assert entry["sha256"] == before[name] and entry["bytes"] == (data / name).stat().st_size
    assert snapshot(data) == before


@pytest.mark.slow
def test_an_input_rewritten_while_the_report_runs_fails_it(tmp_path):
    data = tmp_path / "counts.csv"
    data.write_text("ward,n\nA,12\n")
    nb = write_notebook(
        tmp_path / "nb.ipynb",
        'path: str = ""  # data file\nrewrite: bool = False  # change it',
        "import pandas as pd\ncounts = pd.read_csv(path)",
        "if rewrite:\n    with open(path, 'w') as fh:\n        fh.write('ward,n\\nA,13\\n')",
        "rows = len(counts)  # no print: numbers in stdout fail the disclosure gate",
    )
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "-p", "path", data, "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    good = snapshot(out)
    res = aeeval_cli(
        "run", nb, "-p", "path", data, "-p", "rewrite", "true", "--out", out, "--format", "html"
    )
    first = hashlib.sha256(b"ward,n\nA,12\n").hexdigest()
    assert_clean_failure(
        res, "input changed while the report ran", f"{data.as_posix()} (read as sha256 {first[:12]}"
    )
    assert snapshot(out) == good  # the previous report is intact
    assert "input changed" in (tmp_path / "out.failed" / "error.txt").read_text()


def test_summary_table_escapes_what_a_config_put_in_a_label(tmp_path):
    from aeeval.publish.build import Job, Outcome, summary_table

    job = Job(
        tmp_path / "nb.ipynb",
        {"site": "\x1b[31mred"},
        tmp_path / "out",
        tmp_path,
        label="site=\x1b[31mred",
    )
    table = summary_table([Outcome(job, False, 1.0, "boom \x1b[2J")])
    assert "\x1b" not in table and "\\x1b[31mred" in table
