"""``python -m aeeval``: the ``aeeval`` command, for when the console script is not on PATH."""

from .cli import run

if __name__ == "__main__":
    run()
