"""Makes this folder the package ``aeeval.resources.schemas`` (see setup.py); it holds no code."""
