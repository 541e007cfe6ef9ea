"""Makes this folder the package ``aeeval.resources.public`` (see setup.py); it holds no code."""
