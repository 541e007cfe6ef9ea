"""Project-wide defaults and the one place options are validated.

These are constants, not mutable global options: pass a different value to a function to change
it for one call.
"""

from __future__ import annotations

from numbers import Real

__all__ = ["DEFAULT_CONFIDENCE", "DEFAULT_MIN_BASE", "check_confidence", "check_choice"]

#: Confidence level used everywhere unless a call says otherwise.
DEFAULT_CONFIDENCE = 0.95
#: Smallest base published. Below it an estimate and its interval are suppressed. 10 follows the
#: NHS Staff Survey's current rule (results are not shown below 10 responses; 11 before 2019).
DEFAULT_MIN_BASE = 10


def check_confidence(confidence) -> float:
    """Return ``confidence`` as a float, or raise ``ValueError`` if it is not strictly in (0, 1)."""
    if isinstance(confidence, bool) or not isinstance(confidence, Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); "
                         f"got {confidence!r}")
    return float(confidence)


def check_choice(name: str, value, allowed) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError`` listing them."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value
