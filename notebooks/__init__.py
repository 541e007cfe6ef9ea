"""Makes this folder the package ``aeeval.resources.notebooks`` (see setup.py); it holds no code."""
