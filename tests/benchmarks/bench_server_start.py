"""Single-user server start: panhub's against a plain JupyterLab server, no hub needed.

The server a SLURM job runs is started here as an ordinary process, as the job's user,
with the environment a job gets, against a small stand-in for the hub's API on loopback
(it answers the server's version check and activity reports, and records the port
report). Each start is timed from the exec to:

- ``reported``: the hub has the port (panhub-singleuser reports it once the server
  listens; batchspawner-singleuser before the server starts);
- ``answers``: the server answers HTTP on its URL (any status below 500, as JupyterHub's
  readiness check wants it);
- ``ready``: the later of the two, what the hub's readiness check can see at the earliest;
- ``cpu``: the CPU time the server's process (and the children it waited for) used until
  then, a figure less sensitive than the others to what else the machine runs.

Kinds, alternating run by run so that the machine's noise hits all alike:

- ``panhub``: ``panhub-singleuser jupyterhub-singleuser`` from panhub's environment, with
  panhub's server extensions and settings, as FacilitySlurmSpawner starts it;
- ``stock``: ``batchspawner-singleuser jupyterhub-singleuser`` from the plain environment
  bench_spawn.py builds (jupyterhub, batchspawner and jupyterlab at panhub's versions, as
  pip installs them), as stock batchspawner starts it: the headline ratio;
- ``stock_same``: the same stock command from panhub's environment, as bench_spawn.py's
  stock hub runs it: the same packages, so the difference is panhub-singleuser's own.

Run: ``python tests/benchmarks/bench_server_start.py`` (as root, like the other
benchmarks: the servers run as the demo user). ``PANHUB_BENCH_STARTS`` sets the starts
per kind (default 5: the CPU seconds vary little from start to start). Writes
tests/benchmarks/results/server_start.json. Benchmarks report; they do not assert targets.
"""

from __future__ import annotations

import json
import os
import platform
import pwd
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hub_config")]

from bench_spawn import ensure_stock_venv, summarize  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"
USER = "alice"
TARGET_RATIO = 0.8
POLL = 0.005
SOURCES = ("hub_config", "extensions/catalogue", "extensions/nexus_viewer")


class FakeHub(ThreadingHTTPServer):
    """The hub's API as a starting server uses it: version check, activity, port report."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.token = secrets.token_hex(16)
        self.ports: list[tuple[float, int]] = []
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a server stopped in the middle of an activity report: not the hub's problem

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hub/api"


class _HubHandler(BaseHTTPRequestHandler):
    server: FakeHub

    def _answer(self, status: int = 200, body: bytes = b"{}") -> None:
        self.send_response(status)
        self.send_header("X-JupyterHub-Version", "6.1.1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.endswith("/batchspawner"):
            now = time.perf_counter()
            if self.headers.get("Authorization") != f"token {self.server.token}":
                self._answer(403)
                return
            with self.server.lock:
                self.server.ports.append((now, int(json.loads(body)["port"])))
            self._answer(201)
            return
        self._answer()

    def log_message(self, *args: Any) -> None:
        pass


def make_job_env(hub: FakeHub, home: str) -> dict[str, str]:
    """What a job's environment holds when the server starts (JupyterHub's variables)."""
    prefix = f"/user/{USER}/"
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "USER": USER,
        "LANG": "C.UTF-8",
        "JUPYTERHUB_API_TOKEN": hub.token,
        "JPY_API_TOKEN": hub.token,
        "JUPYTERHUB_CLIENT_ID": f"jupyterhub-user-{USER}",
        "JUPYTERHUB_API_URL": hub.api_url,
        "JUPYTERHUB_ACTIVITY_URL": f"{hub.api_url}/users/{USER}/activity",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_HOST": "",
        "JUPYTERHUB_USER": USER,
        "JUPYTERHUB_SERVER_NAME": "",
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:0{prefix}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_OAUTH_SCOPES": json.dumps([f"access:servers!server={USER}/"]),
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps([f"access:servers!server={USER}/"]),
        "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
        "JUPYTERHUB_DEFAULT_URL": "/lab",
    }


def make_commands(stock_venv: Path) -> dict[str, list[str]]:
    """The server command of each kind, as its spawner puts it into the job script.

    panhub's runs this checkout's packages (``PYTHONPATH``), so that the figures are of
    the code under test even where the environment holds an older install of them.
    """
    panhub_bin = Path(sys.prefix) / "bin"
    stock_bin = stock_venv / "bin"
    args = ["--ip=127.0.0.1", "--ServerApp.root_dir=/"]
    return {
        "panhub": [
            "env",
            "PYTHONPATH=" + ":".join(str(ROOT / p) for p in SOURCES),
            str(panhub_bin / "panhub-singleuser"),
            str(panhub_bin / "jupyterhub-singleuser"),
            *args,
            "--LabApp.copy_absolute_path=True",
        ],
        "stock": [
            str(stock_bin / "batchspawner-singleuser"),
            str(stock_bin / "jupyterhub-singleuser"),
            *args,
        ],
        "stock_same": [
            str(panhub_bin / "batchspawner-singleuser"),
            str(panhub_bin / "jupyterhub-singleuser"),
            *args,
        ],
    }


def start_once(hub: FakeHub, command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Start one server, time it, stop it; times in seconds from the exec."""
    with hub.lock:
        hub.ports.clear()
    t0 = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=env["HOME"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **_as_user(),
    )
    try:
        reported, port = _wait_for_report(hub, process, t0 + 120)
        answered = _wait_for_answer(port, process, t0 + 120)
        return {
            "reported": reported - t0,
            "answers": answered - t0,
            "ready": max(reported, answered) - t0,
            "cpu": get_cpu_seconds(process.pid),
        }
    finally:
        _stop(process)


def get_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and of its children it waited for.

    Less sensitive than wall-clock time to what else the machine runs.
    """
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # fields from the state on: utime, stime, cutime, cstime are the 12th to 15th
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait_for_report(
    hub: FakeHub, process: subprocess.Popen[bytes], deadline: float
) -> tuple[float, int]:
    while time.perf_counter() < deadline:
        with hub.lock:
            if hub.ports:
                return hub.ports[0]
        _check_alive(process)
        time.sleep(POLL)
    raise TimeoutError("no port report within 120 s")


def _wait_for_answer(port: int, process: subprocess.Popen[bytes], deadline: float) -> float:
    url = f"http://127.0.0.1:{port}/user/{USER}/api"  # what the hub asks (User._wait_up)
    opener = urllib.request.build_opener(_NoRedirect)
    while time.perf_counter() < deadline:
        try:
            with opener.open(url, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        if 0 < status < 500:
            return time.perf_counter()
        _check_alive(process)
        time.sleep(POLL)
    raise TimeoutError(f"the server on port {port} did not answer within 120 s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _check_alive(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        err = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"server exited with {process.returncode}:\n{err[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


def _as_user() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


@contextmanager
def user_home() -> Iterator[str]:
    """A fresh home for the server's user: no Jupyter state of earlier runs."""
    with tempfile.TemporaryDirectory(prefix="bench-server-start-") as home:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(USER)
            os.chown(home, entry.pw_uid, entry.pw_gid)
        yield home


def compare(timings: dict[str, dict[str, list[float]]], kind: str, peer: str) -> dict[str, object]:
    """panhub against ``peer``: ratios of the medians (ready, CPU) and of each pair."""
    ours, theirs = timings[kind], timings[peer]
    pairs = [p / q for p, q in zip(ours["ready"], theirs["ready"], strict=True)]
    ratio = statistics.median(ours["ready"]) / statistics.median(theirs["ready"])
    return {
        "ratio_median_ready": round(ratio, 3),
        "median_of_pair_ratios": round(statistics.median(pairs), 3),
        "ratio_median_cpu": round(
            statistics.median(ours["cpu"]) / statistics.median(theirs["cpu"]), 3
        ),
        "saved_median_ready_s": round(
            statistics.median(theirs["ready"]) - statistics.median(ours["ready"]), 3
        ),
    }


def main() -> int:
    count = int(os.environ.get("PANHUB_BENCH_STARTS", "5"))
    stock_venv = ensure_stock_venv()
    commands = make_commands(stock_venv)
    timings: dict[str, dict[str, list[float]]] = {
        k: {"reported": [], "answers": [], "ready": [], "cpu": []} for k in commands
    }
    hub = FakeHub()
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    try:
        with user_home() as home:
            env = make_job_env(hub, home)
            for command in commands.values():  # warm-up: page cache, bytecode
                start_once(hub, command, env)
            for i in range(count):
                for kind, command in commands.items():
                    result = start_once(hub, command, env)
                    for key, value in result.items():
                        timings[kind][key].append(value)
                    print(
                        f"{kind:10s} start {i + 1:2d}: reported {result['reported']:.2f} s, "
                        f"answers {result['answers']:.2f} s, ready {result['ready']:.2f} s, "
                        f"CPU {result['cpu']:.2f} s",
                        flush=True,
                    )
    finally:
        hub.shutdown()
    headline = compare(timings, "panhub", "stock")
    report: dict[str, object] = {
        "benchmark": "single-user server start, exec to ready (port reported and HTTP "
        "answered), stand-in hub API on loopback, alternating",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "commands": {k: " ".join(v) for k, v in commands.items()},
        **{kind: {k: summarize(v) for k, v in t.items()} for kind, t in timings.items()},
        "stock_environment": f"{stock_venv}: jupyterhub, batchspawner and jupyterlab as pip "
        "installs them (bench_spawn.ensure_stock_venv)",
        **headline,
        "vs_stock_same_environment": compare(timings, "panhub", "stock_same"),
        "target_ratio": TARGET_RATIO,
        "meets_target": headline["ratio_median_ready"] <= TARGET_RATIO,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "server_start.json").write_text(json.dumps(report, indent=2) + "\n")
    medians = {k: statistics.median(t["ready"]) for k, t in timings.items()}
    print(
        f"\nserver start, exec to ready (median of {count}): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in medians.items())
        + f"; panhub/stock {headline['ratio_median_ready']} (target <= {TARGET_RATIO}), "
        f"panhub/stock_same {report['vs_stock_same_environment']['ratio_median_ready']}; "
        f"written to {RESULTS / 'server_start.json'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
