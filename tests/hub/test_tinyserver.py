"""The scale benchmark's single-user server (tests/support/tinyserver.py), under both
job wrappers: the port each reports to the hub is the one it answers the hub's check on.

A stand-in hub API receives the port report (``POST /hub/api/batchspawner``); the
server is then asked what the hub asks (``GET <prefix>api``), and something else.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest
import requests

SERVER = Path(__file__).resolve().parents[2] / "tests" / "support" / "tinyserver.py"
BIN = Path(sys.executable).parent
PREFIX = "/user/alice/tiny/"


class FakeHub(ThreadingHTTPServer):
    """The hub's port callback: keeps each port reported with the right token."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Callback)
        self.ports: list[int] = []


class _Callback(BaseHTTPRequestHandler):
    server: FakeHub

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok = self.path == "/hub/api/batchspawner" and (
            self.headers.get("Authorization") == "token secret"
        )
        if ok:
            self.server.ports.append(json.loads(body)["port"])
        self.send_response(201 if ok else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield server
        server.shutdown()


def start_job(wrapper: str, hub: FakeHub) -> subprocess.Popen[bytes]:
    """Run the server as a job would: ``WRAPPER tinyserver.py`` with the hub's variables."""
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",  # the job's environment setup
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub.server_address[1]}/hub/api",
        "JUPYTERHUB_API_TOKEN": "secret",
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:0{PREFIX}",
        "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
    }
    return subprocess.Popen(
        [str(BIN / wrapper), str(SERVER)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_answer(url: str, job: subprocess.Popen[bytes], timeout: float = 30) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            assert time.monotonic() < deadline, f"nothing answers at {url}"
            time.sleep(0.05)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.parametrize("wrapper", ["panhub-singleuser", "batchspawner-singleuser"])
def test_the_reported_port_answers_the_hubs_check_and_nothing_else(
    hub: FakeHub, wrapper: str
) -> None:
    job = start_job(wrapper, hub)
    try:
        deadline = time.monotonic() + 30
        while not hub.ports:
            assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
            assert time.monotonic() < deadline, "no port reported"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{hub.ports[0]}"
        check = wait_answer(f"{base}{PREFIX}api", job)
        assert check.status_code == 200
        assert check.json() == {"version": version("jupyterhub")}
        assert check.headers["X-JupyterHub-Version"] == version("jupyterhub")
        assert requests.get(f"{base}{PREFIX}lab", timeout=5).status_code == 404
        assert requests.get(f"{base}/user/bob/tiny/api", timeout=5).status_code == 404
        # idle, it uses no CPU
        before = cpu_ticks(job.pid)
        time.sleep(1)
        assert cpu_ticks(job.pid) - before <= 1
    finally:
        job.send_signal(signal.SIGTERM)
        job.communicate(timeout=10)  # SIGTERM ends it, as scancel does
