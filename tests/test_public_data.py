"""The real public NHS data bundled in data/public: present in every clone, byte for byte the files
its README describes, each with its provenance and licence, and read by default."""

import os
import re
import subprocess
import sys

import pandas as pd
from conftest import sha256

from aeeval.paths import ROOT

FOLDER = ROOT / "data" / "public"
README = (FOLDER / "README.md").read_text(encoding="utf-8")
# | `file.csv` | what | rows | `sha256` |
LISTED = {
    m[1]: (int(m[2].replace(",", "")), m[3])
    for m in re.finditer(
        r"^\| `([\w.]+\.csv)` \|.*\| ([\d,]+) \| `([0-9a-f]{64})` \|$", README, re.M
    )
}


def test_every_bundled_file_is_listed_with_its_rows_and_checksum():
    on_disk = sorted(p.name for p in FOLDER.glob("*.csv"))
    assert on_disk and sorted(LISTED) == on_disk
    for name, (rows, digest) in LISTED.items():
        path = FOLDER / name
        assert sha256(path) == digest, f"{name} differs from the bytes the README records"
        assert len(pd.read_csv(path, dtype=str)) == rows, name
        assert path.stat().st_size < 5_000_000, name


def test_every_file_has_its_source_and_licence():
    provenance = README[README.index("## Provenance") :]
    for name in LISTED:
        row = next(line for line in provenance.splitlines() if line.startswith(f"| `{name}` |"))
        assert "Open Government Licence v3.0" in row or row.endswith("| as above |"), name
    assert "CC0 1.0" in README and "creativecommons.org/publicdomain/zero/1.0" in README
    ogl = (FOLDER / "LICENCE-OGL.md").read_text(encoding="utf-8")
    assert "Open Government Licence" in ogl and "Version:** 3.0" in ogl
    assert "nationalarchives.gov.uk/doc/open-government-licence/version/3/" in ogl
    assert (
        "Contains public sector information licensed under the Open Government Licence v3.0." in ogl
    )


def _public_data(env_value):
    env = {k: v for k, v in os.environ.items() if k != "AEEVAL_PUBLIC_DATA"}
    if env_value is not None:
        env["AEEVAL_PUBLIC_DATA"] = str(env_value)
    code = "from aeeval.paths import PUBLIC_DATA; print(PUBLIC_DATA)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.splitlines()
    return out[0]


def test_the_bundled_folder_is_the_default_and_aeeval_public_data_overrides_it(tmp_path):
    assert _public_data(None) == str(FOLDER.resolve())
    assert _public_data("") == str(FOLDER.resolve())
    assert _public_data(tmp_path) == str(tmp_path.resolve())
