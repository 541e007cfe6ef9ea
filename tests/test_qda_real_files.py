"""Coded interviews exactly as QDA tools write them (issue 14).

Every fixture is built here, in the test, the way the named tool writes its REFI-QDA export; the
positions are computed by this file's own counting (``_count_to``: Python's own UTF-16/UTF-8
encoders and ``str.replace`` for line endings), independently of aeeval's conversion. What each
tool writes, and the public evidence for it (all recorded in docs/qda-formats.md):

- **NVivo** — ``origin="NVivo for Windows 12.6"`` / ``"NVivo for Mac 15.0.0"`` (the real NVivo
  export ``qualitative_coding/refi_qda/nvivo_project.qdpx`` in cproctor/qualitative-coding);
  positions in UTF-16 code units (NVivo is a .NET program; the issue's four NVivo 12 files shift
  after the first emoji); Windows transcripts with CRLF counted as two characters (QualCoder's
  ``refi.py`` ``load_text_source`` pads ``\\n`` for every non-ATLAS.ti import with CRLF text);
  selections with ``name=""`` (the example in ``refi.py`` ``load_codings_for_text``); the zip
  folder ``Sources/`` (``refi.py``: "MAXQDA uses sources, NVIVO uses Sources"); codings whose
  ``CodeRef`` targets a ``<Case>`` ("Some Coding guids match a Case guid"); annotations as
  selections without ``<Coding>`` linked to a ``<Note>``; codebook namespace
  ``urn:QDA-XML:codebook:1:0`` in NVivo 12 for Mac's ``.qdc``.
- **ATLAS.ti** — ``origin="ATLAS.ti Win 23.4.0"``; the source ``.txt`` stores CRLF but positions
  count it as one character (``refi.py`` ``load_text_source``: "Atlas stored correct positions …
  as though it is \\n - one character"); flat codebook with code groups as ``<Sets>`` of
  ``<MemberCode>`` (ATLAS.ti ``.qdc`` sample in the code corpus); quotations with no code
  (``PlainTextSelection … has no <Coding>``, issue 14). Its Unicode unit is not publicly
  documented: the fixture stores the quotation text as the selection ``name`` and aeeval settles
  the unit from it; without names an emoji makes it an error (tested).
- **MAXQDA** — ``origin="MAXQDA 2022 (Release 22.4.0)"``; CRLF counted as two or as one (not
  established, docs/qda-formats.md; the fixture counts it as stored); selections without ``<Coding>`` that carry a ``<Description>`` ("NOTE: MAXQDA. Some
  PlainTextSelection elements DO NOT have a Coding element"); ``<Case>`` without a name
  ("Quirkos, MAXQDA: Cases have no name attribute"); folder ``sources/``; code groups as
  ``<Sets>``.
- **QualCoder** — ``origin="QualCoder 4.0 Beta"`` (``app.py``: ``self.version``); positions are
  Qt text-cursor positions, i.e. UTF-16 code units (``helpers.py`` ``doc_end_position``: "Qt
  counts UTF-16 units"; ``code_text.py`` stores ``selectionStart()``); ``name`` holds the
  selected text, written with ``html.escape`` (line breaks stay literal, so XML turns them into
  spaces); text files written ``utf-8-sig``; the "Add line ending character for MAXQDA
  importation" option writes the text with CRLF and leaves the positions as they were (``refi.py``
  ``export_project``), i.e. CRLF counted as one; categories (``code_cat``) nest codes.
- **Taguette** — writes REFI-QDA codebooks only (``taguette/export.py`` ``codebook_xml``: flat
  ``<Code name=tag.path isCodable="true">`` and an empty ``<Sets/>``, ``origin="Taguette …"``);
  its highlight offsets count UTF-8 bytes (``taguette.js`` ``describePos``: "Convert current
  offset from character to bytes"). The project fixture is a .qdpx of Taguette highlights in that
  unit.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
import zipfile

import pandas as pd
import pytest
from conftest import aeeval_cli

import aeeval as ae
from aeeval.evaluation import analyse, limitations, load_evaluation
from aeeval.paths import EXAMPLES, NOTEBOOKS
from aeeval.qdaformats import WRITTEN_UNIT

# ---------------------------------------------------------------------------- transcripts

# Astral-plane characters (emoji, a ZWJ sequence, 𝔘 mathematical fraktur), combining marks
# (e + U+0308, n + U+0303), non-ASCII punctuation, and line breaks inside quotes.
TEXT_A = (
    "Interviewer: What changed on Ward 7? 👍\n"
    "Nurse: The huddles 😀 changed everything. The 𝔘nit lead, Zoe\u0308, "
    "made time for them.\n"
    "Interviewer: And patients?\n"
    "Nurse: Families 👨‍👩‍👧 told us — in their own words — what mattered. "
    "Sen\u0303or Ruiz said so too.\n"
)
TEXT_B = (
    "Interviewer: Any barriers?\n"
    "Manager: Staffing 🙁 was the hardest part; 𝔄𝔅 rota gaps every week.\n"
    "Manager: Leadership support 💪 kept it going.\n"
)

QUOTES = [  # (interview, quote, code)
    ("INT01", "The huddles 😀 changed everything.", "huddles"),
    ("INT01", "The 𝔘nit lead, Zoe\u0308, made time for them.", "protected_time"),
    ("INT01", "made time for them.\nInterviewer: And patients?", "protected_time"),
    ("INT01", "Families 👨‍👩‍👧 told us — in their own words — what mattered.", "patient_voice"),
    ("INT01", "Sen\u0303or Ruiz said so too.", "patient_voice"),
    ("INT02", "Staffing 🙁 was the hardest part", "staffing"),
    ("INT02", "𝔄𝔅 rota gaps every week.", "staffing"),
    ("INT02", "Leadership support 💪 kept it going.", "senior_support"),
]
CODES = {
    "huddles": "What helps",
    "protected_time": "What helps",
    "senior_support": "What helps",
    "patient_voice": "Key learnings",
    "staffing": "Challenges",
}
ORGS = {"INT01": "RXA", "INT02": "RXB"}


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _count_to(text: str, i: int, unit: str, endings: str = "as stored") -> int:
    """Position of Python index ``i`` in ``unit``: this test's own counting."""
    prefix = text[:i]
    if endings == "CRLF as one":
        prefix = prefix.replace("\r\n", "\n")
    if unit == "code points":
        return len(prefix)
    if unit == "UTF-16 code units":
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix.encode("utf-8"))


def _span(text: str, quote: str) -> tuple[int, int]:
    """Python indices of ``quote`` in ``text`` (line breaks in the quote as the text stores them)."""
    quote = quote.replace("\n", "\r\n") if "\r\n" in text else quote
    i = text.index(quote)
    return i, i + len(quote)


def _gid() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------------------- writers


def write_project(
    path,
    *,
    origin,
    texts,
    unit,
    endings="as stored",
    names="text",
    folder="sources",
    bom=False,
    codebook="nested",
    sets=False,
    extra_sources="",
    extra_root="",
    case_names=True,
    uncoded=0,
    case_coding=False,
    variable_coding=False,
    standalone=False,
    selection_description=False,
    quotes=QUOTES,
):
    """A .qdpx as ``origin``'s exporter lays it out; positions counted in ``unit``/``endings``.

    ``names``: "text" (the selected text, html.escape'd as QualCoder writes it), "empty" (NVivo)
    or "none" (attribute left out).
    """
    users = {"Coder A": _gid(), "Coder B": _gid()}
    code_guid = {c: _gid() for c in CODES}
    theme_guid = {t: _gid() for t in set(CODES.values())}
    if codebook == "nested":
        cb = "".join(
            f'<Code guid="{theme_guid[t]}" name="{t}" isCodable="false">'
            + "".join(
                f'<Code guid="{code_guid[c]}" name="{c}" isCodable="true"/>'
                for c in sorted(CODES)
                if CODES[c] == t
            )
            + "</Code>"
            for t in sorted(theme_guid)
        )
    elif codebook == "single-root":  # QualCoder: every category under one root category
        cb = (
            f'<Code guid="{_gid()}" name="All codes" isCodable="false">'
            + "".join(
                f'<Code guid="{theme_guid[t]}" name="{t}" isCodable="false">'
                + "".join(
                    f'<Code guid="{code_guid[c]}" name="{c}" isCodable="true"/>'
                    for c in sorted(CODES)
                    if CODES[c] == t
                )
                + "</Code>"
                for t in sorted(theme_guid)
            )
            + "</Code>"
        )
    else:  # flat: ATLAS.ti, Taguette, NVivo without folders
        cb = "".join(
            f'<Code guid="{code_guid[c]}" name="{c}" isCodable="true"/>' for c in sorted(CODES)
        )
    var = _gid()
    source_guid = {iv: _gid() for iv in texts}
    case_guid = {iv: _gid() for iv in texts}
    sources_xml, files = [], {}
    for n, (iv, text) in enumerate(texts.items()):
        sels = []
        for k, (qiv, quote, code) in enumerate(quotes):
            if qiv != iv:
                continue
            i, j = _span(text, quote)
            start, end = _count_to(text, i, unit, endings), _count_to(text, j, unit, endings)
            name = {"text": f' name="{html.escape(text[i:j])}"', "empty": ' name=""', "none": ""}[
                names
            ]
            coder = users["Coder A" if k % 3 else "Coder B"]
            desc = "<Description>memo</Description>" if selection_description else ""
            target = case_guid[iv] if case_coding and k == 0 else code_guid[code]
            sels.append(
                f'<PlainTextSelection guid="{_gid()}"{name} startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{coder}">{desc}'
                f'<Coding guid="{_gid()}" creatingUser="{coder}">'
                f'<CodeRef targetGUID="{target}"/></Coding></PlainTextSelection>'
            )
            if case_coding and k == 0:  # the same selection, also coded with its real code
                sels.append(
                    f'<PlainTextSelection guid="{_gid()}"{name} startPosition="{start}" '
                    f'endPosition="{end}" creatingUser="{coder}">'
                    f'<Coding guid="{_gid()}" creatingUser="{coder}">'
                    f'<CodeRef targetGUID="{code_guid[code]}"/></Coding>'
                    "</PlainTextSelection>"
                )
        if variable_coding and n == 0:  # a selection coded with a <Variable>'s guid
            sels.append(
                f'<PlainTextSelection guid="{_gid()}" startPosition="0" endPosition="5" '
                f'creatingUser="{users["Coder A"]}"><Coding guid="{_gid()}" '
                f'creatingUser="{users["Coder A"]}"><CodeRef targetGUID="{var}"/>'
                "</Coding></PlainTextSelection>"
            )
        for u in range(uncoded if n == 0 else 0):  # annotations / quotations without a code
            sels.append(
                f'<PlainTextSelection guid="{_gid()}" name="" startPosition="{u}" '
                f'endPosition="{u + 5}" creatingUser="{users["Coder A"]}">'
                "<Description>an annotation</Description></PlainTextSelection>"
            )
        files[f"{folder}/{source_guid[iv]}.txt"] = (("\ufeff" if bom else "") + text).encode()
        sources_xml.append(
            f'<TextSource guid="{source_guid[iv]}" name="{iv}.txt" '
            f'plainTextPath="internal://{source_guid[iv]}.txt" creatingUser="{users["Coder A"]}">'
            + "".join(sels)
            + "</TextSource>"
        )
    cases = "".join(
        f'<Case guid="{case_guid[iv]}"{f" name={chr(34)}Case {iv}{chr(34)}" if case_names else ""}>'
        f'<VariableValue><VariableRef targetGUID="{var}"/><TextValue>{ORGS[iv]}</TextValue>'
        f'</VariableValue><SourceRef targetGUID="{source_guid[iv]}"/></Case>'
        for iv in texts
    )
    sets_xml = ""
    if sets:
        sets_xml = (
            "<Sets>"
            + "".join(
                f'<Set guid="{_gid()}" name="Group: {t}">'
                + "".join(
                    f'<MemberCode targetGUID="{code_guid[c]}"/>'
                    for c in sorted(CODES)
                    if CODES[c] == t
                )
                + "</Set>"
                for t in sorted(theme_guid)
            )
            + "</Sets>"
        )
    decl = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>'
        if standalone
        else '<?xml version="1.0" encoding="utf-8"?>\n'
    )
    qde = (
        f'{decl}<Project xmlns="urn:QDA-XML:project:1.0" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="p" origin="{origin}">'
        "<Users>"
        + "".join(f'<User guid="{g}" name="{u}"/>' for u, g in users.items())
        + f"</Users><CodeBook><Codes>{cb}</Codes></CodeBook>"
        f'<Variables><Variable guid="{var}" name="org_code" typeOfVariable="Text"/></Variables>'
        f"<Cases>{cases}</Cases><Sources>{''.join(sources_xml)}{extra_sources}</Sources>"
        f"{extra_root}{sets_xml}</Project>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def expected_quotes(texts, quotes=QUOTES):
    """(interview, code, selected text) for every coding, the text cut by Python indices."""
    out = []
    for iv, quote, code in quotes:
        i, j = _span(texts[iv], quote)
        out.append((iv, code, texts[iv][i:j]))
    return sorted(out)


def got_quotes(seg):
    return sorted(zip(seg["interview"], seg["code"], seg["text"]))


def assert_exact(seg, texts, quotes=QUOTES):
    assert got_quotes(seg) == expected_quotes(texts, quotes)
    for row in seg.itertuples():  # start/end are Python indices into the transcript as stored
        assert texts[row.interview][row.start : row.end] == row.text


LF = {"INT01": TEXT_A, "INT02": TEXT_B}
EXAMPLES_REGISTER = EXAMPLES / "register.csv"
CRLF = {iv: crlf(t) for iv, t in LF.items()}


# ---------------------------------------------------------------------------- item 1: units


def test_nvivo_utf16_positions_crlf_transcripts(tmp_path):
    path = write_project(
        tmp_path / "nvivo.qdpx",
        origin="NVivo for Windows 12.6",
        texts=CRLF,
        unit="UTF-16 code units",
        names="empty",
        folder="Sources",
        standalone=True,
        case_coding=True,
    )
    with pytest.warns(
        ae.QDAWarning,
        match=r"nvivo\.qdpx \[project\.qde\]: 1 coding\(s\) of "
        r"cases left out",
    ):
        seg = ae.read_qdpx(path)
    assert_exact(seg, CRLF)
    assert seg.attrs["position_unit"] == "UTF-16 code units"
    assert "NVivo" in seg.attrs["position_unit_reason"]
    assert seg.attrs["skipped"] == {"coding(s) of cases": 1}
    # Read as code points (aeeval before issue 14), every one of the 8 quotes would be wrong:
    # each lies after an emoji or contains one (INT02's first quote ends after 🙁).
    wrong = 0
    for iv, q, _ in QUOTES:
        i, j = _span(CRLF[iv], q)
        s16, e16 = (_count_to(CRLF[iv], k, "UTF-16 code units") for k in (i, j))
        wrong += CRLF[iv][s16:e16] != CRLF[iv][i:j]
    assert wrong == 8


def test_without_origin_or_names_word_boundaries_decide_or_it_is_an_error(tmp_path):
    # No origin, no selection names: code points and UTF-16 both fit (the transcript goes on
    # after the last quote) but select different text. Coders select words: read as code
    # points, quotes after an emoji start and end mid-word, so UTF-16 is the unit.
    padded = {iv: t + "Interviewer: Thank you.\n" for iv, t in LF.items()}
    path = write_project(
        tmp_path / "anon.qdpx", origin="", texts=padded, unit="UTF-16 code units", names="empty"
    )
    seg = ae.read_qdpx(path)
    assert_exact(seg, padded)
    assert seg.attrs["position_unit"] == "UTF-16 code units"
    assert "no selection start or end inside a word" in seg.attrs["position_unit_reason"]
    # With two selections the other unit cuts too few words to be sure: an error naming the
    # first selection whose text differs, never a silent guess.
    two = write_project(
        tmp_path / "two.qdpx",
        origin="",
        texts=padded,
        unit="UTF-16 code units",
        names="empty",
        quotes=QUOTES[:2],
    )
    with pytest.raises(
        ae.QDAFormatError,
        match=r"two\.qdpx \[project\.qde\]: cannot tell which "
        r"unit the positions count: <PlainTextSelection "
        r"guid='[-0-9a-f]+'> in source 'INT01\.txt' "
        r"\(name ''\) at \d+–\d+ selects different text "
        r"in different units \(code points → .*; UTF-16 "
        r"code units → .*\); the project has no origin",
    ):
        ae.read_qdpx(two)
    seg = ae.read_qdpx(two, position_unit="UTF-16 code units")
    assert_exact(seg, padded, QUOTES[:2])
    assert seg.attrs["position_unit_reason"].startswith("given as position_unit=")


def test_atlasti_crlf_counted_as_one_flat_codebook_and_uncoded_quotations(tmp_path):
    path = write_project(
        tmp_path / "atlas.qdpx",
        origin="ATLAS.ti Win 23.4.0",
        texts=CRLF,
        unit="UTF-16 code units",
        endings="CRLF as one",
        names="text",
        codebook="flat",
        sets=True,
        uncoded=2,
    )
    with pytest.warns(ae.QDAWarning, match=r"2 selection\(s\) with no coding .* left out"):
        seg = ae.read_qdpx(path)
    assert_exact(seg, CRLF)
    assert seg.attrs["position_unit"] == "UTF-16 code units, line endings CRLF as one"
    assert "selection name(s) matches" in seg.attrs["position_unit_reason"]
    # Flat codebook: each code is its own theme, and the rule says so.
    assert (seg["theme"] == seg["code"]).all()
    assert seg.attrs["theme_rule"] == "flat codebook: each code is its own theme"
    assert seg.attrs["skipped"] == {
        "selection(s) with no coding (annotations, quotations without a code)": 2
    }


def test_atlasti_code_points_are_told_from_names_too(tmp_path):
    path = write_project(
        tmp_path / "atlas.qdpx",
        origin="ATLAS.ti Mac 23.2",
        texts=CRLF,
        unit="code points",
        endings="CRLF as one",
        codebook="flat",
    )
    seg = ae.read_qdpx(path)
    assert_exact(seg, CRLF)
    assert seg.attrs["position_unit"] == "code points, line endings CRLF as one"


def test_atlasti_without_names_and_with_emoji(tmp_path):
    # ATLAS.ti's Unicode unit is not documented: without names, word boundaries decide when they
    # can; with too few selections to be sure it is an error.
    path = write_project(
        tmp_path / "atlas.qdpx",
        origin="ATLAS.ti Win 23.4.0",
        texts=CRLF,
        unit="code points",
        endings="CRLF as one",
        names="none",
        codebook="flat",
    )
    seg = ae.read_qdpx(path)
    assert_exact(seg, CRLF)
    assert seg.attrs["position_unit"] == "code points, line endings CRLF as one"
    few = write_project(
        tmp_path / "few.qdpx",
        origin="ATLAS.ti Win 23.4.0",
        texts=CRLF,
        unit="code points",
        endings="CRLF as one",
        names="none",
        codebook="flat",
        quotes=QUOTES[5:7],
    )
    with pytest.raises(
        ae.QDAFormatError,
        match=r"few\.qdpx \[project\.qde\]: cannot tell which "
        r"unit .*the project's origin 'ATLAS\.ti Win "
        r"23\.4\.0' does not settle it",
    ):
        ae.read_qdpx(few)


def test_maxqda_crlf_counted_as_two_no_astral_text(tmp_path):
    # Combining marks and non-ASCII punctuation, no astral characters: code points and UTF-16
    # agree, so MAXQDA's unit need not be known. Uncoded selections carry a Description.
    texts = {
        "INT01": crlf("Nurse: Zoe\u0308 said — twice — it helped.\nIt did.\n"),
        "INT02": crlf("Manager: Sen\u0303or Ruiz agreed.\n"),
    }
    quotes = [
        ("INT01", "Zoe\u0308 said — twice — it helped.\nIt did.", "huddles"),
        ("INT02", "Sen\u0303or Ruiz agreed.", "staffing"),
    ]
    path = write_project(
        tmp_path / "maxqda.qdpx",
        origin="MAXQDA 2022 (Release 22.4.0)",
        texts=texts,
        unit="code points",
        names="none",
        case_names=False,
        selection_description=True,
        sets=True,
        uncoded=1,
        quotes=quotes,
    )
    with pytest.warns(ae.QDAWarning, match="1 selection"):
        seg = ae.read_qdpx(path, themes="sets")
    assert_exact(seg, texts, quotes)
    assert seg.attrs["position_unit"] == "code points"
    assert set(zip(seg["code"], seg["theme"])) == {
        ("huddles", "Group: What helps"),
        ("staffing", "Group: Challenges"),
    }
    assert "code sets" in seg.attrs["theme_rule"]


def test_qualcoder_export_utf16_names_bom_and_the_maxqda_line_ending_option(tmp_path):
    plain = write_project(
        tmp_path / "qc.qdpx",
        origin="QualCoder 4.0 Beta",
        texts=LF,
        unit="UTF-16 code units",
        bom=True,
        codebook="single-root",
    )
    seg = ae.read_qdpx(plain)
    assert_exact(seg, LF)
    assert seg.attrs["position_unit"] == "UTF-16 code units"
    # Single root category: the themes are the level below it.
    assert set(zip(seg["code"], seg["theme"])) == set(CODES.items())
    assert seg.attrs["theme_rule"].startswith("single-root codebook")
    assert set(ae.read_qdpx(plain, theme_level=0)["theme"]) == {"All codes"}
    assert (ae.read_qdpx(plain, theme_level=2)["theme"] == seg["code"]).all()
    # "Add line ending character for MAXQDA importation": CRLF text, LF-counted positions.
    maxqda_option = write_project(
        tmp_path / "qc-crlf.qdpx",
        origin="QualCoder 4.0 Beta",
        texts=CRLF,
        unit="UTF-16 code units",
        endings="CRLF as one",
        bom=True,
    )
    seg2 = ae.read_qdpx(maxqda_option)
    assert_exact(seg2, CRLF)
    assert seg2.attrs["position_unit"] == "UTF-16 code units, line endings CRLF as one"


def test_taguette_utf8_byte_offsets_and_its_flat_codebook(tmp_path):
    path = write_project(
        tmp_path / "taguette.qdpx",
        origin="Taguette 1.4.1",
        texts=LF,
        unit="UTF-8 bytes",
        names="none",
        codebook="flat",
    )
    seg = ae.read_qdpx(path)
    assert_exact(seg, LF)
    assert seg.attrs["position_unit"] == "UTF-8 bytes"
    # The codebook exactly as taguette/export.py codebook_xml writes it.
    qdc = tmp_path / "taguette.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook '
        'xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.4.1"><Codes>'
        '<Code guid="6D1B0E4F-1C5B-5B5F-9C1B-1E0B7D1A2B3C" name="interesting.quote" '
        'isCodable="true"></Code><Code guid="0A4C2B57-5C1D-5D8E-8E51-3C8B0F0E4D21" '
        'name="barrier" isCodable="true"></Code></Codes><Sets></Sets></CodeBook>'
    )
    book = ae.read_qdc(qdc)
    assert book["code"].tolist() == ["interesting.quote", "barrier"]
    assert (book["depth"] == 0).all() and book.attrs["origin"] == "Taguette 1.4.1"


def test_nvivo_mac_codebook_namespace_1_colon_0(tmp_path):
    A, B = "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "{3F2504E0-4F89-11D3-9A0C-0305E82C3302}"
    qdc = tmp_path / "nvivo.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?><CodeBook '
        'origin="NVivo 12 For Mac" xmlns="urn:QDA-XML:codebook:1:0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Codes>'
        f'<Code guid="{A}" name="Helps" isCodable="true"><Code guid="{B}" name="time" '
        'isCodable="true"/></Code></Codes></CodeBook>'
    )
    assert ae.read_qdc(qdc).set_index("guid").loc[B, "theme"] == "Helps"


def test_atlas_ti_codebook_header_and_a_0_4_project_namespace_validate(tmp_path):
    # ATLAS.ti Win 23.4.0 writes xmlns "…:1.0" with a schemaLocation naming "…:0:4 Codebook.xsd"
    # (a public .qdc it exported); the hint is not followed, the bundled XSD is used.
    qdc = tmp_path / "atlas.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns:xsi="http://www.w3.org/'
        '2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:codebook:0:4 '
        'Codebook.xsd" origin="ATLAS.ti Win 23.4.0" xmlns="urn:QDA-XML:codebook:1.0">'
        '<Codes><Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="code1" '
        'color="#46AA00" isCodable="true"><Description>description</Description></Code>'
        "</Codes></CodeBook>"
    )
    assert ae.read_qdc(qdc)["code"].tolist() == ["code1"]
    good = _good(tmp_path, "std.qdpx")
    old = _qde(
        _good(tmp_path, "old.qdpx"),
        lambda q: q.replace("urn:QDA-XML:project:1.0", "urn:QDA-XML:project:0:4"),
    )
    pd.testing.assert_frame_equal(ae.read_qdpx(old), ae.read_qdpx(good))
    broken = _qde(
        _good(tmp_path, "oldbad.qdpx"),
        lambda q: q.replace("urn:QDA-XML:project:1.0", "urn:QDA-XML:project:0:4").replace(
            ' isCodable="true"', ' isCodable="yes"', 1
        ),
    )
    with pytest.raises(
        ae.QDAFormatError,
        match=r"oldbad\.qdpx \[project\.qde\]: breaks the "
        r"REFI-QDA Project-mrt2019\.xsd schema \(1 violation\(s\)\):\n  "
        r"/Project/CodeBook/Codes/Code.* isCodable='yes' is not a valid xs:boolean$",
    ):
        ae.read_qdpx(broken)


def test_a_codebook_breaking_codebook_xsd_names_file_element_and_rule(tmp_path):
    qdc = tmp_path / "bad.qdc"
    before = (
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        '<Codes><Code guid="3F2504E0-4F89-11D3-9A0C-0305E82C3301" name="Helps" color="red">'
        '<Code guid="{3F2504E0-4F89-11D3-9A0C-0305E82C3302}" name="time" isCodable="true"/>'
        '</Code></Codes><Sets><Set name="g"/></Sets></CodeBook>'
    )
    qdc.write_text(before)
    result = None
    with pytest.raises(ae.QDAFormatError) as err:
        result = ae.read_qdc(qdc)
    assert result is None and qdc.read_text() == before
    assert str(err.value) == (
        f"{qdc}: breaks the REFI-QDA Codebook.xsd schema (3 violation(s)):\n"
        "  /CodeBook/Codes/Code <Code guid='3F2504E0-4F89-11D3-9A0C-0305E82C3301' name='Helps'>: "
        "missing required attribute 'isCodable'\n"
        "  /CodeBook/Codes/Code <Code guid='3F2504E0-4F89-11D3-9A0C-0305E82C3301' name='Helps'>: "
        "color='red' is not a colour (RGBType: #RRGGBB or #RGB)\n"
        "  /CodeBook/Sets/Set <Set name='g'>: missing required attribute 'guid'"
    )


def test_aeeval_round_trip_states_its_unit(tmp_path):
    seg = ae.read_segments(None)
    path = tmp_path / "own.qdpx"
    ae.write_qdpx(seg, path)
    qde = zipfile.ZipFile(path).read("project.qde").decode()
    assert WRITTEN_UNIT in qde and 'origin="aeeval"' in qde
    back = ae.read_qdpx(path)
    assert back.attrs["position_unit"] == "code points"
    assert back.equals(
        seg.sort_values(["interview", "coder", "start", "end", "code"], ignore_index=True)
    )
    # With astral text, too: aeeval writes code points and reads its own file back exactly.
    rows = [
        {
            "interview": iv,
            "org_code": ORGS[iv],
            "coder": "Coder A",
            "code": c,
            "theme": CODES[c],
            "text": LF[iv][slice(*_span(LF[iv], q))],
            "start": _span(LF[iv], q)[0],
            "end": _span(LF[iv], q)[1],
        }
        for iv, q, c in QUOTES
    ]
    emoji = pd.DataFrame(rows)
    ae.write_qdpx(emoji, tmp_path / "emoji.qdpx", transcripts=LF)
    assert_exact(ae.read_qdpx(tmp_path / "emoji.qdpx"), LF)


# ---------------------------------------------------------------------------- QualCoder database

QC_SCHEMA = """
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text,
  owner text, date text);
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text,
  supercatid integer);
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text,
  date text, color text, supercid integer);
CREATE TABLE code_text (ctid integer primary key, cid integer, fid integer, seltext text,
  pos0 integer, pos1 integer, owner text, date text, memo text, avid integer, important integer);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text,
  id integer, date text, owner text);
"""


def make_qualcoder_db(folder, texts=LF, categories="single-root"):
    folder.mkdir()
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript(QC_SCHEMA)
    fids = {}
    for n, (iv, text) in enumerate(texts.items(), 1):
        conn.execute(
            "insert into source (id, name, fulltext) values (?, ?, ?)", (n, f"{iv}.txt", text)
        )
        conn.execute(
            "insert into attribute (name, attr_type, value, id) values ('org_code', 'file', ?, ?)",
            (ORGS[iv], n),
        )
        fids[iv] = n
    cat = {}
    if categories == "single-root":
        conn.execute("insert into code_cat (catid, name, supercatid) values (1, 'All codes', null)")
        for k, t in enumerate(sorted(set(CODES.values())), 2):
            conn.execute("insert into code_cat (catid, name, supercatid) values (?, ?, 1)", (k, t))
            cat[t] = k
    cids = {}
    for k, c in enumerate(sorted(CODES), 1):
        conn.execute(
            "insert into code_name (cid, name, catid) values (?, ?, ?)", (k, c, cat.get(CODES[c]))
        )
        cids[c] = k
    for iv, quote, code in QUOTES:
        i, j = _span(texts[iv], quote)
        conn.execute(
            "insert into code_text (cid, fid, seltext, pos0, pos1, owner) values "
            "(?, ?, ?, ?, ?, 'Coder A')",
            (
                cids[code],
                fids[iv],
                texts[iv][i:j],
                _count_to(texts[iv], i, "UTF-16 code units"),
                _count_to(texts[iv], j, "UTF-16 code units"),
            ),
        )
    conn.commit()
    conn.close()
    return folder


def test_qualcoder_database_qt_positions_and_categories(tmp_path):
    seg = ae.read_qualcoder(make_qualcoder_db(tmp_path / "p.qda"))
    assert_exact(seg, LF)
    assert seg.attrs["position_unit"] == "UTF-16 code units"
    assert set(zip(seg["code"], seg["theme"])) == set(CODES.items())
    assert seg.attrs["theme_rule"].startswith(
        "single-root codebook: the themes are the codes one level below the root 'All codes'"
    )
    flat = ae.read_qualcoder(make_qualcoder_db(tmp_path / "flat.qda", categories="none"))
    assert (flat["theme"] == flat["code"]).all()
    mapped = ae.read_qualcoder(tmp_path / "flat.qda", themes=CODES)
    assert set(zip(mapped["code"], mapped["theme"])) == set(CODES.items())


# ---------------------------------------------------------------------------- item 2: themes


def test_themes_mapping_table_file_and_missing_codes(tmp_path):
    path = write_project(
        tmp_path / "flat.qdpx",
        origin="ATLAS.ti Win 23.4.0",
        texts=CRLF,
        unit="code points",
        endings="CRLF as one",
        codebook="flat",
    )
    table = pd.DataFrame({"code": list(CODES), "theme": list(CODES.values())})
    for themes in (CODES, table):
        seg = ae.read_qdpx(path, themes=themes)
        assert set(zip(seg["code"], seg["theme"])) == set(CODES.items())
        assert seg.attrs["theme_rule"] == "themes from the themes= mapping (code → theme)"
    file = tmp_path / "themes.csv"
    table.to_csv(file, index=False)
    seg = ae.read_qdpx(path, themes=file)
    assert seg.attrs["theme_rule"] == "themes from the themes= file themes.csv (code → theme)"
    with pytest.raises(
        ae.QDAFormatError,
        match=r"flat\.qdpx \[project\.qde\]: the themes= file "
        r"themes2\.csv leaves 2 coded code\(s\) without a "
        r"theme: <Code guid='[-0-9a-f]+' "
        r"name='patient_voice'>; <Code guid='[-0-9a-f]+' "
        r"name='staffing'>",
    ):
        table[~table["code"].isin(["patient_voice", "staffing"])].to_csv(
            tmp_path / "themes2.csv", index=False
        )
        ae.read_qdpx(path, themes=tmp_path / "themes2.csv")
    with pytest.raises(
        ae.QDAFormatError,
        match=r'themes="sets" needs every coded code in exactly '
        r"one code set: code\(s\) in no <Set>: <Code guid",
    ):
        ae.read_qdpx(path, themes="sets")
    with pytest.raises(TypeError, match="not both"):
        ae.read_qdpx(path, themes=CODES, theme_level=1)


# ---------------------------------------------------------------------------- item 3: tolerate


def test_notes_memos_cases_and_variables_are_skipped_one_warning_per_kind(tmp_path):
    n1, ns1, nc1, x = (str(uuid.uuid4()) for _ in range(4))
    notes = (
        f'<Notes><Note guid="{n1}" name="Memo on huddles" plainTextPath="internal://N1.txt">'
        f'<PlainTextSelection guid="{ns1}" startPosition="0" endPosition="4"><Coding '
        f'guid="{nc1}"><CodeRef targetGUID="{x}"/></Coding></PlainTextSelection></Note>'
        "</Notes>"
    )
    path = write_project(
        tmp_path / "all.qdpx",
        origin="NVivo 14",
        texts=LF,
        unit="UTF-16 code units",
        names="empty",
        uncoded=3,
        case_coding=True,
        variable_coding=True,
        extra_root=notes,
    )
    with pytest.warns(ae.QDAWarning) as record:
        seg = ae.read_qdpx(path)
    assert_exact(seg, LF)
    messages = [str(w.message) for w in record if issubclass(w.category, ae.QDAWarning)]
    # Uncoded selections, case, variable and note codings: one warning each, with its count.
    assert len(messages) == 4
    assert seg.attrs["skipped"] == {
        "selection(s) with no coding (annotations, quotations without a code)": 3,
        "coding(s) of cases": 1,
        "coding(s) of variables": 1,
        "coding(s) of notes and memos": 1,
    }


def test_missing_source_text_stays_an_error(tmp_path):
    path = write_project(
        tmp_path / "gone.qdpx", origin="NVivo 14", texts=LF, unit="UTF-16 code units"
    )
    with zipfile.ZipFile(path) as zf:
        keep = {
            n: zf.read(n)
            for n in zf.namelist()
            if not n.startswith("sources/") or n.endswith(".docx")
        }
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in keep.items():
            zf.writestr(n, data)
    with pytest.raises(
        ae.QDAFormatError,
        match=r"gone\.qdpx \[project\.qde\]: <TextSource "
        r"name='INT01\.txt'>: its text sources/.*\.txt is "
        "missing from the zip",
    ):
        ae.read_qdpx(path)


# ---------------------------------------------------------------------------- bad input


def _qde(path, edit):
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    items["project.qde"] = edit(items["project.qde"].decode()).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in items.items():
            zf.writestr(n, data)
    return path


def _good(tmp_path, name):
    return write_project(
        tmp_path / name, origin="QualCoder 4.0 Beta", texts=LF, unit="UTF-16 code units"
    )


def test_bad_input_each_with_file_element_and_rule(tmp_path):
    not_zip = tmp_path / "text.qdpx"
    not_zip.write_text("hello")
    cases = [
        (not_zip, r"text\.qdpx: not a zip archive"),
    ]
    nozip = tmp_path / "noqde.qdpx"
    with zipfile.ZipFile(nozip, "w") as zf:
        zf.writestr("sources/a.txt", "x")
    cases.append((nozip, r"noqde\.qdpx: the zip has no project\.qde"))
    # REFI-QDA Project.xsd, checked with xmlschema before anything is read: each violation names
    # the element's path, its guid and name, and the rule.
    schema = r" \[project\.qde\]: breaks the REFI-QDA Project-mrt2019\.xsd schema \(1 violation\(s\)\):\n  "
    sel = r"/Project/Sources/TextSource\[1\]/PlainTextSelection\[1\] <PlainTextSelection guid='[-0-9a-f]+' "
    quote = r"name='The huddles 😀 changed everything\.'>: "
    cases.append(
        (
            _qde(
                _good(tmp_path, "nopos.qdpx"),
                lambda q: re.sub(r' startPosition="\d+"', "", q, count=1),
            ),
            r"nopos\.qdpx" + schema + sel + quote + "missing required attribute 'startPosition'$",
        )
    )
    cases.append(
        (
            _qde(
                _good(tmp_path, "noguid.qdpx"),
                lambda q: re.sub(
                    r'<PlainTextSelection guid="[^"]+"', "<PlainTextSelection", q, count=1
                ),
            ),
            r"noguid\.qdpx" + schema + r"/Project/Sources/TextSource\[1\]/PlainTextSelection"
            r"\[1\] <PlainTextSelection " + quote + "missing required attribute 'guid'$",
        )
    )
    cases.append(
        (
            _qde(
                _good(tmp_path, "badguid.qdpx"),
                lambda q: re.sub(r'(<PlainTextSelection guid=")[^"]+', r"\g<1>sel-1", q, count=1),
            ),
            r"badguid\.qdpx" + schema + r"/Project/Sources/TextSource\[1\]/PlainTextSelection"
            r"\[1\] <PlainTextSelection guid='sel-1' " + quote + r"guid='sel-1' is not a GUID "
            r"\(GUIDType: 8-4-4-4-12 hexadecimal digits, optionally in braces\)$",
        )
    )
    cases.append(
        (
            _qde(
                _good(tmp_path, "notint.qdpx"),
                lambda q: re.sub(r'startPosition="\d+"', 'startPosition="12.5"', q, count=1),
            ),
            r"notint\.qdpx" + schema + sel + quote + r"startPosition='12\.5' is not a valid "
            r"xs:integer$",
        )
    )
    cases.append(
        (
            _qde(
                _good(tmp_path, "stray.qdpx"),
                lambda q: q.replace("</Project>", '<Extras name="x"/></Project>'),
            ),
            r"stray\.qdpx" + schema + r"/Project/Extras <Extras name='x'>: not an element the "
            r"schema allows inside <Project> \(it allows Users, CodeBook, Variables, Cases, "
            r"Sources, Notes, Links, Sets, Graphs, Description, NoteRef\)$",
        )
    )
    order = re.compile(r"(<Users>.*?</Users>)(\s*)(<CodeBook>.*?</CodeBook>)", re.S)
    cases.append(
        (
            _qde(_good(tmp_path, "order.qdpx"), lambda q: order.sub(r"\3\2\1", q, count=1)),
            r"order\.qdpx" + schema + r"/Project/Users <Users>: out of order or repeated: "
            r"inside <Project> the schema allows, in this order, Users, CodeBook, ",
        )
    )
    cases.append(
        (
            _qde(_good(tmp_path, "noname.qdpx"), lambda q: q.replace(' name="huddles"', "", 1)),
            r"noname\.qdpx" + schema + r"/Project/CodeBook/Codes/Code\[\d\](/Code\[\d\])? "
            r"<Code guid='[-0-9a-f]+'>: missing required attribute 'name'$",
        )
    )
    many = re.compile(r'( guid=")[^"]+')
    cases.append(
        (
            _qde(_good(tmp_path, "many.qdpx"), lambda q: many.sub(r"\g<1>x", q)),
            r"many\.qdpx \[project\.qde\]: breaks the REFI-QDA Project-mrt2019\.xsd schema "
            r"\((\d+) violation\(s\)\):\n(  /Project.*: guid='x' is not a GUID .*\n){10}  … "
            r"and \d+ more$",
        )
    )
    cases.append(
        (
            _qde(
                _good(tmp_path, "outside.qdpx"),
                lambda q: re.sub(r'endPosition="\d+"', 'endPosition="9999"', q, count=1),
            ),
            r"outside\.qdpx \[project\.qde\]: <PlainTextSelection guid='[-0-9a-f]+'> in "
            r"source 'INT01\.txt': positions \d+–9999 lie outside the transcript \(\d+ "
            r"UTF-16 code units\) \(selection name 'The huddles 😀 changed everything\.'\)",
        )
    )
    cases.append(
        (
            write_project(
                tmp_path / "unknown.qdpx",
                origin="SomeTool 1.0",
                texts=CRLF,
                unit="code points",
                names="none",
                quotes=QUOTES[2:4],
            ),
            r"unknown\.qdpx \[project\.qde\]: cannot tell which unit the positions count: "
            r"<PlainTextSelection guid='[-0-9a-f]+'> in source 'INT01\.txt'",
        )
    )
    for path, message in cases:
        before = path.read_bytes()
        result = None
        with pytest.raises(ae.QDAFormatError, match=message) as err:
            result = ae.read_qdpx(path)
        assert result is None and path.read_bytes() == before  # nothing half-read or changed
        shown = re.search(r"\((\d+) violation", str(err.value))
        if shown and path.name == "many.qdpx":  # the cap: 10 shown, the rest counted
            assert int(shown[1]) > 10
            assert f"… and {int(shown[1]) - 10} more" in str(err.value)


# ---------------------------------------------------------------------------- item 4: exports


def write_qualcoder_coded_text(path, *, case_report=False, org_column=True, media=True):
    """QualCoder's "Code text" report exported to CSV/XLSX, as report_codes.py export_csv_file /
    export_xlsx_file write it: File (or Case, Filename), Coder, Coded, Id ("ctid:N"), Codename,
    Coded_Memo, then one "Category" column per level (nearest category first), then
    FileVar_<name> when variables are exported; utf-8-sig, every cell quoted."""
    head = (["Case", "Filename"] if case_report else ["File"]) + [
        "Coder",
        "Coded",
        "Id",
        "Codename",
        "Coded_Memo",
        "Category",
        "Category",
    ]
    if org_column:
        head.append("FileVar_org_code")
    rows = []
    for k, (iv, quote, code) in enumerate(QUOTES, 1):
        first = [f"Case {iv}", f"{iv}.txt"] if case_report else [f"{iv}.txt"]
        row = first + ["Coder A", quote, f"ctid:{k}", code, "", CODES[code], "All codes"]
        rows.append(row + ([ORGS[iv]] if org_column else []))
    if media:
        first = ["Case INT01", "INT01.txt"] if case_report else ["poster.png"]
        rows.append(
            first
            + ["Coder A", "image", "imid:1", "huddles", "", "What helps", "All codes"]
            + (["RXA"] if org_column else [])
        )
    if str(path).endswith(".xlsx"):
        pd.DataFrame(rows).to_excel(path, header=head, index=False)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, quoting=csv.QUOTE_ALL)
            w.writerow(head)
            w.writerows(rows)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_qualcoder_coded_text_export(tmp_path, suffix):
    path = write_qualcoder_coded_text(tmp_path / f"coded{suffix}")
    with pytest.warns(ae.QDAWarning, match=r"1 coding\(s\) not on a text selection"):
        seg = ae.read_segments(path)
    assert sorted(zip(seg["interview"], seg["code"], seg["text"])) == sorted(
        (iv, c, q) for iv, q, c in QUOTES
    )
    assert set(zip(seg["code"], seg["theme"])) == set(CODES.items())
    assert seg["start"].isna().all() and seg.attrs["positions"] is False
    assert "co-occurrence is by interview only" in seg.attrs["position_unit"]
    assert set(seg["org_code"]) == {"RXA", "RXB"}
    freq = ae.theme_frequencies(seg)
    assert freq.loc[freq["code"] == "protected_time", "n_segments"].item() == 2
    assert ae.cooccurrence(seg).loc["huddles", "protected_time"] == 1
    with pytest.raises(ValueError, match="needs positions, and these segments have none"):
        ae.cooccurrence(seg, by="segment")


def test_qualcoder_coded_text_case_report_and_organisations(tmp_path):
    path = write_qualcoder_coded_text(
        tmp_path / "cases.csv", case_report=True, org_column=False, media=False
    )
    with pytest.raises(
        ae.QDAFormatError,
        match=r"cases\.csv: no variable/attribute 'org_code' on "
        r"interview\(s\) INT01, INT02",
    ):
        ae.read_segments(path)
    seg = ae.read_segments(path, organisations=ORGS)
    assert set(seg["interview"]) == {"INT01", "INT02"}


# ---------------------------------------------------------------------------- item 5: validate


def _validate(*paths):
    return subprocess.run(
        [sys.executable, "-m", "aeeval", "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_reports_each_qda_file(tmp_path):
    qdpx = write_project(
        tmp_path / "nvivo.qdpx",
        origin="NVivo 14",
        texts=CRLF,
        unit="UTF-16 code units",
        names="empty",
        uncoded=2,
        codebook="flat",
    )
    coded = write_qualcoder_coded_text(tmp_path / "coded.csv")
    project = make_qualcoder_db(tmp_path / "project.qda")
    run = _validate(qdpx, coded, project)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert f"{qdpx}: REFI-QDA project (origin 'NVivo 14')" in out
    assert (
        "2 sources, 5 codes, 5 themes (flat codebook: each code is its own theme), 2 coders, "
        "8 codings" in out
    )
    assert "positions: UTF-16 code units (the origin 'NVivo 14' gives this unit" in out
    assert "skipped: 2 selection(s) with no coding" in out
    assert f"{coded}: QualCoder coded-text export" in out and "no positions" in out
    assert f"{project}: QualCoder project" in out and "3 themes (single-root codebook" in out
    bad = _qde(_good(tmp_path, "bad.qdpx"), lambda q: q.replace(' name="huddles"', "", 1))
    run = _validate(bad)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert (
        "bad.qdpx [project.qde]: breaks the REFI-QDA Project-mrt2019.xsd schema" in run.stderr
        and "<Code guid=" in run.stderr
        and "missing required attribute 'name'" in run.stderr
    )


# ---------------------------------------------------------------------------- done when


def test_a_data_folder_with_a_qdpx_feeds_the_evaluation(tmp_path, examples):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(examples / "register.csv", folder / "register.csv")
    seg = ae.read_segments(None)
    ae.write_qdpx(seg, folder / "interviews.qdpx")
    ev = load_evaluation(folder)
    assert ev.sources["interview_segments"] == folder / "interviews.qdpx"
    assert ev.all_segments.equals(ae.read_qdpx(folder / "interviews.qdpx"))
    res = analyse(ev)
    assert res.themes is not None and not res.themes.empty
    methods = " ".join(limitations(ev, res))
    assert "the themes are the top-level codes of the codebook" in methods


@pytest.mark.slow
def test_evaluation_report_runs_on_a_folder_with_a_qdpx(tmp_path, examples):
    # The real CLI and kernel: notebook 05 with -p data_dir, the interviews as a .qdpx only.
    data = tmp_path / "data"
    data.mkdir()
    for name in ("register.csv", "survey_responses.csv"):
        shutil.copy(examples / name, data / name)
    ae.write_qdpx(ae.read_segments(None), data / "interviews.qdpx")
    out = tmp_path / "out"
    res = aeeval_cli(
        "run",
        NOTEBOOKS / "05-evaluation-report.ipynb",
        "-p",
        "cohort",
        "2",
        "-p",
        "data_dir",
        data,
        "--out",
        out,
        "--format",
        "html",
    )
    assert res.returncode == 0, res.stderr
    page = (out / "report.html").read_text()
    assert "Themes: the themes are the top-level codes of the codebook" in page
    assert "4 interview(s) fall in Cohort 2" in page
    inputs = [i["path"] for i in json.loads((out / "manifest.json").read_text())["inputs"]]
    assert str(data / "interviews.qdpx") in inputs


BMP = {
    iv: t.replace("👍", "(thumbs up)")
    .replace("😀", ":)")
    .replace("👨‍👩‍👧", "(family)")
    .replace("🙁", ":(")
    .replace("💪", "(strong)")
    .replace("𝔘", "U")
    .replace("𝔄𝔅", "AB")
    for iv, t in LF.items()
}
BMP_QUOTES = [
    (
        iv,
        q.replace("😀", ":)")
        .replace("👨‍👩‍👧", "(family)")
        .replace("🙁", ":(")
        .replace("💪", "(strong)")
        .replace("𝔘", "U")
        .replace("𝔄𝔅", "AB"),
        c,
    )
    for iv, q, c in QUOTES
]


@pytest.mark.parametrize("endings", ["as stored", "CRLF as one"])
def test_maxqda_either_crlf_rule_is_settled_by_the_selections(tmp_path, endings):
    # MAXQDA's CRLF rule is not established (docs/qda-formats.md): whichever it is, a Windows
    # transcript's quotes come out exactly, and the reason says what settled it.
    texts = {iv: crlf(t) for iv, t in BMP.items()}
    path = write_project(
        tmp_path / "maxqda.qdpx",
        origin="MAXQDA 24 (Release 24.7.0)",
        texts=texts,
        unit="code points",
        endings=endings,
        names="none",
        case_names=False,
        quotes=BMP_QUOTES,
    )
    seg = ae.read_qdpx(path)
    assert_exact(seg, texts, BMP_QUOTES)
    assert seg.attrs["position_unit"].endswith("CRLF as one") == (endings == "CRLF as one")


def test_validate_a_codebook_and_a_folder_with_two_projects(tmp_path):
    qdc = tmp_path / "book.qdc"
    ae.write_qdc(ae.read_segments(None), qdc)
    run = _validate(qdc)
    assert run.returncode == 0, run.stderr
    assert (
        run.stdout.splitlines()[1] == "  17 codes, 3 at the top level, 0 code set(s); a "
        "codebook holds no codings"
    )
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(EXAMPLES_REGISTER, folder / "register.csv")
    for name in ("a.qdpx", "b.qdpx"):
        ae.write_qdpx(ae.read_segments(None), folder / name)
    with pytest.raises(ValueError, match=r"several coded-interview files \(a\.qdpx, b\.qdpx\)"):
        load_evaluation(folder)
