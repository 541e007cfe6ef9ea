"""Print HTML reports to PDF with a headless Chromium found on this machine, and read them back.

aeeval drives Chromium itself through the DevTools protocol over a pipe
(``--remote-debugging-pipe``: Chromium reads NUL-terminated JSON commands on its file descriptor 3
and writes NUL-terminated JSON replies and events on descriptor 4), with no driver process, no
websocket and no dependency. The browser is a system Chromium or Chrome (``AEEVAL_CHROMIUM``, then
``PATH``, then where the installers put Chrome on macOS). Nothing is downloaded at run time. The
pipe is a Linux and macOS feature: on Windows, PDFs are printed under WSL. poppler's
``pdftotext`` reads each PDF back for the disclosure gate.

References
----------
.. [1] Chrome DevTools Protocol, https://chromedevtools.github.io/devtools-protocol/ (domains
   Target, Page, Fetch, Emulation, IO, Browser).
.. [2] playwright 1.65, ``packages/playwright-core/src/server/chromium`` (``chromiumSwitches.ts``,
   ``crPdf.ts``, ``defaultFontFamilies.ts``): the switches, page set-up and ``Page.printToPDF``
   parameters reproduced here, so that reports print exactly as they did through playwright.
"""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from ..errors import AeevalError
from .outdir import process_alive

__all__ = [
    "BackgroundBrowser",
    "BrowserError",
    "BrowserStoppedError",
    "Browser",
    "find_chromium",
    "find_pdftotext",
    "pdf_text",
    "pdftotext_version",
]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Where the installers put Chrome and Chromium on macOS, where they are not on PATH.
CHROMIUM_PLACES = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
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
# The switches playwright 1.65 started a headless Chromium with [2] that can change what a page
# prints (colour profile, scrollbars, hover/pointer media queries, paint holding, timers of a page
# in the background) or that keep a closed network quiet; kept so that PDFs did not change when
# aeeval stopped using playwright.
HEADLESS_ARGS = [
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
    "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,"
    "availablePointerTypes=4",
    "--force-color-profile=srgb",
    "--disable-field-trial-config",
    "--disable-features=PaintHolding,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying,"
    "AimEnabled,PreconnectToSearch,LensOverlay,DestroyProfileOnBrowserClose",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-back-forward-cache",
    "--disable-breakpad",
    "--disable-extensions",
    "--disable-component-extensions-with-background-pages",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--no-service-autorun",
    "--password-store=basic",
    "--use-mock-keychain",
    "--remote-debugging-pipe",
    "--no-startup-window",
]
# The default fonts playwright gives a headless page [2] (``Page.setFontFamilies``): a report whose
# CSS names a generic family (serif, sans-serif, monospace) prints in the same fonts as before.
FONT_FAMILIES = {
    "linux": {
        "fontFamilies": {
            "standard": "Times New Roman",
            "fixed": "Monospace",
            "serif": "Times New Roman",
            "sansSerif": "Arial",
            "cursive": "Comic Sans MS",
            "fantasy": "Impact",
        }
    },
    "darwin": {
        "fontFamilies": {
            "standard": "Times",
            "fixed": "Courier",
            "serif": "Times",
            "sansSerif": "Helvetica",
            "cursive": "Apple Chancery",
            "fantasy": "Papyrus",
        }
    },
}
# playwright's default viewport and screen (1280 × 720, device scale 1) and a page that has the
# focus [2]: what a report's scripts see while it loads (window.innerWidth, document.hasFocus())
# is what they saw through playwright; headless Chromium's own window is 800 × 600.
VIEWPORT = {
    "width": 1280,
    "height": 720,
    "screenWidth": 1280,
    "screenHeight": 720,
    "deviceScaleFactor": 1,
    "mobile": False,
    "screenOrientation": {"angle": 0, "type": "landscapePrimary"},
}
# A4 and margins in inches as playwright converted them [2] (``format="A4"``; mm → px at 3.78,
# px → in at 96), so that the layout of a page does not move by a fraction of a millimetre.
MM = 3.78 / 96
PDF_PARAMETERS = {
    "landscape": False,
    "displayHeaderFooter": True,
    "headerTemplate": "<span></span>",
    "printBackground": True,
    "scale": 1,
    "paperWidth": 8.27,
    "paperHeight": 11.7,
    "marginTop": 16 * MM,
    "marginBottom": 18 * MM,
    "marginLeft": 14 * MM,
    "marginRight": 14 * MM,
    "pageRanges": "",
    "preferCSSPageSize": False,
    "generateTaggedPDF": True,
    "generateDocumentOutline": True,
}
FOOTER = (
    "<div style=\"width:100%;font-size:8px;font-family:'DejaVu Sans',sans-serif;color:#425563;"
    'padding:0 16mm;display:flex;justify-content:space-between;">'
    '<span>{title}</span><span>Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)
PROFILE_PREFIX = "aeeval-chromium-"  # + the owner's process id: a temporary Chromium profile
TIMEOUT = 60.0  # seconds any one step in Chromium may take before it is reported as stuck
CLOSE_TIMEOUT = 5.0  # seconds Chromium has to exit after Browser.close before it is killed
# Events that end a page: its target is closed or detached, or its renderer crashed.
PAGE_GONE = ("Inspector.detached", "Inspector.targetCrashed", "Target.detachedFromTarget")


class BrowserError(AeevalError, RuntimeError):
    """Chromium (which prints the PDF) or pdftotext (which reads it back) is missing or failed;
    the message says what to install or set."""


class BrowserStoppedError(BrowserError):
    """Chromium exited, was killed or crashed while aeeval was using it."""


def find_chromium() -> str:
    """Path of the Chromium used to print PDFs.

    Looked for in order: the ``AEEVAL_CHROMIUM`` setting (environment variable), ``PATH``
    (``chromium``, ``chromium-browser``, ``google-chrome`` …), then the places the Chrome and
    Chromium installers use on macOS. Raises :class:`BrowserError` with install
    advice when there is none.

    Examples
    --------
    >>> Path(find_chromium()).is_file()
    True
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
    for place in CHROMIUM_PLACES:
        if os.path.isfile(place) and os.access(place, os.X_OK):
            return place
    raise BrowserError(
        "no Chromium found to print the PDF. On Debian/Ubuntu: sudo apt-get install chromium; "
        "on macOS install Google Chrome; or set AEEVAL_CHROMIUM=/path/to/chrome. "
        "(HTML reports need no browser: use --format html.)"
    )


class _Reply:
    """A command's answer, filled in by the reader thread."""

    __slots__ = ("ident", "done", "result", "error", "session")

    def __init__(self, ident: int, session: str | None):
        self.ident, self.session = ident, session
        self.done = threading.Event()
        self.result = self.error = None


class _Connection:
    """One Chromium process and the DevTools pipe to it: commands out, replies and events in.

    A reader thread reads every message Chromium writes. It hands each reply to the command that
    waits for it, answers intercepted requests at once (``Fetch.requestPaused``: local files and
    ``data:`` URLs continue, anything else is refused), and keeps the events a waiting print
    needs (a page loaded, a page gone). When Chromium's end of the pipe closes, every waiting
    command fails with :class:`BrowserStoppedError` at once.
    """

    def __init__(self, executable: str):
        self.executable = executable
        _remove_orphaned_profiles()
        self.profile = tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-")
        self.log = os.path.join(self.profile, "stderr.log")
        self.pid = None
        self.gone = None  # why the pipe closed, once it has
        self._next_id = 0
        self._replies: dict[int, _Reply] = {}
        self._events: list[tuple[str, str | None, dict]] = []
        self._closed_sessions: dict[str, str] = {}  # session id → how its page ended
        self._changed = threading.Condition()
        self._write_lock = threading.Lock()
        self._reader = None
        to_chromium = from_chromium = None
        child_ends: list[int] = []
        try:
            # Chromium's ends go onto fds 3 and 4; they are first moved to 5 or above so that no
            # dup2 below overwrites the other one (the parent's own fds 3 and 4 are not touched).
            read_end, to_chromium = os.pipe()
            from_chromium, write_end = os.pipe()
            for fd in (read_end, write_end):
                child_ends.append(_fd_above_4(fd))
            self.pid = os.posix_spawn(
                executable,
                [executable, *CHROMIUM_ARGS, *HEADLESS_ARGS, f"--user-data-dir={self.profile}"],
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, self.log, os.O_WRONLY | os.O_CREAT, 0o600),
                    (os.POSIX_SPAWN_DUP2, child_ends[0], 3),
                    (os.POSIX_SPAWN_DUP2, child_ends[1], 4),
                ],
                setpgroup=0,  # its own process group: Ctrl-C reaches aeeval, which closes it
            )
        except BaseException:
            for fd in (to_chromium, from_chromium):
                if fd is not None:
                    os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        finally:
            for fd in child_ends:
                os.close(fd)
        self._out, self._in = to_chromium, from_chromium
        self._reader = threading.Thread(target=self._read, name="aeeval-browser-pipe", daemon=True)
        self._reader.start()

    # -- messages --------------------------------------------------------------------------

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> _Reply:
        """Write one command without waiting; the reader thread fills in the returned reply."""
        with self._changed:
            if self.gone is not None:
                raise BrowserStoppedError(f"Chromium {self.gone}; could not send {method}")
            if session in self._closed_sessions:
                raise BrowserStoppedError(
                    f"the page {self._closed_sessions[session]}; could not send {method}"
                )
            self._next_id += 1
            ident = self._next_id
            reply = self._replies[ident] = _Reply(ident, session)
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            with self._write_lock:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._out, view) :]
        except OSError:  # the pipe's reader (Chromium) is gone
            self._stopped(self._exit_reason())
        return reply

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict:
        """Send a command and wait for its result; errors and timeouts raise BrowserError."""
        return self.result(self.send(method, params, session), method, timeout)

    def result(self, reply: _Reply, method: str, timeout: float | None = None) -> dict:
        """Wait for the result of a command sent with :meth:`send` (several can be in flight),
        at most ``timeout`` seconds (:data:`TIMEOUT` when None)."""
        timeout = TIMEOUT if timeout is None else timeout
        if not reply.done.wait(timeout):
            with self._changed:
                self._replies.pop(reply.ident, None)
            raise BrowserError(f"Chromium did not answer {method} within {timeout:.0f} s")
        if reply.error is not None:
            if isinstance(reply.error, BrowserError):
                raise reply.error
            raise BrowserError(
                f"Chromium refused {method}: {reply.error.get('message', reply.error)}"
            )
        return reply.result

    def check_session(self, session: str) -> None:
        """Raise :class:`BrowserStoppedError` when the page of ``session`` has closed or crashed."""
        with self._changed:
            if session in self._closed_sessions:
                raise BrowserStoppedError(f"the page {self._closed_sessions[session]}")

    def mark(self) -> int:
        """A position in the event log: :meth:`wait_event` looks only at events after it."""
        with self._changed:
            return len(self._events)

    def wait_event(
        self, what: str, match, session: str, since: int, timeout: float | None = None
    ) -> dict:
        """The first event of ``session`` after ``since`` for which ``match(method, params)``
        holds; fails when the session's page closes or crashes, Chromium stops, or nothing comes
        within ``timeout`` seconds (:data:`TIMEOUT` when None)."""
        timeout = TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for method, where, params in self._events[since:]:
                    if where == session and match(method, params):
                        return params
                since = len(self._events)
                if session in self._closed_sessions:
                    raise BrowserStoppedError(
                        f"the page {self._closed_sessions[session]} while aeeval waited for {what}"
                    )
                if self.gone is not None:
                    raise BrowserStoppedError(
                        f"Chromium {self.gone} while aeeval waited for {what}"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError(f"Chromium did not finish {what} within {timeout:.0f} s")
                self._changed.wait(left)

    def forget_events(self) -> None:
        """Drop the events logged so far (each print waits only for events after it starts)."""
        with self._changed:
            self._events.clear()

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    break
                *messages, buffer = (buffer + chunk).split(b"\0")
                for raw in messages:
                    self._dispatch(json.loads(raw))
        except Exception as exc:  # a broken pipe or a message that is not the protocol's
            self._stopped(f"broke its pipe ({type(exc).__name__}: {exc})")
        self._stopped(self._exit_reason())

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            with self._changed:
                reply = self._replies.pop(message["id"], None)
            if reply is not None:
                reply.result, reply.error = message.get("result"), message.get("error")
                reply.done.set()
            return
        method, params = message.get("method"), message.get("params", {})
        session = message.get("sessionId")
        if method == "Fetch.requestPaused":
            # Reports are self-contained: local files and data: URLs load, nothing else does.
            if params["request"]["url"].startswith(("file:", "data:")):
                answer = ("Fetch.continueRequest", {"requestId": params["requestId"]})
            else:
                answer = (
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                )
            try:
                reply = self.send(*answer, session)
            except BrowserStoppedError:  # its page has closed meanwhile: nothing to answer
                return
            with self._changed:  # nobody waits for these replies
                self._replies.pop(reply.ident, None)
            return
        if method == "Page.lifecycleEvent":
            with self._changed:
                self._events.append((method, session, params))
                self._changed.notify_all()
        elif method in PAGE_GONE:
            ended = params.get("sessionId") if method == "Target.detachedFromTarget" else session
            if ended is None:
                return
            why = "crashed" if method.endswith("Crashed") else "was closed"
            with self._changed:
                self._closed_sessions.setdefault(ended, f"{why} ({method})")
                replies = [r for r in self._replies.values() if r.session == ended]
                for reply in replies:
                    del self._replies[reply.ident]
                self._changed.notify_all()
            for reply in replies:
                reply.error = BrowserStoppedError(f"the page {self._closed_sessions[ended]}")
                reply.done.set()

    def _stopped(self, why: str) -> None:
        with self._changed:
            if self.gone is None:
                self.gone = why
            waiting, self._replies = list(self._replies.values()), {}
            self._changed.notify_all()
        for reply in waiting:
            reply.error = BrowserStoppedError(f"Chromium {self.gone}")
            reply.done.set()

    def _exit_reason(self) -> str:
        status = self._status(wait=0.5)
        if status is None:
            return "closed its pipe"
        reason = f"was killed by signal {-status}" if status < 0 else f"exited with code {status}"
        try:
            with open(self.log, "rb") as log:
                tail = log.read()[-2000:].decode("utf-8", "replace").strip()
        except OSError:
            tail = ""
        lines = [line for line in tail.splitlines() if line.strip()]
        return reason + (f" ({lines[-1].strip()})" if lines else "")

    # -- the process ---------------------------------------------------------------------------

    def _status(self, wait: float = 0.0) -> int | None:
        """Chromium's exit status (negative: the signal that killed it) once it has exited, or
        None if it still runs after ``wait`` seconds. The process is left unreaped (a zombie
        until :meth:`close`), so its id, which is its process group's, cannot be reused."""
        deadline = time.monotonic() + wait
        while True:
            try:
                info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:  # reaped already (by close)
                return None
            if info is not None:
                return -info.si_status if info.si_code != os.CLD_EXITED else info.si_status
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def close(self) -> None:
        """Ask Chromium to close, kill it if it has not within a few seconds, and remove its
        profile folder."""
        try:
            if self.gone is None:
                try:
                    self.send("Browser.close")
                except BrowserError:
                    pass
            self._status(wait=CLOSE_TIMEOUT)
            try:  # Chromium if it has not exited, and its helpers should any outlive it
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            if self._reader is not None:
                self._reader.join(CLOSE_TIMEOUT)
        finally:
            for fd in (self._out, self._in):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)


def _remove_orphaned_profiles() -> None:
    """Remove the profile folders of aeeval processes that were killed (SIGKILL) before they could
    remove them. Their Chromium has exited with them: it stops when its pipe closes."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*-*"):
        owner = folder.name[len(PROFILE_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit():
            continue
        if not process_alive(int(owner)):  # its aeeval is gone
            shutil.rmtree(folder, ignore_errors=True)


def _fd_above_4(fd: int) -> int:
    """A copy of ``fd`` numbered 5 or above (closing ``fd``), non-inheritable like ``fd``."""
    import fcntl

    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return copy


class _Page:
    """The page reports are printed from: a target in a browser context of its own, attached
    with a session (flattened protocol), loading only local files, in print media."""

    def __init__(self, connection: _Connection, platform: str):
        self.connection = connection
        self.loading = None  # (uri, loader id, event log position) of a load not waited for
        call = connection.call
        self.context = call("Target.createBrowserContext", {"disposeOnDetach": True})[
            "browserContextId"
        ]
        target = call(
            "Target.createTarget", {"url": "about:blank", "browserContextId": self.context}
        )["targetId"]
        self.session = call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        setup = (  # sent at once, answered in order (the page starts 0.1 s sooner)
            ("Page.enable", {}),
            ("Page.setLifecycleEventsEnabled", {"enabled": True}),
            ("Inspector.enable", {}),
            ("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}),
            ("Emulation.setEmulatedMedia", {"media": "print"}),
            ("Emulation.setDeviceMetricsOverride", VIEWPORT),
            ("Emulation.setFocusEmulationEnabled", {"enabled": True}),
            ("Page.setFontFamilies", FONT_FAMILIES.get(platform, FONT_FAMILIES["linux"])),
            ("Page.getFrameTree", {}),
        )
        sent = [connection.send(method, params, self.session) for method, params in setup]
        results = [connection.result(reply, method) for reply, (method, _) in zip(sent, setup)]
        self.frame = results[-1]["frameTree"]["frame"]["id"]

    def goto(self, uri: str, *, wait: bool = True) -> None:
        """Load ``uri`` and (unless ``wait`` is false: then :meth:`settle` does) wait for its load
        event; a navigation error raises BrowserError."""
        self.settle()
        connection = self.connection
        connection.forget_events()
        since = connection.mark()
        result = connection.call("Page.navigate", {"url": uri}, self.session)
        if result.get("errorText"):
            raise BrowserError(f"Chromium could not load {unquote(uri)}: {result['errorText']}")
        self.loading = (uri, result.get("loaderId"), since)
        if wait:
            self.settle()

    def settle(self) -> None:
        """Wait for the page loaded last to have loaded, if it has not yet been waited for."""
        if self.loading is None:
            return
        (uri, loader, since), self.loading = self.loading, None
        self.connection.wait_event(
            f"loading {unquote(uri)}",
            lambda method, params: (
                params.get("name") == "load"
                and params.get("frameId") == self.frame
                and (loader is None or params.get("loaderId") == loader)
            ),
            self.session,
            since,
        )

    def url(self) -> str:
        frame = self.connection.call("Page.getFrameTree", {}, self.session)["frameTree"]["frame"]
        return frame["url"] + frame.get("urlFragment", "")

    def pdf(self, footer: str) -> bytes:
        """The page printed to PDF. The PDF comes base64-encoded in the reply: on the pipe, that
        was 3-8 ms a report quicker than playwright's ``transferMode: "ReturnAsStream"`` with
        ``IO.read`` and ``IO.close``, for the same CPU (20 copies of the cohort report)."""
        result = self.connection.call(
            "Page.printToPDF", {**PDF_PARAMETERS, "footerTemplate": footer}, self.session
        )
        return base64.b64decode(result["data"])

    def close(self) -> None:
        try:
            self.connection.call(
                "Target.disposeBrowserContext",
                {"browserContextId": self.context},
                timeout=CLOSE_TIMEOUT,
            )
        except BrowserError:  # a crashed page's context may be gone already
            pass


class Browser:
    """One headless Chromium that prints any number of HTML files to PDF.

    Use as a context manager; reuse one instance for a batch of reports. One instance may be
    used from any thread (one print at a time).

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
        self._connection: _Connection | None = None
        self._page: _Page | None = None
        self._version: str | None = None
        self._platform = "linux"
        self._lock = threading.Lock()

    def __enter__(self) -> Browser:
        if not hasattr(os, "posix_spawn"):
            raise BrowserError(
                "printing PDFs needs Linux or macOS (Chromium is driven over a pipe); on Windows "
                "use WSL, or --format html"
            )
        try:
            self._connection = _Connection(self.executable)
            product = self._connection.call("Browser.getVersion")
            self._version = product["product"].split("/", 1)[-1]
            if "Mac OS X" in product.get("userAgent", ""):
                self._platform = "darwin"
            self._print_page()  # ready before the first report needs it
        except BaseException as exc:  # Ctrl-C too: no Chromium is left running
            self.__exit__(None, None, None)
            if not isinstance(exc, Exception):
                raise
            raise BrowserError(f"could not start Chromium at {self.executable}: {exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        connection, self._connection, self._page = self._connection, None, None
        if connection is not None:
            connection.close()

    @property
    def version(self) -> str | None:
        """The running browser's version (e.g. ``"156.0.8078.73"``), for manifests."""
        return self._version if self._connection is not None else None

    @property
    def pid(self) -> int | None:
        """The process id of the running Chromium (None when it is not running)."""
        return self._connection.pid if self._connection is not None else None

    def _print_page(self) -> _Page:
        """The one page every report is printed from, in a browser context of its own.

        A page (and its renderer process) is made once per browser, not once per report: 20
        reports printed 3.8 s wall and 5.9 CPU-s this way against 9.0 s and 17.2 CPU-s with a new
        page each (benchmarks/README.md). Between reports the page holds ``about:blank``, so a
        report whose load fails cannot print the one before it; a page that failed is replaced.
        Reports are self-contained: any request that is not a local file is refused.
        """
        if self._connection is None:
            raise BrowserError("the browser is not running (use it inside `with Browser():`)")
        if self._page is None:
            self._page = _Page(self._connection, self._platform)
        return self._page

    def print_pdf(self, html_path: Path, pdf_path: Path, *, title: str = "") -> None:
        """Print ``html_path`` to an A4 PDF at ``pdf_path`` with "Page n of N" footers.

        The PDF is tagged (its headings, tables and figures' alternative text reach screen
        readers) and has an outline of the headings for navigation. Nothing is written at
        ``pdf_path`` when printing fails.
        """
        with self._lock:
            page = self._print_page()
            try:  # the previous report's about:blank has loaded, and the page still lives
                page.settle()
                self._connection.check_session(page.session)
            except BrowserError:  # or the page is replaced (it crashed between reports)
                self._drop_page(page)
                page = self._print_page()
            uri = Path(html_path).resolve().as_uri()
            try:
                page.goto(uri)
                loaded = page.url()
                if unquote(loaded) != unquote(uri):  # never print whatever else the page holds
                    raise BrowserError(f"Chromium loaded {loaded} instead of {uri}")
                data = page.pdf(FOOTER.format(title=html.escape(title, quote=True)))
            except BaseException:
                self._drop_page(page)  # a fresh page for the next report
                raise
            try:
                Path(pdf_path).write_bytes(data)
            except BaseException:  # no partial PDF is left (a full disk)
                Path(pdf_path).unlink(missing_ok=True)
                raise
            try:  # the next report starts from an empty page; it waits for it to load
                page.goto("about:blank", wait=False)
            except BrowserError:  # the PDF is written: a page that cannot be blanked is replaced
                self._drop_page(page)

    def _drop_page(self, page: _Page) -> None:
        self._page = None
        page.close()


class BackgroundBrowser:
    """A :class:`Browser` that starts in a thread of its own, so Chromium launches while the caller
    works (``aeeval run``: while the notebook runs), and that prints like a :class:`Browser`.

    A browser that fails to start raises :class:`BrowserError` when first used.

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
        self._browser = Browser(executable)  # finds Chromium now: a missing one fails at once
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="aeeval-browser-start")
        self._thread.start()

    def _start(self) -> None:
        try:
            self._browser.__enter__()
        except BaseException as exc:  # raised in the caller's thread when the browser is used
            self._error = exc

    def __enter__(self) -> BackgroundBrowser:
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join()
        if self._error is None:
            self._browser.__exit__(None, None, None)

    def _started(self) -> Browser:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._browser

    @property
    def version(self) -> str | None:
        """The running browser's version, as :attr:`Browser.version`."""
        return self._started().version

    @property
    def pid(self) -> int | None:
        """The process id of the running Chromium, as :attr:`Browser.pid`."""
        return self._started().pid

    def print_pdf(self, html_path: Path, pdf_path: Path, *, title: str = "") -> None:
        """As :meth:`Browser.print_pdf`."""
        self._started().print_pdf(html_path, pdf_path, title=title)


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
