"""The files aeeval ships besides its code, each folder a subpackage read with importlib.resources.

``schemas`` (``data/schemas/`` of the source tree), ``examples`` (``data/examples/``), ``public``
(``data/public/``) and ``notebooks`` (``notebooks/``): ``setup.py`` maps each subpackage onto its
folder, so the source tree keeps one copy of every file and the wheel carries them inside the
package. Use :mod:`aeeval.paths` to find them.
"""
