"""Which Chromium prints the PDF: the AEEVAL_CHROMIUM setting, then PATH, then a browser that
playwright installed — and clear advice, never a download, when there is none."""

import stat

import pytest
from playwright.sync_api import Error as PlaywrightError

from aeeval.publish.browser import Browser, BrowserError, find_chromium, pdf_text


def _fake_browser(folder, name="chromium"):
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_setting_comes_first(tmp_path, monkeypatch):
    browser = _fake_browser(tmp_path, "my-chrome")
    monkeypatch.setenv("AEEVAL_CHROMIUM", str(browser))
    assert find_chromium() == str(browser)


def test_setting_that_is_not_an_executable_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AEEVAL_CHROMIUM", str(tmp_path / "missing-chrome"))
    with pytest.raises(BrowserError, match="AEEVAL_CHROMIUM"):
        find_chromium()


def test_path_is_searched_without_a_setting(tmp_path, monkeypatch):
    browser = _fake_browser(tmp_path, "chromium-browser")
    monkeypatch.delenv("AEEVAL_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == str(browser)


def test_no_browser_gives_install_advice_and_downloads_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("AEEVAL_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on PATH
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))  # and none from playwright
    with pytest.raises(BrowserError, match="apt-get install chromium") as info:
        find_chromium()
    assert "AEEVAL_CHROMIUM" in str(info.value)
    assert not (tmp_path / "pw").exists(), "something was downloaded"


@pytest.mark.slow
def test_background_browser_prints_from_its_own_thread(tmp_path):
    import subprocess
    import threading

    from aeeval.publish.browser import BackgroundBrowser

    html = tmp_path / "r.html"
    html.write_text("<html><body><h1>Started while the notebook ran</h1></body></html>")
    with BackgroundBrowser() as browser:
        assert threading.active_count() >= 2  # the browser's thread is working meanwhile
        browser.print_pdf(html, tmp_path / "r.pdf", title="T")
        assert browser.version
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Started while the notebook ran" in text
    assert not [t for t in threading.enumerate() if t.name.startswith("aeeval-browser")]


@pytest.mark.slow
def test_background_browser_that_cannot_start_fails_when_used_and_closes(tmp_path):
    from aeeval.publish.browser import BackgroundBrowser

    broken = _fake_browser(tmp_path, "broken-chrome")  # exits at once: playwright cannot connect
    with BackgroundBrowser(str(broken)) as browser:
        with pytest.raises(BrowserError, match="could not start Chromium"):
            browser.print_pdf(tmp_path / "r.html", tmp_path / "r.pdf")


def test_one_page_prints_each_report_and_never_the_one_before(tmp_path):
    # The print page is reused between reports (issue 18): each PDF holds its own report only,
    # a report that cannot be loaded fails rather than printing the previous one, and the page
    # is replaced after a failure. Folder names with spaces and non-ASCII letters load too.
    folder = tmp_path / "Cohort ünï (2)"
    folder.mkdir()
    for name, words in (("a", "Alpha cohort words"), ("b", "Bravo cohort words")):
        (folder / f"{name}.html").write_text(f"<h1>{words}</h1>", encoding="utf-8")
    with Browser() as browser:
        browser.print_pdf(folder / "a.html", folder / "a.pdf", title="A")
        with pytest.raises(PlaywrightError, match="ERR_FILE_NOT_FOUND"):
            browser.print_pdf(folder / "missing.html", folder / "missing.pdf", title="M")
        assert not (folder / "missing.pdf").exists()
        browser.print_pdf(folder / "b.html", folder / "b.pdf", title="B")
    a, b = (" ".join(pdf_text(folder / f"{n}.pdf")) for n in "ab")
    assert "Alpha cohort words" in a and "Bravo" not in a
    assert "Bravo cohort words" in b and "Alpha" not in b
