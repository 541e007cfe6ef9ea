"""The one line every benchmark prints (and benchmarks/README.md records) about the machine it ran on."""

import os
import platform


def machine() -> str:
    """Platform, cores, load average now and Python version, e.g. ``Linux-6.18…, 2 cores (load
    average 1.5 / 1.2 / 0.9), Python 3.11.7``."""
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.platform()}, {os.cpu_count()} cores (load average {load}), Python "
        f"{platform.python_version()}"
    )
