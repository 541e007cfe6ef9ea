"""Makes this folder the package ``aeeval.resources.qi_examples`` (see setup.py); it holds no code."""
