"""Print HTML reports to PDF with a headless Chromium found on this machine, and read them back.

playwright drives the browser through ``launch(executable_path=…)``, pointed at a system Chromium
(``AEEVAL_CHROMIUM``, then ``PATH``) or, failing that, one that playwright itself installed.
Nothing is downloaded at run time: ``playwright install`` cannot work offline. poppler's
``pdftotext`` reads each PDF back for the disclosure gate.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from ..errors import AeevalError

__all__ = [
    "BackgroundBrowser",
    "BrowserError",
    "Browser",
    "find_chromium",
    "find_pdftotext",
    "pdf_text",
    "pdftotext_version",
]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Flags for a closed network and a root user: no sandbox (root), no background fetches.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--font-render-hinting=none",
]
FOOTER = (
    "<div style=\"width:100%;font-size:8px;font-family:'DejaVu Sans',sans-serif;color:#425563;"
    'padding:0 16mm;display:flex;justify-content:space-between;">'
    '<span>{title}</span><span>Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)


class BrowserError(AeevalError, RuntimeError):
    """Chromium (which prints the PDF) or pdftotext (which reads it back) is missing or failed;
    the message says what to install or set."""


def find_chromium() -> str:
    """Path of the Chromium used to print PDFs.

    Looked for in order: the ``AEEVAL_CHROMIUM`` setting (environment variable), ``PATH``
    (``chromium``, ``chromium-browser``, ``google-chrome`` …), then a browser that playwright
    itself installed. Raises :class:`BrowserError` with install advice when there is none.
    """
    setting = os.environ.get("AEEVAL_CHROMIUM")
    if setting:
        if Path(setting).is_file() and os.access(setting, os.X_OK):
            return setting
        raise BrowserError(
            f"AEEVAL_CHROMIUM is set to {setting!r}, which is not an executable file"
        )
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            managed = p.chromium.executable_path
        if managed and Path(managed).exists():
            return managed
    except Exception:  # playwright missing or its driver failing: fall through to the advice
        pass
    raise BrowserError(
        "no Chromium found to print the PDF. On Debian/Ubuntu: sudo apt-get install chromium; "
        "on macOS/Windows install Google Chrome; or set AEEVAL_CHROMIUM=/path/to/chrome. "
        "(HTML reports need no browser: use --format html.)"
    )


class Browser:
    """One headless Chromium that prints any number of HTML files to PDF.

    Use as a context manager; reuse one instance for a batch of reports.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder, Browser() as browser:
    ...     html, pdf = Path(folder, "report.html"), Path(folder, "report.pdf")
    ...     _ = html.write_text("<h1>Cohort 1</h1>", encoding="utf-8")
    ...     browser.print_pdf(html, pdf, title="Cohort 1")
    ...     pdf.read_bytes()[:5]
    b'%PDF-'
    """

    def __init__(self, executable: str | None = None):
        self.executable = executable or find_chromium()
        self._pw = None
        self._browser = None
        self._page = None

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_ARGS, headless=True
            )
            self._print_page()  # ready before the first report needs it
        except Exception as exc:
            self.__exit__(None, None, None)
            raise BrowserError(f"could not start Chromium at {self.executable}: {exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._browser = self._pw = self._page = None

    @property
    def version(self) -> str | None:
        """The running browser's version (e.g. ``"156.0.8078.73"``), for manifests."""
        return self._browser.version if self._browser is not None else None

    def _print_page(self):
        """The one page every report is printed from, in a browser context of its own.

        A page (and its renderer process) is made once per browser, not once per report: 20
        reports printed 3.8 s wall and 5.9 CPU-s this way against 9.0 s and 17.2 CPU-s with a new
        page each (benchmarks/README.md). Between reports the page holds ``about:blank``, so a
        report whose load fails cannot print the one before it; a page that failed is replaced.
        Reports are self-contained: any request that is not a local file is refused.
        """
        if self._page is None or self._page.is_closed():
            context = self._browser.new_context()
            page = context.new_page()
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("file:", "data:"))
                    else route.abort()
                ),
            )
            page.emulate_media(media="print")
            self._page = page
        return self._page

    def print_pdf(self, html_path: Path, pdf_path: Path, *, title: str = "") -> None:
        """Print ``html_path`` to an A4 PDF at ``pdf_path`` with "Page n of N" footers.

        The PDF is tagged (its headings, tables and figures' alternative text reach screen
        readers) and has an outline of the headings for navigation.
        """
        page = self._print_page()
        uri = Path(html_path).resolve().as_uri()
        try:
            page.goto(uri, wait_until="load")
            if unquote(page.url) != unquote(uri):  # never print whatever else the page holds
                raise BrowserError(f"Chromium loaded {page.url} instead of {uri}")
            page.pdf(
                path=str(pdf_path),
                format="A4",
                print_background=True,
                tagged=True,
                outline=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER.format(title=html.escape(title, quote=True)),
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
        except BaseException:
            self._drop_page(page)  # a fresh page for the next report
            raise
        try:
            page.goto("about:blank")  # the next report starts from an empty page
        except Exception:  # the PDF is written: a page that cannot be blanked is replaced instead
            self._drop_page(page)

    def _drop_page(self, page) -> None:
        self._page = None
        try:
            page.context.close()
        except Exception:  # a crashed page's context may be gone already
            pass


class BackgroundBrowser:
    """A :class:`Browser` that starts in a thread of its own, so Chromium launches while the caller
    works (``aeeval run``: while the notebook runs), and that prints like a :class:`Browser`.

    playwright's sync API belongs to the thread that started it, so every call is handed to that
    one thread. A browser that fails to start raises :class:`BrowserError` when first used.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder, BackgroundBrowser() as browser:
    ...     html, pdf = Path(folder, "report.html"), Path(folder, "report.pdf")
    ...     _ = html.write_text("<h1>Cohort 1</h1>", encoding="utf-8")  # Chromium starts meanwhile
    ...     browser.print_pdf(html, pdf, title="Cohort 1")
    ...     pdf.read_bytes()[:5]
    b'%PDF-'
    """

    def __init__(self, executable: str | None = None):
        from concurrent.futures import ThreadPoolExecutor

        self._browser = Browser(executable)  # finds Chromium now: a missing one fails at once
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aeeval-browser")
        self._started = self._thread.submit(self._browser.__enter__)

    def __enter__(self) -> BackgroundBrowser:
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._started.exception() is None:  # waits for the start to finish
                self._thread.submit(self._browser.__exit__, None, None, None).result()
        finally:
            self._thread.shutdown()

    def _call(self, fn, *args, **kwargs):
        self._started.result()
        return self._thread.submit(fn, *args, **kwargs).result()

    @property
    def version(self) -> str | None:
        """The running browser's version, as :attr:`Browser.version`."""
        return self._call(lambda: self._browser.version)

    def print_pdf(self, html_path: Path, pdf_path: Path, *, title: str = "") -> None:
        """As :meth:`Browser.print_pdf`, in the browser's thread."""
        self._call(self._browser.print_pdf, html_path, pdf_path, title=title)


def find_pdftotext() -> str:
    """Path of poppler's ``pdftotext``, or :class:`BrowserError` with install advice."""
    found = shutil.which("pdftotext")
    if found:
        return found
    raise BrowserError(
        "pdftotext (poppler) not found: it reads each PDF back for the disclosure gate. On "
        "Debian/Ubuntu: sudo apt-get install poppler-utils; macOS: brew install poppler; conda: "
        "conda install -c conda-forge poppler. (HTML reports need neither: use --format html.)"
    )


@lru_cache(maxsize=1)
def pdftotext_version() -> str:
    """``pdftotext``'s version line (e.g. ``"pdftotext version 22.12.0"``), for manifests."""
    res = subprocess.run([find_pdftotext(), "-v"], capture_output=True, text=True)
    return next(
        (line.strip() for line in (res.stderr + res.stdout).splitlines() if line.strip()), ""
    )


def pdf_text(path: Path) -> list[str]:
    """The text of each page of a PDF as ``pdftotext -layout`` reads it, for checks before publishing.

    Layout mode keeps the gaps between table columns, so numbers in neighbouring cells are not
    read as one number (plain extraction turned "2018 30 0 25956" into a valid NHS number). The
    tests read every report the same way. Raises :class:`BrowserError` when pdftotext is missing
    or cannot read the file.
    """
    res = subprocess.run(
        [find_pdftotext(), "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True
    )
    if res.returncode != 0:
        raise BrowserError(
            f"pdftotext could not read {path}: {res.stderr.decode('utf-8', 'replace').strip()}"
        )
    pages = res.stdout.decode("utf-8").split("\f")  # every page ends with a form feed
    return pages[:-1] if pages[-1] == "" else pages
