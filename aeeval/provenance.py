"""Provenance: which files a report read, and what it was built with.

Two halves. In the notebook's kernel, :func:`record_inputs` (run by the report builder before the
notebook's first cell) notes every data file the kernel opens for reading, through a Python audit
hook, so the record holds what was really read rather than what a parameter suggests; and
:func:`emit_inputs` (run after the last cell) hands the list back inside the executed notebook.
In the builder, :func:`describe_inputs` hashes those files and :func:`environment` records the
Python, packages, browser and git state that ``manifest.json`` and the report's appendix show.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from .paths import ROOT

__all__ = ["INPUTS_MIMETYPE", "record_inputs", "recorded_inputs", "emit_inputs", "file_sha256",
           "describe_inputs", "environment", "display_path"]

INPUTS_MIMETYPE = "application/vnd.aeeval.inputs+json"
#: Files counted as inputs when a kernel opens them for reading (data, codebooks, schemas …).
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".json", ".yaml",
                           ".yml", ".qdpx", ".qdc", ".qda", ".sqlite", ".db", ".parquet", ".zip"})
_PACKAGE_METADATA = re.compile(r"\.(egg|dist)-info[/\\]")  # an installed package's own files
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_recorded: dict[str, None] = {}  # files read so far in this process, in order (a log, not an option)
_ignored: tuple[str, ...] = ()


def _ignored_folders() -> tuple[str, ...]:
    """Folders whose files are software or settings, not data: the Python installation, caches,
    Jupyter's and IPython's own files and the operating system's."""
    import site
    import tempfile

    home = Path.home()
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(),
               site.getusersitepackages(), str(home / ".cache"), str(home / ".config"),
               str(home / ".local"), str(home / ".ipython"), str(home / ".jupyter"),
               os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("MPLCONFIGDIR", ""),
               os.environ.get("JUPYTER_RUNTIME_DIR", ""), "/proc", "/sys", "/dev", "/etc", "/usr",
               "/run"}
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
    if not isinstance(path, (str, os.PathLike)):
        return
    path = os.path.realpath(os.fspath(path))
    if (Path(path).suffix.lower() in DATA_SUFFIXES and not path.startswith(_ignored)
            and not _PACKAGE_METADATA.search(path)):
        _recorded.setdefault(path, None)


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


def emit_inputs() -> None:
    """Display the recorded inputs under :data:`INPUTS_MIMETYPE` for the report builder."""
    from IPython.display import display

    display({INPUTS_MIMETYPE: {"inputs": recorded_inputs()}}, raw=True)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the project root when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


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


def _git(*args) -> str | None:
    try:
        res = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                             timeout=20)
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
    from . import __version__

    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return {
        "aeeval_version": __version__,
        "python": {"version": platform.python_version(),
                   "implementation": platform.python_implementation()},
        "platform": platform.platform(),
        "packages": _packages(),
        "browser": browser_version,
        "git": {"commit": commit.strip() if commit else None,
                "dirty": bool(status.strip()) if status is not None else None},
    }
