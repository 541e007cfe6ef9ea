"""Which packages the wheel holds; everything else about the build is in pyproject.toml.

The folders of data and notebooks stay where they are in the source tree and become subpackages
of ``aeeval.resources`` in the installed package (read with importlib.resources, found by
``aeeval.paths``): ``package_dir`` maps each one onto its folder, so git holds one copy of every
file, the sdist carries the folders as they are (MANIFEST.in), the wheel copies them into
``aeeval/resources/``, and an editable install (``pip install -e``) reads them in place. Each
folder has an ``__init__.py`` that marks it as that package, which the editable install needs to
find it. This cannot be said in pyproject.toml alone: its package list is either found or listed,
and these packages cannot be found under ``aeeval/``.
"""

from setuptools import find_packages, setup

RESOURCES = {
    "aeeval.resources.schemas": "data/schemas",
    "aeeval.resources.examples": "data/examples",
    "aeeval.resources.qi_examples": "data/qi-examples",
    "aeeval.resources.public": "data/public",
    "aeeval.resources.notebooks": "notebooks",
}

setup(
    packages=find_packages(include=["aeeval", "aeeval.*"]) + list(RESOURCES), package_dir=RESOURCES
)
