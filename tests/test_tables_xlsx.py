"""tables.xlsx: every published table as a sheet, as the report shows it, from the gated tables."""

import json
from html.parser import HTMLParser

import nbformat
import pytest
from conftest import aeeval_cli, write_notebook
from openpyxl import Workbook, load_workbook

from aeeval.publish.figures import SHEET_NAME_MAX, sheet_names, write_tables_workbook
from aeeval.publish.gate import check_published, check_workbook
from aeeval.tables import TABLE_MIMETYPE

TABLES = """import aeeval as ae
responses = ae.load_survey()
ae.show(ae.headline_figures(responses, by="setting"), name="by_setting",
        title="Headline figures by care setting")
ae.show(ae.theme_frequencies(ae.read_segments(None)), name="themes", title="Themes and codes")
presence = ae.presence_table(ae.read_segments(None))
ae.show(ae.krippendorff_alpha(presence, "item", "coder", "present"), name="alpha",
        title="Krippendorff's alpha")"""


class _Table(HTMLParser):
    """The heading and body cells of the aeeval table in one output's HTML."""

    def __init__(self):
        super().__init__()
        self.head, self.rows, self._cell, self._in_head = [], [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            (self.head if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _shown(value, number_format: str) -> str:
    """A cell as Excel shows it with its number format (the formats tables.xlsx uses)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if number_format.endswith("%"):
        places = number_format.count("0") - 1
        return f"{100 * value + 0.0:.{places}f}%"
    if number_format.startswith("0."):
        return f"{value:.{len(number_format) - 2}f}"
    if number_format == "0" or isinstance(value, int):
        return str(int(value))
    return f"{value:.3g}"


def _sheet_rows(sheet) -> tuple[list[str], list[list[str]]]:
    """Headings (a heading merged over two cells is one) and body rows, cells of a merged
    heading's columns joined as the report writes an interval ("a to b")."""
    spans = {r.min_col: r.max_col for r in sheet.merged_cells.ranges if r.min_row == 3}
    groups, col = [], 1
    while sheet.cell(3, col).value is not None:
        last = spans.get(col, col)
        groups.append((col, last))
        col = last + 1
    head = [sheet.cell(3, first).value for first, _ in groups]
    rows = []
    for r in range(4, sheet.max_row + 1):
        cells = [[sheet.cell(r, c) for c in range(first, last + 1)] for first, last in groups]
        if all(c.value is None for g in cells for c in g):
            break  # the blank line before the notes
        row = []
        for group in cells:
            said = [_shown(c.value, c.number_format) for c in group]
            row.append(said[0] if len(said) == 1 or said[0] == "*" else " to ".join(said))
        rows.append(row)
    return head, rows


@pytest.mark.slow
def test_each_table_is_a_sheet_as_the_report_shows_it(tmp_path):
    nb = write_notebook(tmp_path / "tables.ipynb", "x: int = 1  # unused", TABLES)
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    figures = json.loads((out / "figures.json").read_text())
    book = load_workbook(out / "tables.xlsx")
    names = [t["name"] for t in figures["tables"]]
    assert book.sheetnames == names == ["by_setting", "themes", "alpha"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert "tables.xlsx" in manifest["outputs"]
    executed = nbformat.read(out / "executed.ipynb", as_version=4)
    shown = [
        o["data"]["text/html"]
        for c in executed.cells
        for o in c.get("outputs", [])
        if TABLE_MIMETYPE in o.get("data", {})
    ]
    assert len(shown) == 3
    for table, html, sheet in zip(figures["tables"], shown, book.worksheets):
        parsed = _Table()
        parsed.feed(html)
        assert sheet["A1"].value == table["title"]
        head, rows = _sheet_rows(sheet)
        assert head == parsed.head, sheet.title
        assert rows == parsed.rows, sheet.title
        notes = [sheet.cell(r, 1).value for r in range(len(rows) + 5, sheet.max_row + 1)]
        for note in filter(None, notes):
            assert note in html.replace("&#x27;", "'")
    # Numbers are numbers, in Excel's formats, with the gated values of figures.json.
    by_setting = book["by_setting"]
    records = figures["tables"][0]["records"]
    heads = [c.value for c in by_setting[3]]
    pct, base, n = heads.index("%") + 1, heads.index("Base") + 1, heads.index("Positive (n)") + 1
    hidden = 0
    for r, record in enumerate(records, start=4):
        assert by_setting.cell(r, base).value == record["base"]
        if record["suppressed"]:
            hidden += 1
            assert by_setting.cell(r, pct).value == "*" and by_setting.cell(r, n).value == "*"
        else:
            # openpyxl stores 15 significant digits (Excel's own precision)
            assert by_setting.cell(r, pct).value == pytest.approx(record["estimate"], rel=1e-14)
            assert by_setting.cell(r, pct).number_format == "0%"
            assert by_setting.cell(r, n).value == record["n"]
            assert by_setting.cell(r, n).number_format == "0"
    assert hidden >= 2  # a small setting and its next-smallest sibling
    assert any(
        "* suppressed: base below 10" in str(by_setting.cell(r, 1).value)
        for r in range(1, by_setting.max_row + 1)
    )
    themes = book["themes"]
    assert "Protected time" in [c.value for c in themes["B"]]  # the code's words, as shown
    assert themes.cell(4, [c.value for c in themes[3]].index("% of interviews") + 1).number_format


EMAIL_IN_A_CELL = """import pandas as pd
import aeeval as ae
ae.show(pd.DataFrame({"contact": ["Write to jo.bloggs@nhs.net"]}), name="contacts",
        title="Contacts", rule="none")"""


@pytest.mark.slow
def test_a_table_that_would_disclose_stops_the_build_and_no_workbook_is_published(tmp_path):
    nb = write_notebook(tmp_path / "leak.ipynb", "x: int = 1  # unused", EMAIL_IN_A_CELL)
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "--out", out, "--format", "html")
    assert res.returncode == 1
    assert "the disclosure gate stopped the report" in res.stderr
    assert "figures.json: table 'contacts'" in res.stderr
    assert "tables.xlsx: sheet 'contacts', cell A4: unredacted e-mail address" in res.stderr
    assert "jo.bloggs" not in res.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_the_gate_reads_the_workbook_it_is_given(tmp_path):
    """Whatever wrote it: a name from the register, a telephone number stored as a number."""
    book = Workbook()
    sheet = book.active
    sheet.title = "quotes"
    sheet["A1"], sheet["C7"] = "Said by Wei Davies", 1632960770
    book.create_sheet("SW1A 1AA")
    book.save(tmp_path / "tables.xlsx")
    findings = check_workbook(tmp_path / "tables.xlsx", names=["Wei Davies"])
    assert findings[0].startswith("tables.xlsx: sheet 'quotes', cell A1: unredacted name")
    assert findings[1].startswith("tables.xlsx: sheet 'quotes', cell C7: unredacted")
    assert findings[2].startswith("tables.xlsx: sheet 'S*******', in its name: ")
    assert len(findings) == 3


def test_check_published_reads_tables_xlsx(tmp_path):
    """The writer copies a record's text; the gate finds it in the workbook as well."""
    doc = {
        "notebook": "n.ipynb",
        "parameters": {},
        "tables": [
            {
                "name": "q",
                "title": "Quotes",
                "columns": ["quote"],
                "rule": "none",
                "records": [{"quote": "NHS number 943 476 5919"}],
            }
        ],
    }
    (tmp_path / "figures.json").write_text(json.dumps(doc))
    (tmp_path / "report.html").write_text("<p>ok</p>")
    write_tables_workbook(doc, tmp_path / "tables.xlsx")
    findings = check_published(tmp_path, figure_texts=[])
    assert any(
        f.startswith("tables.xlsx: sheet 'q', cell A4: unredacted NHS number") for f in findings
    )
    assert any(f.startswith("figures.json: table 'q'") for f in findings)


def test_sheet_names_fit_excel_and_are_unique():
    names = sheet_names(["headline_figures_by_setting_and_region_" + str(k) for k in range(12)])
    assert all(len(n) <= SHEET_NAME_MAX for n in names)
    assert len({n.lower() for n in names}) == 12
    assert sheet_names(["a:b", "A:B"]) == ["a_b", "A_B_2"]


def test_a_report_without_tables_has_a_workbook_saying_so(tmp_path):
    write_tables_workbook({"tables": []}, tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["No tables"]
    assert book["No tables"]["A1"].value == "This report publishes no tables."


def test_the_same_tables_give_the_same_bytes(tmp_path):
    """Like figures.json: no time of saving in the workbook (openpyxl writes one by default)."""
    import time

    doc = {
        "tables": [
            {
                "name": "rate",
                "title": "Answered",
                "columns": ["n", "base", "estimate"],
                "percent_columns": ["estimate"],
                "records": [{"n": 18, "base": 35, "estimate": 18 / 35}],
            }
        ]
    }
    write_tables_workbook(doc, tmp_path / "a.xlsx")
    time.sleep(2.1)  # zip entries keep times to 2 s, core properties to 1 s
    write_tables_workbook(doc, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert load_workbook(tmp_path / "b.xlsx")["rate"]["C4"].value == pytest.approx(18 / 35)
