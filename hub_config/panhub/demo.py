"""Start and stop panhub's daemons (proxy, hub) and demo accounts, without systemd.

Used by ``panhub demo up/down`` and by the integration tests, which run hubs of their
own on other ports beside the demo. Every wait has a deadline; liveness is read from
``/proc/PID/stat`` because killed daemons linger as zombies on these machines.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
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
from typing import Any
from urllib.parse import urlparse

from panhub import pgdb, site
from panhub.accounts import apply_plan, make_plan
from panhub.mounts import Layout
from panhub.proposals import Directory, StaticFileSource

PREFIX = Path(os.environ.get("PANHUB_PREFIX", "/opt/panhub"))
CHP = PREFIX / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
DEMO_PASSWORD = "panhub-demo"  # noqa: S105 - documented demo password, loopback only
DEMO_GROUP = "panhub-users"
ADMIN_GROUP = "panhub-admins"


@dataclass(frozen=True)
class DemoUser:
    """A demo account: Unix user, the role it plays, the proposals it sees (sorted).

    ``proposals`` are those whose folders the user may read: as a member, or as staff
    of the proposal's beamline (``tests/hub/test_demo.py`` checks them against the
    demo's proposals file).
    """

    name: str
    role: str
    proposals: tuple[str, ...]


DEMO_USERS = (  # as hub_config/demo/proposals.toml says: as member, or staff of the beamline
    DemoUser("alice", "user", ("20210005", "20220007", "20220008", "20260001")),
    DemoUser("bob", "user", ("20210005", "20220006", "20220009", "20260002", "20260003")),
    DemoUser(
        "carol", "staff of beamline BL11-NCD", ("20220007", "20220008", "20260001", "20260002")
    ),
)


@dataclass(frozen=True)
class HubInstance:
    """One hub with its own proxy, catalogue, ports and state folder.

    The state folder holds one private folder per account (see :mod:`panhub.site`)::

        <state_dir>/          root:panhub 0750        users cannot list or enter it
          etc/                root:panhub 0750        proposals file (0640), for the services
          hub/                panhub 0700, files 0600 hub and proxy: database, cookie secret,
                                                     tokens, crypt key, pid files, logs
                                                     (production profile: ``pgpass``)
          catalogue/          panhub-catalogue 0700   the catalogue's database (or ``pgpass``)
                                                     and log
    """

    name: str
    state_dir: Path
    config: Path
    public_port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    catalogue_port: int = 8090
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    @property
    def catalogue_url(self) -> str:
        return f"http://127.0.0.1:{self.catalogue_port}"

    @property
    def hub_dir(self) -> Path:
        return self.state_dir / "hub"

    @property
    def catalogue_dir(self) -> Path:
        return self.state_dir / "catalogue"

    @property
    def etc_dir(self) -> Path:
        return self.state_dir / "etc"

    @property
    def catalogue_db(self) -> str:
        """The catalogue's SQLAlchemy URL (``PANHUB_CATALOGUE_DB_URL`` if set)."""
        default = f"sqlite:///{self.catalogue_dir}/catalogue.sqlite"
        return self.env.get("PANHUB_CATALOGUE_DB_URL", default)

    @property
    def with_catalogue(self) -> bool:
        return self.env.get("PANHUB_CATALOGUE", "1") == "1"

    def path(self, name: str) -> Path:
        """A file of the hub's own (tokens, pid files, logs)."""
        return self.hub_dir / name


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


def open_log(log: Path, owner: site.Account | None) -> int:
    """``log`` opened for appending: created 0600, owned by ``owner``; returns the fd."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    if owner is not None:
        os.fchown(fd, owner.uid, owner.gid)
    return fd


def _spawn(
    argv: list[str],
    log: Path,
    env: Mapping[str, str],
    cwd: Path,
    account: site.Account | None = None,
) -> int:
    """Start a daemon as ``account`` (umask 077), its output appended to ``log``."""
    fd = open_log(log, account)
    try:
        extra: dict[str, Any] = {}
        if account is not None:
            extra = {"user": account.uid, "group": account.gid, "extra_groups": account.groups}
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            cwd=cwd,
            start_new_session=True,
            umask=0o077,
            **extra,
        )
    finally:
        os.close(fd)
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


#: the hub's secrets, made on first start (the launcher hands them over in the environment)
_SECRETS = ("proxy_token", "api_token", "crypt_key", "catalogue_token")
#: files of the flat state folder of older versions that now belong to the catalogue
_OLD_CATALOGUE_FILES = ("catalogue.sqlite", "logbook-seeded")


def prepare_state(inst: HubInstance) -> None:
    """Create or repair ``inst``'s state folder: each part owned by its account, private.

    A flat folder from an older version (everything in ``state_dir``, world-readable)
    is moved into the parts, then every file and folder gets its owner and mode, at
    every start.
    """
    site.ensure_service_accounts(DEMO_GROUP)
    site.make_private_dir(inst.state_dir, site.SERVICE_GROUP)
    for part in (inst.hub_dir, inst.catalogue_dir):
        part.mkdir(exist_ok=True)
    for old in list(inst.state_dir.iterdir()):
        if old in (inst.hub_dir, inst.catalogue_dir, inst.etc_dir):
            continue
        part = inst.catalogue_dir if old.name.startswith(_OLD_CATALOGUE_FILES) else inst.hub_dir
        if (part / old.name).exists():
            raise RuntimeError(f"{old} is in the way of {part / old.name}; move it away")
        old.rename(part / old.name)
    for name in _SECRETS:
        secret(inst.path(name))
    site.make_private_dir(inst.etc_dir, site.SERVICE_GROUP)
    if not (inst.etc_dir / "proposals.toml").exists():  # the demo's, until one is installed
        install_private(inst, inst.config.parent / "demo" / "proposals.toml", "proposals.toml")
    site.secure_tree(inst.etc_dir, site.Account("root", 0, inst.etc_dir.stat().st_gid, ()),
                     dir_mode=0o750, file_mode=0o640)  # fmt: skip
    site.secure_tree(inst.hub_dir, site.Account.lookup(site.HUB_ACCOUNT))
    site.secure_tree(inst.catalogue_dir, site.Account.lookup(site.CATALOGUE_ACCOUNT))


def copy_file(source: Path, target: Path, mode: int, gid: int = 0) -> Path:
    """Copy ``source`` to ``target`` (root:``gid``, ``mode``), replacing it in one step."""
    staged = target.with_name(f".{target.name}.new")
    staged.write_bytes(source.read_bytes())
    os.chown(staged, 0, gid)
    staged.chmod(mode)
    staged.replace(target)
    return target


def install_private(inst: HubInstance, source: Path, name: str) -> Path:
    """Copy ``source`` into ``inst``'s ``etc/`` (root:panhub 0640): readable by the services."""
    return copy_file(source, inst.etc_dir / name, 0o640, inst.etc_dir.stat().st_gid)


def stage_config(config: Path) -> Path:
    """Copy ``config`` and the catalogue's config beside it into ``PREFIX/etc`` (0644).

    The daemons run as accounts of their own, which may not read the checkout the
    demo or the tests run from; the configuration holds no secrets (those come in the
    environment), so a world-readable copy, as ``/etc/jupyterhub`` would be, is right.
    """
    etc = PREFIX / "etc"
    etc.mkdir(mode=0o755, parents=True, exist_ok=True)
    for source in (config, config.parent / "catalogue_config.py"):
        copy_file(source, etc / source.name, 0o644)
    return etc / config.name


def start_proxy(inst: HubInstance, timeout: float = 30) -> int:
    """Start configurable-http-proxy for ``inst`` as the hub's account unless it runs."""
    prepare_state(inst)
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
        env = {"CONFIGPROXY_AUTH_TOKEN": token, "HOME": str(inst.hub_dir)}
        account = site.Account.lookup(site.HUB_ACCOUNT)
        pid = _spawn(argv, inst.path("proxy.log"), env, inst.hub_dir, account)
        write_private(pidfile, str(pid), account)
    url = f"http://127.0.0.1:{inst.proxy_api_port}/api/routes"
    if not wait_until(lambda: http_ok(url, {"Authorization": f"token {token}"}), timeout):
        raise RuntimeError(f"proxy did not answer at {url}; see {inst.path('proxy.log')}")
    return pid


def write_private(path: Path, text: str, owner: site.Account) -> None:
    """Write ``text`` to ``path``, mode 0600, owned by ``owner``."""
    fd = open_log(path, owner)
    with os.fdopen(fd, "w") as out:
        out.truncate(0)
        out.write(text)


def hub_env(inst: HubInstance) -> dict[str, str]:
    """The environment the hub of ``inst`` runs with."""
    env = {
        "CONFIGPROXY_AUTH_TOKEN": secret(inst.path("proxy_token")),
        "PANHUB_API_TOKEN": secret(inst.path("api_token")),
        "JUPYTERHUB_CRYPT_KEY": secret(inst.path("crypt_key")),
        "PANHUB_STATE_DIR": str(inst.hub_dir),
        "PANHUB_HUB_NAME": inst.name,
        "PANHUB_PUBLIC_URL": inst.public_url,
        "PANHUB_HUB_URL": inst.hub_url,
        "PANHUB_PROXY_API_URL": f"http://127.0.0.1:{inst.proxy_api_port}",
        "PANHUB_CATALOGUE_URL": inst.catalogue_url,
        "PANHUB_PROPOSALS_FILE": str(inst.etc_dir / "proposals.toml"),
        "HOME": str(inst.hub_dir),
        **inst.env,
    }
    if inst.with_catalogue:
        env["PANHUB_CATALOGUE_TOKEN"] = secret(inst.path("catalogue_token"))
    return env


def catalogue_env(inst: HubInstance) -> dict[str, str]:
    """The environment of ``inst``'s catalogue service: what a hub gives its services."""
    prefix = "/services/catalogue/"
    scopes = json.dumps(["access:services", "access:services!service=catalogue"])
    return {
        "JUPYTERHUB_API_TOKEN": secret(inst.path("catalogue_token")),
        "JUPYTERHUB_API_URL": f"{inst.hub_url}/hub/api",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_CLIENT_ID": "service-catalogue",
        "JUPYTERHUB_HOST": "",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_OAUTH_SCOPES": scopes,
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": scopes,
        "JUPYTERHUB_SERVICE_NAME": "catalogue",
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": inst.catalogue_url,
        "PANHUB_CATALOGUE_DB_URL": inst.catalogue_db,
        "PANHUB_PROPOSALS_ROOT": inst.env.get("PANHUB_PROPOSALS_ROOT", "/srv/proposals"),
        "PANHUB_PUBLIC_URL": inst.public_url,
        "HOME": str(inst.catalogue_dir),
        # DOI minting (catalogue_config.py reads them): the demo's DataCite stand-in
        **{k: v for k, v in inst.env.items() if k.startswith(("PANHUB_DATACITE_", "PANHUB_DOI_"))},
    }


def catalogue_command(
    inst: HubInstance, args: list[str], timeout: float = 600, input: str | None = None
) -> str:
    """Run ``panhub-catalogue ARGS --db <inst's catalogue>`` as the catalogue's account."""
    argv = [str(Path(sys.prefix) / "bin" / "panhub-catalogue"), *args, "--db", inst.catalogue_db]
    return run(argv, timeout, input, account=site.Account.lookup(site.CATALOGUE_ACCOUNT),
               cwd=inst.catalogue_dir)  # fmt: skip


def start_catalogue(inst: HubInstance, timeout: float = 60) -> int:
    """Start ``inst``'s catalogue service as ``panhub-catalogue`` unless it runs.

    It is an external service of the hub (the hub knows its URL and token), started
    here like the proxy, so hub restarts leave it running; its schema is migrated first.
    """
    pidfile = inst.catalogue_dir / "catalogue.pid"
    pid = read_pid(pidfile)
    if pid is None:
        catalogue_command(inst, ["migrate"], timeout=120)
        config = stage_config(inst.config).parent / "catalogue_config.py"
        argv = [str(Path(sys.prefix) / "bin" / "panhub-catalogue"), "serve",
                "--config", str(config)]  # fmt: skip
        account = site.Account.lookup(site.CATALOGUE_ACCOUNT)
        log = inst.catalogue_dir / "catalogue.log"
        pid = _spawn(argv, log, catalogue_env(inst), inst.catalogue_dir, account)
        write_private(pidfile, str(pid), account)
    url = f"{inst.catalogue_url}/services/catalogue/api/investigations"

    def up() -> bool:
        if not pid_alive(pid):
            raise RuntimeError(f"the catalogue exited; see {inst.catalogue_dir}/catalogue.log")
        return http_ok(url)

    if not wait_until(up, timeout):
        raise RuntimeError(f"the catalogue did not answer at {url}")
    return pid


def start_hub(inst: HubInstance, timeout: float = 60) -> int:
    """Start JupyterHub for ``inst`` as the hub's account unless it runs; wait for its API.

    The catalogue service (unless ``PANHUB_CATALOGUE=0``) is started too.
    """
    prepare_state(inst)
    pidfile = inst.path("hub.pid")
    pid = read_pid(pidfile)
    if pid is None:
        prepare_databases(inst)
        config = stage_config(inst.config)
        # panhub-hub: JupyterHub with the reconciler (panhub.hubapp)
        argv = [str(Path(sys.prefix) / "bin" / "panhub-hub"), "-f", str(config)]
        account = site.Account.lookup(site.HUB_ACCOUNT)
        pid = _spawn(argv, inst.path("hub.log"), hub_env(inst), inst.hub_dir, account)
        write_private(pidfile, str(pid), account)
    url = f"{inst.hub_url}/hub/api/"

    def up() -> bool:
        if not pid_alive(pid):
            raise RuntimeError(f"the hub exited; see {inst.path('hub.log')}")
        return http_ok(url)

    if not wait_until(up, timeout):
        raise RuntimeError(f"the hub did not answer at {url}; see {inst.path('hub.log')}")
    if inst.with_catalogue:
        start_catalogue(inst)
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
    """Stop the hub, the catalogue, then the proxy of ``inst``. Users' jobs keep running."""
    stop_pid(inst.path("hub.pid"))
    stop_pid(inst.catalogue_dir / "catalogue.pid")
    stop_pid(inst.catalogue_dir / "datacite.pid")
    stop_pid(inst.path("proxy.pid"))


def start_datacite_standin(inst: HubInstance, timeout: float = 30) -> int | None:
    """Start the DataCite stand-in ``inst``'s catalogue mints against, unless it runs.

    Only when ``inst.env`` names one on loopback (``PANHUB_DATACITE_URL``, as the demo
    does): ``panhub-catalogue datacite-standin`` as the catalogue's account, with the
    password in ``PANHUB_DATACITE_PASSWORD_FILE`` (0600, the catalogue's).
    """
    url = urlparse(inst.env.get("PANHUB_DATACITE_URL", ""))
    if url.hostname != "127.0.0.1" or not url.port:
        return None
    pidfile = inst.catalogue_dir / "datacite.pid"
    pid = read_pid(pidfile)
    if pid is not None:
        return pid
    account = site.Account.lookup(site.CATALOGUE_ACCOUNT)
    password_file = Path(inst.env["PANHUB_DATACITE_PASSWORD_FILE"])
    if not password_file.exists():
        write_private(password_file, secrets.token_urlsafe(16), account)
    argv = [str(Path(sys.prefix) / "bin" / "panhub-catalogue"), "datacite-standin",
            "--port", str(url.port), "--prefix", inst.env["PANHUB_DOI_PREFIX"],
            "--username", inst.env["PANHUB_DATACITE_USERNAME"],
            "--password-file", str(password_file)]  # fmt: skip
    log = inst.catalogue_dir / "datacite.log"
    pid = _spawn(argv, log, {"HOME": str(inst.catalogue_dir)}, inst.catalogue_dir, account)
    write_private(pidfile, str(pid), account)
    if not wait_until(lambda: http_status(url.geturl() + "heartbeat") != 0, timeout):
        raise RuntimeError(f"the DataCite stand-in did not answer; see {log}")
    return pid


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


def run(
    argv: list[str],
    timeout: float = 30,
    input: str | None = None,
    account: site.Account | None = None,
    cwd: Path | None = None,
) -> str:
    """Run a command (as ``account``, umask 077) with a deadline; raise with its stderr."""
    extra: dict[str, Any] = {}
    if account is not None:
        extra = {"user": account.uid, "group": account.gid, "extra_groups": account.groups,
                 "umask": 0o077}  # fmt: skip
    done = subprocess.run(
        argv, input=input, capture_output=True, text=True, timeout=timeout, check=False,
        cwd=cwd, **extra,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return str(done.stdout)


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
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)  # homes are private, new and existing
    if groups:
        run(["usermod", "--append", "--groups", ",".join(groups), name])
    run(["chpasswd"], input=f"{name}:{password}\n")


def ensure_demo_accounts() -> None:
    """The demo users, and the login and admin groups the hub config names."""
    ensure_group(ADMIN_GROUP)  # PAMAuthenticator fails logins when a named group is missing
    for user in DEMO_USERS:
        ensure_user(user.name, DEMO_PASSWORD)


def _seed_logbook(inst: HubInstance, directory: Directory) -> None:
    """One beamline notification per demo proposal, the first time the demo comes up."""
    # one marker a database kind: a demo switched to PostgreSQL seeds its new catalogue
    sqlite = inst.catalogue_db.startswith("sqlite")
    marker = inst.catalogue_dir / ("logbook-seeded" if sqlite else "logbook-seeded-postgresql")
    if marker.exists():
        return
    for proposal in directory.proposals:
        text = f"{proposal.beamline}: sample data recorded by the acquisition system (demo)"
        catalogue_command(
            inst, ["logbook", "add", "--investigation", proposal.id, "--tag", "demo", text]
        )
    write_private(marker, "the demo's logbook entries were added\n",
                  site.Account.lookup(site.CATALOGUE_ACCOUNT))  # fmt: skip


def build_panhub_wheel(repo: Path, dist: Path) -> Path:
    """panhub's wheel from the checkout ``repo`` into ``dist`` (older ones removed).

    Without the Lab extension's build (kernels do not need it); a wheel of unchanged
    code is the same file, so the kernels it goes into are not rebuilt.
    """
    dist.mkdir(parents=True, exist_ok=True)
    for old in dist.glob("panhub-*.whl"):
        old.unlink()
    env = {**os.environ, "HATCH_BUILD_NO_HOOKS": "true"}
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(repo)],
        check=True, env=env, timeout=600, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("panhub-*.whl")
    return wheel


def build_kernels(inst: HubInstance) -> None:
    """The staff kernels of ``kernels/`` into ``$PANHUB_PREFIX/kernels``, with progress.

    panhub's own wheel (the viewer and the catalogue's Python API, which every kernel
    holds) goes into ``$PANHUB_PREFIX/dist`` first. The first build takes minutes (the
    XAS stack alone is 2 GB); later runs, seconds.
    """
    repo = inst.config.parent.parent
    prefix = Path(os.environ.get("PANHUB_PREFIX", "/opt/panhub"))
    print("[panhub] panhub's wheel for the staff kernels", flush=True)
    wheel = build_panhub_wheel(repo, prefix / "dist")
    print("[panhub] staff kernels (the first build takes a few minutes)", flush=True)
    subprocess.run(kernels_build_command(repo, prefix / "kernels", wheel), check=True, timeout=3600)


def kernels_command(*args: str) -> list[str]:
    """``panhub kernels ARGS``, with the ``panhub`` of this Python's environment."""
    return [str(Path(sys.executable).parent / "panhub"), "kernels", *args]


def kernels_build_command(
    repo: Path, kernels: Path, wheel: Path, names: Iterable[str] = (), source: Path | None = None
) -> list[str]:
    """``panhub kernels build [NAMES]`` of the checkout's ``kernels/`` (or of ``source``)
    into the prefix ``kernels`` (all of them without ``names``)."""
    return kernels_command("build", *names,
                           "--prefix", str(kernels), "--source", str(source or repo / "kernels"),
                           "--panhub-wheel", str(wheel))  # fmt: skip


def bring_up(inst: HubInstance, proposals: Path | None = None) -> None:
    """The demo, from nothing or from any earlier state: accounts, data, catalogue, hub.

    The demo's proposals file is installed into the instance's ``etc/`` (readable by
    the services only); ``panhub accounts sync`` makes the groups, folders and ACLs
    (the catalogue's readers may read the data), the sample data is written, and the
    catalogue, as its own account, imports the membership, then indexes the files. The
    staff kernels are built (or found unchanged).
    """
    ensure_demo_accounts()
    prepare_state(inst)
    for db in prepare_databases(inst):
        print(f"[panhub] database {db.database} on PostgreSQL, password in {db.passfile}")
    source_file = proposals or inst.config.parent / "demo" / "proposals.toml"
    staged = install_private(inst, source_file, "proposals.toml")
    layout = Layout()
    directory = StaticFileSource(staged).get_directory()
    apply_plan(make_plan(directory, layout, site.READER_GROUP))
    make_data = inst.config.parent / "demo" / "make_data.py"
    run([sys.executable, str(make_data), str(staged), layout.root], timeout=600)
    catalogue_command(inst, ["migrate"], timeout=120)
    # membership first (files grant none), then the files
    catalogue_command(inst, ["members", "import", str(staged)], timeout=120)
    config = stage_config(inst.config).parent / "catalogue_config.py"
    catalogue_command(inst, ["index", "--config", str(config), "--root", layout.root,
                             "--no-progress", "--prune", layout.root])  # fmt: skip
    _seed_logbook(inst, directory)
    start_datacite_standin(inst)
    build_kernels(inst)
    start_proxy(inst)
    # the demo runs the checked-out code and configuration: a hub and catalogue left
    # from an earlier run restart (users' servers and the proxy's routes stay)
    stop_pid(inst.path("hub.pid"))
    stop_pid(inst.catalogue_dir / "catalogue.pid")
    start_hub(inst)
    url = f"{inst.public_url}/services/catalogue/api/investigations"
    if not wait_until(lambda: http_status(url) == 200, 60, interval=0.2):
        print(f"warning: the catalogue does not answer yet at {url}", file=sys.stderr)


#: the demo's profiles: "demo" keeps the hub's and the catalogue's data in SQLite files,
#: "production" in PostgreSQL (README, "Site configuration")
PROFILES = ("demo", "production")


def make_production_env(state_dir: Path, prefix: str = "panhub") -> dict[str, str]:
    """The production profile's database URLs: hub and catalogue on this machine's PostgreSQL.

    Databases (and roles) ``<prefix>_hub`` and ``<prefix>_catalogue``; each password is in
    a ``pgpass`` file in the service's own part of ``state_dir`` (see
    :class:`HubInstance`), which the URL names (:mod:`panhub.pgdb`): no secret in them.
    """
    hub = pgdb.LocalDatabase(f"{prefix}_hub", f"{prefix}_hub", state_dir / "hub" / "pgpass")
    catalogue = pgdb.LocalDatabase(
        f"{prefix}_catalogue", f"{prefix}_catalogue", state_dir / "catalogue" / "pgpass"
    )
    return {"PANHUB_DB_URL": hub.url, "PANHUB_CATALOGUE_DB_URL": catalogue.url}


def prepare_databases(inst: HubInstance) -> list[pgdb.LocalDatabase]:
    """Make the PostgreSQL roles, databases and password files ``inst``'s URLs name.

    Only databases on this machine named with a password file, as the production
    profile's (:func:`panhub.pgdb.find_local_database`); others are the site's. Idempotent:
    a password file keeps its password, which the role is given again (as a SCRAM
    verifier, through ``psql``'s standard input) at every start. PostgreSQL must run
    (``hub_config/demo/postgres.sh start``).
    """
    made = []
    for url, account in (
        (inst.env.get("PANHUB_DB_URL", ""), site.HUB_ACCOUNT),
        (inst.catalogue_db, site.CATALOGUE_ACCOUNT),
    ):
        db = pgdb.find_local_database(url)
        if db is None:
            continue
        old = db.passfile.read_text() if db.passfile.exists() else ""
        password = pgdb.read_pgpass_password(old, db) or secrets.token_hex(24)
        write_private(db.passfile, pgdb.make_pgpass(db, password), site.Account.lookup(account))
        verifier = pgdb.make_scram_verifier(password, secrets.token_bytes(16))
        try:
            run(pgdb.make_psql_command(db, as_root=os.geteuid() == 0), timeout=60,
                input=pgdb.make_setup_sql(db, verifier))  # fmt: skip
        except RuntimeError as exc:
            raise RuntimeError(
                f"could not make database {db.database} on PostgreSQL (port {db.port}); is it "
                f"running? hub_config/demo/postgres.sh start starts it. {exc}"
            ) from exc
        made.append(db)
    return made


def demo_instance(
    config: Path, state_dir: Path = Path("/var/lib/panhub/demo"), profile: str | None = None
) -> HubInstance:
    """The demo hub: public on 127.0.0.1:8000, hub API on 8081, proxy API on 8001.

    ``profile`` is one of :data:`PROFILES` (default ``$PANHUB_PROFILE``, else "demo").
    """
    profile = profile or os.environ.get("PANHUB_PROFILE") or "demo"
    if profile not in PROFILES:
        raise ValueError(f"PANHUB_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
    databases = make_production_env(state_dir) if profile == "production" else {}
    return HubInstance(
        name="demo",
        state_dir=state_dir,
        config=config,
        env={
            "PANHUB_SERVER_IP": "127.0.0.1",
            # DOIs are minted against a stand-in (no DataCite account; they resolve nowhere)
            "PANHUB_DATACITE_URL": "http://127.0.0.1:8095/",
            "PANHUB_DATACITE_USERNAME": "PANHUB.DEMO",
            "PANHUB_DATACITE_PASSWORD_FILE": str(state_dir / "catalogue" / "datacite_password"),
            "PANHUB_DOI_PREFIX": "10.80001",
            **databases,
        },
    )
