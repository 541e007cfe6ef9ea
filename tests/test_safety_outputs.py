"""Issue 17, items 1 and 2: output folders are aeeval's alone, and publishing survives any crash.

Every case runs the real ``aeeval`` command (a new process), with real kernels and Chromium where
the case needs them, and real signals (``os.kill``). Where a signal cannot be timed from outside —
between two system calls of the publish step — the test hook ``AEEVAL_FAULT=<point>:<SIGNAL>``
makes the process send that real signal to itself at that point.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from conftest import aeeval_cli, write_notebook

from aeeval.paths import EXAMPLES, NOTEBOOKS

SURVEY_NB = NOTEBOOKS / "01-survey-outcomes.ipynb"
SHOW = (
    "import pandas as pd\nimport aeeval as ae\n"
    "ae.show(pd.DataFrame({'k': [k], 'n': [k * 10], 'base': [100], 'estimate': [k / 10],"
    " 'suppressed': [False]}), name='result', title=f'Result for k = {k}', min_base=10,"
    " base='base', rule='people')"
)


def tree(folder: Path) -> dict:
    """Every file and folder under ``folder`` (hidden ones included) with its SHA-256."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        )
        for p in sorted(Path(folder).rglob("*"))
    }


def complete_report(folder: Path) -> dict:
    """The manifest of a complete report folder: every output it lists is there with its hash."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["aeeval_report"] == {"format": 1}
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*manifest["outputs"], "manifest.json"]
    )
    return manifest


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


# --- 1. only aeeval's folders are replaced; never an input ----------------------------------------


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "project" / "D"
    shutil.copytree(EXAMPLES, d)
    (d / "notes.txt").write_text("my own notes, not a report\n")
    return d


@pytest.mark.parametrize(
    "where, expected",
    [
        ("D", "would contain parameter data_dir"),  # the case of the issue
        ("D/sub", "is inside parameter data_dir"),
        (".", "would contain parameter data_dir"),  # a parent of D
        ("D/notes.txt", "is inside parameter data_dir"),  # a file inside D
    ],
)
def test_run_never_writes_over_or_into_its_data_folder(data_dir, where, expected):
    project = data_dir.parent
    before = tree(project)
    out = (project / where).resolve()
    res = aeeval_cli("run", SURVEY_NB, "-p", "data_dir", data_dir, "--out", out, cwd=project)
    assert res.returncode == 1, res.stdout + res.stderr
    assert expected in res.stderr and str(data_dir) in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert tree(project) == before  # every input byte-identical, nothing added


def test_an_existing_file_or_a_users_folder_is_refused_and_left_alone(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a report\n")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"two years of work")
    link = tmp_path / "link"
    link.symlink_to(mine)
    failed_of_mine = tmp_path / "fresh.failed"
    failed_of_mine.mkdir()
    (failed_of_mine / "keep.txt").write_text("mine")
    before = tree(tmp_path)
    for out, expected in [
        (notes, f"output path {notes} is a file, not a report folder"),
        (mine, f"output folder {mine} holds files that are not an aeeval report"),
        (link, f"output path {link} is a symbolic link"),
        (tmp_path / "fresh", f"{failed_of_mine} (where a failed run is kept)"),
    ]:
        res = aeeval_cli("run", SURVEY_NB, "--out", out, "--format", "html")
        assert res.returncode == 1 and expected in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    assert tree(tmp_path) == before


def test_output_may_not_contain_the_notebook_or_a_parameters_file(tmp_path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    nb = write_notebook(nbdir / "n.ipynb", "k: int = 1  # a number", SHOW)
    report = tmp_path / "rep"  # an aeeval report folder, where someone left the parameters file
    report.mkdir()
    (report / "manifest.json").write_text('{"aeeval_report": {"format": 1}}')
    (report / "p.yml").write_text("k: 2\n")
    before = tree(tmp_path)
    res = aeeval_cli("run", nb, "--out", nbdir, "--format", "html")
    assert res.returncode == 1 and f"output folder {nbdir} would contain the notebook" in res.stderr
    res = aeeval_cli("run", nb, "-f", report / "p.yml", "--out", report, "--format", "html")
    assert res.returncode == 1, res.stderr
    assert f"output folder {report} would contain parameters file" in res.stderr
    assert tree(tmp_path) == before


@pytest.mark.slow
def test_output_may_not_contain_a_file_the_kernel_read(tmp_path):
    """Checked again after the run, against what the kernel really opened (not a parameter)."""
    report = tmp_path / "rep"
    report.mkdir()
    (report / "manifest.json").write_text('{"aeeval_report": {"format": 1}}')
    (report / "lookup.csv").write_text("k\n3\n")
    nb = write_notebook(
        tmp_path / "n.ipynb",
        "k: int = 1  # a number",
        f"k = int(open({str(report / 'lookup.csv')!r}).read().split()[1])",
        SHOW,
    )
    before = tree(tmp_path / "rep")
    res = aeeval_cli("run", nb, "--out", report, "--format", "html")
    assert res.returncode == 1, res.stderr
    assert f"would contain a file the notebook read ({report / 'lookup.csv'})" in res.stderr
    assert tree(report) == before and leftovers(tmp_path, "rep") == []


@pytest.mark.slow
def test_an_empty_folder_may_be_used_and_the_report_carries_the_marker(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    nb = write_notebook(tmp_path / "n.ipynb", "k: int = 1  # a number", SHOW)
    res = aeeval_cli("run", nb, "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    first = complete_report(out)
    res = aeeval_cli("run", nb, "-p", "k", "3", "--out", out, "--format", "html")  # replaced
    assert res.returncode == 0, res.stderr
    assert complete_report(out)["parameters"] == {"k": 3} != first["parameters"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "n.ipynb"]  # no lock, no temp


# --- build: every out inside output_dir, none nesting ------------------------------------------------


@pytest.fixture
def build_project(tmp_path):
    nbs = tmp_path / "proj" / "notebooks"
    nbs.mkdir(parents=True)
    write_notebook(nbs / "nb.ipynb", "k: int = 1  # a number\nsite: str = 'a'  # a site", SHOW)
    out = tmp_path / "proj" / "out"
    out.mkdir()
    (out / "precious.txt").write_text("someone's file in the output dir")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "data.csv").write_text("a,b\n1,2\n")
    return tmp_path


@pytest.mark.parametrize(
    "entries, expected",
    [
        ([{"notebook": "nb.ipynb", "out": "."}], "'.' must name a folder inside output_dir"),
        ([{"notebook": "nb.ipynb", "out": ".."}], "'..' must name a folder inside output_dir"),
        (
            [{"notebook": "nb.ipynb", "out": "../../x"}],
            "'../../x' must name a folder inside output_dir",
        ),
        ([{"notebook": "nb.ipynb", "out": "ABS"}], "must name a folder inside output_dir"),
        (
            [
                {
                    "notebook": "nb.ipynb",
                    "matrix": {"site": ["north", "../../../x"]},
                    "out": "site-reports/{site}",
                }
            ],
            "'site-reports/../../../x' must name a folder inside",
        ),
        (
            [
                {"notebook": "nb.ipynb", "out": "nb"},
                {"notebook": "nb.ipynb", "parameters": {"k": 2}, "out": "nb/tag-x"},
            ],
            "nest",
        ),
        (
            [{"notebook": "nb.ipynb", "parameters": {"site": "../out"}, "out": "k"}],
            "is inside parameter site",
        ),  # a data folder given as a parameter
        (
            [{"notebook": "nb.ipynb", "parameters": {"site": "../out/precious.txt"}, "out": "k"}],
            None,
        ),
    ],
)
def test_build_config_with_an_out_that_escapes_or_nests_is_refused_before_anything_runs(
    build_project, entries, expected
):
    cfg = build_project / "proj" / "notebooks" / "build.yml"
    for e in entries:
        if e.get("out") == "ABS":
            e["out"] = str(build_project / "x")
    cfg.write_text(
        yaml.safe_dump({"output_dir": "../out", "formats": ["html"], "reports": entries})
    )
    before = tree(build_project)
    if expected is None:  # a file given as a parameter beside (not inside) the folder is fine
        from aeeval.publish.build import load_config

        assert [j.out.name for j in load_config(cfg)[0]] == ["k"]
        return
    res = aeeval_cli("build", cfg, "-j", "1")
    assert res.returncode == 2 and expected in res.stderr, res.stderr
    assert f"{cfg}:" in res.stderr and "Traceback" not in res.stderr
    assert tree(build_project) == before


# --- 2. crash-proof publish ---------------------------------------------------------------------


@pytest.fixture
def published(tmp_path):
    """A small notebook and a good report of it at ``out`` (HTML only: quicker, same swap)."""
    nb = write_notebook(
        tmp_path / "n.ipynb",
        "k: int = 1  # a number\nsecs: float = 0  # a pause",
        "import os, time, pathlib\n"
        "pathlib.Path(os.environ.get('KERNEL_PID_FILE', os.devnull))"
        ".write_text(str(os.getpid()))\ntime.sleep(secs)",
        SHOW,
    )
    out = tmp_path / "rep"
    res = aeeval_cli("run", nb, "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    return nb, out, tree(out)


@pytest.mark.slow
@pytest.mark.parametrize(
    "point, sig, env",
    [
        ("before-swap", "SIGKILL", {}),
        ("after-swap", "SIGKILL", {}),
        ("before-swap", "SIGINT", {}),
        ("after-swap", "SIGINT", {}),
        (
            "between-renames",
            "SIGKILL",
            {"AEEVAL_NO_EXCHANGE": "1"},
        ),  # the fallback without renameat2
    ],
)
def test_a_signal_at_any_step_of_the_swap_leaves_a_complete_report(published, point, sig, env):
    nb, out, before = published
    res = aeeval_cli(
        "run",
        nb,
        "-p",
        "k",
        "3",
        "--out",
        out,
        "--format",
        "html",
        env={"AEEVAL_FAULT": f"{point}:{sig}", **env},
    )
    assert res.returncode == (-9 if sig == "SIGKILL" else 130), res.stderr
    assert "Traceback" not in res.stderr
    if sig == "SIGINT":
        assert res.stderr.strip().splitlines()[-1].startswith("aeeval run: interrupted")
    if point == "between-renames":
        # The one weaker moment of the fallback: the old report is aside, under aeeval's name...
        (aside,) = [out.parent / n for n in leftovers(out.parent, "rep") if ".old-" in n]
        assert tree(aside) == before and not out.exists()
    else:
        manifest = complete_report(out)  # the old report or the new one
        assert manifest["parameters"] in ({}, {"k": 3})
        if point == "before-swap":
            assert tree(out) == before
    # ... and the next run on that path cleans every leftover (putting the old report back first).
    res = aeeval_cli(
        "run",
        nb,
        "-p",
        "k",
        "4",
        "--out",
        out,
        "--format",
        "html",
        env={"AEEVAL_FAULT": "before-swap:SIGINT"},
    )
    assert res.returncode == 130 and complete_report(out)["parameters"] in ({}, {"k": 3})
    if point in ("before-swap", "between-renames"):
        assert tree(out) == before
    assert leftovers(out.parent, "rep") == []
    res = aeeval_cli("run", nb, "-p", "k", "5", "--out", out, "--format", "html")
    assert res.returncode == 0 and complete_report(out)["parameters"] == {"k": 5}
    assert leftovers(out.parent, "rep") == []


def _start_slow_run(nb, out, pid_file):
    """``aeeval run`` of the slow notebook in a process of its own, once its kernel is running:
    (the process, the kernel's pid as the notebook wrote it to ``pid_file``)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "aeeval.cli", "run", str(nb), "-p", "secs", "60", "--out", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KERNEL_PID_FILE": str(pid_file)},
    )
    kernel = _wait_for(
        lambda: pid_file.exists() and pid_file.read_text() and int(pid_file.read_text())
    )
    return proc, kernel


@pytest.mark.slow
def test_ctrl_c_while_the_kernel_runs_keeps_the_report_and_stops_the_kernel(published, tmp_path):
    nb, out, before = published
    proc, kernel = _start_slow_run(nb, out, tmp_path / "kernel.pid")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("aeeval run: interrupted")
    assert tree(out) == before and leftovers(out.parent, "rep") == []
    _wait_for(lambda: not Path(f"/proc/{kernel}").exists(), timeout=10)


@pytest.mark.slow
def test_kill_9_of_a_run_takes_its_kernel_along_and_the_next_run_cleans_up(published, tmp_path):
    nb, out, before = published
    proc, kernel = _start_slow_run(nb, out, tmp_path / "kernel.pid")
    proc.kill()
    proc.communicate(timeout=10)
    _wait_for(lambda: not Path(f"/proc/{kernel}").exists(), timeout=5)
    assert tree(out) == before
    assert len(leftovers(out.parent, "rep")) == 2  # its work folder and its lock file
    res = aeeval_cli("run", nb, "-p", "k", "2", "--out", out, "--format", "html")
    assert res.returncode == 0, res.stderr
    assert complete_report(out)["parameters"] == {"k": 2} and leftovers(out.parent, "rep") == []


@pytest.mark.slow
def test_a_second_run_on_the_same_folder_fails_clearly_and_the_report_is_kept(published, tmp_path):
    nb, out, before = published
    pid_file = tmp_path / "kernel.pid"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aeeval.cli",
            "run",
            str(nb),
            "-p",
            "secs",
            "6",
            "-p",
            "k",
            "2",
            "--out",
            str(out),
            "--format",
            "html",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KERNEL_PID_FILE": str(pid_file)},
    )
    _wait_for(lambda: pid_file.exists())
    second = aeeval_cli("run", nb, "-p", "k", "3", "--out", out, "--format", "html")
    assert second.returncode == 1, second.stderr
    assert f"another aeeval run (pid {first.pid}) is writing {out}" in second.stderr
    assert tree(out) == before  # nothing replaced while the first runs
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert complete_report(out)["parameters"] == {"k": 2, "secs": 6.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kernel.pid", "n.ipynb", "rep"]


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still not true after {timeout} s")


# --- a dead kernel or browser -------------------------------------------------------------------


@pytest.mark.slow
def test_a_killed_kernel_keeps_its_log_and_gives_one_clear_paragraph(published):
    nb, out, before = published
    dying = write_notebook(
        nb.parent / "dies.ipynb",
        "k: int = 1  # a number",
        "print('about to die', flush=True)",
        "import os\nos.kill(os.getpid(), 9)",
    )
    res = aeeval_cli("run", dying, "--out", out, "--format", "html")
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    message = res.stderr.strip()
    assert "\n" not in message and message.startswith("error: ") and len(message) < 600, message
    assert "the kernel died while the notebook ran" in message
    failed = out.with_name("rep.failed")
    assert f"kept in {failed}/" in message
    assert (failed / "kernel.log").exists() and (failed / "error.txt").exists()
    assert tree(out) == before and leftovers(out.parent, "rep") == []


KILL_CHROMIUM = """import os, signal, time
def chromium_of(ancestor):
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            cmd = open(f'/proc/{pid}/cmdline', 'rb').read()
            p = pid
            while p not in ('0', '1'):
                p = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1]
                if p == str(ancestor):
                    break
            else:
                continue
        except OSError:
            continue
        if b'chrom' in cmd.split(b'\\0')[0]:
            found.append(int(pid))
    return found
# The process that runs Chromium: the kernel's parent, or its grandparent when the kernel was
# forked by aeeval's fork server (warm kernels).
owner = os.getppid()
if b'aeeval.publish.forkserver' in open(f'/proc/{owner}/cmdline', 'rb').read():
    owner = int(open(f'/proc/{owner}/stat').read().rsplit(')', 1)[1].split()[1])
deadline = time.time() + 60
while not chromium_of(owner) and time.time() < deadline:
    time.sleep(0.2)
time.sleep(2)
for pid in chromium_of(owner):
    os.kill(pid, signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_killed_browser_keeps_the_notebook_and_gives_one_clear_paragraph(published):
    nb, out, before = published
    nb_kill = write_notebook(
        nb.parent / "kill.ipynb", "k: int = 1  # a number", KILL_CHROMIUM, SHOW
    )
    res = aeeval_cli("run", nb_kill, "--out", out)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    message = res.stderr.strip()
    assert "\n" not in message and len(message) < 600, message
    assert (
        "Chromium stopped while printing the PDF" in message and "nothing was replaced" in message
    )
    failed = out.with_name("rep.failed")
    assert (failed / "executed.ipynb").exists() and f"kept in {failed}/" in message
    assert tree(out) == before and leftovers(out.parent, "rep") == []


@pytest.mark.slow
def test_a_killed_browser_in_a_build_fails_its_reports_in_one_line_each(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    write_notebook(nbs / "kill.ipynb", "k: int = 1  # a number", KILL_CHROMIUM, SHOW)
    cfg = nbs / "build.yml"
    cfg.write_text(
        yaml.safe_dump(
            {"output_dir": "../out", "reports": [{"notebook": "kill.ipynb", "out": "k"}]}
        )
    )
    res = aeeval_cli("build", cfg, "-j", "1", "-q")  # -j 1: the kernel's parent runs Chromium
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert res.stdout.splitlines()[-1] == "0 of 1 report(s) built, 1 failed"
    (failure,) = [ln for ln in res.stderr.splitlines() if "Chromium stopped" in ln]
    assert (
        "nothing was replaced" in failure and f"kept in {tmp_path / 'out' / 'k.failed'}/" in failure
    )
    assert sorted(os.listdir(tmp_path / "out")) == ["k.failed"]


# --- aeeval build: signals and the death of the main process -------------------------------------


def processes_with(mark: str) -> list[int]:
    """Processes whose environment holds ``mark`` (every process a build starts inherits it)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if mark.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture
def slow_build(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    write_notebook(
        nbs / "slow.ipynb",
        "k: int = 1  # a number\nsecs: float = 0  # a pause",
        "import os, time, pathlib\n"
        "pathlib.Path(os.environ['STARTED'], str(k)).write_text(str(os.getpid()))\n"
        "time.sleep(secs)",
        SHOW,
    )
    started = tmp_path / "started"
    started.mkdir()

    def write(secs):
        cfg = nbs / "build.yml"
        cfg.write_text(
            yaml.safe_dump(
                {
                    "output_dir": "../out",
                    "reports": [
                        {
                            "notebook": "slow.ipynb",
                            "parameters": {"secs": secs},
                            "matrix": {"k": [1, 2, 3, 4]},
                            "out": "k-{k}",
                        }
                    ],
                }
            )
        )
        return cfg

    def start(secs=60, jobs=2):
        mark = f"AEEVAL_TEST_{uuid.uuid4().hex}"
        env = {**os.environ, "STARTED": str(started), mark: "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "aeeval.cli", "build", str(write(secs)), "-j", str(jobs)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        _wait_for(lambda: len(list(started.iterdir())) == jobs, timeout=120)
        return proc, mark

    return tmp_path, start, write, started


@pytest.mark.slow
@pytest.mark.parametrize("how, jobs", [("ctrl-c", 2), ("sigterm", 2), ("sighup", 1)])
def test_interrupting_a_build_stops_everything_it_started(slow_build, how, jobs):
    tmp_path, start, _, started = slow_build
    proc, mark = start(jobs=jobs)
    # main, its workers (none with -j 1), their kernels, the browser and its helpers
    assert len(processes_with(mark)) >= (5 if jobs == 2 else 3)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends: the whole group
    else:
        proc.send_signal(getattr(signal, how.upper()))  # only the main process
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    lines = [
        ln for ln in err.splitlines() if ln.strip() and "aeeval build:" in ln and "%" not in ln
    ]
    assert len(lines) == 1 and "interrupted" in lines[0], err
    _wait_for(lambda: processes_with(mark) == [], timeout=10)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [], err  # no temp, no lock
    assert len(list(started.iterdir())) == jobs


@pytest.mark.slow
def test_after_kill_9_of_a_build_nothing_keeps_running_and_the_next_run_cleans_up(slow_build):
    tmp_path, start, write, started = slow_build
    proc, mark = start()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    _wait_for(lambda: processes_with(mark) == [], timeout=5)
    time.sleep(5)
    assert len(list(started.iterdir())) == 2  # no queued report started
    out = tmp_path / "out"
    assert not any((out / f"k-{k}").exists() for k in (1, 2, 3, 4))
    assert [n for n in os.listdir(out) if not n.startswith(".k-")] == []
    assert any(n.startswith(".k-") and not n.endswith(".lock") for n in os.listdir(out))  # left
    res = aeeval_cli(
        "build", write(0), "-j", "2", "--format", "html", env={"STARTED": str(started)}
    )
    assert res.returncode == 0, res.stderr
    assert sorted(os.listdir(out)) == ["k-1", "k-2", "k-3", "k-4"]  # leftovers cleaned
    for k in (1, 2, 3, 4):
        complete_report(out / f"k-{k}")


def test_build_refuses_a_users_folder_as_a_report_folder_and_touches_nothing(build_project):
    cfg = build_project / "proj" / "notebooks" / "build.yml"
    cfg.write_text(
        yaml.safe_dump(
            {"output_dir": "../out", "reports": [{"notebook": "nb.ipynb", "out": "mine"}]}
        )
    )
    mine = build_project / "proj" / "out" / "mine"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"not a report")
    before = tree(build_project)
    res = aeeval_cli("build", cfg, "-j", "1")
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert f"output folder {mine} holds files that are not an aeeval report" in res.stderr
    assert res.stdout.splitlines()[-1] == "0 of 1 report(s) built, 1 failed"
    assert tree(build_project) == before


def test_text_parameters_that_cannot_be_file_names_are_not_taken_for_inputs(tmp_path):
    from aeeval.publish.outdir import path_parameters

    (tmp_path / "data").mkdir()
    found = path_parameters(
        {
            "title": "x" * 5000,
            "odd": "a\0b",
            "blank": " ",
            "n": 3,
            "data_dir": "data",
            "dirs": ["nope", str(tmp_path / "data")],
        },
        tmp_path,
    )
    assert found == [
        ("parameter data_dir", tmp_path / "data"),
        ("parameter dirs", tmp_path / "data"),
    ]
