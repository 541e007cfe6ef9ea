"""Execute a parameterised notebook and publish it as a PDF and HTML report.

Route: papermill executes the notebook in a real kernel → nbconvert exports HTML with the project
template (no code, A4 print styles, no network) → a system Chromium, driven by playwright's
``launch(executable_path=…)``, prints the HTML to PDF. Nothing is downloaded at run time.
Outputs are built in a temporary folder beside the destination and moved into place only when
every step has succeeded, so a failed run never replaces a good report.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from .paths import REPORTS, TEMPLATES

__all__ = ["ReportError", "find_chromium", "Browser", "execute_notebook", "export_html",
           "run_report", "notebook_parameters"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Flags for a closed network and a root user: no sandbox (root), no background fetches.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--font-render-hinting=none"]
FOOTER = ('<div style="width:100%;font-size:8px;font-family:\'DejaVu Sans\',sans-serif;color:#425563;'
          'padding:0 16mm;display:flex;justify-content:space-between;">'
          '<span>{title}</span><span>Page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></span></div>')


class ReportError(RuntimeError):
    """A report could not be built; the message says which step and why."""


def find_chromium() -> str:
    """Path of the Chromium used to print PDFs.

    Looked for in order: the ``AEEVAL_CHROMIUM`` setting (environment variable), ``PATH``
    (``chromium``, ``chromium-browser``, ``google-chrome`` …), then a browser that playwright
    itself installed. Raises :class:`ReportError` with install advice when there is none.
    """
    setting = os.environ.get("AEEVAL_CHROMIUM")
    if setting:
        if Path(setting).is_file() and os.access(setting, os.X_OK):
            return setting
        raise ReportError(f"AEEVAL_CHROMIUM is set to {setting!r}, which is not an executable file")
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
    raise ReportError(
        "no Chromium found to print the PDF. On Debian/Ubuntu: sudo apt-get install chromium; "
        "on macOS/Windows install Google Chrome; or set AEEVAL_CHROMIUM=/path/to/chrome. "
        "(HTML reports need no browser: use --format html.)")


class Browser:
    """One headless Chromium that prints any number of HTML files to PDF.

    Use as a context manager; reuse one instance for a batch of reports.
    """

    def __init__(self, executable: str | None = None):
        self.executable = executable or find_chromium()
        self._pw = None
        self._browser = None

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=self.executable,
                                                     args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:
            self._pw.stop()
            raise ReportError(f"could not start Chromium at {self.executable}: {exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()

    def print_pdf(self, html_path: Path, pdf_path: Path, *, title: str = "") -> None:
        page = self._browser.new_page()
        try:
            # Reports are self-contained: refuse any request that is not a local file.
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                ("file:", "data:")) else route.abort())
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.emulate_media(media="print")
            page.pdf(path=str(pdf_path), format="A4", print_background=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template=FOOTER.format(title=_escape(title)),
                     margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        finally:
            page.close()


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def notebook_parameters(notebook: Path) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell: name → papermill info."""
    import papermill as pm

    return {p["name"]: p for p in pm.inspect_notebook(str(notebook)).values()}


def execute_notebook(notebook: Path, parameters: dict, output: Path, *, cwd: Path | None = None,
                     kernel_name: str | None = None) -> None:
    """Run ``notebook`` with ``parameters`` through papermill into ``output``.

    Unknown parameters are an error (papermill would only warn). A failing cell raises
    :class:`ReportError` naming the notebook, the cell and the exception; the executed notebook
    is still written to ``output`` for inspection.
    """
    import papermill as pm

    notebook = Path(notebook)
    if not notebook.is_file():
        raise ReportError(f"notebook {notebook} does not exist")
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ReportError(f"{notebook}: unknown parameter(s) {', '.join(unknown)}; the notebook "
                          f"declares: {', '.join(declared) or '(none)'}")
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=parameters,
                            cwd=str(cwd or Path.cwd()), kernel_name=kernel_name,
                            progress_bar=False, log_output=False)
    except pm.PapermillExecutionError as exc:
        raise ReportError(
            f"{notebook}: cell {exc.exec_count} raised {exc.ename}: {exc.evalue} "
            f"(executed notebook kept at {output})") from None


def export_html(executed: Path, *, title: str, subtitle: str = "", date: str | None = None) -> str:
    """Export an executed notebook to self-contained HTML with the project's report template."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    exporter = HTMLExporter(template_name="aeeval_report", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    resources = {"aeeval": {"title": title, "subtitle": subtitle,
                            "date": date or dt.date.today().strftime("%d %B %Y")}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def _title(notebook: Path, parameters: dict) -> tuple[str, str]:
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    title = nb.metadata.get("aeeval", {}).get("title") or notebook.stem.replace("-", " ").title()
    scope = parameters.get("cohort")
    subtitle = f"Cohort {scope}" if scope not in (None, "") else "Whole programme"
    return title, subtitle


def run_report(notebook: Path, parameters: dict | None = None, *, out: Path | None = None,
               formats=("pdf", "html"), browser: Browser | None = None) -> Path:
    """Execute ``notebook`` and write ``report.pdf`` / ``report.html`` into ``out`` atomically.

    The executed notebook is saved beside them as ``executed.ipynb``. If any step fails, the
    previous contents of ``out`` are left untouched and a :class:`ReportError` is raised; the
    failed executed notebook is kept in ``<out>.failed/`` for inspection.
    """
    notebook = Path(notebook)
    parameters = dict(parameters or {})
    formats = [f.strip().lower() for f in formats]
    bad = sorted(set(formats) - {"pdf", "html"})
    if bad or not formats:
        raise ReportError(f"unknown format(s) {bad}: choose pdf and/or html")
    out = Path(out) if out is not None else REPORTS / notebook.stem
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        executed = work / "executed.ipynb"
        try:
            execute_notebook(notebook, parameters, executed)
        except ReportError:
            failed = out.with_name(out.name + ".failed")
            shutil.rmtree(failed, ignore_errors=True)
            if executed.exists():
                failed.mkdir()
                shutil.copy2(executed, failed / "executed.ipynb")
            raise
        title, subtitle = _title(notebook, parameters)
        html_path = work / "report.html"
        html_path.write_text(export_html(executed, title=title, subtitle=subtitle), encoding="utf-8")
        if "pdf" in formats:
            if browser is None:
                with Browser() as own:
                    own.print_pdf(html_path, work / "report.pdf", title=title)
            else:
                browser.print_pdf(html_path, work / "report.pdf", title=title)
        if "html" not in formats:
            html_path.unlink()
        _replace_dir(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _replace_dir(new: Path, dest: Path) -> None:
    """Move a finished folder into place; the old one is removed only after the swap."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
    try:
        new.rename(dest)
    except OSError:
        if old is not None:
            old.rename(dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
