"""Find and redact identifiers in free text before it is published.

Recognised: person names from a list, e-mail addresses, UK telephone numbers, NHS numbers (ten digits,
any spacing, valid Modulus 11 check digit) and UK postcodes. :func:`redact` replaces each with a
bracketed placeholder (``[name]``, ``[email]``, ``[phone]``, ``[nhs_number]``, ``[postcode]``);
:func:`find_identifiers` reports where they are (the report builder's disclosure gate uses it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Identifier", "find_identifiers", "redact", "is_valid_nhs_number", "PLACEHOLDERS"]

PLACEHOLDERS = {"name": "[name]", "email": "[email]", "phone": "[phone]",
                "nhs_number": "[nhs_number]", "postcode": "[postcode]"}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Separators allowed between digits: up to two spaces (including non-breaking ones) or hyphens.
_SEP = r"[^\S\r\n]|-"
# Ten digits with any spacing between them ("943 476 5919", "9434765919", "943  476-5919").
_TEN_DIGITS = re.compile(rf"(?<![\w+])\d(?:(?:{_SEP}){{0,2}}\d){{9}}(?![\w])")
# UK numbers: 0, +44 or 0044 (optionally "(0)") then 9–10 more digits in groups; checked by digit count.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)44[ -]?(?:\(0\)[ -]?)?|\(?0)\d{1,4}\)?(?:[ -]?\d){5,9}"
                    r"(?![\w])")
# UK postcode (Royal Mail format: outward code, inward code), any case, with no space or up to two
# spaces (including non-breaking ones) between the halves.
_POSTCODE = re.compile(
    r"\b(?:GIR[^\S\r\n]{0,2}0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
    r"[^\S\r\n]{0,2}\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE)
# Titles and honorifics in a listed name ("Dr Sarah Jones") are not names on their own.
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord",
                     "lady", "rev", "revd", "cllr", "nurse", "sister", "matron"})


@dataclass(frozen=True)
class Identifier:
    """One identifier found in a text: its kind, position and the text itself."""

    kind: str
    start: int
    end: int
    value: str


def is_valid_nhs_number(text: str) -> bool:
    """True when ``text`` holds exactly ten digits (spaces/hyphens ignored) with a valid check digit.

    Modulus 11: weights 10 … 2 on the first nine digits; check = 11 − (sum mod 11); 11 means 0 and
    10 means the number is invalid (NHS Data Dictionary, "NHS Number").

    Examples
    --------
    >>> is_valid_nhs_number("943 476 5919")
    True
    >>> is_valid_nhs_number("943 476 5918")
    False
    """
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _as_names(names) -> list[str]:
    """``names`` as a list of names: one string is one name (never a list of its characters)."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return [n for n in names if isinstance(n, str) and n.strip()]


def _name_pattern(names) -> re.Pattern | None:
    full, parts = set(), set()
    for name in _as_names(names):
        words = name.split()
        full.add(r"\s+".join(map(re.escape, words)))
        # Single first names / surnames (not titles), matched only when written as names are:
        # capitalised ("Sarah") or in capitals ("SARAH").
        for w in words:
            if len(w) >= 2 and w[0].isupper() and w.rstrip(".").lower() not in _TITLES:
                parts.update({w, w.upper()})
    if not full:
        return None
    alternatives = sorted(full, key=len, reverse=True)
    pattern = r"(?i:\b(?:" + "|".join(alternatives) + r")\b)"
    if parts:
        pattern += r"|\b(?:" + "|".join(map(re.escape, sorted(parts, key=len, reverse=True))) + r")\b"
    return re.compile(pattern)


def find_identifiers(text: str, names=()) -> list[Identifier]:
    """Every identifier in ``text``, in order, without overlaps (earlier and longer wins).

    Parameters
    ----------
    text : str
        Free text: a quote, a comment, a report's text.
    names : str or iterable of str
        Person names to find (e.g. the register's contacts, interviewees); one string is one name.
        A full name matches in any case and with any spacing between its words; its single words
        (titles such as "Dr" apart) match when capitalised or in capitals ("Sarah", "JONES"), never
        inside other words ("Ann" is left in "Annual", "Lee" in "Leeds") and never in lower case
        (so a surname such as "Hall" or "Wood" does not swallow the ordinary word). A possessive
        keeps its ending: "Sarah's" → "[name]'s".

    Returns
    -------
    list of Identifier
    """
    if not isinstance(text, str):
        return []
    found: list[Identifier] = []
    for m in _EMAIL.finditer(text):
        found.append(Identifier("email", m.start(), m.end(), m.group()))
    for m in _TEN_DIGITS.finditer(text):
        if is_valid_nhs_number(m.group()):
            found.append(Identifier("nhs_number", m.start(), m.end(), m.group()))
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if m.group().startswith(("+", "00")):  # +44 (0)20 … / 0044 20 … → 020 …
            digits = "0" + digits.removeprefix("00")[2:].removeprefix("0")
        if len(digits) in (10, 11):  # UK national numbers: 0 + 9 or 10 digits
            found.append(Identifier("phone", m.start(), m.end(), m.group()))
    for m in _POSTCODE.finditer(text):
        found.append(Identifier("postcode", m.start(), m.end(), m.group()))
    pattern = _name_pattern(names)
    if pattern is not None:
        for m in pattern.finditer(text):
            found.append(Identifier("name", m.start(), m.end(), m.group()))
    priority = {"email": 0, "nhs_number": 1, "phone": 2, "postcode": 3, "name": 4}
    found.sort(key=lambda i: (i.start, -(i.end - i.start), priority[i.kind]))
    kept: list[Identifier] = []
    for ident in found:
        if kept and ident.start < kept[-1].end:
            continue
        kept.append(ident)
    return kept


def redact(text: str, names=()) -> str:
    """Replace identifiers in ``text`` with bracketed placeholders.

    Parameters
    ----------
    text : str
        Free text. Missing values (``None``, NaN) are returned unchanged.
    names : str or iterable of str
        Person names to redact, e.g. ``register["contact_name"]`` (see :func:`find_identifiers`
        for how they are matched).

    Returns
    -------
    str

    References
    ----------
    NHS Data Dictionary: NHS Number (Modulus 11 check digit).
    Royal Mail Programmers' Guide: UK postcode format.

    Examples
    --------
    >>> redact("Call Sarah Jones on 020 7946 0018 or sarah.jones@nhs.net", names=["Sarah Jones"])
    'Call [name] on [phone] or [email]'
    >>> redact("NHS number 943 476 5919, seen in LS1 4AP")
    'NHS number [nhs_number], seen in [postcode]'
    """
    if not isinstance(text, str):
        return text
    out, last = [], 0
    for ident in find_identifiers(text, names):
        out.append(text[last:ident.start])
        out.append(PLACEHOLDERS[ident.kind])
        last = ident.end
    out.append(text[last:])
    return "".join(out)
