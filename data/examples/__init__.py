"""Makes this folder the package ``aeeval.resources.examples`` (see setup.py); it holds no code."""
