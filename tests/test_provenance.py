"""Provenance: the files a kernel really read, and the software a report was built with."""

import hashlib
import json
import subprocess
import sys
from importlib.metadata import version

from aeeval.paths import ROOT
from aeeval.publish.provenance import describe_inputs, display_path, environment

RECORD = """
import json, sys
import pandas as pd
import aeeval.publish.provenance as prov
prov.record_inputs()
data, other, out = sys.argv[1:4]
pd.read_csv(data)                        # read: recorded
open(other, "rb").read()                 # read: recorded
with open(out, "w") as fh:               # written: not an input
    fh.write("x")
import sqlite3
sqlite3.connect(sys.argv[4]).close()     # a QualCoder project opened by sqlite: recorded
import matplotlib.pyplot                 # fonts, caches, site-packages: not inputs
print(json.dumps(prov.recorded_inputs()))
"""


def test_audit_hook_records_data_files_read_and_nothing_else(tmp_path):
    data, other, out, db = (
        tmp_path / "a.csv",
        tmp_path / "codebook.yaml",
        tmp_path / "out.csv",
        tmp_path / "data.qda",
    )
    data.write_text("x\n1\n")
    other.write_text("a: 1\n")
    import sqlite3

    sqlite3.connect(db).close()
    res = subprocess.run(
        [sys.executable, "-c", RECORD, data, other, out, db],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(res.stdout) == [str(data), str(other), str(db)]


def test_describe_inputs_hashes_each_file_once(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(b"a,b\n1,2\n")
    (entry,) = describe_inputs([f, f, tmp_path / "missing.csv"])
    assert entry == {
        "path": f.as_posix(),
        "bytes": 8,
        "sha256": hashlib.sha256(b"a,b\n1,2\n").hexdigest(),
    }
    assert display_path(ROOT / "data" / "examples" / "register.csv") == "data/examples/register.csv"


def test_environment_names_versions_and_git_state():
    env = environment("156.0")
    assert env["packages"]["pandas"] == version("pandas")
    assert env["packages"]["papermill"] == version("papermill")
    assert env["browser"] == "156.0" and env["python"]["version"] == sys.version.split()[0]
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if head.returncode == 0:
        assert env["git"]["commit"] == head.stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
            ).stdout.strip()
            != ""
        )
        assert env["git"]["dirty"] is dirty
    else:
        assert env["git"] == {"commit": None, "dirty": None}
