"""Pure: the hub's services and their roles, as both configurations wire them.

``hub_config/jupyterhub_config.py`` (a hub beside SLURM) and the Helm chart's
``files/hub/jupyterhub_config.py`` run the same catalogue service and, in the chart,
the idle culler: their entries of ``c.JupyterHub.services`` and ``load_roles`` come from
here, so the two cannot drift apart.
"""

from __future__ import annotations

import sys
from typing import Any

CATALOGUE = "catalogue"
CULLER = "jupyterhub-idle-culler"


def make_catalogue_user_role() -> dict[str, Any]:
    """Every user may log in to the catalogue; what they see there is the service's rule."""
    return {"name": "user", "scopes": ["self", f"access:services!service={CATALOGUE}"]}


def make_server_token_scopes() -> list[str]:
    """What a server's own token may do: reach the catalogue as its user.

    The Lab panel and the kernels' ``Catalogue()`` use it; the hub grants only what the
    user holds.
    """
    return ["users:activity!user", "access:servers!server", f"access:services!service={CATALOGUE}"]


def make_catalogue_service(
    url: str, api_token: str | None, prefix: str = "/services/catalogue/"
) -> dict[str, Any]:
    """The catalogue as an external service of the hub (hub OAuth, no confirmation page)."""
    return {
        "name": CATALOGUE,
        "url": url,
        "api_token": api_token,
        "oauth_redirect_uri": prefix + "oauth_callback",
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": ["read:users:groups!user"],
        "display": True,
    }


def make_culler_service(
    api_url: str,
    timeout: int,
    every: int,
    concurrency: int = 10,
    max_age: int = 0,
    cull_users: bool = False,
    cull_admin_users: bool = True,
    remove_named_servers: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """jupyterhub-idle-culler as a hub-managed service, and its role (the least it needs).

    ``api_url`` is the hub's API as the hub's own host reaches it
    (``http://localhost:8081/hub/api``); times are in seconds.

    >>> service, role = make_culler_service("http://localhost:8081/hub/api", 3600, 600)
    >>> service["command"][1:4]
    ['-m', 'jupyterhub_idle_culler', '--url=http://localhost:8081/hub/api']
    >>> role["scopes"]
    ['list:users', 'read:users:activity', 'read:servers', 'delete:servers']
    """
    command = [
        sys.executable,
        "-m",
        "jupyterhub_idle_culler",
        f"--url={api_url}",
        f"--timeout={timeout}",
        f"--cull-every={every}",
        f"--concurrency={concurrency}",
        f"--max-age={max_age}",
        f"--cull-admin-users={str(cull_admin_users).lower()}",
    ]
    scopes = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
    if cull_users:
        command.append("--cull-users")
        scopes.append("admin:users")
    if remove_named_servers:
        command.append("--remove-named-servers")
    service = {"name": CULLER, "command": command}
    return service, {"name": CULLER, "scopes": scopes, "services": [CULLER]}
