"""Sphinx configuration of the aeeval documentation site (``make docs``).

Built with warnings as errors and without the network: no intersphinx, no downloaded theme
assets. The API reference is the list in ``api.rst`` (the one place to edit when public names
change); :func:`check_api_coverage` fails the build when a name of ``aeeval.__all__`` or
``aeeval.plots.__all__`` is missing from it. The notebook gallery executes ``notebooks/*.ipynb``
with the project's ``aeeval`` kernel at build time, each in a temporary folder.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import aeeval
import aeeval.plots

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

project = "aeeval"
author = "aeeval contributors"
copyright = "aeeval contributors, MIT licence"
release = aeeval.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",  # Markdown pages (MyST) and executed notebooks
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# --- API reference ---------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- MyST / notebooks ------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # real outputs, computed by this checkout's aeeval at build time
nb_execution_in_temp = True  # a notebook's working directory is a temporary folder
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a notebook that fails breaks the build
nb_kernel_rgx_aliases = {".*": "aeeval"}  # the kernel `make setup` installs ("Python (aeeval)")
nb_merge_streams = True
# aeeval.show / aeeval.say add aeeval's own machine-readable output types (the disclosure gate
# reads them) beside text/html and text/plain, which the pages show; Sphinx has no renderer for
# them and need not.
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"aeeval {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 4,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False

# --- the gallery: notebooks/ copied in, executed by myst-nb -----------------------------------
GALLERY = DOCS / "gallery" / "notebooks"


def gallery_copy(source: Path) -> str:
    """The notebook as the gallery shows it: unchanged, except that a notebook whose first cell is
    not a ``# Title`` gets one from its report title (``metadata.aeeval.title``) or file name,
    so that every gallery page has a title."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    first = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "markdown" else ""
    if not first.lstrip().startswith("# "):
        title = notebook["metadata"].get("aeeval", {}).get("title") or source.stem
        cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}"]})
        if notebook.get("nbformat_minor", 0) >= 5:
            cells[0]["id"] = "aeeval-docs-title"
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def copy_notebooks() -> None:
    """Copy ``notebooks/*.ipynb`` into the docs source tree (git-ignored), only when changed."""
    GALLERY.mkdir(parents=True, exist_ok=True)
    sources = {p.name: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    for stale in GALLERY.glob("*.ipynb"):
        if stale.name not in sources:
            stale.unlink()
    for name, source in sources.items():
        target = GALLERY / name
        text = gallery_copy(source)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


copy_notebooks()
# autosummary writes one page per name into generated/ at every build: start from none, so that a
# renamed or removed name leaves no stale page behind ("document isn't included in any toctree").
shutil.rmtree(DOCS / "generated", ignore_errors=True)


# --- API coverage ------------------------------------------------------------------------------
def listed_api_names() -> set[str]:
    """The ``aeeval.…`` names listed under an ``autosummary`` directive in ``api.rst``."""
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    return set(re.findall(r"^\s{3,}(aeeval(?:\.\w+)+)\s*$", text, flags=re.M))


def check_api_coverage(app) -> None:
    from sphinx.util import logging

    logger = logging.getLogger("aeeval.docs")
    listed = listed_api_names()
    public = {f"aeeval.{name}" for name in aeeval.__all__}
    public |= {f"aeeval.plots.{name}" for name in aeeval.plots.__all__}
    for name in sorted(public - listed):
        logger.warning(
            "%s is public (in __all__) but not listed in docs/api.rst: add it to a group there",
            name,
        )


def setup(app):
    app.connect("builder-inited", check_api_coverage)
