"""The hub's services as both configurations (SLURM host, Helm chart) wire them."""

from __future__ import annotations

import sys

from panhub.services import (
    make_catalogue_service,
    make_catalogue_user_role,
    make_culler_service,
    make_server_token_scopes,
)


def test_the_catalogue_is_a_hub_oauth_service_users_may_reach() -> None:
    assert make_catalogue_service("http://catalogue:8090", "t0ken", "/jh/services/catalogue/") == {
        "name": "catalogue",
        "url": "http://catalogue:8090",
        "api_token": "t0ken",
        "oauth_redirect_uri": "/jh/services/catalogue/oauth_callback",
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": ["read:users:groups!user"],
        "display": True,
    }
    assert make_catalogue_user_role()["scopes"] == ["self", "access:services!service=catalogue"]
    assert "access:services!service=catalogue" in make_server_token_scopes()
    # fresh objects: JupyterHub may keep and change what it is given
    assert make_catalogue_user_role() is not make_catalogue_user_role()


def test_the_culler_gets_its_flags_and_the_least_scopes() -> None:
    service, role = make_culler_service(
        "http://localhost:8081/hub/api", 1800, 300, 5, 86400, cull_users=True,
        cull_admin_users=False, remove_named_servers=True,
    )  # fmt: skip
    assert service == {
        "name": "jupyterhub-idle-culler",
        "command": [
            sys.executable, "-m", "jupyterhub_idle_culler",
            "--url=http://localhost:8081/hub/api", "--timeout=1800", "--cull-every=300",
            "--concurrency=5", "--max-age=86400", "--cull-admin-users=false", "--cull-users",
            "--remove-named-servers",
        ],
    }  # fmt: skip
    assert role == {
        "name": "jupyterhub-idle-culler",
        "scopes": [
            "list:users",
            "read:users:activity",
            "read:servers",
            "delete:servers",
            "admin:users",
        ],
        "services": ["jupyterhub-idle-culler"],
    }
