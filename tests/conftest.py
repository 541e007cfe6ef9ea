import hashlib
import shutil
from pathlib import Path

import pytest

from aeeval.paths import EXAMPLES, ROOT, SHARED_DATA


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def example_copy(tmp_path):
    """Copy of the example data folder that a test may break."""
    dest = tmp_path / "data"
    shutil.copytree(EXAMPLES, dest)
    return dest
