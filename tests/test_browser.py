"""Which Chromium prints the PDF: the AEEVAL_CHROMIUM setting, then PATH, then the installers'
places — and clear advice, never a download, when there is none. And aeeval's own DevTools client
(a pipe to a real Chromium): local files only, no hang when Chromium dies, nothing left behind."""

import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest

from aeeval.publish.browser import (
    Browser,
    BrowserError,
    BrowserStoppedError,
    find_chromium,
    pdf_text,
)


def _fake_browser(folder, name="chromium"):
    folder.mkdir(parents=True, exist_ok=True)
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
    monkeypatch.setattr("aeeval.publish.browser.CHROMIUM_PLACES", ())  # none installed elsewhere
    before = set(tmp_path.iterdir())
    with pytest.raises(BrowserError, match="apt-get install chromium") as info:
        find_chromium()
    assert "AEEVAL_CHROMIUM" in str(info.value)
    assert set(tmp_path.iterdir()) == before, "something was downloaded"


def test_an_installers_place_is_used_when_path_has_none(tmp_path, monkeypatch):
    browser = _fake_browser(tmp_path / "Google Chrome.app", "Google Chrome")
    monkeypatch.delenv("AEEVAL_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(
        "aeeval.publish.browser.CHROMIUM_PLACES", (str(tmp_path / "no"), str(browser))
    )
    assert find_chromium() == str(browser)


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

    broken = _fake_browser(tmp_path, "broken-chrome")  # exits at once: its pipe closes unanswered
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
        with pytest.raises(BrowserError, match="ERR_FILE_NOT_FOUND") as info:
            browser.print_pdf(folder / "missing.html", folder / "missing.pdf", title="M")
        assert "missing.html" in str(info.value)
        assert not (folder / "missing.pdf").exists()
        browser.print_pdf(folder / "b.html", folder / "b.pdf", title="B")
    a, b = (" ".join(pdf_text(folder / f"{n}.pdf")) for n in "ab")
    assert "Alpha cohort words" in a and "Bravo" not in a
    assert "Bravo cohort words" in b and "Alpha" not in b


def _profiles():
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob("aeeval-chromium-*")}


@pytest.mark.slow
def test_remote_requests_are_refused_and_the_report_still_prints(tmp_path):
    # Reports are self-contained: an image and a fetch() from the network are refused (the page
    # sees the failure), local images load, and the PDF is printed.
    (tmp_path / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" '
        'height="10"/></svg>'
    )
    (tmp_path / "r.html").write_text(
        "<h1>Self-contained report</h1>"
        '<img id="remote" src="http://example.invalid/x.png">'
        '<img id="local" src="dot.svg">'
        "<p id='out'></p><script>"
        "const out = document.getElementById('out');"
        "document.getElementById('remote').onerror = () => out.append(' remote image refused');"
        "document.getElementById('local').onload = () => out.append(' local image loaded');"
        "fetch('https://example.invalid/data.json').then(() => out.append(' fetched'),"
        " () => out.append(' fetch refused'));"
        "</script>"
    )
    with Browser() as browser:
        browser.print_pdf(tmp_path / "r.html", tmp_path / "r.pdf", title="R")
    text = " ".join(pdf_text(tmp_path / "r.pdf"))
    assert "Self-contained report" in text
    assert "remote image refused" in text and "local image loaded" in text
    assert "fetch refused" in text and "fetched" not in text


@pytest.mark.slow
def test_chromium_killed_mid_batch_fails_the_next_print_promptly(tmp_path):
    (tmp_path / "r.html").write_text("<h1>Report</h1>")
    before = _profiles()
    browser = Browser().__enter__()
    try:
        browser.print_pdf(tmp_path / "r.html", tmp_path / "1.pdf")
        os.kill(browser.pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(BrowserStoppedError, match="killed by signal 9"):
            browser.print_pdf(tmp_path / "r.html", tmp_path / "2.pdf")
        assert time.monotonic() - started < 5, "the print waited for a dead browser"
        assert not (tmp_path / "2.pdf").exists()
    finally:
        started = time.monotonic()
        browser.__exit__(None, None, None)
        assert time.monotonic() - started < 5
    assert _profiles() == before, "the profile folder was left behind"
    assert not [t for t in threading.enumerate() if t.name.startswith("aeeval-browser")]


@pytest.mark.slow
def test_a_browser_that_exits_at_once_cannot_start(tmp_path):
    broken = _fake_browser(tmp_path, "broken-chrome")
    before = _profiles()
    with pytest.raises(BrowserError, match="could not start Chromium.*exited with code 0"):
        with Browser(str(broken)):
            pass
    assert _profiles() == before


@pytest.mark.slow
def test_closing_leaves_no_profile_process_or_thread_and_keeps_the_parents_fds(tmp_path):
    # fds 3 and 4 are Chromium's pipe ends in Chromium only: the parent's own fds 3 and 4 (here
    # two files opened before the browser) are neither replaced nor closed.
    before = _profiles()
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(3)]
    try:
        kept = {fd: os.fstat(fd) for fd in (3, 4) if _is_open(fd)}
        with Browser() as browser:
            pid = browser.pid
            assert _profiles() - before, "Chromium runs without a profile folder of its own"
            with open(f"/proc/{pid}/cmdline", "rb") as cmd:
                assert b"--remote-debugging-pipe" in cmd.read()
            assert os.readlink(f"/proc/{pid}/fd/3").startswith("pipe:")
            assert os.readlink(f"/proc/{pid}/fd/4").startswith("pipe:")
        assert {fd: os.fstat(fd) for fd in (3, 4) if _is_open(fd)} == kept
        assert kept, "fds 3 and 4 were not open in the parent"
    finally:
        for fd in held:
            os.close(fd)
    assert _profiles() == before
    assert not Path(f"/proc/{pid}").exists(), "Chromium still runs after close"
    assert not [t for t in threading.enumerate() if t.name.startswith("aeeval-browser")]


def _is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@pytest.mark.slow
def test_a_killed_aeeval_leaves_no_chromium_and_its_profile_is_removed_later(tmp_path):
    # SIGKILL gives aeeval no chance to close Chromium: Chromium stops by itself when its pipe
    # closes, and the next browser removes the profile folder the killed process left.
    import subprocess
    import sys

    code = (
        "import os, signal\n"
        "from aeeval.publish.browser import Browser\n"
        "b = Browser().__enter__()\n"
        "print(os.getpid(), b.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == -signal.SIGKILL, res.stderr
    owner, chromium = res.stdout.split()
    deadline = time.monotonic() + 10
    while _alive(int(chromium)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(int(chromium)), "Chromium outlived the aeeval that started it"
    left = {name for name in _profiles() if name.split("-")[2] == owner}
    assert left, "the killed process left no profile folder: nothing to test"
    with Browser():
        pass
    assert not left & _profiles()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_a_page_that_crashes_fails_its_report_at_once_and_is_replaced(tmp_path):
    # A report whose page crashes while it loads (its renderer killed; the page never finishes
    # loading) fails at once, not after the 60 s timeout; a page that crashed between reports is
    # replaced before the next one; each following report prints from a new page.
    (tmp_path / "hang.html").write_text("<h1>Never loads</h1><script>while (true) {}</script>")
    (tmp_path / "r.html").write_text("<h1>Printed after a crash</h1>")
    with Browser() as browser:
        browser.print_pdf(tmp_path / "r.html", tmp_path / "1.pdf")
        killer = threading.Timer(1.0, _kill_renderers, (browser.pid,))
        killer.start()
        started = time.monotonic()
        with pytest.raises(BrowserStoppedError, match="crashed"):
            browser.print_pdf(tmp_path / "hang.html", tmp_path / "2.pdf")
        assert time.monotonic() - started < 6, "the print waited for a crashed page"
        killer.join()
        assert not (tmp_path / "2.pdf").exists()
        browser.print_pdf(tmp_path / "r.html", tmp_path / "3.pdf")
        assert _kill_renderers(browser.pid), "no renderer process found to crash"
        time.sleep(0.5)  # Chromium notices the crash between reports
        browser.print_pdf(tmp_path / "r.html", tmp_path / "4.pdf")
    for n in (3, 4):
        assert "Printed after a crash" in pdf_text(tmp_path / f"{n}.pdf")[0]


def _kill_renderers(pgid):
    renderers = [pid for pid in _group(pgid) if b"--type=renderer" in _cmdline(pid)]
    for pid in renderers:
        os.kill(pid, signal.SIGKILL)
    return renderers


def _group(pgid):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) == pgid:
                found.append(int(pid))
        except OSError:
            continue
    return found


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmd:
            return cmd.read()
    except OSError:
        return b""


@pytest.mark.slow
def test_a_reports_scripts_see_the_viewport_they_saw_through_playwright(tmp_path):
    # playwright's documented default viewport is 1280 × 720 (BrowserType.launch → new_context,
    # "viewport: Defaults to an 1280x720 viewport") with a focused page; headless Chromium's own
    # window is 800 × 600. A script that sizes a chart at load must see the same as before.
    (tmp_path / "v.html").write_text(
        "<p id=o></p><script>document.getElementById('o').textContent = 'viewport ' + "
        "innerWidth + 'x' + innerHeight + ' screen ' + screen.width + 'x' + screen.height + "
        "' scale ' + devicePixelRatio + ' focus ' + document.hasFocus();</script>"
    )
    with Browser() as browser:
        browser.print_pdf(tmp_path / "v.html", tmp_path / "v.pdf")
    text = pdf_text(tmp_path / "v.pdf")[0]
    assert "viewport 1280x720 screen 1280x720 scale 1 focus true" in text


@pytest.mark.slow
def test_a_page_that_never_loads_times_out_and_the_next_report_prints(tmp_path, monkeypatch):
    # Every wait has a timeout (60 s; 2 s here): a report whose script never ends is reported
    # with what was waited for, and the next report prints from a new page.
    monkeypatch.setattr("aeeval.publish.browser.TIMEOUT", 2.0)
    (tmp_path / "hang.html").write_text("<h1>Never loads</h1><script>while (true) {}</script>")
    (tmp_path / "r.html").write_text("<h1>Printed after a stuck page</h1>")
    with Browser() as browser:
        started = time.monotonic()
        with pytest.raises(BrowserError, match=r"did not finish loading .*hang\.html within 2 s"):
            browser.print_pdf(tmp_path / "hang.html", tmp_path / "hang.pdf")
        assert time.monotonic() - started < 10
        assert not (tmp_path / "hang.pdf").exists()
        browser.print_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert "Printed after a stuck page" in pdf_text(tmp_path / "r.pdf")[0]
