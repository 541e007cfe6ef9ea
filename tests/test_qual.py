"""Coded interview segments: readers, writers, frequencies, framework matrix, co-occurrence, quotes."""

import re
import sqlite3
import uuid
import zipfile

import matplotlib
import pandas as pd
import pytest
import xmlschema

import aeeval as ae
from aeeval.plots.qual import plot_cooccurrence, plot_theme_frequencies

matplotlib.use("Agg")

TEXT1 = (
    "Interviewer: what got in the way? We never had protected time. Ann Lee said the board helped."
)
TEXT2 = "Staff were hard to engage at first. Call 020 7946 0018 if you want to know more."


def span(text, part):
    i = text.index(part)
    return i, i + len(part)


# Layout of project.qde as QualCoder's exporter writes it (ccbogel/QualCoder src/qualcoder/refi.py,
# RefiExport: Users, CodeBook with categories as isCodable="false" codes, TextSource with
# plainTextPath="internal://<guid>.txt", PlainTextSelection(startPosition, endPosition, name=seltext,
# creatingUser) > Coding(creatingUser) > CodeRef(targetGUID), VariableValue on the source; texts
# in sources/<guid>.txt).
def project_qde(sel1=None, extra_source="", ns="urn:QDA-XML:project:1.0", org2="ZB02"):
    s1, e1 = span(TEXT1, "We never had protected time.")
    s2, e2 = span(TEXT1, "the board helped")
    s3, e3 = span(TEXT2, "Staff were hard to engage at first.")
    sel1 = (
        sel1
        or f"""<PlainTextSelection guid="S1" startPosition="{s1}" endPosition="{e1}" name="We never had protected time." creatingUser="U1" creationDateTime="2024-01-05T10:00:00Z">
<Coding guid="C1" creatingUser="U1" ><CodeRef targetGUID="K-time" />
</Coding>
</PlainTextSelection>"""
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd" name="ae" origin="QualCoder-3.5" creatingUserGUID="U1" creationDateTime="2024-01-05T10:00:00Z">
<Users>
<User guid="U1" name="Coder A"/>
<User guid="U2" name="Coder B"/>
</Users>
<CodeBook>
<Codes>
<Code guid="T-chal" name="Challenges" isCodable="false" >
<Code guid="K-time" name="protected_time" isCodable="true" color="#F781F3" >
<Description>No protected time for the work</Description>
</Code>
<Code guid="K-eng" name="staff_engagement" isCodable="true" color="#F781F3" />
</Code>
<Code guid="T-help" name="What helps" isCodable="false" >
<Code guid="K-senior" name="senior_support" isCodable="true" color="#81F7D8" />
</Code>
</Codes>
</CodeBook>
<Variables>
<Variable guid="V1" name="org_code" typeOfVariable="Text" />
</Variables>
<Cases>
<Case guid="CASE2" name="Trust B">
<VariableValue><VariableRef targetGUID="V1" /><TextValue>{org2}</TextValue></VariableValue>
<SourceRef targetGUID="SRC2"/>
</Case>
</Cases>
<Sources>
<TextSource richTextPath="internal://R1.txt" plainTextPath="internal://P1.txt" creatingUser="U1" creationDateTime="2024-01-05T10:00:00Z" guid="SRC1" name="INT01.txt">
{sel1}
<PlainTextSelection guid="S2" startPosition="{s2}" endPosition="{e2}" name="the board helped" creatingUser="U2" creationDateTime="2024-01-05T10:00:00Z">
<Coding guid="C2" creatingUser="U2" ><CodeRef targetGUID="K-senior" />
</Coding>
<Coding guid="C2b" creatingUser="U2" ><CodeRef targetGUID="K-time" />
</Coding>
</PlainTextSelection>
<VariableValue>
<VariableRef targetGUID="V1" />
<TextValue>ZA01</TextValue>
</VariableValue>
</TextSource>
<TextSource richTextPath="internal://R2.txt" plainTextPath="internal://P2.txt" creatingUser="U1" creationDateTime="2024-01-05T10:00:00Z" guid="SRC2" name="INT02.txt">
<PlainTextSelection guid="S3" startPosition="{s3}" endPosition="{e3}" name="Staff were hard to engage at first." creatingUser="U1" creationDateTime="2024-01-05T10:00:00Z">
<Coding guid="C3" creatingUser="U1" ><CodeRef targetGUID="K-eng" />
</Coding>
</PlainTextSelection>
</TextSource>
{extra_source}
</Sources>
</Project>
"""


_ID = re.compile(r'\b(guid|targetGUID|creatingUser|creatingUserGUID|modifyingUser)="([^"]*)"')
_IS_GUID = re.compile(r"\{?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?")


def gid(label: str) -> str:
    """The GUID that stands for the readable id ``label`` (``S1``, ``K-time``) in these fixtures."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aeeval-test:{label}"))


def with_guids(xml: str) -> str:
    """Real tools write GUIDs (REFI-QDA GUIDType); the fixtures' readable ids become GUIDs."""
    return _ID.sub(lambda m: m[0] if _IS_GUID.fullmatch(m[2]) else f'{m[1]}="{gid(m[2])}"', xml)


def guid_message(message: str) -> str:
    """A regex naming readable ids (``guid='S9'``) rewritten to name their GUIDs."""
    return re.sub(
        r"'((?:S|U|K-|SRC|T-|C|V|CASE)[\w-]*)'",
        lambda m: f"'{gid(m[1])}'" if m[1] not in ("INT01", "INT02") else m[0],
        message,
    )


def make_qdpx(path, qde=None, files=None, sources_dir="sources"):
    with zipfile.ZipFile(path, "w") as zf:
        if qde is not False:
            zf.writestr("project.qde", with_guids(qde or project_qde()))
        for name, text in (
            files if files is not None else {"P1.txt": TEXT1, "P2.txt": TEXT2}
        ).items():
            zf.writestr(f"{sources_dir}/{name}", text)
    return path


def test_read_qdpx_in_qualcoder_layout(tmp_path):
    seg = ae.read_qdpx(make_qdpx(tmp_path / "p.qdpx"))
    assert list(seg.columns) == ae.qual.SEGMENT_COLUMNS
    got = seg[["interview", "org_code", "coder", "code", "theme", "text"]].values.tolist()
    assert got == [
        [
            "INT01",
            "ZA01",
            "Coder A",
            "protected_time",
            "Challenges",
            "We never had protected time.",
        ],
        ["INT01", "ZA01", "Coder B", "protected_time", "Challenges", "the board helped"],
        ["INT01", "ZA01", "Coder B", "senior_support", "What helps", "the board helped"],
        # organisation from the Case that holds the source
        [
            "INT02",
            "ZB02",
            "Coder A",
            "staff_engagement",
            "Challenges",
            "Staff were hard to engage at first.",
        ],
    ]
    assert seg.loc[0, ["start", "end"]].tolist() == list(
        span(TEXT1, "We never had protected time.")
    )
    # Round trip: what was read from the QualCoder-layout file writes back and reads the same,
    # with the full transcripts when given.
    ae.write_qdpx(seg, tmp_path / "again.qdpx", transcripts={"INT01": TEXT1, "INT02": TEXT2})
    pd.testing.assert_frame_equal(ae.read_qdpx(tmp_path / "again.qdpx"), seg)
    with zipfile.ZipFile(tmp_path / "again.qdpx") as zf:
        assert sorted(zf.read(n).decode() for n in zf.namelist() if n.startswith("sources/")) == [
            TEXT1,
            TEXT2,
        ]


def test_read_qdpx_capitalised_sources_folder_and_inline_text(tmp_path):
    # NVivo/MAXQDA write "Sources/"; PlainTextContent may hold the text inline.
    assert len(ae.read_qdpx(make_qdpx(tmp_path / "a.qdpx", sources_dir="Sources"))) == 4
    inline = (
        project_qde()
        .replace('plainTextPath="internal://P2.txt" ', "")
        .replace(
            'name="INT02.txt">', f'name="INT02.txt">\n<PlainTextContent>{TEXT2}</PlainTextContent>'
        )
    )
    assert (
        len(ae.read_qdpx(make_qdpx(tmp_path / "b.qdpx", qde=inline, files={"P1.txt": TEXT1}))) == 4
    )


def test_organisation_mapping_overrides_and_missing_is_an_error(tmp_path):
    path = make_qdpx(tmp_path / "p.qdpx")
    seg = ae.read_qdpx(path, organisations={"INT01": "ZZ1", "INT02": "ZZ2"})
    assert seg.groupby("interview")["org_code"].first().tolist() == ["ZZ1", "ZZ2"]
    table = pd.DataFrame({"interview": ["INT01", "INT02"], "org_code": ["X01", "X02"]})
    assert set(ae.read_qdpx(path, organisations=table)["org_code"]) == {"X01", "X02"}
    with pytest.raises(ae.QDAFormatError, match=r"mapping has no row for interview\(s\) INT02"):
        ae.read_qdpx(path, organisations={"INT01": "ZZ1"})
    no_case = make_qdpx(tmp_path / "q.qdpx", qde=project_qde(org2=""))
    with pytest.raises(
        ae.QDAFormatError,
        match=r"q\.qdpx.*no variable/attribute 'org_code' on "
        r"interview\(s\) INT02",
    ):
        ae.read_qdpx(no_case)


def _selection(guid, start, end, code, user="U1"):
    return (
        f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}" '
        f'creatingUser="{user}"><Coding guid="C{guid}" creatingUser="{user}">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


UNTHEMED = project_qde().replace(
    '<Code guid="T-help" name="What helps" isCodable="false" >\n<Code guid="K-senior" '
    'name="senior_support" isCodable="true" color="#81F7D8" />\n</Code>',
    '<Code guid="K-senior" name="senior_support" isCodable="true"/>',
)


def test_a_top_level_code_in_a_nested_codebook_is_its_own_theme(tmp_path):
    # Until issue 14 this was an error ("not nested under a theme"); a code that sits at the top
    # level beside the themes is now counted as its own theme, and the rule says so.
    seg = ae.read_qdpx(make_qdpx(tmp_path / "theme.qdpx", qde=UNTHEMED))
    assert set(seg.loc[seg["code"] == "senior_support", "theme"]) == {"senior_support"}
    assert seg.attrs["theme_rule"].startswith("the themes are the top-level codes")


# Every bad .qdpx: (what is wrong, project.qde or False for none, source files, the message:
# file, element and what is wrong).
QDPX_BAD = [
    (
        "no project.qde",
        False,
        None,
        r"noqde\.qdpx: the zip has no project\.qde \(it holds sources/P1",
    ),
    (
        "root in another namespace",
        project_qde(ns="urn:other:1.0"),
        None,
        r"ns\.qdpx \[project\.qde\]: root element is <Project> in namespace 'urn:other:1\.0'; "
        r"expected <Project> in namespace 'urn:QDA-XML:project:1\.0'",
    ),
    (
        "a codebook where the project should be",
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
        None,
        r"cb\.qdpx \[project\.qde\]: root element is <CodeBook> in namespace "
        r"'urn:QDA-XML:codebook:1\.0'; expected <Project>",
    ),
    (
        "a nested element in another namespace",
        project_qde().replace(
            '<TextSource richTextPath="internal://R2.txt"',
            '<TextSource xmlns="urn:vendor:x" richTextPath="internal://R2.txt"',
        ),
        None,
        r"nested\.qdpx \[project\.qde\]: element <TextSource> inside <Sources> is in "
        r"namespace 'urn:vendor:x', not 'urn:QDA-XML:project:1\.0'",
    ),
    (
        "an element without a namespace inside a source",
        project_qde().replace(
            "<TextValue>ZA01</TextValue>", '<TextValue xmlns="">ZA01</TextValue>'
        ),
        None,
        r"nons\.qdpx \[project\.qde\]: element <TextValue> inside <VariableValue> is in namespace "
        r"'\(none\)'",
    ),
    ("not well-formed XML", "<Project", None, r"bad\.qdpx \[project\.qde\]: not well-formed XML"),
    (
        "a coding pointing to a missing code",
        project_qde(sel1=_selection("S9", 0, 5, "K-gone")),
        None,
        r"code\.qdpx \[project\.qde\]: <PlainTextSelection guid='S9'> in source 'INT01\.txt': "
        r"<CodeRef targetGUID='K-gone'> points to a code that is not in the <CodeBook>",
    ),
    (
        "a source whose text file is missing",
        None,
        {"P1.txt": TEXT1},
        r"src\.qdpx \[project\.qde\]: <TextSource name='INT02\.txt'>: its text sources/P2\.txt is "
        r"missing from the zip",
    ),
    (
        "a source with no text at all",
        project_qde().replace('plainTextPath="internal://P2.txt" ', ""),
        {"P1.txt": TEXT1},
        r"notext\.qdpx \[project\.qde\]: <PlainTextSelection guid='S3'> in source 'INT02\.txt': the "
        r"source has no plain text",
    ),
    (
        "a case pointing to a missing source",
        project_qde().replace('<SourceRef targetGUID="SRC2"/>', '<SourceRef targetGUID="SRC9"/>'),
        None,
        r"case\.qdpx \[project\.qde\]: <Case name='Trust B'> points to source 'SRC9', which is not "
        r"among the <Sources>",
    ),
    (
        "a coder missing from <Users>",
        project_qde().replace('creatingUser="U2"', 'creatingUser="U7"'),
        None,
        r"user\.qdpx \[project\.qde\]: <PlainTextSelection guid='S2'> in source 'INT01\.txt': "
        r"creatingUser 'U7' is not among the <Users>",
    ),
    (
        "a position outside the transcript",
        project_qde(sel1=_selection("S8", 90, 999, "K-time")),
        None,
        r"pos\.qdpx \[project\.qde\]: <PlainTextSelection guid='S8'> in source 'INT01\.txt': "
        r"positions 90–999 lie outside the 93-character transcript",
    ),
    (
        "positions that are not numbers",
        project_qde(sel1=_selection("S7", "a", "b", "K-time")),
        None,
        r"num\.qdpx \[project\.qde\]: breaks the REFI-QDA Project-mrt2019\.xsd schema \(2 "
        r"violation\(s\)\):\n  /Project/Sources/TextSource\[1\]/PlainTextSelection\[1\] "
        r"<PlainTextSelection guid='S7'>: startPosition='a' is not a valid xs:integer\n.*"
        r"endPosition='b' is not a valid xs:integer",
    ),
    (
        "two sources that are the same interview",
        project_qde().replace('name="INT02.txt"', 'name="INT01.docx"'),
        None,
        r"twice\.qdpx \[project\.qde\]: <TextSource name='INT01\.docx' guid='SRC2'> and source "
        r"'INT01\.txt' both give interview id 'INT01'",
    ),
    (
        "a plain text outside the file",
        project_qde().replace("internal://P2.txt", "relative://P2.txt"),
        None,
        r"ext\.qdpx \[project\.qde\]: <TextSource name='INT02\.txt'>: plainTextPath "
        r"'relative://P2\.txt' points outside the \.qdpx",
    ),
]


@pytest.mark.parametrize("what, qde, files, message", QDPX_BAD, ids=[c[0] for c in QDPX_BAD])
def test_qdpx_bad_input(tmp_path, what, qde, files, message):
    name = re.match(r"(\w+)\\\.qdpx", message).group(1)
    path = make_qdpx(tmp_path / f"{name}.qdpx", qde=qde, files=files)
    before = path.read_bytes()
    with pytest.raises(ae.QDAFormatError, match=guid_message(message)) as err:
        ae.read_qdpx(path)
    assert err.value.file.startswith(str(path))
    assert path.read_bytes() == before  # the input is never modified


def test_qdpx_that_is_not_a_zip_or_not_there(tmp_path):
    not_zip = tmp_path / "x.qdpx"
    not_zip.write_text("hello")
    with pytest.raises(
        ae.QDAFormatError,
        match=r"x\.qdpx: not a zip archive; a \.qdpx file is a zip "
        r"holding project\.qde",
    ):
        ae.read_qdpx(not_zip)
    with pytest.raises(ae.QDAFormatError, match=r"none\.qdpx: file does not exist"):
        ae.read_qdpx(tmp_path / "none.qdpx")
    with pytest.raises(ae.QDAFormatError, match=r"none\.qdc: file does not exist"):
        ae.read_qdc(tmp_path / "none.qdc")


def test_qdpx_error_after_good_codings_returns_nothing(tmp_path):
    # The bad coding comes last, after good ones: the reader raises rather than return the rest.
    bad_last = (
        project_qde().replace("</Sources>", "").replace("</Project>", "")
        + "\n"
        + (
            '<TextSource guid="SRC3" name="INT03.txt"><PlainTextContent>Short.</PlainTextContent>'
            + _selection("S99", 0, 5, "K-gone")
            + "</TextSource>\n</Sources>\n</Project>\n"
        )
    )
    result = None
    with pytest.raises(ae.QDAFormatError, match=gid("S99")):
        result = ae.read_qdpx(make_qdpx(tmp_path / "late.qdpx", qde=bad_last))
    assert result is None


def test_codings_that_are_not_text_segments_are_counted_in_a_warning(tmp_path):
    # A picture coded once and a coding of the whole INT02 source cannot become text segments:
    # they are left out, and the warning says how many and where.
    qde = project_qde(
        extra_source=(
            '<PictureSource guid="PIC1" name="poster.png" path="internal://poster.png">'
            '<PictureSelection guid="PS1" firstX="0" firstY="0" secondX="9" secondY="9" creatingUser="U1">'
            '<Coding guid="PC1" creatingUser="U1"><CodeRef targetGUID="K-senior"/></Coding>'
            "</PictureSelection></PictureSource>"
        )
    ).replace(
        "</PlainTextSelection>\n</TextSource>\n<PictureSource",
        '</PlainTextSelection>\n<Coding guid="WC1" creatingUser="U1"><CodeRef targetGUID="K-eng"/>'
        "</Coding>\n</TextSource>\n<PictureSource",
    )
    # One warning per kind (issue 14, item 3): whole-source codings, media codings.
    with (
        pytest.warns(
            ae.QDAWarning,
            match=r"w\.qdpx \[project\.qde\]: 1 coding\(s\) of a whole "
            r"source, not of a text selection left out .*: 1 in "
            r"<TextSource name='INT02\.txt'>",
        ),
        pytest.warns(
            ae.QDAWarning,
            match=r"w\.qdpx \[project\.qde\]: 1 coding\(s\) not on a "
            r"text selection \(pictures, .*: 1 in <PictureSource "
            r"name='poster\.png'>",
        ),
    ):
        seg = ae.read_qdpx(make_qdpx(tmp_path / "w.qdpx", qde=qde))
    assert len(seg) == 4  # the text codings are all there


def test_read_qdpx_pdf_text_representation(tmp_path):
    # A PDF's text layer is a <Representation> (TextSourceType) inside <PDFSource>; its text
    # selections are coded segments like a TextSource's (REFI-QDA Project.xsd, PDFSourceType).
    s, e = span(TEXT2, "Staff were hard to engage at first.")
    pdf = (
        '<PDFSource guid="PDF1" name="INT03.pdf" path="internal://INT03.pdf">'
        '<Representation guid="REP1" plainTextPath="internal://P3.txt">'
        + _selection("S30", s, e, "K-eng")
        + '<VariableValue><VariableRef targetGUID="V1"/><TextValue>ZC03</TextValue></VariableValue>'
        "</Representation></PDFSource>"
    )
    path = make_qdpx(
        tmp_path / "pdf.qdpx",
        qde=project_qde(extra_source=pdf),
        files={"P1.txt": TEXT1, "P2.txt": TEXT2, "P3.txt": TEXT2},
    )
    seg = ae.read_qdpx(path)
    assert seg[seg["interview"] == "INT03"][
        ["org_code", "coder", "code", "text"]
    ].values.tolist() == [
        ["ZC03", "Coder A", "staff_engagement", "Staff were hard to engage at first."]
    ]


def test_round_trip_qdpx_and_qdc_on_example_data(tmp_path, examples):
    seg = ae.read_segments(examples / "interview_segments.csv")
    before = seg.copy()
    ae.write_qdpx(seg, tmp_path / "examples.qdpx")
    back = ae.read_qdpx(tmp_path / "examples.qdpx")
    expected = seg.sort_values(["interview", "coder", "start", "end", "code"], ignore_index=True)
    pd.testing.assert_frame_equal(back, expected)
    pd.testing.assert_frame_equal(seg, before)  # input not modified
    with zipfile.ZipFile(tmp_path / "examples.qdpx") as zf:
        names = zf.namelist()
    assert "project.qde" in names and sum(n.startswith("sources/") for n in names) == 12
    ae.write_qdc(seg, tmp_path / "codes.qdc")
    book = ae.read_qdc(tmp_path / "codes.qdc")
    assert sorted(book.loc[book["depth"] == 0, "code"]) == [
        "Challenges",
        "Key learnings",
        "What helps",
    ]
    pairs = book[book["depth"] == 1][["theme", "code"]].sort_values(["theme", "code"])
    assert pairs.values.tolist() == (
        seg[["theme", "code"]].drop_duplicates().sort_values(["theme", "code"]).values.tolist()
    )
    ae.write_qdc(book, tmp_path / "again.qdc")  # a codebook table writes back identically
    assert (tmp_path / "again.qdc").read_bytes() == (tmp_path / "codes.qdc").read_bytes()


# Rules of the REFI-QDA schemas (Project.xsd and Codebook.xsd, QDA-XML 1.0, release of 18 March
# 2019, www.qdasoftware.org) that a file aeeval writes must follow for another tool to import it:
# element order within each type, required attributes, GUID and enumeration formats, references.
GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
XSD_ORDER = {
    "Project": [
        "Users",
        "CodeBook",
        "Variables",
        "Cases",
        "Sources",
        "Notes",
        "Links",
        "Sets",
        "Graphs",
        "Description",
        "NoteRef",
    ],
    "Users": ["User"],
    "CodeBook": ["Codes", "Sets"],
    "Codes": ["Code"],
    "Code": ["Description", "NoteRef", "Code"],
    "Variables": ["Variable"],
    "Variable": ["Description"],
    "VariableValue": ["VariableRef", "TextValue"],
    "Sources": ["TextSource"],
    "TextSource": [
        "Description",
        "PlainTextContent",
        "PlainTextSelection",
        "Coding",
        "NoteRef",
        "VariableValue",
    ],
    "PlainTextSelection": ["Description", "Coding", "NoteRef"],
    "Coding": ["CodeRef", "NoteRef"],
}
XSD_REQUIRED = {
    "Project": ["name"],
    "User": ["guid"],
    "Code": ["guid", "name", "isCodable"],
    "Variable": ["guid", "name", "typeOfVariable"],
    "TextSource": ["guid"],
    "PlainTextSelection": ["guid", "startPosition", "endPosition"],
    "Coding": ["guid"],
    "CodeRef": ["targetGUID"],
    "VariableRef": ["targetGUID"],
}
GUID_ATTRIBUTES = ("guid", "targetGUID", "creatingUser", "creatingUserGUID")


def refi_violations(root, ns):
    """Every way ``root`` breaks the REFI-QDA schema rules above (empty when it follows them)."""
    problems = []

    def local(el):
        return el.tag.split("}", 1)[1]

    guids = {local(el): set() for el in root.iter()}
    for el in root.iter():
        if not el.tag.startswith(f"{{{ns}}}"):
            problems.append(f"<{el.tag}> is not in {ns}")
            continue
        name = local(el)
        guids[name].add(el.get("guid"))
        order = XSD_ORDER.get(name)
        if order is not None:
            kids = [local(k) for k in el]
            unknown = [k for k in kids if k not in order]
            if unknown or [order.index(k) for k in kids] != sorted(order.index(k) for k in kids):
                problems.append(f"<{name}> children {kids} break the order {order}")
        problems += [f"<{name}> lacks {a}" for a in XSD_REQUIRED.get(name, []) if el.get(a) is None]
        problems += [
            f"<{name} {a}={el.get(a)!r}> is not a GUID"
            for a in GUID_ATTRIBUTES
            if el.get(a) is not None and not GUID.fullmatch(el.get(a))
        ]
        if name == "Code" and el.get("isCodable") not in ("true", "false", "1", "0"):
            problems.append(f"<Code isCodable={el.get('isCodable')!r}> is not a boolean")
        if name == "Variable" and el.get("typeOfVariable") not in (
            "Text",
            "Boolean",
            "Integer",
            "Float",
            "Date",
            "DateTime",
        ):
            problems.append(f"<Variable typeOfVariable={el.get('typeOfVariable')!r}>")
        if name == "TextSource" and (el.find(f"{{{ns}}}PlainTextContent") is None) == (
            el.get("plainTextPath") is None
        ):
            problems.append("<TextSource> needs exactly one of PlainTextContent and plainTextPath")
        if name == "PlainTextSelection":
            try:
                if not 0 <= int(el.get("startPosition")) <= int(el.get("endPosition")):
                    problems.append(f"<PlainTextSelection guid={el.get('guid')}> positions")
            except (TypeError, ValueError):
                problems.append(
                    f"<PlainTextSelection guid={el.get('guid')}> positions not integers"
                )
    for el in root.iter(f"{{{ns}}}CodeRef"):
        if el.get("targetGUID") not in guids.get("Code", set()):
            problems.append(f"<CodeRef targetGUID={el.get('targetGUID')}> points to no <Code>")
    for el in root.iter(f"{{{ns}}}VariableRef"):
        if el.get("targetGUID") not in guids.get("Variable", set()):
            problems.append(
                f"<VariableRef targetGUID={el.get('targetGUID')}> points to no <Variable>"
            )
    for el in root.iter():
        user = el.get("creatingUser")
        if user is not None and user not in guids.get("User", set()):
            problems.append(f"<{local(el)} creatingUser={user}> is no <User>")
    return problems


def test_written_qdpx_and_qdc_follow_the_refi_qda_schema(tmp_path, examples):
    from xml.etree import ElementTree as ET

    seg = ae.read_segments(examples / "interview_segments.csv")
    ae.write_qdpx(seg, tmp_path / "p.qdpx")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        project = ET.fromstring(zf.read("project.qde"))
        members = set(zf.namelist())
    assert project.tag == "{urn:QDA-XML:project:1.0}Project"
    assert refi_violations(project, "urn:QDA-XML:project:1.0") == []
    # and against the published XSDs themselves (xmlschema directly, not aeeval's wrapper)
    xsd = ae.qdaformats.REFI_SCHEMAS
    assert list(xmlschema.XMLSchema10(xsd / "Project-mrt2019.xsd").iter_errors(project)) == []
    # every internal:// text is in the zip's sources/ folder
    for src in project.iter("{urn:QDA-XML:project:1.0}TextSource"):
        assert "sources/" + src.get("plainTextPath").removeprefix("internal://") in members
    ae.write_qdc(seg, tmp_path / "c.qdc")
    book = ET.parse(tmp_path / "c.qdc").getroot()
    assert book.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    assert refi_violations(book, "urn:QDA-XML:codebook:1.0") == []
    assert list(xmlschema.XMLSchema10(xsd / "Codebook.xsd").iter_errors(book)) == []
    # The checker is not blind: a selection moved after the source's VariableValue, a short GUID,
    # and a dangling code reference are all caught.
    src = project.find(".//{urn:QDA-XML:project:1.0}TextSource")
    sel = src.find("{urn:QDA-XML:project:1.0}PlainTextSelection")
    src.remove(sel)
    src.append(sel)
    sel.set("guid", "S1")
    sel.find(".//{urn:QDA-XML:project:1.0}CodeRef").set("targetGUID", str(uuid.uuid4()))
    found = refi_violations(project, "urn:QDA-XML:project:1.0")
    assert any("break the order" in p for p in found) and any("not a GUID" in p for p in found)
    assert any("points to no <Code>" in p for p in found)


def test_read_qdc_nested_and_bad_namespace(tmp_path):
    qdc = tmp_path / "book.qdc"
    qdc.write_text(
        with_guids("""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="QualCoder">
<Codes>
<Code guid="A" name="What helps" isCodable="false"><Description>Enablers</Description>
  <Code guid="B" name="Leadership" isCodable="true">
    <Code guid="C" name="senior_support" isCodable="true"/>
  </Code>
</Code>
</Codes>
</CodeBook>""")
    )
    book = ae.read_qdc(qdc).set_index("guid")
    assert book.loc[gid("C"), ["code", "parent", "theme", "depth"]].tolist() == [
        "senior_support",
        "Leadership",
        "What helps",
        2,
    ]
    assert book.loc[gid("A"), "description"] == "Enablers" and not book.loc[gid("A"), "codable"]
    qdc.write_text('<CodeBook xmlns="urn:QDA-XML:project:1.0"><Codes/></CodeBook>')
    with pytest.raises(
        ae.QDAFormatError,
        match=r"book\.qdc: root element is <CodeBook> in namespace "
        r"'urn:QDA-XML:project:1\.0'",
    ):
        ae.read_qdc(qdc)


# QualCoder's data.qda layout as its create_project writes it today (ccbogel/QualCoder
# src/qualcoder/__main__.py, database version v17; only the tables read here plus the media-coding
# tables): code_text has ctid, avid and important; code_name has supercid (a sub-code's parent code);
# source has av_text_id and risid.
QUALCODER_SCHEMA = """
CREATE TABLE project (databaseversion text, date text, memo text,about text, bookmarkfile integer, bookmarkpos integer, codername text, recently_used_codes text, avbookmarkfile integer, avbookmarkmsec integer, avbookmarktextpos integer);
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text, owner text, date text, av_text_id integer, risid integer, unique(name));
CREATE TABLE code_image (imid integer primary key,id integer,x1 integer, y1 integer, width integer, height integer, cid integer, memo text, date text, owner text, important integer, pdf_page integer);
CREATE TABLE code_av (avid integer primary key,id integer,pos0 integer, pos1 integer, cid integer, memo text, date text, owner text, important integer);
CREATE TABLE attribute_type (name text primary key, date text, owner text, memo text, caseOrFile text, valuetype text);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text, id integer, date text, owner text, unique(name,attr_type,id));
CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer, pos1 integer, owner text, date text, memo text);
CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text,date text, constraint ucm unique(name));
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text, supercatid integer, unique(name));
CREATE TABLE code_text (ctid integer primary key, cid integer, fid integer,seltext text, pos0 integer, pos1 integer, owner text, date text, memo text, avid integer, important integer, unique(cid,fid,pos0,pos1, owner));
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text,date text, color text, supercid integer, unique(name));
"""
# The first QualCoder layout (database v1): no ctid, avid or supercid, no media-coding tables.
QUALCODER_SCHEMA_V1 = """
CREATE TABLE project (databaseversion text, date text, memo text,about text);
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text, owner text, date text, unique(name));
CREATE TABLE attribute_type (name text primary key, date text, owner text, memo text, caseOrFile text, valuetype text);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text, id integer, date text, owner text);
CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer, pos1 integer, owner text, date text, memo text);
CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text,date text, constraint ucm unique(name));
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text, supercatid integer, unique(name));
CREATE TABLE code_text (cid integer, fid integer,seltext text, pos0 integer, pos1 integer, owner text, date text, memo text, unique(cid,fid,pos0,pos1, owner));
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text,date text, color text, unique(name));
"""


def make_qualcoder(folder, *, extra="", schema=QUALCODER_SCHEMA):
    folder.mkdir()
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript(
        schema
        + f"""
INSERT INTO project (databaseversion, date, memo, about) VALUES ('v17', '2024-01-05 10:00:00', '', 'QualCoder 3.6');
INSERT INTO source (id, name, fulltext, owner) VALUES (1, 'INT01.txt', '{TEXT1}', 'Coder A'),
  (2, 'INT02.docx', '{TEXT2}', 'Coder A');
INSERT INTO code_cat (catid, name, supercatid) VALUES (1, 'Challenges', NULL), (2, 'Workload', 1),
  (3, 'What helps', NULL);
INSERT INTO code_name (cid, name, catid) VALUES (1, 'protected_time', 2), (2, 'staff_engagement', 1),
  (3, 'senior_support', 3);
INSERT INTO attribute_type VALUES ('org_code', '', '', '', 'file', 'character');
INSERT INTO attribute (name, attr_type, value, id) VALUES ('org_code', 'file', 'ZA01', 1);
INSERT INTO cases (caseid, name) VALUES (1, 'Trust B');
INSERT INTO case_text (caseid, fid, pos0, pos1) VALUES (1, 2, 0, 0);
INSERT INTO attribute (name, attr_type, value, id) VALUES ('org_code', 'case', 'ZB02', 1);
INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES
  (1, 1, 'We never had protected time.', {span(TEXT1, "We never had protected time.")[0]},
   {span(TEXT1, "We never had protected time.")[1]}, 'Coder A'),
  (3, 1, 'the board helped', {span(TEXT1, "the board helped")[0]}, {span(TEXT1, "the board helped")[1]}, 'Coder B'),
  (2, 2, 'Staff were hard to engage at first.', 0, 35, 'Coder A');
{extra}
"""
    )
    conn.commit()
    conn.close()
    return folder


QUALCODER_EXPECTED = [
    # theme = top category: protected_time sits in Workload, under Challenges
    ["INT01", "ZA01", "Coder A", "protected_time", "Challenges", "We never had protected time."],
    ["INT01", "ZA01", "Coder B", "senior_support", "What helps", "the board helped"],
    [
        "INT02",
        "ZB02",
        "Coder A",
        "staff_engagement",
        "Challenges",
        "Staff were hard to engage at first.",
    ],
]


@pytest.mark.parametrize("schema", [QUALCODER_SCHEMA, QUALCODER_SCHEMA_V1], ids=["v17", "v1"])
def test_read_qualcoder_project(tmp_path, schema):
    folder = make_qualcoder(tmp_path / "study.qda", schema=schema)
    before = (folder / "data.qda").read_bytes()
    seg = ae.read_qualcoder(folder)
    assert seg[["interview", "org_code", "coder", "code", "theme", "text"]].values.tolist() == (
        QUALCODER_EXPECTED
    )
    assert ae.read_segments(folder / "data.qda").equals(seg)
    assert (folder / "data.qda").read_bytes() == before  # opened read-only


def test_qualcoder_sub_codes_take_their_parent_codes_theme(tmp_path):
    # QualCoder nests a code under a code with code_name.supercid (catid NULL): rota_gaps →
    # protected_time → Workload → Challenges.
    s, e = span(TEXT1, "protected time")
    folder = make_qualcoder(
        tmp_path / "sub.qda",
        extra=(
            "INSERT INTO code_name (cid, name, catid, supercid) VALUES (4, 'rota_gaps', NULL, 1);"
            f"INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES "
            f"(4, 1, 'protected time', {s}, {e}, 'Coder B');"
        ),
    )
    seg = ae.read_qualcoder(folder)
    assert seg.loc[seg["code"] == "rota_gaps", ["theme", "text"]].values.tolist() == [
        ["Challenges", "protected time"]
    ]


def _qc_coding(cid=1, fid=1, pos0=0, pos1=1, owner="'Coder A'"):
    return (
        f"INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES "
        f"({cid}, {fid}, 'x', {pos0}, {pos1}, {owner});"
    )


# Every bad QualCoder project: (what is wrong, SQL run on a good project, the message: the
# database, the code_text row and what is wrong).
QUALCODER_BAD = [
    (
        "a coding pointing to a missing source",
        _qc_coding(fid=9),
        r"code_text row 4: fid 9 is not in source",
    ),
    (
        "a coding pointing to a missing code",
        _qc_coding(cid=7),
        r"code_text row 4: cid 7 is not in code_name",
    ),
    (
        "a code in a missing category",
        "UPDATE code_name SET catid = 42 WHERE cid = 3;",
        r"code_text row 2: code 'senior_support' points to category 42, which is not in code_cat",
    ),
    (
        "a sub-code whose parent code is missing",
        "INSERT INTO code_name (cid, name, catid, supercid) VALUES (5, 'orphan', NULL, 99);"
        + _qc_coding(cid=5),
        r"code_text row 4: code 'orphan' has parent code 99, which is not in code_name",
    ),
    (
        "categories that loop",
        "UPDATE code_cat SET supercatid = 2 WHERE catid = 1;",
        r"code_text row 1: the categories above code 'protected_time' loop \(code_cat\.supercatid "
        r"returns to catid 2\)",
    ),
    (
        "sub-codes that loop",
        "INSERT INTO code_name (cid, name, catid, supercid) VALUES (5, 'a', NULL, 6), (6, 'b', NULL, 5);"
        + _qc_coding(cid=5),
        r"code_text row 4: code 'a' is its own ancestor",
    ),
    (
        "a coding with no owner",
        _qc_coding(owner="NULL"),
        r"code_text row 4: no owner, so the coder is unknown",
    ),
    (
        "an empty span",
        _qc_coding(pos0=5, pos1=5),
        r"code_text row 4: positions 5–5 are not a valid span",
    ),
    (
        "a span outside the text",
        _qc_coding(pos0=80, pos1=200),
        r"code_text row 4: positions 80–200 lie outside the 93-character transcript of source "
        r"'INT01\.txt'",
    ),
    (
        "two files that are the same interview",
        "INSERT INTO source (id, name, fulltext) VALUES (3, 'INT02.txt', 'again');",
        r"source files 'INT02\.docx' and 'INT02\.txt' both give interview id 'INT02'",
    ),
    (
        "an interview with no organisation",
        "DELETE FROM attribute WHERE attr_type = 'case';",
        r"no variable/attribute 'org_code' on interview\(s\) INT02: .*organisations=",
    ),
]


@pytest.mark.parametrize("what, sql, message", QUALCODER_BAD, ids=[c[0] for c in QUALCODER_BAD])
def test_qualcoder_bad_input(tmp_path, what, sql, message):
    folder = make_qualcoder(tmp_path / "bad.qda", extra=sql)
    before = (folder / "data.qda").read_bytes()
    with pytest.raises(ae.QDAFormatError, match=r"bad\.qda[/\\]data\.qda: " + message) as err:
        ae.read_qualcoder(folder)
    assert err.value.file == str(folder / "data.qda")
    assert (folder / "data.qda").read_bytes() == before


def test_qualcoder_not_a_project(tmp_path):
    with pytest.raises(
        ae.QDAFormatError,
        match=r"none\.qda: no QualCoder database here \(expected a "
        r"project folder holding data\.qda",
    ):
        ae.read_qualcoder(tmp_path / "none.qda")
    other = tmp_path / "e.qda"
    other.mkdir()
    sqlite3.connect(other / "data.qda").executescript("CREATE TABLE t (x);")
    with pytest.raises(
        ae.QDAFormatError,
        match=r"e\.qda[/\\]data\.qda: not a QualCoder project: "
        r"table 'source' is missing",
    ):
        ae.read_qualcoder(other)
    cols = tmp_path / "c.qda"
    cols.mkdir()
    sqlite3.connect(cols / "data.qda").executescript(
        QUALCODER_SCHEMA.replace("seltext text, pos0 integer", "pos0 integer")
    )
    with pytest.raises(
        ae.QDAFormatError,
        match=r"c\.qda[/\\]data\.qda: table 'code_text' lacks "
        r"column\(s\) \['seltext'\]",
    ):
        ae.read_qualcoder(cols)
    (tmp_path / "f.qda").write_text("not a database")
    with pytest.raises(ae.QDAFormatError, match=r"f\.qda: not an SQLite database"):
        ae.read_qualcoder(tmp_path / "f.qda")


def test_qualcoder_media_codings_are_counted_in_a_warning(tmp_path):
    folder = make_qualcoder(
        tmp_path / "media.qda",
        extra=(
            "INSERT INTO code_image (id, x1, y1, width, height, cid, owner) VALUES (1, 0, 0, 5, 5, 3, 'Coder A');"
            "INSERT INTO code_av (id, pos0, pos1, cid, owner) VALUES (1, 0, 900, 3, 'Coder A'),"
            " (1, 900, 1800, 3, 'Coder B');"
        ),
    )
    with pytest.warns(
        ae.QDAWarning,
        match=r"media\.qda[/\\]data\.qda: 3 coding\(s\) not on a text "
        r"selection .* left out .*: 1 in table code_image "
        r"\(pictures and PDF regions\); 2 in table code_av",
    ):
        seg = ae.read_qualcoder(folder)
    assert len(seg) == 3


def test_read_segments_dispatch(tmp_path, examples):
    assert ae.read_segments(None).equals(ae.read_segments_csv(examples / "interview_segments.csv"))
    with pytest.raises(ValueError, match="cannot tell how to read"):
        ae.read_segments(tmp_path / "x.json")


# ------------------------------------------------------------------------------ analysis


@pytest.fixture
def tiny():
    # 3 interviews in 2 organisations, 2 coders; counts worked out by hand below.
    rows = [
        ("I1", "O1", "A", "time", "Challenges", "No time at all.", 0, 15),
        ("I1", "O1", "B", "time", "Challenges", "No time at all.", 0, 15),
        ("I1", "O1", "A", "voice", "Helps", "Patients spoke up.", 10, 28),
        ("I2", "O1", "A", "voice", "Helps", "Sarah Jones told her story.", 0, 27),
        ("I3", "O2", "B", "time", "Challenges", "Rotas were full.", 5, 21),
        ("I3", "O2", "B", "time", "Challenges", "Nobody was released.", 40, 60),
    ]
    return pd.DataFrame(rows, columns=ae.qual.SEGMENT_COLUMNS)


def test_theme_frequencies_by_hand(tiny):
    f = ae.theme_frequencies(tiny).set_index(["theme", "code"])
    # time: I1, I3 → 2 of 3 interviews, 2 of 2 organisations; spans (I1 0-15 counted once) + 2 = 3.
    assert f.loc[
        ("Challenges", "time"),
        ["n_interviews", "interviews_base", "n_organisations", "organisations_base", "n_segments"],
    ].tolist() == [2, 3, 2, 2, 3]
    assert f.loc[("Challenges", "time"), "pct_interviews"] == pytest.approx(2 / 3)
    assert f.loc[("Helps", ""), ["level", "n_interviews", "n_organisations"]].tolist() == [
        "theme",
        2,
        1,
    ]
    only_a = ae.theme_frequencies(tiny, coder="A").set_index(["theme", "code"])
    assert only_a.loc[("Challenges", "time"), ["n_interviews", "interviews_base"]].tolist() == [
        1,
        3,
    ]
    with pytest.raises(ValueError, match="coder 'C' is not in the segments"):
        ae.theme_frequencies(tiny, coder="C")
    with pytest.raises(KeyError, match="lack column"):
        ae.theme_frequencies(tiny.drop(columns="theme"))


def test_framework_matrix_redacts_and_fills_empty_cells(tiny):
    m = ae.framework_matrix(tiny, names=["Sarah Jones"]).set_index(["org_code", "theme"])
    assert len(m) == 4
    assert m.loc[("O1", "Helps"), ["n_interviews", "n_segments", "codes"]].tolist() == [
        2,
        2,
        "voice",
    ]
    # shortest segment of the most frequent code
    assert m.loc[("O1", "Helps"), "quote"] == "Patients spoke up."
    assert m.loc[("O2", "Helps"), ["n_segments", "quote"]].tolist() == [0, ""]
    only_sarah = tiny[tiny["interview"] == "I2"]
    assert ae.framework_matrix(only_sarah, names=["Sarah Jones"])["quote"].iloc[0] == (
        "[name] told her story."
    )
    # One name as a string is one name (not its letters).
    assert ae.framework_matrix(only_sarah, names="Sarah Jones")["quote"].iloc[0] == (
        "[name] told her story."
    )
    assert ae.select_quotes(only_sarah, names="Sarah Jones")["quote"].tolist() == [
        "[name] told her story."
    ]
    wide = ae.framework_table(ae.framework_matrix(tiny))
    assert list(wide.columns) == ["org_code", "Challenges", "Helps"]
    assert (
        wide.loc[wide["org_code"] == "O2", "Challenges"].item() == "2 segments: “Rotas were full.”"
    )


def test_cooccurrence_by_hand(tiny):
    by_iv = ae.cooccurrence(tiny)
    assert by_iv.loc["time", "voice"] == 1 and by_iv.loc["time", "time"] == 2
    assert by_iv.loc["voice", "voice"] == 2
    by_seg = ae.cooccurrence(tiny, by="segment")
    # Only coder A's I1 "time" 0-15 and "voice" 10-28 overlap; the same span by A and B is not a pair.
    assert by_seg.loc["time", "voice"] == 1 == by_seg.loc["voice", "time"]
    assert by_seg.loc["time", "time"] == 4  # spans: A I1, B I1, B I3 ×2
    with pytest.raises(ValueError, match="by must be"):
        ae.cooccurrence(tiny, by="theme")


def test_cooccurrence_same_code_overlapping_itself_is_not_a_pair():
    # Coder A marks "time" twice (0-10 and 5-15, overlapping) and "voice" at 8-18, which overlaps
    # both: time × voice = 2 pairs; the diagonal counts the 2 distinct "time" spans, not 3.
    seg = pd.DataFrame(
        [
            ("I1", "O1", "A", "time", "C", "x" * 10, 0, 10),
            ("I1", "O1", "A", "time", "C", "x" * 10, 5, 15),
            ("I1", "O1", "A", "voice", "H", "x" * 10, 8, 18),
        ],
        columns=ae.qual.SEGMENT_COLUMNS,
    )
    m = ae.cooccurrence(seg, by="segment")
    assert m.loc["time", "time"] == 2 and m.loc["voice", "voice"] == 1
    assert m.loc["time", "voice"] == 2 == m.loc["voice", "time"]


def test_select_quotes_always_redacted(examples):
    seg = ae.read_segments(examples / "interview_segments.csv")
    register = ae.read_table(examples / "register.csv", "register")
    names = register["contact_name"].dropna().tolist()
    for per_theme in (1, 3, 6):
        q = ae.select_quotes(seg, names=names, per_theme=per_theme, max_chars=80)
        assert (q.groupby("theme").size() <= per_theme).all()
        assert (q["quote"].str.len() <= 80).all()
        assert not q["quote"].duplicated().any()
        for quote in q["quote"]:
            assert not ae.redaction.find_identifiers(quote, names), quote
    # Quotes with identifiers are selected (not avoided) and come out redacted.
    risky = seg[seg["text"].map(lambda t: bool(ae.redaction.find_identifiers(t, names)))]
    assert len(risky)
    q = ae.select_quotes(risky, names=names, per_theme=10)
    assert (
        q["redacted"].all()
        and q["quote"].str.contains(r"\[(?:name|email|phone|nhs_number)\]").all()
    )


def test_select_quotes_redacts_before_shortening():
    seg = pd.DataFrame(
        [("I1", "O1", "A", "c", "T", "Ring me " + "x" * 5 + " on 020 7946 0018 please", 0, 38)],
        columns=ae.qual.SEGMENT_COLUMNS,
    )
    quote = ae.select_quotes(seg, max_chars=24)["quote"].iloc[0]
    assert "020" not in quote and quote.endswith("…")


def test_plots(examples):
    seg = ae.read_segments(examples / "interview_segments.csv")
    ax = plot_theme_frequencies(ae.theme_frequencies(seg))
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and len(ax.patches) == 14
    ax = plot_cooccurrence(ae.cooccurrence(seg))
    assert ax.get_title() and ax.get_xlabel() == "Code" and len(ax.get_xticklabels()) == 14


@pytest.mark.parametrize(
    "module",
    [
        "aeeval.qdaformats",
        "aeeval.qual",
        "aeeval.agreement",
        "aeeval.redaction",
        "aeeval.plots.qual",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
