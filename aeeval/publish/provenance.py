"""Provenance: which files a report read, and what it was built with.

Two halves. In the notebook's kernel, :func:`record_inputs` (run by the report builder before the
notebook's first cell) notes every file the kernel opens for reading, through a Python audit hook,
so the record holds what was really read rather than what a parameter suggests, and hashes the
file at that moment: the SHA-256 recorded is of the bytes as the kernel read them, not as they are
when the report is published. :func:`emit_inputs` (run after the last cell) hands the record back
inside the executed notebook. In the builder, :func:`verify_inputs` checks that no input changed
while the report ran and :func:`environment` records the Python, packages, browser and git state
that ``manifest.json`` and the report's appendix show.

Which files count: every regular file opened for reading, whatever its suffix (``.gz``, ``.pkl``
as well as ``.csv``), anywhere but in the folders of software and settings
(:func:`_ignored_folders`: the Python installation and site-packages, caches, Jupyter's and
IPython's own files, ``/usr``, ``/etc``, ``/proc`` …) — aeeval's bundled data, schemas and
notebooks (:data:`aeeval.paths.BUNDLED`) always count, also from site-packages — and except
Python code itself (``.py``,
``.pyc``, extension modules: imports are recorded by the git commit and package versions). So the
data folders are wherever data is read from: aeeval's bundled ``data/``, a folder given as a
parameter, the notebook's working folder, the temporary folder.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

from ..errors import AeevalError
from ..paths import BUNDLED, ROOT, display_path

__all__ = [
    "INPUTS_MIMETYPE",
    "InputChangedError",
    "record_inputs",
    "recorded_inputs",
    "read_inputs",
    "emit_inputs",
    "file_sha256",
    "describe_inputs",
    "verify_inputs",
    "environment",
    "display_path",
]

INPUTS_MIMETYPE = "application/vnd.aeeval.inputs+json"
#: Files never counted as inputs: Python code, whose provenance is the git commit and packages.
CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyo", ".pyd", ".so"})
_PACKAGE_METADATA = re.compile(r"\.(egg|dist)-info[/\\]")  # an installed package's own files
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

# Files read so far in this process, in order (a log, not an option): path → {"bytes", "sha256",
# "versions" (every distinct SHA-256 seen at an open), "stat" (size, mtime, inode at the last hash)}.
_recorded: dict[str, dict] = {}
_ignored: tuple[str, ...] = ()
# aeeval's bundled data and notebooks are data wherever they are installed (site-packages too).
_bundled = tuple(os.path.realpath(f) + os.sep for f in BUNDLED.values())
_hashing = threading.local()  # the hook's own reads of a file it hashes are not inputs


class InputChangedError(AeevalError, RuntimeError):
    """An input file changed while the report ran: what the kernel read is not what is recorded."""


def _ignored_folders() -> tuple[str, ...]:
    """Folders whose files are software or settings, not data: the Python installation, caches,
    Jupyter's and IPython's own files and the operating system's."""
    import site
    import tempfile

    home = Path.home()
    # every folder of installed packages on the path, also one a .pth file adds (a stacked
    # environment): the data files of libraries (matplotlib's styles …) are not inputs
    packages = [p for p in sys.path if Path(p).name in {"site-packages", "dist-packages"}]
    folders = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        *site.getsitepackages(),
        *packages,
        site.getusersitepackages(),
        str(home / ".cache"),
        str(home / ".config"),
        str(home / ".local"),
        str(home / ".ipython"),
        str(home / ".jupyter"),
        os.environ.get("XDG_CACHE_HOME", ""),
        os.environ.get("MPLCONFIGDIR", ""),
        os.environ.get("JUPYTER_RUNTIME_DIR", ""),
        "/proc",
        "/sys",
        "/dev",
        "/etc",
        "/usr",
        "/run",
    }
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        folders.add(jupyter_runtime_dir())
    except ImportError:
        pass
    folders.discard(tempfile.gettempdir())
    return tuple(sorted(os.path.realpath(f) + os.sep for f in folders if f))


def _note(path) -> None:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)) or getattr(_hashing, "busy", False):
        return
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() in CODE_SUFFIXES:
        return
    path = os.path.realpath(path)
    if (
        (path.startswith(_ignored) and not path.startswith(_bundled))
        or _PACKAGE_METADATA.search(path)
        or "__pycache__" in path
    ):
        return
    try:
        info = os.stat(path)
    except OSError:
        return  # the open will fail: nothing is read
    if not stat.S_ISREG(info.st_mode):
        return  # a pipe or device: hashing it would block or never end
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    entry = _recorded.get(path)
    if entry is not None and entry["stat"] == key:
        return  # unchanged since it was last hashed
    _hashing.busy = True
    try:
        digest, size = _hash(path)
    except OSError:
        return
    finally:
        _hashing.busy = False
    if entry is None:
        _recorded[path] = {"bytes": size, "sha256": digest, "versions": [digest], "stat": key}
    else:
        entry["stat"] = key
        if digest not in entry["versions"]:
            entry["versions"].append(digest)


def _audit(event: str, args) -> None:
    if event == "open":
        path, mode, flags = args
        if path is None or isinstance(path, int):
            return
        if mode is not None:
            if any(c in mode for c in "wax+"):
                return
        elif flags & _WRITE_FLAGS:
            return
        _note(path)
    elif event == "sqlite3.connect":
        database = args[0]
        if isinstance(database, str) and database.startswith("file:"):
            from urllib.parse import unquote, urlparse

            database = unquote(urlparse(database).path)
        _note(database)


def record_inputs() -> None:
    """Start noting every data file this process opens for reading (idempotent)."""
    global _ignored
    if not _ignored:
        _ignored = _ignored_folders()
        sys.addaudithook(_audit)


def recorded_inputs() -> list[str]:
    """Absolute paths of the data files read since :func:`record_inputs`, in the order first read."""
    return [p for p in _recorded if os.path.isfile(p)]


def read_inputs() -> list[dict]:
    """The files read since :func:`record_inputs`, as read: ``[{"path", "bytes", "sha256",
    "versions"}]`` (``path`` absolute; ``sha256`` of the bytes at the first open; ``versions``
    every distinct SHA-256 seen when the file was opened again after it changed)."""
    return [
        {"path": p, "bytes": e["bytes"], "sha256": e["sha256"], "versions": list(e["versions"])}
        for p, e in _recorded.items()
    ]


def emit_inputs() -> None:
    """Display the recorded inputs under :data:`INPUTS_MIMETYPE` for the report builder."""
    from IPython.display import display

    display({INPUTS_MIMETYPE: {"inputs": read_inputs()}}, raw=True)


def _hash(path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    return _hash(path)[0]


def describe_inputs(paths) -> list[dict]:
    """``[{"path", "bytes", "sha256"}]`` for each existing file in ``paths`` (duplicates once)."""
    out, seen = [], set()
    for p in paths:
        p = Path(p).resolve()
        if p in seen or not p.is_file():
            continue
        seen.add(p)
        out.append({"path": display_path(p), "bytes": p.stat().st_size, "sha256": file_sha256(p)})
    return out


def verify_inputs(read: list) -> list[dict]:
    """The manifest's inputs from what a kernel read (:func:`read_inputs`), each checked unchanged.

    Returns ``[{"path", "bytes", "sha256"}]`` with the SHA-256 of the bytes as the kernel read them
    (``path`` as :func:`display_path` shows it). Raises :class:`InputChangedError` naming every
    file the kernel saw in two versions or that differs now from what it read: the report would
    not say what it was made from. A file removed since it was read keeps its record.
    """
    out, changed = [], []
    for entry in read:
        if isinstance(entry, str):  # a kernel whose record holds only paths: hash them now
            out.extend(describe_inputs([entry]))
            continue
        path = Path(entry["path"])
        now = None
        if path.is_file():
            try:
                now = file_sha256(path)
            except OSError:
                now = None
        versions = list(entry.get("versions") or [entry["sha256"]])
        if now is not None and now not in versions:
            versions.append(now)
        if len(versions) > 1:
            changed.append(
                f"{display_path(path)} (read as sha256 {versions[0][:12]}…, then "
                f"{', '.join(v[:12] + '…' for v in versions[1:])})"
            )
        out.append({"path": display_path(path), "bytes": entry["bytes"], "sha256": entry["sha256"]})
    if changed:
        raise InputChangedError(
            "input changed while the report ran, so the report cannot say which data it shows: "
            + "; ".join(changed)
            + ". Run it again once nothing is writing to the file"
        )
    return out


def _git(*args) -> str | None:
    if ROOT is None:  # installed from a wheel: its version says what it is
        return None
    try:
        res = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout if res.returncode == 0 else None


def _packages() -> dict[str, str]:
    """Installed versions of aeeval's runtime dependencies (as its metadata names them)."""
    from importlib.metadata import PackageNotFoundError, requires, version

    try:
        wanted = [r for r in requires("aeeval") or [] if "extra ==" not in r]
    except PackageNotFoundError:
        return {}
    names = sorted({re.match(r"[A-Za-z0-9_.\-]+", r).group() for r in wanted} | {"nbclient"})
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def environment(browser_version: str | None = None) -> dict:
    """What a report is built with: aeeval, Python, platform, packages, browser and git state.

    ``git.commit`` is ``None`` outside a git checkout; ``git.dirty`` is true when tracked files
    differ from the commit or untracked, unignored files exist.
    """
    from .. import __version__

    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return {
        "aeeval_version": __version__,
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "platform": platform.platform(),
        "packages": _packages(),
        "browser": browser_version,
        "git": {
            "commit": commit.strip() if commit else None,
            "dirty": bool(status.strip()) if status is not None else None,
        },
    }
