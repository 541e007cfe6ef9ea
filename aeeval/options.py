"""Project-wide defaults and the one place options and counts are validated.

These are constants, not mutable global options: pass a different value to a function to change
it for one call.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_MIN_BASE",
    "check_choice",
    "check_min_base",
    "check_confidence",
    "check_counts",
    "parameter_min_base",
]

#: Confidence level used everywhere unless a call says otherwise.
DEFAULT_CONFIDENCE = 0.95
#: Smallest base published. Below it an estimate and its interval are suppressed. 10 follows the
#: NHS Staff Survey's current rule (results are not shown below 10 responses; 11 before 2019).
DEFAULT_MIN_BASE = 10


def check_confidence(confidence) -> float:
    """Return ``confidence`` as a float, or raise ``ValueError`` if it is not strictly in (0, 1)."""
    if isinstance(confidence, bool) or not isinstance(confidence, Real) or not 0 < confidence < 1:
        raise ValueError(
            f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}"
        )
    return float(confidence)


def check_choice(name: str, value, allowed) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError`` listing them."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def _describe(name: str, arr, flat_index: int) -> str:
    """``name`` (scalar) or ``name[i]`` (array, position as given) for an error message."""
    import numpy as np

    if arr.ndim == 0:
        return name
    return f"{name}[{', '.join(map(str, np.unravel_index(flat_index, arr.shape)))}]"


def _is_number(x) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def _show(value) -> str:
    value = float(value)
    return f"{value:g}" if math.isfinite(value) else repr(value)


_RULE = "counts and bases must be whole numbers ≥ 0"


def check_counts(count, base, names=("count", "base")):
    """Return counts and their bases as float arrays, or raise ``ValueError`` naming the bad value.

    Counts and bases must be whole numbers ≥ 0, each base at least 1 and no count above its base;
    the two broadcast against each other (one may be a single number). Each error names the
    argument, the position in an array, the value and the rule.

    Parameters
    ----------
    count, base : number or array-like
        The counts (e.g. positive answers) and their denominators.
    names : tuple of str
        What to call the two in messages (e.g. ``("n1", "base1")``).

    Returns
    -------
    (count, base) : numpy.ndarray
        As floats, in their own shapes.

    Examples
    --------
    >>> check_counts([3, 4], 10)
    (array([3., 4.]), array(10.))
    >>> check_counts(11, 10)
    Traceback (most recent call last):
    ...
    ValueError: count (11) is larger than its base (10): a count cannot exceed its base
    """
    import numpy as np  # here, not at the top: the command line imports this module

    arrays = []
    for name, value in zip(names, (count, base)):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raw = np.asarray(value, dtype=object)
            i, item = next((i, x) for i, x in enumerate(raw.flat) if not _is_number(x))
            raise ValueError(
                f"{_describe(name, raw, i)} = {item!r} is not a number: {_RULE}"
            ) from None
        arrays.append(arr)
    count, base = arrays
    try:
        shape = np.broadcast_shapes(count.shape, base.shape)
    except ValueError:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length (or one be a single "
            f"number); got shapes {count.shape} and {base.shape}"
        ) from None
    for name, arr in ((names[0], count), (names[1], base)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = arr.flat[i]
            why = (
                "is negative"
                if np.isfinite(value) and value < 0
                else "is not a whole number"
                if np.isfinite(value)
                else "is missing or infinite"
            )
            raise ValueError(f"{_describe(name, arr, i)} = {_show(value)} {why}: {_RULE}")
    if (base == 0).any():
        i = int(np.flatnonzero(base == 0)[0])
        raise ValueError(
            f"{_describe(names[1], base, i)} = 0: a base must be at least 1 "
            "(a proportion of nothing has no interval)"
        )
    over = np.broadcast_to(count > base, shape)
    if over.any():
        i = int(np.flatnonzero(over)[0])
        c, b = np.broadcast_to(count, shape).flat[i], np.broadcast_to(base, shape).flat[i]
        where = (
            "" if not shape else f" at position {', '.join(map(str, np.unravel_index(i, shape)))}"
        )
        raise ValueError(
            f"{names[0]} ({_show(c)}) is larger than its {names[1]} ({_show(b)}){where}: "
            "a count cannot exceed its base"
        )
    return count, base


def parameter_min_base(parameters: dict, declared: dict):
    """The ``min_base`` a notebook run would use: the parameter given, else the notebook's
    default (``declared`` as :func:`aeeval.publish.parameters.declared_parameters` gives it); ``None``
    when the notebook has no such parameter or the value is not a whole number."""
    if "min_base" in parameters:
        return parameters["min_base"]
    default = (declared.get("min_base") or {}).get("default")
    try:
        return int(str(default).strip())
    except ValueError:
        return None


def check_min_base(min_base, allow: int | None, *, where: str) -> int | None:
    """Refuse a ``min_base`` below the project default unless explicitly allowed.

    Parameters
    ----------
    min_base : int or None
        The value a run would use (``None``: the notebook has no such parameter).
    allow : int, optional
        The smallest value the user allowed (``--allow-min-base N``).
    where : str
        What the value came from, for the message.

    Returns
    -------
    int or None
        The allowance that applies (``None`` when none was needed).

    Raises
    ------
    ValueError
        ``min_base`` is below :data:`aeeval.options.DEFAULT_MIN_BASE` and ``allow`` is not given
        or is larger than it.
    """
    if min_base is None or isinstance(min_base, bool) or not isinstance(min_base, Integral):
        return None
    if min_base >= DEFAULT_MIN_BASE:
        return None
    if allow is None or allow > min_base:
        raise ValueError(
            f"{where}: min_base {min_base} is below the project default "
            f"{DEFAULT_MIN_BASE} (aeeval.options.DEFAULT_MIN_BASE): results of fewer "
            f"than {DEFAULT_MIN_BASE} people would be published; if that is "
            f"intended (e.g. an agreed local rule), say so with --allow-min-base "
            f"{min_base}"
        )
    return int(allow)
