#!/usr/bin/env python3
"""A single-user server as light as the hub allows, for the scale benchmark.

It honours what the hub and the proxy check of a single-user server, and nothing more.
The job's wrapper (``panhub-singleuser``, or stock ``batchspawner-singleuser``) picks the
port, reports it to the hub and puts it into ``$JUPYTERHUB_SERVICE_URL``, then runs this
as the server command (``PANHUB_SINGLEUSER_CMD``), as it would run
``jupyterhub-singleuser``. This server listens at that URL's address and port and
answers the hub's readiness check, ``GET <service prefix>api`` (the path
:func:`panhub.singleuser.make_check_url` makes), as jupyter_server answers it: a JSON
version and the ``X-JupyterHub-Version`` header; anything else is 404. Idle, it waits
in ``accept()``: no CPU, about 20 MB of memory (more under stock's wrapper, which runs
it in its own interpreter, JupyterHub imported).

Jobs run as the users, who may not read the checkout: the benchmark runs a
world-readable copy of this file (the ``#!`` line lets ``panhub-singleuser`` run it;
stock's wrapper runs it with ``runpy``). Test code, so it is not shipped in the package.
"""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

from panhub.singleuser import make_check_url


def get_hub_version() -> str:
    """The JupyterHub version of this environment (the hub compares it with its own)."""
    try:
        return version("jupyterhub")
    except PackageNotFoundError:
        return ""


def make_server(service_url: str, hub_version: str) -> HTTPServer:
    """A server bound to ``service_url``'s address and port that answers the hub's check."""
    parts = urlsplit(service_url)
    check_path = urlsplit(make_check_url(service_url)).path
    body = json.dumps({"version": hub_version}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.split("?", 1)[0] == check_path
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-JupyterHub-Version", hub_version)
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per check would only fill the job log

    return HTTPServer((parts.hostname or "0.0.0.0", parts.port or 0), Handler)


def main() -> None:
    service_url = os.environ.get("JUPYTERHUB_SERVICE_URL", "")
    if not urlsplit(service_url).port:
        raise SystemExit("tinyserver: JUPYTERHUB_SERVICE_URL with a port is not set")
    make_server(service_url, get_hub_version()).serve_forever(poll_interval=3600)


if __name__ == "__main__":
    main()
