"""The port callback: ``POST /hub/api/batchspawner`` with ``{"port": N}``, nothing else.

batchspawner 1.3.0's handler copies every key of the request body onto the spawner with
``setattr``, so a user's server token can rewrite the commands the hub runs as root (for
example ``batch_query_cmd``). This module removes that handler from JupyterHub's API
routes and puts :class:`PortCallbackHandler` in its place, at the same URL, so the
stock ``batchspawner-singleuser`` and ``panhub-singleuser`` both keep working.
"""

from __future__ import annotations

import hmac
import json

from jupyterhub.apihandlers import APIHandler, default_handlers
from tornado import web

ROUTE = r"/api/batchspawner"


def parse_port(body: bytes) -> int:
    """Read ``{"port": N}`` with 1 <= N <= 65535 and no other key.

    Raises
    ------
    ValueError
        With a message saying what is wrong.
    """
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError('body must be a JSON object: {"port": N}')
    extra = sorted(str(k) for k in data if k != "port")
    if extra:
        raise ValueError(f"only 'port' may be set, not {', '.join(extra)[:200]}")
    port = data.get("port")
    if isinstance(port, bool) or not isinstance(port, int):
        raise ValueError("port must be an integer")
    if not 1 <= port <= 65535:
        raise ValueError(f"port must be from 1 to 65535, not {port}")
    return port


class PortCallbackHandler(APIHandler):
    """Accept the port of the server that owns the calling token, while it starts."""

    @web.authenticated
    def post(self) -> None:
        user = self.current_user
        token = self.get_auth_token() or ""
        spawner = None
        for candidate in getattr(user, "spawners", {}).values():
            owned = candidate.api_token or ""
            if owned and hmac.compare_digest(owned.encode(), token.encode()):
                spawner = candidate
                break
        if spawner is None:
            raise web.HTTPError(403, "this token does not belong to a server")
        try:
            port = parse_port(self.request.body)
        except ValueError as exc:
            raise web.HTTPError(400, str(exc)) from None
        if spawner.pending != "spawn" or spawner.port:
            raise web.HTTPError(409, "the server is not waiting for its port")
        receive = getattr(spawner, "receive_port", None)
        if receive is not None:
            receive(port)
        else:
            spawner.port = port
        self.set_status(201)
        self.finish(json.dumps({"message": "port received", "port": port}))


def install() -> None:
    """Replace batchspawner's handler in JupyterHub's API routes (idempotent).

    Must run before the hub builds its routes, that is, at import of the spawner.
    """
    import batchspawner.api  # noqa: F401 - registers the stock handler, which we drop

    default_handlers[:] = [h for h in default_handlers if h[0] != ROUTE]
    default_handlers.append((ROUTE, PortCallbackHandler))
