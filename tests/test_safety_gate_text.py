"""Red team, issue 17 item 3: the disclosure gate reads every byte a reader can see or follow.

Identifiers hidden in the places the issue's evasion cases used — links, alt text, comments,
scripts, tooltips, CSS, split by tags or line breaks, invisible or look-alike characters, spelled
out, written with dots or slashes, in figures, in the executed notebook, in figures.json values of
any type — and the register's contact names folded for apostrophes and accents. Unit tests read
each kind of file; end-to-end tests publish real reports with ``aeeval run`` / ``aeeval build``.
"""

import json
import re
import shutil

import nbformat
import pytest
from conftest import aeeval_cli, write_notebook

from aeeval.paths import EXAMPLES, NOTEBOOKS
from aeeval.publish.figures import FIGURE_TEXT_MIMETYPE, SAFE_IMAGE, figure_texts
from aeeval.publish.gate import (
    check_document,
    check_figures,
    check_html,
    check_notebook,
    check_tables,
)
from aeeval.publish.gate.html import read_html
from aeeval.publish.gate.names import contact_columns, read_names, register_names
from aeeval.publish.gate.pdf import check_pdf, pdf_strings
from aeeval.publish.gate.text import check_text, check_value
from aeeval.redaction import find_identifiers, normalise, redact
from aeeval.schemas import load_schema

EMAIL, NHS, PHONE = "jo.bloggs@nhs.net", "943 476 5919", "020 7946 0018"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
    "rkJggg=="
)


def kinds(text, names=()):
    return [i.kind for i in find_identifiers(text, names)]


# --- normalisation and patterns (aeeval.redaction) ------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("jo\u200b.bloggs@nhs.net", "email"),  # zero-width space
        ("jo.bloggs@nhs\u00ad.net", "email"),  # soft hyphen
        ("\ufeffjo.bloggs@nhs.net", "email"),  # byte-order mark
        ("jo.blo\u200dggs@nhs.net", "email"),  # zero-width joiner
        ("jo.bloggs\uff20nhs.net", "email"),  # full-width @
        ("j\u043e.bl\u043eggs@nhs.net", "email"),  # Cyrillic о
        ("jo.bloggs@nh\u0455.n\u0435t", "email"),  # Cyrillic ѕ, е
        ("\u03bfrla@nhs.net", "email"),  # Greek ο
        ("jane dot doe at nhs dot net", "email"),
        ("jane(at)nhs.net", "email"),
        ("jane [at] nhs [dot] net", "email"),
        ("JANE AT NHS DOT NET", "email"),
        ("jane @ nhs.net", "email"),
        ("943.476.5919", "nhs_number"),
        ("943/476/5919", "nhs_number"),
        ("943\u2013476\u20135919", "nhs_number"),  # en dashes
        ("9\u200b43 476 59\u00ad19", "nhs_number"),
        (
            "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",
            "nhs_number",
        ),  # full width
        ("020.7946.0018", "phone"),
        ("020/7946/0018", "phone"),
        ("020 7946\u00a0\u00a0 0018", "phone"),
        ("LS1-4AP", "postcode"),
        ("ls1-4ap", "postcode"),
    ],
)
def test_evasions_are_found(text, kind):
    assert kinds(f"Write to {text} today.") == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "In 2019/2020 and 2020/21, 84.3% of 2 of 3 wards (0.647, 0.621 to 0.673) improved.",
        "On 01/02/2020 10 patients came; 12.5 13.75 and 2019/2020/2021 are fine.",
        "More at www.nhs.uk or at the trust. Look at nhs.uk, we met at noon.",
        "pandas 2.2.3 · numpy 2.1.3 · statsmodels 0.14.4; Python 3.11.9; pdftotext version 22.12.0",
        "Q22c rose from 58% (58% to 59%) in 2015 to 65% in 2020; \u03ba = 0.71.",
        "Wilson 95% CI; 1 in 10; 100.0%; -0.5; 10/10/2020; v1.2.3.4",
    ],
)
def test_ordinary_report_text_is_not_an_identifier(text):
    assert find_identifiers(text) == []


def test_normalise_folds_what_a_reader_does_not_see_and_maps_back():
    assert normalise("a\u200bb\u00adc\ufeff  d\n\n e") == "abc d\ne"
    assert (
        normalise("\uff20 \u0441\u043e\u0440 \u039a\u039f Zo\u00eb O\u2019Brien")
        == "@ cop KO Zoe O'Brien"
    )
    plain, where = normalise("x\u200by  z", positions=True)
    assert plain == "xy z" and [where[i] for i in range(len(plain))] == [0, 2, 3, 5]


def test_redact_keeps_the_text_as_written_around_what_it_replaces():
    text = "Зоя said: write to j\u043e\u200b.bloggs@nhs.net or ring 020.7946.0018 \u2014 thanks"
    assert redact(text) == "Зоя said: write to [email] or ring [phone] \u2014 thanks"


def test_names_fold_apostrophes_accents_and_case():
    register = ["Sean O'Brien", "Zoë Hart"]
    assert kinds("Then O\u2019Brien spoke", register) == ["name"]
    assert kinds("Zoe agreed, ZOE HART too", register) == ["name", "name"]
    assert kinds("zoë hart", register) == ["name"]
    assert kinds("Zoe Hart", ["Zoe Hart"]) == kinds("Zoë Hart", ["Zoe Hart"]) == ["name"]
    assert kinds("Z\u043e\u00eb Hart", register) == ["name"]  # Cyrillic о as well
    assert kinds("the hart of the matter; zoology", register) == []  # lower-case single words stay


# --- figures.json: every value, whatever its type, and every key ------------------------------


def test_nhs_number_in_a_float_column_and_in_fields_that_are_not_shown():
    table = {
        "tables": [
            {
                "name": "ids",
                "cell": 5,
                "min_base": 10,
                "columns": ["group", "patient"],
                "records": [
                    {
                        "group": "A",
                        "patient": 9434765919.0,
                        "method": "ref 943.476.5919",
                        "extra": [{"x": 4010232137}],
                    }
                ],
            }
        ]
    }
    findings = check_tables(table)
    assert any("row 1 (group=A), column 'patient': unredacted NHS number 9" in f for f in findings)
    assert any("column 'method': unredacted NHS number" in f for f in findings)
    assert any("column 'extra', item 1, key 'x': unredacted NHS number" in f for f in findings)
    assert not any("476" in f or "4010" in f for f in findings)


def test_every_key_and_value_outside_the_rows_is_read_too():
    doc = {
        "notebook": "n.ipynb",
        "parameters": {"contact": "jo.bloggs@nhs.net", "ward": 7},
        "tables": [
            {
                "name": "t",
                "cell": 3,
                "title": "Ring 020 7946 0018",
                "columns": ["jo@nhs.net"],
                "records": [],
            }
        ],
    }
    findings = check_document(doc)
    assert any(
        f.startswith("figures.json, key 'parameters', key 'contact': unredacted e-mail")
        for f in findings
    )
    assert any("table 't' (cell In [3]), key 'title': unredacted telephone" in f for f in findings)
    assert any("key 'columns', item 1: unredacted e-mail" in f for f in findings)
    assert check_value({"jo@nhs.net": 1}, "x") == [
        "x, key 'j*********', in the key's own name: unredacted e-mail address j*********"
    ]
    assert check_value(2079460018, "x") == ["x: unredacted telephone number 0**********"]
    assert (
        check_value({"n": 25956, "p": 0.5, "ok": True, "none": None, "ages": [40, 41]}, "x") == []
    )


# --- HTML: rendered as a browser lays it out, attributes, comments, scripts, styles -------------


def test_inline_tags_do_not_split_a_token_and_cells_stay_apart():
    doc = (
        "<p>jo.bloggs<span></span>@nhs<wbr>.net</p><p><b>943</b> <i>476</i> 5919</p>"
        "<table><tr><td>2018</td><td>25956</td><td>40372</td></tr></table>"
    )
    assert read_html(doc).lines == ["jo.bloggs@nhs.net", "943 476 5919", "2018", "25956", "40372"]
    findings = check_html(doc)
    assert [f.split(": ")[1].split(" ")[1] for f in findings] == ["e-mail", "NHS"]


def test_a_line_break_inside_a_block_is_a_line_and_still_no_hiding_place():
    reading = read_html("<p>Call 020 7946<br>0018 today</p><p>first<br/>second</p>")
    assert reading.lines == ["Call 020 7946", "0018 today", "first", "second"]
    (finding,) = check_html("<p>Call 020 7946<br>0018 today</p>")
    assert (
        finding == "report.html, lines 1-2 (one block): unredacted telephone number 0************"
    )
    (finding,) = check_html("<p>x<br>Call 020 7946 0018<br>y</p>")  # whole on one line too
    assert finding.startswith("report.html, line 2: unredacted telephone number")
    assert check_html("<pre>0    25956\n1    40372\n</pre>") == []  # printed rows are not joined


@pytest.mark.parametrize(
    "html, place",
    [
        ('<a href="mailto:jo.bloggs@nhs.net">write to us</a>', "in <a href=>"),
        ('<a href="mailto:jo.bloggs%40nhs.net">write to us</a>', "in <a href=>"),
        ('<a href="tel:+442079460018">ring us</a>', "in <a href=>"),
        ('<img alt="Photo of jo.bloggs@nhs.net" src="x.png">', "in <img alt=>"),
        ('<span title="Call 020 7946 0018">tip</span>', "in <span title=>"),
        ('<button aria-label="Email jo.bloggs@nhs.net">x</button>', "in <button aria-label=>"),
        ('<div data-contact="943 476 5919"></div>', "in <div data-contact=>"),
        ("<!-- NHS 943 476 5919 -->", "in a comment"),
        ("<script>var c = 'LS1 4AP';</script>", "in <script>"),
        ('<style>.x::after { content: "jo.bloggs@nhs.net"; }</style>', "in <style>"),
        ("<head><title>Ring 020 7946 0018</title></head>", "in <title>"),
        ('<a href="data:text/html,<p>jo.bloggs%40nhs.net</p>">open</a>', "in <a href=>"),
        (
            '<iframe src="data:text/html;base64,cmluZyAwMjAgNzk0NiAwMDE4"></iframe>',
            "in <iframe src=>",
        ),
        ("<svg><text>jo.bloggs@nhs.net</text></svg>", ""),
    ],
)
def test_what_a_reader_can_follow_or_view_is_read(html, place):
    (finding,) = check_html(f"<html><body><p>fine</p>{html}</body></html>")
    assert finding.startswith(
        "report.html, source line 1, " + place if place else "report.html, line 2: unredacted"
    ), finding


def test_styles_colours_and_picture_data_are_not_identifiers():
    doc = (
        "<style>:root { --pink: #ff80ab; --x: #e040fb; margin: 0 0 0 0 0 0 0 0 0 0; }</style>"
        f'<img src="data:image/png;base64,{PNG}" alt="Chart: Visits by year.">'
    )
    assert check_html(doc) == []


# --- PDF: page text and every string a viewer shows or follows -----------------------------------


_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmpMM='
    b'"http://ns.adobe.com/xap/1.0/mm/" xmpMM:DocumentID="uuid:12345678-1234-1234-1234-1234567'
    b'89012"><dc:creator><rdf:Seq><rdf:li>NHS 943 476 5919</rdf:li></rdf:Seq></dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
# A one-page tagged PDF written by hand from ISO 32000-2:2020: catalogue (7.7.2) with outline
# (12.3.3), named destinations both ways (/Dests dictionary, 12.3.2.4; /Names name tree, 7.9.6),
# structure tree with a figure's /Alt and /ActualText (14.7, 14.9.3-4), XMP (14.3.2); two link
# annotations with URI actions (12.5.6.5, 12.6.4.8); the information dictionary (14.3.3). Its
# strings are literal with escapes (7.3.4.2: \( \) \\ \n, octal, a backslash before an
# end-of-line, that one only, an unknown escape whose backslash is ignored, an unescaped CR LF
# read as LF, octal overflow ignored) and hexadecimal (7.3.4.3, an odd last digit read as followed by 0);
# text strings (7.9.2.2) in UTF-16BE with its mark, UTF-8 with its mark, PDFDocEncoding
# (Annex D: 200 octal is a bullet) and bytes that are not PDFDocEncoding (177 octal).
_PDF_OBJECTS = {
    1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 5 0 R /StructTreeRoot 7 0 R"
    b" /Names << /Dests 9 0 R >> /Dests << /Results [3 0 R /XYZ 0 200 0] >>"
    b" /Metadata 10 0 R /Lang (en-GB) >>",
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
    b" /Resources << >> /Annots [11 0 R 12 0 R] >>",
    4: b"<< /Length 4 >>\nstream\nq Q\n\nendstream",
    5: b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
    6: b"<< /Title <FEFF00430061006C006C00200030003200300020003700390034003600200030003000310038>"
    b" /Parent 5 0 R /Dest [3 0 R /Fit] >>",
    7: b"<< /Type /StructTreeRoot /K [8 0 R] >>",
    8: b"<< /Type /StructElem /S /Figure /P 7 0 R /Pg 3 0 R /Alt (Photo of LS1 4AP)"
    b" /ActualText (\\(bracketed\\) \\\\ back\\\nslash\\nnext line) /K [0] >>",
    9: b"<< /Names [(Methods) [3 0 R /XYZ 0 100 0] (M\\351thodes) 13 0 R] >>",
    10: b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream"
    % (len(_XMP), _XMP),
    11: b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /Border [0 0 0]"
    b" /A << /S /URI /URI (mailto:jo.bloggs@nhs.net) >> /Contents (Email us\\\n\nany time) >>",
    12: b"<< /Type /Annot /Subtype /Link /Rect [0 100 100 200] /Contents (Ring us\r\nany day)"
    b" /A << /S /URI /URI <74656C3A2B343432303739343630303138> >> >>",
    13: b"<< /D [3 0 R /Fit] >>",
    14: b"<< /Title (Quarterly report) /Author (jo.bloggs@nhs.net)"
    b" /Subject <EFBBBF436166C3A920E28093205133> /Keywords (\\200 item \\101\\53\\0537)"
    b" /Creator (caf\\351\\177) /Producer (a\\qb \\777) /CreationDate <4142433>"
    b" /Trapped /False >>",
}


def _pdf(tmp_path):
    """The PDF above, with its cross-reference table (7.5.4) and trailer (7.5.5)."""
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for number, body in _PDF_OBJECTS.items():
        offsets[number] = len(data)
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    data += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(offsets))
    data += b"trailer\n<< /Size %d /Root 1 0 R /Info 14 0 R >>\n" % (len(offsets) + 1)
    data += b"startxref\n%d\n%%%%EOF\n" % xref
    (tmp_path / "r.pdf").write_bytes(data)
    return tmp_path / "r.pdf"


def test_pdf_strings_are_the_strings_the_pdf_holds(tmp_path):
    import pikepdf

    path = _pdf(tmp_path)
    with pikepdf.open(path) as pdf:
        assert [o.objgen[0] for o in pdf.objects] == list(_PDF_OBJECTS)  # each one read
        assert pdf.get_warnings() == []  # well formed: its xref table is right, nothing rebuilt
    named = "the named destinations"
    assert pdf_strings(path) == [
        # /Info, keys in sorted order
        ("the metadata (/Author)", "jo.bloggs@nhs.net"),
        ("the metadata (/CreationDate)", "ABC0"),
        ("the metadata (/Creator)", "caf\xe9\x7f"),
        ("the metadata (/Keywords)", "\u2022 item A++7"),
        ("the metadata (/Producer)", "aqb \xff"),
        ("the metadata (/Subject)", "Caf\xe9 \u2013 Q3"),
        ("the metadata (/Title)", "Quarterly report"),
        # the catalogue, keys in sorted order; names of the named destinations too
        (named, "/Results"),
        ("the document catalogue (/Lang) (/Lang)", "en-GB"),
        ("the XMP metadata", " "),  # the document's uuid is left out
        ("the XMP metadata", "NHS 943 476 5919"),
        (named, "/Dests"),
        (named, "/Names"),
        (f"{named} (/Names)", "Methods"),
        (named, "/XYZ"),
        (f"{named} (/Names)", "M\xe9thodes"),
        ("the outline (bookmarks) (/Title)", "Call 020 7946 0018"),
        ("the structure tree (alt text) (/ActualText)", "(bracketed) \\ backslash\nnext line"),
        ("the structure tree (alt text) (/Alt)", "Photo of LS1 4AP"),
        # the page's annotations
        ("link annotation on page 1 (/URI)", "mailto:jo.bloggs@nhs.net"),
        ("link annotation on page 1 (/Contents)", "Email us\nany time"),  # \ LF LF: one LF
        ("link annotation on page 1 (/URI)", "tel:+442079460018"),
        ("link annotation on page 1 (/Contents)", "Ring us\nany day"),
    ]


def test_pdf_links_alt_text_outline_and_metadata_are_read(tmp_path):
    findings = check_pdf(_pdf(tmp_path), pages=["Page text: nothing here\n"])
    expected = [
        "report.pdf, the metadata (/Author): unredacted e-mail address",
        "report.pdf, link annotation on page 1 (/URI): unredacted e-mail address",
        "report.pdf, link annotation on page 1 (/URI): unredacted telephone number",
        "report.pdf, the outline (bookmarks) (/Title): unredacted telephone number",
        "report.pdf, the structure tree (alt text) (/Alt): unredacted postcode",
        "report.pdf, the XMP metadata: unredacted NHS number",
    ]
    assert sorted(f.rsplit(" ", 1)[0] for f in findings) == sorted(expected)  # uuid is no number
    assert ("the metadata (/Title)", "Quarterly report") in pdf_strings(tmp_path / "r.pdf")


# --- executed.ipynb: sources, comments, every MIME type; pictures --------------------------------


def _nb(*outputs, source="x = 1", markdown=None):
    cells = [nbformat.v4.new_code_cell(source, execution_count=4, outputs=list(outputs))]
    if markdown is not None:
        cells.append(nbformat.v4.new_markdown_cell(markdown))
    return nbformat.v4.new_notebook(cells=cells)


def _display(data, metadata=None):
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})


def test_code_comments_and_every_mime_type_of_the_executed_notebook_are_read():
    nb = _nb(
        _display({"text/html": "<p>All fine</p>", "text/plain": "NHS 943 476 5919"}),
        _display({"application/json": {"id": 9434765919.0}}),
        _display({"text/markdown": "Write to jo.bloggs@nhs.net"}),
        nbformat.v4.new_output("stream", name="stdout", text="Ring 020.7946.0018\n"),
        nbformat.v4.new_output("error", ename="KeyError", evalue="'LS1 4AP'", traceback=[]),
        _display(
            {"image/png": PNG},
            {"image/png": {"alt": "Ward 7, ring 0113 496 0000"}, SAFE_IMAGE: {"reason": "checked"}},
        ),
        source="x = 1  # ask jo.bloggs@nhs.net",
    )
    findings = check_notebook(nb)
    for place in [
        "executed.ipynb: cell In [4], source, line 1: unredacted e-mail",
        "cell In [4], output 1 (text/plain), line 1: unredacted NHS number",
        "cell In [4], output 2 (application/json), key 'id': unredacted NHS number",
        "cell In [4], output 3 (text/markdown), line 1: unredacted e-mail",
        "cell In [4], output 4 (stdout), line 1: unredacted telephone",
        "cell In [4], output 5, error message: unredacted postcode",
        "cell In [4], output 6, metadata, key 'image/png', key 'alt': unredacted telephone",
    ]:
        assert any(place in f for f in findings), (place, findings)
    assert len(findings) == 7


def test_pictures_the_gate_cannot_read_fail_unless_declared_safe():
    drawn = _display({"image/png": PNG, FIGURE_TEXT_MIMETYPE: {"texts": [], "pictures": 0}})
    photo = _display({"image/png": PNG, FIGURE_TEXT_MIMETYPE: {"texts": [], "pictures": 1}})
    from_file = _display({"image/png": PNG, "text/plain": "<IPython.core.display.Image object>"})
    safe = _display({"image/png": PNG}, {SAFE_IMAGE: {"reason": "programme logo", "file": "l.png"}})
    html_img = _display({"text/html": f'<img src="data:image/png;base64,{PNG}">'})
    assert check_notebook(_nb(drawn, safe)) == []
    findings = check_notebook(_nb(photo, from_file, html_img, markdown="![logo](logo.png)"))
    assert len(findings) == 4 and all("ae.safe_image(path, reason=...)" in f for f in findings)
    assert "imshow" in findings[0] and "not drawn by matplotlib" in findings[1]
    assert "picture in HTML output" in findings[2] and findings[3].startswith(
        "executed.ipynb: markdown cell 2: a picture in Markdown"
    )


# --- figures: whitespace, joined texts, ax.table, pictures ---------------------------------------


def test_figure_text_is_whitespace_normalised_joined_and_includes_table_cells():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2)
    fig.text(0.1, 0.01, "Ring 0113 496")
    fig.text(0.3, 0.01, "0000")
    ax.set_title("Call 020  7946\n0018")
    ax.text(0.1, 0.5, "jo.bloggs")
    ax.text(0.4, 0.5, "@nhs.net")
    ax.bar_label(ax.bar([1, 2], [25956, 40372]))
    ax.table(cellText=[["Ward 7", "LS1 4AP"]], loc="bottom")
    ax2.imshow(np.zeros((4, 4, 3)))
    fig.canvas.draw()
    said = figure_texts(fig)
    plt.close(fig)
    assert "Call 020 7946 0018" in said["texts"] and "LS1 4AP" in said["texts"]
    assert ["jo.bloggs", "@nhs.net"] in said["joined"] and said["pictures"] == 1
    findings = check_figures([{"cell": 6, "figure": 1, **said}])
    assert sorted(
        f.split(": ", 2)[1].split(",")[1].strip() + " " + f.rsplit(" ", 2)[1] for f in findings
    ) == sorted(
        [
            "in a title number",
            "in a title postcode",
            "across two texts placed side by side address",
            "across two texts placed side by side number",
        ]
    )  # bar labels not one number


# --- names: the register's contact columns and a names list --------------------------------------


def test_contact_columns_are_found_from_the_schema():
    assert contact_columns(load_schema("register")) == ["contact_name"]
    names, problems = register_names(
        [
            {"path": "data/examples/register.csv", "kind": "data"},
            {"path": "data/schemas/register.schema.json", "kind": "definition"},
        ]
    )
    assert problems == [] and "Wei Davies" in names and len(names) > 50


def test_a_register_changed_between_reports_is_read_again(tmp_path):
    # The names of a register are kept for the next report of a batch only while its bytes are
    # the same: a name changed in place (same size, same modification time) is read again, and
    # so is a register that can no longer be read, and one that was mended.
    import os

    register = tmp_path / "register.csv"
    shutil.copyfile(EXAMPLES / "register.csv", register)
    stat = register.stat()
    names, problems = register_names([register])
    assert problems == [] and "Wei Davies" in names and "Wei Davids" not in names
    assert register_names([register]) == (names, [])
    register.write_bytes(register.read_bytes().replace(b"Wei Davies", b"Wei Davids"))
    os.utime(register, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert register.stat().st_size == stat.st_size
    changed, _ = register_names([register])
    assert "Wei Davids" in changed and "Wei Davies" not in changed
    good = register.read_bytes()
    register.write_bytes(good.replace(b",1,2016-03-06,", b",one,2016-03-06,", 1))
    none, (problem,) = register_names([register])
    assert none == [] and problem.startswith("register.csv: the register could not be read")
    register.write_bytes(good)
    assert register_names([register]) == (changed, [])


def test_names_list_file(tmp_path):
    f = tmp_path / "names.txt"
    f.write_text("# interviewees\nPriya Raman\n\n  Tom O’Neill \n", encoding="utf-8")
    assert read_names(f) == ["Priya Raman", "Tom O’Neill"]
    with pytest.raises(ValueError, match="names list .*missing.txt"):
        read_names(tmp_path / "missing.txt")
    (finding,) = check_text("Thanks to TOM O'NEILL.", "report.pdf page 2", names=read_names(f))
    assert finding == "report.pdf page 2, line 1: unredacted name T" + "*" * 10


def test_build_config_names_key(tmp_path):
    from aeeval.publish.build import ConfigError, load_config

    (tmp_path / "people.txt").write_text("Priya Raman\n")
    config = tmp_path / "b.yml"
    config.write_text(
        f"names: people.txt\nreports:\n  - notebook: {NOTEBOOKS / '01-survey-outcomes.ipynb'}\n"
    )
    jobs, _ = load_config(config)
    assert jobs[0].names == ("Priya Raman",)
    config.write_text(config.read_text().replace("people.txt", "nobody.txt"))
    with pytest.raises(ConfigError, match="names: names list .*nobody.txt"):
        load_config(config)


# --- end to end: real reports through aeeval run --------------------------------------------------

LEAKS = [  # (cell, a place the gate must name)
    (f"#md [Write to us](mailto:{EMAIL})", "report.pdf, link annotation on page 1 (/URI)"),
    ("#md [Ring us](tel:+442079460018)", "in <a href=>: unredacted telephone"),
    (f'#md <span title="Call {PHONE}">our desk</span>', "in <span title=>"),
    (f"#md Notes here.\n\n<!-- patient {NHS} -->", "in a comment: unredacted NHS"),
    ("#md ## Contact 020.7946.0018", "report.pdf, the outline (bookmarks) (/Title)"),
    (
        "from IPython.display import HTML, display\n"
        f'display(HTML(\'<img alt="Photo, {EMAIL}" src="data:image/png;base64,{PNG}">\'))',
        "report.pdf, the structure tree (alt text) (/Alt): unredacted e-mail",
    ),
    (
        "display(HTML(\"<script>var where = 'LS1 4AP';</script>\"))",
        "in <script>: unredacted postcode",
    ),
    (
        'display(HTML(\'<style>.who::after { content: "jo.bloggs@nhs.net"; }</style>'
        '<p class="who">Contact</p>\'))',
        "in <style>: unredacted e-mail",
    ),
    ("display(HTML('<p>jo.bloggs<span></span>@nhs.net</p>'))", "report.html, line"),
    ("display(HTML('<p>Ring 020 7946<br>0018 today</p>'))", "(one block): unredacted telephone"),
    (
        "#md Write to jo\u200b.bloggs@nhs\u00ad.net or j\u043e.bloggs\uff20nhs.net",
        "report.pdf page 1, line",
    ),
    ("#md Or jane dot doe at nhs dot net, NHS 943.476.5919, LS1-4AP", "report.pdf page 1, line"),
    ("x = 1  # ask jo.bloggs@nhs.net about it", "source, line 1: unredacted e-mail"),
    (
        f"display({{'text/html': '<p>Patient seen.</p>', 'text/plain': 'NHS {NHS}'}}, raw=True)",
        "(text/plain), line 1: unredacted NHS",
    ),
    (
        "import pandas as pd\nimport aeeval as ae\n"
        "ae.show(pd.DataFrame({'group': ['A'], 'patient': [9434765919.0], 'method': ['ref 401 023 2137']}),"
        " name='ids', title='Seen', rule='none')",
        "figures.json: table 'ids'",
    ),
    (
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\n"
        "ax.text(0.1, 0.5, 'jo.bloggs')\nax.text(1.2, 0.5, '@nhs.net')\n"
        "ax.set_title('Call 020  7946\\n0018')\nax.table(cellText=[['LS1 4AP']], loc='bottom')\nplt.show()",
        "across two texts placed side by side: unredacted e-mail",
    ),
    (
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nfig.savefig('chart.png')\nplt.close(fig)\n"
        "from IPython.display import Image\ndisplay(Image(filename='chart.png'))",
        "a picture not drawn by matplotlib in the report's kernel",
    ),
    (
        "fig, ax = plt.subplots()\nax.imshow(plt.imread('chart.png'))\nplt.show()",
        "picture(s) drawn into it with imshow",
    ),
]


@pytest.mark.slow
def test_every_evasion_fails_the_build_with_its_place_and_nothing_is_published(tmp_path):
    nb = write_notebook(
        tmp_path / "leaky.ipynb",
        "x: int = 1  # unused",
        *[c for c, _ in LEAKS],
        title=f"Report for {EMAIL}",
    )
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "--out", out, cwd=tmp_path)
    assert res.returncode == 1 and "the disclosure gate stopped the report" in res.stderr
    missing = [place for _, place in LEAKS if place not in res.stderr]
    assert not missing, (missing, res.stderr)
    for place in [
        "report.pdf, the metadata (/Title)",
        "column 'patient': unredacted NHS number",
        "report.pdf, link annotation on page 1 (/URI): unredacted telephone",
        "in <title>: unredacted e-mail",
        "in <h2 id=>: unredacted telephone",
        "in <img alt=>: unredacted e-mail",
        "column 'method': unredacted NHS number",
        "in a title, label or legend: unredacted telephone",
        "in a title, label or legend: unredacted postcode",
    ]:
        assert place in res.stderr, (place, res.stderr)
    for raw in ("bloggs", "7946", "476 5919", "4AP", "jane dot", "023 2137"):
        assert raw not in res.stderr  # every identifier masked in the message
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


@pytest.mark.slow
def test_register_contact_names_are_found_with_apostrophes_and_accents_folded(
    tmp_path, example_copy
):
    register = example_copy / "register.csv"
    lines = register.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",Sean O'Brien"
    lines[2] = lines[2].rsplit(",", 1)[0] + ",Zoë Hartley"
    register.write_text("\n".join(lines) + "\n")
    nb = write_notebook(
        tmp_path / "quotes.ipynb",
        "data_dir: str = None  # the data",
        "import pandas as pd\nimport aeeval as ae\n"
        "reg = ae.read_table(f'{data_dir}/register.csv', 'register')\n"
        "ae.show(pd.DataFrame({'theme': ['Leadership', 'Support'], 'quote': ["
        "'O\u2019Brien pushed it through', 'Zoe helped us'], 'lead': [reg['contact_name'][3], '']}),"
        " name='quotes', title='Quotes', rule='none')",
    )
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "-p", "data_dir", example_copy, "--out", out, "--format", "html")
    assert res.returncode == 1, res.stderr
    third = lines[4].rsplit(",", 1)[1]
    for place in [
        "row 1 (theme=Leadership), column 'quote': unredacted name O",
        "row 2 (theme=Support, lead=), column 'quote': unredacted name Z",
        "row 1 (theme=Leadership), column 'lead': unredacted name",
    ]:
        assert place in res.stderr, res.stderr
    for name in ("Brien", "Zoe", "Zoë", third.split()[0], third.split()[-1]):
        assert name not in res.stderr
    assert not out.exists()


@pytest.mark.slow
def test_names_list_and_safe_images_from_the_command_line(tmp_path):
    (tmp_path / "names.txt").write_text("Priya Raman\n")
    cells = [
        "import matplotlib.pyplot as plt\nimport aeeval as ae\nfig, ax = plt.subplots()\n"
        "ax.plot([1, 2])\nfig.savefig('logo.png')\nplt.close(fig)\n"
        "ae.safe_image('logo.png', reason='programme logo: no people, no text')",
        "#md In 2019/2020, 84.3% of staff (12 of 30 wards) took part; see www.nhs.uk.",
    ]
    nb = write_notebook(tmp_path / "ok.ipynb", "x: int = 1  # unused", *cells)
    res = aeeval_cli("run", nb, "--out", tmp_path / "ok", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    executed = nbformat.read(tmp_path / "ok" / "executed.ipynb", as_version=4)
    declared = [
        o["metadata"][SAFE_IMAGE]
        for c in executed.cells
        for o in c.get("outputs", [])
        if SAFE_IMAGE in o.get("metadata", {})
    ]
    assert declared == [{"reason": "programme logo: no people, no text", "file": "logo.png"}]
    nb = write_notebook(
        tmp_path / "thanks.ipynb",
        "x: int = 1  # unused",
        "#md With thanks to PRIYA RAMAN for the interviews.",
    )
    res = aeeval_cli(
        "run", nb, "--names", tmp_path / "names.txt", "--out", tmp_path / "t", "--format", "html"
    )
    assert res.returncode == 1 and "unredacted name P" in res.stderr and "RAMAN" not in res.stderr
    res = aeeval_cli("run", nb, "--names", tmp_path / "none.txt", "--out", tmp_path / "t")
    assert res.returncode == 1 and "none.txt" in res.stderr and "Traceback" not in res.stderr


def test_safe_image_needs_a_reason():
    from aeeval.publish.figures import safe_image

    with pytest.raises(ValueError, match="needs a reason"):
        safe_image("logo.png", reason=" ")


@pytest.mark.slow
def test_the_demo_reports_still_pass_the_gate(tmp_path):
    config = (NOTEBOOKS / "demo.yml").read_text()
    config = config.replace("output_dir: ../reports/demo", f"output_dir: {tmp_path / 'demo'}")
    config = re.sub(r"notebook: (\S+)", lambda m: f"notebook: {NOTEBOOKS / m.group(1)}", config)
    (tmp_path / "demo.yml").write_text(config)
    res = aeeval_cli("build", tmp_path / "demo.yml", "-j", "2", "-q")
    assert res.returncode == 0, res.stdout + res.stderr
    built = sorted(
        p.parent.relative_to(tmp_path / "demo").as_posix()
        for p in (tmp_path / "demo").rglob("manifest.json")
    )
    assert len(built) == 9 and "evaluation/cohort-2" in built
    names, _ = register_names([EXAMPLES / "register.csv"])
    for folder in (tmp_path / "demo").rglob("manifest.json"):
        html = (folder.parent / "report.html").read_text()
        assert not any(n in html for n in names)  # no contact in any published report
    shutil.rmtree(tmp_path / "demo")


def test_json_of_a_published_figures_document_round_trips_through_check_value():
    doc = json.loads(json.dumps({"a": [1.5, {"b": "ok"}], "c": None}))
    assert check_value(doc, "figures.json") == []


@pytest.mark.slow
def test_a_build_configs_names_list_reaches_the_gate_of_every_report(tmp_path):
    (tmp_path / "people.txt").write_text("Priya Raman\n")
    write_notebook(
        tmp_path / "thanks.ipynb", "x: int = 1  # unused", "#md With thanks to Priya Raman."
    )
    (tmp_path / "b.yml").write_text(
        "names: people.txt\noutput_dir: out\nformats: [html]\n"
        "reports:\n  - notebook: thanks.ipynb\n"
    )
    res = aeeval_cli("build", tmp_path / "b.yml", "-j", "1", "-q")
    assert res.returncode == 1 and "unredacted name P" in res.stderr, res.stdout + res.stderr
    assert "Raman" not in res.stderr + res.stdout and not (tmp_path / "out" / "thanks").exists()


@pytest.mark.slow
def test_manifest_is_read_by_the_gate_and_names_the_notebook_once(tmp_path):
    # The manifest is published too: a parameter holding an e-mail address (here one the
    # notebook never shows) stops the report; papermill's copy of the notebook and the temporary
    # work folder are not left in executed.ipynb.
    nb = write_notebook(tmp_path / "p.ipynb", 'who: str = ""  # never shown', "x = 1")
    out = tmp_path / "out"
    res = aeeval_cli("run", nb, "-p", "who", EMAIL, "--out", out, "--format", "html")
    assert res.returncode == 1, res.stderr
    assert "manifest.json, key 'parameters', key 'who': unredacted e-mail" in res.stderr, res.stderr
    res = aeeval_cli("run", nb, "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    meta = nbformat.read(out / "executed.ipynb", as_version=4).metadata["papermill"]
    assert meta["output_path"] == "executed.ipynb" and meta["input_path"].endswith("p.ipynb")
    assert "kernel.log" not in json.loads((out / "manifest.json").read_text())["outputs"]
