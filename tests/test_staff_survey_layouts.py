"""Staff Survey official layouts (issue 16 item 6): percentages 0–100, question IDs in any case, the
published detailed-spreadsheet layouts, and the item map's sources.

Where each layout detail of the fixtures below comes from (searched with the project's search tool,
December 2026):

* **Benchmark report Excel data** (the "wide" layout the reader already had): "Excel data behind
  those reports … (wide format, row per organisation)" — nhsstaffsurveyresults.com home page (2020
  results). One sheet per benchmark group beside "Notes" and "Organisation Benchmark groups" sheets —
  a public R import script of the 2021+ workbook (GitHub, ``import_raw_data.R``: it drops those
  sheets and reads the rest). Columns ``q11a_YEAR`` / ``q11a_n_YEAR``, proportions stored as native
  Excel fractions (0–1) — a public audit of the NSS Benchmark Report Excel Data 2021–2025 (GitHub
  README, citing nhsstaffsurveys.com).
* **Detailed spreadsheets**: response-option distributions whose "percentage cells contain values
  on a 0–100 scale", one named percentage column per option — the same audit (citing
  nhsstaffsurveys.com ``NSS25-Detailed-spreadsheets.zip``). Unweighted; "averages … are calculated
  as means of the organisation means" — nhsstaffsurveys.com, "Staff Survey 2018 - Detailed
  Spreadsheets" (so the fixtures carry an average row without an organisation code).
* **Not established from any public source found** (taken from the text of issue 16, or assumed,
  and said so in ``read_staff_survey``'s docstring and the README): one sheet per questionnaire
  section, question text in merged cells on row 1 and column headers on row 5 (2021+); every part of
  the 2015–2020 sheet structure (the fixture puts a title on row 1, the merged question text on row
  2 and the header on row 3, so the reader's header detection is exercised rather than a guessed
  row); the labels of the organisation-code and base columns; where the survey year is written
  (hence ``year=``); and whether the percentages include "Don't know" (the reader assumes they do
  and takes it out of the estimate and the base).
"""

import csv
import io

import pytest

import aeeval as ae
from aeeval.schemas import ValidationError

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def detailed_xlsx(path, sheets, *, header_row=5, question_row=1, base_label="Base"):
    """Test fixture generator for a detailed spreadsheet: each sheet is ``{"questions": [(text,
    options)], "rows": [(org_code, org_name, [[percent per option] per question], [base per
    question])]}``. The question text is one merged cell across its options and its base column."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, spec in sheets.items():
        ws = wb.create_sheet(name)
        if question_row > 1:
            ws.cell(1, 1, "NHS Staff Survey - detailed spreadsheet (unweighted)")
        for r in range(question_row + 1, header_row):
            ws.cell(r, 1, "Percentages of responses to each option")  # filler rows, ignored
        ws.cell(header_row, 1, "Org code")
        ws.cell(header_row, 2, "Organisation name")
        col = 3
        starts = []
        for text, options in spec["questions"]:
            starts.append(col)
            ws.cell(question_row, col, text)
            for j, o in enumerate(options):
                ws.cell(header_row, col + j, o)
            ws.cell(header_row, col + len(options), base_label)
            ws.merge_cells(
                start_row=question_row,
                start_column=col,
                end_row=question_row,
                end_column=col + len(options),
            )
            col += len(options) + 1
        for i, (code, org, values, bases) in enumerate(spec["rows"]):
            r = header_row + 1 + i
            ws.cell(r, 1, code)
            ws.cell(r, 2, org)
            for start, vals, base in zip(starts, values, bases):
                for j, v in enumerate(vals):
                    ws.cell(r, start + j, v)
                ws.cell(r, start + len(vals), base)
    if "Notes" not in sheets:
        wb.create_sheet("Notes").cell(1, 1, "Data are unweighted.")
    wb.save(path)
    return path


# ------------------------------------------------------------------------ percentages and case


def test_wide_percentages_read_as_the_same_proportions(tmp_path):
    prop = write(tmp_path / "p.csv", "org_code,q22c_2019,q22c_n_2019\nRAA,0.625,400\nRBB,0.7,50\n")
    pct = write(tmp_path / "c.csv", "org_code,q22c_2019,q22c_n_2019\nRAA,62.5,400\nRBB,70,50\n")
    a, b = ae.read_staff_survey(prop), ae.read_staff_survey(pct)
    assert (a.attrs["scale"], b.attrs["scale"]) == ("proportion", "percent")
    assert b["positive"].tolist() == [250, 35]  # 62.5 % of 400, 70 % of 50, by hand
    assert a[["positive", "base", "estimate"]].equals(b[["positive", "base", "estimate"]])


def test_tidy_percentages_and_override(tmp_path):
    head = "org_code,year,item,positive,estimate,base\n"
    f = write(tmp_path / "t.csv", head + "RAA,2019,q22c,,62.5,400\nRBB,2019,q22c,,0,40\n")
    r = ae.read_staff_survey(f).set_index("org_code")
    assert r.loc["RAA", "positive"] == 250 and r.loc["RBB", "positive"] == 0
    # a file of values at most 1 is read as proportions unless told otherwise
    g = write(tmp_path / "g.csv", head + "RAA,2019,q22c,,0.5,400\n")
    assert ae.read_staff_survey(g)["positive"].tolist() == [200]
    assert ae.read_staff_survey(g, scale="percent")["positive"].tolist() == [2]  # 0.5 % of 400
    with pytest.raises(ValidationError, match="between 0 and 1"):
        ae.read_staff_survey(f, scale="proportion")
    with pytest.raises(ValueError, match="scale must be one of"):
        ae.read_staff_survey(g, scale="percentage")
    with pytest.raises(ValueError, match="scale must be one of"):  # checked for every layout
        ae.read_staff_survey(
            ae.paths.PUBLIC_DATA / "staff_survey_org_results_2021_2024.csv", scale=1
        )
    with pytest.raises(ValueError, match="year= is only for a detailed spreadsheet"):
        ae.read_staff_survey(g, year=2019)


def test_a_column_mixing_scales_is_refused_naming_every_row(tmp_path):
    f = write(
        tmp_path / "mix.csv",
        "org_code,q22c_2018,q22c_n_2018,q22c_2019,q22c_n_2019\n"
        "RAA,0.61,400,62,400\nRBB,58,300,0.6,300\nRCC,57,300,59,300\n",
    )
    with pytest.raises(ValidationError, match="must use one scale") as info:
        ae.read_staff_survey(f)
    where = {(p.row, p.column, p.value) for p in info.value.problems}
    assert where == {(2, "q22c_2018", "0.61"), (3, "q22c_2019", "0.6")}
    assert all(p.rule == "scale:mixed" for p in info.value.problems)


def test_percentage_above_100_is_an_error(tmp_path):
    f = write(tmp_path / "o.csv", "org_code,q22c_2019,q22c_n_2019\nRAA,62,400\nRBB,162,40\n")
    with pytest.raises(ValidationError, match="between 0 and 100") as info:
        ae.read_staff_survey(f)
    assert (info.value.problems[0].row, info.value.problems[0].column) == (3, "q22c_2019")


@pytest.mark.parametrize("qid", ["q22c", "Q22c", "Q22C", "q22C"])
def test_question_ids_in_any_case(tmp_path, qid):
    wide = write(
        tmp_path / "w.csv",
        f"org_code,{qid}_2019,{qid}_n_2019,{qid}_2020,{qid.upper()}_N_2020\nRAA,0.5,100,0.6,90\n",
    )
    tidy = write(
        tmp_path / "t.csv",
        f"org_code,year,item,positive,estimate,base\nRAA,2019,{qid},50,,100\nRAA,2020,{qid},54,,90\n",
    )
    for f in (wide, tidy):
        r = ae.read_staff_survey(f)
        assert r["item"].tolist() == ["q22c", "q22c"]  # the item map's own code
        assert r["series"].tolist() == ["q22c", "q22c"]
        assert r["positive"].tolist() == [50, 54]


# ------------------------------------------------------------------------------- detailed layouts


def _sheets_2021():
    return {
        "Your job": {
            "questions": [("Q3a. I always know what my work responsibilities are.", AGREE)],
            "rows": [("RAA", "Trust A", [[1, 2, 7, 50, 40]], [300])],
        },
        "Your organisation": {
            "questions": [
                (
                    "Q21a. Care of patients / service users is my organisation's top priority.",
                    AGREE,
                ),
                (
                    "Q21b. My organisation acts on concerns raised by patients / service users.",
                    AGREE,
                ),
            ],
            "rows": [
                ("RAA", "Trust A", [[2, 4, 10, 55, 29], [3.5, 6, 30, 40, 20.5]], [298, 200]),
                ("RBB", "Trust B", [[1, 3, 12, 54, 30], [0, 0, 0, 60, 40]], [150, 9]),
                (
                    "",
                    "Acute average",
                    [[1.5, 3.5, 11, 54.5, 29.5], [2, 3, 15, 50, 30]],
                    [None, None],
                ),
            ],
        },
    }


def test_detailed_2021_layout(tmp_path):
    f = detailed_xlsx(tmp_path / "d21.xlsx", _sheets_2021())
    r = ae.read_staff_survey(f, year=2021)
    assert r.attrs["layout"] == "detailed" and r.attrs["scale"] == "percent"
    assert r["series"].unique().tolist() == ["acts_on_concerns"]  # Q3a, Q21a: not in the map
    r = r.set_index("org_code")
    # by hand: Agree + Strongly agree = 40 + 20.5 = 60.5 % of 200 = 121
    assert r.loc["RAA", "positive"] == 121 and r.loc["RAA", "base"] == 200
    assert r.loc["RAA", "benchmark_group"] == "Your organisation"  # the sheet, as for wide files
    assert bool(r.loc["RBB", "suppressed"]) and r.loc["RBB", "base"] == 9  # below 10 (2021)
    ex = ae.read_staff_survey(f, year=2021).attrs["exclusions"]
    assert ex["row"].tolist() == [8] and "ODS code" in ex["reason"].iloc[0]  # the average row


def test_detailed_2015_2020_layout_and_dont_know(tmp_path):
    yn = ["Yes", "No", "Don't know"]
    sheets = {
        "Acute trusts": {
            "questions": [
                (
                    "Q22c Is feedback from patients / service users used to make informed "
                    "decisions within your directorate / department?",
                    yn,
                )
            ],
            "rows": [
                ("RAA", "Trust A", [[50, 30, 20]], [400]),
                ("RBB", "Trust B", [[60, 40, 0]], [100]),
            ],
        }
    }
    f = detailed_xlsx(tmp_path / "d19.xlsx", sheets, header_row=3, question_row=2)
    r = ae.read_staff_survey(f, year=2019).set_index("org_code")
    # Don't know is outside the base (item map): 50 / (50 + 30) = 0.625 of 400 × 80 % = 320
    assert r.loc["RAA", "base"] == 320 and r.loc["RAA", "positive"] == 200
    assert r.loc["RAA", "estimate"] == pytest.approx(0.625)
    assert r.loc["RBB", "base"] == 100 and r.loc["RBB", "positive"] == 60
    # the same file read for 2021, when the map has no Q22c: nothing to read, said so
    with pytest.raises(ValueError, match="no question of the item map for 2021"):
        ae.read_staff_survey(f, year=2021)


def test_a_renumbered_question_is_refused_by_its_wording(tmp_path):
    # NHS England's 2020 notice: 17 questions removed and 10 added since 2019, so "Q22c" in a
    # 2020 file may be another question with the same Yes / No / Don't know options. Its words
    # are read against the item map's wording, and a different question is an error that says
    # where and why — never a silently wrong series.
    yn = ["Yes", "No", "Don't know"]
    rows = [("RAA", "Trust A", [[50, 30, 20]], [400]), ("RBB", "Trust B", [[60, 40, 0]], [100])]
    other = {
        "Acute trusts": {
            "questions": [
                (
                    "Q22c In the last 12 months, have you had an appraisal, annual review, development "
                    "review, or Knowledge and Skills Framework (KSF) development review?",
                    yn,
                )
            ],
            "rows": rows,
        }
    }
    f = detailed_xlsx(tmp_path / "d20.xlsx", other, header_row=3, question_row=2)
    with pytest.raises(ValidationError, match="numbered differently") as info:
        ae.read_staff_survey(f, year=2020)
    p = info.value.problems[0]
    assert p.rule == "item-map:wording" and p.row == 3 and "sheet 'Acute trusts'" in p.file
    assert p.value.startswith("Q22c In the last 12 months")
    # the item's own words, differently punctuated and cased, are the same question
    same = {
        "Acute trusts": {
            "questions": [
                (
                    "Q22C. IS FEEDBACK FROM PATIENTS/SERVICE USERS USED TO MAKE INFORMED DECISIONS WITHIN "
                    "YOUR DIRECTORATE/DEPARTMENT?",
                    yn,
                )
            ],
            "rows": rows,
        }
    }
    f = detailed_xlsx(tmp_path / "s20.xlsx", same, header_row=3, question_row=2)
    assert len(ae.read_staff_survey(f, year=2020)) == 2


def test_detailed_bad_input_names_sheet_row_column(tmp_path):
    with pytest.raises(ValueError, match="pass year="):
        ae.read_staff_survey(detailed_xlsx(tmp_path / "a.xlsx", _sheets_2021()))
    with pytest.raises(ValueError, match="2031 is not in the item map"):
        ae.read_staff_survey(detailed_xlsx(tmp_path / "b.xlsx", _sheets_2021()), year=2031)
    # an option the map does not know for this item-year: the question may be numbered otherwise
    bad = _sheets_2021()
    bad["Your organisation"]["questions"][1] = ("Q21b acts on concerns", ["Yes", "No"])
    bad["Your organisation"]["rows"] = [("RAA", "Trust A", [[1, 2, 7, 50, 40], [60, 40]], [9, 200])]
    with pytest.raises(ValidationError, match="not a response option") as info:
        ae.read_staff_survey(detailed_xlsx(tmp_path / "c.xlsx", bad), year=2021)
    p = info.value.problems[0]
    assert "sheet 'Your organisation'" in p.file and p.row == 5
    assert p.column == "Q21B: Yes (column I)" and p.value == "Yes"
    # options that do not add up to 100 %, and a word where a number belongs
    off = _sheets_2021()
    off["Your organisation"]["rows"][0][2][1][:] = [3.5, 6, 30, 40, 50]
    off["Your organisation"]["rows"][1][2][1][:] = [0, 0, 0, "sixty", 40]
    with pytest.raises(ValidationError) as info:
        ae.read_staff_survey(detailed_xlsx(tmp_path / "d.xlsx", off), year=2021)
    got = {(p.row, p.column, p.rule) for p in info.value.problems}
    assert got == {
        (6, "Q21B", "check:options-sum"),
        (7, "Q21B: Agree (column L)", "type:number"),
    }
    # a question block without a base column
    nobase = detailed_xlsx(tmp_path / "e.xlsx", _sheets_2021(), base_label="Count")
    with pytest.raises(ValueError):
        ae.read_staff_survey(nobase, year=2021)  # no header row with a base label: not detailed


# --------------------------------------------------------------------------------- item map source


def test_every_item_map_row_names_its_source():
    m = ae.load_item_map()
    assert (m["source"].str.len() > 0).all()
    q = m[(m["series"] == "q22c") & (m["status"] == "asked")].set_index("year")
    # the Q22c numbering 2015-2020 could not be checked against a public questionnaire ...
    assert q["source"].str.startswith("no public source found").all()
    # ... but each year cites the NHS England statistics notice on what changed that year
    # (2015-2017 comparable; 2018 questions removed and added; 2019 as 2018; 2020 renumbered)
    assert q["source"].str.contains("https://www.england.nhs.uk/statistics/", regex=False).all()
    assert "remains the same as in 2018" in q.loc[2019, "source"]
    assert "Q21a" in q.loc[2020, "source"] and "DOUBTFUL for 2020" in q.loc[2020, "note"]


def test_item_map_without_or_with_blank_source(tmp_path):
    text = ae.staff_survey.ITEM_MAP.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    i = rows[0].index("source")

    def save(rs, name):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rs)
        return write(tmp_path / name, out.getvalue())

    with pytest.raises(ValidationError, match="item map column is missing"):
        ae.load_item_map(save([r[:i] + r[i + 1 :] for r in rows], "nosource.csv"))
    blank = [list(r) for r in rows]
    blank[3][i] = ""
    with pytest.raises(ValidationError, match="names its source") as info:
        ae.load_item_map(save(blank, "blank.csv"))
    assert info.value.problems[0].row == 4 and info.value.problems[0].column == "source"


def test_detailed_base_blank_option_and_repeated_question(tmp_path):
    s = _sheets_2021()
    s["Your organisation"]["rows"][0][3][1] = None  # RAA's Q21b base left blank
    s["Your organisation"]["rows"][1][2][1][:] = [0, 0, None, 60, 40]
    with pytest.raises(ValidationError) as info:
        ae.read_staff_survey(detailed_xlsx(tmp_path / "a.xlsx", s), year=2021)
    got = {(p.row, p.column, p.rule) for p in info.value.problems}
    assert got == {
        (7, "Q21B: Neither agree nor disagree (column K)", "required"),
    }
    # the base problem is found once the options are fixed, and names the base column
    s["Your organisation"]["rows"][1][2][1][:] = [0, 0, 0, 60, 40]
    with pytest.raises(ValidationError, match="at least 1") as info:
        ae.read_staff_survey(detailed_xlsx(tmp_path / "b.xlsx", s), year=2021)
    p = info.value.problems[0]
    assert (p.row, p.column) == (6, "Q21B: Base (column N)")
    # the same question twice on one sheet
    twice = _sheets_2021()
    q = twice["Your organisation"]["questions"]
    q[0] = q[1]
    with pytest.raises(ValidationError, match="appears twice"):
        ae.read_staff_survey(detailed_xlsx(tmp_path / "c.xlsx", twice), year=2021)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s["Your organisation"]["rows"].append(("RCC", "C", [[1], [1]], ["x", "y"])),
        lambda s: s["Your organisation"]["rows"].append(("R!", "C", [[], []], [])),
        lambda s: s["Your organisation"]["rows"].append(
            ("RCC", "C", [[-5, 5, 0, 50, 50]] * 2, [9, 9])
        ),
        lambda s: s["Your organisation"]["rows"].append(
            ("RCC", "C", [[0.2, 0, 0, 50, 49.8]] * 2, [9, 9])
        ),
        lambda s: s["Your organisation"]["questions"].__setitem__(1, ("Q21b", [])),
        lambda s: s.__setitem__("Your job", {"questions": [], "rows": []}),
    ],
)
def test_detailed_malformed_files_give_errors_not_tracebacks(tmp_path, change):
    """Each change is either read (a row without an ODS code or without values is left out) or an
    error naming file and sheet; a raw IndexError / TypeError fails the test."""
    s = _sheets_2021()
    change(s)
    f = detailed_xlsx(tmp_path / "m.xlsx", s)
    try:
        ae.read_staff_survey(f, year=2021)
    except ValidationError as exc:
        assert all(p.file.endswith("')") and p.rule for p in exc.problems)  # file and sheet named
    except ValueError as exc:
        assert str(f) in str(exc)


def test_detailed_negative_share_is_an_error(tmp_path):
    s = _sheets_2021()
    s["Your organisation"]["rows"][0][2][1][:] = [-5, 5, 0, 50, 50]  # adds up to 100 all the same
    with pytest.raises(ValidationError, match="cannot be negative") as info:
        ae.read_staff_survey(detailed_xlsx(tmp_path / "n.xlsx", s), year=2021)
    p = info.value.problems[0]
    assert (p.row, p.column, p.value) == (6, "Q21B: Strongly disagree (column I)", "-5")


def test_benchmark_workbook_notes_sheets_are_skipped(tmp_path):
    """The 2021+ benchmark workbook has "Notes" and "Organisation Benchmark groups" sheets beside
    the results (a public R import script drops them); the first sheet may be one of them."""
    from openpyxl import Workbook

    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["Variable", "Description"])
    notes.append(["q22c_2019", "Feedback from patients used to make informed decisions"])
    groups = wb.create_sheet("Organisation Benchmark groups")
    groups.append(["org_code", "Benchmarking group"])
    groups.append(["RAA", "Acute and acute/community"])
    acute = wb.create_sheet("Acute and acute community")
    acute.append(["org_code", "org_name", "q22c_2019", "q22c_n_2019", "q22c_2019_sig"])
    acute.append(["RAA", "Trust A", 0.625, 400, "not significant"])
    wb.save(tmp_path / "bench.xlsx")
    r = ae.read_staff_survey(tmp_path / "bench.xlsx")
    assert r.attrs["layout"] == "wide"
    assert r[["org_code", "positive", "benchmark_group"]].values.tolist() == [
        ["RAA", 250, "Acute and acute community"]
    ]
