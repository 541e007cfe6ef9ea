"""Which Chromium prints the PDF: the AEEVAL_CHROMIUM setting, then PATH, then a browser that
playwright installed — and clear advice, never a download, when there is none."""

import stat

import pytest

from aeeval.browser import BrowserError, find_chromium


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
    monkeypatch.setenv("PATH", str(tmp_path))                       # no browser on PATH
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))  # and none from playwright
    with pytest.raises(BrowserError, match="apt-get install chromium") as info:
        find_chromium()
    assert "AEEVAL_CHROMIUM" in str(info.value)
    assert not (tmp_path / "pw").exists(), "something was downloaded"
