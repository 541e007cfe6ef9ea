"""Execute a parameterised notebook and publish it as a report folder.

Route: papermill executes the notebook in a real kernel → the tables it showed are collected into
``figures.json`` (and the same tables into ``tables.xlsx``) → nbconvert exports HTML with the
project template (no code, A4 print styles, a
provenance appendix, no network) → one headless Chromium prints it to PDF → the disclosure gate
scans the tables, the text and the figures' text → ``manifest.json`` records inputs, parameters
and software → the folder is moved into place. Everything is built in a temporary folder beside
the destination, so a failed run never replaces a good report; a failed notebook is kept in
``<out>.failed/``. What may be replaced, the atomic swap, the lock and the cleaning of an
interrupted run's leftovers are :mod:`aeeval.publish.outdir`'s.

:func:`prepare` (execute, collect, export HTML) and :func:`publish` (PDF, gate, manifest, move)
are separate so that a batch can run many :func:`prepare` calls in worker processes while one
browser prints every PDF (:mod:`aeeval.publish.build`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path

from ..errors import AeevalError
from ..options import DEFAULT_MIN_BASE, check_min_base, parameter_min_base
from ..paths import TEMPLATES, reports_dir
from .browser import (
    BackgroundBrowser,
    Browser,
    BrowserError,
    BrowserStoppedError,
    pdf_text,
    pdftotext_version,
)
from .figures import (
    FiguresError,
    collect_figure_texts,
    dumps,
    figures_document,
    write_tables_workbook,
)
from .outdir import (
    MARKER,
    MARKER_KEY,
    WORK_OWNER,
    OutputError,
    check_apart,
    check_destination,
    die_with_parent,
    failed_folder,
    is_failed_folder,
    locked,
    make_work_folder,
    path_parameters,
    remove_folder,
    swap_into_place,
)
from .parameters import (
    ParameterError,
    check_parameters,
    declared_parameters,
    for_papermill,
    jsonable,
    use_date_translator,
)
from .provenance import (
    INPUTS_MIMETYPE,
    InputChangedError,
    describe_inputs,
    display_path,
    environment,
    file_sha256,
    verify_inputs,
)

__all__ = [
    "ReportError",
    "FORMATS",
    "Browser",
    "execute_notebook",
    "export_html",
    "check_output",
    "close_quietly",
    "prepare",
    "publish",
    "run_report",
    "notebook_parameters",
    "kernel_socket_folder",
]

FORMATS = ("pdf", "html")
INJECTED_TAG = "aeeval-injected"
_RECORD = (
    "# Injected by aeeval: note every data file this kernel reads, for manifest.json, and the\n"
    "# text of every figure shown, for the disclosure gate.\n"
    "import aeeval.publish.figures\nimport aeeval.publish.provenance\n"
    "aeeval.publish.provenance.record_inputs()\naeeval.publish.figures.record_figure_text()"
)
# gc.freeze() in the last injected cell: the kernel is shut down next, and without it its exit spent
# 0.5-0.9 s of CPU in final collections over every object of pandas, matplotlib, statsmodels ...
# (benchmarks/bench_cli.py, part C). gc.freeze() does not nest: a later gc.unfreeze() would thaw
# this freeze too, so nothing may run gc.unfreeze() after it. (The first cell froze as well; since
# `import aeeval` is lazy that cell loads little, and it measured no gain.)
_EMIT = (
    "# Injected by aeeval: hand the list of files read back to the report builder, then let the\n"
    "# kernel exit without a last garbage collection over every library it loaded.\n"
    "aeeval.publish.provenance.emit_inputs()\nimport gc\ngc.freeze()"
)


class ReportError(AeevalError, RuntimeError):
    """A report could not be built; the message says which notebook, which step and why.

    Structured fields, ``None`` when they do not apply: ``notebook`` (its path), ``cell`` (the
    execution count of the cell that failed, ``In [cell]`` in the executed notebook), ``ename``
    and ``evalue`` (the exception the cell raised, as papermill reports them) and ``findings``
    (the disclosure gate's findings, when the gate stopped the report).
    """

    def __init__(
        self,
        message: str,
        *,
        notebook=None,
        cell: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
        findings: list[str] | None = None,
    ):
        super().__init__(message)
        self.notebook = None if notebook is None else str(notebook)
        self.cell, self.ename, self.evalue = cell, ename, evalue
        self.findings = None if findings is None else list(findings)

    def fields(self) -> dict:
        """The structured fields as a dict (the message is ``str(error)``)."""
        return {
            "notebook": self.notebook,
            "cell": self.cell,
            "ename": self.ename,
            "evalue": self.evalue,
            "findings": self.findings,
        }


def notebook_parameters(notebook: Path) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell: name → papermill info."""
    try:
        return declared_parameters(notebook)
    except ParameterError as exc:
        raise ReportError(str(exc)) from None


def check_formats(formats) -> list[str]:
    """``formats`` as a clean list, or :class:`ReportError` naming what is not ``pdf``/``html``."""
    if isinstance(formats, str):
        formats = formats.split(",")
    formats = [str(f).strip().lower() for f in formats if str(f).strip()]
    bad = sorted(set(formats) - set(FORMATS))
    if bad or not formats:
        raise ReportError(
            f"unknown format(s) {', '.join(bad) or '(none given)'}: choose pdf and/or html"
        )
    return formats


def _with_recording(notebook: Path):
    """The notebook with a first and a last cell that record the files its kernel reads."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    meta = {"tags": [INJECTED_TAG]}
    nb.cells.insert(0, nbformat.v4.new_code_cell(_RECORD, metadata=meta))
    nb.cells.append(nbformat.v4.new_code_cell(_EMIT, metadata=meta))
    return nb


def _cell_label(source: str) -> str:
    first = next(
        (
            line.strip()
            for line in source.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ),
        "",
    )
    return first if len(first) <= 70 else first[:67] + "..."


#: How long the kernel manager waits between looks at a starting or stopping kernel (seconds);
#: jupyter_client waits 0.1-0.2 s (see ``_kernel_manager``).
READY_POLL = 0.01
# Longest socket path the kernel may bind: AF_UNIX allows 107 bytes on Linux, 103 on macOS.
IPC_PATH_MAX = 100


def kernel_socket_folder() -> str | None:
    """A new private folder for one kernel's sockets: in the temporary folder, or in ``/tmp`` when
    that path is too long for a socket (macOS's per-user ``TMPDIR`` can be). None where Unix
    sockets cannot serve: Windows without ipc in libzmq, or no short enough folder. The caller
    removes the folder (the kernel manager does when its kernel stops).

    Examples
    --------
    >>> import os
    >>> folder = kernel_socket_folder()
    >>> folder is None or os.path.basename(folder).startswith("aeeval-kernel-")
    True
    >>> if folder is not None:
    ...     os.rmdir(folder)
    """
    import tempfile

    import zmq

    if not zmq.has("ipc"):
        return None
    for parent in dict.fromkeys((tempfile.gettempdir(), "/tmp")):
        if len(os.path.join(parent, "aeeval-kernel-12345678", "kernel-65535")) > IPC_PATH_MAX:
            continue
        try:
            return tempfile.mkdtemp(prefix="aeeval-kernel-", dir=parent)
        except OSError:
            continue
    return None


def _kernel_manager(log):
    """The kernel manager papermill starts each kernel with.

    Its kernel talks over Unix sockets in a folder of its own where the platform allows: over TCP,
    jupyter_client picks five free ports, releases them and lets the kernel bind them, and a kernel
    started at the same moment by another process (``aeeval build --jobs 2``) can take the same
    port; that kernel then dies at start-up (papermill#511). With ``log`` (an open file) the kernel
    writes its own stdout/stderr there, not to the terminal: ipykernel's start-up warnings and
    shutdown messages are noise for a user, but worth keeping when a kernel dies. The kernel is
    killed when the process that started it dies (:func:`aeeval.publish.outdir.die_with_parent`): a
    killed ``aeeval run`` or batch worker leaves no kernel running. Unless ``AEEVAL_WARM_KERNELS=0``,
    the kernel is forked from this process's fork server (:mod:`aeeval.publish.forkserver`, through
    its kernel provisioner), which dies with this process and takes its kernels along."""
    import uuid

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    from .forkserver import warm_provisioner

    class AeevalKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout=None):
            # jupyter_client's check (a kernel_info reply, then a message on IOPub), whose IOPub
            # reads wait at most READY_POLL instead of 0.2 s: its last read drains IOPub until
            # it has been quiet that long, 0.2 s of every kernel's start spent waiting for
            # nothing. A shorter wait only means another kernel_info round when IOPub is slow;
            # nbclient ignores IOPub messages that answer none of its cells.
            channel = self.iopub_channel
            get_msg = channel.get_msg

            async def quick(*args, timeout=None, **kwargs):
                wait = READY_POLL if timeout is None else min(timeout, READY_POLL)
                return await get_msg(*args, timeout=wait, **kwargs)

            channel.get_msg = quick
            try:
                return await super().wait_for_ready(timeout=timeout)
            finally:
                del channel.get_msg

    class AeevalKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            self._socket_folder = kernel_socket_folder()
            if self._socket_folder is not None:
                kwargs.setdefault("transport", "ipc")
            super().__init__(*args, **kwargs)
            self.client_factory = AeevalKernelClient

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
            # jupyter_client looks whether the stopping kernel has exited every 0.1 s; it exits
            # a few ms after its shutdown reply
            pollinterval = min(pollinterval, READY_POLL)
            return await super()._async_finish_shutdown(waittime, pollinterval, restart)

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:  # warm or cold (AEEVAL_WARM_KERNELS=0), see forkserver
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
                self.provisioner = warm_provisioner()(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

        def _ip_default(self) -> str:
            if self.transport == "ipc" and self._socket_folder is not None:
                return os.path.join(self._socket_folder, "kernel")
            return super()._ip_default()

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if log is not None:
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
            parent = os.getpid()
            kw.setdefault("preexec_fn", lambda: die_with_parent(parent))
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._socket_folder is not None:
                shutil.rmtree(self._socket_folder, ignore_errors=True)

    return AeevalKernelManager


def execute_notebook(
    notebook: Path,
    parameters: dict,
    output: Path,
    *,
    cwd: Path | None = None,
    kernel_name: str | None = None,
    record_inputs: bool = False,
    kernel_log: Path | None = None,
    declared: dict | None = None,
) -> None:
    """Run ``notebook`` with ``parameters`` through papermill into ``output``.

    Parameters are checked first (:func:`aeeval.publish.parameters.check_parameters`): an unknown name or
    a wrong type is an error. A failing cell raises :class:`ReportError` naming the notebook, the
    cell (its execution count and first line) and the exception; the executed notebook is still
    written to ``output`` for inspection (:func:`prepare` keeps it in ``<out>.failed/``). A kernel
    that dies is an error saying so; with ``kernel_log`` its output and papermill's log lines go
    to that file. With ``record_inputs`` the kernel also notes every data file it reads (see
    :mod:`aeeval.publish.provenance`) and the text of every figure it shows (see
    :func:`aeeval.publish.figures.record_figure_text`). ``declared`` is the notebook's parameters as
    :func:`notebook_parameters` gives them, when the caller already has them.
    """
    import papermill as pm
    from nbclient.exceptions import DeadKernelError

    notebook = Path(notebook)
    try:
        parameters = check_parameters(notebook, parameters, declared)
    except ParameterError as exc:
        raise ReportError(str(exc)) from None
    use_date_translator()
    source = _with_recording(notebook) if record_inputs else str(notebook)
    log = open(kernel_log, "ab") if kernel_log is not None else None
    restore_logger = _log_papermill_to(kernel_log) if kernel_log is not None else None
    try:
        pm.execute_notebook(
            source,
            str(output),
            parameters=for_papermill(parameters),
            cwd=str(cwd or Path.cwd()),
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_manager_class=_kernel_manager(log),
        )
    except pm.PapermillExecutionError as exc:
        _reraise_interrupt(exc)
        raise ReportError(
            f"{notebook}: cell In [{exc.exec_count}] ({_cell_label(exc.source)}) raised "
            f"{exc.ename}: {exc.evalue}",
            notebook=notebook,
            cell=exc.exec_count,
            ename=exc.ename,
            evalue=exc.evalue,
        ) from None
    except Exception as exc:  # kernel died, notebook unreadable …
        _reraise_interrupt(exc)
        if isinstance(exc, DeadKernelError):
            raise ReportError(
                f"{notebook}: the kernel died while the notebook ran (killed, out of "
                "memory or crashed); its log says more"
            ) from None
        first = (str(exc).strip().splitlines() or [""])[0]
        raise ReportError(f"{notebook}: could not execute: {type(exc).__name__}: {first}") from None
    finally:
        if log is not None:
            log.close()
        if restore_logger is not None:
            restore_logger()


def _reraise_interrupt(exc: BaseException) -> None:
    """Raise the :class:`KeyboardInterrupt` (Ctrl-C, or SIGTERM as :mod:`aeeval.publish.outdir` turns it)
    that ``exc`` was raised while handling, if any: clean-up code in the kernel client can turn an
    interrupt into an ordinary error, which must not be reported as a failed notebook."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            raise exc
        exc = exc.__cause__ or exc.__context__


def _log_papermill_to(path: Path):
    """Send papermill's (and nbclient's) log lines to ``path`` instead of the terminal — "Kernel
    died while waiting for execute reply." belongs with the kernel's log, the user gets one
    message — and return the function that undoes it."""
    import logging

    logger = logging.getLogger("papermill")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False

    def restore() -> None:
        logger.removeHandler(handler)
        handler.close()
        logger.propagate = propagate

    return restore


def _name_papermill_paths(nb, notebook: Path) -> bool:
    """Papermill records the notebook it ran under ``metadata.papermill``: given the notebook with
    aeeval's injected cells (a node, not a path), ``input_path`` held a second copy of every
    cell, and ``output_path`` the temporary work folder. Name the notebook and the published
    file instead; True when anything changed."""
    meta = nb.metadata.get("papermill")
    if not meta:
        return False
    wanted = {"input_path": display_path(notebook), "output_path": "executed.ipynb"}
    changed = any(meta.get(k) != v for k, v in wanted.items())
    meta.update(wanted)
    return changed


def _recorded_inputs(nb) -> list:
    for cell in reversed(nb.cells):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(INPUTS_MIMETYPE)
            if payload is not None:
                return payload["inputs"]
    return []


_EXPORT_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _html_exporter():
    """nbconvert's HTML exporter with the report template: no code, no prompts, no injected cells.

    One per process (a batch worker's reports, ``aeeval run``'s warm-up and its report): a new
    exporter compiles the template again. Used under :data:`_EXPORT_LOCK`."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="aeeval_report", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    # The notebook is validated once, after every preprocessor, not after each of them (13 times):
    # the same HTML for 7 ms less CPU an export (44.5 -> 37.4 ms, 10 reports, measured).
    exporter.optimistic_validation = True
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={INJECTED_TAG}), enabled=True
    )
    return exporter


def warm_export() -> None:
    """Import nbconvert and render the report template once (nbformat's schema validator and
    nbconvert's HTML pass are built on the way), then import what the steps after the last cell
    use (openpyxl for ``tables.xlsx``, pikepdf for the gate). Measured on the 2-core machine:
    nbconvert's import and the template's first compilation 0.46 s and 0.16 s against 0.05 s for
    a warm export; openpyxl 0.05 s, pikepdf 0.04 s of CPU. Errors are the real steps' to report,
    with the report's context, so here they are dropped."""
    try:
        import nbformat

        export_html(nbformat.v4.new_notebook(), title="", provenance=None)
        import openpyxl  # noqa: F401
        import pikepdf  # noqa: F401
    except Exception:  # the report's own steps raise it, with the report's context
        pass


def warm_publishing():
    """:func:`warm_export` in a background thread, while the notebook runs: this process only
    waits on the kernel then. Returns the thread."""
    thread = threading.Thread(target=warm_export, name="aeeval-warm-publishing", daemon=True)
    thread.start()
    return thread


def export_html(
    executed,
    *,
    title: str,
    subtitle: str = "",
    date: str | None = None,
    provenance: dict | None = None,
    title_page: bool = False,
) -> str:
    """Export an executed notebook (path or node) to self-contained HTML with the report template.

    No code is shown; cells injected by aeeval are left out; ``provenance`` (parameters, inputs,
    software) fills the appendix and ``title_page`` gives the report a page of its own for the
    title, scope, date and data sources.
    """
    import nbformat

    nb = (
        executed
        if isinstance(executed, nbformat.NotebookNode)
        else nbformat.read(str(executed), as_version=4)
    )
    resources = {
        "metadata": {"name": f"{title} — {subtitle}" if subtitle else title},  # PDF title
        "aeeval": {
            "title": title,
            "subtitle": subtitle,
            "title_page": title_page,
            "date": date or dt.date.today().strftime("%d %B %Y"),
            "provenance": provenance,
        },
    }
    with _EXPORT_LOCK:  # the exporter is shared: one export at a time
        body, _ = _html_exporter().from_notebook_node(nb, resources=resources)
    return body


def _title(nb, notebook: Path, parameters: dict) -> tuple[str, str, bool]:
    meta = nb.metadata.get("aeeval", {})
    title = meta.get("title") or notebook.stem.replace("-", " ").title()
    scope = parameters.get("cohort")
    subtitle = f"Cohort {scope}" if scope not in (None, "") else "Whole programme"
    return title, subtitle, bool(meta.get("title_page"))


@lru_cache(maxsize=1)
def _environment() -> dict:
    return environment()


def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def prepare(
    notebook,
    parameters: dict | None = None,
    *,
    out,
    cwd=None,
    kernel_name=None,
    parameters_files=(),
    names=(),
    allow_min_base: int | None = None,
) -> dict:
    """First half of a report: execute, collect ``figures.json`` and inputs, export HTML.

    Works in a new temporary folder beside ``out`` and returns a plain dict (it crosses process
    boundaries in a batch) for :func:`publish`. On failure the temporary folder is removed, the
    executed notebook (if any) and the kernel's log are kept in ``<out>.failed/`` and
    :class:`ReportError` is raised. ``out`` must be a folder aeeval may replace, apart from the
    run's inputs (:func:`check_output`), before and after the notebook runs (then against every
    file the kernel read).
    ``names``: person names the disclosure gate looks for besides the register's contacts.
    """
    import nbformat

    started = _now()
    notebook, out = Path(notebook), Path(out)
    parameters = dict(parameters or {})
    check_output(notebook, parameters, out, cwd=cwd, parameters_files=parameters_files)
    declared = notebook_parameters(notebook)
    min_base = parameter_min_base(parameters, declared)
    try:  # a min_base below the project default needs --allow-min-base (recorded in the manifest)
        allow_min_base = check_min_base(min_base, allow_min_base, where=str(notebook))
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    work = make_work_folder(out)
    executed = work / "executed.ipynb"
    try:
        try:
            execute_notebook(
                notebook,
                parameters,
                executed,
                cwd=cwd,
                kernel_name=kernel_name,
                record_inputs=True,
                kernel_log=work / "kernel.log",
                declared=declared,
            )
        except ReportError as exc:
            kept = _keep_failed(out, executed, str(exc))
            raise ReportError(f"{exc}{kept}", **exc.fields()) from None
        nb = nbformat.read(str(executed), as_version=4)
        if _name_papermill_paths(nb, notebook):
            nbformat.write(nb, str(executed))
        recorded = _recorded_inputs(nb)  # [{"path", "bytes", "sha256", "versions"}], as read
        try:
            check_apart(out, [("a file the notebook read", r["path"]) for r in recorded])
        except OutputError as exc:
            raise ReportError(f"{notebook}: {exc}") from None
        try:
            figures = figures_document(nb, notebook=notebook.name, parameters=parameters)
        except FiguresError as exc:
            _keep_failed(out, executed, str(exc))
            raise ReportError(f"{notebook}: {exc}") from None
        (work / "figures.json").write_text(dumps(figures), encoding="utf-8")
        write_tables_workbook(figures, work / "tables.xlsx")  # the same tables, for board papers
        try:  # hashed by the kernel as it read them; a file changed since then is an error
            read = verify_inputs(recorded)
        except InputChangedError as exc:
            _keep_failed(out, executed, str(exc))
            raise ReportError(f"{notebook}: {exc}") from None
        inputs = [
            {
                **i,
                "kind": "definition" if Path(i["path"]).is_relative_to("data/schemas") else "data",
            }
            for i in read
        ]
        env = _environment()
        defaults = {name: info["default"] for name, info in declared.items()}
        provenance = {
            "parameters": jsonable(parameters),
            "inputs": inputs,
            "defaults": defaults,
            "notebook": display_path(notebook),
            "aeeval_version": env["aeeval_version"],
            "python": env["python"]["version"],
            "git": env["git"],
            "packages": env["packages"],
        }
        title, subtitle, title_page = _title(nb, notebook, parameters)
        html = export_html(
            nb, title=title, subtitle=subtitle, provenance=provenance, title_page=title_page
        )
        (work / "report.html").write_text(html, encoding="utf-8")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return {
        "notebook": str(notebook),
        "out": str(out),
        "work": str(work),
        "title": title,
        "parameters": jsonable(parameters),
        "defaults": defaults,
        "inputs": inputs,
        "figure_texts": collect_figure_texts(nb),
        "started": started,
        "parameters_files": [str(f) for f in parameters_files],
        "names": list(names),
        "disclosure": {
            "min_base": min_base,
            "project_min_base": DEFAULT_MIN_BASE,
            "allow_min_base": allow_min_base,
        },
    }


def publish(
    prepared: dict, *, formats=FORMATS, browser: Browser | BackgroundBrowser | None = None
) -> Path:
    """Second half of a report: print the PDF, run the disclosure gate, write the manifest, move.

    ``browser`` is an open :class:`aeeval.publish.browser.Browser` (or
    :class:`~aeeval.publish.browser.BackgroundBrowser`) to reuse; one is started when needed and none is
    given. Raises :class:`ReportError` (nothing moved, the failed notebook kept in
    ``<out>.failed/``) if printing fails or the gate finds anything.
    """
    # The gate is imported here, not at the top: the batch's workers only prepare, and without
    # it they do not import pandas (0.25 CPU-s a worker).
    from .gate import DisclosureError, check_published

    formats = check_formats(formats)
    work, out = Path(prepared["work"]), Path(prepared["out"])
    try:
        try:
            check_destination(out)
        except OutputError as exc:
            raise ReportError(f"{prepared['notebook']}: {exc}") from None
        html_path = work / "report.html"
        browser_version = reader_version = pages = stopped = None
        if "pdf" in formats:
            try:
                if browser is None:
                    with Browser() as own:
                        own.print_pdf(html_path, work / "report.pdf", title=prepared["title"])
                        browser_version = own.version
                else:
                    browser.print_pdf(html_path, work / "report.pdf", title=prepared["title"])
                    browser_version = browser.version
                pages = pdf_text(work / "report.pdf")
                reader_version = pdftotext_version()
            except BrowserStoppedError as exc:  # Chromium died or was killed while printing
                stopped = str(exc)
            except BrowserError as exc:
                raise ReportError(f"{prepared['notebook']}: {exc}") from None
            except Exception as exc:  # anything else that broke the printing
                stopped = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
            if stopped is not None:
                message = (
                    f"{prepared['notebook']}: Chromium stopped while printing the PDF "
                    f"({stopped}); nothing was replaced"
                )
                raise ReportError(
                    message + _keep_failed(out, work / "executed.ipynb", message)
                ) from None
        # Read by the gate, not published: the kernel's log (kept only when a run fails) and the
        # HTML when only a PDF is asked for.
        leave_out = ("kernel.log",) + (() if "html" in formats else ("report.html",))
        _write_manifest(prepared, work, browser_version, reader_version, leave_out=leave_out)
        findings = check_published(
            work,
            figure_texts=prepared["figure_texts"],
            pdf_pages=pages,
            names=prepared.get("names", ()),
            inputs=prepared["inputs"],
        )
        if findings:
            error = DisclosureError(findings)
            _keep_failed(out, work / "executed.ipynb", str(error))
            raise ReportError(
                f"{prepared['notebook']}: {error}",
                notebook=prepared["notebook"],
                findings=error.findings,
            )
        for name in leave_out:
            (work / name).unlink(missing_ok=True)
        (work / WORK_OWNER).unlink()  # the manifest now marks the folder as aeeval's
        swap_into_place(work, out)
    finally:
        remove_folder(work)
    failed = failed_folder(out)
    if is_failed_folder(failed):
        shutil.rmtree(failed, ignore_errors=True)
    return out


def _write_manifest(
    prepared: dict,
    work: Path,
    browser_version: str | None,
    reader_version: str | None,
    *,
    leave_out=(),
) -> None:
    env = {**_environment(), "browser": browser_version, "pdf_reader": reader_version}
    notebook = Path(prepared["notebook"])
    manifest = {
        MARKER_KEY: MARKER,  # only a folder with this key is ever replaced (aeeval.publish.outdir)
        "aeeval_version": env.pop("aeeval_version"),
        "notebook": {"path": display_path(notebook), "sha256": file_sha256(notebook)},
        "parameters": prepared["parameters"],
        "notebook_defaults": prepared["defaults"],
        "parameters_files": describe_inputs(prepared["parameters_files"]),
        "inputs": prepared["inputs"],
        "disclosure": prepared.get("disclosure"),
        "outputs": {
            p.name: file_sha256(p)
            for p in sorted(work.iterdir())
            if p.is_file() and p.name not in (WORK_OWNER, *leave_out)
        },
        **env,
        "started": prepared["started"],
        "finished": _now(),
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _keep_failed(out: Path, executed: Path, message: str | None) -> str:
    """Keep a failed run's executed notebook, kernel log and reason in ``<out>.failed/``.

    A ``<out>.failed`` holding anything else is left alone. Returns a sentence for the error
    message saying what was kept where ("" when nothing was).
    """
    failed = failed_folder(out)
    if failed.exists() and not is_failed_folder(failed):
        return ""
    shutil.rmtree(failed, ignore_errors=True)
    log = executed.parent / "kernel.log"
    if not (executed.exists() or log.exists()):  # the notebook never ran: nothing to keep
        return ""
    failed.mkdir(parents=True)
    kept = []
    if executed.exists():
        shutil.copy2(executed, failed / "executed.ipynb")
        kept.append("the executed notebook")
    if log.exists():
        shutil.copy2(log, failed / "kernel.log")
        kept.append("the kernel's log")
    if message:
        (failed / "error.txt").write_text(message + "\n", encoding="utf-8")
    return f" ({' and '.join(kept)} kept in {failed}/)" if kept else ""


def check_output(
    notebook: Path, parameters: dict, out: Path, *, cwd: Path | None = None, parameters_files=()
) -> None:
    """Check before a run that ``out`` may be written: :class:`ReportError` if the notebook is
    missing, if ``out`` is not absent, empty or an aeeval report folder
    (:func:`aeeval.publish.outdir.check_destination`), or if it contains or lies inside the notebook, a
    parameter file or a file or folder named by a parameter (:func:`aeeval.publish.outdir.check_apart`).
    """
    notebook, out = Path(notebook), Path(out)
    if not notebook.is_file():
        raise ReportError(f"notebook {notebook} does not exist")
    inputs = [
        ("the notebook", notebook),
        *(("parameters file", Path(f)) for f in parameters_files),
        *path_parameters(parameters, Path(cwd or Path.cwd())),
    ]
    try:
        check_apart(out, inputs)
        check_destination(out)
    except OutputError as exc:
        raise ReportError(str(exc)) from None


def run_report(
    notebook: Path,
    parameters: dict | None = None,
    *,
    out: Path | None = None,
    formats=FORMATS,
    browser: Browser | None = None,
    cwd: Path | None = None,
    parameters_files=(),
    names=(),
    allow_min_base: int | None = None,
) -> Path:
    """Execute ``notebook`` and publish the report folder ``out`` atomically.

    Without a ``browser``, Chromium is started while the notebook runs. ``out`` (default
    ``reports/<notebook name>/`` in the current directory) receives ``executed.ipynb``, ``report.pdf`` and
    ``report.html`` (as ``formats`` asks), ``figures.json``, ``tables.xlsx`` and
    ``manifest.json``. If any step
    fails, the previous contents of ``out`` are left untouched and :class:`ReportError` is raised;
    the failed executed notebook is kept in ``<out>.failed/``. The run holds ``out``'s lock
    (:func:`aeeval.publish.outdir.locked`) throughout: a second run on the same folder fails at once.
    ``names``: person names no published byte may hold, besides the register's contacts (see
    :mod:`aeeval.publish.gate.names`). A ``min_base`` parameter below the project default needs
    ``allow_min_base`` (at most that value), recorded in ``manifest.json`` under ``disclosure``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from aeeval.paths import NOTEBOOKS
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = run_report(NOTEBOOKS / "01-survey-outcomes.ipynb", {"cohort": 2},
    ...                      out=Path(folder, "cohort-2"))
    ...     sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['executed.ipynb', 'figures.json', 'manifest.json', 'report.html', 'report.pdf',
     'tables.xlsx']
    """
    formats = check_formats(formats)
    notebook = Path(notebook)
    out = Path(out) if out is not None else reports_dir() / notebook.stem
    check_output(notebook, dict(parameters or {}), out, cwd=cwd, parameters_files=parameters_files)
    with ExitStack() as stack:
        try:
            stack.enter_context(locked(out))
        except OutputError as exc:
            raise ReportError(str(exc)) from None
        if browser is None and "pdf" in formats:
            try:
                browser = BackgroundBrowser()  # Chromium starts while the notebook runs
            except BrowserError as exc:
                raise ReportError(f"{notebook}: {exc}") from None
            stack.callback(close_quietly, browser)
        warm_publishing()  # while the kernel starts and runs the cells
        prepared = prepare(
            notebook,
            parameters,
            out=out,
            cwd=cwd,
            parameters_files=parameters_files,
            names=names,
            allow_min_base=allow_min_base,
        )
        return publish(prepared, formats=formats, browser=browser)


def close_quietly(browser: Browser | BackgroundBrowser) -> None:
    """Close a browser that may have died (killed, crashed): its death is reported where it was
    used; closing it must not raise another error over that one."""
    try:
        browser.__exit__(None, None, None)
    except Exception:  # a browser that died cannot be closed; publish has reported its death
        pass
