"""`make lab`: JupyterLab's server finds the project's kernel and runs a notebook through it.

The server is started as `make lab` starts it (`jupyter lab --notebook-dir=notebooks`, with
`--allow-root` for root, as on CI machines); the test
talks to it as JupyterLab does — REST for kernel specs and sessions, the kernel's websocket for
execute requests — and runs every cell of a committed notebook on the "aeeval" kernel that
`make setup` installs.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from aeeval.paths import NOTEBOOKS
from aeeval.tables import TABLE_MIMETYPE

pytestmark = pytest.mark.slow
TOKEN = uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(
        f"{base}{path}",
        method="POST" if body is not None else "GET",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port = _free_port()
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    log = open(runtime / "server.log", "wb")  # noqa: SIM115
    jupyter = Path(sys.executable).with_name("jupyter")
    proc = subprocess.Popen(
        [
            str(jupyter),
            "lab",
            f"--notebook-dir={NOTEBOOKS}",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={TOKEN}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],  # as `make lab` does
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            _api(base, "/api/status")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(
                    "jupyter lab did not start:\n" + (runtime / "server.log").read_text()[-3000:]
                )
            time.sleep(0.5)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


async def _execute(url: str, cells: list[str]) -> list[dict]:
    """Send each cell as an execute_request; return every iopub output message, in order."""
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(url)
    session, outputs = uuid.uuid4().hex, []
    try:
        for code in cells:
            msg_id = uuid.uuid4().hex
            await conn.write_message(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": "test",
                            "session": session,
                            "msg_type": "execute_request",
                            "version": "5.3",
                            "date": "",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "buffers": [],
                        "content": {
                            "code": code,
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                    }
                )
            )
            replied = idle = False
            while not (replied and idle):
                msg = json.loads(await asyncio.wait_for(conn.read_message(), timeout=180))
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "execute_reply":
                    assert msg["content"]["status"] == "ok", (code, msg["content"])
                    replied = True
                elif msg["msg_type"] == "status":
                    idle = msg["content"]["execution_state"] == "idle"
                elif msg["msg_type"] in ("display_data", "execute_result", "stream", "error"):
                    outputs.append(msg)
    finally:
        conn.close()
    return outputs


def test_the_server_lists_the_projects_kernel(lab):
    specs = _api(lab, "/api/kernelspecs")["kernelspecs"]
    assert "aeeval" in specs, f"kernel specs seen: {sorted(specs)} (make setup installs 'aeeval')"
    spec = specs["aeeval"]["spec"]
    assert spec["display_name"] == "Python (aeeval)"
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()


def test_a_notebook_runs_through_the_projects_kernel(lab):
    name = "04-qi-measures.ipynb"
    session = _api(
        lab,
        "/api/sessions",
        {"path": name, "name": name, "type": "notebook", "kernel": {"name": "aeeval"}},
    )
    assert session["kernel"]["name"] == "aeeval"
    url = (
        lab.replace("http", "ws") + f"/api/kernels/{session['kernel']['id']}/channels"
        f"?token={TOKEN}&session_id={uuid.uuid4().hex}"
    )
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    outputs = asyncio.run(_execute(url, ["import sys; print(sys.executable)", *cells]))
    assert outputs[0]["content"]["text"].strip() == sys.executable
    tables = [
        o["content"]["data"][TABLE_MIMETYPE]["name"]
        for o in outputs
        if TABLE_MIMETYPE in o["content"].get("data", {})
    ]
    assert "run_chart_runs" in tables and "measure_spc_summary" in tables
    assert sum("image/png" in o["content"].get("data", {}) for o in outputs) >= 2  # the charts
