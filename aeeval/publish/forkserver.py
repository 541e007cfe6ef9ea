"""Warm kernels: each notebook still gets a fresh kernel process, forked from a pre-imported parent.

A cold kernel (``python -m ipykernel_launcher``) spends most of its start importing IPython,
ipykernel, pandas, numpy, matplotlib, scipy.stats, statsmodels and aeeval before the notebook's
first cell does any work. The *fork server* is one process that imports them once, starts no
thread of its own, and then, for every kernel asked of it, forks a child. The child is a new
process with its own memory (copy-on-write), so isolation is what a cold kernel has: it sets the
working directory and the environment the kernel manager asked for (BLAS thread limits
included), reseeds :mod:`random` and numpy's global generator from the operating system, puts
matplotlib's settings back to what a fresh import gives, starts its own session (as
jupyter_client does for a cold kernel), sends its stdout/stderr to the kernel log and runs
ipykernel's ``IPKernelApp`` with the connection file.

``WarmProvisioner`` (:func:`warm_provisioner`) is the jupyter_client kernel provisioner that asks the fork server for a
kernel instead of starting ``python -m ipykernel_launcher``; :func:`aeeval.publish.report.execute_notebook`
uses it. It starts a cold kernel instead — the notebook runs either way — when the kernel is not
this interpreter's ipykernel (another kernelspec) or when the environment differs from the one
the fork server imported under in a variable that is read at import time (any variable other than
jupyter_client's ``JPY_*``): a kernel must never see modules set up for another environment.

Off with ``AEEVAL_WARM_KERNELS=0`` (or ``false``/``no``/``off``): every kernel is then started cold.
The fork server dies with the process that started it (``PR_SET_PDEATHSIG``) and every kernel with
the fork server, so a killed ``aeeval run`` or batch leaves no kernel running. The workers of a
batch share one server, which the batch's main process starts (``ForkServer(listen=True)``, a Unix
socket in a private folder) and each worker reaches with :func:`use_fork_server`: the stack is
imported once per batch; when a worker's connection closes (it exited or was killed), the server
kills the kernels it forked for that worker.

Known differences from a cold kernel, none of which change a report: the kernel shares the fork
server's hash seed (``PYTHONHASHSEED``), so string hashes are the same in every kernel of one run;
``sys.modules`` already holds the pre-imported modules; the exit status of a kernel is not known to
the kernel manager (it is not the kernel's parent) and reads as 0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from functools import lru_cache

__all__ = [
    "BATCH_PRELOAD",
    "WARM_VARIABLE",
    "ForkServer",
    "ForkedKernel",
    "warm_provisioner",
    "fork_server",
    "start_fork_server",
    "start_shared_fork_server",
    "use_fork_server",
    "warm_kernels_enabled",
]

#: The environment variable that turns warm kernels off when ``0``, ``false``, ``no`` or ``off``.
WARM_VARIABLE = "AEEVAL_WARM_KERNELS"
#: What the fork server imports: what a report kernel would import anyway (the injected cells, the
#: bundled notebooks). Not ``matplotlib.pyplot``: importing it inside a running kernel is what
#: hooks matplotlib's inline backend into IPython, so it must happen in the kernel.
PRELOAD = (
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # ipykernel imports it (debugpy, 0.05 s) in every kernel it starts
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.stats.proportion",
    "statsmodels.stats.multitest",
    "statsmodels.genmod.generalized_linear_model",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "aeeval",
    "aeeval.evaluation",
    "aeeval.plots",
    "aeeval.publish.figures",
    "aeeval.publish.provenance",
)
#: What a batch's shared fork server imports besides :data:`PRELOAD`: the modules aeeval's own
#: analyses import when first called (the Staff Survey models and their diff-diff estimators, the
#: codebook's YAML and schema, the qualitative and agreement statistics), paid once per batch
#: instead of once per report (0.25 s of CPU in each evaluation report kernel, measured). Not
#: for ``aeeval run``'s one kernel: there its server's imports are on the way to the first cell.
BATCH_PRELOAD = (
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.core.pylabtools",
    "IPython.extensions.storemagic",
    "yaml",
    "fastjsonschema",
    "diff_diff",
    "aeeval.agreement",
    "aeeval.coding",
    "aeeval.compare",
    "aeeval.exports",
    "aeeval.funnel",
    "aeeval.measures",
    "aeeval.qual",
    "aeeval.reading",
    "aeeval.redaction",
    "aeeval.staff_survey",
    "aeeval.survey",
)
# ipykernel sets this before any notebook imports matplotlib; the fork server must import
# matplotlib under the same backend setting.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Ignored when comparing a kernel's command with the fork server's: only the debugger notices.
HARMLESS_FLAGS = ("-Xfrozen_modules=off",)


def warm_kernels_enabled() -> bool:
    """Whether kernels are forked from a fork server (``AEEVAL_WARM_KERNELS`` is not 0/false/no/off).

    Examples
    --------
    >>> import os
    >>> saved = os.environ.pop("AEEVAL_WARM_KERNELS", None)
    >>> warm_kernels_enabled()
    True
    >>> os.environ["AEEVAL_WARM_KERNELS"] = "0"
    >>> warm_kernels_enabled()
    False
    >>> _ = os.environ.pop("AEEVAL_WARM_KERNELS") if saved is None else None
    >>> os.environ.update({} if saved is None else {"AEEVAL_WARM_KERNELS": saved})
    """
    value = os.environ.get(WARM_VARIABLE, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


# ---------------------------------------------------------------------------- the server process


def serve(listen: str | None = None, preload: tuple = ()) -> None:
    """The fork server's main loop (``python -m aeeval.publish.forkserver [--listen PATH]``):
    import, report ready on stdout, then one fork per JSON request line until stdin closes.

    Requests come on stdin (from the process that started the server) and, with ``listen``, from
    every process that connects to the Unix socket at that path (the workers of a batch share one
    server). A peer that connects is sent the same ready report, with the environment the server
    imported under. When a peer's connection closes (it exited or was killed), every kernel forked
    for it that still runs is killed: a kernel never outlives the process that asked for it."""
    start = time.perf_counter()
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does before it imports anything
    parent = os.getppid()
    from .outdir import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    listener = None
    if listen is not None:  # bound before the imports: peers may connect at once and wait
        import socket

        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(listen)
        listener.listen(64)
    from ..cli import skip_iri_grammar

    skip_iri_grammar()
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    import importlib

    for name in (*PRELOAD, *preload):
        importlib.import_module(name)
    import matplotlib

    pristine_rc = dict(matplotlib.rcParams)  # as a fresh import leaves them
    if os.environ.get("MPLBACKEND") == INLINE_BACKEND and "MPLBACKEND" not in _START_ENV:
        del os.environ["MPLBACKEND"]
    import gc

    gc.collect()
    gc.freeze()  # the children share these pages instead of copying them at their first collection
    ready = {
        "pid": os.getpid(),
        "threads": _threads(),
        "import_seconds": round(time.perf_counter() - start, 3),
    }
    out = sys.stdout.buffer
    out.write((json.dumps(ready) + "\n").encode())
    out.flush()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they exit
    _serve_requests(listener, {**ready, "env": _START_ENV}, pristine_rc)


class _Peer:
    """One process that asks for kernels: the server's parent (stdin/stdout) or a connection."""

    def __init__(self, fd: int, send, connection=None):
        self.fd, self.send, self.connection = fd, send, connection
        self.pending = b""
        self.kernels: dict[int, int] = {}  # pidfd → pid of each kernel still running


def _serve_requests(listener, ready: dict, pristine_rc: dict) -> None:
    """Fork a kernel for every request line of every peer, one at a time (a fork takes a few ms);
    return when stdin (the parent) closes. Single-threaded: forking needs a process with no other
    thread, so peers and kernels are watched with one selector (a kernel through its pidfd)."""
    import selectors

    def owner_send(data: bytes) -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, _Peer(0, owner_send))
    if listener is not None:
        selector.register(listener, selectors.EVENT_READ, None)
    while True:
        for key, _ in selector.select():
            what = key.data
            if what is None:  # a new peer
                connection, _ = listener.accept()
                connection.sendall((json.dumps(ready) + "\n").encode())
                peer = _Peer(connection.fileno(), connection.sendall, connection)
                selector.register(connection, selectors.EVENT_READ, peer)
            elif isinstance(what, tuple):  # a kernel exited
                peer, pidfd = what
                selector.unregister(pidfd)
                os.close(pidfd)
                peer.kernels.pop(pidfd, None)
            else:
                data = os.read(what.fd, 1 << 16)
                if not data:
                    if what.connection is None:
                        return  # the parent is done: the kernels die with this process
                    _drop_peer(selector, what)
                    continue
                what.pending += data
                while b"\n" in what.pending:
                    line, what.pending = what.pending.split(b"\n", 1)
                    _fork_for(selector, what, json.loads(line), pristine_rc)


def _fork_for(selector, peer: _Peer, request: dict, pristine_rc: dict) -> None:
    import selectors

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _kernel(request, server=os.getppid(), pristine_rc=pristine_rc)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # already gone, or no pidfds: the kernel then dies with this server only
        pidfd = None
    if pidfd is not None:
        peer.kernels[pidfd] = pid
        selector.register(pidfd, selectors.EVENT_READ, (peer, pidfd))
    try:
        peer.send((json.dumps({"pid": pid}) + "\n").encode())
    except OSError:
        pass  # the peer is gone; its connection's end is seen next and its kernels killed


def _drop_peer(selector, peer: _Peer) -> None:
    """A peer's connection closed: kill the kernels forked for it, forget it."""
    for pidfd in list(peer.kernels):
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except OSError:
            pass
        selector.unregister(pidfd)
        os.close(pidfd)
    peer.kernels.clear()
    selector.unregister(peer.connection)
    peer.connection.close()


_START_ENV = dict(os.environ)


def _kernel(request: dict, *, server: int, pristine_rc: dict) -> None:
    """In the forked child: become the kernel a cold start would have given, then run it."""
    code = 1
    try:
        from .outdir import die_with_parent

        die_with_parent(server)
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()  # as jupyter_client starts a cold kernel: Ctrl-C in the terminal is not its
        log = request.get("log") or os.devnull
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.closerange(3, 65536)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random

        import matplotlib
        import numpy as np

        random.seed()
        np.random.seed(None)
        matplotlib.rcParams.update(pristine_rc)
        sys.argv = ["ipykernel_launcher", *request["args"]]
        from .kernel import run

        run()  # ipykernel_launcher's kernel, with an exit that cannot hang
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


# ------------------------------------------------------------------------------------ the client


class ForkServer:
    """A fork server: :meth:`fork` asks it for a kernel.

    ``ForkServer()`` starts one as a child of this process (``listen=True``: one that other
    processes may share, listening on a Unix socket at :attr:`address` in a private folder);
    :meth:`connect` reaches one another process started. ``env`` is the environment to start it
    with (this process's by default): kernels whose environment differs are started cold.
    ``preload``: modules to import besides :data:`PRELOAD` (a batch's: :data:`BATCH_PRELOAD`).

    References
    ----------
    .. [1] Jupyter Development Team, "Kernel Provisioning", jupyter_client documentation,
       https://jupyter-client.readthedocs.io/en/latest/provisioning.html

    Examples
    --------
    >>> import os, sys
    >>> server = ForkServer(listen=True)
    >>> server.ready()["pid"] == server.process.pid
    True
    >>> kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "kernel.json"]
    >>> server.reason_cold(kernel, dict(os.environ)) is None
    True
    >>> print(server.reason_cold(kernel, {**os.environ, "AEEVAL_EXAMPLE": "1"}))
    the environment differs from the fork server's in AEEVAL_EXAMPLE
    >>> peer = ForkServer.connect(server.address)  # as a batch worker does
    >>> peer.ready()["pid"] == server.process.pid and peer.env == server.env
    True
    >>> peer.close()
    >>> server.close()
    """

    def __init__(self, *, env: dict | None = None, listen: bool = False, preload: tuple = ()):
        import tempfile

        from .outdir import die_with_parent

        parent = os.getpid()
        self.env = dict(os.environ if env is None else env)
        self.address = self._folder = None
        command = [sys.executable, "-m", "aeeval.publish.forkserver"]
        if listen:
            self._folder = tempfile.mkdtemp(prefix="aeeval-forks-")  # private: mode 0700
            self.address = os.path.join(self._folder, "socket")
            command += ["--listen", self.address]
        if preload:
            command += ["--preload", ",".join(preload)]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: die_with_parent(parent),
            start_new_session=True,
        )
        self._attach(self.process.stdin, self.process.stdout)

    def _attach(self, send, receive, connection=None) -> None:
        import threading

        self._send, self._receive, self._connection = send, receive, connection
        self._ready: dict | None = None
        self._lock = threading.Lock()  # one request and its answer at a time

    @classmethod
    def connect(cls, address: str) -> ForkServer:
        """The fork server another process started with ``listen=True``, listening at ``address``.
        Its kernels are killed when this process exits or is killed. Raises :class:`OSError`
        when nothing listens there."""
        import socket

        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(address)
        except OSError:
            connection.close()
            raise
        server = cls.__new__(cls)
        server.process, server.address, server._folder, server.env = None, address, None, None
        server._attach(connection.makefile("wb"), connection.makefile("rb"), connection)
        return server

    def ready(self) -> dict | None:
        """The server's start report (pid, threads, import seconds), once it has imported
        everything; None if it died."""
        if self._ready is None:
            try:
                line = self._receive.readline()
            except OSError:
                line = b""
            if not line:
                return None
            ready = json.loads(line)
            env = ready.pop("env", None)
            if self.env is None:
                self.env = env
            self._ready = ready
        return self._ready

    def alive(self) -> bool:
        """Whether the server may still fork (its process runs, or the connection to it is open)."""
        if self.process is not None:
            return self.process.poll() is None
        return self._connection.fileno() != -1

    def reason_cold(self, cmd: list[str], env: dict) -> str | None:
        """Why a kernel started with ``cmd`` and ``env`` cannot come from this server; None if it can."""
        exe, rest = cmd[0], [a for a in cmd[1:] if a not in HARMLESS_FLAGS]
        if not os.path.isabs(exe):
            import shutil

            exe = shutil.which(exe, path=env.get("PATH")) or exe
        if os.path.abspath(exe) != os.path.abspath(sys.executable):
            return f"the kernel's interpreter {cmd[0]} is not {sys.executable}"
        if rest[:2] != ["-m", "ipykernel_launcher"]:
            return f"the kernel's command is not ipykernel_launcher: {' '.join(cmd)}"
        if self.env is None and self.ready() is None:
            return "the fork server stopped"
        differ = sorted(
            k
            for k in set(env) | set(self.env)
            if not k.startswith("JPY_") and env.get(k) != self.env.get(k)
        )
        if differ:
            return f"the environment differs from the fork server's in {', '.join(differ)}"
        return None

    def fork(self, cmd: list[str], *, cwd, env: dict, log: str | None) -> int | None:
        """Fork a kernel; its pid, or None when the server is gone."""
        request = {"args": cmd[cmd.index("ipykernel_launcher") + 1 :], "cwd": str(cwd)}
        request.update(env=env, log=log)
        with self._lock:
            if self.ready() is None:
                return None
            try:
                self._send.write((json.dumps(request) + "\n").encode())
                self._send.flush()
                line = self._receive.readline()
            except (BrokenPipeError, OSError):
                return None
        return json.loads(line)["pid"] if line else None

    def close(self) -> None:
        """Stop the server (its running kernels die with it), or leave the one connected to
        (the kernels forked for this process are killed)."""
        for stream in (self._send, self._receive):
            try:
                stream.close()
            except OSError:
                pass
        if self._connection is not None:
            self._connection.close()
        if self.process is not None:
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._folder is not None:
            import shutil

            shutil.rmtree(self._folder, ignore_errors=True)


_SERVER: ForkServer | None = None


def _forking() -> bool:
    """Whether kernels are to be forked here: warm kernels on, and Linux (pidfds, PDEATHSIG)."""
    return warm_kernels_enabled() and sys.platform.startswith("linux")


def start_fork_server() -> ForkServer | None:
    """Start this process's fork server now, if warm kernels are on and none is running, so that it
    imports while this process does other work; returns it (None when off)."""
    global _SERVER
    if not _forking():
        return None
    if _SERVER is None or not _SERVER.alive():
        _SERVER = ForkServer()
    return _SERVER


def start_shared_fork_server(env: dict, preload: tuple = BATCH_PRELOAD) -> ForkServer | None:
    """A fork server other processes may share (``ForkServer(listen=True)``), started with
    ``env`` and importing ``preload`` too (a batch's: :data:`BATCH_PRELOAD`); None when warm
    kernels are off. Its kernels come to the processes that :func:`use_fork_server` it."""
    return ForkServer(env=env, listen=True, preload=preload) if _forking() else None


def use_fork_server(address: str) -> ForkServer | None:
    """Make the fork server listening at ``address`` (started by another process with
    ``ForkServer(listen=True)``) this process's; start one of its own if none answers there.
    None when warm kernels are off."""
    global _SERVER
    if not _forking():
        return None
    try:
        _SERVER = ForkServer.connect(address)
    except OSError:
        return start_fork_server()
    return _SERVER


def fork_server() -> ForkServer | None:
    """This process's fork server, started if needed (None when warm kernels are off)."""
    return start_fork_server()


class ForkedKernel:
    """The parts of :class:`subprocess.Popen` jupyter_client's :class:`LocalProvisioner` uses, for
    a kernel that is the fork server's child, not ours (followed through a Linux pidfd)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd, self.returncode = None, 0
        except (AttributeError, OSError):
            self._pidfd = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self._pidfd is not None:
            import select

            if select.select([self._pidfd], [], [], 0)[0]:
                self._gone()
        else:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self._gone()
        return self.returncode

    def _gone(self) -> None:
        self.returncode = 0  # the exit status goes to the fork server, not to us
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, signum) if self._pidfd is not None else os.kill(
                self.pid, signum
            )

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@lru_cache(maxsize=1)
def warm_provisioner():
    """The class ``WarmProvisioner`` (made on first use: jupyter_client is imported only when a
    kernel is started)."""
    from jupyter_client.provisioning import LocalProvisioner

    from .kernel import launcher_command

    class WarmProvisioner(LocalProvisioner):
        """A :class:`~jupyter_client.provisioning.LocalProvisioner` whose kernels are forked from
        this process's fork server (:mod:`aeeval.publish.forkserver`), or started cold when they
        cannot be or warm kernels are off (see the module's docstring; the reason goes to the
        kernel's log), through :mod:`aeeval.publish.kernel` when the kernel is this interpreter's
        ipykernel."""

        warm = False

        async def launch_kernel(self, cmd, **kwargs):
            server = fork_server()
            env = dict(kwargs.get("env") or os.environ)
            if not kwargs.get("independent"):
                env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client gives a cold kernel
            log = kwargs.get("stdout")
            path = log.name if isinstance(getattr(log, "name", None), str) else None
            reason = "warm kernels are off" if server is None else server.reason_cold(cmd, env)
            pid = None
            if reason is None:
                pid = server.fork(cmd, cwd=kwargs.get("cwd") or os.getcwd(), env=env, log=path)
                reason = "the fork server stopped" if pid is None else None
            if pid is None:
                if log is not None and server is not None:
                    log.write(f"aeeval: cold kernel: {reason}\n".encode())
                    log.flush()
                return await super().launch_kernel(launcher_command(cmd), **kwargs)
            self.warm = True
            self.process = ForkedKernel(pid)
            self.pid, self.pgid = pid, pid  # the kernel leads a session of its own
            self.cwd = kwargs.get("cwd") or os.getcwd()
            await self._bound()
            return self.connection_info

        async def _bound(self, timeout: float = 30.0) -> None:
            """Return once the kernel has bound its Unix sockets (or died, or ``timeout``).

            A client that connects before the kernel has bound waits for ZeroMQ to retry the
            connection (its reconnect interval is 100 ms): a forked kernel answered its first
            kernel_info 0.13-0.21 s after launch that way, and 0.07-0.10 s when the client
            connects to bound sockets; jupyter_client's readiness check then returned after
            0.39-0.44 s before and 0.27-0.30 s now (its last 0.2 s is its own IOPub flush).
            Over TCP (no socket files to see) this returns at once."""
            import asyncio

            info = self.connection_info
            if info.get("transport") != "ipc":
                return
            paths = [
                f"{info['ip']}-{info[k]}"
                for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
            ]
            deadline = time.monotonic() + timeout
            while not all(os.path.exists(p) for p in paths):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    return  # jupyter_client reports a dead or silent kernel as it always does
                await asyncio.sleep(0.005)

    return WarmProvisioner


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m aeeval.publish.forkserver")
    parser.add_argument("--listen", help="also serve the processes that connect to this socket")
    parser.add_argument("--preload", default="", help="comma-separated modules to import too")
    options = parser.parse_args()
    serve(options.listen, tuple(m for m in options.preload.split(",") if m))
