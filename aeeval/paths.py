"""The one place that knows where aeeval's files are.

Everything aeeval ships besides its code — the table schemas, the survey codebook, the Staff
Survey item map and their formats, the notebooks and their demo build, the synthetic example data
and the bundled public data — is found through :mod:`importlib.resources`, as subpackages of
``aeeval.resources``. In the source tree they stay where they belong (``data/schemas/``,
``data/examples/``, ``data/public/``, ``notebooks/``: ``setup.py`` maps each onto its subpackage,
so there is one copy in git); a wheel carries them inside the package, in ``site-packages``, and an
editable install (``pip install -e``) reads them from the source tree. Either way each constant
below is a real folder on disk, and nothing depends on the working directory.

Output is the other way round: reports go to ``./reports/`` under the working directory of the
command that writes them (:func:`reports_dir`, read when the command runs).

Examples
--------
>>> from aeeval.paths import EXAMPLES, SCHEMAS, display_path
>>> (SCHEMAS / "register.schema.json").is_file() and (EXAMPLES / "register.csv").is_file()
True
>>> display_path(EXAMPLES / "register.csv")
'data/examples/register.csv'
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path

__all__ = [
    "PACKAGE",
    "ROOT",
    "SCHEMAS",
    "EXAMPLES",
    "QI_EXAMPLES",
    "EXAMPLE_EXTRA",
    "EXAMPLE_FILES",
    "NOTEBOOKS",
    "PUBLIC_DATA",
    "TEMPLATES",
    "BUNDLED",
    "reports_dir",
    "display_path",
    "bundled_path",
    "bundled_notebooks",
    "bundled_configs",
    "notebook_path",
    "config_path",
]


def _folder(package: str) -> Path:
    """The folder of the (resource) package ``package``, as a real path."""
    found = files(package)
    if not isinstance(found, Path) or not found.is_dir():
        raise ImportError(
            f"aeeval's files must be installed as files on disk, but {package} is "
            f"{found}: reinstall aeeval with pip (not as a zip file)"
        )
    return found.resolve()


#: The installed package's folder.
PACKAGE = _folder("aeeval")
#: The source checkout aeeval runs from (the folder holding ``pyproject.toml`` beside the
#: package: an editable install), or ``None`` when it is installed from a wheel. Only for
#: recording the git commit a report was made with; aeeval never reads or writes data here.
ROOT: Path | None = PACKAGE.parent if (PACKAGE.parent / "pyproject.toml").is_file() else None
#: Table Schema JSON of every input table, the survey codebook and its format, the item map.
SCHEMAS = _folder("aeeval.resources.schemas")
#: The synthetic example data (written by :mod:`aeeval.datasets`).
EXAMPLES = _folder("aeeval.resources.examples")
#: Synthetic example series for quality-improvement charts that are not Always Event measures
#: (counts of events for c and u charts), kept out of :data:`EXAMPLES`: an evaluation folder holds
#: one measures file, and these are not the programme's measures.
QI_EXAMPLES = _folder("aeeval.resources.qi_examples")
#: The analysis notebooks and ``demo.yml``, the demo build.
NOTEBOOKS = _folder("aeeval.resources.notebooks")
#: The nbconvert template of the reports (package data of aeeval).
TEMPLATES = PACKAGE / "publish" / "templates"
_PUBLIC = _folder("aeeval.resources.public")
#: Real public NHS data bundled with aeeval (Open Government Licence v3 / CC0; provenance in
#: ``data/public/README.md``). ``AEEVAL_PUBLIC_DATA`` points aeeval at another folder of the same files.
PUBLIC_DATA = Path(os.environ.get("AEEVAL_PUBLIC_DATA") or _PUBLIC).resolve()
#: The bundled folders by the name they have in aeeval's source tree (and in its sdist), which is
#: how reports name the files read from them (:func:`display_path`).
BUNDLED = {
    "data/schemas": SCHEMAS,
    "data/examples": EXAMPLES,
    "data/qi-examples": QI_EXAMPLES,
    "data/public": _PUBLIC,
    "notebooks": NOTEBOOKS,
}
#: Bundled example tables by schema name → file name in :data:`EXAMPLES`.
EXAMPLE_FILES = {
    "register": "register.csv",
    "survey": "survey_responses.csv",
    "interview_segments": "interview_segments.csv",
    "staff_survey": "staff_survey.csv",
    "measures": "measures.csv",
}
#: Bundled example tables in :data:`QI_EXAMPLES`, which share a schema with one above:
#: key → (file, schema).
EXAMPLE_EXTRA = {
    "event_counts": ("event_counts.csv", "measures"),
}


def reports_dir() -> Path:
    """Where reports go by default: ``reports/`` in the current working directory, now.

    Examples
    --------
    >>> import os
    >>> reports_dir() == Path(os.getcwd()) / "reports"
    True
    """
    return Path.cwd() / "reports"


def display_path(path) -> str:
    """A file's path as reports and manifests record it.

    A file bundled with aeeval is named by its place in aeeval's source tree, relative
    (``data/examples/register.csv``), the same whether aeeval is installed from a wheel or from a
    checkout; every other file by its absolute path. So a relative path in a manifest always
    means a bundled file (:func:`bundled_path` finds it again) and never depends on where the
    command ran.

    Examples
    --------
    >>> display_path(SCHEMAS / "survey_codebook.yaml")
    'data/schemas/survey_codebook.yaml'
    >>> display_path("/srv/evaluation/survey.csv")
    '/srv/evaluation/survey.csv'
    """
    path = Path(path).resolve()
    for name, folder in BUNDLED.items():
        if path.is_relative_to(folder):
            return (Path(name) / path.relative_to(folder)).as_posix()
    return path.as_posix()


def bundled_path(shown) -> Path:
    """The file that :func:`display_path` showed as ``shown`` (an absolute path is itself).

    Examples
    --------
    >>> bundled_path("data/examples/register.csv") == EXAMPLES / "register.csv"
    True
    """
    path = Path(shown)
    if path.is_absolute():
        return path
    for name, folder in BUNDLED.items():
        if path.is_relative_to(name):
            return folder / path.relative_to(name)
    raise ValueError(
        f"{shown}: a relative path that names no file bundled with aeeval "
        f"(its folders are {', '.join(BUNDLED)})"
    )


def bundled_notebooks() -> dict[str, Path]:
    """The bundled notebooks by name: the file name without its ``NN-`` number and ``.ipynb``.

    Examples
    --------
    >>> bundled_notebooks()["survey-outcomes"].name
    '01-survey-outcomes.ipynb'
    """
    return {re.sub(r"^\d+-", "", p.stem): p for p in sorted(NOTEBOOKS.glob("*.ipynb"))}


def bundled_configs() -> dict[str, Path]:
    """The bundled build configs by name (the file name without ``.yml``).

    Examples
    --------
    >>> list(bundled_configs())
    ['demo']
    """
    return {p.stem: p for p in sorted(NOTEBOOKS.glob("*.yml"))}


def _find(given, bundled: dict[str, Path], what: str, missing: str) -> Path:
    path = Path(given)
    if path.exists() and not path.is_dir():  # a pipe too: the reader refuses it, saying why
        return path
    for name, found in bundled.items():
        if str(given) in (name, found.name, found.stem):
            return found
    raise ValueError(
        f"{missing}, and no {what} bundled with aeeval has that name (bundled: "
        f"{', '.join(bundled) or 'none'})"
    )


def notebook_path(given) -> Path:
    """The notebook ``given`` names: a file, else a bundled notebook by its name
    (``survey-outcomes``) or file name (``01-survey-outcomes.ipynb``).

    Raises :class:`ValueError` listing the bundled names when neither matches.

    Examples
    --------
    >>> notebook_path("survey-outcomes") == NOTEBOOKS / "01-survey-outcomes.ipynb"
    True
    """
    return _find(given, bundled_notebooks(), "notebook", f"{given} does not exist")


def config_path(given) -> Path:
    """The build config ``given`` names: a file, else a bundled config by name (``demo``) or file
    name (``demo.yml``). Raises :class:`ValueError` listing the bundled names when neither matches.

    Examples
    --------
    >>> config_path("demo").name
    'demo.yml'
    """
    return _find(given, bundled_configs(), "config", f"{given}: no such config file")
