"""Nothing a table holds is lost from the PDF: every word of every HTML table cell of every demo
report is in the PDF's text, as pdftotext -layout reads it (the disclosure gate's reading)."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from conftest import aeeval_cli

from aeeval.publish.browser import pdf_text

#: The reports of notebooks/demo.yml (the bundled "demo" config), by folder.
DEMO_REPORTS = [
    "evaluation/cohort-1",
    "evaluation/cohort-2",
    "evaluation/cohort-3",
    "evaluation/cohort-4",
    "evaluation/programme",
    "survey-outcomes",
    "interviews",
    "staff-survey-q22c",
    "qi-measures",
]


class _Cells(HTMLParser):
    """The text of every table cell (``td``, ``th``) of an HTML document."""

    def __init__(self):
        super().__init__()
        self.cells, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def words(text: str) -> list[str]:
    """Words as a reader reads them: white space of any kind and soft hyphens do not count, and
    a word may wrap after a hyphen or a slash (both sides are read as pieces)."""
    return [w for w in re.split(r"[\s\-/\u2010\u2011]+", text.replace("\u00ad", "")) if w]


def lost_words(html: str, pages: list[str]) -> Counter:
    """Words of the HTML's table cells that the PDF's text holds fewer times than the tables."""
    parser = _Cells()
    parser.feed(html)
    in_tables = Counter(w for cell in parser.cells for w in words(cell))
    in_pdf = Counter(words(" ".join(pages)))
    return Counter({w: n - in_pdf[w] for w, n in in_tables.items() if n > in_pdf[w]})


def test_lost_words_are_found():
    """The check itself: a cut cell is reported, a wrapped or hyphen-broken one is not."""
    html = "<table><tr><th>Segments</th><td>protected time</td><td>Open-Ended</td></tr></table>"
    assert lost_words(html, ["Segm", "protected\n  time Open-\nEnded"]) == Counter({"Segments": 1})
    assert lost_words(html, ["Segments protected time Open-Ended"]) == Counter()
    twice = "<table><tr><td>12</td><td>12</td></tr></table>"
    assert lost_words(twice, ["12"]) == Counter({"12": 1})  # each cell counts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("demo")
    res = aeeval_cli("build", "demo", "--jobs", "2", "--quiet", cwd=cwd)
    assert res.returncode == 0, res.stdout + res.stderr
    return cwd / "reports" / "demo"


@pytest.mark.slow
@pytest.mark.parametrize("report", DEMO_REPORTS)
def test_every_table_word_reaches_the_pdf(demo, report):
    folder = demo / report
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<td" in html
    assert lost_words(html, pdf_text(folder / "report.pdf")) == Counter()


@pytest.mark.slow
def test_interview_codes_are_printed_as_words(demo):
    text = " ".join(pdf_text(demo / "interviews" / "report.pdf"))
    themes = text[text.index("Themes and codes") : text.index("Framework matrix")]
    assert "Protected time" in themes and "protected_time" not in themes
    assert "Segments" in themes  # the table's last column, cut off the page before
    quotes = text[text.index("Selected quotes by theme") :]
    assert "Protected time" in quotes and "protected_time" not in quotes
