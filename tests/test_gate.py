"""The disclosure gate: tables in figures.json and the text of a report, checked before publishing."""

import pytest

from aeeval.publish.figures import FIGURE_TEXT_MIMETYPE, collect_figure_texts, figure_texts
from aeeval.publish.gate import DisclosureError, check_figures, check_tables, check_text, html_text


def table(records, *, min_base=10, name="t", columns=None):
    columns = columns or list(records[0])
    return {
        "tables": [
            {"name": name, "cell": 4, "min_base": min_base, "columns": columns, "records": records}
        ]
    }


def row(**kw):
    base = {
        "group": "A",
        "n": 3,
        "base": 5,
        "estimate": 0.6,
        "ci_low": 0.2,
        "ci_high": 0.9,
        "suppressed": False,
    }
    return {**base, **kw}


def test_small_base_shown_is_a_finding_with_its_location():
    (finding,) = check_tables(table([row(group="B")], name="headline_figures"))
    assert "table 'headline_figures' (cell In [4]), row 1 (group=B)" in finding
    assert "base 5 is below min_base 10" in finding and "not suppressed" in finding
    assert "estimate=0.6" in finding and "n=3" in finding


def test_suppressed_flag_without_blanking_is_a_finding():
    (finding,) = check_tables(table([row(suppressed=True, n=None, ci_low=None, ci_high=None)]))
    assert "is suppressed and shows estimate=0.6" in finding


@pytest.mark.parametrize(
    "record",
    [
        row(
            suppressed=True, n=None, estimate=None, ci_low=None, ci_high=None
        ),  # properly suppressed
        row(base=0, n=0, estimate=None, ci_low=None, ci_high=None),  # zeros are not suppressed
        row(base=10, n=3, estimate=0.3),  # at the threshold
    ],
)
def test_publishable_rows_pass(record):
    assert check_tables(table([record])) == []


def test_threshold_is_the_tables_own_min_base():
    assert check_tables(table([row(base=12, n=6, estimate=0.5)], min_base=15))
    assert not check_tables(table([row(base=12, n=6, estimate=0.5)], min_base=11))


def test_table_without_min_base_is_held_to_the_project_default():
    # aeeval.options.DEFAULT_MIN_BASE = 10: safe unless the table says otherwise.
    assert check_tables(table([row(base=9)], min_base=None))
    assert not check_tables(table([row(base=10)], min_base=None))


def test_comparison_bases_are_checked_too():
    rec = {
        "figure": "x",
        "base1": 4,
        "estimate1": 0.5,
        "base2": 60,
        "estimate2": 0.4,
        "difference": 0.1,
        "suppressed": False,
    }
    (finding,) = check_tables(table([rec]))
    assert "base1 4 is below min_base 10" in finding and "difference=0.1" in finding


def test_identifiers_in_table_text_are_findings():
    rec = {"theme": "What helps", "quote": "Ask Sam on 020 7946 0018 or sam@example.nhs.uk"}
    findings = check_tables(table([rec], name="quotes"))
    assert len(findings) == 2
    assert all(
        "table 'quotes' (cell In [4]), row 1 (theme=What helps), column 'quote'" in f
        for f in findings
    )
    assert any("telephone number 0*" in f for f in findings)
    assert any("e-mail address s*" in f for f in findings)
    assert not any(
        "7946" in f or "example.nhs" in f for f in findings
    )  # the message does not repeat it


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Contact jo.bloggs@nhs.net for details.", "e-mail address"),
        ("NHS number 943 476 5919 was on the form.", "NHS number"),  # valid Modulus 11
        ("Ring 0113 496 0123 any time.", "telephone number"),
        ("The hub in LS1 4AP met monthly.", "postcode"),
    ],
)
def test_text_findings_give_place_line_and_kind(text, kind):
    (finding,) = check_text(f"Title\n{text}", "report.pdf page 3")
    assert finding.startswith("report.pdf page 3, line 2: unredacted " + kind)


def test_text_without_identifiers_passes():
    assert (
        check_text(
            "NHS number 943 476 5918 is not valid (check digit).\n"
            "59% (95% CI 47% to 69%) of 79 organisations; Q22c 2019.",
            "x",
        )
        == []
    )


def test_html_text_puts_table_cells_on_their_own_lines():
    # Two neighbouring cells of a real staff survey table (positive, base): read as one line,
    # "25956 40372" is ten digits with a valid NHS check digit.
    html = (
        "<style>p{}</style><script>var a = 'x@y.com';</script><table><tr><td>2018</td>"
        "<td>25956</td><td>40372</td></tr></table><p>Fine &amp; dandy</p>"
    )
    text = html_text(html)
    assert text.splitlines() == ["2018", "25956", "40372", "Fine & dandy"]
    assert check_text(text, "report.html") == []
    assert check_text("2018 25956 40372", "x")  # what the gate would see without the separation


def test_disclosure_error_lists_every_finding():
    err = DisclosureError(["a: one", "b: two"])
    assert err.findings == ["a: one", "b: two"] and "a: one\n  b: two" in str(err)


def test_figure_text_is_every_title_label_tick_and_legend_entry():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([2017, 2018], [1, 2], label="Ward 7 (call 0113 496 0000)")
    ax.set(title="Visits by year", xlabel="Year", ylabel="Visits")
    ax.legend()
    fig.canvas.draw()  # as the PNG formatter does before the text is read
    said = figure_texts(fig)
    texts = said["texts"]
    plt.close(fig)
    assert {"Visits by year", "Year", "Visits", "Ward 7 (call 0113 496 0000)"} <= set(texts)
    assert said["alt"] == "Chart: Visits by year. Horizontal axis: Year; vertical axis: Visits."
    assert any(
        t.replace("\u2212", "-").strip() in ("2017.0", "2017.00", "2017") for t in texts
    )  # ticks


def test_identifiers_in_figure_text_are_findings_with_the_figure_and_cell():
    figures = [{"cell": 7, "figure": 2, "texts": ["Visits", "Ward 7 (call 0113 496 0000)"]}]
    (finding,) = check_figures(figures)
    assert finding.startswith(
        "executed.ipynb: figure 2 of cell In [7], in a title, label or legend"
    )
    assert "unredacted telephone number 0" in finding and "496 0000" not in finding


def test_tick_labels_are_read_one_by_one_not_as_one_number():
    # "2017-01 2017" and "0 1 2 … 9" pass the NHS-number check digit when run together
    ticks = ["2017-01", "2017", "2017-07"] + [str(i) for i in range(10)]
    assert check_text(" ".join(ticks[3:]), "joined")  # the trap, were they joined
    assert check_figures([{"cell": 3, "figure": 1, "texts": ticks}]) == []


def test_figure_text_is_collected_from_the_executed_notebook_in_order():
    import nbformat

    def shown(*texts):
        return nbformat.v4.new_output(
            "display_data", data={"image/png": "", FIGURE_TEXT_MIMETYPE: {"texts": list(texts)}}
        )

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("a", execution_count=3, outputs=[shown("A1"), shown("A2")]),
            nbformat.v4.new_markdown_cell("no figures here"),
            nbformat.v4.new_code_cell("b", execution_count=5, outputs=[shown("B1")]),
        ]
    )
    found = [{k: f[k] for k in ("cell", "figure", "texts")} for f in collect_figure_texts(nb)]
    assert found == [
        {"cell": 3, "figure": 1, "texts": ["A1"]},
        {"cell": 3, "figure": 2, "texts": ["A2"]},
        {"cell": 5, "figure": 1, "texts": ["B1"]},
    ]


def test_page_layout_text_is_read_column_by_column():
    # pdftotext -layout of a Staff Survey table: base, positive and % of one row, two spaces apart
    row = "YA24                     2020 q22c      2666  3181  84%  0.647    0.621"
    assert check_text(row, "joined")  # read as one line, "2666  3181  84" passes the check digit
    assert check_text(row, "report.pdf page 7", columns=True) == []
    prose = "Call 0113 496 0000 or quote NHS number 943 476 5919.     Page 2 of 9"
    kinds = [f.split("unredacted ")[1].split(" ")[0] for f in check_text(prose, "p", columns=True)]
    assert sorted(kinds) == ["NHS", "telephone"]
