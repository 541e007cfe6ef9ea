"""Reading the files a user names: regular files only, YAML without aliases, printable messages.

Every user-given file — a table for ``aeeval validate``, a ``-f`` parameters file, a build config,
a codebook, a schema — is checked here before it is opened: a named pipe, a device or a socket is
refused without being opened (opening a pipe for reading blocks until something writes to it), and
every error names the file. YAML is read by one loader, :func:`load_yaml`, which refuses anchors
and aliases: an alias copies a node by reference, and a kilobyte of nested aliases (the "billion
laughs") expands to more values than memory holds once anything walks it. Text from a file echoed
in a message goes through :func:`printable`, so a file's control characters (ANSI escapes, carriage
returns) never drive the terminal that shows the message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import AeevalError

__all__ = [
    "InputFileError",
    "file_problem",
    "read_text",
    "load_yaml",
    "read_yaml",
    "printable",
    "format_violation",
]


class InputFileError(AeevalError, ValueError):
    """A file a user named cannot be read; the message names the file and says why."""


# C0 controls, DEL and C1 controls, bidirectional overrides and isolates (they reorder what a
# terminal shows), line and paragraph separators: shown as escapes (\x1b, \r, \u202e).
_ESCAPED = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_ESCAPED.update(
    {
        c: f"\\u{c:04x}"
        for c in [
            0x061C,
            0x200E,
            0x200F,
            *range(0x202A, 0x202F),
            *range(0x2066, 0x206A),
            0x2028,
            0x2029,
        ]
    }
)
_ESCAPED.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"})
_ESCAPED_KEEP_LINES = {**_ESCAPED}
del _ESCAPED_KEEP_LINES[ord("\n")]


def printable(text, *, lines: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\r``, ``\\u202e``).

    Parameters
    ----------
    text : object
        Converted with ``str`` first.
    lines : bool
        Keep line breaks (for a message of several lines); otherwise ``\\n`` is escaped too, so a
        value can never start a line of its own.

    Examples
    --------
    >>> printable("\\x1b[31mred\\r\\n")
    '\\\\x1b[31mred\\\\r\\\\n'
    """
    return str(text).translate(_ESCAPED_KEEP_LINES if lines else _ESCAPED)


def file_problem(path) -> str | None:
    """Why ``path`` cannot be read as an input file, or ``None`` when it is a regular file.

    Only ``stat`` is used: a named pipe, device or socket is never opened.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "file does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file: name the files in it"
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return f"is {kind}, not a regular file: aeeval reads only regular files (save the data to one)"


def _check(path: Path) -> None:
    reason = file_problem(path)
    if reason is not None:
        raise InputFileError(f"{printable(path)}: {reason}")


def read_text(path) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped).

    Raises :class:`InputFileError` naming the file when it is missing, not a regular file, or
    not UTF-8 (UTF-16 and Windows-1252 are recognised and named).
    """
    path = Path(path)
    _check(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{printable(path)}: cannot be read ({exc.strerror or exc})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise InputFileError(
            f"{printable(path)}: is UTF-16 text (or not text at all); save it as UTF-8"
        )
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("cp1252")
            kind = "Windows-1252 ('ANSI') text"
        except UnicodeDecodeError:
            kind = "not UTF-8 text"
        raise InputFileError(
            f"{printable(path)}: line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8: the file "
            f"is {kind}; save it as UTF-8"
        ) from None


def _loader():
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        """A safe loader that refuses anchors (``&name``) and aliases (``*name``)."""

        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    "anchors (&name) and aliases (*name) are not allowed: write the "
                    "value out in full",
                    event.start_mark,
                )
            return super().compose_node(parent, index)

    return NoAliasLoader


def load_yaml(text: str, source: str):
    """Parse YAML ``text`` read from ``source`` (a file name, or ``-p NAME``), aliases refused.

    Raises :class:`InputFileError` naming ``source`` and the line for invalid YAML, an anchor or
    alias, or nesting too deep to read.
    """
    import yaml

    try:
        loader = _loader()(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control code)
        line = text[: exc.position].count("\n") + 1
        raise InputFileError(
            f"{printable(source)}, line {line}: not valid YAML: character "
            f"{exc.character:#06x} is not allowed"
        ) from None
    loader.name = str(source)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = ": ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise InputFileError(
            f"{printable(source)}{where}: not valid YAML: {printable(what)}"
        ) from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"{printable(source)}: not valid YAML: {printable(exc)}") from None
    except RecursionError:
        raise InputFileError(f"{printable(source)}: not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def read_yaml(path):
    """Read a YAML file a user named (:func:`read_text`, then :func:`load_yaml`)."""
    return load_yaml(read_text(path), str(path))


def format_violation(exc) -> tuple[str, str]:
    """Where in a YAML/JSON file a ``fastjsonschema`` violation is, and what it is.

    ``exc.name`` is like ``data.questions[0].positive[0]``: shown as ``questions/0/positive/0``
    (``(top level)`` for the whole document); the message without that name.

    Examples
    --------
    >>> import fastjsonschema
    >>> try:
    ...     fastjsonschema.validate({"properties": {"a": {"type": "integer"}}}, {"a": "x"})
    ... except fastjsonschema.JsonSchemaValueException as exc:
    ...     format_violation(exc)
    ('a', 'must be integer')
    """
    import re

    where = "/".join(re.sub(r"\[(\d+)\]", r".\1", exc.name).split(".")[1:]) or "(top level)"
    return where, exc.message.removeprefix(exc.name).strip()
