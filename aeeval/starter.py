"""``aeeval init DIR``: a starter data folder for a new evaluation.

:func:`write_starter` writes the programme register as a template twice — ``register.xlsx``, with
drop-down lists and checks from the register schema (its ``enum`` and ``categories`` as lists, the
cohort a whole number, the start date a date), and ``register.csv`` for tools without Excel; fill
in one (the other, left blank, is set aside: two filled-in registers are refused) — a ``README.md`` saying which file goes where,
and ``survey_mapping.yml``, a commented survey-mapping stub for a survey tool's export. It never
writes into a folder that holds anything.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .errors import AeevalError

__all__ = ["StarterError", "write_starter", "STARTER_FILES"]

#: The files :func:`write_starter` writes.
STARTER_FILES = ("README.md", "register.csv", "register.xlsx", "survey_mapping.yml")
#: The survey-schema fields a mapping names (the survey-mapping format's ``fields``), an example
#: export column of each, and whether the format requires it.
MAPPING_FIELDS = (
    ("org_code", "Which organisation do you work for?", True),
    ("response_id", "Respondent ID", False),
    ("completed", "End Date", False),
    ("respondent_role", "What is your role?", False),
    ("comments", "Any other comments?", False),
)
_TEMPLATE_ROWS = 1000  # rows of register.xlsx under the header that carry the drop-down lists


class StarterError(AeevalError, ValueError):
    """A starter folder that cannot be written where it was asked for."""


def _fields() -> list[dict]:
    from .schemas import load_schema

    return load_schema("register")["fields"]


def _choices(f: dict) -> list[str] | None:
    return f.get("constraints", {}).get("enum") or f.get("categories")


def _register_xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "register"
    lists = book.create_sheet("lists")  # the drop-down options, one column per field
    lists.sheet_state = "hidden"
    for j, f in enumerate(_fields(), start=1):
        letter = get_column_letter(j)
        cell = sheet.cell(1, j, f["name"])
        cell.font = Font(bold=True)
        cons = f.get("constraints", {})
        note = f.get("title", "") + (f": {f['description']}" if f.get("description") else "")
        cell.comment = Comment(note + (" (required)" if cons.get("required") else ""), "aeeval")
        sheet.column_dimensions[letter].width = max(14, len(f["name"]) + 4)
        area = f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}"
        choices = _choices(f)
        if choices:
            for i, option in enumerate(choices, start=1):
                lists.cell(i, j, option)
            source = f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${len(choices)}"
            rule = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
            rule.error = f"Choose one of the {len(choices)} values of the list"
        elif f["type"] == "integer":
            rule = DataValidation(
                type="whole",
                operator="between",
                formula1=str(cons.get("minimum", 0)),
                formula2=str(cons.get("maximum", 10**9)),
            )
            rule.error = f"A whole number from {cons.get('minimum')} to {cons.get('maximum')}"
        elif f["type"] == "date":
            lowest = cons.get("minimum", "1900-01-01")
            rule = DataValidation(
                type="date", operator="greaterThanOrEqual", formula1=f'DATEVALUE("{lowest}")'
            )
            rule.error = f"A date on or after {lowest}"
            for r in range(2, _TEMPLATE_ROWS + 2):
                sheet.cell(r, j).number_format = "yyyy-mm-dd"
        else:
            continue
        rule.showErrorMessage = True
        rule.errorTitle = f["name"]
        rule.add(area)
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    book.save(path)


def _mapping_stub() -> str:
    from .coding import load_codebook

    book = load_codebook()
    lines = [
        "# Survey mapping: which column of a survey tool's export holds each field aeeval needs.",
        "# Only for an export as the tool wrote it (SurveyMonkey, Qualtrics, Microsoft Forms,",
        "# Google Forms, SmartSurvey); a file in aeeval's own survey schema needs none.",
        "# `aeeval survey-map EXPORT` writes a first mapping, <export name>.mapping.yml, from the",
        "# export's question texts; that file wins over this one, which serves every export of",
        "# the folder. Name a column by its header or question text, a Qualtrics QID or its",
        "# letter (A, B … AA). Replace each value below with your export's column.",
        "# tool: SurveyMonkey      # optional; it must be the tool recognised from the header",
        "fields:                   # survey-schema field: export column",
    ]
    for name, example, required in MAPPING_FIELDS:
        prefix = "  " if required else "  # "
        lines.append(
            f"{prefix}{name}: {json.dumps(example, ensure_ascii=False)}"
            + ("   # required" if required else "")
        )
    lines.append("questions:                # codebook question id: export column")
    for qid, q in book.questions.items():
        lines.append(f"  {qid}: {json.dumps(q.wording, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


_README = """\
# Data folder for an Always Events evaluation

Put every input of the evaluation in this folder, one file per strand, then run

    aeeval survey-map FOLDER/EXPORT.csv --register FOLDER/register.xlsx   # a survey export
    aeeval validate FOLDER/register.xlsx FOLDER/EXPORT.csv                  # optional
    aeeval evaluate FOLDER        # check everything, then one report per cohort + the programme

Files are recognised by their content, not their names (names below are suggestions).

| strand | file | needed |
|---|---|---|
| programme register | `register.xlsx` (drop-down lists) **or** `register.csv` — fill in one; the other, left blank, is set aside (two filled-in registers are refused) | yes |
| survey of organisations | the survey tool's export as it was downloaded (SurveyMonkey, Qualtrics, Microsoft Forms, Google Forms, SmartSurvey) with its survey mapping (`aeeval survey-map EXPORT` writes `<export>.mapping.yml`; `survey_mapping.yml` here is a stub), or a table in aeeval's `survey` schema | no |
| coded interviews | a REFI-QDA project (`.qdpx` from NVivo, ATLAS.ti, MAXQDA, QualCoder), a QualCoder project (`*.qda` folder), QualCoder's coded-text export, or a table in the `interview_segments` schema | no |
| NHS Staff Survey results | trust results: the `staff_survey` schema, or the published wide layout (`q22c_2019`, `q22c_n_2019`) | no |
| Always Event measures | monthly numerators and denominators per team (`measures` schema) | no |
| survey codebook | a codebook YAML, when this wave's questions differ from aeeval's bundled one | no |

The register's columns (one row per participating organisation):

{columns}

Not read, and allowed here: this README, survey mappings (`survey_mapping.yml`,
`*.mapping.yml`), hidden files and Office lock files (`~$…`). Any other file or folder that is
none of the strands above makes `aeeval evaluate` stop and name it — keep notes elsewhere.
Schemas: `data/schemas/` of aeeval (`aeeval validate --help`).
"""


def _readme() -> str:
    rows = []
    for f in _fields():
        choices = _choices(f)
        what = f.get("title", "")
        if choices:
            what += ": one of " + ", ".join(choices)
        rows.append(f"- `{f['name']}` ({f['type']}) — {what}")
    return _README.format(columns="\n".join(rows))


def write_starter(folder) -> list[Path]:
    """Write a starter data folder (:data:`STARTER_FILES`) at ``folder``.

    The files are written into a new folder beside ``folder`` and moved into place in one
    rename, which replaces an empty folder but never one holding anything: an existing non-empty
    ``folder`` (or a file there) is a :class:`StarterError` and nothing is written.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "wave-3"
    >>> [p.name for p in write_starter(folder)]
    ['README.md', 'register.csv', 'register.xlsx', 'survey_mapping.yml']
    >>> write_starter(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    aeeval.starter.StarterError: .../wave-3 is not empty (README.md, ...): aeeval init writes only a new or empty folder
    """
    folder = Path(folder)
    _refuse(folder)
    parent = folder.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=parent))
    try:
        (work / "README.md").write_text(_readme(), encoding="utf-8")
        names = [f["name"] for f in _fields()]
        (work / "register.csv").write_text(",".join(names) + "\n", encoding="utf-8")
        _register_xlsx(work / "register.xlsx")
        (work / "survey_mapping.yml").write_text(_mapping_stub(), encoding="utf-8")
        os.chmod(work, 0o777 & ~_umask())
        _refuse(folder)
        try:
            os.rename(work, folder)  # replaces an empty folder; fails on one holding anything
        except OSError as exc:
            raise StarterError(
                f"{folder}: cannot be written ({exc.strerror or exc}); nothing was written"
            ) from None
    finally:
        if work.exists():
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return [folder / name for name in STARTER_FILES]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _refuse(folder: Path) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise StarterError(
            f"{folder} exists and is not a folder: aeeval init writes only a new or empty folder"
        )
    if folder.is_dir():
        held = sorted(p.name for p in folder.iterdir())
        if held:
            shown = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
            raise StarterError(
                f"{folder} is not empty ({shown}): aeeval init writes only a new or empty folder"
            )
