"""``panhub-singleuser CMD [ARGS...]``: start a single-user server in a batch job.

Replaces ``batchspawner-singleuser``. It picks a free port, puts it into
``JUPYTERHUB_SERVICE_URL``, and starts the server in its own process, so the server keeps
the job's main process and its signals. A detached helper process reports the port to
the hub only once the server answers HTTP: the hub's first readiness check then
succeeds, instead of backing off while JupyterLab starts. The hub's handler accepts the
port and nothing else.

When CMD is a Python script of this same interpreter (``jupyterhub-singleuser`` of the
environment this wrapper is installed in), it runs in this process instead of through
``exec``: that saves a second interpreter start and lets the wrapper import JupyterLab
without the ``node``/yarn call JupyterLab makes when its app module is imported (about
half a second on each start where ``node`` is on the ``PATH``, for a registry setting the
server never uses). Any other CMD is ``exec``'d.

Uses the standard library only until the server starts: it runs on every spawn.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import socket
import sys
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: Period of the reporter's connection attempts while the server starts: a refused
#: connection costs microseconds, and the hub learns the port this much later at most.
CONNECT_POLL_SECONDS = 0.01


def pick_port() -> int:
    """Ask the kernel for a free TCP port."""
    with socket.socket() as sock:
        sock.bind(("", 0))
        port: int = sock.getsockname()[1]
        return port


def with_port(url: str, port: int) -> str:
    """Replace the port in ``url``, keeping its host (``0.0.0.0`` if there is none)."""
    parts = urlsplit(url)
    host = parts.hostname or "0.0.0.0"  # noqa: S104 - the hub's default listen address
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit(parts._replace(netloc=f"{host}:{port}"))


def probe_host(url: str) -> str:
    """Where to check that the server listens: loopback when it listens everywhere."""
    host = urlsplit(url).hostname or ""
    return "127.0.0.1" if host in {"", "0.0.0.0", "::"} else host  # noqa: S104


def make_check_url(service_url: str) -> str:
    """The URL the hub checks before it calls the server ready: ``<service URL>api``.

    On the probe host, since the hub reaches the server from elsewhere (JupyterHub's
    ``User._wait_up``: any answer below 500 will do).
    """
    parts = urlsplit(service_url)
    host = probe_host(service_url)
    netloc = f"[{host}]:{parts.port}" if ":" in host else f"{host}:{parts.port}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme or "http", netloc, path + "api", "", ""))


def wait_for_answer(url: str, parent: int, deadline: float) -> bool:
    """Wait until ``url`` answers HTTP with a status below 500, as the hub's check wants.

    A bare TCP connection is not enough: jupyter_server binds its port once to check it
    is free, closes it, and listens for good only after writing its state files, so a
    connection can succeed milliseconds before the server does.

    Returns
    -------
    bool
        False if the server process ``parent`` died or the deadline passed first.
    """
    while time.monotonic() < deadline:
        if answers(url):
            return True
        if not _alive(parent):
            return False
        time.sleep(CONNECT_POLL_SECONDS)
    return False


def answers(url: str, timeout: float = 5) -> bool:
    """One readiness check: does ``url`` answer a GET with a status below 500?"""
    import http.client
    import ssl

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        # a liveness probe of our own server, which carries no secret: any certificate
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        return connection.getresponse().status < 500
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in {"Z", "X"}
    except (OSError, IndexError):
        return False


def report_port(api_url: str, token: str, port: int, attempts: int = 5) -> None:
    """POST ``{"port": port}`` to the hub's ``/batchspawner`` route, with a few retries."""
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the hub's own API URL
        api_url.rstrip("/") + "/batchspawner",
        data=json.dumps({"port": port}).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310
                return
        except OSError as exc:
            print(f"panhub-singleuser: port report failed ({exc})", file=sys.stderr)
            time.sleep(0.5 * (attempt + 1))


def _reporter(service_url: str, port: int, server_pid: int) -> None:
    # import what the report needs now, while the server imports, not once it answers
    import urllib.request  # noqa: F401

    timeout = float(os.environ.get("PANHUB_START_TIMEOUT", "600"))
    url = make_check_url(service_url)
    if wait_for_answer(url, server_pid, time.monotonic() + timeout):
        report_port(os.environ["JUPYTERHUB_API_URL"], os.environ["JUPYTERHUB_API_TOKEN"], port)


def get_interpreter(script: str) -> str:
    """The interpreter of ``script``'s ``#!`` line; '' if it has none, or passes arguments."""
    try:
        with open(script, "rb") as file:
            first = file.readline(512)
    except OSError:
        return ""
    if not first.startswith(b"#!"):
        return ""
    words = first[2:].decode(errors="replace").split()
    return words[0] if len(words) == 1 else ""


def is_own_script(script: str, executable: str = sys.executable) -> bool:
    """Whether ``script`` would run on ``executable``: its ``#!`` names that interpreter.

    The interpreter must be in the same folder as ``executable`` (a venv's ``python3``
    and ``python`` are one interpreter; another venv's is not, although both link to
    the same system Python) and be the same file.
    """
    interpreter = get_interpreter(script)
    if not interpreter or not executable:
        return False
    if os.path.dirname(os.path.abspath(interpreter)) != os.path.dirname(
        os.path.abspath(executable)
    ):
        return False
    try:
        return os.path.samefile(interpreter, executable)
    except OSError:
        return False


def import_lab_without_yarn() -> None:
    """Import JupyterLab's app module without the yarn call its import makes.

    ``jupyterlab.labapp`` computes JupyterLab's version at import through
    ``jupyterlab.commands._AppHandler``, whose default npm registry comes from ``node
    yarn.js config`` when ``node`` is on the ``PATH``. The version does not need the
    registry, and that handler is thrown away, so the call is answered empty during this
    one import and put back afterwards: later uses (extension builds) still ask yarn.
    Does nothing if JupyterLab is not installed or no longer has that function.
    """
    try:
        from jupyterlab import commands  # type: ignore[import-untyped]
    except ImportError:
        return
    lookup = getattr(commands, "_yarn_config", None)
    if lookup is None or "jupyterlab.labapp" in sys.modules:
        return

    def empty(logger: Any) -> dict[str, dict[str, Any]]:
        return {"yarn config": {}, "npm config": {}}

    commands._yarn_config = empty
    try:
        import jupyterlab.labapp  # type: ignore[import-untyped]  # noqa: F401
    finally:
        commands._yarn_config = lookup


def run_script(script: str, args: list[str]) -> None:
    """Run the Python ``script`` in this process, as its interpreter would run it."""
    sys.argv = [script, *args[1:]]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    import_lab_without_yarn()
    runpy.run_path(script, run_name="__main__")


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``panhub-singleuser jupyterhub-singleuser [ARGS...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.exit("usage: panhub-singleuser COMMAND [ARGS...]")
    for name in ("JUPYTERHUB_API_URL", "JUPYTERHUB_API_TOKEN"):
        if name not in os.environ:
            sys.exit(f"panhub-singleuser: {name} is not set; run me from the hub's batch job")
    port = pick_port()
    service_url = with_port(os.environ.get("JUPYTERHUB_SERVICE_URL", ""), port)
    os.environ["JUPYTERHUB_SERVICE_URL"] = service_url
    server_pid = os.getpid()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked reporter
        # detach twice so the server never has to reap the reporter
        if os.fork() == 0:
            try:
                _reporter(service_url, port, server_pid)
            finally:
                os._exit(0)
        os._exit(0)
    os.waitpid(child, 0)
    print(f"panhub-singleuser: starting {args[0]} on port {port}", flush=True)
    script = shutil.which(args[0]) or ""
    if script and is_own_script(script):
        run_script(script, args)
        return
    os.execvp(args[0], args)  # noqa: S606


if __name__ == "__main__":  # pragma: no cover
    main()
