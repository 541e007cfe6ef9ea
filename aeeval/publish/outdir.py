"""Output folders that are aeeval's alone, replaced atomically, one writer at a time.

A report folder is recognised by its ``manifest.json``: the key ``"aeeval_report"`` (written by
:mod:`aeeval.publish.report` since this module exists) or, for reports published by earlier versions, the
keys ``"aeeval_version"`` and ``"outputs"`` together. Only such a folder, or an empty one, may be
replaced; a file, a symbolic link or a folder holding anything else at the output path is an error
(:func:`check_destination`) and nothing is touched. An output folder may not contain, or lie inside,
an input of the run (:func:`check_apart`).

**The swap.** A report is built in a work folder ``.<name>.XXXXXXXX`` beside the destination
(``mkdtemp``), which carries an owner file (``.aeeval-work``, holding the pid) from its creation
until ``manifest.json`` is written, so at every instant it is recognisable as aeeval's.
:func:`swap_into_place` then

- renames it to the destination when there is none (``rename(2)``: atomic);
- otherwise, on Linux, exchanges the two folders in one system call,
  ``renameat2(RENAME_EXCHANGE)`` (glibc, through ctypes; on macOS the same with
  ``renamex_np(RENAME_SWAP)``, which the tests on Linux do not exercise). Chosen over a symlink
  flip to versioned folders because the output path stays a real folder (users copy, zip and
  open it; a symlink breaks on copying and on Windows shares) and because one system call cannot
  be cut in half by any signal, SIGKILL included: the path holds the old report or the new one,
  never neither. The old report is then at the work folder's name, still carrying its manifest,
  and is removed.
- where ``renameat2`` is missing or the file system refuses the exchange (``ENOSYS``,
  ``EINVAL``: other systems, some network file systems), it falls back to two renames,
  destination → ``.<name>.old-<pid>`` then new → destination, with SIGINT/SIGTERM/SIGHUP blocked
  in between. Weaker: a SIGKILL or power loss between the two leaves no folder at the path for a
  moment; the old report is then at ``.<name>.old-<pid>`` and the next run on that path moves it
  back before anything else (:func:`clean_leftovers`).

**Leftovers** of an interrupted run — work folders and swapped-out old reports — are recognised by
their name (``.<name>.`` then 8 ``mkdtemp`` characters, or ``.<name>.old-<pid>``) AND by their
content (the owner file, an aeeval manifest, or nothing at all), and removed by the next run on that
path while it holds the lock; a work folder whose owner process is still alive is left alone.
Files are removed before the owner file and the manifest, so an interrupted removal stays
recognisable.

**The lock** (:func:`locked`): ``fcntl.flock`` on ``.<name>.lock`` beside the output folder (not
inside it, so it survives the swap). A second run on the same folder fails at once, naming the pid
that holds it, rather than waiting: it would otherwise run the notebook again only to replace the
first run's report. The lock file is removed when released (a run that finds it re-created under
its feet retries). Without ``fcntl`` (Windows) there is no lock.

:func:`fault` is a test hook: ``AEEVAL_FAULT=<point>:<SIGNAL>`` sends that real signal to the
running process at a named step of the publish, where a test could not time a signal from outside.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import AeevalError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = [
    "OutputError",
    "MARKER_KEY",
    "MARKER",
    "WORK_OWNER",
    "FAILED_FILES",
    "check_apart",
    "check_destination",
    "clean_leftovers",
    "die_with_parent",
    "exit_with",
    "fault",
    "failed_folder",
    "is_failed_folder",
    "is_report",
    "locked",
    "make_work_folder",
    "path_parameters",
    "process_alive",
    "remove_folder",
    "sigterm_interrupts",
    "signals_held",
    "swap_into_place",
]

MARKER_KEY = "aeeval_report"
MARKER = {"format": 1}
WORK_OWNER = ".aeeval-work"
FAILED_FILES = frozenset({"executed.ipynb", "kernel.log", "error.txt"})
RENAME_EXCHANGE = 2
AT_FDCWD = -100
PR_SET_PDEATHSIG = 1
RENAME_SWAP = 2  # macOS renamex_np
# libc, looked up once here: die_with_parent runs between fork and exec, where loading is unsafe.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith(("linux", "darwin")) else None


class OutputError(AeevalError, ValueError):
    """An output path aeeval may not write: the message names it and says why."""


def is_report(folder: Path) -> bool:
    """Whether ``folder`` is a report folder aeeval published (see the module docstring)."""
    manifest = Path(folder) / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and (
        MARKER_KEY in data or ("aeeval_version" in data and "outputs" in data)
    )


def failed_folder(out: Path) -> Path:
    """``<out>.failed``, where a failed run keeps its executed notebook and kernel log."""
    out = Path(out)
    return out.with_name(out.name + ".failed")


def is_failed_folder(folder: Path) -> bool:
    """Whether ``folder`` holds only what aeeval keeps of a failed run."""
    folder = Path(folder)
    return (
        folder.is_dir()
        and not folder.is_symlink()
        and {p.name for p in folder.iterdir()} <= FAILED_FILES
    )


def check_destination(out: Path) -> None:
    """Raise :class:`OutputError` unless ``out`` is absent, an empty folder or a report folder.

    ``<out>.failed`` must likewise be absent or a failed-run folder of aeeval's.
    """
    out = Path(out)
    hint = (
        "aeeval replaces only folders it published (with a manifest.json it wrote); choose "
        "another --out, or move it away yourself"
    )
    if out.is_symlink():
        raise OutputError(f"output path {out} is a symbolic link, not a report folder; {hint}")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} is a file, not a report folder; {hint}")
    if out.is_dir() and any(out.iterdir()) and not is_report(out):
        raise OutputError(f"output folder {out} holds files that are not an aeeval report; {hint}")
    failed = failed_folder(out)
    if (failed.exists() or failed.is_symlink()) and not is_failed_folder(failed):
        raise OutputError(
            f"{failed} (where a failed run is kept) holds files aeeval did not write; "
            "move it away or choose another --out"
        )


def path_parameters(parameters: dict, cwd: Path) -> list[tuple[str, Path]]:
    """``(label, path)`` for every parameter value (or list item) naming an existing file or folder,
    relative paths read from ``cwd`` as the kernel will."""
    found = []
    for name, value in parameters.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(v, (str, os.PathLike)) and str(v).strip():
                try:  # any text may be a parameter: a long title is no file name, nor is "a\0b"
                    p = Path(cwd) / Path(v).expanduser()
                    exists = p.exists()
                except (OSError, ValueError, RuntimeError):
                    continue
                if exists:
                    found.append((f"parameter {name}", p))
    return found


def check_apart(out: Path, inputs) -> None:
    """Raise :class:`OutputError` if ``out`` (or ``<out>.failed``) contains, is, or lies inside
    any of ``inputs`` — ``(label, path)`` pairs of the run's input files and folders."""
    targets = [Path(out), failed_folder(out)]
    for label, path in inputs:
        path = Path(path)
        if not path.exists():
            continue
        real = path.resolve()
        for target in targets:
            t = target.resolve()
            if real == t or real.is_relative_to(t):
                raise OutputError(
                    f"output folder {target} would contain {label} ({path}): a report "
                    "replaces its folder whole, so it may not hold the run's inputs; "
                    "choose another --out"
                )
            if real.is_dir() and t.is_relative_to(real):
                raise OutputError(
                    f"output folder {target} is inside {label} ({path}): reports may "
                    "not be written into the run's input folders; choose another --out"
                )


def fault(point: str) -> None:
    """Test hook: with ``AEEVAL_FAULT=<point>:<SIGNAL>`` send SIGNAL to this process here."""
    setting = os.environ.get("AEEVAL_FAULT", "")
    name, _, sig = setting.partition(":")
    if name == point:
        os.kill(os.getpid(), getattr(signal, sig or "SIGKILL"))


def make_work_folder(out: Path) -> Path:
    """A new work folder ``.<name>.XXXXXXXX`` beside ``out``, with the owner file in it."""
    import tempfile

    out = Path(out)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        work.chmod(0o777 & ~mask)  # mkdtemp's 0700 would make the published folder private
        (work / WORK_OWNER).write_text(f"{os.getpid()}\n", encoding="utf-8")
    except BaseException:
        os.rmdir(work) if not any(work.iterdir()) else None
        raise
    return work


def remove_folder(folder: Path) -> None:
    """Remove a work or old report folder, its owner file and manifest last (see the docstring)."""
    folder = Path(folder)
    if not folder.exists():
        return
    last = (folder / "manifest.json", folder / WORK_OWNER)
    try:
        for entry in folder.iterdir():
            if entry in last:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        for entry in last:
            entry.unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int((folder / WORK_OWNER).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return False
    return pid != os.getpid() and process_alive(pid)


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts: it cannot be signalled)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(out: Path) -> list[Path]:
    """Remove the leftovers of interrupted runs on ``out`` (see the module docstring); first, if
    ``out`` is missing, move a swapped-out old report back. Returns what was removed or restored.
    Call it only while holding :func:`locked`."""
    out = Path(out)
    if not out.parent.is_dir():
        return []
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:[a-z0-9_]{{8}}|old-\d+)")
    done = []
    for entry in sorted(out.parent.iterdir()):
        if not pattern.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        names = {p.name for p in entry.iterdir()}
        if WORK_OWNER in names:
            if _owner_alive(entry):
                continue
        elif names and not is_report(entry):
            continue  # not recognisably aeeval's: leave it
        if ".old-" in entry.name and is_report(entry) and not out.exists() and not out.is_symlink():
            entry.rename(out)  # the fallback swap was cut between its two renames
        else:
            remove_folder(entry)
        done.append(entry)
    return done


@contextmanager
def locked(out: Path):
    """Hold the lock of output folder ``out`` (creating its parent), cleaning leftovers first.

    Raises :class:`OutputError` naming the holder's pid when another run holds it.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows: no lock
        clean_leftovers(out)
        yield
        return
    path = out.with_name(f".{out.name}.lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise OutputError(
                f"another aeeval run (pid {holder}) is writing {out}; wait for it "
                "to finish, or stop it, then run again"
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file after we opened it: try again
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        clean_leftovers(out)
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)


def _exchange_call():
    """A function ``(a, b) -> int`` exchanging two paths atomically, or None on this system."""
    if _LIBC is None or os.environ.get("AEEVAL_NO_EXCHANGE"):  # the variable: tests of the fallback
        return None
    if sys.platform.startswith("linux") and hasattr(_LIBC, "renameat2"):
        fn = _LIBC.renameat2
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        return lambda a, b: fn(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    if sys.platform == "darwin" and hasattr(_LIBC, "renamex_np"):  # macOS 10.12+; not tested here
        fn = _LIBC.renamex_np
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        return lambda a, b: fn(a, b, RENAME_SWAP)
    return None


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two folders atomically; False when this system cannot."""
    fn = _exchange_call()
    if fn is None:
        return False
    if fn(os.fsencode(a), os.fsencode(b)) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, f"could not exchange {a} and {b}: {os.strerror(err)}")


def swap_into_place(new: Path, dest: Path) -> None:
    """Put the finished folder ``new`` at ``dest`` so that ``dest`` holds the old folder or the new
    one at every instant (see the module docstring), then remove the old one."""
    new, dest = Path(new), Path(dest)
    fault("before-swap")
    if not dest.exists() and not dest.is_symlink():
        os.rename(new, dest)
        fault("after-swap")
        return
    if _exchange(new, dest):
        fault("after-swap")
        remove_folder(new)  # now the old report
        return
    old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
    remove_folder(old)
    with signals_held():
        os.rename(dest, old)
        fault("between-renames")
        try:
            os.rename(new, dest)
        except OSError:
            os.rename(old, dest)
            raise
    fault("after-swap")
    remove_folder(old)


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``);
    exit at once if the parent (pid ``parent``, when given) is already gone. Does nothing
    elsewhere (there, a kernel still exits within a second of its parent: ipykernel polls it).
    Safe in ``preexec_fn``."""
    if _LIBC is None or not sys.platform.startswith("linux"):
        return
    parent = os.getppid() if parent is None else parent
    if _LIBC.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return
    if os.getppid() != parent:
        os._exit(1)


def exit_with(pid: int) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` ends, from a watcher thread.

    For a process whose parent is not ``pid`` — a batch worker forked by multiprocessing's
    forkserver, which lives as long as its workers do — where :func:`die_with_parent` cannot see
    ``pid`` go. Linux's pidfds wake the watcher at once; elsewhere it looks every half second.
    Exits at once if ``pid`` is already gone."""
    import select
    import threading
    import time

    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # not Linux, or a kernel without pidfds
        pidfd = None

    def watch() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while process_alive(pid):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="aeeval-exit-with", daemon=True).start()


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


@contextmanager
def sigterm_interrupts():
    """While in this block, SIGTERM and SIGHUP (the terminal closed) stop the program as Ctrl-C
    does (a :class:`KeyboardInterrupt` naming the signal), so the same clean-up runs; only in the
    main thread, where signals land."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def signals_held():
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (a second Ctrl-C during clean-up
    waits for it instead of cutting it short)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    held = {signal.SIGINT, *STOP_SIGNALS}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
