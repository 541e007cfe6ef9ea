"""Red team, small numbers (issue 17): every way a count below its minimum base reached a published
report — tables that declare nothing, bases under other names or stored as text, suppressed rows
that still show a percentage, totals that give a hidden group away, numbers printed or drawn
outside ae.show, a min_base lowered without saying so — and the demo report of cohort 2."""

import hashlib
import json
import re

import nbformat
import pandas as pd
import pytest
import yaml
from conftest import aeeval_cli, pdftext, write_notebook

import aeeval as ae
from aeeval import evaluation
from aeeval.disclosure import (
    QUALITATIVE_RULE,
    DeclarationError,
    exposed,
    sibling_sets,
    suppress,
)
from aeeval.options import DEFAULT_MIN_BASE
from aeeval.publish.gate import check_tables, html_text
from aeeval.publish.gate.counts import check_notebook_outputs, count_findings
from aeeval.publish.outdir import MARKER, MARKER_KEY
from aeeval.tables import format_table

EVALUATION_NB = "notebooks/05-evaluation-report.ipynb"
QI_NB = "notebooks/04-qi-measures.ipynb"


def tables(*specs):
    """A figures.json document of tables given as dicts (name, cell and min_base filled in)."""
    return {
        "parameters": {},
        "tables": [
            {
                "cell": 3,
                "min_base": 10,
                "title": "t",
                **s,
                "columns": s.get("columns") or list(s["records"][0]),
            }
            for s in specs
        ],
    }


def declared(
    name,
    records,
    *,
    rule="people",
    base=("base",),
    by=(),
    keys=(),
    measure=None,
    percent=(),
    **extra,
):
    return {
        "name": name,
        "records": records,
        "rule": rule,
        "base_columns": list(base),
        "by": list(by),
        "key_columns": list(keys),
        "measure": measure,
        "percent_columns": list(percent),
        **extra,
    }


# ----------------------------------------------------------------- 1. a table declares its base


def test_a_table_that_declares_nothing_cannot_be_shown():
    t = pd.DataFrame({"group": ["A", "B"], "n": [2, 30], "base": [3, 60]})
    with pytest.raises(
        DeclarationError,
        match=r"table 'by_group' does not say what it counts.*"
        r"rule=\"none\"",
    ):
        ae.show(t, name="by_group", title="By group")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"base": "denominator", "rule": "people"},
            "declares base column(s) denominator but has no such",
        ),
        ({"rule": "people"}, "declares rule 'people' but no base column"),
        (
            {"base": "base", "rule": "none"},
            "declares rule 'none' (no counts about people) but a base",
        ),
        ({"base": "base", "rule": "secret"}, "disclosure rule must be one of"),
    ],
)
def test_a_declaration_that_does_not_fit_the_table_is_refused(kwargs, message):
    t = pd.DataFrame({"group": ["A"], "n": [20], "base": [30]})
    with pytest.raises(DeclarationError, match=re.escape(message)):
        ae.show(t, name="t", title="t", **kwargs)


def test_result_functions_declare_their_base_and_rule(examples):
    responses = ae.load_survey()
    seg = ae.read_segments(None)
    staff = ae.read_staff_survey()
    chart = ae.p_chart(
        ae.read_table(examples / "measures.csv", "measures").query("team == 'Maternity unit A'"),
        "numerator",
        "denominator",
        "period",
    )
    made = {
        "headline_figures": ae.headline_figures(responses, by="cohort"),
        "theme_frequencies": ae.theme_frequencies(seg),
        "item_trend": ae.item_trend(staff),
        "spc_summary": ae.spc_summary(chart),
        "quotes": ae.select_quotes(seg),
        "item_map": ae.load_item_map(),
    }
    got = {k: (t.attrs["disclosure_rule"], t.attrs["base_columns"]) for k, t in made.items()}
    assert got == {
        "headline_figures": ("people", ["base"]),
        "theme_frequencies": ("interviews", ["interviews_base", "organisations_base"]),
        "item_trend": ("people", ["base"]),
        "spc_summary": ("people", ["denominator"]),
        "quotes": ("none", []),
        "item_map": ("none", []),
    }
    assert made["headline_figures"].attrs["by"] == ["cohort"]
    assert made["headline_figures"].attrs["measure"] == "headline_figures"


# --------------------------------------------- 2. and 6. bases under any name, and stored as text


@pytest.mark.parametrize("base", ["denominator", "responses", "interviews_base"])
def test_a_small_base_under_another_name_is_a_finding(base):
    doc = tables(
        declared(
            "measure",
            [{"team": "A", base: 3, "value": 0.67, "suppressed": False}],
            base=[base],
            keys=["team"],
        )
    )
    (finding,) = check_tables(doc)
    assert (
        f"{base} 3 is below min_base 10 but the row is not suppressed and shows value=0.67"
        in finding
    )


def test_an_undeclared_table_is_held_to_the_rule_for_people_by_its_column_names():
    doc = tables({"name": "old", "records": [{"team": "A", "responses": 4, "estimate": 0.5}]})
    (finding,) = check_tables(doc)
    assert "responses 4 is below min_base 10 but the row is not suppressed" in finding


@pytest.mark.parametrize("text", ["4", " 4 ", "4.0"])
def test_a_base_stored_as_text_is_read_as_a_number(text):
    doc = tables(
        declared(
            "t",
            [{"group": "A", "base": text, "n": 3, "estimate": 0.75, "suppressed": False}],
            keys=["group"],
        )
    )
    (finding,) = check_tables(doc)
    assert f"base {text} is below min_base 10 but the row is not suppressed" in finding


def test_show_suppresses_a_base_named_denominator_and_stored_as_text():
    t = pd.DataFrame(
        {"ward": ["A", "B", "C"], "denominator": ["3", "40", "55"], "share": [2 / 3, 0.5, 0.6]}
    )
    published = ae.disclosure.apply_rule(
        t, ae.disclosure.declaration(t, name="t", base="denominator", rule="people", by="ward")
    )
    assert published["suppressed"].tolist() == [True, True, False]  # and the next smallest
    assert published["share"].isna().tolist() == [True, True, False]
    assert published["denominator"].tolist() == ["3", "40", "55"]  # the base stays visible


# -------------------------------------------------------- 3. suppressed rows hide every derived value


def test_a_suppressed_row_whose_pct_still_shows_is_a_finding():
    rec = {
        "group": "A",
        "base": 4,
        "n": None,
        "pct": 0.75,
        "share": "75%",
        "ci_low": None,
        "suppressed": True,
    }
    (finding,) = check_tables(tables(declared("t", [rec], keys=["group"])))
    assert "row is suppressed and shows pct=0.75, share=75%" in finding


def test_a_secondarily_suppressed_row_may_not_show_a_rate_either():
    rec = {"group": "B", "base": 40, "n": None, "rate": 0.5, "suppressed": True}
    (finding,) = check_tables(tables(declared("t", [rec], keys=["group"])))
    assert "the row is suppressed and shows rate=0.5" in finding


def test_format_table_blanks_every_derived_column_of_a_suppressed_row():
    t = pd.DataFrame(
        {
            "group": ["A", "B"],
            "base": [4, 50],
            "pct": [0.75, 0.5],
            "difference": [0.1, 0.2],
            "variation": ["special", "common"],
            "suppressed": [True, False],
        }
    )
    ae.disclosure.declare(t, rule="people", base="base", keys=["group"])
    t.attrs["percent_columns"] = ["pct"]
    shown = format_table(t)
    assert shown.iloc[0].tolist() == ["A", "4", "*", "*", "*"]
    assert shown.iloc[1].tolist() == ["B", "50", "50%", "20%", "common"]


# ---------------------------------------------------- 4. complementary suppression across tables

TOTAL = declared(
    "overall",
    [{"figure": "f", "n": 40, "base": 60, "estimate": 0.67, "suppressed": False}],
    keys=["figure"],
    measure="m",
)


def by_cohort(bases, hidden):
    records = [
        {
            "figure": "f",
            "cohort": i + 1,
            "base": b,
            "n": None if h else b // 2,
            "estimate": None if h else 0.5,
            "suppressed": h,
        }
        for i, (b, h) in enumerate(zip(bases, hidden))
    ]
    return declared("by_cohort", records, by=["cohort"], keys=["figure"], measure="m")


def test_a_hidden_group_recoverable_as_total_minus_the_rest_is_a_finding():
    (finding,) = check_tables(tables(TOTAL, by_cohort([4, 26, 30], [True, False, False])))
    assert (
        "table 'by_cohort' (cell In [3]), row(s) 1: suppressed, but table 'overall' is published"
        in finding
    )
    assert "gives away the hidden row" in finding


def test_hidden_groups_that_add_up_to_fewer_than_min_base_are_a_finding():
    (finding,) = check_tables(tables(TOTAL, by_cohort([4, 5, 51], [True, True, False])))
    assert "the hidden rows together (base 9, below 10)" in finding


def test_hidden_groups_that_add_up_to_min_base_pass_and_so_does_a_hidden_total():
    assert check_tables(tables(TOTAL, by_cohort([4, 20, 36], [True, True, False]))) == []
    hidden_total = {
        **TOTAL,
        "records": [{**TOTAL["records"][0], "n": None, "estimate": None, "suppressed": True}],
    }
    assert check_tables(tables(hidden_total, by_cohort([4, 26, 30], [True, False, False]))) == []


def test_a_total_row_in_the_table_itself_counts_too():
    t = by_cohort([4, 26, 30], [True, False, False])
    t["records"].append(
        {"figure": "f", "cohort": "All", "base": 60, "n": 40, "estimate": 0.67, "suppressed": False}
    )
    (finding,) = check_tables(tables({**t, "total": "All"}))
    assert "but its total row (All) is published" in finding


def test_tables_of_other_measures_are_not_totals():
    other = {**TOTAL, "measure": "something else"}
    assert check_tables(tables(other, by_cohort([4, 26, 30], [True, False, False]))) == []


def test_within_a_table_suppress_uses_the_same_sibling_rule_as_the_gate():
    t = pd.DataFrame(
        {
            "figure": ["f"] * 3 + ["g"] * 3,
            "cohort": [1, 2, 3] * 2,
            "base": [4, 26, 30, 40, 41, 42],
            "n": [2, 13, 15, 20, 20, 21],
        }
    )
    sets = sibling_sets(t, "cohort", within="figure")
    assert [s.tolist() for s in sets] == [[0, 1, 2], [3, 4, 5]]
    out = suppress(t, 10, by="cohort", within="figure")
    assert out["suppressed"].tolist() == [True, True, False, False, False, False]
    assert exposed([4], 10) and exposed([4, 5], 10) and not exposed([4, 26], 10)


# --------------------------------------------------------------- the qualitative rule (interviews)


def test_percentages_of_fewer_than_min_base_interviews_are_a_finding():
    rec = {"code": "patient_voice", "n_interviews": 3, "interviews_base": 4, "pct_interviews": 0.75}
    (finding,) = check_tables(
        tables(
            declared(
                "themes",
                [rec],
                rule="interviews",
                base=["interviews_base"],
                keys=["code"],
                percent=["pct_interviews"],
            )
        )
    )
    assert "interviews_base 4 is below min_base 10: a percentage of so few interviews" in finding
    counts_only = {**rec, "pct_interviews": None}
    assert (
        check_tables(
            tables(
                declared(
                    "themes",
                    [counts_only],
                    rule="interviews",
                    base=["interviews_base"],
                    keys=["code"],
                    percent=["pct_interviews"],
                )
            )
        )
        == []
    )


def test_the_methods_state_the_qualitative_rule():
    text = evaluation.disclosure_methods(min_base=10)
    assert QUALITATIVE_RULE.format(min_base=10) in text
    assert (
        "percentage of fewer than 10 interviews or interviewed organisations is not shown" in text
    )
    assert count_findings(text) == []  # the methods themselves pass the gate


# ------------------------------------------------------------------ 5. counts outside ae.show


@pytest.mark.parametrize(
    "text, found",
    [
        ("2 of 3", ["'2 of 3' (a count out of fewer than 10)"]),
        (
            "Latest month: 2/3 patients said always",
            [
                "'2/3 patients' (a count out of fewer than 10)",
                "'3 patients' (fewer than 10 people)",
            ],
        ),
        ("75% of 4 interviews raised it", ["'75% of 4' (a percentage of fewer than 10)"]),
        ("n = 7", ["'n = 7' (a base below 10)"]),
        ("3 of 4 interviews; 40 of 50 organisations; 12 patients; 01/04/2018; 2018/19", []),
    ],
)
def test_counts_in_free_text(text, found):
    assert count_findings(text, 10) == found


def _nb(*outputs, markdown=None):
    cells = [nbformat.v4.new_code_cell("x", outputs=list(outputs), execution_count=5)]
    if markdown:
        cells.append(nbformat.v4.new_markdown_cell(markdown))
    return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))


def test_display_of_a_dataframe_is_a_finding():
    html = pd.DataFrame({"n": [2], "base": [3]}).to_html()
    (finding,) = check_notebook_outputs(
        _nb(
            nbformat.v4.new_output(
                "display_data", data={"text/html": html, "text/plain": "   n  base\n0  2  3"}
            )
        )
    )
    assert "cell In [5]: a table shown outside ae.show (e.g. display(df))" in finding


def test_printed_numbers_and_plain_text_results_are_findings():
    printed = nbformat.v4.new_output("stream", name="stdout", text="2 of 3 said yes\n")
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "3"}, execution_count=5)
    warning = nbformat.v4.new_output("stream", name="stderr", text="warning in line 12\n")
    findings = check_notebook_outputs(_nb(printed, result, warning))
    assert len(findings) == 2
    assert "printed output (print(), stdout) shows numbers" in findings[0]
    assert "an output of plain text shows numbers" in findings[1]


def test_markdown_with_small_counts_is_a_finding_unless_marked_safe():
    md = nbformat.v4.new_output("display_data", data={"text/markdown": "2 of 3 patients agreed"})
    findings = check_notebook_outputs(_nb(md, markdown="Only 4 respondents in ward B."))
    assert any("cell In [5]: shows '2 of 3 patients'" in f for f in findings)
    assert any(
        "Markdown cell 2: shows '4 respondents' (fewer than 10 people)" in f for f in findings
    )
    safe = nbformat.v4.new_output(
        "display_data",
        data={
            "text/markdown": "12 months, 3 teams",
            ae.tables.SAFE_TEXT_MIMETYPE: {"reason": "months"},
        },
    )
    assert check_notebook_outputs(_nb(safe)) == []


def test_say_needs_a_reason_in_words():
    with pytest.raises(ValueError, match="needs the reason"):
        ae.say("3 teams", safe=" ")


# ------------------------------------------------------------------- 7. --allow-min-base


def _sha(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_run_with_a_min_base_below_the_default_needs_allow_min_base(tmp_path, example_copy):
    before = _sha(example_copy)
    params = tmp_path / "p.yml"
    params.write_text("min_base: 5\n")
    for extra in (
        ["-p", "min_base", "5"],
        ["-f", str(params)],
        ["-p", "min_base", "5", "--allow-min-base", "6"],
    ):
        res = aeeval_cli(
            "run",
            "notebooks/01-survey-outcomes.ipynb",
            "-p",
            "data_dir",
            str(example_copy),
            *extra,
            "--out",
            str(tmp_path / "out"),
        )
        assert res.returncode == 1, res.stderr
        assert "min_base 5 is below the project default 10" in res.stderr
        assert "--allow-min-base 5" in res.stderr and "Traceback" not in res.stderr
        assert not (tmp_path / "out").exists() and not (tmp_path / "out.failed").exists()
    assert _sha(example_copy) == before


def test_build_with_a_min_base_below_the_default_is_a_config_error(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", "min_base: int = 10  # threshold", "x = min_base")
    cfg = tmp_path / "build.yml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "output_dir": "out",
                "reports": [{"notebook": nb.name, "parameters": {"min_base": 3}, "out": "low"}],
            }
        )
    )
    res = aeeval_cli("build", str(cfg), "-q")
    assert res.returncode == 2
    assert "nb.ipynb" in res.stderr and "min_base 3 is below the project default 10" in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_an_allowed_min_base_is_recorded_in_the_manifest(tmp_path):
    nb = write_notebook(
        tmp_path / "nb.ipynb",
        "min_base: int = 10  # threshold",
        "import aeeval as ae\nae.say('A report.')",
    )
    cfg = tmp_path / "build.yml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "output_dir": "out",
                "formats": ["html"],
                "reports": [{"notebook": nb.name, "parameters": {"min_base": 3}, "out": "low"}],
            }
        )
    )
    res = aeeval_cli("build", str(cfg), "-q", "--allow-min-base", "3")
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "out" / "low" / "manifest.json").read_text())
    assert manifest["disclosure"] == {
        "min_base": 3,
        "project_min_base": DEFAULT_MIN_BASE,
        "allow_min_base": 3,
    }


# ------------------------------------------- 5. and 6. through the real CLI: what a notebook shows

PREVIOUS = b"previous report"


def run_leak(tmp_path, *cells, fmt="html"):
    nb = write_notebook(tmp_path / "leak.ipynb", "min_base: int = 10  # threshold", *cells)
    out = tmp_path / "out"
    out.mkdir()  # a previous report: aeeval's marker in its manifest (aeeval.publish.outdir)
    (out / "manifest.json").write_text(json.dumps({MARKER_KEY: MARKER}), encoding="utf-8")
    (out / "report.html").write_bytes(PREVIOUS)
    return aeeval_cli("run", str(nb), "--out", str(out), "--format", fmt), out


RAW = (
    "import pandas as pd\nfrom IPython.display import display\n"
    "from aeeval.tables import TABLE_MIMETYPE, table_payload\n"
    "from aeeval.disclosure import declaration\n"
    "def raw(t, name, **kw):\n"
    "    d = declaration(t, name=name, **kw)\n"
    "    display({'text/html': '<p>t</p>', TABLE_MIMETYPE: table_payload(t, name=name, title=name, "
    "min_base=10, declared=d)}, raw=True)\n"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "cells, where",
    [
        (
            ["import pandas as pd\ndisplay(pd.DataFrame({'ward': ['A'], 'n': [2], 'base': [3]}))"],
            "a table shown outside ae.show (e.g. display(df))",
        ),
        (
            ["print('Ward A: 2 of 3 patients said always')"],
            "printed output (print(), stdout) shows numbers",
        ),
        (
            [
                "from IPython.display import Markdown\ndisplay(Markdown('Ward A: 2 of 3 patients said always'))"
            ],
            "shows '2 of 3 patients' (a count out of fewer than 10)",
        ),
        (
            [
                "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.bar(['A'], [2])\n"
                "ax.text(0, 2, '2 of 3')\nplt.show()"
            ],
            "figure 1 of cell In [3]: its text shows '2 of 3' (a count out of fewer than 10)",
        ),
        (
            [
                RAW + "raw(pd.DataFrame({'ward': ['A', 'B'], 'base': [4, 50], 'pct': [0.75, 0.5], "
                "'suppressed': [True, False]}), 'wards', base='base', rule='people')"
            ],
            "table 'wards' (cell In [3]), row 1 (ward=A): base 4 is below min_base 10, the row is "
            "suppressed and shows pct=0.75",
        ),
        (
            [
                RAW + "raw(pd.DataFrame({'figure': ['f'], 'n': [40], 'base': [60]}), 'overall', "
                "base='base', rule='people', measure='m')\n"
                "raw(pd.DataFrame({'figure': ['f'] * 3, 'cohort': [1, 2, 3], 'n': [None, 13, 15], "
                "'base': [4, 26, 30], 'suppressed': [True, False, False]}), 'by_cohort', base='base', "
                "rule='people', by='cohort', measure='m')"
            ],
            "table 'by_cohort' (cell In [3]), row(s) 1: suppressed, but table 'overall' is published",
        ),
    ],
)
def test_counts_a_reader_could_see_stop_the_report(tmp_path, cells, where):
    res, out = run_leak(tmp_path, *cells)
    assert res.returncode == 1
    assert "the disclosure gate stopped the report" in res.stderr and where in res.stderr, (
        res.stderr
    )
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "report.html"]
    assert (out / "report.html").read_bytes() == PREVIOUS  # the previous report is intact
    assert not list(tmp_path.glob(".out.*"))


@pytest.mark.slow
def test_numbers_marked_safe_and_declared_tables_are_published(tmp_path):
    res, out = run_leak(
        tmp_path,
        "import pandas as pd\nimport aeeval as ae\n"
        "ae.say('12 months of data, 3 teams.', safe='counts of months and teams, not of people')",
        "t = pd.DataFrame({'ward': ['A', 'B', 'C'], 'responses': ['4', '40', '55'], "
        "'share': [0.75, 0.5, 0.6]})\n"
        "ae.show(t, name='wards', title='Wards', base='responses', rule='people', by='ward')",
    )
    assert res.returncode == 0, res.stderr
    (table,) = json.loads((out / "figures.json").read_text())["tables"]
    assert table["base_columns"] == ["responses"] and table["rule"] == "people"
    assert [r["share"] for r in table["records"]] == [None, None, 0.6]
    text = html_text((out / "report.html").read_text())
    rows = text[text.index("Wards") :].splitlines()[1:13]
    assert "0.75" not in rows and "0.5" not in rows and "0.6" in rows, rows  # cells, one a line
    reason = [
        o["data"][ae.tables.SAFE_TEXT_MIMETYPE]["reason"]
        for c in nbformat.read(out / "executed.ipynb", as_version=4).cells
        for o in c.get("outputs", [])
        if ae.tables.SAFE_TEXT_MIMETYPE in o.get("data", {})
    ]
    assert reason == ["counts of months and teams, not of people"]


@pytest.mark.slow
def test_an_spc_summary_does_not_publish_a_latest_month_of_2_of_3_patients(tmp_path, examples):
    measures = pd.read_csv(examples / "measures.csv")
    team = measures[measures["team"] == "Maternity unit A"].copy()
    team.loc[team.index[-1], ["numerator", "denominator"]] = [2, 3]
    team.to_csv(tmp_path / "measures.csv", index=False)
    out = tmp_path / "qi"
    res = aeeval_cli(
        "run",
        QI_NB,
        "-p",
        "measures_file",
        str(tmp_path / "measures.csv"),
        "--out",
        str(out),
        "--format",
        "html",
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads((out / "figures.json").read_text())
    summaries = [
        t for t in doc["tables"] if t["name"] in ("measure_spc_summary", "all_measures_spc_summary")
    ]
    assert len(summaries) == 2
    for t in summaries:
        assert t["base_columns"] == ["denominator"] and t["rule"] == "people"
        (row,) = t["records"]
        assert row["denominator"] == 3 and row["suppressed"] is True
        assert row["value"] is None and row["variation"] is None and row["mean"] is None
    text = html_text((out / "report.html").read_text())
    assert "67%" not in text and "0.667" not in text


def test_charts_do_not_draw_months_of_fewer_than_min_base_patients(examples):
    m = ae.read_table(examples / "measures.csv", "measures")
    series = ae.select_measure(m, "Maternity unit A", None).reset_index(drop=True)
    series.loc[len(series) - 1, ["numerator", "denominator"]] = [2, 3]
    chart = ae.p_chart(series, "numerator", "denominator", "period")
    drawn = ae.spc.hide_small_points(chart)
    assert drawn["value"].isna().tolist() == [False] * (len(series) - 1) + [True]
    assert drawn["upl"].equals(chart["upl"])  # limits as computed from every month
    runs = ae.run_chart(series.assign(p=series["numerator"] / series["denominator"]), "p", "period")
    shown = ae.spc.hide_small_points(runs, series.set_index("period")["denominator"])
    assert shown["value"].isna().sum() == 1 and pd.isna(shown["value"].iloc[-1])


# ------------------------------------------------- 6. and 8. the demo report of cohort 2


@pytest.mark.slow
def test_the_cohort_2_evaluation_report_shows_interview_counts_not_percentages(tmp_path):
    out = tmp_path / "cohort-2"
    res = aeeval_cli("run", EVALUATION_NB, "-p", "cohort", "2", "--out", str(out))
    assert res.returncode == 0, res.stderr
    doc = json.loads((out / "figures.json").read_text())
    by_name = {t["name"]: t for t in doc["tables"]}
    themes = by_name["theme_frequencies"]
    assert themes["rule"] == "interviews" and themes["base_columns"] == ["interviews_base"]
    assert {r["interviews_base"] for r in themes["records"]} == {4}
    assert all(r["pct_interviews"] is None for r in themes["records"])
    assert by_name["measure_summary"]["base_columns"] == ["denominator"]
    assert all(t.get("rule") in ("people", "interviews", "none") for t in doc["tables"])
    words = " ".join(pdftext(out / "report.pdf").split())
    assert " ".join(QUALITATIVE_RULE.format(min_base=10).split()) in words  # the methods say it
    assert "(3 of 4 interviews)" in words  # counts, as the rule allows
    assert "75%" not in words and "% of interviews" not in words
    assert "Percentages of fewer than 10 interviews are not shown" in words


def test_a_note_under_a_table_is_read_for_counts_too():
    doc = tables(
        declared(
            "t",
            [{"group": "A", "base": 40, "n": 20, "suppressed": False}],
            keys=["group"],
            note="In ward B, 2 of 3 patients said never.",
        )
    )
    findings = check_tables(doc)
    assert findings and all(
        "table 't' (cell In [3]), note under the table: shows" in f for f in findings
    )
    assert any("'2 of 3 patients' (a count out of fewer than 10)" in f for f in findings)


@pytest.mark.slow
def test_the_survey_report_passes_and_unhiding_one_sibling_would_be_caught(tmp_path):
    """The bundled survey report publishes the headline figures overall and by care setting, two
    settings hidden per figure; if only one were hidden, the overall figure would give it away."""
    out = tmp_path / "survey"
    res = aeeval_cli(
        "run", "notebooks/01-survey-outcomes.ipynb", "--out", str(out), "--format", "html"
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads((out / "figures.json").read_text())
    assert check_tables(doc) == []
    by_setting = next(t for t in doc["tables"] if t["name"] == "headline_figures_by_setting")
    assert by_setting["measure"] == "headline_figures" and by_setting["by"] == ["setting"]
    hidden = [r for r in by_setting["records"] if r["suppressed"]]
    assert len(hidden) >= 2
    first = by_setting["records"].index(hidden[0])
    # Show the first hidden row's base-only record as if it had not been suppressed by the
    # secondary rule: its sibling is then the only hidden one, and the total gives it away.
    partner = next(
        i
        for i, r in enumerate(by_setting["records"])
        if r["suppressed"] and i != first and r["wording"] == hidden[0]["wording"]
    )
    by_setting["records"][partner]["suppressed"] = False
    findings = check_tables(doc)
    assert any(
        f"row(s) {first + 1}: suppressed, but table 'headline_figures' is published" in f
        for f in findings
    ), findings
