"""Notebook parameters: what a notebook declares, and checking what a user passes against it.

A notebook's ``parameters`` cell declares each parameter with a type and a default
(``cohort: int = None  # help``). Values given on the command line (``-p NAME VALUE``), in a
parameters file or in a build config are checked here before any kernel starts: an unknown name
or a value of the wrong type is an error, never a warning. Lists and dates keep their type on the
way into the kernel (papermill on its own would turn a date into a string).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from ..errors import AeevalError
from ..files import file_problem, load_yaml

__all__ = [
    "ParameterError",
    "declared_parameters",
    "check_parameters",
    "parse_cli_value",
    "jsonable",
    "for_papermill",
    "use_date_translator",
]


class ParameterError(AeevalError, ValueError):
    """Parameters that a notebook does not declare, or values of the wrong type."""


def declared_parameters(notebook: Path) -> dict[str, dict]:
    """The parameters ``notebook`` declares: name → ``{"name", "inferred_type_name", "default", "help"}``.

    Raises :class:`ParameterError` if the notebook does not exist or cannot be read.
    """
    import papermill as pm

    notebook = Path(notebook)
    reason = file_problem(notebook)  # a pipe is refused unopened: reading it would block
    if reason == "file does not exist":
        raise ParameterError(f"notebook {notebook} does not exist")
    if reason is not None:
        raise ParameterError(f"notebook {notebook}: {reason}")
    try:
        found = pm.inspect_notebook(str(notebook))
    except Exception as exc:  # not JSON, not a notebook
        raise ParameterError(f"{notebook}: cannot read the notebook's parameters: {exc}") from exc
    return {p["name"]: dict(p) for p in found.values()}


def _declared_type(info: dict) -> str | None:
    name = (info.get("inferred_type_name") or "None").replace(" ", "")
    m = re.fullmatch(r"Optional\[(\w+)\]", name)
    if m:
        name = m.group(1)
    return name if name in _CHECKS else None


_CHECKS = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    # finite: .inf and .nan are YAML floats, but no parameter of a report means them
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
}


def parse_cli_value(raw: str, info: dict | None):
    """Turn the text of ``-p NAME VALUE`` into a value.

    For a parameter declared ``str`` the text is kept as typed (``-p trust 0123`` stays
    ``"0123"``); otherwise it is read as YAML (:func:`aeeval.files.load_yaml`: anchors and
    aliases are refused), so ``2`` is a number, ``[2018-06-01]`` a list of dates and ``null`` is
    ``None``.
    """
    if info is not None and _declared_type(info) == "str" and raw not in ("null", "None", "~"):
        return raw
    if raw == "None":
        return None
    name = (info or {}).get("name")
    return load_yaml(raw, f"-p {name}" if name else "a -p value") if raw != "" else ""


def check_parameters(notebook: Path, parameters: dict, declared: dict | None = None) -> dict:
    """Check ``parameters`` against what ``notebook`` declares; return them ready for papermill.

    Every problem is listed in one :class:`ParameterError`: names the notebook does not declare
    and values whose type does not match the declared one (``None`` is always allowed: it means
    "the notebook's default behaviour"). A date given for a ``str`` parameter becomes its ISO
    text; an ``int`` given for a ``float`` parameter becomes a float.
    """
    notebook = Path(notebook)
    declared = declared_parameters(notebook) if declared is None else declared
    problems, checked = [], {}
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        problems.append(
            f"unknown parameter(s) {', '.join(unknown)}; the notebook declares: "
            f"{', '.join(declared) or '(none)'}"
        )
    for name, value in parameters.items():
        if name not in declared:
            continue
        kind = _declared_type(declared[name])
        if value is None or kind is None:
            checked[name] = value
            continue
        if kind == "str" and isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not _CHECKS[kind](value):
            finite = "; a float must be finite" if kind == "float" else ""
            problems.append(
                f"parameter {name} must be {kind} (the notebook declares "
                f"`{name}: {kind}`{finite}); got {value!r} ({type(value).__name__})"
            )
            continue
        checked[name] = value
    if problems:
        raise ParameterError(f"{notebook}: " + "; ".join(problems))
    return checked


def jsonable(value):
    """A parameter value as JSON can hold it (dates as ISO text), for manifests and figures."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class _DateText(str):
    """A date on its way through papermill: JSON (the notebook's metadata) sees its ISO text, the
    translator writes ``datetime.date.fromisoformat(...)`` into the kernel."""

    kind = "date"


class _DateTimeText(_DateText):
    kind = "datetime"


def for_papermill(value):
    """``value`` with every date and datetime wrapped so it survives papermill (see
    :func:`use_date_translator`)."""
    if isinstance(value, dt.datetime):
        return _DateTimeText(value.isoformat())
    if isinstance(value, dt.date):
        return _DateText(value.isoformat())
    if isinstance(value, dict):
        return {k: for_papermill(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [for_papermill(v) for v in value]
    return value


def _translator():
    """A papermill translator for Python kernels that writes wrapped dates as dates."""
    from papermill.translators import PythonTranslator

    class DatePythonTranslator(PythonTranslator):
        @classmethod
        def translate(cls, val):
            if isinstance(val, _DateText):
                return f"__import__('datetime').{val.kind}.fromisoformat({str(val)!r})"
            return super().translate(val)

    return DatePythonTranslator


def use_date_translator() -> None:
    """Make papermill pass dates wrapped by :func:`for_papermill` to Python kernels as dates."""
    from papermill.translators import papermill_translators

    papermill_translators.register("python", _translator())
