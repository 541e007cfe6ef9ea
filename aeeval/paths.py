"""The one place that knows where the project's folders are."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ROOT", "SCHEMAS", "EXAMPLES", "EXAMPLE_FILES", "NOTEBOOKS", "REPORTS", "PUBLIC_DATA",
           "SHARED_DATA", "TEMPLATES"]

PACKAGE = Path(__file__).resolve().parent
#: Project root: the folder holding ``pyproject.toml`` (override with ``AEEVAL_ROOT``).
ROOT = Path(os.environ.get("AEEVAL_ROOT", PACKAGE.parent)).resolve()
SCHEMAS = ROOT / "data" / "schemas"
EXAMPLES = ROOT / "data" / "examples"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
TEMPLATES = PACKAGE / "publish" / "templates"
#: Real public NHS data bundled with the project (Open Government Licence v3 / CC0; provenance in
#: ``data/public/README.md``). ``AEEVAL_SHARED_DATA`` points aeeval at another folder of the same files.
PUBLIC_DATA = Path(os.environ.get("AEEVAL_SHARED_DATA") or ROOT / "data" / "public").resolve()
#: The former name of :data:`PUBLIC_DATA`, kept so that code importing it still works.
SHARED_DATA = PUBLIC_DATA
#: Bundled example tables by schema name → file name in :data:`EXAMPLES`.
EXAMPLE_FILES = {
    "register": "register.csv",
    "survey": "survey_responses.csv",
    "interview_segments": "interview_segments.csv",
    "staff_survey": "staff_survey.csv",
    "measures": "measures.csv",
}
