"""Find and redact identifiers in free text before it is published.

Recognised: person names from a list, e-mail addresses (also spelled out: "jane dot doe at nhs dot
net", "jane(at)nhs.net"), UK telephone numbers, NHS numbers (ten digits, any spacing, dots, slashes
or hyphens between them, valid Modulus 11 check digit) and UK postcodes. :func:`redact` replaces
each with a bracketed placeholder (``[name]``, ``[email]``, ``[phone]``, ``[nhs_number]``,
``[postcode]``); :func:`find_identifiers` reports where they are (the report builder's disclosure
gate uses it).

Text is matched as a reader sees it, not as its code points are spelled (:func:`normalise`):
compatibility forms (full-width ``＠``, ligatures), accents, zero-width and other invisible format
characters (zero-width space and joiner, soft hyphen, byte-order mark), Cyrillic and Greek
look-alike letters, typographic dashes and apostrophes, and runs of spaces are folded first;
positions still refer to the original text, so :func:`redact` keeps everything else as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Identifier",
    "as_names",
    "find_identifiers",
    "redact",
    "is_valid_nhs_number",
    "normalise",
    "PLACEHOLDERS",
]

PLACEHOLDERS = {
    "name": "[name]",
    "email": "[email]",
    "phone": "[phone]",
    "nhs_number": "[nhs_number]",
    "postcode": "[postcode]",
}

# Letters that look like Latin ones (Unicode's confusables for Cyrillic and Greek), and typographic
# apostrophes, dashes and slashes, folded to what a reader takes them for.
_FOLD = str.maketrans(
    {
        **dict(zip("аеорсхуіјѕԁһԛԝӏ", "aeopcxyijsdhqwl")),
        **dict(zip("АВЕКМНОРСТХУІЈЅ", "ABEKMHOPCTXYIJS")),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX")),
        **dict(zip("οικνρυαϲϳı", "oikvpuacji")),
        **dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63", "-"),
        **dict.fromkeys("\u2044\u2215", "/"),
    }
)
_UNUSUAL_SPACE = re.compile(r"[^\S ]|  ")  # white space other than single spaces
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def normalise(text: str, *, positions: bool = False):
    """``text`` as the identifier patterns read it: what a reader sees, in plain letters.

    Each character is decomposed (Unicode NFKD: full-width ``＠`` is ``@``, ``ﬁ`` is ``fi``,
    ``①`` is ``1``), combining accents and invisible format characters (category Cf: zero-width
    space, zero-width joiner, soft hyphen, byte-order mark) are dropped, look-alike Cyrillic and
    Greek letters become the Latin ones, typographic apostrophes, dashes and slashes become
    ``'``, ``-`` and ``/``, and each run of white space becomes one space (one line break when
    the run holds one). The result is NFKC's folding plus accents removed, which is how names
    are matched ("Zoë" and "Zoe" alike).

    Parameters
    ----------
    text : str
    positions : bool
        Also return, for each character of the result, the index of the character of ``text``
        it came from (so a match can be mapped back to the original).

    Returns
    -------
    str, or (str, list of int) with ``positions``

    Examples
    --------
    >>> normalise("jane\u200b.doe\uff20nhs.net  \u0441\u043e")  # zero-width space, full-width @, Cyrillic
    'jane.doe@nhs.net co'
    >>> normalise("O\u2019Brien, Zo\u00eb")
    "O'Brien, Zoe"
    """
    if text.isascii() and not _UNUSUAL_SPACE.search(text):  # nothing to fold: most text
        return (text, range(len(text))) if positions else text
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        for c in unicodedata.normalize("NFKD", char) if ord(char) > 127 else char:
            if ord(c) > 127:
                if unicodedata.category(c) in ("Mn", "Me", "Cf"):
                    continue
                c = c.translate(_FOLD)
            if c.isspace():
                c = "\n" if c in _LINE_BREAKS else " "
                if out and out[-1] in " \n":
                    if c == "\n":
                        out[-1] = "\n"
                    continue
            out.append(c)
            where.append(i)
    result = "".join(out)
    return (result, where) if positions else result


# One kind of separator between the digits of a number written with dots or slashes
# ("943.476.5919", "020/7946/0018"); spaces and hyphens may mix ("020 7946-0018").
_SEP = r"[ ./-]"
# Ten digits with any spacing between them ("943 476 5919", "9434765919", "943.476.5919"); never
# the tail of a longer number written with dots, slashes or hyphens ("2019/2020/2021").
_TEN_DIGITS = re.compile(rf"(?<![\w+])(?<!\d[./-])\d(?:{_SEP}{{0,2}}\d){{9}}(?!\w)(?![./-]\d)")
# UK numbers: 0, +44 or 0044 (optionally "(0)") then 9–10 more digits in groups; checked by digit count.
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[./-])(?:(?:\+|00)44[ ./-]?(?:\(0\)[ ./-]?)?|\(?0)\d{1,4}\)?"
    r"(?:[ ./-]?\d){5,9}(?!\w)(?![./-]\d)"
)
# UK postcode (Royal Mail format: outward code, inward code), any case, with no space, a space or a
# hyphen between the halves.
_POSTCODE = re.compile(
    r"\b(?:GIR[ -]?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
    r"[ -]?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+ ?@ ?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)"
)
# Spelled out: "jane dot doe at nhs dot net", "jane(at)nhs.net", "jane [at] nhs [dot] net". A plain
# " at " counts only with a spelled "dot" somewhere ("more at www.nhs.uk" is not an address).
_AT = r"(?: ?@ ?| ?[\[({<] ?at ?[\])}>] ?| at )"
_DOT = r"(?:\.| ?[\[({<] ?dot ?[\])}>] ?| dot )"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}[a-z]{{2,}}(?!\w)",
    re.IGNORECASE,
)
# Every e-mail address, NHS number, telephone number and postcode holds one of these: text without
# any is not searched further.
_WORD = re.compile(r"\w+")
_MAYBE = re.compile(r"[\d@]|(?i:\b(?:at|dot)\b)")
# Titles and honorifics in a listed name ("Dr Sarah Jones") are not names on their own.
_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "revd",
        "cllr",
        "nurse",
        "sister",
        "matron",
    }
)


@dataclass(frozen=True)
class Identifier:
    """One identifier found in a text: its kind, position and the text itself."""

    kind: str
    start: int
    end: int
    value: str


def is_valid_nhs_number(text: str) -> bool:
    """True when ``text`` holds exactly ten digits (spaces, dots, slashes, hyphens ignored) with a valid check digit.

    Modulus 11: weights 10 … 2 on the first nine digits; check = 11 − (sum mod 11); 11 means 0 and
    10 means the number is invalid (NHS Data Dictionary, "NHS Number").

    Examples
    --------
    >>> is_valid_nhs_number("943 476 5919")
    True
    >>> is_valid_nhs_number("943 476 5918")
    False
    """
    digits = re.sub(r"[\s./-]", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def as_names(names) -> list[str]:
    """``names`` as a list of names: one string is one name (never a list of its characters).

    How every function that takes ``names=`` (people to redact) reads it: ``None`` is no names,
    a string is one name, and blanks or non-strings in a list are dropped.

    Examples
    --------
    >>> as_names("Jo Bloggs")
    ['Jo Bloggs']
    >>> as_names(["Jo Bloggs", " ", None, "Sam Patel"])
    ['Jo Bloggs', 'Sam Patel']
    """
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return [n for n in names if isinstance(n, str) and n.strip()]


@lru_cache(maxsize=32)
def _name_pattern(names: tuple) -> re.Pattern | None:
    full, parts = set(), set()
    for name in as_names(names):
        words = normalise(name).split()
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
        pattern += (
            r"|\b(?:" + "|".join(map(re.escape, sorted(parts, key=len, reverse=True))) + r")\b"
        )
    return re.compile(pattern)


@lru_cache(maxsize=32)
def _name_words(names: tuple) -> frozenset:
    """Every word of the listed names, in lower case: a text holding none of them holds no name."""
    return frozenset(w for name in as_names(names) for w in _WORD.findall(normalise(name).lower()))


def _one_kind_of_separator(number: str) -> bool:
    """A number written with dots or slashes uses that one separator throughout: "943.476.5919",
    not "01/02/2020 10" (a date and a count)."""
    seps = set(re.sub(r"[\d+()]", "", number))
    return not seps & {".", "/"} or len(seps) == 1


def find_identifiers(text: str, names=()) -> list[Identifier]:
    """Every identifier in ``text``, in order, without overlaps (earlier and longer wins).

    The text is read as :func:`normalise` folds it (invisible characters, look-alike letters,
    accents, full-width forms); positions and values refer to ``text`` as given.

    Parameters
    ----------
    text : str
        Free text: a quote, a comment, a report's text.
    names : str or iterable of str
        Person names to find (e.g. the register's contacts, interviewees); one string is one name.
        A full name matches in any case and with any spacing between its words; its single words
        (titles such as "Dr" apart) match when capitalised or in capitals ("Sarah", "JONES"), never
        inside other words ("Ann" is left in "Annual", "Lee" in "Leeds") and never in lower case
        (so a surname such as "Hall" or "Wood" does not swallow the ordinary word). Accents and
        apostrophes are folded: "Zoe" finds "Zoë", "O’Brien" finds "O'Brien". A possessive keeps
        its ending: "Sarah's" → "[name]'s".

    Returns
    -------
    list of Identifier
        A new list on every call (the caller may change it).

    Notes
    -----
    The answers for the last 4,096 distinct ``(text, names)`` pairs of texts up to 8,192
    characters are kept (least recently used first out: at most 32 million characters), so a
    text read again is looked up, not searched again: the disclosure gate reads ``"num"``,
    ``""`` or the lines of one style sheet's comments thousands of times a report, and the same
    ones in every report of a batch. The answer depends on nothing else, so it is the same
    either way.

    Examples
    --------
    >>> [(i.kind, i.value) for i in find_identifiers("Ask Sam Patel: sam@nhs.net", ["Sam Patel"])]
    [('name', 'Sam Patel'), ('email', 'sam@nhs.net')]
    """
    if not isinstance(text, str):
        return []
    names = names if isinstance(names, tuple) else tuple(as_names(names))
    if len(text) > _MEMO_TEXT_CHARS:
        return list(_find_identifiers(text, names))
    return list(_find_identifiers_memo(text, names))


# How many distinct (text, names) answers find_identifiers keeps, and the longest text it keeps
# one for (longer ones are searched each time): at most 4096 × 8192 characters are held.
_MEMO_SIZE = 4096
_MEMO_TEXT_CHARS = 8192


def _find_identifiers(text: str, names: tuple) -> tuple[Identifier, ...]:
    """:func:`find_identifiers` of a string, with ``names`` as a tuple, as a tuple."""
    plain, where = normalise(text, positions=True)
    spans: list[tuple[str, re.Match]] = []
    if _MAYBE.search(plain):
        spans += _identifier_spans(plain)
    if names and _name_words(names).intersection(_WORD.findall(plain.lower())):
        spans += [("name", m) for m in _name_pattern(names).finditer(plain)]
    found = []
    for kind, m in spans:
        start, end = where[m.start()], where[m.end() - 1] + 1
        found.append(Identifier(kind, start, end, text[start:end]))
    priority = {"email": 0, "nhs_number": 1, "phone": 2, "postcode": 3, "name": 4}
    found.sort(key=lambda i: (i.start, -(i.end - i.start), priority[i.kind]))
    kept: list[Identifier] = []
    for ident in found:
        if kept and ident.start < kept[-1].end:
            continue
        kept.append(ident)
    return tuple(kept)


_find_identifiers_memo = lru_cache(maxsize=_MEMO_SIZE)(_find_identifiers)


def _identifier_spans(plain: str) -> list[tuple[str, re.Match]]:
    """E-mail addresses, NHS numbers, telephone numbers and postcodes in normalised text."""
    spans: list[tuple[str, re.Match]] = []
    spans += [("email", m) for m in _EMAIL.finditer(plain)]
    spans += [
        ("email", m)
        for m in _SPELLED_EMAIL.finditer(plain)
        if not re.search(r"(?i) at ", m.group()) or re.search(r"(?i)dot", m.group())
    ]
    spans += [
        ("nhs_number", m)
        for m in _TEN_DIGITS.finditer(plain)
        if is_valid_nhs_number(m.group()) and _one_kind_of_separator(m.group())
    ]
    for m in _PHONE.finditer(plain):
        digits = re.sub(r"\D", "", m.group())
        if m.group().startswith(("+", "00")):  # +44 (0)20 … / 0044 20 … → 020 …
            digits = "0" + digits.removeprefix("00")[2:].removeprefix("0")
        if len(digits) in (10, 11) and _one_kind_of_separator(m.group()):  # 0 + 9 or 10 digits
            spans.append(("phone", m))
    spans += [("postcode", m) for m in _POSTCODE.finditer(plain)]
    return spans


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
        out.append(text[last : ident.start])
        out.append(PLACEHOLDERS[ident.kind])
        last = ident.end
    out.append(text[last:])
    return "".join(out)
