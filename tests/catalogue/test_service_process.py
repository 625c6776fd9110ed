"""``panhub-catalogue serve`` as a process: it leaves with the hub that started it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORT = 8931
SERVE = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(120)\n"
)


def is_running(pid: int) -> bool:
    """False once the process is gone or a zombie (zombies linger until reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_service_stops_when_its_hub_is_killed(tmp_path: Path) -> None:
    # the working tree's package, not the one installed in the venv
    path = [str(ROOT / "extensions" / "catalogue"), str(ROOT / "extensions" / "nexus_viewer")]
    env = {**os.environ, "JUPYTERHUB_SERVICE_NAME": "catalogue", "PYTHONPATH": ":".join(path)}
    env.pop("JUPYTERHUB_API_TOKEN", None)
    serve = [sys.executable, "-m", "panhub_catalogue.cli", "serve", "--port", str(PORT)]
    serve += ["--db", f"sqlite:///{tmp_path}/catalogue.sqlite"]
    hub = subprocess.Popen(
        [sys.executable, "-c", SERVE, *serve],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert hub.stdout is not None
    service = int(hub.stdout.readline())
    try:
        url = f"http://127.0.0.1:{PORT}/services/catalogue/api/whoami"
        deadline = time.monotonic() + 30
        while not answers(url):
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        hub.kill()  # SIGKILL: the hub cannot stop its services
        hub.wait(10)
        deadline = time.monotonic() + 10
        while is_running(service):
            assert time.monotonic() < deadline, "the orphaned service is still running"
            time.sleep(0.2)
    finally:
        hub.kill()
        hub.wait(10)
        hub.stdout.close()
        if is_running(service):
            os.kill(service, 9)
