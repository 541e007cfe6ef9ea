"""Warm kernels (aeeval.publish.forkserver): real notebooks through the real CLI, kernels forked from
a pre-imported fork server, each with its own working directory, environment, seeds and
matplotlib settings, and none left running when the process that asked for them is killed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import aeeval_cli, write_notebook

STATE = """
import json, os, random, sys
parent = open(f"/proc/{os.getppid()}/cmdline").read()
warm = "aeeval.publish.forkserver" in parent
preloaded = "statsmodels.genmod.generalized_linear_model" in sys.modules  # imports skipped
import matplotlib, numpy as np
state = {
    "warm": warm, "preloaded": preloaded, "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(),
    "mark": os.environ.get("AEEVAL_TEST_MARK"), "leak": os.environ.get("AEEVAL_TEST_LEAK"),
    "omp": os.environ.get("OMP_NUM_THREADS"), "random": random.random(),
    "numpy": float(np.random.random()), "font_size": matplotlib.rcParams["font.size"],
    "rc_default": matplotlib.rcParams["font.size"] == matplotlib.rcParamsDefault["font.size"],
    "backend": matplotlib.get_backend(),
}
with open(os.path.join(record, f"{tag}.json"), "w") as f:
    json.dump(state, f)
# leave everything changed: the next kernel of the same fork server must not see it
matplotlib.rcParams["font.size"] = 33
os.environ["AEEVAL_TEST_LEAK"] = "1"
random.seed(5)
np.random.seed(5)
os.chdir("/")
"""


def _tagged_batch(tmp_path: Path, cell: str, tags: list) -> tuple[Path, Path]:
    """A record folder and a build config running a notebook of ``cell`` once per tag (its
    parameters ``record`` and ``tag``)."""
    record = tmp_path / "record"
    record.mkdir()
    write_notebook(tmp_path / "tagged.ipynb", 'record = ""\ntag = ""', cell)
    report = {"notebook": "tagged.ipynb", "parameters": {"record": str(record)}}
    report["matrix"] = {"tag": tags}
    config = tmp_path / "build.yml"
    config.write_text(yaml.safe_dump({"output_dir": "out", "reports": [report]}))
    return record, config


@pytest.mark.slow
@pytest.mark.parametrize("warm", ["1", "0"])
def test_each_kernel_has_its_own_state_warm_or_cold(tmp_path, warm):
    record, config = _tagged_batch(tmp_path, STATE, ["a", "b", "c"])
    env = {"AEEVAL_WARM_KERNELS": warm, "AEEVAL_TEST_MARK": "m", "OMP_NUM_THREADS": "1"}
    res = aeeval_cli("build", config, "-j", "1", "--format", "html", "--quiet", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    states = [json.loads((record / f"{t}.json").read_text()) for t in "abc"]
    assert all(s["warm"] is s["preloaded"] is (warm == "1") for s in states), states
    if warm == "1":  # all three forked by the one fork server of the batch, not by aeeval
        assert len({s["ppid"] for s in states}) == 1
    assert len({s["pid"] for s in states}) == 3
    for s in states:
        assert s["cwd"] == str(tmp_path)  # the config's folder, not the last kernel's "/"
        assert (s["mark"], s["leak"], s["omp"]) == ("m", None, "1")
        assert s["font_size"] == 10.0 and s["rc_default"]  # not the last kernel's 33
        assert s["backend"] == "module://matplotlib_inline.backend_inline"
    assert len({s["random"] for s in states}) == 3  # not reseeded with 5 by the last kernel
    assert len({s["numpy"] for s in states}) == 3


TERM = """
import os, signal
# jupyter_client's SIGTERM to a kernel that did not exit; the kernel's namespace is gone by then
def terminated(signum, frame, marker=os.path.join(record, f"{tag}.sigterm"), leave=os._exit):
    open(marker, "w").close()
    leave(1)
previous = signal.signal(signal.SIGTERM, terminated)
command = open("/proc/self/cmdline", "rb").read().split(b"\\0")
launched = b"aeeval.publish.kernel" in command or b"aeeval.publish.forkserver" in command
open(os.path.join(record, f"{tag}.{'ours' if launched else 'theirs'}"), "w").close()
"""


@pytest.mark.slow
@pytest.mark.parametrize("warm", ["1", "0"])
def test_kernels_exit_when_asked_without_a_sigterm(tmp_path, warm):
    # ipykernel's shutdown race (control thread flushing through an IOPub thread the exit handler
    # has stopped) hung about 1 forked kernel in 5, and 1 cold kernel in 20, until jupyter_client's
    # SIGTERM 2.5 s later; both now run aeeval.publish.kernel, which waits for that thread first.
    tags = [f"k{i}" for i in range(12 if warm == "1" else 24)]
    record, config = _tagged_batch(tmp_path, TERM, tags)
    res = aeeval_cli(
        "build", config, "-j", "1", "--format", "html", "--quiet", env={"AEEVAL_WARM_KERNELS": warm}
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(p.name for p in record.iterdir()) == sorted(f"{t}.ours" for t in tags)
    # every kernel started by aeeval's launcher (or forked), none needed a SIGTERM


SLEEP = """
import os, time
open(os.path.join(record, "kernel.pid"), "w").write(str(os.getpid()))
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _kernel_pid(record: Path, proc) -> int:
    """The pid the SLEEP notebook's kernel wrote, once it has (while ``proc`` runs)."""
    pid_file = record / "kernel.pid"
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    return int(pid_file.read_text())


def _parent(pid: int) -> int:
    """The parent's pid, from /proc/PID/stat: "pid (comm) state ppid ..."."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_aeeval_run_leaves_no_warm_kernel_running(tmp_path):
    record = tmp_path / "record"
    record.mkdir()
    nb = write_notebook(tmp_path / "sleep.ipynb", 'record = ""', SLEEP)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aeeval.cli", "run", nb, "-p", "record", str(record)]
        + ["--format", "html", "--out", tmp_path / "out"],
        cwd=tmp_path,
        env={**os.environ, "AEEVAL_WARM_KERNELS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kernel = _kernel_pid(record, proc)
    server = _parent(kernel)
    assert server not in (proc.pid, kernel)  # the kernel is the fork server's child
    assert "aeeval.publish.forkserver" in Path(f"/proc/{server}/cmdline").read_text()
    assert _alive(kernel) and _alive(server)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while _alive(kernel) or _alive(server):
        assert time.monotonic() < deadline, "a kernel outlived the aeeval run that started it"
        time.sleep(0.1)


def _images(folder: Path) -> list:
    import nbformat

    return [
        o["data"]["image/png"]
        for c in nbformat.read(folder / "executed.ipynb", as_version=4).cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]


@pytest.mark.slow
def test_a_warm_and_a_cold_kernel_publish_the_same_report(tmp_path):
    from conftest import pdftext

    from aeeval.paths import NOTEBOOKS

    for mode in ("1", "0"):
        res = aeeval_cli(
            "run",
            NOTEBOOKS / "04-qi-measures.ipynb",
            "-p",
            "team",
            "Ward 7 (older people)",
            "--out",
            tmp_path / mode,
            env={"AEEVAL_WARM_KERNELS": mode},
        )
        assert res.returncode == 0, res.stderr
    warm, cold = tmp_path / "1", tmp_path / "0"
    assert (warm / "figures.json").read_bytes() == (cold / "figures.json").read_bytes()
    dated = "Report date:"
    assert [ln for ln in pdftext(warm / "report.pdf").splitlines() if dated not in ln] == [
        ln for ln in pdftext(cold / "report.pdf").splitlines() if dated not in ln
    ]
    assert len(_images(warm)) >= 3 and _images(warm) == _images(cold)


ASK = """
import sys
from pathlib import Path
from aeeval.publish.forkserver import use_fork_server
from aeeval.publish.report import execute_notebook
use_fork_server(sys.argv[1])
execute_notebook(Path(sys.argv[2]), {"record": sys.argv[3]}, Path(sys.argv[3]) / "out.ipynb")
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pidfds are Linux's")
def test_a_shared_fork_server_kills_the_kernels_of_a_peer_that_dies(tmp_path):
    from aeeval.publish.forkserver import ForkServer

    record = tmp_path / "record"
    record.mkdir()
    nb = write_notebook(tmp_path / "sleep.ipynb", 'record = ""', SLEEP)
    env = {**os.environ, "AEEVAL_WARM_KERNELS": "1"}
    server = ForkServer(env=env, listen=True)  # the environment the peer's kernel will have
    try:
        peer = subprocess.Popen(
            [sys.executable, "-c", ASK, server.address, nb, record],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kernel = _kernel_pid(record, peer)
        assert _parent(kernel) == server.process.pid  # forked by the shared server, not the peer
        peer.kill()
        peer.wait(10)
        deadline = time.monotonic() + 10
        while _alive(kernel):
            assert time.monotonic() < deadline, "a kernel outlived the peer that asked for it"
            time.sleep(0.1)
        assert server.alive()  # the server serves on
    finally:
        server.close()


OWNED = """
import os, time
with open(os.path.join(record, f"{tag}.json"), "w") as f:
    f.write(f'{{"kernel": {os.getpid()}, "worker": {os.environ["JPY_PARENT_PID"]}}}')
time.sleep(600)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_batch_worker_leaves_no_warm_kernel_running(tmp_path):
    # The workers of a batch share one fork server, a child of the batch's main process; the
    # kernel a killed worker asked for dies with it (the pool then stops the other worker too).
    # A batch killed outright leaves no worker, kernel or server behind.
    record, config = _tagged_batch(tmp_path, OWNED, ["a", "b"])  # a pool of two workers
    proc = subprocess.Popen(
        [sys.executable, "-m", "aeeval.cli", "build", config, "-j", "2", "--format", "html"],
        cwd=tmp_path,
        env={**os.environ, "AEEVAL_WARM_KERNELS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        files = [record / f"{tag}.json" for tag in "ab"]
        deadline = time.monotonic() + 120
        while not all(f.exists() and f.read_text().endswith("}") for f in files):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        (a, b) = (json.loads(f.read_text()) for f in files)
        assert a["worker"] != b["worker"] and a["kernel"] != b["kernel"]
        server = _parent(a["kernel"])
        assert _parent(b["kernel"]) == server  # one fork server for the batch
        assert "aeeval.publish.forkserver" in Path(f"/proc/{server}/cmdline").read_text()
        assert _parent(server) == proc.pid
        # the workers are forked by multiprocessing's forkserver, itself a child of the batch
        forks = _parent(a["worker"])
        assert _parent(b["worker"]) == forks and _parent(forks) == proc.pid
        assert "multiprocessing.forkserver" in Path(f"/proc/{forks}/cmdline").read_text()
        os.kill(a["worker"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(a["kernel"]):
            assert time.monotonic() < deadline, "a kernel outlived the worker that asked for it"
            time.sleep(0.1)
        proc.kill()
        proc.wait(30)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in (b["kernel"], server, b["worker"], forks)):
            assert time.monotonic() < deadline, "a kernel, worker or server outlived the batch"
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait(30)
