"""Start and stop panhub's daemons (proxy, hub) and demo accounts, without systemd.

Used by ``panhub demo up/down`` and by the integration tests, which run hubs of their
own on other ports beside the demo. Every wait has a deadline; liveness is read from
``/proc/PID/stat`` because killed daemons linger as zombies on these machines.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = Path(os.environ.get("PANHUB_PREFIX", "/opt/panhub"))
CHP = PREFIX / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
DEMO_PASSWORD = "panhub-demo"  # noqa: S105 - documented demo password, loopback only
DEMO_GROUP = "panhub-users"
ADMIN_GROUP = "panhub-admins"


@dataclass(frozen=True)
class DemoUser:
    """A demo account: Unix user, the role it plays, the proposals it belongs to."""

    name: str
    role: str
    proposals: tuple[str, ...]


DEMO_USERS = (  # as hub_config/demo/proposals.toml says
    DemoUser("alice", "user", ("20260001",)),
    DemoUser("bob", "user", ("20260002", "20260003")),
    DemoUser("carol", "staff of beamline BL11-NCD", ("20260001", "20260002")),
)


@dataclass(frozen=True)
class HubInstance:
    """One hub with its own proxy, ports and state folder."""

    name: str
    state_dir: Path
    config: Path
    public_port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    def path(self, name: str) -> Path:
        return self.state_dir / name


def pid_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def read_pid(pidfile: Path) -> int | None:
    """The live pid in ``pidfile``, or None."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    """Call ``predicate()`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def http_status(url: str, headers: Mapping[str, str] | None = None) -> int:
    """The HTTP status of a GET of ``url`` within 2 s; 0 if nothing answered."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def http_ok(url: str, headers: Mapping[str, str] | None = None) -> bool:
    """True if ``url`` answers with a status below 500 within 2 s."""
    return 0 < http_status(url, headers) < 500


def secret(path: Path) -> str:
    """A random token kept in ``path`` (mode 0600), created on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def _spawn(argv: list[str], log: Path, env: Mapping[str, str], cwd: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            cwd=cwd,
            start_new_session=True,
        )
    _children.append(proc)
    return proc.pid


_children: list[subprocess.Popen[bytes]] = []


def reap() -> None:
    """Collect exited children, so they do not linger as zombies."""
    for proc in list(_children):
        if proc.poll() is not None:
            _children.remove(proc)


def is_gone(pid: int) -> bool:
    """Reap our exited children, then tell whether ``pid`` has ended."""
    reap()
    return not pid_alive(pid)


def start_proxy(inst: HubInstance, timeout: float = 30) -> int:
    """Start configurable-http-proxy for ``inst`` unless it runs; return its pid."""
    inst.state_dir.mkdir(parents=True, exist_ok=True)
    pidfile = inst.path("proxy.pid")
    pid = read_pid(pidfile)
    token = secret(inst.path("proxy_token"))
    if pid is None:
        argv = [
            str(CHP),
            "--ip", "127.0.0.1",
            "--port", str(inst.public_port),
            "--api-ip", "127.0.0.1",
            "--api-port", str(inst.proxy_api_port),
            "--error-target", f"{inst.hub_url}/hub/error",
            "--default-target", inst.hub_url,
        ]  # fmt: skip
        pid = _spawn(
            argv, inst.path("proxy.log"), {"CONFIGPROXY_AUTH_TOKEN": token}, inst.state_dir
        )
        pidfile.write_text(str(pid))
    url = f"http://127.0.0.1:{inst.proxy_api_port}/api/routes"
    if not wait_until(lambda: http_ok(url, {"Authorization": f"token {token}"}), timeout):
        raise RuntimeError(f"proxy did not answer at {url}; see {inst.path('proxy.log')}")
    return pid


def hub_env(inst: HubInstance) -> dict[str, str]:
    """The environment the hub of ``inst`` runs with."""
    return {
        "CONFIGPROXY_AUTH_TOKEN": secret(inst.path("proxy_token")),
        "PANHUB_API_TOKEN": secret(inst.path("api_token")),
        "JUPYTERHUB_CRYPT_KEY": secret(inst.path("crypt_key")),
        "PANHUB_STATE_DIR": str(inst.state_dir),
        "PANHUB_HUB_NAME": inst.name,
        "PANHUB_PUBLIC_URL": inst.public_url,
        "PANHUB_HUB_URL": inst.hub_url,
        "PANHUB_PROXY_API_URL": f"http://127.0.0.1:{inst.proxy_api_port}",
        **inst.env,
    }


def start_hub(inst: HubInstance, timeout: float = 60) -> int:
    """Start JupyterHub for ``inst`` unless it runs; wait until its API answers."""
    inst.state_dir.mkdir(parents=True, exist_ok=True)
    pidfile = inst.path("hub.pid")
    pid = read_pid(pidfile)
    if pid is None:
        argv = [str(Path(sys.prefix) / "bin" / "jupyterhub"), "-f", str(inst.config)]
        pid = _spawn(argv, inst.path("hub.log"), hub_env(inst), inst.state_dir)
        pidfile.write_text(str(pid))
    url = f"{inst.hub_url}/hub/api/"

    def up() -> bool:
        if not pid_alive(pid):
            raise RuntimeError(f"the hub exited; see {inst.path('hub.log')}")
        return http_ok(url)

    if not wait_until(up, timeout):
        raise RuntimeError(f"the hub did not answer at {url}; see {inst.path('hub.log')}")
    return pid


def stop_pid(pidfile: Path, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Signal the process in ``pidfile``, wait for it, SIGKILL it after ``timeout``."""
    pid = read_pid(pidfile)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if not wait_until(lambda: is_gone(pid), timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_until(lambda: is_gone(pid), 5)
    pidfile.unlink(missing_ok=True)


def stop(inst: HubInstance) -> None:
    """Stop the hub, then the proxy, of ``inst``. Users' jobs keep running."""
    stop_pid(inst.path("hub.pid"))
    stop_pid(inst.path("proxy.pid"))


def cancel_jobs(prefix: str) -> list[str]:
    """``scancel`` every queued or running job whose name starts with ``prefix``."""
    out = run(["squeue", "-h", "-t", "PD,R,CF", "-o", "%i|%j"], timeout=20)
    ids = [
        i
        for i, _, name in (line.partition("|") for line in out.splitlines())
        if name.startswith(prefix)
    ]
    if ids:
        run(["scancel", *ids], timeout=20)
    return ids


def run(argv: list[str], timeout: float = 30, input: str | None = None) -> str:
    """Run a command with a deadline; raise with its stderr on failure."""
    done = subprocess.run(
        argv, input=input, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def ensure_group(name: str) -> None:
    """Create the Unix group ``name`` if it does not exist."""
    if subprocess.run(["getent", "group", name], capture_output=True, check=False).returncode:
        run(["groupadd", name])


def ensure_user(name: str, password: str, groups: Iterable[str] = (DEMO_GROUP,)) -> None:
    """Create (or update) a Unix account with a home folder, password and groups."""
    groups = list(groups)
    for group in groups:
        ensure_group(group)
    if subprocess.run(["id", "-u", name], capture_output=True, check=False).returncode:
        run(["useradd", "--create-home", "--shell", "/bin/bash", name])
    if groups:
        run(["usermod", "--append", "--groups", ",".join(groups), name])
    run(["chpasswd"], input=f"{name}:{password}\n")


def ensure_demo_accounts() -> None:
    """The demo users, and the login and admin groups the hub config names."""
    ensure_group(ADMIN_GROUP)  # PAMAuthenticator fails logins when a named group is missing
    for user in DEMO_USERS:
        ensure_user(user.name, DEMO_PASSWORD)


def demo_instance(config: Path, state_dir: Path = Path("/var/lib/panhub/demo")) -> HubInstance:
    """The demo hub: public on 127.0.0.1:8000, hub API on 8081, proxy API on 8001."""
    return HubInstance(
        name="demo",
        state_dir=state_dir,
        config=config,
        env={"PANHUB_SERVER_IP": "127.0.0.1"},
    )
