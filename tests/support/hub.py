"""Drive a real panhub hub (proxy + JupyterHub + SLURM) from tests and benchmarks.

Every call has a timeout and every wait a deadline: a hung daemon fails the test, it
never hangs the run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from panhub import demo

from tests.support.cluster import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "hub_config" / "jupyterhub_config.py"
TIMEOUT = 30


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Return ``check()``'s first truthy value; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def login_session(base: str, user: str, password: str = demo.DEMO_PASSWORD) -> requests.Session:
    """A ``requests`` session logged in to the hub's pages as ``user`` (its login form)."""
    session = requests.Session()
    r = session.get(f"{base}/hub/login", timeout=TIMEOUT)
    r.raise_for_status()
    xsrf = session.cookies.get("_xsrf", "")
    r = session.post(
        f"{base}/hub/login",
        data={"username": user, "password": password, "_xsrf": xsrf},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert r.status_code == 302, f"{user} could not log in: {r.status_code} {r.text[:200]}"
    return session


@dataclass
class HubAPI:
    """The hub's REST API, through the proxy, with one token."""

    base: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.base}/hub/api{path}", headers=self.headers, timeout=TIMEOUT, **kwargs
        )

    def user(self, name: str) -> dict[str, Any]:
        r = self.request("GET", f"/users/{name}")
        if r.status_code == 404:
            return {}
        r.raise_for_status()
        return dict(r.json())

    def server(self, user: str, server: str = "") -> dict[str, Any] | None:
        servers: dict[str, Any] = self.user(user).get("servers", {})
        return servers.get(server)

    def as_user(self, name: str) -> HubAPI:
        """A token of ``name``'s own, made through the admin API."""
        self.request("POST", f"/users/{name}")
        r = self.request("POST", f"/users/{name}/tokens", json={"note": "panhub tests"})
        r.raise_for_status()
        return HubAPI(self.base, r.json()["token"])

    def spawn(
        self, user: str, options: dict[str, Any] | None = None, server: str = ""
    ) -> requests.Response:
        path = f"/users/{user}/servers/{server}" if server else f"/users/{user}/server"
        self.request(
            "POST", f"/users/{user}"
        )  # creates the hub user if an admin asks; else 403/409
        return self.request("POST", path, json=options or {})

    def wait_ready(self, user: str, server: str = "", timeout: float = 120) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            model = self.server(user, server)
            return model if model and model.get("ready") else None

        result: dict[str, Any] = wait_for(f"{user}/{server} ready", ready, timeout)
        return result

    def start(
        self, user: str, options: dict[str, Any] | None = None, server: str = ""
    ) -> dict[str, Any]:
        r = self.spawn(user, options, server)
        assert r.status_code in (201, 202), r.text
        return self.wait_ready(user, server)

    def stop(self, user: str, server: str = "", timeout: float = 60) -> None:
        path = f"/users/{user}/servers/{server}" if server else f"/users/{user}/server"
        r = self.request("DELETE", path)
        assert r.status_code in (202, 204, 404), r.text
        wait_for(f"{user}/{server} stopped", lambda: self.server(user, server) is None, timeout)

    def progress(self, user: str, timeout: float = 60) -> Iterator[dict[str, Any]]:
        """Events of ``user``'s spawn progress stream (server-sent events)."""
        with requests.get(
            f"{self.base}/hub/api/users/{user}/server/progress",
            headers=self.headers,
            stream=True,
            timeout=timeout,
        ) as r:
            for line in r.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    yield json.loads(line[5:])


def squeue(job_name: str = "", job_id: str = "") -> list[dict[str, str]]:
    """Jobs as squeue lists them (all states squeue still knows)."""
    argv = ["timeout", "10", "squeue", "-h", "-t", "all", "-o", "%i|%j|%u|%T|%P|%C|%m|%b|%r"]
    if job_id:
        argv += ["-j", job_id]
    out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    keys = ["id", "name", "user", "state", "partition", "cpus", "memory", "gres", "reason"]
    jobs = [dict(zip(keys, line.split("|"), strict=True)) for line in out.splitlines() if line]
    return [j for j in jobs if not job_name or j["name"] == job_name]


def active_jobs(job_name: str) -> list[dict[str, str]]:
    """Jobs of that name that are still pending or running."""
    return [j for j in squeue(job_name) if j["state"] in {"PENDING", "RUNNING", "CONFIGURING"}]


def ended_state(job_id: str, seconds: float = 30) -> str:
    """The state a job ended in ("gone" once squeue forgets it), waiting out COMPLETING:
    right after scancel squeue may still say COMPLETING while the node's epilog runs."""
    state = ""

    def settled() -> bool:
        nonlocal state
        argv = ["timeout", "10", "squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T"]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:  # a slow or failing squeue is no answer, unless it says so
            state = "gone" if "Invalid job id" in done.stderr else ""
        else:
            state = done.stdout.strip() or "gone"
        return state not in {"", "PENDING", "RUNNING", "CONFIGURING", "COMPLETING"}

    wait_for(f"job {job_id} to end", settled, seconds)
    return state


def make_instance(
    name: str, state_dir: Path, port_base: int, env: dict[str, str] | None = None
) -> demo.HubInstance:
    """A hub of the tests' own beside the demo: public ``port_base``, hub +81, proxy API +1,
    catalogue service +90."""
    return demo.HubInstance(
        name=name,
        state_dir=state_dir,
        config=CONFIG,
        public_port=port_base,
        hub_port=port_base + 81,
        proxy_api_port=port_base + 1,
        catalogue_port=port_base + 90,
        env={"PANHUB_SERVER_IP": "127.0.0.1", **(env or {})},
    )


@contextmanager
def running_hub(
    inst: demo.HubInstance, cancel: Callable[[], object], logs: Iterable[Path] = ()
) -> Iterator[demo.HubInstance]:
    """``inst``'s proxy and hub for the block; after it, both stopped, the hub's jobs
    cancelled (``cancel()``) and its logs (hub, proxy, and ``logs``) copied to
    ``artifacts/<name>-<log>``."""
    try:
        demo.start_proxy(inst)
        demo.start_hub(inst)
        yield inst
    finally:
        demo.stop(inst)
        cancel()
        for log in (inst.path("hub.log"), inst.path("proxy.log"), *logs):
            if log.exists():
                shutil.copy(log, ARTIFACTS / f"{inst.name}-{log.name}")


def make_state_dir(name: str) -> Path:
    """A new state folder for a hub of the tests' own, where its accounts can reach it.

    Under ``/var/lib/panhub`` (not pytest's ``tmp_path``, which only root may enter); the
    hub's start makes it ``root:panhub 0750``. The caller removes it.
    """
    parent = Path("/var/lib/panhub")
    parent.mkdir(mode=0o711, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))


def admin_api(inst: demo.HubInstance) -> HubAPI:
    """The admin service's API for ``inst``."""
    return HubAPI(inst.public_url, demo.secret(inst.path("api_token")))
